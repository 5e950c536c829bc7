"""Building, publishing and rebuilding battle reports (reports/services.py), the schedule's
catch-up (due_reports_build) and the ``build_report`` command.

A published report is fixed: its data and files never change; a rebuild is an
administrator's act with a reason that adds version 2 beside version 1.
"""

import hashlib
import threading
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse as url

from recovery.choices import RepaymentKind
from recovery.models import Campaign
from reports.models import Report
from reports.selectors import report_snapshot
from reports.services import due_reports_build, report_build, report_rebuild, report_rebuild_request
from tests.factories import ArrearFactory, CampaignFactory, admin_of, pay, reverse, write_off

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = date(2025, 3, 10)   # day 69 of the campaign that starts on 2025-01-01
ON_THE_BOOKS = datetime(2024, 12, 20, 9, 0, tzinfo=SHANGHAI)


def at(day, hour, minute=0, second=0):
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


def frozen(moment):
    return time_machine.travel(moment, tick=False)


def owed(village, campaign, principal, created_at=ON_THE_BOOKS):
    return ArrearFactory(
        debtor__village=village, campaign=campaign, principal=Decimal(principal), created_at=created_at
    )


def sha256(field_file):
    return hashlib.sha256(Path(field_file.path).read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def pdf(request):
    """The PDF is not rendered (``pdf_not_rendered``, tests/conftest.py) but in the tests
    that ask for ``rendered_pdf``: these read the files a build writes."""
    if "rendered_pdf" not in request.fixturenames:
        request.getfixturevalue("pdf_not_rendered")


@pytest.fixture
def rendered_pdf():
    """Asked for by a test that reads the PDF a build writes: WeasyPrint renders it."""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test writes its report files to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ledger(campaign, village_a, village_b, staff_user):
    """东岭村 owes 1,000 and paid 300 on D; 西河村 owes 2,000 and gave 500 in kind on D."""
    arrear_a = owed(village_a, campaign, "1000.00")
    arrear_b = owed(village_b, campaign, "2000.00")
    with frozen(at(D, 10, 0)):
        pay(arrear_a, "300.00", staff_user)
        pay(arrear_b, "500.00", staff_user, kind=RepaymentKind.IN_KIND)
    return arrear_a, arrear_b


@pytest.fixture
def administrator(township):
    return admin_of(township, username="admin1", display_name="系统管理员老周")


def build(campaign, day=D, moment=None):
    with frozen(moment or at(day, 16, 0, 1)):
        return report_build(campaign=campaign, day=day)


# ---- report_build ------------------------------------------------------------------


def test_it_builds_one_report_with_a_pdf_and_an_excel_file(campaign, ledger, media_root, rendered_pdf):
    report, created = build(campaign)

    assert created is True
    assert Report.objects.count() == 1
    report.refresh_from_db()
    assert (report.day, report.version, report.is_current, report.issue_number) == (D, 1, True, 69)
    assert report.cutoff_at == at(D, 16, 0, 0)
    assert (report.built_by, report.rebuild_reason) == (None, "")
    pdf, xlsx = Path(report.pdf.path), Path(report.xlsx.path)
    assert pdf.is_file() and xlsx.is_file()
    assert media_root in pdf.parents
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 1000
    assert xlsx.read_bytes().startswith(b"PK") and xlsx.stat().st_size > 1000
    assert pdf.name == "清收清欠战报-第69期-20250310.pdf"
    assert xlsx.name == "清收清欠战报-第69期-20250310.xlsx"
    # The stored snapshot: JSON with Decimals as strings, read back as Decimals.
    assert report.data["totals"]["recovered"] == "800.00"
    totals = report.snapshot.totals
    assert (totals.baseline, totals.recovered, totals.recovered_cash, totals.recovered_offset, totals.ratio) == (
        Decimal("3000.00"), Decimal("800.00"), Decimal("300.00"), Decimal("500.00"), Decimal("0.2667"))
    assert [(r.code, r.rank, r.ratio) for r in report.snapshot.villages] == [
        ("LS-001", 1, Decimal("0.3000")), ("LS-002", 2, Decimal("0.2500"))]


def test_it_returns_the_same_report_when_built_twice(campaign, ledger):
    first, created_first = build(campaign)
    second, created_second = build(campaign, moment=at(date(2025, 3, 12), 9, 0))

    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk
    assert Report.objects.filter(campaign=campaign, day=D).count() == 1


@pytest.mark.parametrize("moment", [at(D, 15, 59, 59), at(D, 9, 0), at(date(2025, 3, 9), 18, 0)])
def test_it_refuses_to_build_before_the_days_cutoff(campaign, ledger, moment):
    with pytest.raises(ValidationError) as caught:
        build(campaign, moment=moment)

    assert caught.value.messages == ["2025-03-10 的战报要到截止时间 16:00 之后才能生成。"]
    assert not Report.objects.exists()


def test_it_refuses_a_day_before_the_campaign_began(campaign, ledger):
    with pytest.raises(ValidationError) as caught:
        build(campaign, day=date(2024, 12, 31))

    assert caught.value.messages == ["清收行动从 2025-01-01 开始，2024-12-31 没有战报。"]
    assert not Report.objects.exists()


# ---- due_reports_build: the schedule -----------------------------------------------


def test_it_builds_todays_report_after_the_cutoff_and_not_before(campaign, ledger):
    Campaign.objects.filter(pk=campaign.pk).update(start_date=D)

    with frozen(at(D, 15, 59, 59)):
        assert due_reports_build() == []
    # The schedule waits a minute past the cut-off for entries stamped just before it.
    with frozen(at(D, 16, 0, 59)):
        assert due_reports_build() == []
    assert not Report.objects.exists()

    with frozen(at(D, 16, 1, 0)):
        built = due_reports_build()
    assert [(r.day, r.issue_number) for r in built] == [(D, 1)]

    with frozen(at(D, 16, 2, 1)):
        assert due_reports_build() == []
    assert Report.objects.count() == 1
    assert Report.objects.get().snapshot.totals.recovered_today == Decimal("800.00")


def test_it_catches_up_the_days_the_scheduler_missed(campaign, village_a, staff_user):
    start = date(2025, 3, 5)
    Campaign.objects.filter(pk=campaign.pk).update(start_date=start)
    arrear = owed(village_a, campaign, "1000.00")
    for day, amount in [(date(2025, 3, 6), "10.00"), (date(2025, 3, 8), "20.00"), (date(2025, 3, 9), "40.00"), (D, "80.00")]:
        with frozen(at(day, 11, 0)):
            pay(arrear, amount, staff_user)
    with frozen(at(date(2025, 3, 7), 16, 30)):
        assert [r.day for r in due_reports_build()] == [date(2025, 3, 5), date(2025, 3, 6), date(2025, 3, 7)]

    # The scheduler is down on 8, 9 and 10 March and comes back on the 11th before 16:00.
    with frozen(at(date(2025, 3, 11), 9, 0)):
        caught_up = due_reports_build()
        again = due_reports_build()

    assert [(r.day, r.issue_number) for r in caught_up] == [
        (date(2025, 3, 8), 4), (date(2025, 3, 9), 5), (D, 6)]
    assert again == []
    assert Report.objects.count() == 6
    assert sorted(Report.objects.values_list("day", flat=True)) == [date(2025, 3, d) for d in range(5, 11)]
    # Each caught-up report reads the ledger as of its own day's cut-off.
    figures = {r.day: (r.snapshot.totals.recovered, r.snapshot.totals.recovered_today) for r in Report.objects.all()}
    assert figures[date(2025, 3, 8)] == (Decimal("30.00"), Decimal("20.00"))
    assert figures[date(2025, 3, 9)] == (Decimal("70.00"), Decimal("40.00"))
    assert figures[D] == (Decimal("150.00"), Decimal("80.00"))


def test_it_stops_building_at_the_campaigns_end_and_skips_inactive_campaigns(campaign, ledger, township):
    Campaign.objects.filter(pk=campaign.pk).update(start_date=date(2025, 3, 9), end_date=D)
    CampaignFactory(township=township, start_date=date(2025, 3, 9), is_active=False)

    with frozen(at(date(2025, 3, 14), 17, 0)):
        built = due_reports_build()

    assert [(r.campaign_id, r.day) for r in built] == [(campaign.pk, date(2025, 3, 9)), (campaign.pk, D)]


# ---- concurrency -------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_leaves_one_report_when_four_builds_run_at_once(campaign, village_a, village_b, staff_user, media_root):
    arrear = owed(village_a, campaign, "1000.00")
    owed(village_b, campaign, "2000.00")
    pay(arrear, "250.00", staff_user, recorded_at=at(D, 11, 0))  # D is long past: no time travel
    barrier = threading.Barrier(4, timeout=30)
    results, crashes = [None] * 4, []

    def target(i):
        try:
            barrier.wait()
            results[i] = report_build(campaign=Campaign.objects.get(pk=campaign.pk), day=D)
        except Exception as exc:  # noqa: BLE001 - reported below
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads), "线程未在 120 秒内结束（死锁？）"
    assert not crashes, crashes
    assert sorted(created for _report, created in results) == [False, False, False, True]
    report = Report.objects.get()
    assert {r.pk for r, _created in results} == {report.pk}
    assert report.snapshot.totals.recovered == Decimal("250.00")
    # Only the winner wrote files.
    version_dir = Path(report.pdf.path).parent
    assert sorted(p.name for p in version_dir.iterdir()) == [
        "清收清欠战报-第69期-20250310.pdf", "清收清欠战报-第69期-20250310.xlsx"]


