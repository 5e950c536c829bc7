"""Building and rebuilding battle reports.

``report_build`` is what the schedule calls: idempotent, one report per (campaign, day),
safe to run twice or concurrently (the campaign row is locked while the report is
written, and the database refuses a second current report). A published report never
changes; ``report_rebuild`` is an administrator's explicit act, with a reason, and adds a
new version beside the old one, from the version that is current (an older one is refused).
Asked from the page, it is a ``ReportRebuild`` request run by the worker, exactly once:
``report_rebuild_run`` counts its starts, the new version and the request's completion are
committed together, and ``report_rebuilds_sweep`` queues again a request whose worker died
(or, after ``JOB_MAX_ATTEMPTS`` starts, marks it not done, so that it can be asked again).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.roles import Role, user_role
from integrity.chain import chain_append
from integrity.choices import FactKind
from recovery.models import Campaign

from .choices import REBUILD_PENDING_STATUSES, RebuildStatus
from .models import Report, ReportRebuild
from .selectors import cutoff_for, report_snapshot
from .tasks import rebuild_report as rebuild_report_task

if TYPE_CHECKING:
    from core.models import User

log = logging.getLogger(__name__)

# An entry stamped 15:59:59.9 may commit a moment after 16:00; the schedule waits this
# long past the cut-off before it reads the ledger, so such an entry is not missed.
COMMIT_GRACE = timedelta(minutes=1)
NOT_CURRENT = "只能基于当前版本重新生成。"
PENDING = "该版本已有一次重新生成在进行中，完成后新版本会出现在版本列表中。"
INTERRUPTED_REBUILD = (
    "重新生成中断：后台任务在生成过程中停止了 {attempts} 次（可能是服务器重启、内存不足或后台任务没有运行），"
    "没有生成新版本。可以再次提交重新生成。"
)


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
    # The files' SHA-256 go into the township's chain: verify_ledger reads them again.
    chain_append(township_id=campaign.township_id, facts=[(FactKind.REPORT, report)])
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


def report_rebuild(
    *, campaign: Campaign, day: date, reason: str, rebuilt_by: User, version: int | None = None,
    request: ReportRebuild | None = None,
) -> Report:
    """A new version of a published day's report; the old version stays downloadable.
    ``version`` is the one the administrator asked to rebuild (the page they were on): it
    must still be the current one, so two rebuilds asked from the same page make one new
    version, not two. Without it, the current version is rebuilt. With ``request``, the
    request is marked done with the new version in the same transaction, and a request
    already done gives its version again instead of another one."""
    reason = _check_rebuild(campaign=campaign, day=day, reason=reason, rebuilt_by=rebuilt_by)
    snapshot, pdf, xlsx, page = _render(campaign, day)
    with transaction.atomic():
        if request is not None:
            request = ReportRebuild.objects.select_for_update().get(pk=request.pk)
            if request.status == RebuildStatus.DONE:
                return request.result
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        versions = Report.objects.select_for_update().filter(campaign=campaign, day=day)
        latest = versions.order_by("-version").first()
        if latest is None:
            raise ValidationError(f"{day:%Y-%m-%d} 还没有战报，无需重新生成。")
        if version is not None and not versions.filter(version=version, is_current=True).exists():
            raise ValidationError({"reason": NOT_CURRENT})
        versions.filter(is_current=True).update(is_current=False)
        report = _save(
            campaign=campaign, day=day, version=latest.version + 1, snapshot=snapshot,
            pdf=pdf, xlsx=xlsx, page=page, built_by=rebuilt_by, reason=reason,
        )
        if request is not None:
            ReportRebuild.objects.filter(pk=request.pk).update(
                status=RebuildStatus.DONE, result=report, failure="", finished_at=timezone.now(),
            )
        return report


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


def report_rebuild_request(*, report: Report, reason: str, requested_by: User) -> ReportRebuild:
    """Asks the worker to rebuild ``report``'s day (rendering takes a while): a
    ``ReportRebuild``, queued once the transaction commits. Its rules are checked here first,
    so that the form can say what is wrong; the worker checks them again with the rows
    locked. One request at a time per version."""
    reason = _check_rebuild(campaign=report.campaign, day=report.day, reason=reason, rebuilt_by=requested_by)
    if not report.is_current:
        raise ValidationError({"reason": NOT_CURRENT})
    now = timezone.now()
    try:
        with transaction.atomic():
            rebuild = ReportRebuild.objects.create(
                report=report, reason=reason, requested_by=requested_by, requested_at=now, heartbeat_at=now,
            )
    except IntegrityError:
        raise ValidationError({"reason": PENDING})
    transaction.on_commit(lambda: rebuild_report_task.delay(rebuild.pk))
    return rebuild


def report_rebuild_run(*, rebuild_id: int) -> ReportRebuild:
    """Runs a rebuild request (the ``reports.rebuild`` task), perhaps more than once (a
    message delivered again after a worker died): a request done or given up does nothing."""
    started = ReportRebuild.objects.filter(pk=rebuild_id, status__in=REBUILD_PENDING_STATUSES).update(
        status=RebuildStatus.RUNNING, attempts=F("attempts") + 1, heartbeat_at=timezone.now(),
    )
    rebuild = ReportRebuild.objects.select_related("report__campaign__township", "requested_by").get(pk=rebuild_id)
    if not started:
        return rebuild
    if rebuild.attempts > settings.JOB_MAX_ATTEMPTS:
        _rebuild_not_done(rebuild, INTERRUPTED_REBUILD.format(attempts=rebuild.attempts - 1))
    else:
        try:
            report_rebuild(
                campaign=rebuild.report.campaign, day=rebuild.report.day, reason=rebuild.reason,
                rebuilt_by=rebuild.requested_by, version=rebuild.report.version, request=rebuild,
            )
        except (ValidationError, PermissionDenied) as exc:
            _rebuild_not_done(rebuild, f"没有生成新版本：{'；'.join(getattr(exc, 'messages', None) or [str(exc)])}")
        except Exception as exc:
            log.exception("rebuild %s of report %s failed", rebuild.pk, rebuild.report_id)
            _rebuild_not_done(rebuild, f"重新生成时出错，没有生成新版本：{exc.__class__.__name__}。可以再次提交重新生成。")
    rebuild.refresh_from_db()
    return rebuild


def _rebuild_not_done(rebuild, message):
    ReportRebuild.objects.filter(pk=rebuild.pk, status__in=REBUILD_PENDING_STATUSES).update(
        status=RebuildStatus.FAILED, failure=message, finished_at=timezone.now(),
    )


def report_rebuilds_sweep(*, now: datetime | None = None, stale_after: timedelta | None = None) -> dict[str, list[int]]:
    """Rebuild requests queued or running with no sign of life for ``stale_after``
    (``JOB_HEARTBEAT_TIMEOUT``): each is queued again, or, once started ``JOB_MAX_ATTEMPTS``
    times, marked not done (the administrator may ask again). -> ``{"requeued": [ids],
    "failed": [ids]}``. Safe to run at any time: each is decided with its row locked, from
    the state read."""
    now = now or timezone.now()
    cutoff = now - (timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT) if stale_after is None else stale_after)
    result = {"requeued": [], "failed": []}
    for rebuild in ReportRebuild.objects.filter(status__in=REBUILD_PENDING_STATUSES, heartbeat_at__lte=cutoff).order_by("pk"):
        with transaction.atomic():
            locked = (
                ReportRebuild.objects.select_for_update(skip_locked=True)
                .filter(pk=rebuild.pk, status=rebuild.status, attempts=rebuild.attempts, heartbeat_at=rebuild.heartbeat_at).first()
            )
            if locked is None:  # it moved on since it was read
                continue
            if locked.attempts >= settings.JOB_MAX_ATTEMPTS:
                _rebuild_not_done(locked, INTERRUPTED_REBUILD.format(attempts=locked.attempts))
                result["failed"].append(locked.pk)
                continue
            ReportRebuild.objects.filter(pk=locked.pk).update(status=RebuildStatus.QUEUED, heartbeat_at=now)
            transaction.on_commit(lambda pk=locked.pk: rebuild_report_task.delay(pk))
            log.warning("report rebuild %s had no live task: queued again", locked.pk)
            result["requeued"].append(locked.pk)
    return result


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
