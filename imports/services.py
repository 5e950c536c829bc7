"""Ledger imports: upload -> validate (in the background) -> preview -> confirm -> import
(in the background, one transaction, all or nothing) -> receipt.

The steps that take time run in Celery tasks (``imports/tasks.py``), queued with
``transaction.on_commit``; their progress goes to the cache (the importing transaction
cannot show it in the database before it commits), the outcome to the ``ImportBatch`` row.
The same bytes are imported at most once per township: checked on upload, and held by the
``import_same_file_once`` constraint when an import starts.
"""

from __future__ import annotations

import logging
import pickle
import tempfile
from io import BytesIO
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.roles import can_write
from villages.models import Township

from .choices import ImportStatus
from .ledgers import Problem, is_kind, ledger_kind
from .models import ImportBatch
from .reading import collector_paused, read_ledger, unused_columns_text
from .tasks import import_batch_run as import_batch_run_task
from .tasks import import_batch_validate as import_batch_validate_task
from .uploads import check_xlsx_upload
from .workbooks import write_annotated_copy

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from core.models import User
    from recovery.models import Campaign

logger = logging.getLogger(__name__)

STORED_PROBLEMS = 1000
PROGRESS_TTL = 24 * 3600


def progress_key(batch: ImportBatch) -> str:
    """The cache key of a batch's progress: its id and its upload time, so that a database
    made again (tests, a reset) never shows an old batch's progress under a reused id."""
    return f"import-progress:{batch.pk}:{batch.uploaded_at.timestamp():.6f}"


def _progress_reporter(batch, phase):
    key = progress_key(batch)

    def report(done, total):
        cache.set(key, {"phase": phase, "done": done, "total": max(total, done)}, PROGRESS_TTL)

    return report


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
        batch.status = ImportStatus.VALIDATING
        batch.save(update_fields=["status"])
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
        if locked.status != ImportStatus.READY:
            raise ValidationError(f"该批次当前状态为“{locked.get_status_display()}”，不能导入。")
        locked.status = ImportStatus.IMPORTING
        locked.confirmed_by = confirmed_by
        locked.confirmed_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        except IntegrityError:
            earlier = _already_imported(locked.township, locked.sha256)
            raise _same_file_error(earlier) if earlier else ValidationError("同一文件已经导入过，不能重复导入。")
        transaction.on_commit(lambda: import_batch_run_task.delay(locked.pk))
    return locked


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Write a confirmed batch in one transaction. The rows are matched again inside it (the
    ledger may have changed since the preview); if anything is wrong now, nothing is written
    and the batch says why. Run by the ``imports.run_batch`` task."""
    batch = ImportBatch.objects.select_related("township", "campaign", "confirmed_by").get(pk=batch_id)
    if batch.status != ImportStatus.IMPORTING:
        return batch
    spec = ledger_kind(batch.kind)
    report = _progress_reporter(batch, "import")
    try:
        with collector_paused(), transaction.atomic():
            rows = _load_plan(batch)
            report(0, len(rows))
            plan = spec.plan(rows, batch=batch)
            if plan.problems:
                raise _Stale(plan.problems)
            receipt = spec.write(plan, batch=batch, user=batch.confirmed_by, progress=report)
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.IMPORTED, receipt=receipt, finished_at=timezone.now(),
            )
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


class _Stale(Exception):
    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


def _fail(batch, message, problems=()):
    problems = list(problems)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.FAILED, failure=message, finished_at=timezone.now(),
        error_count=len(problems), problems=[p.as_dict() for p in problems[:STORED_PROBLEMS]],
    )


def import_batch_discard(*, batch: ImportBatch, discarded_by: User) -> ImportBatch:
    """Give up a batch that was not imported (its file stays, as every upload does)."""
    _check_importer(discarded_by, batch.township)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in (ImportStatus.INVALID, ImportStatus.READY, ImportStatus.FAILED):
            raise ValidationError(f"该批次当前状态为“{locked.get_status_display()}”，不能放弃。")
        locked.status = ImportStatus.DISCARDED
        locked.save(update_fields=["status"])
    return locked
