"""The import steps that take time, run by the Celery worker. Each task calls its service
inside its body (the service module imports this one at the top: no import circle).

Both steps are acknowledged late: a worker killed in the middle leaves the message
unacknowledged, and it is delivered again (at once when only the pool's child died, after
the broker's visibility timeout when the whole worker did). The services make a second
delivery harmless (a guarded status change, the import in one transaction holding the
batch's row) and count the starts, so that a batch that kills its worker every time is not
run for ever. A step lost anyway (the embedded broker keeps no unacknowledged messages) is
found by ``imports.sweep``.
"""

from celery import shared_task
from django.conf import settings

JOB_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "time_limit": settings.JOB_TIME_LIMIT}


@shared_task(name="imports.validate_batch", **JOB_OPTIONS)
def import_batch_validate(batch_id: int) -> str:
    """Check an uploaded ledger (queued on upload)."""
    from .services import import_batch_validate

    return import_batch_validate(batch_id=batch_id).status


@shared_task(name="imports.run_batch", **JOB_OPTIONS)
def import_batch_run(batch_id: int) -> str:
    """Write a confirmed ledger, all or nothing (queued on confirm)."""
    from .services import import_batch_run

    return import_batch_run(batch_id=batch_id).status


@shared_task(name="imports.sweep")
def import_batches_sweep() -> dict:
    """Every few minutes from beat: batches whose worker died are queued again or marked
    interrupted (idempotent)."""
    from .services import import_batches_sweep

    return import_batches_sweep().as_dict()
