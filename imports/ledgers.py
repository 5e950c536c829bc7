"""What a kind of ledger is, and the registry of kinds.

A kind of ledger (欠款人及欠款, 清收记录, 合同) is a :class:`LedgerKind` subclass in the app
that owns its models (``recovery/imports.py``, ``contracts/imports.py``), registered with
:func:`register` from the app's ``AppConfig.ready()``. It says which headers it needs and
what ledgers call them (a :class:`~imports.headers.Vocabulary`), parses one row's cells
(``imports.cells`` reads the messy cells), matches the rows against the database
(:meth:`LedgerKind.plan`) and writes them (:meth:`LedgerKind.write`). ``imports.reading``
reads the sheets, ``imports.workbooks`` writes the template and the annotated copy, and
``imports.services`` runs the steps.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.utils import timezone
from openpyxl.utils import get_column_letter

from .cells import CellError, _compact, is_blank
from .headers import EXACT


@dataclass
class Problem:
    """One thing wrong, where it is. ``row`` is the Excel row number (1-based), ``column``
    the 0-based column index; either is None for a problem of a whole sheet or row."""

    sheet: str
    row: int | None
    column: int | None
    header: str
    message: str

    @property
    def place(self):
        parts = [f"工作表“{self.sheet}”"] if self.sheet else []
        if self.row:
            parts.append(f"第 {self.row} 行")
        if self.column is not None:
            parts.append(f"{get_column_letter(self.column + 1)} 列")
        if self.header:
            parts.append(f"（{self.header}）")
        return " ".join(parts)

    def __str__(self):
        return f"{self.place}：{self.message}" if self.place else self.message

    def as_dict(self):
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header, "message": self.message}


@dataclass(slots=True)
class SourceRow:
    """A row that was read without error: where it came from, its village, its values."""

    sheet: str
    row: int
    village_id: int | None  # None for a kind that is not per village (the structure import)
    values: dict
    columns: dict  # header -> 0-based column index, shared by the rows of a sheet

    @property
    def place(self):
        return f"工作表“{self.sheet}”第 {self.row} 行"

    def problem(self, header, message):
        """A :class:`Problem` on this row's ``header`` cell (the row, if that column is absent)."""
        return Problem(self.sheet, self.row, self.columns.get(header), header, message)