# ---- published means fixed ---------------------------------------------------------


def test_it_never_changes_a_published_report_when_entries_arrive_for_its_day(campaign, ledger, staff_user):
    arrear_a, arrear_b = ledger
    report, _created = build(campaign)
    data, pdf_sha, xlsx_sha = report.data, sha256(report.pdf), sha256(report.xlsx)
    pdf_path, xlsx_path = report.pdf.path, report.xlsx.path

    # Entries for D (recorded before its cut-off, through the service's recorded_at) after publishing.
    with frozen(at(date(2025, 3, 11), 9, 0)):
        late = pay(arrear_a, "200.00", staff_user, recorded_at=at(D, 15, 0))
        pay(arrear_b, "100.00", staff_user, recorded_at=at(D, 15, 30), kind=RepaymentKind.TRANSFER)
        write_off(arrear_b, "50.00", staff_user, recorded_at=at(D, 15, 45))
        reverse(late, staff_user, recorded_at=at(D, 15, 50))
        pay(arrear_a, "400.00", staff_user, recorded_at=at(D, 15, 55))
        again, created = report_build(campaign=campaign, day=D)

    # The ledger as of D 16:00 now says 300 + 400 + 500 + 100 = 1,300 ...
    assert report_snapshot(campaign=campaign, day=D).totals.recovered == Decimal("1300.00")
    # ... but the published report still says 800, in its data and its files.
    assert (again.pk, created) == (report.pk, False)
    report.refresh_from_db()
    assert report.data == data
    assert report.snapshot.totals.recovered == Decimal("800.00")
    assert (report.pdf.path, report.xlsx.path) == (pdf_path, xlsx_path)
    assert (sha256(report.pdf), sha256(report.xlsx)) == (pdf_sha, xlsx_sha)
    assert Report.objects.count() == 1


