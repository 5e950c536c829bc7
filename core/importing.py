"""Reading a village ledger workbook: the steps every kind of ledger shares.

A kind of ledger (欠款人及欠款, 清收记录, 合同) is a :class:`LedgerKind` in the app that owns
its models (``recovery/ledger_import.py``, ``contracts/ledger_import.py``). It says which
headers it needs, parses one row's cells (``core.cells`` does the messy cells), matches the
rows against the database (:meth:`LedgerKind.plan`) and writes them (:meth:`LedgerKind.write`).

This module does the rest: every visible sheet is read in openpyxl's read-only mode with
formulas as their values; hidden sheets are ignored; the header row is found under any title
rows; blank rows and notes under the table are skipped; the village comes from a 村居 column,
else from the sheet's name; every problem is named by sheet, row and column; a copy of the
file with the bad cells highlighted and commented can be written.
"""

import gc
import zipfile
import zlib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import chain, islice
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from django.utils import timezone
from django.utils.module_loading import import_string
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .cells import (
    CellError,
    HeaderError,
    _compact,
    find_header_row,
    is_blank,
    is_blank_row,
    looks_like_note,
    stated_unit,
)

HEADER_SCAN_ROWS = 20
# Raised while a sheet is read (read-only mode parses it row by row) when its XML or its
# member of the zip is broken, or holds what defusedxml refuses (entities, a DTD).
UNREADABLE_SHEET = (DefusedXmlException, ParseError, zipfile.BadZipFile, zlib.error, EOFError)
PROGRESS_EVERY = 2000
VILLAGE = "村居"

KIND_CLASSES = {
    "arrears": "recovery.ledger_import.ArrearsLedger",
    "repayments": "recovery.ledger_import.RepaymentsLedger",
    "contracts": "contracts.ledger_import.ContractsLedger",
}


def ledger_kind(key):
    """The :class:`LedgerKind` for an ``ImportKind`` value."""
    return import_string(KIND_CLASSES[key])()


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
    village_id: int
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


# ---- reading -----------------------------------------------------------------------------

_paused = {"depth": 0, "freezing": False}


@contextmanager
def collector_paused():
    """Run a big read or write without Python's cycle collector. A ledger's rows are
    hundreds of thousands of small objects that all live to the end, and the collector
    would walk them again and again (a tenth of an import's time). Reference counting still
    frees everything that is not kept; the cycles a sheet's parser leaves behind are
    collected by :func:`collector_checkpoint` after each sheet."""
    enabled = gc.isenabled()
    outermost = _paused["depth"] == 0
    if outermost:
        # Nothing of anyone else's is frozen: what is kept can be set aside at checkpoints.
        _paused["freezing"] = gc.get_freeze_count() == 0
    _paused["depth"] += 1
    gc.disable()
    try:
        yield
    finally:
        _paused["depth"] -= 1
        if outermost:
            if _paused["freezing"]:
                gc.unfreeze()
            _paused["freezing"] = False
        if enabled:
            gc.enable()


def collector_checkpoint():
    """Inside :func:`collector_paused`: collect the garbage made since the last checkpoint,
    without walking what was kept before it (that is frozen, so this stays cheap)."""
    if _paused["freezing"]:
        gc.collect(0)
        gc.freeze()


@dataclass
class ReadResult:
    rows: list
    problems: list
    sheets: list  # names of the sheets read


def _village_lookup(township):
    from villages.models import Village

    lookup = {}
    for village in Village.objects.filter(work_area__zone__township=township).only("pk", "name", "code"):
        lookup[_compact(village.name)] = village.pk
        lookup[_compact(village.code)] = village.pk
    return lookup


def _village_from_title(title, lookup):
    """A sheet named after its village: 沙岭村, or 01沙岭村 / 沙岭村台账 are not guessed."""
    return lookup.get(_compact(title))


def _estimated_rows(workbook):
    return sum(sheet.max_row or 0 for sheet in workbook.worksheets if sheet.sheet_state == "visible")


def open_workbook(path):
    return load_workbook(path, read_only=True, data_only=True)


