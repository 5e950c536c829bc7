"""The nightly backup, run by Celery beat (``CELERY_BEAT_SCHEDULE`` in config/settings.py)."""

from celery import shared_task


@shared_task(name="backups.nightly")
def backup_nightly() -> str:
    """Backs up the database and media files into ``BACKUP_DIR`` and rotates the archives;
    a failure (pg_dump missing, disk full) is logged with its Chinese message."""
    from .services import backup_create

    return str(backup_create().path)
