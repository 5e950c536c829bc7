"""Reads for the audit pages: the audited models, and each history row's change against the
row before it (field, before, after)."""

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from contracts.models import Contract
from core.models import User
from recovery.models import Arrear, Campaign, Debtor
from villages.models import Township


@dataclass(frozen=True)
class Audited:
    model: type
    search: tuple[str, ...]  # what the search box looks in
    title: str  # the field that names the object on the audit page
    m2m: tuple[tuple[str, str], ...] = ()  # (many-to-many field kept with each row, its related field)

    def m2m_accessor(self, field):
        """The history row's own copy of ``field`` (simple-history keeps it in a table of
        its own, HistoricalUser_groups; ``row.groups`` is not it)."""
        history = self.model.history.model
        name = f"{history.__name__}_{field}"
        return next(rel.get_accessor_name() for rel in history._meta.related_objects if rel.related_model.__name__ == name)

    def prefetch(self):
        return [f"{self.m2m_accessor(field)}__{related}" for field, related in self.m2m]

    @property
    def label(self):
        return str(self.model._meta.verbose_name)


AUDITED = {
    "debtor": Audited(Debtor, ("name", "national_id", "phone", "address", "case_number"), "name"),
    "arrear": Audited(Arrear, ("description",), "description"),
    "contract": Audited(Contract, ("number", "counterparty_name", "subject"), "number"),
    "campaign": Audited(Campaign, ("name",), "name"),
    "township": Audited(Township, ("name", "code"), "name"),
    "user": Audited(User, ("username", "display_name"), "username", m2m=(("groups", "group"),)),
}
DEFAULT_AUDITED = "debtor"
HISTORY_TYPES = {"+": "新建", "~": "修改", "-": "删除"}


def audited_choices():
    return [(key, audited.label) for key, audited in AUDITED.items()]


def change_history(key: str) -> QuerySet:
    """The history rows of ``AUDITED[key]``, newest first, each with ``prev_history_id``
    (the row before it of the same object, or None)."""
    audited = AUDITED[key]
    history = audited.model.history
    previous = history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    return (
        history.annotate(prev_history_id=Subquery(previous.values("history_id")[:1]))
        .select_related("history_user")
        .prefetch_related(*audited.prefetch())
        .order_by("-history_date", "-history_id")
    )


EMPTY = "（空）"


def _shown(field, value):
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        return f"#{value}"
    return str(value)


def previous_records(audited: Audited, records) -> dict:
    """{history_id: row} of the rows just before ``records`` (one query, and one per
    many-to-many field)."""
    ids = [record.prev_history_id for record in records if record.prev_history_id]
    return audited.model.history.prefetch_related(*audited.prefetch()).in_bulk(ids)


def _related(record, accessor, related):
    names = sorted(str(getattr(row, related)) for row in getattr(record, accessor).all())
    return "、".join(names) or EMPTY


def change_diffs(records, previous_by_id, audited: Audited | None = None) -> dict[int, list[tuple[str, str, str]]]:
    """{history_id: [(field label, before, after), ...]} for ``records`` (history rows with
    ``prev_history_id``), given their previous rows by history_id. A new object lists its
    filled fields (before: 空); one whose earlier rows are missing (created by a ledger import,
    which writes no history row) lists every field, before unknown ("?")."""
    diffs = {}
    for record in records:
        fields = [field for field in record.tracked_fields if field.name != "id"]
        previous = previous_by_id.get(record.prev_history_id)
        changes = []
        for field in fields:
            after = getattr(record, field.attname)
            if record.history_type == "-":
                continue
            if previous is None:
                if record.history_type == "+" and after in (None, "", False):
                    continue
                before = EMPTY if record.history_type == "+" else "?"
                changes.append((str(field.verbose_name), before, _shown(field, after)))
                continue
            before = getattr(previous, field.attname)
            if before != after:
                changes.append((str(field.verbose_name), _shown(field, before), _shown(field, after)))
        for field, related in audited.m2m if audited and record.history_type != "-" else ():
            label = str(record.instance_type._meta.get_field(field).verbose_name)
            accessor = audited.m2m_accessor(field)
            after = _related(record, accessor, related)
            before = _related(previous, accessor, related) if previous is not None else EMPTY
            if before != after:
                changes.append((label, before, after))
        diffs[record.history_id] = changes
    return diffs
