import django_tables2 as tables

from .exports import Ratio
from .money import fmt_percent, fmt_yuan, to_money


class BaseTable(tables.Table):
    class Meta:
        attrs = {"class": "table"}
        template_name = "django_tables2/table.html"
        empty_text = "没有符合条件的记录。"


class MoneyColumn(tables.Column):
    """The one money column: shows 1,234.56 right-aligned; exports the amount as a Decimal
    to the cent (a sum the database returns with float noise, 180119177.100002, included),
    which the Excel export writes as a number with ``MONEY_FORMAT``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return fmt_yuan(value)

    def value(self, value):
        return to_money(value)


class RatioColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        kwargs.setdefault("default", "—")
        super().__init__(*args, **kwargs)

    def render(self, value):
        return fmt_percent(value)

    def value(self, value):
        return Ratio(value) if value is not None else ""
