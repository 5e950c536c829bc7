"""Where the table is in a ledger sheet: the header row, the money unit, and the rows
that are not data (blank rows, totals and notes under the table).

A kind of ledger names the headers it wants and says, in a :class:`Vocabulary`, the other
names villages use for them, which of its columns hold money (元 or 万元) and which hold
areas (亩). A header cell is normalised (NFKC, whitespace and newlines removed, a leading
``*`` dropped, units in brackets taken apart) and must equal one of those names; there is
no partial matching. A money column's unit is the one its header states, else the one
stated above the table (:func:`stated_unit`), else 元.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from openpyxl.utils import get_column_letter

from .cells import YUAN, CellError, _compact, _show, is_blank


class HeaderError(CellError):
    """The header row was not found, or is ambiguous.

    ``missing``: the wanted headers not found in the closest row; ``row``: that row's index
    (0-based, into the rows given), or None when no row had any wanted header.
    """

    def __init__(self, message, *, missing=(), row=None):
        super().__init__(message)
        self.missing = list(missing)
        self.row = row


@dataclass(frozen=True)
class Vocabulary:
    """The header words of a kind of ledger.

    ``synonyms``: wanted header -> the names ledgers use for it (a header not in the table
    matches only its own name); ``money``: headers whose column carries a unit (元/万元);
    ``area``: headers read in 亩 (a column headed in 平方米 or 公顷 is refused).
    Vocabularies combine with ``|`` (the right one's synonyms win for a header in both).
    """

    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    money: frozenset[str] = frozenset()
    area: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "_names", {
            header: frozenset(_compact(name) for name in (*names, header)) for header, names in self.synonyms.items()
        })

    def names_for(self, header):
        """The normalised names that stand for ``header``."""
        names = self._names.get(header)
        return names if names is not None else frozenset({_compact(header)})

    def __or__(self, other):
        return Vocabulary(
            synonyms={**self.synonyms, **other.synonyms}, money=self.money | other.money, area=self.area | other.area,
        )


EXACT = Vocabulary()
"""Every header matches only its own name; no money or area columns."""

_BRACKETS_RE = re.compile(r"[(\[【〔]([^)\]】〕]*)[)\]】〕]")
_UNIT_TEXT_RE = re.compile(r"(?:单位:?)?(万元|元)")
_STATED_UNIT_RE = re.compile(r"单位[:为是]?(万元|元)(?![/每])|以(万元|元)作?为单位")
_TITLE_UNIT_RE = re.compile(r"\((万元|元)\)$")


class HeaderMatch(NamedTuple):
    """Where the header row is and what it says.

    ``row``: index of the header row in the rows given (0-based; data starts at ``row + 1``);
    ``columns``: wanted header -> column index (0-based, into each row tuple);
    ``units``: money header (``vocabulary.money``) found -> ``"元"`` or ``"万元"``.
    """

    row: int
    columns: dict
    units: dict


def _header_parts(value):
    """``"欠款金额\\n（万元）"`` -> ``("欠款金额", "万元")``; a cell with no header -> None.

    The unit is what a bracket, or a ``/`` part, says; ``"?"`` when a bracket mentions 元 in
    a way that is not plainly 元 or 万元 (``"金额(元/万元)"``).
    """
    if value is None or (isinstance(value, str) and is_blank(value)):
        return None
    text = _compact(value).lstrip("*※").rstrip(":")
    unit = None
    for inside in _BRACKETS_RE.findall(text):
        match = _UNIT_TEXT_RE.fullmatch(inside)
        if match:
            unit = match[1]
        elif "元" in inside:
            unit = "?"
    base = _BRACKETS_RE.sub("", text)
    head, slash, tail = base.rpartition("/")
    if slash and _UNIT_TEXT_RE.fullmatch(tail):
        base, unit = head, _UNIT_TEXT_RE.fullmatch(tail)[1]
    return base, unit


def _match_header(base, header, vocabulary):
    """Does a header cell's base text name ``header``? Money headers may end in 元/万元."""
    names = vocabulary.names_for(header)
    if base in names:
        return True, None
    if header in vocabulary.money:
        for suffix in ("万元", "元"):
            if base.endswith(suffix) and base[: -len(suffix)] in names:
                return True, suffix
    return False, None


def _match_row(row, wanted, vocabulary):
    """wanted header -> [(column, unit)] of the cells in ``row`` naming it."""
    found = {header: [] for header in wanted}
    parts = [_header_parts(value) for value in row]
    for column, part in enumerate(parts):
        if part is None:
            continue
        base, unit = part
        for header in wanted:
            matched, suffix_unit = _match_header(base, header, vocabulary)
            if matched:
                found[header].append((column, unit or suffix_unit))
    return found


def _cell_name(row, column):
    """``“欠款金额(元/万元)”（第B列）``."""
    return f"“{_show(row[column])}”（第{get_column_letter(column + 1)}列）"


def _resolve(row_index, row, found):
    """One column per header, or a HeaderError naming the clash."""
    columns, units = {}, {}
    for header, hits in found.items():
        if not hits:
            continue
        if len(hits) > 1:
            exact = [hit for hit in hits if _header_parts(row[hit[0]])[0] == _compact(header)]
            if len(exact) != 1:
                names = "、".join(_cell_name(row, column) for column, _ in hits)
                raise HeaderError(
                    f"第{row_index + 1}行表头有多列都可作“{header}”：{names}。"
                    f"请只保留一列，或把要导入的那列改名为“{header}”。",
                    row=row_index,
                )
            hits = exact
        columns[header], units[header] = hits[0]
    by_column = {}
    for header, column in columns.items():
        by_column.setdefault(column, []).append(header)
    for column, headers in by_column.items():
        if len(headers) > 1:
            wanted = "还是".join(f"“{header}”" for header in headers)
            raise HeaderError(
                f"第{row_index + 1}行{_cell_name(row, column)}无法判断是{wanted}，请改成其中一个列名。",
                row=row_index,
            )
    return columns, units


def _units_stated(values, *, title=False):
    texts = [_compact(value) for value in values if isinstance(value, str)]
    units = {match[1] or match[2] for text in texts for match in _STATED_UNIT_RE.finditer(text)}
    if title:
        units |= {match[1] for text in texts for match in [_TITLE_UNIT_RE.search(text)] if match}
    return units


def stated_unit(values):
    """The money unit a row's text states, ``"元"``, ``"万元"`` or None.

    Recognised: ``单位：万元``, ``单位为万元``, ``金额单位是元``, ``以万元为单位`` (but not
    ``单位：元/亩``, a rate). :func:`find_header_row` applies it to the rows above the header;
    the importer should apply it to the notes under the table too, and refuse the sheet when a
    note says 万元 and the money column was read as 元 (or the other way round).
    Raises :class:`CellError` when the row states both.
    """
    units = _units_stated(values)
    if len(units) > 1:
        raise CellError("同一行里既写了“单位：元”又写了“单位：万元”，无法判断金额的单位。")
    return units.pop() if units else None


def _sheet_unit(rows, header_row, columns):
    """The unit stated above the table (a title ending in ``（万元）`` counts there), or
    beside the headers in the header row."""
    above = [value for row in rows[:header_row] for value in row]
    beside = [value for column, value in enumerate(rows[header_row]) if column not in columns.values()]
    units = _units_stated(above, title=True) | _units_stated(beside)
    if len(units) > 1:
        raise HeaderError("表格上方同时写了“单位：元”和“单位：万元”，无法判断金额的单位。", row=header_row)
    return units.pop() if units else None


def find_header_row(rows, required_headers, *, optional_headers=(), vocabulary=EXACT, max_scan=20):
    """Find the header row among the first ``max_scan`` rows -> :class:`HeaderMatch`.

    ``rows``: row tuples of cell values, as ``sheet.iter_rows(values_only=True)`` gives them
    (a merged title's value is in its first cell, the rest are None); an iterator is consumed
    up to ``max_scan`` rows, so pass a list or iterate the sheet again. The header row is the
    first that names every required header (by the ``vocabulary``'s synonyms); optional headers
    are located when present. Money headers get the unit their header cell states
    (``欠款金额（万元）``, ``金额/万元``), else the unit stated above the table or beside the
    headers (``单位：万元``, a title ending in ``（万元）``; see :func:`stated_unit`), else 元.

    Raises :class:`HeaderError` naming the missing headers, when two columns could be the
    same header, when one column could be two wanted headers, or when a unit is unclear.
    """
    rows = [tuple(row) for row in islice(rows, max_scan)]
    required = list(dict.fromkeys(required_headers))
    wanted = required + [header for header in dict.fromkeys(optional_headers) if header not in required]
    best_row, best_missing = None, required
    for index, row in enumerate(rows):
        found = _match_row(row, wanted, vocabulary)
        missing = [header for header in required if not found[header]]
        if not missing:
            columns, units = _resolve(index, row, found)
            sheet_unit = _sheet_unit(rows, index, columns)
            money = {}
            for header, column in columns.items():
                if header not in vocabulary.money:
                    continue
                unit = units[header] or sheet_unit or YUAN
                if unit == "?":
                    raise HeaderError(
                        f"无法判断{_cell_name(row, column)}的单位：请写成“{header}（元）”或“{header}（万元）”。",
                        row=index,
                    )
                money[header] = unit
            _check_area_unit(index, row, columns, vocabulary)
            return HeaderMatch(index, columns, money)
        if len(missing) < len(best_missing):
            best_row, best_missing = index, missing
    message = f"没有找到表头：前 {len(rows)} 行中没有一行同时含有 {_quoted(required)}。"
    if best_row is not None:
        message += f"最接近的是第{best_row + 1}行，缺少 {_quoted(best_missing)}。"
    hints = [
        f"“{header}”可写作：" + "、".join(vocabulary.synonyms[header])
        for header in best_missing
        if header in vocabulary.synonyms
    ]
    if hints:
        message += "；".join(hints) + "。"
    raise HeaderError(message, missing=best_missing, row=best_row)


_NOT_MU_RE = re.compile(r"平方米|平米|㎡|m2|公顷|hm2", re.IGNORECASE)


def _check_area_unit(row_index, row, columns, vocabulary):
    """Areas are read in 亩: an area column headed in square metres or hectares is refused,
    not read as 亩 (a bracket is otherwise ignored when headers are matched)."""
    for header in vocabulary.area:
        column = columns.get(header)
        if column is not None and _NOT_MU_RE.search(_compact(row[column])):
            raise HeaderError(
                f"{_cell_name(row, column)}不是以亩为单位：请把面积换算成亩，表头写“{header}（亩）”。", row=row_index,
            )


def _quoted(headers):
    return "、".join(f"“{header}”" for header in headers)


# ---- rows that are not data ------------------------------------------------------------

NOTE_PREFIXES = (
    "注", "备注", "说明", "附注", "附:", "制表", "填表", "填报", "报送", "审核", "复核",
    "负责人", "经办人", "会计", "出纳", "村委会", "村支部", "单位:",
)
TOTAL_PREFIXES = ("合计", "总计", "小计", "共计")
NOTE_SENTENCE_MARKS = ("。", ";", "!", "?")
NOTE_MIN_LENGTH = 30


def is_blank_row(values):
    """True when every cell of the row is blank (None or only whitespace); so is ``()``."""
    for value in values:
        if value is not None and not is_blank(value):
            return False
    return True


def looks_like_note(values):
    """True for a row that is a note under the table, not data (to skip, not to import).

    The rule, on the row's non-blank cells (text compared without spaces, full-width forms
    as ASCII):

    1. a totals row: the first non-blank cell is text starting with 合计/总计/小计/共计,
       whatever the other cells hold (``["合计", None, 12345.6]``);
    2. a note or signature line: the first non-blank cell is text starting with one of
       :data:`NOTE_PREFIXES` (注, 备注, 说明, 制表, 审核, 负责人…) and every non-blank cell
       is text (``["制表人：张三", None, "审核：李四"]``);
    3. a sentence: the only non-blank cell is text that has a sentence mark (。；！？) or is
       at least 30 characters long.

    Anything else is data, so a short name alone on a row is reported as an incomplete row
    rather than skipped. A blank row is not a note (see :func:`is_blank_row`).
    """
    cells = (value for value in values if value is not None and not is_blank(value))
    head = next(cells, None)
    if not isinstance(head, str):
        return False
    first = _compact(head)
    if first.startswith(TOTAL_PREFIXES):
        return True
    if first.startswith(NOTE_PREFIXES):
        return all(isinstance(value, str) for value in cells)
    if next(cells, None) is None:
        return any(mark in first for mark in NOTE_SENTENCE_MARKS) or len(first) >= NOTE_MIN_LENGTH
    return False