def read_ledger(path, kind, *, township, progress=lambda done, total: None):
    """Read every visible sheet of the workbook at ``path`` -> :class:`ReadResult`."""
    lookup = _village_lookup(township)
    rows, problems, sheets = [], [], []
    try:
        workbook = open_workbook(path)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        return ReadResult([], [Problem("", None, None, "", f"无法读取该文件：{exc.__class__.__name__}。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。")], [])
    try:
        total = _estimated_rows(workbook)
        done = 0
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue
            sheets.append(sheet.title)
            try:
                done = _read_sheet(sheet, kind, lookup, rows, problems, done, total, progress)
            except UNREADABLE_SHEET as exc:
                problems.append(Problem(sheet.title, None, None, "", f"无法读取该工作表：{exc.__class__.__name__}。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。"))
            collector_checkpoint()
        if not sheets:
            problems.append(Problem("", None, None, "", "工作簿里没有可见的工作表。"))
        elif not rows and not problems:
            problems.append(Problem("", None, None, "", "文件中没有数据行。"))
        progress(done, done)
    finally:
        workbook.close()
    return ReadResult(rows, problems, sheets)


def _read_sheet(sheet, kind, lookup, rows, problems, done, total, progress):
    title = sheet.title
    values_iter = sheet.iter_rows(values_only=True)
    head = list(islice(values_iter, HEADER_SCAN_ROWS))
    try:
        match = find_header_row(head, kind.required, optional_headers=(*kind.optional, VILLAGE), max_scan=HEADER_SCAN_ROWS)
    except HeaderError as exc:
        if all(is_blank_row(row) for row in head) and all(is_blank_row(row) for row in values_iter):
            return done  # an empty sheet (Sheet2, Sheet3 of a new workbook)
        row = exc.row + 1 if exc.row is not None else None
        problems.append(Problem(title, row, None, "", exc.message))
        return done + len(head)
    sheet_village = _village_from_title(title, lookup)
    if VILLAGE not in match.columns:
        if sheet_village is None:
            problems.append(Problem(
                title, match.row + 1, None, "",
                f"表中没有“{VILLAGE}”列，工作表名“{title}”也不是本乡镇的村居名称或编号。"
                f"请加一列“{VILLAGE}”，或把工作表改名为村居名称。",
            ))
            return done + len(head)
    money_units = set(match.units.values())
    memo = {}  # what each text or date cell of a column was read as (RowReader)
    first_data_row = match.row + 2  # Excel row number of the first row under the header
    for offset, values in enumerate(chain(head[match.row + 1:], values_iter)):
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done, total)
        if is_blank_row(values):
            continue
        excel_row = first_data_row + offset
        if looks_like_note(values):
            try:
                unit = stated_unit(values)
            except CellError as exc:
                problems.append(Problem(title, excel_row, None, "", exc.message))
                continue
            if unit and money_units and money_units != {unit}:
                problems.append(Problem(
                    title, excel_row, None, "",
                    f"表下的说明写的是“单位：{unit}”，而金额列按“{'、'.join(sorted(money_units))}”读取。"
                    "请在金额列的表头注明单位，如“欠款金额（万元）”。",
                ))
            continue
        cells = {header: values[column] if column < len(values) else None for header, column in match.columns.items()}
        if all(is_blank(value) for header, value in cells.items() if header != VILLAGE):
            continue  # a row left empty but for its 序号 or a pre-filled 村居
        if kind.is_example(cells):
            problems.append(Problem(title, excel_row, None, "", "这是模板里的示例行，请删除后再导入。"))
            continue
        errors = {}
        village_id = sheet_village
        raw = cells.pop(VILLAGE, None)
        if not is_blank(raw):  # a row's 村居 wins over the sheet's name
            village_id = lookup.get(_compact(raw))
            if village_id is None:
                errors[VILLAGE] = f"“{raw}”不是本乡镇的村居名称或编号。"
        elif village_id is None:
            errors[VILLAGE] = f"请填写村居（工作表名“{title}”不是村居名称，不能代替）。"
        try:
            parsed = kind.parse_row(cells, units=match.units, memo=memo)
        except RowErrors as exc:
            errors.update(exc.errors)
        if errors:
            for header, message in errors.items():
                problems.append(Problem(title, excel_row, match.columns.get(header), header, message))
            continue
        rows.append(SourceRow(title, excel_row, village_id, parsed, match.columns))
    return done


