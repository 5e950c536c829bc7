from celery import shared_task


@shared_task(name="reports.build_due")
def build_due_reports():
    """Runs every minute from beat: builds whatever report is due (idempotent)."""
    from .services import due_reports_build

    return [report.pk for report in due_reports_build()]


@shared_task(name="reports.rebuild")
def rebuild_report(campaign_id, day, reason, user_id, version=None):
    """An administrator's rebuild of a published day from its ``version`` (queued from the
    report page by ``report_rebuild_request``)."""
    from datetime import date

    from django.contrib.auth import get_user_model

    from recovery.models import Campaign

    from .services import report_rebuild

    report = report_rebuild(
        campaign=Campaign.objects.get(pk=campaign_id), day=date.fromisoformat(day),
        reason=reason, rebuilt_by=get_user_model().objects.get(pk=user_id), version=version,
    )
    return report.pk
