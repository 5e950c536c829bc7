"""The report jobs run by the Celery worker. Each task calls its service inside its body.

An administrator's rebuild is acknowledged late, like an import (imports/tasks.py): a worker
killed while rendering leaves the message to be delivered again, the request row makes a
second delivery harmless, and ``reports.sweep_rebuilds`` finds a rebuild whose worker died.
"""

from celery import shared_task
from django.conf import settings

JOB_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "time_limit": settings.JOB_TIME_LIMIT}


@shared_task(name="reports.build_due")
def build_due_reports():
    """Runs every minute from beat: builds whatever report is due (idempotent)."""
    from .services import due_reports_build

    return [report.pk for report in due_reports_build()]


@shared_task(name="reports.rebuild", **JOB_OPTIONS)
def rebuild_report(rebuild_id: int) -> str:
    """An administrator's rebuild of a published day (a ``ReportRebuild``, queued from the
    report page by ``report_rebuild_request``)."""
    from .services import report_rebuild_run

    return report_rebuild_run(rebuild_id=rebuild_id).status


@shared_task(name="reports.sweep_rebuilds")
def sweep_rebuilds() -> dict:
    """Every few minutes from beat: rebuilds whose worker died are queued again or marked
    not done (idempotent)."""
    from .services import report_rebuilds_sweep

    return report_rebuilds_sweep()
