"""Ledger imports: upload -> validate (in the background) -> preview -> confirm -> import
(in the background, one transaction, all or nothing) -> receipt.

The steps that take time run in Celery tasks (``imports/tasks.py``), queued with
``transaction.on_commit``; their progress goes to the cache (the importing transaction
cannot show it in the database before it commits), the outcome to the ``ImportBatch`` row.
The same bytes are imported at most once per township: checked on upload, and held by the
``import_same_file_once`` constraint when an import starts.

A step survives its worker's death: each start is counted and stamped (``attempts``,
``heartbeat_at``) before the work; a second delivery of the same step does nothing (the
status changes only from the state it expects, and the import holds the batch's row for
its whole transaction); ``import_batches_sweep`` queues a step again whose worker died, or
after ``JOB_MAX_ATTEMPTS`` starts marks it interrupted (the user may confirm it again,
discard it or upload again). Nothing is ever half-written: a killed import's transaction
is rolled back by the database.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from core.roles import can_write
from villages.models import Township

from .choices import IMPORT_CONFIRMABLE_STATUSES, IMPORT_RUNNING_STATUSES, ImportStatus
from .ledgers import Problem, is_kind, ledger_kind
from .models import ImportBatch
from .reading import collector_paused, read_ledger, unused_columns_text
from .selectors import import_batch_last_seen, import_batch_progress, progress_key
from .tasks import import_batch_run as import_batch_run_task
from .tasks import import_batch_validate as import_batch_validate_task
from .uploads import check_xlsx_upload
from .workbooks import write_annotated_copy

if TYPE_CHECKING:
    from datetime import datetime

    from django.core.files.uploadedfile import UploadedFile

    from core.models import User
    from recovery.models import Campaign

logger = logging.getLogger(__name__)

STORED_PROBLEMS = 1000
PROGRESS_TTL = 24 * 3600
INTERRUPTED_IMPORT = (
    "导入中断：后台任务在导入过程中停止了 {attempts} 次（可能是服务器重启、内存不足或后台任务没有运行），"
    "本次没有导入任何数据。可以再次确认导入、放弃本批，或重新上传。"
)
INTERRUPTED_VALIDATION = (
    "校验中断：后台任务在校验过程中停止了 {attempts} 次（可能是服务器重启、内存不足或后台任务没有运行），"
    "本次没有导入任何数据。请重新上传；如果再次中断，请联系管理员。"
)


def _progress_reporter(batch, phase):
    key = progress_key(batch)

    def report(done, total):
        cache.set(key, {"phase": phase, "done": done, "total": max(total, done), "at": time.time()}, PROGRESS_TTL)
        if settings.IMPORT_TEST_PAUSE and phase == "import" and 0 < done < total:
            _pause_for_test(batch)

    return report


def import_pause_key(batch: ImportBatch) -> str:
    return f"import-test-pause:{progress_key(batch)}"


def _pause_for_test(batch):
    """Test-only (``IMPORT_TEST_PAUSE``): the first time an import reports rows written, it
    puts its process id in the cache and waits there, inside its transaction, until the test
    changes the value (or kills the process). Only the cache is touched: a COPY may be in
    progress."""
    key, pid = import_pause_key(batch), os.getpid()
    if cache.add(key, pid, PROGRESS_TTL):
        while cache.get(key) == pid:
            time.sleep(0.05)


def _check_importer(user, township):
    if user is None or not can_write(user) or not Township.objects.visible_to(user).filter(pk=township.pk).exists():
        raise PermissionDenied("您无权为该乡镇导入台账。")


def _already_imported(township, sha256):
    return (
        ImportBatch.objects.filter(township=township, sha256=sha256, status__in=(ImportStatus.IMPORTING, ImportStatus.IMPORTED))
        .select_related("uploaded_by").first()
    )


def _same_file_error(earlier):
    when = timezone.localtime(earlier.confirmed_at or earlier.uploaded_at)
    return ValidationError(
        f"这个文件（内容完全相同）已于 {when:%Y-%m-%d %H:%M} 由 {earlier.uploaded_by} 导入（第 {earlier.pk} 批），不能重复导入。"
        "如果台账有更新，请导入更新后的文件：已经登记的内容不会重复登记。"
    )


def import_batch_create(
    *, kind: str, township: Township, upload: UploadedFile, uploaded_by: User, campaign: Campaign | None = None,
) -> ImportBatch:
    """Check and keep an uploaded ledger (a Django ``UploadedFile``) and queue its validation."""
    _check_importer(uploaded_by, township)
    if not is_kind(kind):
        raise ValidationError({"kind": "请选择导入内容。"})
    spec = ledger_kind(kind)
    if spec.needs_campaign:
        if campaign is None:
            raise ValidationError({"campaign": "请选择清收行动。"})
        if campaign.township_id != township.pk:
            raise ValidationError({"campaign": "所选清收行动不属于该乡镇。"})
    else:
        campaign = None
    try:
        checked = check_xlsx_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages})
    earlier = _already_imported(township, checked.sha256)
    if earlier is not None:
        raise ValidationError({"file": _same_file_error(earlier).messages})
    batch = ImportBatch(
        kind=kind, township=township, campaign=campaign, original_name=checked.name[:255],
        size=checked.size, sha256=checked.sha256, uploaded_by=uploaded_by,
    )
    with transaction.atomic():
        batch.file.save(checked.name, File(upload), save=False)
        batch.save()
        transaction.on_commit(lambda: import_batch_validate_task.delay(batch.pk))
    return batch


PLAN_CHUNK = 5000


def _save_plan(batch, rows):
    """The checked rows, pickled a chunk at a time (one pickle of 100,000 rows would hold
    its whole output and a memo of every object at once)."""
    with tempfile.TemporaryFile() as stream:
        for start in range(0, len(rows), PLAN_CHUNK):
            pickle.dump(rows[start:start + PLAN_CHUNK], stream, protocol=pickle.HIGHEST_PROTOCOL)
        stream.seek(0)
        batch.plan_file.save(f"{batch.pk}.pickle", File(stream), save=False)


def _load_plan(batch):
    # The plan is written by this service from a validated upload and kept on the server;
    # it never comes from a user.
    rows = []
    with batch.plan_file.open("rb") as stream:
        while True:
            try:
                rows.extend(pickle.load(stream))
            except EOFError:
                return rows


def import_batch_validate(*, batch_id: int) -> ImportBatch:
    """Read and check every row, match against the database, and store the errors (with an
    annotated copy of the file) or the preview. Run by the ``imports.validate_batch`` task."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != ImportStatus.UPLOADED:
            return batch
        if batch.attempts >= settings.JOB_MAX_ATTEMPTS:
            _validation_interrupted(batch)
            return batch
        batch.status = ImportStatus.VALIDATING
        batch.attempts += 1
        batch.heartbeat_at = timezone.now()
        batch.save(update_fields=["status", "attempts", "heartbeat_at"])
    try:
        with collector_paused():
            _validate(batch)
    except Exception:
        logger.exception("validating import batch %s failed", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.INVALID, error_count=1, finished_at=timezone.now(),
            problems=[Problem("", None, None, "", "校验时出现意外错误，请联系管理员；本次没有导入任何数据。").as_dict()],
        )
    batch.refresh_from_db()
    return batch


