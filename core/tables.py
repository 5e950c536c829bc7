import django_tables2 as tables

from .exports import Ratio
from .money import fmt_percent, fmt_yuan, to_money

CARD_ORDER_SLOTS = 6
"""How many columns a table may put first on a phone card (``card_first``; CSS .card-o1 … .card-o6)."""


class BaseTable(tables.Table):
    """Every list's table. On a phone (≤ 480 px, static/css/app.css) each row becomes a card:
    every cell carries its column's header as ``data-label`` (templates/core/table.html),
    ``card_title`` heads the card, ``card_first`` come next in that order, the others follow
    in table order, and ``card_hidden`` are left off the card; ``card_unlabelled`` cells say
    what they are themselves (an action link, a badge) and show no label. Only the phone's view
    changes: the desktop table and the Excel export keep every column in table order."""

    card_title = None
    card_first = ()
    card_hidden = ()
    card_unlabelled = ()

    class Meta:
        attrs = {"class": "table table-cards"}
        template_name = "core/table.html"
        empty_text = "没有符合条件的记录。"

    def get_column_class_names(self, classes_set, bound_column):
        classes = super().get_column_class_names(classes_set, bound_column)
        name = bound_column.name
        if name == self.card_title:
            classes.add("card-title")
        elif name in self.card_first:
            classes.add(f"card-o{self.card_first.index(name) + 1}")
        if name in self.card_hidden:
            classes.add("card-hide")
        if name in self.card_unlabelled:
            classes.add("card-nolabel")
        return classes

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if len(cls.card_first) > CARD_ORDER_SLOTS:
            raise TypeError(f"{cls.__name__}.card_first: at most {CARD_ORDER_SLOTS} columns")


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
