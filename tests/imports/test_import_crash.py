"""A REAL Celery worker killed (SIGKILL) in the middle of an import, on PostgreSQL and Redis,
with the pool production uses (prefork: a child process runs the task).

The first worker runs with ``IMPORT_TEST_PAUSE``: once it has written the first chunk of
arrears (inside its transaction) it puts its process id in the cache and waits there, so
the kill lands mid-run every time. Nothing may be half-written. Killed whole (a power cut),
the restarted worker gets the unacknowledged message again and imports the batch exactly
once. Its child killed alone (the OOM killer), the worker delivers the task again at once;
with every attempt used, that run marks the batch interrupted, and the user confirms it
again. (What the sweeper does without a worker: tests/imports/test_import_sweeper.py.)
"""

import os
import signal
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from imports.choices import ImportStatus
from imports.models import ImportBatch
from imports.services import import_batches_sweep, import_pause_key, progress_key
from imports.tasks import import_batch_run as import_batch_run_task
from recovery.models import Arrear, Debtor
from tests.celery_worker import eager_off, workers  # noqa: F401 - fixtures
from tests.imports.test_import_worker import ledger, status_of

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 3000  # three chunks of arrears (recovery.services.IMPORT_CHUNK): paused after the first
# A restarted worker takes back at once a message delivered more than a second ago and
# never acknowledged (kombu restores them when it starts polling).
TAKE_BACK = {"JOB_VISIBILITY_TIMEOUT": "1"}


def written(batch):
    return Debtor.objects.filter(import_batch=batch).count(), Arrear.objects.filter(import_batch=batch).count()


def confirmed_and_paused(client, staff_user, village_a, campaign, first):
    """Upload, wait for the check, confirm: -> the batch, its import paused after 1,000 rows,
    and the id of the process paused."""
    client.force_login(staff_user)
    client.post(reverse("imports:batch_add"), {
        "kind": "arrears", "township": campaign.township_id, "campaign": campaign.pk, "file": ledger(village_a, ROWS),
    })
    batch = ImportBatch.objects.get()
    first.wait_for("校验完成", lambda: ImportBatch.objects.get().status == ImportStatus.READY)
    assert client.post(reverse("imports:batch_confirm", args=[batch.pk])).status_code == 302
    first.wait_for("导入写到一半", lambda: cache.get(import_pause_key(batch)) is not None)
    assert 0 < cache.get(progress_key(batch))["done"] < ROWS
    # 1,000 arrears written in the worker's open transaction: none of them visible yet.
    assert written(batch) == (0, 0)
    return batch, cache.get(import_pause_key(batch))


def test_it_imports_a_batch_killed_mid_run_exactly_once_when_the_worker_restarts(
    client, staff_user, village_a, campaign, workers
):
    first = workers.start(IMPORT_TEST_PAUSE="1")
    batch, child = confirmed_and_paused(client, staff_user, village_a, campaign, first)
    assert child != first.process.pid  # the pool's child runs it

    # The sweeper leaves a live import alone, however old it takes its heartbeat to be.
    assert import_batches_sweep(stale_after=timedelta(0)).as_dict() == {"requeued": [], "interrupted": []}

    first.kill()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTING and batch.attempts == 1
    assert written(batch) == (0, 0)  # the killed transaction was rolled back: nothing half-written
    assert "正在写入数据" in status_of(client, batch)

    second = workers.start(**TAKE_BACK)
    second.wait_for("重启后导入完成", lambda: ImportBatch.objects.get().status == ImportStatus.IMPORTED)
    batch.refresh_from_db()
    assert written(batch) == (ROWS // 2, ROWS)
    assert batch.attempts == 2
    assert "已导入" in status_of(client, batch)

    # A late second delivery of the same task finds the batch imported: it does nothing.
    again = import_batch_run_task.delay(batch.pk)
    second.wait_for("重复投递的任务完成", lambda: f"imports.run_batch[{again.id}] succeeded" in second.log())
    assert written(batch) == (ROWS // 2, ROWS)
    assert ImportBatch.objects.get().attempts == 2


def test_it_marks_a_batch_whose_run_was_killed_on_its_last_attempt_interrupted_and_imports_it_once_confirmed_again(
    client, staff_user, village_a, campaign, workers
):
    first = workers.start(IMPORT_TEST_PAUSE="1", JOB_MAX_ATTEMPTS="1")
    batch, child = confirmed_and_paused(client, staff_user, village_a, campaign, first)

    os.kill(child, signal.SIGKILL)  # the pool's child only: the worker lives on
    # The worker rejects the lost task back to the queue and runs it again at once: the
    # batch's one attempt is used, so that run marks it interrupted instead of importing.
    first.wait_for("导入标为中断", lambda: ImportBatch.objects.get().status == ImportStatus.INTERRUPTED)
    assert "WorkerLostError" in first.log()
    batch.refresh_from_db()
    assert written(batch) == (0, 0)
    assert "导入中断" in batch.failure and "再次确认导入" in batch.failure
    page = status_of(client, batch)
    assert "导入中断" in page and "再次确认导入" in page and "放弃" in page and "重新上传" in page
    assert '<meta http-equiv="refresh"' not in page

    assert client.post(reverse("imports:batch_confirm", args=[batch.pk])).status_code == 302
    first.wait_for("再次确认后导入完成", lambda: ImportBatch.objects.get().status == ImportStatus.IMPORTED)
    assert written(batch) == (ROWS // 2, ROWS)
    assert "已导入" in status_of(client, batch)
