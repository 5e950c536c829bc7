from django.db import models


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "等待校验"
    VALIDATING = "validating", "正在校验"
    INVALID = "invalid", "有错误"
    READY = "ready", "待确认导入"
    IMPORTING = "importing", "正在导入"
    IMPORTED = "imported", "已导入"
    FAILED = "failed", "导入失败"
    INTERRUPTED = "interrupted", "导入中断"
    DISCARDED = "discarded", "已放弃"


IMPORT_LOCKED_STATUSES = (ImportStatus.IMPORTING, ImportStatus.IMPORTED)
"""A file (same bytes) may be in at most one of these per township at a time."""

IMPORT_CONFIRMABLE_STATUSES = (ImportStatus.READY, ImportStatus.INTERRUPTED)
"""A batch in one of these may be confirmed (again, after an interruption)."""

IMPORT_RUNNING_STATUSES = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.IMPORTING)
"""A worker has (or should have) this batch in hand: the sweeper watches these."""
