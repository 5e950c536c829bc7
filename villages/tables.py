import django_tables2 as tables
from django_tables2.data import TableListData
from django_tables2.utils import Accessor, OrderBy

from core.exports import Ratio
from core.money import fmt_percent, ratio
from core.tables import BaseTable, MoneyColumn, RatioColumn

from .models import Village


def village_url(record, table):
    return record.get_absolute_url() if record.pk in table.full_access_ids else None


class _SortedList(TableListData):
    """The villages (a list) sorted by one key per column, a stable sort per key, rather than
    django-tables2's comparison object (about 60 ms for 960 villages). As there, a missing
    value (no ratio) sorts before any other, so last when descending."""

    def order_by(self, aliases):
        keys = []
        for alias in aliases:
            column = self.table.columns[OrderBy(alias).bare]
            keys += column.order_by.opposite if alias[0] != column.order_by_alias[0] else column.order_by
        for key in reversed(keys):
            accessor = Accessor(key.bare)

            def value(row, accessor=accessor):
                resolved = accessor.resolve(row, quiet=True)
                return (resolved is not None, resolved if resolved is not None else 0)

            self.data.sort(key=value, reverse=key.is_descending)


class VillageTable(BaseTable):
    """The villages with their live figures (``reports.selectors.LiveFigure``, carried on
    each village) and the ratio of the latest published report beside them."""

    card_title = "name"
    card_first = ("ratio", "official_ratio", "outstanding", "recovered", "baseline")
    card_hidden = ("code",)

    code = tables.Column(verbose_name="编码")
    # A link for the villages the user may open (full_access_ids), plain text for the others.
    name = tables.Column(verbose_name="村居", linkify=village_url)
    zone = tables.Column(verbose_name="片区", accessor="work_area__zone", order_by=("work_area__zone__order", "work_area__zone__code"))
    work_area = tables.Column(verbose_name="工作区", order_by=("work_area__order", "work_area__code"))
    baseline = MoneyColumn(verbose_name="欠款总额")
    recovered = MoneyColumn(verbose_name="已清收")
    outstanding = MoneyColumn(verbose_name="尚欠")
    ratio = RatioColumn(verbose_name="完成比例（实时）", accessor="ratio_sort", order_by=("ratio_sort", "recovered"))
    official_ratio = RatioColumn(verbose_name="16:00战报完成比例", order_by=("official_ratio", "recovered"))

    class Meta(BaseTable.Meta):
        model = Village
        fields = ()
        sequence = ("code", "name", "zone", "work_area", "baseline", "recovered", "outstanding", "ratio", "official_ratio")

    def __init__(self, *args, full_access_ids=(), **kwargs):
        self.full_access_ids = set(full_access_ids)
        super().__init__(*args, **kwargs)
        if isinstance(self.data, TableListData):
            self.data = _SortedList(self.data.data)
            self.data.set_table(self)

    def render_ratio(self, record):
        return fmt_percent(ratio(record.recovered, record.baseline))

    def value_ratio(self, record):
        value = ratio(record.recovered, record.baseline)
        return Ratio(value) if value is not None else ""
