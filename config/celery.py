import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("qingshou")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def folders_make(sender, source, **kwargs):
    """When the app is first configured (a worker starting, a task first queued): the folders
    it writes to, and the SQLite database's for a worker on SQLite. Not at import time."""
    from .folders import celery_folders_make, database_folder_make

    celery_folders_make(source)
    database_folder_make()
