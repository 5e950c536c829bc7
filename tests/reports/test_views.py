"""The report pages as each user meets them: the latest ranking, the archive, the
downloads and an administrator's rebuild (queued; tasks run eagerly in tests). The
reports' PDFs are stand-ins (``pdf_not_rendered``, tests/conftest.py): these pages serve
the stored files byte for byte, whatever they hold; tests/test_access.py downloads a real
one."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recovery.models import Arrear
from reports.models import Report
from reports.services import report_build
from tests.factories import ArrearFactory, admin_of, pay

DAY = date(2025, 3, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.usefixtures("pdf_not_rendered")


@pytest.fixture
def report(campaign, arrear, village_b, staff_user):
    """东岭村 owes 1,000.00 and paid 400.00 on DAY; 西河村 owes 500.00, nothing paid."""
    ArrearFactory(debtor__village=village_b, campaign=campaign, principal=Decimal("500.00"))
    Arrear.objects.update(created_at=datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI))
    pay(arrear, "400.00", staff_user, received_on=DAY, recorded_at=datetime(2025, 3, 10, 10, 0, tzinfo=SHANGHAI))
    return report_build(campaign=campaign, day=DAY)[0]


def test_it_shows_the_latest_ranking_with_the_cadres_own_village_first(client, report, cadre_user, village_a):
    client.force_login(cadre_user)
    page = client.get(reverse("reports:ranking")).content.decode()
    assert f"本村：{village_a.name}" in page
    assert "第 1 名 / 2" in page
    assert f'.rpt tr[data-village="{village_a.pk}"] td {{ background' in page
    assert f'<tr id="village-{village_a.pk}" data-village="{village_a.pk}">' in page


def test_it_labels_the_cadres_card_as_the_reports_figures_and_points_to_the_live_ones(client, report, cadre_user):
    client.force_login(cadre_user)
    page = client.get(reverse("reports:ranking")).content.decode()
    note = page[page.index('class="muted live-note"'):]
    assert note.index("截至2025年3月10日 16:00战报") < note.index("实时数") < note.index(f'href="{reverse("home")}"')


def test_it_shows_no_own_village_card_to_a_leader(client, report, leader_user):
    client.force_login(leader_user)
    page = client.get(reverse("reports:ranking")).content.decode()
    assert "本村：" not in page
    assert "tr[data-village=" not in page
    assert "清收清欠战报 第" in page


def test_it_says_so_when_no_report_has_been_published(client, staff_user):
    client.force_login(staff_user)
    assert "还没有发布的战报" in client.get(reverse("reports:ranking")).content.decode()


def test_it_lists_reports_in_the_archive_with_downloads(client, report, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("reports:report_list")).content.decode()
    assert reverse("reports:report_pdf", args=[report.pk]) in page
    assert reverse("reports:report_xlsx", args=[report.pk]) in page


def test_it_downloads_the_published_files_byte_for_byte(client, report, cadre_user):
    client.force_login(cadre_user)
    pdf = client.get(reverse("reports:report_pdf", args=[report.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == report.pdf.open("rb").read()
    xlsx = client.get(reverse("reports:report_xlsx", args=[report.pk]))
    assert "attachment" in xlsx["Content-Disposition"]
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_it_rebuilds_a_published_day_as_a_new_version_for_an_administrator(client, report, township, staff_user, arrear):
    pay(arrear, "100.00", staff_user)
    client.force_login(admin_of(township, username="boss"))
    url = reverse("reports:report_rebuild", args=[report.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and "这个字段是必填项" in refused.content.decode()
    assert Report.objects.count() == 1
    with django_capture_on_commit():
        response = client.post(url, {"reason": "补录漏记的清收"})
    assert response.status_code == 302
    versions = list(Report.objects.filter(day=DAY).order_by("version"))
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert versions[1].rebuild_reason == "补录漏记的清收"
    assert versions[0].snapshot.totals.recovered == Decimal("400.00")
    page = client.get(reverse("reports:report", args=[versions[0].pk])).content.decode()
    assert "这是旧版本" in page


def test_it_refuses_to_rebuild_from_an_older_version_on_the_form(client, report, township):
    client.force_login(admin_of(township, username="boss"))
    with django_capture_on_commit():
        client.post(reverse("reports:report_rebuild", args=[report.pk]), {"reason": "第一次更正"})
    assert Report.objects.count() == 2

    with django_capture_on_commit():
        response = client.post(reverse("reports:report_rebuild", args=[report.pk]), {"reason": "从旧版本再次提交"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["只能基于当前版本重新生成。"]}
    assert Report.objects.count() == 2


def django_capture_on_commit():
    """Runs on_commit callbacks at the end of the block (the test wraps a transaction)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_it_serves_the_sections_stored_when_the_report_was_published(client, report, cadre_user):
    """Rendered once at publishing; the page serves what is stored, as it is."""
    assert 'data-village="' in report.sections_html and report.summary["villages_ranked"] == 2
    Report.objects.filter(pk=report.pk).update(sections_html=report.sections_html.replace("村居排名", "村居排名（已存）"))
    client.force_login(cadre_user)
    page = client.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert "二、村居排名（已存）" in page


def test_it_stores_the_sections_of_an_older_report_on_its_first_view(client, report, cadre_user, village_a):
    Report.objects.filter(pk=report.pk).update(sections_html="", summary={}, village_rows={})
    client.force_login(cadre_user)
    page = client.get(reverse("reports:ranking")).content.decode()
    assert f"本村：{village_a.name}" in page and "第 1 名 / 2" in page
    assert f'<tr id="village-{village_a.pk}" data-village="{village_a.pk}">' in page
    report.refresh_from_db()
    assert 'data-village="' in report.sections_html and f"v{village_a.pk}" in report.village_rows


def test_it_reads_the_cadres_row_without_the_snapshot(client, report, cadre_user, village_a):
    """The report is read without its snapshot (``data``): the cadre's card comes from the
    one row the database pulls out of the stored summary."""
    client.force_login(cadre_user)
    client.get(reverse("reports:ranking"))
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("reports:ranking")).content.decode()
    report_reads = [q["sql"] for q in captured.captured_queries if 'FROM "reports_report"' in q["sql"]]
    assert report_reads and not any('"reports_report"."data"' in sql for sql in report_reads)
    assert f"本村：{village_a.name}" in page


def test_a_report_page_is_sent_compressed_to_a_browser_that_accepts_it(client, report, cadre_user, village_a):
    import gzip

    client.force_login(cadre_user)
    for url in (reverse("reports:ranking"), reverse("reports:report", args=[report.pk])):
        plain = client.get(url)
        packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
        page = gzip.decompress(packed.content).decode()
        assert "清收清欠战报 第" in page and f'data-village="{village_a.pk}"' in page
        assert len(packed.content) < len(plain.content)
