"""A first ``seed_demo`` on an empty database, with its defaults: users who can log in, the
first village's 张三, a refusal to run a second time, and the battle reports of the days so
far, published while it seeds, so the ranking is there when the site first answers and the
schedule has nothing to catch up on.

The township (5 villages) is seeded once for the module, on 2025-06-16 at 17:00 Asia/Shanghai
(after that day's 16:00 cut-off), and time stays there. Its 31 reports are built by the
real services; only their PDFs are not rendered (``unrendered_pdf``: 31 WeasyPrint runs
would take a minute, and tests/reports covers the PDF), except the one the last test
renders from the demo's own snapshot.
"""

import io
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.roles import Role, user_role
from integrity.models import VerificationRun
from recovery.models import Campaign, Debtor
from reports.models import Report
from reports.renderers.pdf import render_pdf
from reports.selectors import report_snapshot
from reports.services import due_reports_build
from reports.tasks import build_due_reports
from tests.demo.seeding import PASSWORD, SHANGHAI, fingerprint, seed, seeded_once
from tests.stand_ins import unrendered_pdf
from villages.models import Township, Village

pytestmark = pytest.mark.django_db

SEEDED_AT = datetime(2025, 6, 16, 17, 0, tzinfo=SHANGHAI)
TODAY = SEEDED_AT.date()
FIRST_DAY = TODAY - timedelta(days=30)


@pytest.fixture(scope="module", autouse=True)
def output(django_db_setup, django_db_blocker):
    """What ``seed_demo --villages 5`` printed; the township stays for the module's tests."""
    with time_machine.travel(SEEDED_AT, tick=False), pytest.MonkeyPatch.context() as patch:
        patch.setattr("reports.renderers.render_pdf", unrendered_pdf)
        with seeded_once(django_db_blocker, villages=5, reports=True) as printed:
            yield printed


def test_it_creates_the_villages_and_one_cadre_per_village_with_a_working_password(output):
    villages = list(Village.objects.order_by("code"))
    assert [v.code for v in villages] == ["V001", "V002", "V003", "V004", "V005"]
    assert len({v.name for v in villages}) == 5
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+(村|社区)", v.name) for v in villages)
    for village in villages:
        user = authenticate(username=f"cadre-{village.code}", password=PASSWORD)
        assert user is not None
        assert user.village_id == village.pk
        assert user_role(user) == Role.CADRE
        assert user.display_name
    assert authenticate(username="cadre-V001", password="wrong") is None
    assert "cadre-V005" in output and PASSWORD in output


def test_it_creates_admin_staff_and_leader_in_their_groups():
    township = Township.objects.get()

    expected = {"admin": Role.ADMIN, "staff": Role.STAFF, "leader": Role.LEADER}
    for username, role in expected.items():
        user = authenticate(username=username, password=PASSWORD)
        assert user is not None, username
        assert user_role(user) == role
        assert user.display_name
    assert get_user_model().objects.get(username="admin").is_superuser
    assert get_user_model().objects.get(username="staff").township == township
    assert get_user_model().objects.get(username="leader").township == township


def test_it_puts_zhang_san_in_the_first_village_for_the_initials_search():
    zhang_san = Debtor.objects.get(name="张三")
    assert zhang_san.village.code == "V001"
    assert zhang_san.arrears.exists()
    assert zhang_san.name_initials == "zs"
    assert zhang_san in Debtor.objects.filter(name_initials__contains="zs")


def test_it_refuses_to_run_twice():
    before = fingerprint()

    with pytest.raises(CommandError, match="已有村居"):
        seed(villages=5, seed=2)

    assert fingerprint() == before


# ---- the battle reports ------------------------------------------------------------


def test_it_publishes_one_report_for_every_day_of_the_campaign_whose_cutoff_has_passed(output):
    campaign = Campaign.objects.get()
    reports = list(Report.objects.order_by("day"))

    assert campaign.start_date == FIRST_DAY
    assert [r.day for r in reports] == [FIRST_DAY + timedelta(days=i) for i in range(31)]  # today's too: 17:00 > 16:00
    assert {(r.campaign_id, r.version, r.is_current) for r in reports} == {(campaign.pk, 1, True)}
    assert [r.issue_number for r in reports] == list(range(1, 32))
    for report in reports:
        assert report.pdf.open("rb").read().startswith(b"%PDF-")
        assert report.xlsx.open("rb").read().startswith(b"PK")
    assert "战报：已发布 31 期（2025-05-17 至 2025-06-16）" in output


def test_it_leaves_the_schedule_nothing_to_build():
    assert due_reports_build() == []
    assert build_due_reports() == []  # what beat runs every minute
    assert due_reports_build(now=SEEDED_AT + timedelta(hours=16)) == []  # next morning: nothing new is due
    assert Report.objects.count() == 31


def test_it_publishes_the_numbers_of_the_demo_ledger():
    campaign = Campaign.objects.get()
    latest = Report.objects.get(day=TODAY)

    assert latest.data == report_snapshot(campaign=campaign, day=TODAY).to_json()  # rebuilt now: the same numbers
    assert [row.code for row in latest.snapshot.villages] and latest.snapshot.totals.recovered > 0
    assert render_pdf(latest.snapshot).startswith(b"%PDF-")  # the demo's own data prints


def test_an_untouched_demo_verifies_clean():
    """Every fact the demo wrote went through the services, each into the hash chain; the
    31 reports' files are as published (integrity/verification.py)."""
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "未发现问题" in out.getvalue()
    run = VerificationRun.objects.get()
    assert run.ok and run.links_checked == run.rows_checked > Report.objects.count()


def test_it_shows_the_ranking_when_the_site_first_answers(client):
    client.force_login(get_user_model().objects.get(username="cadre-V001"))
    page = client.get(reverse("reports:ranking")).content.decode()

    assert "还没有发布的战报" not in page
    assert "清收清欠战报 第 31 期" in page
    assert all(village.name in page for village in Village.objects.all())
