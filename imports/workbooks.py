"""Workbooks the importer writes: the template of a kind of ledger, and the copy of an
uploaded file with its bad cells marked."""

from collections import defaultdict

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.exports import header_style

from .ledgers import LedgerKind, Problem
from .reading import UNREADABLE_SHEET, open_workbook

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


def write_annotated_copy(path: str, problems: list[Problem], out) -> None:
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
EXAMPLE_FONT = Font(italic=True, color="808080")


def template_workbook(kind: LedgerKind) -> Workbook:
    """The downloadable template of a kind: a title, a line of instructions, the headers
    (required ones starred, each with a comment saying what to write) and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "村名" if kind.per_village else kind.label[:31].split("（")[0]
    count = len(kind.columns)
    sheet.cell(1, 1, kind.template_title or f"{kind.label}导入模板（金额单位：元）").font = TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=count)
    notes = kind.template_notes or (
        "填写说明：带 * 的列必须填写；第 4 行是示例，请删除后再导入；每村可单独一个工作表（表名写村名），"
        "也可都填在一个表里并填写“村居”列。日期可写 2019-5-13、2019.5.13 或 2019年5月13日。"
    )
    sheet.cell(2, 1, notes).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=count)
    sheet.row_dimensions[2].height = 48
    for index, column in enumerate(kind.columns, start=1):
        star = "*" if column.header in kind.required else ""
        header = sheet.cell(3, index, star + column.header)
        header_style(header)
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
