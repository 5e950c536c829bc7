from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from villages.models import TownshipRowQuerySet

from .choices import REBUILD_PENDING_STATUSES, RebuildStatus


class ReportQuerySet(TownshipRowQuerySet):
    township_path = "campaign__township"


def _report_path(instance, filename):
    return f"reports/{instance.campaign_id}/{instance.day:%Y-%m-%d}/v{instance.version}/{filename}"


class Report(models.Model):
    """One published battle report of a campaign for a day. Its snapshot and files never
    change; rebuilding a published day makes a new version, and the old one stays."""

    campaign = models.ForeignKey("recovery.Campaign", verbose_name="清收行动", on_delete=models.PROTECT, related_name="reports")
    day = models.DateField("日期")
    version = models.PositiveSmallIntegerField("版本", default=1)
    is_current = models.BooleanField("当前版本", default=True)
    issue_number = models.PositiveIntegerField("期数")
    cutoff_at = models.DateTimeField("截止时间")
    data = models.JSONField("战报数据")
    pdf = models.FileField("PDF", upload_to=_report_path, max_length=200)
    xlsx = models.FileField("Excel", upload_to=_report_path, max_length=200)
    built_at = models.DateTimeField("生成时间", default=timezone.now)
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="重新生成人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rebuild_reason = models.CharField("重新生成原因", max_length=200, blank=True)
    # The web page's share of the report, made from ``data`` once (it never changes): the
    # rendered sections, what the page reads beside them (township, villages ranked), and
    # each village's row keyed "v<village id>", so that one row is read without the rest.
    # Empty for a report published before they were stored: filled on its first view.
    sections_html = models.TextField("网页版内容", blank=True, editable=False)
    summary = models.JSONField("网页摘要", default=dict, blank=True, editable=False)
    village_rows = models.JSONField("各村数据", default=dict, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-version"]
        verbose_name = "清收清欠战报"
        verbose_name_plural = "清收清欠战报"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day", "version"], name="report_one_per_campaign_day_version"),
            models.UniqueConstraint(fields=["campaign", "day"], condition=Q(is_current=True), name="report_one_current_per_campaign_day"),
            models.CheckConstraint(
                name="report_rebuild_has_reason",
                condition=Q(version=1) | ~Q(rebuild_reason=""),
                violation_error_message="重新生成战报须填写原因。",
            ),
        ]

    def __str__(self):
        return f"{self.campaign} 第{self.issue_number}期（{self.day:%Y-%m-%d}）"

    def get_absolute_url(self):
        return reverse("reports:report", args=[self.pk])

    @property
    def snapshot(self):
        from .snapshot import Snapshot

        cached = getattr(self, "_snapshot", None)
        if cached is None:
            cached = self._snapshot = Snapshot.from_json(self.data)
        return cached

    def filename(self, extension):
        suffix = f"-v{self.version}" if self.version > 1 else ""
        return f"清收清欠战报-第{self.issue_number}期-{self.day:%Y%m%d}{suffix}.{extension}"


class ReportRebuildQuerySet(TownshipRowQuerySet):
    township_path = "report__campaign__township"


class ReportRebuild(models.Model):
    """An administrator's request to rebuild a published report (``report``, the version
    asked from), and what became of it: the new version, or why there is none. The worker
    rebuilds it (``reports.rebuild``); the request makes a second delivery harmless and lets
    the sweeper find one whose worker died."""

    report = models.ForeignKey(Report, verbose_name="基于版本", on_delete=models.PROTECT, related_name="rebuilds")
    reason = models.CharField("重新生成原因", max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("提交时间", default=timezone.now)
    status = models.CharField("状态", max_length=10, choices=RebuildStatus.choices, default=RebuildStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    result = models.ForeignKey(Report, verbose_name="新版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    failure = models.TextField("未完成原因", blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ReportRebuildQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "战报重新生成"
        verbose_name_plural = "战报重新生成"
        constraints = [
            models.UniqueConstraint(
                fields=["report"], condition=Q(status__in=REBUILD_PENDING_STATUSES), name="report_rebuild_one_pending",
                violation_error_message="该版本已有一次重新生成在进行中。",
            ),
        ]

    def __str__(self):
        return f"{self.report} · {self.get_status_display()}"
