"""Reading a village ledger workbook: the steps every kind of ledger shares.

Every visible sheet is read in openpyxl's read-only mode with formulas as their values;
hidden sheets are ignored; the header row is found under any title rows
(``imports.headers``); blank rows and notes under the table are skipped; the village comes
from a 村居 column, else from the sheet's name; every problem is named by sheet, row and
column (:class:`~imports.ledgers.Problem`).
"""

from __future__ import annotations

import gc
import re
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .cells import CellError, _compact, _show, is_blank
from .headers import HeaderError, Vocabulary, find_header_row, is_blank_row, looks_like_note, stated_unit
from .ledgers import LedgerKind, Problem, RowErrors, SourceRow

if TYPE_CHECKING:
    from villages.models import Township

HEADER_SCAN_ROWS = 20
# Raised while a sheet is read (read-only mode parses it row by row) when its XML or its
# member of the zip is broken, or holds what defusedxml refuses (entities, a DTD).
UNREADABLE_SHEET = (DefusedXmlException, ParseError, zipfile.BadZipFile, zlib.error, EOFError)
PROGRESS_EVERY = 2000
VILLAGE = "村居"
VILLAGE_VOCABULARY = Vocabulary(synonyms={VILLAGE: ("村居", "村", "村名", "社区村", "所属村", "村庄")})
"""Every kind of ledger may name each row's village (else the sheet's name does)."""

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
    unused: list = field(default_factory=list)  # UnusedColumn: what the import leaves out


@dataclass(frozen=True)
class UnusedColumn:
    """A column of a sheet that the kind of ledger does not read: one with a header it does
    not know, or one without a header that has values under it (``first_row``)."""

    sheet: str
    column: int  # 0-based
    header: str  # "" when the column has none
    first_row: int | None = None


ROW_NUMBER_HEADERS = frozenset({"序号", "序", "行号", "no", "no."})
"""Headers of a column that only numbers the rows: not data, not worth a word."""


class _UnusedColumns:
    """Collects a sheet's :class:`UnusedColumn`: those named in the header row are known at
    once; a column without a header is reported when a data row has a value in it."""

    def __init__(self, title, header_row, used):
        self.title = title
        self.named = [
            UnusedColumn(title, column, _show(value, limit=20))
            for column, value in enumerate(header_row)
            if column not in used and not is_blank(value) and not _says_nothing(value)
        ]
        self.width = len(header_row)
        self.watched = {column for column in range(self.width) if column not in used and is_blank(header_row[column])}
        self.with_values = {}  # column without a header -> first Excel row with a value

    def see(self, values, excel_row):
        for column in [column for column in self.watched if column < len(values) and not is_blank(values[column])]:
            self.with_values[column] = excel_row
            self.watched.discard(column)
        if len(values) > self.width:
            for column, value in enumerate(values[self.width:], start=self.width):
                if value is not None and column not in self.with_values and not is_blank(value):
                    self.with_values[column] = excel_row

    def columns(self):
        headerless = [UnusedColumn(self.title, column, "", row) for column, row in self.with_values.items()]
        return sorted([*self.named, *headerless], key=lambda unused: unused.column)


def _says_nothing(value):
    """A header cell that names no data: a row-number column, or a note of the unit."""
    if not isinstance(value, str):
        return False
    if _compact(value).lower() in ROW_NUMBER_HEADERS:
        return True
    try:
        return stated_unit([value]) is not None
    except CellError:
        return False


def unused_columns_text(unused: list[UnusedColumn]) -> str:
    """``“备注”（东岭村 F 列）、东岭村 K 列（没有表头，第 5 行起有内容）`` for the preview: what the
    import will leave out, grouped by header; "" when it reads every column."""
    by_header = {}
    for column in unused:
        by_header.setdefault(column.header, []).append(column)
    parts = []
    for header, columns in by_header.items():
        if header:
            places = "、".join(f"{c.sheet} {get_column_letter(c.column + 1)} 列" for c in columns[:3])
            more = f"等 {len(columns)} 个工作表" if len(columns) > 3 else ""
            parts.append(f"“{header}”（{places}{more}）")
        else:
            parts.extend(
                f"{c.sheet} {get_column_letter(c.column + 1)} 列（没有表头，第 {c.first_row} 行起有内容）" for c in columns
            )
    return "、".join(parts)


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


