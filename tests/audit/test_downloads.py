"""Downloads of files with personal data are logged (user, time, client address as
PROXY_COUNT reads it) and listed for administrators; raw ledgers are for staff and
administrators only."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from audit.models import DownloadKind, DownloadLog
from imports.services import import_batch_create
from tests.factories import superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(staff_user, campaign):
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号", "类别", "发生日期", "欠款金额"])
    workbook.active.append(["张三", "11010519491231002X", "借款", "2019-5-13", "100"])
    buffer = BytesIO()
    workbook.save(buffer)
    return import_batch_create(
        kind="arrears", township=campaign.township, campaign=campaign, uploaded_by=staff_user,
        upload=SimpleUploadedFile("东岭村台账.xlsx", buffer.getvalue()),
    )


def test_it_logs_who_downloaded_which_ledger_and_lists_it(client, settings, staff_user, batch):
    settings.PROXY_COUNT = 1
    client.force_login(staff_user)
    response = client.get(reverse("imports:batch_file", args=[batch.pk]), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 192.0.2.7")
    assert response.status_code == 200
    b"".join(response.streaming_content)

    log = DownloadLog.objects.get()
    assert (log.user, log.username, log.ip_address, log.kind, log.filename, log.object_id) == (
        staff_user, "staff", "192.0.2.7", DownloadKind.IMPORT_FILE, "东岭村台账.xlsx", batch.pk,
    )
    client.force_login(superuser(username="auditor"))
    page = client.get(reverse("audit:download_list"), {"kind": DownloadKind.IMPORT_FILE}).content.decode()
    assert "东岭村台账.xlsx" in page and "192.0.2.7" in page and "staff" in page and "共 1 条" in page


def test_a_leader_gets_403_on_a_raw_ledger_and_nothing_is_logged(client, leader_user, batch):
    client.force_login(leader_user)
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "东岭村台账.xlsx" in page and reverse("imports:batch_file", args=[batch.pk]) not in page
    assert client.get(reverse("imports:batch_file", args=[batch.pk])).status_code == 403
    assert client.get(reverse("imports:batch_errors", args=[batch.pk])).status_code == 403
    assert not DownloadLog.objects.exists()


def test_it_logs_a_list_export_but_not_the_list(client, staff_user, debtor):
    client.force_login(staff_user)
    client.get(reverse("recovery:debtor_list"))
    assert not DownloadLog.objects.exists()
    client.get(reverse("recovery:debtor_list"), {"_export": "xlsx"})
    assert DownloadLog.objects.get().kind == DownloadKind.LIST_EXPORT
