from celery import shared_task


@shared_task(name="core.validate_import")
def validate_import(batch_id):
    """Check an uploaded ledger (queued on upload)."""
    from .services import import_batch_validate

    return import_batch_validate(batch_id=batch_id).status


@shared_task(name="core.run_import")
def run_import(batch_id):
    """Write a confirmed ledger, all or nothing (queued on confirm)."""
    from .services import import_batch_run

    return import_batch_run(batch_id=batch_id).status
