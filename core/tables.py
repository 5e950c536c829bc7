from functools import partial

import django_tables2 as tables
from django.templatetags.l10n import localize, unlocalize
from django.utils.formats import localize as localize_value
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django_tables2.utils import signature

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
        page's time), and which arguments its render method takes once per column (django-
        tables2 inspects the method's signature for every cell: a quarter of the rest).
        Attributes given as callables depend on the row and are still computed per cell.
        tests/core/test_tables.py checks the HTML against the template's loop."""
        columns = list(self.columns)
        starts = [self._cell_start(column) for column in columns]
        renderers = [_CellRenderer(column) for column in columns]
        parts = []
        for row in self.paginated_rows:
            parts.append(format_html("<tr {}>\n", row.attrs.as_html()))
            for column, start, renderer in zip(columns, starts, renderers):
                # BoundRow.get_cell, with the renderer's arguments known beforehand
                cell = row._get_and_render_with(column, render_func=partial(renderer, row), default=column.default)
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


class _CellRenderer:
    """``BoundRow._call_render`` for one column: its render method called with the arguments
    it names, which are looked up once (``django_tables2.utils.signature``)."""

    def __init__(self, bound_column):
        self.render = bound_column.render
        self.link = bound_column.link
        self.arguments, self.catch_all = signature(self.render)

    def __call__(self, row, bound_column, value=None):
        given = row._optional_cell_arguments(bound_column, value)
        if self.catch_all:
            content = self.render(**given)
        elif all(name in given for name in self.arguments):
            content = self.render(**{name: given[name] for name in self.arguments})
        else:
            content = None  # as call_with_appropriate: an argument it cannot be given
        return self.link(content, **given) if self.link else content


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
