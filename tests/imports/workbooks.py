"""Building ledger files for the import tests."""

from imports.workbooks import template_workbook


def filled_template(kind, *rows):
    """``kind``'s downloadable template with its example row replaced by ``rows``
    (header -> value), one row a dict, from the template's row 4 on."""
    workbook = template_workbook(kind)
    sheet = workbook.active
    columns = {column.header: index for index, column in enumerate(kind.columns, start=1)}
    for column in columns.values():
        sheet.cell(4, column).value = None
    for number, row in enumerate(rows, start=4):
        for header, value in row.items():
            sheet.cell(number, columns[header], value)
    return workbook
