"""Test settings: the base settings, faster hashing, files in a temporary folder.

``DATABASE_URL`` and ``REDIS_URL`` still apply, so the same suite runs on SQLite and on
PostgreSQL. The tests write nothing under the checkout's ``var/``: ``VAR_DIR`` is a
temporary folder of this run's (set before the base settings read it).
"""

import os
import tempfile
from pathlib import Path

os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="qingshou-var-")
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="qingshou-media-"))
# WhiteNoise warns about a missing STATIC_ROOT outside DEBUG; collectstatic is not run here,
# so static files are found in static/ and named as they are (no manifest).
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
DEBUG = False
# django-axes is off for the suite's own logins (force_login, client.login without a
# request, the browser tests' form logins); tests/core/test_login_lockout.py turns it on.
AXES_ENABLED = False

# Tasks queued by views run in the test's own process; the test that needs a real
# worker on Redis (tests/reports/test_worker.py) switches this off for itself.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if not REDIS_URL:  # noqa: F405
    # Eager tasks run in the test's process: a process-local cache is shared enough.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
