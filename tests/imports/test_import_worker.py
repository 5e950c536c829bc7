"""A big ledger through a REAL Celery worker (Redis, PostgreSQL): the upload returns at
once, the page shows the progress and can be closed and reopened, the worker validates
and, once confirmed, imports in the background."""

from io import BytesIO

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import Workbook

from imports.choices import ImportStatus
from imports.models import ImportBatch
from imports.services import progress_key
from recovery.models import Arrear, Debtor
from tests.celery_worker import eager_off, worker, worker_queue  # noqa: F401 - fixtures

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 5000


def ledger(village, rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(village.name)
    sheet.append(["2025 年欠款台账"])
    sheet.append(["姓名", "类别", "发生日期", "欠款金额"])
    for i in range(rows):
        sheet.append([f"户{i // 2:05d}", "承包费" if i % 2 else "借款", "2019.5.13", 100 + i])
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "大台账.xlsx"
    return buffer


def status_of(client, batch):
    """What the page shows, read as a user would reopen it."""
    response = client.get(reverse("imports:batch", args=[batch.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_validates_and_imports_a_big_ledger_in_a_real_worker(client, staff_user, village_a, campaign, worker_queue):
    client.force_login(staff_user)
    response = client.post(reverse("imports:batch_add"), {
        "kind": "arrears", "township": campaign.township_id, "campaign": campaign.pk, "file": ledger(village_a, ROWS),
    })
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    page = status_of(client, batch)
    if ImportBatch.objects.get().in_progress:
        assert '<meta http-equiv="refresh"' in page and "<progress" in page

    worker_queue.wait_for("校验完成", lambda: ImportBatch.objects.get().status == ImportStatus.READY)
    page = status_of(client, batch)
    assert "确认导入" in page and '<meta http-equiv="refresh"' not in page
    assert f"{ROWS} 笔" in page
    assert cache.get(progress_key(batch))["done"] >= ROWS

    response = client.post(reverse("imports:batch_confirm", args=[batch.pk]))
    assert response.status_code == 302
    worker_queue.wait_for("导入完成", lambda: ImportBatch.objects.get().status == ImportStatus.IMPORTED)
    assert "已导入" in status_of(client, batch)
    assert Debtor.objects.filter(import_batch=batch).count() == ROWS // 2
    assert Arrear.objects.filter(import_batch=batch).count() == ROWS
    assert "imports.run_batch" in worker_queue.log()
