"""The import steps that take time, run by the Celery worker. Each task calls its service
inside its body (the service module imports this one at the top: no import circle)."""

from celery import shared_task


@shared_task(name="imports.validate_batch")
def import_batch_validate(batch_id: int) -> str:
    """Check an uploaded ledger (queued on upload)."""
    from .services import import_batch_validate

    return import_batch_validate(batch_id=batch_id).status


@shared_task(name="imports.run_batch")
def import_batch_run(batch_id: int) -> str:
    """Write a confirmed ledger, all or nothing (queued on confirm)."""
    from .services import import_batch_run

    return import_batch_run(batch_id=batch_id).status