# ---- the annotated copy ------------------------------------------------------------------

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006", bold=True)
COMMENT_AUTHOR = "清收清欠系统"


def _cell(sheet, value, *, marked=None):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"  # a copy of a text cell never becomes a formula
    if marked:
        cell.fill = ERROR_FILL
        cell.font = ERROR_FONT
        comment = Comment("\n".join(marked), COMMENT_AUTHOR)
        comment.width, comment.height = 300, 120
        cell.comment = comment
    return cell


def write_annotated_copy(path, problems, out):
    """Write to ``out`` (a path or file) a copy of the workbook's visible sheets, values only,
    with every cell that has a problem filled red and commented, and a first sheet that lists
    every problem. A problem of a whole row marks the row's first cell."""
    marks = defaultdict(lambda: defaultdict(list))  # sheet -> (row, column) -> messages
    for problem in problems:
        row = problem.row or 1
        column = problem.column if problem.column is not None else 0
        label = f"{problem.header}：" if problem.header else ""
        marks[problem.sheet][(row, column)].append(label + problem.message)
    copy = Workbook(write_only=True)
    listing = copy.create_sheet("错误清单")
    listing.column_dimensions["A"].width = 16
    listing.column_dimensions["D"].width = 14
    listing.column_dimensions["E"].width = 80
    listing.append([_cell(listing, text) for text in ("工作表", "行", "列", "列名", "问题")])
    for problem in problems:
        column = get_column_letter(problem.column + 1) if problem.column is not None else ""
        listing.append([_cell(listing, value) for value in (problem.sheet, problem.row, column, problem.header, problem.message)])
    try:
        source = open_workbook(path)
    except Exception:  # unreadable (the problems say so): the copy is their list alone
        copy.save(out)
        return
    try:
        for sheet in source.worksheets:
            if sheet.sheet_state != "visible":
                continue
            target = copy.create_sheet(sheet.title)
            sheet_marks = marks.get(sheet.title, {})
            by_row = defaultdict(dict)
            for (row, column), messages in sheet_marks.items():
                by_row[row][column] = messages
            try:
                _copy_rows(sheet, target, by_row)
            except UNREADABLE_SHEET:
                continue  # the problems say so; the copy keeps the rows read before
    finally:
        source.close()
    copy.save(out)


def _copy_rows(sheet, target, by_row):
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        row_marks = by_row.get(number)
        if not row_marks:
            target.append([_cell(target, value) if isinstance(value, str) and value.startswith("=") else value for value in values])
            continue
        width = max([len(values), *[column + 1 for column in (row_marks or {})]])
        values = list(values) + [None] * (width - len(values))
        target.append([_cell(target, value, marked=row_marks.get(column)) for column, value in enumerate(values)])


# ---- the template ------------------------------------------------------------------------

TITLE_FONT = Font(size=14, bold=True)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FONT = Font(italic=True, color="808080")


def template_workbook(kind):
    """The downloadable template of a kind: a title, a line of instructions, the headers
    (required ones starred, each with a comment saying what to write) and one example row."""
    from openpyxl.styles import Alignment

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "村名"
    count = len(kind.columns)
    sheet.cell(1, 1, f"{kind.label}导入模板（金额单位：元）").font = TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=count)
    notes = (
        "填写说明：带 * 的列必须填写；第 4 行是示例，请删除后再导入；每村可单独一个工作表（表名写村名），"
        "也可都填在一个表里并填写“村居”列。日期可写 2019-5-13、2019.5.13 或 2019年5月13日。"
    )
    sheet.cell(2, 1, notes).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=count)
    sheet.row_dimensions[2].height = 48
    for index, column in enumerate(kind.columns, start=1):
        star = "*" if column.header in kind.required else ""
        header = sheet.cell(3, index, star + column.header)
        header.font, header.fill = HEADER_FONT, HEADER_FILL
        if column.note:
            header.comment = Comment(column.note, COMMENT_AUTHOR)
        example = sheet.cell(4, index, column.example)
        example.font = EXAMPLE_FONT
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.number_format:
            example.number_format = column.number_format
            for row in range(5, 205):
                sheet.cell(row, index).number_format = column.number_format
    sheet.freeze_panes = "A4"
    return workbook
