"""The ledger's hash chains (one per township) and the runs that verify them.

Every ledger fact (a debtor's identity, an arrear, a repayment, a reversal, a write-off, a
contract fee payment, a contract status step, a published report's files) gets a
:class:`ChainLink` in the same transaction as the fact (``integrity.chain``): the SHA-256 of
its content, and of the previous link's hash. Changing, adding or deleting a row underneath
(SQL, triggers disabled) then no longer matches the chain, and ``manage.py verify_ledger``
names the row. Links are never updated or deleted (a trigger on PostgreSQL and SQLite).
"""

from django.db import models
from django.utils import timezone

from villages.models import TownshipRowQuerySet

from .choices import FactKind


class ChainHead(models.Model):
    """The end of a township's chain: its last seq and hash. Writers lock this row
    (``select_for_update``), which serialises a township's chain and keeps seq gapless."""

    township = models.OneToOneField("villages.Township", verbose_name="乡镇", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField("最新序号", default=0)
    hash = models.CharField("最新哈希", max_length=64, default="")

    objects = TownshipRowQuerySet.as_manager()

    class Meta:
        verbose_name = "链头"
        verbose_name_plural = "链头"


class ChainLink(models.Model):
    # No foreign-key constraint: an import writes 100,000 links, and a per-row check of a
    # township that the locked chain head already names would cost seconds.
    township = models.ForeignKey(
        "villages.Township", verbose_name="乡镇", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
    )
    seq = models.PositiveBigIntegerField("序号")
    kind = models.CharField("类型", max_length=20, choices=FactKind.choices)
    object_id = models.PositiveBigIntegerField("记录编号")
    content = models.JSONField("内容")
    content_hash = models.CharField("内容哈希", max_length=64)
    prev_hash = models.CharField("上一环哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)
    created_at = models.DateTimeField("写入时间", default=timezone.now)

    objects = TownshipRowQuerySet.as_manager()

    class Meta:
        ordering = ["township", "seq"]
        verbose_name = "哈希链环"
        verbose_name_plural = "哈希链环"
        indexes = [models.Index(fields=["kind", "object_id"], name="chainlink_fact")]
        constraints = [
            models.UniqueConstraint(fields=["township", "seq"], name="chainlink_seq_unique_in_township"),
            models.CheckConstraint(name="chainlink_seq_positive", condition=models.Q(seq__gte=1)),
        ]

    def __str__(self):
        return f"{self.township_id}#{self.seq} {self.kind}:{self.object_id}"


class VerificationRun(models.Model):
    """One run of ``verify_ledger``: when, over what, and each break it found."""

    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    township = models.ForeignKey(
        "villages.Township", verbose_name="乡镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="空：全部乡镇",
    )
    ok = models.BooleanField("通过", default=False)
    links_checked = models.PositiveIntegerField("核对链环数", default=0)
    rows_checked = models.PositiveIntegerField("核对记录数", default=0)
    breaks = models.JSONField("发现的问题", default=list, blank=True)

    # A run of every township (township empty) is seen by no one through visible_to; the
    # administrator's home page reads the last run directly (integrity.selectors).
    objects = TownshipRowQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "台账核验"
        verbose_name_plural = "台账核验"

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {'通过' if self.ok else '发现问题'}"
