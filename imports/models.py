from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from villages.models import TownshipRowQuerySet

from .choices import IMPORT_LOCKED_STATUSES, IMPORT_RUNNING_STATUSES, ImportStatus
from .ledgers import kind_choices


class ImportBatchQuerySet(TownshipRowQuerySet):
    """Uploads of the townships the user may see (the views also keep cadres out)."""

    township_path = "township"


def import_upload_path(batch, filename):
    now = timezone.localtime()
    return f"imports/{now:%Y/%m}/{batch.sha256[:16]}.xlsx"


class ImportBatch(models.Model):
    """One uploaded ledger file and what became of it: errors, preview, receipt.

    The file is kept with who uploaded it and when. Rows created from it point back here
    (``import_batch`` on debtors, arrears, repayments and contracts), so the receipt is the
    lists filtered by batch.
    """

    kind = models.CharField("导入内容", max_length=20, choices=kind_choices)
    township = models.ForeignKey("villages.Township", verbose_name="乡镇", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("recovery.Campaign", verbose_name="清收行动", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    file = models.FileField("文件", upload_to=import_upload_path)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now, db_index=True)
    status = models.CharField("状态", max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    row_count = models.PositiveIntegerField("数据行数", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    problems = models.JSONField("错误（前 1000 条）", default=list, blank=True)
    preview = models.JSONField("预览", default=dict, blank=True)
    receipt = models.JSONField("回执", default=dict, blank=True)
    failure = models.TextField("失败原因", blank=True)
    error_file = models.FileField("标注错误的文件", upload_to="imports/errors/", blank=True)
    plan_file = models.FileField("校验后的数据", upload_to="imports/plans/", blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # The step in progress (validation or import): how many times a worker started it since
    # it was queued by the user, and its last sign of life kept in the database (queued,
    # started); its progress in the cache is the other (imports/services.py).
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        db_table = "core_importbatch"  # the table it had when imports lived in core (kept, not copied)
        verbose_name = "台账导入"
        verbose_name_plural = "台账导入"
        constraints = [
            models.UniqueConstraint(
                fields=["township", "sha256"], condition=models.Q(status__in=IMPORT_LOCKED_STATUSES),
                name="import_same_file_once", violation_error_message="同一文件已经导入过，不能重复导入。",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    def get_absolute_url(self):
        return reverse("imports:batch", args=[self.pk])

    @property
    def in_progress(self):
        return self.status in IMPORT_RUNNING_STATUSES