def _validate(batch):
    spec = ledger_kind(batch.kind)
    report = _progress_reporter(batch, "validate")
    result = read_ledger(batch.file.path, spec, township=batch.township, progress=report)
    problems = list(result.problems)
    plan = spec.plan(result.rows, batch=batch)
    problems.extend(plan.problems)
    order = {name: index for index, name in enumerate(result.sheets)}
    problems.sort(key=lambda p: (order.get(p.sheet, -1), p.row or 0, -1 if p.column is None else p.column))
    batch.row_count = len(result.rows) + len({(p.sheet, p.row) for p in result.problems if p.row})
    batch.error_count = len(problems)
    batch.problems = [problem.as_dict() for problem in problems[:STORED_PROBLEMS]]
    batch.preview = {**plan.preview, "unused_columns": unused_columns_text(result.unused)}
    if problems:
        batch.status = ImportStatus.INVALID
        annotated = BytesIO()
        write_annotated_copy(batch.file.path, problems, annotated)
        batch.error_file.save(f"{batch.pk}-errors.xlsx", ContentFile(annotated.getvalue()), save=False)
    else:
        batch.status = ImportStatus.READY
        _save_plan(batch, result.rows)
    batch.finished_at = timezone.now()
    batch.save()


def import_batch_confirm(*, batch: ImportBatch, confirmed_by: User) -> ImportBatch:
    """The user confirms the preview: the import is queued (once, whoever clicks twice)."""
    _check_importer(confirmed_by, batch.township)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status in (ImportStatus.IMPORTING, ImportStatus.IMPORTED):
            return locked
        if locked.status not in IMPORT_CONFIRMABLE_STATUSES:
            raise ValidationError(f"该批次当前状态为“{locked.get_status_display()}”，不能导入。")
        locked.status = ImportStatus.IMPORTING
        locked.confirmed_by = confirmed_by
        locked.confirmed_at = locked.heartbeat_at = timezone.now()
        locked.attempts, locked.failure, locked.finished_at = 0, "", None
        try:
            with transaction.atomic():
                locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "heartbeat_at", "attempts", "failure", "finished_at"])
        except IntegrityError:
            earlier = _already_imported(locked.township, locked.sha256)
            raise _same_file_error(earlier) if earlier else ValidationError("同一文件已经导入过，不能重复导入。")
        transaction.on_commit(lambda: import_batch_run_task.delay(locked.pk))
    return locked


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Write a confirmed batch in one transaction. The rows are matched again inside it (the
    ledger may have changed since the preview); if anything is wrong now, nothing is written
    and the batch says why. Run by the ``imports.run_batch`` task, perhaps more than once
    (a message delivered again after a worker died): only a run that finds the batch
    importing, with its row locked, writes; any other does nothing."""
    # The start, counted and committed first: the sweeper and the page see it at once.
    # (On PostgreSQL this waits while another run holds the row, then finds it imported.)
    started = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.IMPORTING).update(
        attempts=F("attempts") + 1, heartbeat_at=timezone.now(),
    )
    batch = ImportBatch.objects.select_related("township", "campaign", "confirmed_by").get(pk=batch_id)
    if not started:
        return batch
    if batch.attempts > settings.JOB_MAX_ATTEMPTS:
        _import_interrupted(batch, attempts=batch.attempts - 1)
        batch.refresh_from_db()
        return batch
    spec = ledger_kind(batch.kind)
    report = _progress_reporter(batch, "import")
    try:
        with collector_paused(), transaction.atomic():
            # Held until the commit: a second run waits here, a live run is never swept.
            if not list(ImportBatch.objects.select_for_update().filter(pk=batch.pk, status=ImportStatus.IMPORTING).values_list("pk")):
                raise _Done
            rows = _load_plan(batch)
            report(0, len(rows))
            plan = spec.plan(rows, batch=batch)
            if plan.problems:
                raise _Stale(plan.problems)
            receipt = spec.write(plan, batch=batch, user=batch.confirmed_by, progress=report)
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.IMPORTED, receipt=receipt, finished_at=timezone.now(),
            )
    except _Done:
        pass
    except _Stale as stale:
        _fail(batch, "台账在预览之后有了变化，按现在的数据有以下问题，本次没有导入任何数据：",
              problems=stale.problems)
    except Exception as exc:
        logger.exception("import batch %s failed", batch.pk)
        _fail(batch, f"导入时出错，本次没有导入任何数据：{_failure_reason(exc)}")
    else:
        report(1, 1)
    batch.refresh_from_db()
    return batch


def _failure_reason(exc):
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    if isinstance(exc, PermissionDenied) and str(exc):
        return str(exc)
    if isinstance(exc, IntegrityError):
        return "与数据库中的数据冲突（可能有人在此期间登记了相同的欠款人或记录）。请重新上传该文件，校验后再导入。"
    return exc.__class__.__name__


class _Done(Exception):
    """Another run imported the batch (or it moved on) while this one waited for its row."""


class _Stale(Exception):
    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


def _fail(batch, message, problems=()):
    problems = list(problems)
    # Only from importing: never over what another run of the same batch has committed.
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.IMPORTING).update(
        status=ImportStatus.FAILED, failure=message, finished_at=timezone.now(),
        error_count=len(problems), problems=[p.as_dict() for p in problems[:STORED_PROBLEMS]],
    )


def import_batch_discard(*, batch: ImportBatch, discarded_by: User) -> ImportBatch:
    """Give up a batch that was not imported (its file stays, as every upload does)."""
    _check_importer(discarded_by, batch.township)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in (ImportStatus.INVALID, ImportStatus.READY, ImportStatus.FAILED, ImportStatus.INTERRUPTED):
            raise ValidationError(f"该批次当前状态为“{locked.get_status_display()}”，不能放弃。")
        locked.status = ImportStatus.DISCARDED
        locked.save(update_fields=["status"])
    return locked


def _import_interrupted(batch, *, attempts):
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.IMPORTING).update(
        status=ImportStatus.INTERRUPTED, failure=INTERRUPTED_IMPORT.format(attempts=attempts), finished_at=timezone.now(),
    )


def _validation_interrupted(batch):
    problem = Problem("", None, None, "", INTERRUPTED_VALIDATION.format(attempts=batch.attempts))
    ImportBatch.objects.filter(pk=batch.pk, status__in=(ImportStatus.UPLOADED, ImportStatus.VALIDATING)).update(
        status=ImportStatus.INVALID, error_count=1, problems=[problem.as_dict()], finished_at=timezone.now(),
    )
    batch.refresh_from_db()


@dataclass
class SweepResult:
    """What one sweep did: the batches queued again and those marked interrupted."""

    requeued: list[int] = field(default_factory=list)
    interrupted: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"requeued": self.requeued, "interrupted": self.interrupted}


def import_batches_sweep(*, now: datetime | None = None, stale_after: timedelta | None = None) -> SweepResult:
    """Batches waiting for, being validated or imported with no sign of life for
    ``stale_after`` (``JOB_HEARTBEAT_TIMEOUT``) and no live task: each is queued again, or,
    once started ``JOB_MAX_ATTEMPTS`` times, marked interrupted (an import: it may be
    confirmed again) or invalid (a validation: it may be uploaded again). A live import holds
    its batch's row (PostgreSQL: skipped, whatever its heartbeat says). Safe to run at any
    time, and concurrently: each batch is decided with its row locked, from the state read."""
    now = now or timezone.now()
    cutoff = now - (timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT) if stale_after is None else stale_after)
    result = SweepResult()
    for batch in ImportBatch.objects.filter(status__in=IMPORT_RUNNING_STATUSES).order_by("pk"):
        if import_batch_last_seen(batch=batch, progress=import_batch_progress(batch=batch)) > cutoff:
            continue
        try:
            _sweep_one(batch, now=now, result=result)
        except OperationalError:  # SQLite: a writer (perhaps this very import) holds the database
            logger.warning("import batch %s not swept: the database is busy", batch.pk)
    return result


def _sweep_one(batch, *, now, result):
    """Decides one batch read as silent, with its row locked and unchanged since it was read."""
    with transaction.atomic():
        locked = (
            ImportBatch.objects.select_for_update(skip_locked=True)
            .filter(pk=batch.pk, status=batch.status, attempts=batch.attempts, heartbeat_at=batch.heartbeat_at).first()
        )
        if locked is None:  # a live import holds it, or it moved on since it was read
            return
        importing = locked.status == ImportStatus.IMPORTING
        if locked.attempts >= settings.JOB_MAX_ATTEMPTS:
            if importing:
                _import_interrupted(locked, attempts=locked.attempts)
            else:
                _validation_interrupted(locked)
            logger.warning("import batch %s interrupted after %s attempts", locked.pk, locked.attempts)
            result.interrupted.append(locked.pk)
            return
        task = import_batch_run_task if importing else import_batch_validate_task
        ImportBatch.objects.filter(pk=locked.pk).update(
            status=ImportStatus.IMPORTING if importing else ImportStatus.UPLOADED, heartbeat_at=now,
        )
        transaction.on_commit(lambda: task.delay(locked.pk))
        logger.warning("import batch %s (%s) had no live task: queued again", locked.pk, batch.status)
        result.requeued.append(locked.pk)