# ---- report_rebuild ----------------------------------------------------------------


def test_it_lets_only_an_administrator_rebuild(campaign, ledger, staff_user, leader_user):
    build(campaign)

    with frozen(at(date(2025, 3, 11), 9, 0)):
        for user in (staff_user, leader_user):
            with pytest.raises(PermissionDenied) as caught:
                report_rebuild(campaign=campaign, day=D, reason="补录遗漏的清收记录", rebuilt_by=user)
            assert str(caught.value) == "只有管理员可以重新生成已发布的战报。"

    assert list(Report.objects.values_list("version", "is_current")) == [(1, True)]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_it_requires_a_reason_to_rebuild(campaign, ledger, administrator, reason):
    build(campaign)

    with frozen(at(date(2025, 3, 11), 9, 0)), pytest.raises(ValidationError) as caught:
        report_rebuild(campaign=campaign, day=D, reason=reason, rebuilt_by=administrator)

    assert caught.value.message_dict == {"reason": ["请填写重新生成的原因。"]}
    assert Report.objects.count() == 1


def test_it_refuses_to_rebuild_a_day_with_no_report(campaign, ledger, administrator):
    with frozen(at(date(2025, 3, 11), 9, 0)), pytest.raises(ValidationError) as caught:
        report_rebuild(campaign=campaign, day=D, reason="补录", rebuilt_by=administrator)

    assert caught.value.messages == ["2025-03-10 还没有战报，无需重新生成。"]
    assert not Report.objects.exists()


