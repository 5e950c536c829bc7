"""The battle report as a PDF: the Django template ``reports/report_pdf.html`` through WeasyPrint.

A4 landscape, Noto Sans CJK SC, the ranking's header row repeated on every page (WeasyPrint
repeats a table's ``<thead>``), "第 x 页 共 y 页" in the footer. WeasyPrint is imported on
first use: it is slow to import and only the report job needs it.

Memory: WeasyPrint's default user-agent stylesheet has rules for pseudo-elements that match
*every* element (``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``,
``::note-marker``, ``::note-callback``). WeasyPrint then computes six pseudo-element styles
per element, none of them shared, even though the report has no lists and no footnotes:
about 100,000 style objects for the ~17,000 elements of a 960-village report, which cost
~120 MB of peak memory and ~2 s (measured on WeasyPrint 70: peak 537 -> 417 MB, same pages
pixel for pixel). The PDF is therefore printed with a copy of that stylesheet in which those
rules are narrowed to the elements that can use them (``li``/``summary`` markers) or dropped
(footnotes and notes: the report has none). If a WeasyPrint release changes the stylesheet so
that nothing matches, the copy is simply the default one.
"""

import re
from functools import cache

from django.conf import settings
from django.template.loader import render_to_string

TEMPLATE = "reports/report_pdf.html"

# A whole UA rule line "::<pseudo> { ... }" (WeasyPrint writes one rule per line).
_UNIVERSAL_PSEUDO_RULE = re.compile(
    r"^::(?P<pseudo>marker|footnote-call|footnote-marker|note-call|note-marker|note-callback)"
    r"(?P<body>\s*\{[^{}\n]*\})[ \t]*$",
    re.MULTILINE,
)


def _narrow_rule(match):
    if match["pseudo"] == "marker":
        return "li::marker, summary::marker" + match["body"]
    return ""


def report_html(snapshot):
    """The HTML the PDF is printed from (handy to look at, and for the benchmark)."""
    return render_to_string(TEMPLATE, {"snapshot": snapshot})


@cache
def _report_html_class():
    from weasyprint import CSS, HTML
    from weasyprint import html as weasy_html
    from weasyprint.css.counters import CounterStyle

    ua, default_ua = getattr(weasy_html, "UA", None), getattr(weasy_html, "UA_STYLESHEET", None)
    if not isinstance(ua, str) or default_ua is None or not hasattr(HTML, "_ua_stylesheets"):
        return HTML
    # A counter-style registry of its own: the UA's @counter-style rules are already in
    # WeasyPrint's, and registering them twice there only logs warnings.
    lean_ua = CSS(string=_UNIVERSAL_PSEUDO_RULE.sub(_narrow_rule, ua), counter_style=CounterStyle())

    class ReportHTML(HTML):
        """``HTML`` with the lean user-agent stylesheet (see the module docstring)."""

        def _ua_stylesheets(self, forms=False):
            sheets = super()._ua_stylesheets(forms)
            return [lean_ua if sheet is default_ua else sheet for sheet in sheets]

    return ReportHTML


def render_pdf(snapshot):
    html = _report_html_class()(string=report_html(snapshot), base_url=str(settings.BASE_DIR))
    return html.write_pdf()
