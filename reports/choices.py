from django.db import models


class RebuildStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "正在生成"
    DONE = "done", "已完成"
    FAILED = "failed", "未完成"


REBUILD_PENDING_STATUSES = (RebuildStatus.QUEUED, RebuildStatus.RUNNING)
"""A worker has (or should have) the rebuild in hand: the sweeper watches these."""
