"""The folders the product writes to, made by the process that needs them.

Importing the settings creates nothing on disk. ``manage.py`` and the WSGI application make
the SQLite database's folder before Django connects (SQLite creates the file, not its
folder); the Celery app makes the file broker's folders and the beat schedule's folder when
it is first configured (kombu's filesystem transport writes into them but does not create
them). Everything else makes its own: the file cache on its first write, file storage when
it saves (``MEDIA_ROOT``), ``collectstatic`` (``STATIC_ROOT``).
"""

from pathlib import Path

from django.conf import settings

BROKER_FOLDER_OPTIONS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def database_folder_make() -> None:
    """The folder of the SQLite database file, when the database is a SQLite file."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if database["ENGINE"].endswith("sqlite3") and name and name != ":memory:" and not name.startswith("file:"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)


def celery_folders_make(conf) -> None:
    """The file broker's folders (when the broker is ``filesystem://``) and beat's schedule folder."""
    if str(conf.broker_url or "").startswith("filesystem://"):
        options = conf.broker_transport_options or {}
        for option in BROKER_FOLDER_OPTIONS:
            if options.get(option):
                Path(options[option]).mkdir(parents=True, exist_ok=True)
    if conf.beat_schedule_filename:
        Path(conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
