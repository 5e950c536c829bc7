"""The nightly backup: beat's schedule names the task, the task backs up into BACKUP_DIR, and
only the newest BACKUP_KEEP archives stay there (nothing else in the folder is touched)."""

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings

from backups.services import backups_list
from backups.tasks import backup_nightly
from config.celery import app

pytestmark = pytest.mark.django_db(transaction=True)  # SQLite: a backup copies what is committed


def test_it_is_scheduled_nightly_by_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["backup-nightly"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=3, minute=0)


def test_it_keeps_the_newest_backup_keep_archives(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEEP = 2
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR.mkdir()
    other = settings.BACKUP_DIR / "notes.txt"
    other.write_text("not a backup")

    made = [backup_nightly.delay().get() for _ in range(3)]

    assert len(set(made)) == 3  # numbered when made in the same second
    assert [str(path) for path in backups_list()] == made[1:]
    assert other.exists()
