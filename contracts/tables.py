import django_tables2 as tables
from django.utils.html import format_html

from core.tables import BaseTable, MoneyColumn

from .models import Contract


def status_badge(record):
    return format_html('<span class="badge badge-contract-{}">{}</span>', record.status, record.get_status_display())


class AreaColumn(tables.Column):
    """亩 with 2 decimals, right-aligned; exports the Decimal itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return f"{value:,.2f}"

    def value(self, value):
        return value


class ContractTable(BaseTable):
    card_title = "number"
    card_first = ("counterparty_name", "village", "status", "fees_outstanding", "annual_fee", "end_date")
    card_hidden = ("form", "democratic_procedure")
    number = tables.Column(verbose_name="合同编号", linkify=True)
    village = tables.Column(verbose_name="村居", order_by=("village__order", "village__code"))
    counterparty_name = tables.Column(verbose_name="承包方")
    category = tables.Column(verbose_name="类别")
    subject = tables.Column(verbose_name="标的")
    area_mu = AreaColumn(verbose_name="面积（亩）")
    annual_fee = MoneyColumn(verbose_name="年承包费")
    end_date = tables.DateColumn(verbose_name="终止日期", format="Y-m-d")
    form = tables.Column(verbose_name="合同形式")
    democratic_procedure = tables.BooleanColumn(verbose_name="四议两公开", yesno="是,否")
    status = tables.Column(verbose_name="清理状态")
    open_findings = tables.Column(verbose_name="未整改问题", attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    fees_outstanding = MoneyColumn(verbose_name="欠缴承包费")

    class Meta(BaseTable.Meta):
        model = Contract
        fields = ()
        sequence = (
            "number", "village", "counterparty_name", "category", "subject", "area_mu", "annual_fee", "end_date",
            "form", "democratic_procedure", "status", "open_findings", "fees_outstanding",
        )

    def render_status(self, record):
        return status_badge(record)

    def value_status(self, record):
        return record.get_status_display()

    def value_end_date(self, value):
        return value

    def value_democratic_procedure(self, value):
        return "是" if value else "否"
