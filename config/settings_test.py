"""Test settings: the base settings, faster hashing, files in a temporary folder.

``DATABASE_URL`` and ``REDIS_URL`` still apply, so the same suite runs on SQLite and on
PostgreSQL.
"""

import tempfile
from pathlib import Path

from .settings import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="qingshou-media-"))
DEBUG = False

# Tasks queued by views run in the test's own process; the test that needs a real
# worker on Redis (tests/reports/test_worker.py) switches this off for itself.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if not REDIS_URL:  # noqa: F405
    # Eager tasks run in the test's process: a process-local cache is shared enough.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
