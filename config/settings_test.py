"""Test settings: the base settings, faster hashing, files in a temporary folder.

``DATABASE_URL`` and ``REDIS_URL`` still apply, so the same suite runs on SQLite and on
PostgreSQL. The tests write nothing under the checkout's ``var/``: ``VAR_DIR`` is a
temporary folder of this run's (set before the base settings read it).
"""

import os
import tempfile
from pathlib import Path

os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="qingshou-var-")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="qingshou-media-"))
# WhiteNoise warns about a missing STATIC_ROOT outside DEBUG; collectstatic is not run here.
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
DEBUG = False

# Tasks queued by views run in the test's own process; the test that needs a real
# worker on Redis (tests/reports/test_worker.py) switches this off for itself.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if not REDIS_URL:  # noqa: F405
    # Eager tasks run in the test's process: a process-local cache is shared enough.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
