"""Batches whose worker died: the sweeper (``import_batches_sweep``, the ``imports.sweep``
beat task, ``manage.py sweep_jobs``) queues them again or marks them interrupted, and the
user can go on from there; a step delivered twice does its work once. No worker here (tasks
run eagerly in the test's process); the real worker killed mid-import is
tests/imports/test_import_crash.py."""

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from config import celery_app
from imports.choices import ImportStatus
from imports.models import ImportBatch
from imports.services import (
    import_batch_confirm,
    import_batch_discard,
    import_batch_run,
    import_batches_sweep,
    progress_key,
)
from imports.tasks import import_batch_run as import_batch_run_task
from imports.tasks import import_batch_validate as import_batch_validate_task
from recovery.models import Arrear, Debtor
from tests.imports.test_import_flow import LEDGER, create, imported, ready

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(minutes=11)  # past the default heartbeat timeout (10 minutes)


def written(batch):
    return Debtor.objects.filter(import_batch=batch).count(), Arrear.objects.filter(import_batch=batch).count()


def died(batch, *, status, attempts, ago=LONG_AGO):
    """As a worker leaves a batch when it is killed: the step started ``attempts`` times, its
    last heartbeat ``ago``, and nothing written (the database rolled the transaction back)."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, attempts=attempts, heartbeat_at=timezone.now() - ago)
    batch.refresh_from_db()
    return batch


def confirmed(staff_user, township, campaign):
    """A batch confirmed, its import queued but not run (the on-commit callback is not run)."""
    batch = ready(staff_user, township, campaign)
    return import_batch_confirm(batch=batch, confirmed_by=staff_user)


def test_it_queues_again_an_import_whose_worker_died_and_it_imports_once(
    township, village_a, staff_user, campaign, django_capture_on_commit_callbacks
):
    batch = died(confirmed(staff_user, township, campaign), status=ImportStatus.IMPORTING, attempts=1)
    assert written(batch) == (0, 0)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        result = import_batches_sweep()

    assert result.as_dict() == {"requeued": [batch.pk], "interrupted": []}
    assert len(queued) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (ImportStatus.IMPORTED, 2)
    assert written(batch) == (1, 1)

    # Swept again, and the dead worker's message delivered again: nothing more.
    assert import_batches_sweep(stale_after=timedelta(0)).as_dict() == {"requeued": [], "interrupted": []}
    assert import_batch_run(batch_id=batch.pk).status == ImportStatus.IMPORTED
    assert written(batch) == (1, 1) and ImportBatch.objects.get(pk=batch.pk).attempts == 2


def test_it_leaves_alone_a_batch_that_shows_life(township, village_a, staff_user, campaign):
    recent = died(confirmed(staff_user, township, campaign), status=ImportStatus.IMPORTING, attempts=1, ago=timedelta(minutes=9))
    assert import_batches_sweep().as_dict() == {"requeued": [], "interrupted": []}

    # Its heartbeat in the database is old, but its progress in the cache is fresh.
    old = died(recent, status=ImportStatus.IMPORTING, attempts=1)
    cache.set(progress_key(old), {"phase": "import", "done": 2000, "total": 60000, "at": time.time() - 30})
    assert import_batches_sweep().as_dict() == {"requeued": [], "interrupted": []}

    # A batch ready, imported, failed or discarded is not the sweeper's.
    for status in (ImportStatus.READY, ImportStatus.IMPORTED, ImportStatus.FAILED, ImportStatus.DISCARDED):
        died(old, status=status, attempts=3)
        assert import_batches_sweep(stale_after=timedelta(0)).as_dict() == {"requeued": [], "interrupted": []}


def test_it_marks_an_import_interrupted_after_its_last_attempt_and_it_can_be_confirmed_again(
    township, village_a, staff_user, campaign, client, django_capture_on_commit_callbacks
):
    batch = died(confirmed(staff_user, township, campaign), status=ImportStatus.IMPORTING, attempts=3)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        result = import_batches_sweep()

    assert result.as_dict() == {"requeued": [], "interrupted": [batch.pk]} and queued == []
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INTERRUPTED and batch.get_status_display() == "导入中断"
    assert batch.failure == (
        "导入中断：后台任务在导入过程中停止了 3 次（可能是服务器重启、内存不足或后台任务没有运行），"
        "本次没有导入任何数据。可以再次确认导入、放弃本批，或重新上传。"
    )
    assert written(batch) == (0, 0)

    client.force_login(staff_user)
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "导入中断，没有导入任何数据" in page and batch.failure in page
    assert reverse("imports:batch_confirm", args=[batch.pk]) in page and "再次确认导入" in page
    assert reverse("imports:batch_discard", args=[batch.pk]) in page and "重新上传" in page
    assert '<meta http-equiv="refresh"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:batch_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.failure) == (ImportStatus.IMPORTED, 1, "")
    assert written(batch) == (1, 1)


def test_it_lets_an_interrupted_import_be_discarded_or_its_file_uploaded_again(township, village_a, staff_user, campaign):
    batch = died(confirmed(staff_user, township, campaign), status=ImportStatus.IMPORTING, attempts=3)
    import_batches_sweep()

    again = create(staff_user, township, campaign)  # the same bytes: no longer held by the interrupted batch
    assert again.sha256 == batch.sha256
    assert import_batch_discard(batch=batch, discarded_by=staff_user).status == ImportStatus.DISCARDED
    assert written(batch) == (0, 0)


def test_it_stops_a_run_that_starts_once_its_attempts_are_used(township, village_a, staff_user, campaign):
    """A batch that kills its worker each time is redelivered at once (reject on worker
    lost): the run after the last attempt marks it interrupted instead of importing."""
    batch = died(confirmed(staff_user, township, campaign), status=ImportStatus.IMPORTING, attempts=3, ago=timedelta(0))

    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.INTERRUPTED and "停止了 3 次" in batch.failure
    assert written(batch) == (0, 0)


def test_it_checks_again_a_validation_whose_worker_died(township, village_a, staff_user, campaign, django_capture_on_commit_callbacks):
    batch = died(create(staff_user, township, campaign), status=ImportStatus.VALIDATING, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert import_batches_sweep().as_dict() == {"requeued": [batch.pk], "interrupted": []}

    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (ImportStatus.READY, 2)


def test_it_queues_again_an_upload_whose_check_was_never_started(
    township, village_a, staff_user, campaign, django_capture_on_commit_callbacks
):
    batch = died(create(staff_user, township, campaign), status=ImportStatus.UPLOADED, attempts=0)

    with django_capture_on_commit_callbacks(execute=True):
        assert import_batches_sweep().as_dict() == {"requeued": [batch.pk], "interrupted": []}

    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.READY


def test_it_marks_a_validation_interrupted_after_its_last_attempt_and_the_file_can_be_uploaded_again(
    township, village_a, staff_user, campaign, client
):
    batch = died(create(staff_user, township, campaign), status=ImportStatus.VALIDATING, attempts=3)

    assert import_batches_sweep().as_dict() == {"requeued": [], "interrupted": [batch.pk]}

    batch.refresh_from_db()
    assert (batch.status, batch.error_count) == (ImportStatus.INVALID, 1)
    assert batch.problems[0]["message"].startswith("校验中断：后台任务在校验过程中停止了 3 次")
    client.force_login(staff_user)
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "校验中断" in page and "重新上传" in page
    assert ready(staff_user, township, campaign, LEDGER).sha256 == batch.sha256


def test_it_shows_on_the_page_how_long_a_batch_has_been_quiet(township, village_a, staff_user, campaign, client):
    batch = died(confirmed(staff_user, township, campaign), status=ImportStatus.IMPORTING, attempts=1, ago=timedelta(minutes=7))
    client.force_login(staff_user)

    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()

    assert "已有 7 分钟没有进展" in page and "中断的导入会自动重新开始" in page
    assert '<meta http-equiv="refresh"' in page  # still in progress: the page keeps looking


def test_it_does_nothing_when_an_imported_batch_is_delivered_again(township, village_a, staff_user, campaign):
    batch = imported(staff_user, township, campaign)
    assert written(batch) == (1, 1)

    again = import_batch_run(batch_id=batch.pk)

    assert (again.status, again.attempts) == (ImportStatus.IMPORTED, 1)
    assert written(batch) == (1, 1)


def test_the_command_sweeps_and_says_what_it_did(township, village_a, staff_user, campaign, django_capture_on_commit_callbacks):
    dead = died(confirmed(staff_user, township, campaign), status=ImportStatus.IMPORTING, attempts=3)
    out = StringIO()

    call_command("sweep_jobs", stdout=out)

    assert ImportBatch.objects.get(pk=dead.pk).status == ImportStatus.INTERRUPTED
    assert out.getvalue().splitlines()[0] == f"台账导入：重新排队 0 批，标为中断 1 批（第 {dead.pk} 批）。"


def test_the_import_tasks_are_acknowledged_late_and_the_sweep_runs_from_beat(settings):
    for task in (import_batch_run_task, import_batch_validate_task):
        assert (task.acks_late, task.reject_on_worker_lost, task.time_limit) == (True, True, settings.JOB_TIME_LIMIT)
    schedule = {entry["task"]: entry["schedule"] for entry in celery_app.conf.beat_schedule.values()}
    assert schedule["imports.sweep"] == schedule["reports.sweep_rebuilds"] == 300.0
    assert settings.JOB_HEARTBEAT_TIMEOUT == 600 and settings.JOB_MAX_ATTEMPTS == 3
    assert celery_app.conf.worker_prefetch_multiplier == 1  # one message reserved ahead, not four
