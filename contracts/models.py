from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from audit.history import AuditedRecords
from core.money import MoneyField
from recovery.choices import DebtorKind
from villages.models import VillageRowQuerySet

from .choices import AttachmentKind, ContractCategory, ContractForm, ContractStatus, FindingKind

AREA = {"max_digits": 12, "decimal_places": 2}


class ContractPartQuerySet(VillageRowQuerySet):
    """A contract's history, findings, attachments and fee payments: seen with its village."""

    village_path = "contract__village"


class Contract(models.Model):
    """A land or asset contract of a village collective, and where its review stands."""

    village = models.ForeignKey("villages.Village", verbose_name="村居", on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField("合同编号", max_length=50)
    debtor = models.ForeignKey(
        "recovery.Debtor", verbose_name="承包方（欠款人台账）", null=True, blank=True,
        on_delete=models.PROTECT, related_name="contracts",
    )
    counterparty_name = models.CharField("承包方名称", max_length=100)
    counterparty_kind = models.CharField("承包方类型", max_length=20, choices=DebtorKind.choices, default=DebtorKind.PERSON)
    category = models.CharField("类别", max_length=30, choices=ContractCategory.choices)
    subject = models.CharField("标的（地块或资产）", max_length=200)
    area_mu = models.DecimalField("面积（亩）", default=0, **AREA)
    annual_fee = MoneyField("年承包费（元）")
    start_date = models.DateField("起始日期")
    end_date = models.DateField("终止日期")
    fee_due_month = models.PositiveSmallIntegerField("每年缴费月", default=12)
    fee_due_day = models.PositiveSmallIntegerField("每年缴费日", default=31)
    form = models.CharField("合同形式", max_length=20, choices=ContractForm.choices)
    democratic_procedure = models.BooleanField("履行四议两公开", default=False)
    status = models.CharField("清理状态", max_length=20, choices=ContractStatus.choices, default=ContractStatus.TO_FIND)
    verified_area_mu = models.DecimalField("核实面积（亩）", null=True, blank=True, **AREA)
    recovered_area_mu = models.DecimalField("收回面积（亩）", null=True, blank=True, **AREA)
    renewed_from = models.OneToOneField(
        "self", verbose_name="原合同（重签前）", null=True, blank=True, on_delete=models.PROTECT, related_name="renewal",
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)
    import_batch = models.ForeignKey(
        "imports.ImportBatch", verbose_name="导入批次", null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )

    objects = VillageRowQuerySet.as_manager()
    history = AuditedRecords()

    class Meta:
        ordering = ["village__order", "village__code", "number"]
        verbose_name = "合同"
        verbose_name_plural = "合同"
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"],
                name="contract_number_unique_in_village",
                violation_error_message="本村已有该编号的合同。",
            ),
            models.CheckConstraint(
                name="contract_dates_ordered",
                condition=Q(end_date__gte=F("start_date")),
                violation_error_message="终止日期不能早于起始日期。",
            ),
            models.CheckConstraint(
                name="contract_amounts_not_negative",
                condition=Q(area_mu__gte=0, annual_fee__gte=0),
                violation_error_message="面积和承包费不能为负数。",
            ),
            models.CheckConstraint(
                name="contract_fee_due_date_valid",
                condition=Q(fee_due_month__gte=1, fee_due_month__lte=12, fee_due_day__gte=1, fee_due_day__lte=31),
                violation_error_message="每年缴费日期无效。",
            ),
            models.CheckConstraint(
                name="contract_recovered_area_only_when_terminated",
                condition=Q(status=ContractStatus.TERMINATED) | Q(recovered_area_mu__isnull=True),
                violation_error_message="只有终止收回的合同才记录收回面积。",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.subject}"

    def get_absolute_url(self):
        return reverse("contracts:contract", args=[self.pk])


class ContractStatusChange(models.Model):
    """The review's history: who moved the contract to which status, when, and why."""

    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField("原状态", max_length=20, choices=ContractStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=ContractStatus.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField("时间", default=timezone.now)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = "清理记录"
        verbose_name_plural = "清理记录"


class ContractFinding(models.Model):
    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField("问题", max_length=30, choices=FindingKind.choices)
    text = models.CharField("说明", max_length=300, blank=True)
    is_open = models.BooleanField("未整改", default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)
    resolved_at = models.DateTimeField("整改时间", null=True, blank=True)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        ordering = ["-is_open", "recorded_at", "pk"]
        verbose_name = "问题"
        verbose_name_plural = "问题"
        constraints = [
            models.CheckConstraint(
                name="finding_other_has_text",
                condition=~Q(kind=FindingKind.OTHER) | ~Q(text=""),
                violation_error_message="选择“其他”须填写说明。",
            ),
            models.CheckConstraint(
                name="finding_resolved_has_time",
                condition=Q(is_open=True) | Q(resolved_at__isnull=False),
                violation_error_message="已整改的问题须有整改时间。",
            ),
        ]


def _attachment_path(instance, filename):
    return f"contracts/{instance.contract.village_id}/{instance.contract_id}/{filename}"


class ContractAttachment(models.Model):
    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("类型", max_length=30, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to=_attachment_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "uploaded_at"]
        verbose_name = "附件"
        verbose_name_plural = "附件"


class ContractFeePayment(models.Model):
    """A contract's annual fee paid for a year (on time or late); what is unpaid past the
    due date becomes an Arrear (category 承包费)."""

    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.PROTECT, related_name="fee_payments")
    year = models.PositiveSmallIntegerField("年度")
    amount = MoneyField("金额")
    received_on = models.DateField("收款日期")
    receipt_number = models.CharField("收据号", max_length=50, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-received_on"]
        verbose_name = "承包费缴纳"
        verbose_name_plural = "承包费缴纳"
        constraints = [
            models.CheckConstraint(name="fee_payment_amount_positive", condition=Q(amount__gt=0), violation_error_message="金额必须大于 0。"),
        ]
