"""The battle report's sections as the web page shows them, rendered once per report (a
published report never changes) and stored on it (``Report.sections_html``). The page adds
the reader's own village's highlight with a style rule of its own, so the stored HTML is
the same for everyone."""

from django.template.loader import render_to_string

TEMPLATE = "reports/partials/report_sections.html"


def render_sections(snapshot) -> str:
    return render_to_string(TEMPLATE, {"snapshot": snapshot, "for_pdf": False})