_ROW_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _rows_in(sheet):
    """How many ``<row>`` elements the sheet's XML really holds (whatever its ``<dimension>``
    says), counted in the raw bytes a megabyte at a time, without parsing them."""
    count, pending = 0, b""
    try:
        with sheet._get_source() as source:  # openpyxl's own way to the sheet's XML
            for chunk in iter(lambda: source.read(1 << 20), b""):
                data = pending + chunk
                last = data.rfind(b"<")  # a tag cut by the chunk's end waits for the next chunk
                head, pending = (data[:last], data[last:]) if last >= 0 else (data, b"")
                count += len(_ROW_TAG_RE.findall(head))
    except UNREADABLE_SHEET:
        return count  # reading the sheet reports it
    return count + len(_ROW_TAG_RE.findall(pending))


def _estimated_rows(workbook):
    return sum(_rows_in(sheet) for sheet in workbook.worksheets if sheet.sheet_state == "visible")


def open_workbook(path):
    """The workbook in read-only mode, values only, its sheets' sizes unset: openpyxl would
    otherwise stop at the rows and columns the sheet's ``<dimension ref="A1:I5"/>`` claims,
    and a file whose writer put a wrong one there would lose the rest without a word."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    for sheet in workbook.worksheets:
        sheet.reset_dimensions()
    return workbook


def read_ledger(path: str, kind: LedgerKind, *, township: Township, progress=lambda done, total: None) -> ReadResult:
    """Read every visible sheet of the workbook at ``path`` -> :class:`ReadResult`."""
    lookup = _village_lookup(township) if kind.per_village else {}
    rows, problems, sheets, unused = [], [], [], []
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
                done = _read_sheet(sheet, kind, lookup, rows, problems, done, total, progress, unused)
            except UNREADABLE_SHEET as exc:
                problems.append(Problem(
                    sheet.title, None, None, "",
                    f"无法读取该工作表：{exc.__class__.__name__}。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。",
                ))
            collector_checkpoint()
        if not sheets:
            problems.append(Problem("", None, None, "", "工作簿里没有可见的工作表。"))
        elif not rows and not problems:
            problems.append(Problem("", None, None, "", "文件中没有数据行。"))
        progress(done, done)
    finally:
        workbook.close()
    return ReadResult(rows, problems, sheets, unused)


def _read_sheet(sheet, kind, lookup, rows, problems, done, total, progress, unused):
    title = sheet.title
    values_iter = sheet.iter_rows(values_only=True)
    head = list(islice(values_iter, HEADER_SCAN_ROWS))
    optional, vocabulary = kind.optional, kind.vocabulary
    if kind.per_village:
        optional, vocabulary = (*optional, VILLAGE), vocabulary | VILLAGE_VOCABULARY
    try:
        match = find_header_row(head, kind.required, optional_headers=optional, vocabulary=vocabulary, max_scan=HEADER_SCAN_ROWS)
    except HeaderError as exc:
        if all(is_blank_row(row) for row in head) and all(is_blank_row(row) for row in values_iter):
            return done  # an empty sheet (Sheet2, Sheet3 of a new workbook)
        row = exc.row + 1 if exc.row is not None else None
        problems.append(Problem(title, row, None, "", exc.message))
        return done + len(head)
    sheet_village = _village_from_title(title, lookup) if kind.per_village else None
    if kind.per_village and VILLAGE not in match.columns:
        if sheet_village is None:
            problems.append(Problem(
                title, match.row + 1, None, "",
                f"表中没有“{VILLAGE}”列，工作表名“{title}”也不是本乡镇的村居名称或编号。"
                f"请加一列“{VILLAGE}”，或把工作表改名为村居名称。",
            ))
            return done + len(head)
    unread = _UnusedColumns(title, head[match.row], set(match.columns.values()))
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
        unread.see(values, excel_row)
        cells = {header: values[column] if column < len(values) else None for header, column in match.columns.items()}
        if all(is_blank(value) for header, value in cells.items() if header != VILLAGE):
            continue  # a row left empty but for its 序号 or a pre-filled 村居
        if kind.is_example(cells):
            problems.append(Problem(title, excel_row, None, "", "这是模板里的示例行，请删除后再导入。"))
            continue
        errors = {}
        village_id = sheet_village
        if kind.per_village:
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
    unused.extend(unread.columns())
    return done
