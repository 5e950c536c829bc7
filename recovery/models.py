import uuid
from datetime import date, time
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from audit.history import AuditedRecords
from core.money import MoneyField, RatioField
from villages.models import TownshipRowQuerySet, VillageRowQuerySet

from .choices import (
    ArrearCategory,
    ArrearStatus,
    DebtorKind,
    LitigationStatus,
    RepaymentKind,
)


class Campaign(models.Model):
    township = models.ForeignKey("villages.Township", verbose_name="乡镇", on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField("名称", max_length=100)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    target_ratio = RatioField("目标完成比例", default=Decimal("1.0000"), help_text="0 到 1，例如 0.8 表示 80%")
    cutoff_time = models.TimeField("战报截止时间", default=time(16, 0))
    red_below = RatioField("红灯：完成比例低于", default=Decimal("0.3000"))
    green_from = RatioField("绿灯：完成比例不低于", default=Decimal("0.7000"))
    is_active = models.BooleanField("进行中", default=True)

    objects = TownshipRowQuerySet.as_manager()
    history = AuditedRecords()

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = "清收行动"
        verbose_name_plural = "清收行动"
        constraints = [
            models.CheckConstraint(
                name="campaign_dates_ordered",
                condition=Q(end_date__gte=F("start_date")),
                violation_error_message="结束日期不能早于开始日期。",
            ),
            models.CheckConstraint(
                name="campaign_target_ratio_range",
                condition=Q(target_ratio__gt=0, target_ratio__lte=1),
                violation_error_message="目标完成比例应在 0 到 1 之间。",
            ),
            models.CheckConstraint(
                name="campaign_lights_ordered",
                condition=Q(red_below__gte=0, green_from__lte=1, red_below__lte=F("green_from")),
                violation_error_message="红灯阈值应不高于绿灯阈值，且都在 0 到 1 之间。",
            ),
        ]

    def __str__(self):
        return self.name


class Debtor(models.Model):
    village = models.ForeignKey("villages.Village", verbose_name="村居", on_delete=models.PROTECT, related_name="debtors")
    kind = models.CharField("类型", max_length=20, choices=DebtorKind.choices, default=DebtorKind.PERSON)
    name = models.CharField("姓名/名称", max_length=100)
    name_initials = models.CharField("拼音首字母", max_length=64, blank=True, db_index=True, editable=False)
    national_id = models.CharField("身份证号", max_length=18, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    is_blacklisted = models.BooleanField("失信名单", default=False)
    blacklist_reason = models.CharField("列入失信原因", max_length=200, blank=True)
    blacklisted_on = models.DateField("列入失信日期", null=True, blank=True)
    litigation_status = models.CharField("诉讼状态", max_length=20, choices=LitigationStatus.choices, default=LitigationStatus.NONE)
    case_number = models.CharField("案号", max_length=60, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)
    import_batch = models.ForeignKey(
        "imports.ImportBatch", verbose_name="导入批次", null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )

    objects = VillageRowQuerySet.as_manager()
    history = AuditedRecords(excluded_fields=["name_initials"])

    class Meta:
        ordering = ["village__order", "village__code", "name", "pk"]
        verbose_name = "欠款人"
        verbose_name_plural = "欠款人"
        constraints = [
            models.CheckConstraint(
                name="debtor_person_has_no_credit_code",
                condition=~Q(kind=DebtorKind.PERSON) | Q(credit_code=""),
                violation_error_message="个人欠款人不填统一社会信用代码。",
            ),
            models.CheckConstraint(
                name="debtor_org_has_no_national_id",
                condition=~Q(kind=DebtorKind.ORGANISATION) | Q(national_id=""),
                violation_error_message="单位欠款人不填身份证号。",
            ),
            models.CheckConstraint(
                name="debtor_blacklist_has_reason_and_date",
                condition=Q(is_blacklisted=False) | (~Q(blacklist_reason="") & Q(blacklisted_on__isnull=False)),
                violation_error_message="列入失信名单须填写原因和日期。",
            ),
            models.CheckConstraint(
                name="debtor_case_number_when_litigating",
                condition=Q(litigation_status=LitigationStatus.NONE) | ~Q(case_number=""),
                violation_error_message="已起诉的欠款人须填写案号。",
            ),
            models.UniqueConstraint(
                fields=["village", "national_id"],
                condition=~Q(national_id=""),
                name="debtor_national_id_unique_in_village",
                violation_error_message="本村已有该身份证号的欠款人。",
            ),
            models.UniqueConstraint(
                fields=["village", "credit_code"],
                condition=~Q(credit_code=""),
                name="debtor_credit_code_unique_in_village",
                violation_error_message="本村已有该统一社会信用代码的欠款人。",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("recovery:debtor", args=[self.pk])


EARLIEST_DEBT_DATE = date(1949, 10, 1)
"""No debt of a village collective is dated before the People's Republic (the upper bound,
today, moves: the services check it)."""


def arrear_status(principal, outstanding):
    """未清收 / 部分清收 / 已结清, from what was owed and what is still owed."""
    if outstanding <= 0:
        return ArrearStatus.CLEARED
    if outstanding < principal:
        return ArrearStatus.PARTLY_REPAID
    return ArrearStatus.OUTSTANDING


class Arrear(models.Model):
    """One debt owed to a village collective.

    ``outstanding`` is kept by the services in the same transaction as every entry
    (principal - repayments + reversals - write-offs); the database refuses a value
    below zero or above the principal.
    """

    village = models.ForeignKey("villages.Village", verbose_name="村居", on_delete=models.PROTECT, related_name="arrears")
    debtor = models.ForeignKey(Debtor, verbose_name="欠款人", on_delete=models.PROTECT, related_name="arrears")
    campaign = models.ForeignKey(Campaign, verbose_name="清收行动", on_delete=models.PROTECT, related_name="arrears")
    category = models.CharField("类别", max_length=30, choices=ArrearCategory.choices)
    description = models.CharField("说明", max_length=200, blank=True)
    incurred_on = models.DateField("发生日期")
    principal = MoneyField("欠款金额")
    outstanding = MoneyField("尚欠金额")
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", verbose_name="合同", null=True, blank=True, on_delete=models.PROTECT, related_name="arrears")
    contract_year = models.PositiveSmallIntegerField("承包费年度", null=True, blank=True)
    ledger_amount = MoneyField(
        "台账原欠款金额", null=True, blank=True, editable=False,
        help_text="从台账导入时台账上的欠款金额；导入时尚欠金额比它少的，差额是导入前已还的。",
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch", verbose_name="导入批次", null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )

    objects = VillageRowQuerySet.as_manager()
    # ``outstanding`` follows the entries (repayments, reversals, write-offs), each of them
    # its own immutable record of who and when; the history keeps what people edit.
    history = AuditedRecords(excluded_fields=["outstanding"])

    class Meta:
        ordering = ["incurred_on", "pk"]
        verbose_name = "欠款"
        verbose_name_plural = "欠款"
        # The arrears list's first page walks this index (LIMIT 50) instead of sorting all.
        indexes = [models.Index(fields=["incurred_on", "id"], name="arrear_list_order")]
        constraints = [
            models.CheckConstraint(name="arrear_principal_positive", condition=Q(principal__gt=0), violation_error_message="欠款金额必须大于 0。"),
            models.CheckConstraint(
                name="arrear_incurred_since_1949",
                condition=Q(incurred_on__gte=EARLIEST_DEBT_DATE),
                violation_error_message="欠款发生日期不能早于 1949-10-01。",
            ),
            models.CheckConstraint(
                name="arrear_outstanding_in_range",
                condition=Q(outstanding__gte=0, outstanding__lte=F("principal")),
                violation_error_message="尚欠金额不能小于 0，也不能大于欠款金额。",
            ),
            models.CheckConstraint(
                name="arrear_contract_year_with_contract",
                condition=Q(contract__isnull=True, contract_year__isnull=True) | Q(contract__isnull=False, contract_year__isnull=False),
                violation_error_message="合同欠费须注明年度。",
            ),
            models.UniqueConstraint(
                fields=["contract", "contract_year"],
                condition=Q(contract__isnull=False),
                name="arrear_one_per_contract_year",
                violation_error_message="该合同该年度的欠费已登记。",
            ),
            models.CheckConstraint(
                name="arrear_ledger_amount_covers_principal",
                condition=Q(ledger_amount__isnull=True) | Q(ledger_amount__gte=F("principal")),
                violation_error_message="台账原欠款金额不能小于欠款金额。",
            ),
        ]

    def __str__(self):
        return f"{self.debtor} · {self.get_category_display()} · {self.principal}"

    @property
    def status(self):
        return arrear_status(self.principal, self.outstanding)

    def get_status_display(self):
        return ArrearStatus(self.status).label


class ImmutableQuerySet(models.QuerySet):
    """Recorded entries are never edited or deleted, in bulk either."""

    def delete(self):
        raise PermissionError("清收记录不能删除；如有错误请冲正。")

    def update(self, **kwargs):
        raise PermissionError("清收记录不能修改；如有错误请冲正。")

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("update_conflicts") or kwargs.get("ignore_conflicts"):
            raise PermissionError("清收记录只能新增，不能覆盖。")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        raise PermissionError("清收记录不能修改；如有错误请冲正。")


class ArrearEntryQuerySet(ImmutableQuerySet, VillageRowQuerySet):
    """Repayments and write-offs: immutable, and seen with their arrear's village."""

    village_path = "arrear__village"


class ReversalQuerySet(ImmutableQuerySet, VillageRowQuerySet):
    village_path = "repayment__arrear__village"


class ImmutableEntry(models.Model):
    """Guard for entries; PostgreSQL also refuses UPDATE and DELETE by trigger (migration)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("已录入的记录不能修改；如有错误请冲正。")
        # A new instance carrying an existing pk must not turn into an UPDATE.
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("已录入的记录不能删除；如有错误请冲正。")


class Repayment(ImmutableEntry):
    arrear = models.ForeignKey(Arrear, verbose_name="欠款", on_delete=models.PROTECT, related_name="repayments")
    amount = MoneyField("金额")
    kind = models.CharField("方式", max_length=20, choices=RepaymentKind.choices)
    received_on = models.DateField("收款日期")
    receipt_number = models.CharField("收据号", max_length=50, blank=True)
    note = models.CharField("备注/凭据", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("录入时间", default=timezone.now, db_index=True)
    submission_token = models.UUIDField("提交标识", default=uuid.uuid4, unique=True, editable=False)
    import_batch = models.ForeignKey(
        "imports.ImportBatch", verbose_name="导入批次", null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )

    objects = ArrearEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = "清收记录"
        verbose_name_plural = "清收记录"
        constraints = [
            models.CheckConstraint(name="repayment_amount_positive", condition=Q(amount__gt=0), violation_error_message="金额必须大于 0。"),
        ]

    def __str__(self):
        return f"{self.arrear.debtor} {self.get_kind_display()} {self.amount}"


class Reversal(ImmutableEntry):
    """冲正: undoes one repayment, once. Both stay visible."""

    repayment = models.OneToOneField(Repayment, verbose_name="被冲正的清收记录", on_delete=models.PROTECT, related_name="reversal")
    reason = models.CharField("冲正原因", max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("冲正时间", default=timezone.now, db_index=True)

    objects = ReversalQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = "冲正记录"
        verbose_name_plural = "冲正记录"
        constraints = [
            models.CheckConstraint(name="reversal_reason_given", condition=~Q(reason=""), violation_error_message="请填写冲正原因。"),
        ]


class WriteOff(ImmutableEntry):
    """核销: an approved write-off; shown apart from recovery, not counted in the ratio."""

    arrear = models.ForeignKey(Arrear, verbose_name="欠款", on_delete=models.PROTECT, related_name="write_offs")
    amount = MoneyField("核销金额")
    approval_reference = models.CharField("批准文号", max_length=100)
    reason = models.CharField("核销原因", max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("录入时间", default=timezone.now, db_index=True)
    submission_token = models.UUIDField("提交标识", default=uuid.uuid4, unique=True, editable=False)

    objects = ArrearEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = "核销记录"
        verbose_name_plural = "核销记录"
        constraints = [
            models.CheckConstraint(name="writeoff_amount_positive", condition=Q(amount__gt=0), violation_error_message="核销金额必须大于 0。"),
            models.CheckConstraint(name="writeoff_approval_given", condition=~Q(approval_reference=""), violation_error_message="核销须填写批准文号。"),
        ]