class RowErrors(Exception):
    """Raised by :meth:`LedgerKind.parse_row`: header -> Chinese message (header ``""`` for
    the row as a whole)."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


_MISSING = object()
_MEMO_TYPES = (str, datetime, type(None))


class RowReader:
    """Parses a row's cells one by one, collecting every error instead of stopping at the
    first: ``read(header, parse, *args)`` -> the parsed value or None; ``done(values)``
    returns ``values`` or raises :class:`RowErrors` with them all.

    ``memo`` (a dict kept for the rows of one sheet) remembers what each text or date cell
    of a column was read as: a ledger repeats its names, addresses, categories and dates, so
    each is read once and the rows share one value. A column must be read with the same
    ``parse`` and arguments in every row of the sheet (the ledger kinds do)."""

    def __init__(self, cells, memo=None):
        self.cells = cells
        self.errors = {}
        self.memo = memo

    def __call__(self, header, parse, *args, **kwargs):
        value = self.cells.get(header)
        seen = None
        if self.memo is not None and type(value) in _MEMO_TYPES:
            seen = self.memo.get(header)
            if seen is None:
                seen = self.memo[header] = {}
            result = seen.get(value, _MISSING)
            if result is not _MISSING:
                if type(result) is CellError:
                    self.errors[header] = result.message
                    return None
                return result
        try:
            result = parse(value, *args, **kwargs)
        except CellError as exc:
            result = CellError(exc.message)
            self.errors[header] = exc.message
        if seen is not None:
            seen[value] = result
        return None if type(result) is CellError else result

    def fail(self, header, message):
        self.errors.setdefault(header, message)

    def done(self, values):
        if self.errors:
            raise RowErrors(self.errors)
        return values


SHOWN = 200  # rows listed in a preview's tables; the rest are counted


def preview_table(title, columns, rows, total=None):
    """One table of a preview or receipt (JSON): the first :data:`SHOWN` rows and the count."""
    return {"title": title, "columns": columns, "rows": rows[:SHOWN], "total": len(rows) if total is None else total}


def village_names(rows):
    """village id -> name, for the villages of ``rows`` (:class:`SourceRow`)."""
    from villages.models import Village

    ids = {row.village_id for row in rows}
    return dict(Village.objects.filter(pk__in=ids).values_list("pk", "name"))


@dataclass
class Plan:
    """What importing the rows would do. ``preview``: ``{"summary": [[label, value], ...],
    "tables": [{"title", "columns", "rows", "total"}]}`` (JSON, shown before confirming);
    ``problems``: what stops the import; ``work``: whatever :meth:`LedgerKind.write` needs."""

    preview: dict
    problems: list = field(default_factory=list)
    work: object = None


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    example: object
    width: int = 14
    note: str = ""
    number_format: str | None = None


class LedgerKind:
    """One kind of ledger. Subclasses set the class attributes and the three methods."""

    key = ""
    label = ""
    needs_campaign = False
    required = ()
    optional = ()
    columns = ()  # TemplateColumn, in the template's order
    vocabulary = EXACT  # what ledgers call the headers (imports.headers.Vocabulary)
    links = ()  # (label, URL name) of the lists a receipt links to, filtered by ?import_batch=
    per_village = True  # each row belongs to a registered village (a 村居 column or the sheet's name)
    template_title = ""  # the template's title line; default "<label>导入模板（金额单位：元）"
    template_notes = ""  # the template's instructions; default: the village ledgers' ones

    def parse_row(self, cells, *, units, memo=None):
        """``cells``: header -> raw value (None when the column is absent); ``units``: money
        header -> 元/万元; ``memo``: for :class:`RowReader`, one per sheet. Returns the row's
        parsed values or raises :class:`RowErrors`."""
        raise NotImplementedError

    @cached_property
    def today(self):
        """The day the ledger is read (dates after it are refused)."""
        return timezone.localdate()

    def plan(self, rows, *, batch):
        """Match ``rows`` (:class:`SourceRow`) against the database -> :class:`Plan`. Called to
        preview, and again inside the importing transaction (the database may have changed)."""
        raise NotImplementedError

    def write(self, plan, *, batch, user, progress):
        """Write the plan (inside the caller's transaction) -> receipt JSON, the same shape as
        a preview. ``progress(done, total)`` may be called as rows are written."""
        raise NotImplementedError

    def is_example(self, cells):
        """The template's example row, left in by mistake: refused, never imported. Columns
        taken out of the sheet (村居 on a sheet named after its village) are not compared."""
        for header, example in self._examples:
            if header not in cells:
                continue
            value = cells[header]
            if is_blank(value):
                if example:
                    return False
            elif _compact(value) != example:
                return False
        return True

    @cached_property
    def _examples(self):
        """(header, the example as :func:`_compact` makes it, "" when blank)."""
        return [
            (column.header, "" if is_blank(column.example) else _compact(column.example))
            for column in self.columns
        ]


# ---- the registry ------------------------------------------------------------------------

_KINDS: dict[str, type[LedgerKind]] = {}


def register(kind: type[LedgerKind]) -> type[LedgerKind]:
    """Make a kind of ledger importable (called from its app's ``AppConfig.ready()``)."""
    if not kind.key or not kind.label:
        raise ValueError(f"{kind.__name__} needs a key and a label")
    if _KINDS.get(kind.key, kind) is not kind:
        raise ValueError(f"two kinds of ledger use the key {kind.key!r}: {_KINDS[kind.key].__name__}, {kind.__name__}")
    _KINDS[kind.key] = kind
    return kind


def is_kind(key: str) -> bool:
    return key in _KINDS


def ledger_kind(key: str) -> "LedgerKind":
    """A fresh :class:`LedgerKind` of the registered kind ``key`` (``KeyError`` if none)."""
    return _KINDS[key]()


def kind_choices() -> list[tuple[str, str]]:
    """(key, label) of every registered kind, in the order the apps registered them: the
    choices of ``ImportBatch.kind`` and of the upload form."""
    return [(key, kind.label) for key, kind in _KINDS.items()]
