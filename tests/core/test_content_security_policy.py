"""The Content-Security-Policy (core/middleware.py, settings.CONTENT_SECURITY_POLICY): every
page but a PDF sends it; a page that needs an inline style (the reader's own village in the
ranking) gets a fresh nonce in the policy and on its ``<style>``; the templates hold no
inline script, no style attribute and no ``<style>`` without the nonce, so the strict
default policy blocks nothing of ours (tests/browser/test_content_security_policy.py
loads the pages in chromium and listens for violations)."""

import importlib
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from core.middleware import policy_with_nonce
from recovery.models import Arrear
from reports.models import Report
from reports.services import report_build
from tests.factories import ArrearFactory, pay

DAY = date(2025, 3, 10)
SHANGHAI = ZoneInfo("Asia/Shanghai")
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# WeasyPrint's template: never served to a browser.
NOT_SERVED = {"reports/report_pdf.html", "onboarding/cadre_accounts_pdf.html"}  # WeasyPrint only


@pytest.fixture
def report(campaign, arrear, village_b, staff_user, pdf_not_rendered):
    ArrearFactory(debtor__village=village_b, campaign=campaign, principal=Decimal("500.00"))
    Arrear.objects.update(created_at=datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI))
    pay(arrear, "400.00", staff_user, received_on=DAY, recorded_at=datetime(2025, 3, 10, 10, 0, tzinfo=SHANGHAI))
    return report_build(campaign=campaign, day=DAY)[0]


def test_it_adds_the_nonce_to_script_and_style_sources_only():
    policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
    assert policy_with_nonce(policy, "abc") == (
        "default-src 'self'; script-src 'self' 'nonce-abc'; style-src 'self' 'nonce-abc'; img-src 'self' data:"
    )


@pytest.mark.django_db
def test_a_page_sends_the_strict_policy_without_a_nonce_it_does_not_use(client):
    response = client.get(reverse("login"))
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.django_db
def test_the_readers_own_village_style_carries_the_requests_nonce(client, report, cadre_user, village_a):
    client.force_login(cadre_user)
    nonces = []
    for _ in range(2):
        response = client.get(reverse("reports:ranking"))
        page = response.content.decode()
        nonce = re.search(r"style-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'", response["Content-Security-Policy"]).group(1)
        assert f'<style nonce="{nonce}">' in page and f'tr[data-village="{village_a.pk}"]' in page
        nonces.append(nonce)
    assert nonces[0] != nonces[1]  # one per request


@pytest.mark.django_db
def test_a_pdf_is_sent_without_a_page_policy(client, report, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("reports:report_pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in response


@pytest.mark.django_db
def test_the_environment_replaces_the_policy(client, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'self' https://cdn.example.gov.cn"
    assert client.get(reverse("login"))["Content-Security-Policy"] == "default-src 'self' https://cdn.example.gov.cn"


def served_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name not in NOT_SERVED:
            yield name, path.read_text()


def test_no_template_has_an_inline_script_or_style_the_policy_would_block():
    found = []
    for name, text in served_templates():
        found += [(name, m) for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text)]
        found += [(name, m) for m in re.findall(r"<style(?![^>]*nonce=\"\{\{ request\.csp_nonce \}\}\")[^>]*>", text)]
        found += [(name, m) for m in re.findall(r"\sstyle=\"", text)]
        found += [(name, m) for m in re.findall(r"\son[a-z]+=\"|javascript:", text)]
    assert found == []


@pytest.mark.django_db
def test_a_report_stored_with_inline_styles_is_rendered_again_without_them(client, report, cadre_user):
    """reports/migrations/0003: a page stored before the policy is blanked, and the next view
    renders it again from its snapshot."""
    from django.apps import apps

    migration = importlib.import_module("reports.migrations.0004_report_pages_without_inline_style")
    fresh = report.sections_html
    old = fresh.replace('<div class="rpt">', '<div class="rpt">\n<style>.rpt .num { text-align: right; }</style>', 1)
    Report.objects.filter(pk=report.pk).update(sections_html=old)
    untouched = Report.objects.exclude(pk=report.pk).values_list("pk", "sections_html")

    migration.pages_to_render_again(apps, None)
    assert Report.objects.get(pk=report.pk).sections_html == ""
    assert list(Report.objects.exclude(pk=report.pk).values_list("pk", "sections_html")) == list(untouched)

    client.force_login(cadre_user)
    page = client.get(reverse("reports:ranking")).content.decode()
    assert Report.objects.get(pk=report.pk).sections_html == fresh
    assert fresh in page and "<style>" not in page
