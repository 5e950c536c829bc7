import django_tables2 as tables
from django.utils.html import format_html

from .exports import Ratio
from .money import fmt_percent, fmt_yuan


class BaseTable(tables.Table):
    class Meta:
        attrs = {"class": "table"}
        template_name = "django_tables2/table.html"
        empty_text = "没有符合条件的记录。"


class MoneyColumn(tables.Column):
    """Shows 1,234.56 right-aligned; exports the Decimal itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return fmt_yuan(value)

    def value(self, value):
        return value


class RatioColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        kwargs.setdefault("default", "—")
        super().__init__(*args, **kwargs)

    def render(self, value):
        return fmt_percent(value)

    def value(self, value):
        return Ratio(value) if value is not None else ""


class LinkedColumn(tables.Column):
    """A column linking to the record's ``get_absolute_url``; exports plain text."""

    def render(self, record, value):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)

    def value(self, value):
        return value
