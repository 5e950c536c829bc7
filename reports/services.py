"""Building and rebuilding battle reports.

``report_build`` is what the schedule calls: idempotent, one report per (campaign, day),
safe to run twice or concurrently (the campaign row is locked while the report is
written, and the database refuses a second current report). A published report never
changes; ``report_rebuild`` is an administrator's explicit act, with a reason, and adds a
new version beside the old one, from the version that is current (an older one is refused).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.roles import Role, user_role
from recovery.models import Campaign

from .models import Report
from .selectors import cutoff_for, report_snapshot
from .tasks import rebuild_report as rebuild_report_task

if TYPE_CHECKING:
    from core.models import User

log = logging.getLogger(__name__)

# An entry stamped 15:59:59.9 may commit a moment after 16:00; the schedule waits this
# long past the cut-off before it reads the ledger, so such an entry is not missed.
COMMIT_GRACE = timedelta(minutes=1)
NOT_CURRENT = "只能基于当前版本重新生成。"


def _render(campaign, day):
    from .renderers import render_pdf, render_xlsx

    snapshot = report_snapshot(campaign=campaign, day=day)
    return snapshot, render_pdf(snapshot), render_xlsx(snapshot), _page_fields(snapshot)


def _page_fields(snapshot):
    from .renderers import render_sections

    return {
        "sections_html": render_sections(snapshot), "summary": snapshot.page_summary(),
        "village_rows": snapshot.page_village_rows(),
    }


def _save(*, campaign, day, version, snapshot, pdf, xlsx, page, built_by=None, reason=""):
    report = Report(
        campaign=campaign, day=day, version=version, is_current=True,
        issue_number=snapshot.issue_number, cutoff_at=snapshot.cutoff_at,
        data=snapshot.to_json(), built_by=built_by, rebuild_reason=reason, **page,
    )
    report.pdf.save(report.filename("pdf"), ContentFile(pdf), save=False)
    report.xlsx.save(report.filename("xlsx"), ContentFile(xlsx), save=False)
    report.save()
    return report


def report_build(*, campaign: Campaign, day: date) -> tuple[Report, bool]:
    """The report of ``campaign`` for ``day``: the existing one, or a new one once the
    day's cut-off has passed. Returns ``(report, created)``."""
    existing = Report.objects.filter(campaign=campaign, day=day, is_current=True).first()
    if existing is not None:
        return existing, False
    if timezone.now() < cutoff_for(campaign, day):
        raise ValidationError(f"{day:%Y-%m-%d} 的战报要到截止时间 {campaign.cutoff_time:%H:%M} 之后才能生成。")
    if day < campaign.start_date:
        raise ValidationError(f"清收行动从 {campaign.start_date:%Y-%m-%d} 开始，{day:%Y-%m-%d} 没有战报。")
    if day > campaign.end_date:
        raise ValidationError(f"清收行动已于 {campaign.end_date:%Y-%m-%d} 结束，{day:%Y-%m-%d} 没有战报。")
    snapshot, pdf, xlsx, page = _render(campaign, day)
    try:
        with transaction.atomic():
            Campaign.objects.select_for_update().get(pk=campaign.pk)
            existing = Report.objects.filter(campaign=campaign, day=day, is_current=True).first()
            if existing is not None:
                return existing, False
            report = _save(campaign=campaign, day=day, version=1, snapshot=snapshot, pdf=pdf, xlsx=xlsx, page=page)
    except IntegrityError:
        existing = Report.objects.filter(campaign=campaign, day=day, is_current=True).first()
        if existing is None:
            raise
        return existing, False
    log.info("battle report built: campaign=%s day=%s", campaign.pk, day)
    return report, True


def _check_rebuild(*, campaign, day, reason, rebuilt_by):
    """The rules of a rebuild that need no lock -> the reason, stripped."""
    if user_role(rebuilt_by) != Role.ADMIN:
        raise PermissionDenied("只有管理员可以重新生成已发布的战报。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写重新生成的原因。"})
    if timezone.now() < cutoff_for(campaign, day):
        raise ValidationError(f"{day:%Y-%m-%d} 的截止时间还没到。")
    return reason


def report_rebuild(*, campaign: Campaign, day: date, reason: str, rebuilt_by: User, version: int | None = None) -> Report:
    """A new version of a published day's report; the old version stays downloadable.
    ``version`` is the one the administrator asked to rebuild (the page they were on): it
    must still be the current one, so two rebuilds asked from the same page make one new
    version, not two. Without it, the current version is rebuilt."""
    reason = _check_rebuild(campaign=campaign, day=day, reason=reason, rebuilt_by=rebuilt_by)
    snapshot, pdf, xlsx, page = _render(campaign, day)
    with transaction.atomic():
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        versions = Report.objects.select_for_update().filter(campaign=campaign, day=day)
        latest = versions.order_by("-version").first()
        if latest is None:
            raise ValidationError(f"{day:%Y-%m-%d} 还没有战报，无需重新生成。")
        if version is not None and not versions.filter(version=version, is_current=True).exists():
            raise ValidationError({"reason": NOT_CURRENT})
        versions.filter(is_current=True).update(is_current=False)
        return _save(
            campaign=campaign, day=day, version=latest.version + 1, snapshot=snapshot,
            pdf=pdf, xlsx=xlsx, page=page, built_by=rebuilt_by, reason=reason,
        )


def report_page_store(*, report: Report) -> Report:
    """Renders and stores the web page's share of a report published before it was stored
    (``sections_html``, ``summary``, ``village_rows``, made from its unchanged snapshot).
    Safe to run twice: both runs write the same."""
    snapshot = Report.objects.only("data").get(pk=report.pk).snapshot
    fields = _page_fields(snapshot)
    Report.objects.filter(pk=report.pk).update(**fields)
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def report_rebuild_request(*, report: Report, reason: str, requested_by: User) -> None:
    """Queues ``report_rebuild`` of ``report``'s day to the worker (rendering takes a
    while), once the transaction commits. Its rules are checked here first, so that the
    form can say what is wrong; the worker checks them again with the rows locked."""
    reason = _check_rebuild(campaign=report.campaign, day=report.day, reason=reason, rebuilt_by=requested_by)
    if not report.is_current:
        raise ValidationError({"reason": NOT_CURRENT})
    args = (report.campaign_id, report.day.isoformat(), reason, requested_by.pk, report.version)
    transaction.on_commit(lambda: rebuild_report_task.delay(*args))


def due_reports_build(*, now: datetime | None = None) -> list[Report]:
    """Every report that is due and missing, for every active campaign: today's once its
    cut-off has passed, and any earlier day the scheduler missed. Returns the new ones."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    built = []
    for campaign in Campaign.objects.filter(is_active=True, start_date__lte=today).select_related("township"):
        last = min(today, campaign.end_date)
        if now < cutoff_for(campaign, last) + COMMIT_GRACE:
            last = last - timedelta(days=1)
        have = set(Report.objects.filter(campaign=campaign, is_current=True).values_list("day", flat=True))
        day = campaign.start_date
        while day <= last:
            if day not in have:
                report, created = report_build(campaign=campaign, day=day)
                if created:
                    built.append(report)
            day += timedelta(days=1)
    return built
