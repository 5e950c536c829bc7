"""The sheet of initial passwords, as a PDF (WeasyPrint, Noto Sans CJK SC, as the battle
report): one slip per village to cut apart and hand out. Made in the request that created
the accounts and never kept: the passwords are in it and nowhere else in clear."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

TEMPLATE = "onboarding/cadre_accounts_pdf.html"


def cadre_accounts_pdf(*, accounts, township, site_url):
    from weasyprint import HTML

    html = render_to_string(TEMPLATE, {
        "accounts": accounts, "township": township, "site_url": site_url, "made_at": timezone.localtime(),
    })
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
