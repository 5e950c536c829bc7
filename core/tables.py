import django_tables2 as tables
from django.templatetags.l10n import localize, unlocalize
from django.utils.formats import localize as localize_value
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

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

    def rows_html(self):
        """The rows of the current page as HTML (templates/core/table.html writes them): what
        django-tables2's loop over ``row.items`` would write, cell for cell, built in Python.
        A column's header and ``td`` attributes are worked out once per table, not per cell
        (the template asked the bound column for both on every cell: two thirds of a list
        page's time). Attributes given as callables depend on the row and are still
        computed per cell."""
        columns = list(self.columns)
        starts = [self._cell_start(column) for column in columns]
        parts = []
        for row in self.paginated_rows:
            parts.append(format_html("<tr {}>\n", row.attrs.as_html()))
            for column, start in zip(columns, starts):
                cell = row.get_cell(column.name)
                if start is None:
                    column.current_value, column.current_record = cell, row.record
                    parts.append(self._cell_start(column, per_row=True))
                else:
                    parts.append(start)
                parts.append(_cell_html(cell, column.localize))
                parts.append("</td>\n")
            parts.append("</tr>\n")
        return mark_safe("".join(parts))

    def _cell_start(self, column, per_row=False):
        """``<td data-label="header" attrs>``, or None when the attributes depend on the row."""
        if not per_row:
            given = {**self.attrs, **column.column.attrs}
            if any(callable(value) for key in ("td", "cell") for value in given.get(key, {}).values()):
                return None
            column.current_value = column.current_record = None
        return format_html('<td data-label="{}" {}>', column.header, column.attrs["td"].as_html())

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if len(cls.card_first) > CARD_ORDER_SLOTS:
            raise TypeError(f"{cls.__name__}.card_first: at most {CARD_ORDER_SLOTS} columns")


def _cell_html(cell, localized):
    """A cell's value as the template's ``{{ cell }}`` (or ``|localize`` / ``|unlocalize``) writes it."""
    if localized is None:
        return conditional_escape(localize_value(template_localtime(cell)))
    return conditional_escape(localize(cell) if localized else unlocalize(cell))


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
