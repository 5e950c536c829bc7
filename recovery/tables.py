import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from core.tables import BaseTable, MoneyColumn
from core.validators import mask_national_id, mask_phone

from .models import Arrear, Debtor, Repayment, arrear_status


def status_badge(status):
    return format_html('<span class="badge badge-{}">{}</span>', status.value, status.label)


class DebtorTable(BaseTable):
    card_title = "name"
    card_first = ("outstanding_total", "status", "village", "principal_total")
    card_hidden = ("id_number", "phone")
    name = tables.Column(verbose_name="姓名/名称", linkify=True)
    kind = tables.Column(verbose_name="类型")
    village = tables.Column(verbose_name="村居", order_by=("village__order", "village__code"))
    id_number = tables.Column(verbose_name="证件号（脱敏）", empty_values=(), orderable=False)
    phone = tables.Column(verbose_name="电话（脱敏）", orderable=False)
    principal_total = MoneyColumn(verbose_name="欠款金额")
    outstanding_total = MoneyColumn(verbose_name="尚欠金额")
    status = tables.Column(verbose_name="状态", empty_values=(), orderable=False)
    is_blacklisted = tables.BooleanColumn(verbose_name="失信", yesno="是,")
    litigation_status = tables.Column(verbose_name="诉讼")

    class Meta(BaseTable.Meta):
        model = Debtor
        fields = ()
        sequence = ("name", "kind", "village", "id_number", "phone", "principal_total", "outstanding_total", "status", "is_blacklisted", "litigation_status")

    def render_id_number(self, record):
        return (
            mask_national_id(record.national_id) if record.national_id
            else record.credit_code[:4] + "*" * 10 + record.credit_code[-4:] if record.credit_code
            else "—"
        )

    def value_id_number(self, record):
        return self.render_id_number(record)

    def render_phone(self, value):
        return mask_phone(value)

    def value_phone(self, value):
        return mask_phone(value)

    def render_status(self, record):
        return status_badge(arrear_status(record.principal_total, record.outstanding_total))

    def value_status(self, record):
        return arrear_status(record.principal_total, record.outstanding_total).label

    def value_is_blacklisted(self, value):
        return "是" if value else ""


class ArrearTable(BaseTable):
    card_title = "debtor"
    card_first = ("outstanding", "status", "village", "principal")
    debtor = tables.Column(verbose_name="欠款人", linkify=True, order_by=("debtor__name",))
    village = tables.Column(verbose_name="村居", order_by=("village__order", "village__code"))
    category = tables.Column(verbose_name="类别")
    description = tables.Column(verbose_name="说明")
    incurred_on = tables.DateColumn(verbose_name="发生日期", format="Y-m-d")
    principal = MoneyColumn(verbose_name="欠款金额")
    outstanding = MoneyColumn(verbose_name="尚欠金额")
    status = tables.Column(verbose_name="状态", empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = Arrear
        fields = ()
        sequence = ("debtor", "village", "category", "description", "incurred_on", "principal", "outstanding", "status")

    def render_status(self, record):
        return status_badge(record.status)

    def value_status(self, record):
        return record.get_status_display()

    def value_incurred_on(self, value):
        return value


class RepaymentTable(BaseTable):
    card_title = "debtor"
    card_first = ("amount", "reversal", "village", "recorded_at")
    card_hidden = ("recorded_by",)
    card_unlabelled = ("reversal",)
    recorded_at = tables.DateTimeColumn(verbose_name="录入时间", format="Y-m-d H:i")
    village = tables.Column(verbose_name="村居", accessor="arrear__village", order_by=("arrear__village__code",))
    debtor = tables.Column(verbose_name="欠款人", accessor="arrear__debtor", linkify=True, order_by=("arrear__debtor__name",))
    category = tables.Column(verbose_name="类别", accessor="arrear__category")
    amount = MoneyColumn(verbose_name="金额")
    kind = tables.Column(verbose_name="方式")
    received_on = tables.DateColumn(verbose_name="收款日期", format="Y-m-d")
    receipt_number = tables.Column(verbose_name="收据号")
    recorded_by = tables.Column(verbose_name="录入人")
    reversal = tables.Column(verbose_name="冲正", empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = Repayment
        fields = ()
        sequence = ("recorded_at", "village", "debtor", "category", "amount", "kind", "received_on", "receipt_number", "recorded_by", "reversal")

    def __init__(self, *args, can_write=False, **kwargs):
        self.can_write = can_write
        super().__init__(*args, **kwargs)

    def value_recorded_at(self, value):
        return value

    def value_received_on(self, value):
        return value

    def render_category(self, record):
        return record.arrear.get_category_display()

    def value_category(self, record):
        return record.arrear.get_category_display()

    def render_reversal(self, record):
        reversal = getattr(record, "reversal", None)
        if reversal is not None:
            return format_html('<span class="badge badge-reversed" title="{}">已冲正</span>', reversal.reason)
        if self.can_write:
            return format_html('<a href="{}">冲正</a>', reverse("recovery:repayment_reverse", args=[record.pk]))
        return ""

    def value_reversal(self, record):
        reversal = getattr(record, "reversal", None)
        return f"已冲正：{reversal.reason}" if reversal is not None else ""

