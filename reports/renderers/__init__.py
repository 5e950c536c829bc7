"""The battle report's files, both drawn from one ``Snapshot`` so their numbers agree.

``render_pdf(snapshot) -> bytes`` (WeasyPrint, A4 landscape) and
``render_xlsx(snapshot) -> bytes`` (openpyxl, a sheet per section); ``render_sections(snapshot)
-> str``, the web page's sections, stored on the report.
"""

from .pdf import render_pdf, report_html
from .web import render_sections
from .xlsx import render_xlsx

__all__ = ["render_pdf", "render_sections", "render_xlsx", "report_html"]
