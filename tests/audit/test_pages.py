"""Logins and failed logins are recorded (django-axes) and shown to administrators; the
audit trail cannot be changed or deleted in the admin. (Who may open the audit pages at
all: tests/test_access.py.)"""

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.downloads import download_log
from audit.models import DownloadKind, DownloadLog
from recovery.services import debtor_update
from tests.factories import DebtorFactory, staff_of, superuser

pytestmark = pytest.mark.django_db
PASSWORD = "test-pass-123"  # tests.factories.UserFactory


def test_it_records_and_shows_logins_and_failures(client, settings, staff_user):
    settings.AXES_ENABLED = True
    client.post(reverse("login"), {"username": "staff", "password": "wrong-password-1"}, REMOTE_ADDR="10.1.2.3")
    client.post(reverse("login"), {"username": "staff", "password": PASSWORD}, REMOTE_ADDR="10.1.2.4")
    assert AccessFailureLog.objects.get().ip_address == "10.1.2.3"
    assert AccessLog.objects.get().ip_address == "10.1.2.4"

    client.force_login(superuser(username="auditor"))
    logins = client.get(reverse("audit:login_list"), {"q": "staff"}).content.decode()
    failures = client.get(reverse("audit:login_failure_list"), {"q": "staff"}).content.decode()
    assert "10.1.2.4" in logins and "共 1 条" in logins
    assert "10.1.2.3" in failures and "共 1 条" in failures


@pytest.mark.parametrize("model", [DownloadLog, AccessLog, AccessFailureLog])
def test_the_admin_cannot_add_change_or_delete_the_trail(model):
    request = RequestFactory().get("/")
    request.user = superuser(username="auditor")
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_admin_refuses_a_deletion_post(client, staff_user):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9")
    request.user = staff_user
    log = download_log(request, kind=DownloadKind.REPORT, filename="战报.pdf")
    client.force_login(superuser(username="auditor"))
    response = client.post(reverse("admin:audit_downloadlog_delete", args=[log.pk]), {"post": "yes"})
    assert response.status_code == 403 and DownloadLog.objects.filter(pk=log.pk).exists()


def _queries(client, url, data):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, data).status_code == 200
    return len(captured)


def test_the_changes_and_downloads_pages_cost_the_same_queries_with_more_rows(client, staff_user, village_a):
    request = RequestFactory().get("/")
    request.user = staff_user

    def grow(start, count):
        for index in range(start, start + count):
            debtor = DebtorFactory(village=village_a, name=f"欠款人{index}")
            debtor_update(debtor=debtor, updated_by=staff_user, name=f"{debtor.name}改", kind=debtor.kind)
            download_log(request, kind=DownloadKind.LIST_EXPORT, filename=f"导出{index}.xlsx")
            staff_of(staff_user.township, username=f"staff{index}")

    client.force_login(superuser(username="auditor"))
    changes = reverse("audit:change_list")
    pages = [(changes, {"model": "debtor"}), (changes, {"model": "user"}), (reverse("audit:download_list"), {})]
    grow(0, 2)
    small = [_queries(client, url, data) for url, data in pages]
    grow(2, 12)
    assert [_queries(client, url, data) for url, data in pages] == small