def test_it_rebuilds_as_version_2_and_keeps_version_1(campaign, ledger, staff_user, administrator, leader_user, client):
    arrear_a, _arrear_b = ledger
    v1, _created = build(campaign)
    v1_data, v1_pdf, v1_xlsx = v1.data, sha256(v1.pdf), sha256(v1.xlsx)
    with frozen(at(date(2025, 3, 11), 9, 0)):
        pay(arrear_a, "200.00", staff_user, recorded_at=at(D, 15, 0))  # a receipt found late
        v2 = report_rebuild(campaign=campaign, day=D, reason="补录遗漏的收据 No.0031", rebuilt_by=administrator)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.version, v1.is_current, v2.version, v2.is_current) == (1, False, 2, True)
    assert (v2.built_by, v2.rebuild_reason, v2.issue_number) == (administrator, "补录遗漏的收据 No.0031", 69)
    assert v1.data == v1_data
    assert (sha256(v1.pdf), sha256(v1.xlsx)) == (v1_pdf, v1_xlsx)
    assert (v1.snapshot.totals.recovered, v2.snapshot.totals.recovered) == (Decimal("800.00"), Decimal("1000.00"))
    assert Path(v2.pdf.path).name == "清收清欠战报-第69期-20250310-v2.pdf"
    assert len({v1.pdf.path, v1.xlsx.path, v2.pdf.path, v2.xlsx.path}) == 4
    # The schedule and report_build now give version 2.
    current, created = build(campaign, moment=at(date(2025, 3, 11), 9, 5))
    assert (current.pk, created) == (v2.pk, False)

    client.force_login(leader_user)
    for report in (v1, v2):
        for name, field in (("reports:report_pdf", report.pdf), ("reports:report_xlsx", report.xlsx)):
            response = client.get(url(name, args=[report.pk]))
            assert response.status_code == 200, (name, report.version)
            assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == sha256(field)


def test_it_numbers_each_rebuild_as_the_next_version(campaign, ledger, administrator):
    build(campaign)
    with frozen(at(date(2025, 3, 11), 9, 0)):
        report_rebuild(campaign=campaign, day=D, reason="第一次更正", rebuilt_by=administrator)
        v3 = report_rebuild(campaign=campaign, day=D, reason="第二次更正", rebuilt_by=administrator)

    assert v3.version == 3
    assert list(Report.objects.order_by("version").values_list("version", "is_current")) == [
        (1, False), (2, False), (3, True)]


def test_it_refuses_to_rebuild_a_version_that_is_no_longer_current(campaign, ledger, administrator):
    build(campaign)
    with frozen(at(date(2025, 3, 11), 9, 0)):
        v2 = report_rebuild(campaign=campaign, day=D, reason="第一次更正", rebuilt_by=administrator, version=1)
        with pytest.raises(ValidationError) as caught:
            report_rebuild(campaign=campaign, day=D, reason="从旧页面再次提交", rebuilt_by=administrator, version=1)
        assert caught.value.message_dict == {"reason": ["只能基于当前版本重新生成。"]}
        v3 = report_rebuild(campaign=campaign, day=D, reason="第二次更正", rebuilt_by=administrator, version=2)

    assert (v2.version, v3.version) == (2, 3)
    assert list(Report.objects.order_by("version").values_list("version", "is_current")) == [
        (1, False), (2, False), (3, True)]


def test_it_queues_a_rebuild_of_the_current_version(campaign, ledger, administrator, django_capture_on_commit_callbacks):
    v1, _created = build(campaign)
    with frozen(at(date(2025, 3, 11), 9, 0)):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            report_rebuild_request(report=v1, reason="  补录遗漏的清收记录 ", requested_by=administrator)
        assert len(queued) == 1
        assert Report.objects.count() == 1  # nothing is built until the transaction commits
        queued[0]()  # the worker (tasks run eagerly in tests)

    v2 = Report.objects.get(is_current=True)
    assert (v2.version, v2.rebuild_reason, v2.built_by) == (2, "补录遗漏的清收记录", administrator)


