"""Excel export of a django-tables2 table: the rows the list shows, numbers as numbers.

Plugs into django-tables2's ``ExportMixin`` as its ``export_class``; the values come from
``Table.as_values()``, so a column's ``value_<name>`` decides what is exported.
"""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
RATIO_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"

# The one header style of every workbook the product writes (exports, the battle report,
# import templates): bold on light blue, centred and wrapped.
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


def header_style(cell):
    """Give ``cell`` the header style."""
    cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT


class Ratio(Decimal):
    """A Decimal that Excel should show as a percentage."""


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text):
    """Text a spreadsheet might run as a formula (=, +, -, @, tab, CR first) gets a leading
    apostrophe, so a debtor named '=HYPERLINK(...)' stays a name."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _cell_value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, Decimal, date)):
        return value
    return neutralise(str(value))


def rows_to_workbook(rows, title):
    """``rows``: header row then data rows; Decimals stay numbers with a number format."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    write_sheet(sheet, rows)
    return workbook


def sheets_to_workbook(sheets):
    """``[(title, rows), ...]`` -> one workbook with a sheet each."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        write_sheet(workbook.create_sheet(title[:31]), rows)
    return workbook


def write_sheet(sheet, rows):
    """Writes header + rows: bold frozen header, number formats, widths, print set-up."""
    widths = {}
    for row_index, row in enumerate(rows, start=1):
        for col_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=col_index, value=_cell_value(value))
            if row_index == 1:
                header_style(cell)
            elif isinstance(value, Ratio):
                cell.number_format = RATIO_FORMAT
            elif isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            text = str(cell.value)
            width = sum(2 if ord(ch) > 255 else 1 for ch in text) + 2
            widths[col_index] = min(max(widths.get(col_index, 6), width), 50)
    for col_index, width in widths.items():
        sheet.column_dimensions[get_column_letter(col_index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def workbook_response(workbook, filename):
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{_quote(filename)}"
    )
    return response


def _quote(filename):
    from urllib.parse import quote

    return quote(filename)


class XlsxTableExport:
    """Same interface as ``django_tables2.export.TableExport``, xlsx only."""

    XLSX = "xlsx"
    FORMATS = {XLSX: XLSX_CONTENT_TYPE}

    def __init__(self, export_format, table, exclude_columns=None, dataset_kwargs=None):
        if not self.is_valid_format(export_format):
            raise TypeError(f'Export format "{export_format}" is not supported.')
        title = (dataset_kwargs or {}).get("title") or "导出"
        self.workbook = rows_to_workbook(table.as_values(exclude_columns=exclude_columns), title)

    @classmethod
    def is_valid_format(cls, export_format):
        return export_format in cls.FORMATS

    def response(self, filename=None):
        return workbook_response(self.workbook, filename or "export.xlsx")
