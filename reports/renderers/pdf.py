"""The battle report as a PDF: the Django template ``reports/report_pdf.html`` through WeasyPrint.

A4 landscape, Noto Sans CJK SC, the ranking's header row repeated on every page (WeasyPrint
repeats a table's ``<thead>``), "第 x 页 共 y 页" in the footer. WeasyPrint is imported on
first use: it is slow to import and only the report job needs it.
"""

from django.conf import settings
from django.template.loader import render_to_string

TEMPLATE = "reports/report_pdf.html"


def report_html(snapshot):
    """The HTML the PDF is printed from (handy to look at, and for the benchmark)."""
    return render_to_string(TEMPLATE, {"snapshot": snapshot})


def render_pdf(snapshot):
    from weasyprint import HTML

    document = HTML(string=report_html(snapshot), base_url=str(settings.BASE_DIR))
    return document.write_pdf()