def test_it_refuses_to_queue_a_rebuild_of_an_older_version(campaign, ledger, administrator, django_capture_on_commit_callbacks):
    v1, _created = build(campaign)
    with frozen(at(date(2025, 3, 11), 9, 0)):
        report_rebuild(campaign=campaign, day=D, reason="第一次更正", rebuilt_by=administrator)
        v1.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True) as queued, pytest.raises(ValidationError) as caught:
            report_rebuild_request(report=v1, reason="基于旧版本", requested_by=administrator)

    assert caught.value.message_dict == {"reason": ["只能基于当前版本重新生成。"]}
    assert queued == []
    assert Report.objects.count() == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_to_queue_a_rebuild_without_a_reason_or_by_a_non_administrator(
    campaign, ledger, administrator, staff_user, reason, django_capture_on_commit_callbacks
):
    v1, _created = build(campaign)
    with frozen(at(date(2025, 3, 11), 9, 0)), django_capture_on_commit_callbacks() as queued:
        with pytest.raises(ValidationError) as caught:
            report_rebuild_request(report=v1, reason=reason, requested_by=administrator)
        assert caught.value.message_dict == {"reason": ["请填写重新生成的原因。"]}
        with pytest.raises(PermissionDenied):
            report_rebuild_request(report=v1, reason="补录", requested_by=staff_user)
    assert queued == []


def test_it_lets_the_database_refuse_a_second_current_report_for_a_day(campaign, ledger):
    v1, _created = build(campaign)

    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            campaign=campaign, day=D, version=2, is_current=True, issue_number=69,
            cutoff_at=v1.cutoff_at, data=v1.data, pdf=v1.pdf.name, xlsx=v1.xlsx.name, rebuild_reason="手工插入",
        )
    assert Report.objects.count() == 1


# ---- the build_report command ------------------------------------------------------


def run_command(*args):
    out = StringIO()
    call_command("build_report", *args, stdout=out)
    return out.getvalue()


def test_it_builds_a_report_by_command_and_prints_its_files(campaign, ledger):
    with frozen(at(date(2025, 3, 11), 9, 0)):
        first = run_command("--date", "2025-03-10")
        second = run_command("--date", "2025-03-10", "--campaign", str(campaign.pk))

    report = Report.objects.get()
    assert "第69期 2025-03-10：已生成" in first
    assert "已存在（已发布的战报不会被改动）" in second
    for output in (first, second):
        assert f"PDF:   {report.pdf.path}" in output
        assert f"Excel: {report.xlsx.path}" in output
    assert Path(report.pdf.path).is_file() and Path(report.xlsx.path).is_file()
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--date", "2025-13-01"], "日期格式不正确：2025-13-01，应为 YYYY-MM-DD。"),
        (["--date", "10/03/2025"], "日期格式不正确：10/03/2025，应为 YYYY-MM-DD。"),
        (["--date", "2025-03-10", "--campaign", "999999"], "没有 ID 为 999999 的清收行动。"),
    ],
)
def test_it_refuses_a_bad_command_line_in_chinese(campaign, ledger, args, message):
    with frozen(at(date(2025, 3, 11), 9, 0)), pytest.raises(CommandError) as caught:
        run_command(*args)

    assert str(caught.value) == message
    assert not Report.objects.exists()


def test_it_refuses_by_command_a_day_whose_cutoff_has_not_passed(campaign, ledger):
    with frozen(at(D, 15, 0)), pytest.raises(CommandError) as caught:
        run_command("--date", "2025-03-10")

    assert str(caught.value) == f"{campaign}：2025-03-10 的战报要到截止时间 16:00 之后才能生成。"
    assert not Report.objects.exists()


# ---- campaign bounds and the command across campaigns ---------------------------------


def test_it_refuses_a_day_after_the_campaign_ended(campaign, ledger):
    Campaign.objects.filter(pk=campaign.pk).update(end_date=D)
    campaign.refresh_from_db()

    with pytest.raises(ValidationError):
        build(campaign, day=date(2025, 3, 11))

    assert not Report.objects.exists()


def test_it_builds_by_command_for_every_active_campaign_the_date_belongs_to(campaign, ledger, other_township):
    later = CampaignFactory(township=other_township, name="河东清收行动", start_date=date(2025, 6, 1), end_date=date(2025, 12, 31))

    with frozen(at(date(2025, 3, 11), 9, 0)):
        output = run_command("--date", "2025-03-10")

    assert list(Report.objects.values_list("campaign_id", "day")) == [(campaign.pk, D)]
    assert str(later) in output
