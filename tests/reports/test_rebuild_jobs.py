"""An administrator's rebuild as a job that survives its worker: a ``ReportRebuild`` request,
run exactly once however often it is delivered, swept when its worker died (queued again,
or after its last attempt marked not done, so it can be asked again), and shown on the
report's page meanwhile. Tasks run eagerly in the test's process."""

from datetime import date, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports.choices import RebuildStatus
from reports.models import Report, ReportRebuild
from reports.services import report_rebuild, report_rebuild_request, report_rebuild_run, report_rebuilds_sweep
from reports.tasks import rebuild_report
from tests.factories import admin_of
from tests.reports.test_views import report  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_not_rendered")]

DAY = date(2025, 3, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")
LONG_AGO = timedelta(minutes=11)


@pytest.fixture
def administrator(township):
    return admin_of(township, username="admin1", display_name="系统管理员老周")


def asked(report, administrator, reason="补录漏记的清收"):
    """A rebuild asked from the page, its task not run (the on-commit callback is not run)."""
    return report_rebuild_request(report=report, reason=reason, requested_by=administrator)


def died(rebuild, *, attempts, ago=LONG_AGO):
    ReportRebuild.objects.filter(pk=rebuild.pk).update(
        status=RebuildStatus.RUNNING, attempts=attempts, heartbeat_at=timezone.now() - ago,
    )
    rebuild.refresh_from_db()
    return rebuild


def versions(report):
    return list(Report.objects.filter(campaign=report.campaign, day=report.day).order_by("version").values_list("version", "is_current"))


def test_it_rebuilds_once_however_often_the_request_is_delivered(report, administrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        rebuild = asked(report, administrator)
    assert len(queued) == 1

    rebuild.refresh_from_db()
    assert (rebuild.status, rebuild.attempts, rebuild.result.version) == (RebuildStatus.DONE, 1, 2)
    assert rebuild.result.rebuild_reason == "补录漏记的清收" and rebuild.result.built_by == administrator

    assert rebuild_report(rebuild.pk) == RebuildStatus.DONE  # delivered again
    assert report_rebuild_run(rebuild_id=rebuild.pk).attempts == 1
    assert versions(report) == [(1, False), (2, True)]


def test_it_gives_the_same_version_when_a_run_finds_its_request_done_meanwhile(report, administrator):
    rebuild = asked(report, administrator)
    first = report_rebuild_run(rebuild_id=rebuild.pk).result

    # A second run that was already rendering when the first committed: same version, no other.
    again = report_rebuild(
        campaign=report.campaign, day=report.day, reason=rebuild.reason, rebuilt_by=administrator,
        version=report.version, request=rebuild,
    )

    assert again == first and versions(report) == [(1, False), (2, True)]


def test_it_takes_one_request_at_a_time_per_version(report, administrator, client):
    asked(report, administrator)

    with pytest.raises(ValidationError) as caught:
        asked(report, administrator, reason="再点一次")
    assert caught.value.message_dict == {"reason": ["该版本已有一次重新生成在进行中，完成后新版本会出现在版本列表中。"]}

    client.force_login(administrator)
    page = client.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert 'data-rebuild="queued"' in page and "正在重新生成" in page and "补录漏记的清收" in page


def test_it_queues_again_a_rebuild_whose_worker_died(report, administrator, django_capture_on_commit_callbacks):
    rebuild = died(asked(report, administrator), attempts=1)
    assert report_rebuilds_sweep(stale_after=timedelta(minutes=12)) == {"requeued": [], "failed": []}

    with django_capture_on_commit_callbacks(execute=True):
        assert report_rebuilds_sweep() == {"requeued": [rebuild.pk], "failed": []}

    rebuild.refresh_from_db()
    assert (rebuild.status, rebuild.attempts) == (RebuildStatus.DONE, 2)
    assert versions(report) == [(1, False), (2, True)]
    assert report_rebuilds_sweep(stale_after=timedelta(0)) == {"requeued": [], "failed": []}


def test_it_marks_a_rebuild_not_done_after_its_last_attempt_and_it_can_be_asked_again(
    report, administrator, client, django_capture_on_commit_callbacks
):
    rebuild = died(asked(report, administrator), attempts=3)

    assert report_rebuilds_sweep() == {"requeued": [], "failed": [rebuild.pk]}

    rebuild.refresh_from_db()
    assert rebuild.status == RebuildStatus.FAILED and rebuild.get_status_display() == "未完成"
    assert rebuild.failure.startswith("重新生成中断：后台任务在生成过程中停止了 3 次")
    assert versions(report) == [(1, True)]
    client.force_login(administrator)
    page = client.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert 'data-rebuild="failed"' in page and rebuild.failure in page
    assert reverse("reports:report_rebuild", args=[report.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:report_rebuild", args=[report.pk]), {"reason": "再次提交"})
    assert response.status_code == 302
    assert versions(report) == [(1, False), (2, True)]
    assert 'data-rebuild' not in client.get(reverse("reports:report", args=[report.pk])).content.decode()


def test_it_stops_a_rebuild_that_starts_once_its_attempts_are_used(report, administrator):
    rebuild = died(asked(report, administrator), attempts=3, ago=timedelta(0))

    rebuild = report_rebuild_run(rebuild_id=rebuild.pk)

    assert rebuild.status == RebuildStatus.FAILED and "停止了 3 次" in rebuild.failure
    assert versions(report) == [(1, True)]


def test_it_says_why_a_rebuild_from_a_version_no_longer_current_was_not_done(report, administrator):
    rebuild = asked(report, administrator)
    report_rebuild(campaign=report.campaign, day=report.day, reason="另一次更正", rebuilt_by=administrator)

    rebuild = report_rebuild_run(rebuild_id=rebuild.pk)

    assert (rebuild.status, rebuild.failure) == (RebuildStatus.FAILED, "没有生成新版本：只能基于当前版本重新生成。")
    assert versions(report) == [(1, False), (2, True)]


def test_the_command_sweeps_rebuilds_too(report, administrator):
    rebuild = died(asked(report, administrator), attempts=3)
    out = StringIO()

    call_command("sweep_jobs", "--stale-minutes", "5", stdout=out)

    assert out.getvalue().splitlines() == [
        "台账导入：重新排队 0 批，标为中断 0 批。",
        f"战报重新生成：重新排队 0 次，标为未完成 1 次（第 {rebuild.pk} 次）。",
    ]


def test_the_rebuild_task_is_acknowledged_late(settings):
    assert (rebuild_report.acks_late, rebuild_report.reject_on_worker_lost, rebuild_report.time_limit) == (
        True, True, settings.JOB_TIME_LIMIT)
