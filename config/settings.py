"""Settings, read from the environment.

With nothing set, the product runs embedded: SQLite in ``var/`` and a Celery broker in
files under ``var/celery``, so ``scripts/start`` works on a bare machine. ``DATABASE_URL``
switches to PostgreSQL, ``REDIS_URL`` to Redis (broker and cache).

Production by default: ``DEBUG`` is off unless set, and the secret key comes from
``SECRET_KEY`` or from the file ``var/secret_key`` that ``scripts/start`` writes once
(``config/secret_key.py``). ``HTTPS=1`` turns on what a site served over HTTPS needs (redirect,
HSTS, secure cookies); the README lists the production block, under which
``manage.py check --deploy`` finds nothing.

A value that cannot be read (``DEBUG=ture``, ``IMPORT_MAX_BYTES=10MB``) raises
``ImproperlyConfigured`` naming the variable; it is never quietly taken for a default.
Importing this module creates nothing on disk: the folders under ``VAR_DIR`` are made by
the processes that need them (``config/folders.py``).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.secret_key import secret_key_read

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off")


def env_bool(name: str, default: bool = False) -> bool:
    """``name`` as a boolean; unset or empty gives ``default``, anything unknown is an error."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    accepted = ", ".join(TRUE_VALUES + FALSE_VALUES)
    raise ImproperlyConfigured(
        f"环境变量 {name}={os.environ[name]!r} 不是布尔值，可用：{accepted}。 / "
        f"{name}={os.environ[name]!r} is not a boolean; use one of: {accepted}."
    )


def env_int(name: str, default: int, unit: tuple[str, str] = ("字节数，例如 10485760", "a number of bytes, e.g. 10485760")) -> int:
    """``name`` as a positive integer; unset or empty gives ``default``, anything else is an
    error naming ``unit`` (Chinese, English)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    number = int(value) if value.isdigit() else 0
    if number <= 0:
        raise ImproperlyConfigured(
            f"环境变量 {name}={os.environ[name]!r} 不是正整数（{unit[0]}）。 / "
            f"{name}={os.environ[name]!r} is not a positive integer ({unit[1]})."
        )
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = env_bool("DEBUG", False)
# The key: SECRET_KEY, else the file scripts/start (or the compose stack) wrote once into
# VAR_DIR; only a development run (DEBUG=1) may fall back to a fixed key.
SECRET_KEY_FILE = VAR_DIR / "secret_key"
SECRET_KEY = (
    os.environ.get("SECRET_KEY") or secret_key_read(SECRET_KEY_FILE) or ("insecure-development-key" if DEBUG else "")
)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        f"请设置环境变量 SECRET_KEY，或用 scripts/start 启动（首次启动时生成密钥并保存在 {SECRET_KEY_FILE}）；"
        "只有开发模式（DEBUG=1）可以不设。 / "
        f"Set SECRET_KEY, or start with scripts/start (it writes a key to {SECRET_KEY_FILE} once); "
        "only DEBUG=1 runs without one."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "axes",
    "simple_history",
    "core",
    "audit",
    "imports",
    "villages",
    "recovery",
    "reports",
    "contracts",
    "onboarding",
    "backups",
    "integrity",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.PasswordChangeRequiredMiddleware",
    # The request's user for the change history (audit/history.py).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.role",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT: this app's queries are short, grouped reads over indexed rows; PostgreSQL's
    # planner overestimates their cost and compiles them (jit_above_cost), which added about
    # 190 ms to each (issue 11), far more than it saves. Set per connection, so nothing on
    # the server needs changing.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "core.passwords.LettersAndDigitsValidator"},
]
# django-axes watches every login first (the admin's too): 5 failures for one user name from
# one address lock that pair out for 15 minutes (the page: templates/core/login_locked.html);
# an administrator unlocks early under 系统管理 → Axes → 登录尝试 (delete the attempt).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # 15 minutes from the fifth failure, not from the last try
AXES_LOCKOUT_TEMPLATE = "core/login_locked.html"
AXES_HTTP_RESPONSE_CODE = 429
# The audit trail's logins (axes' AccessLog: each login and logout, never disabled) and failed
# logins (AccessFailureLog, kept even after a successful login resets the lockout count).
AXES_DISABLE_ACCESS_LOG = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
# Behind reverse proxies (nginx, the township's gateway): how many append to
# X-Forwarded-For, so the lockout counts the client's address (core/addresses.py), not the
# proxy's, and Django takes the HTTPS scheme from X-Forwarded-Proto.
PROXY_COUNT = env_int("PROXY_COUNT", 0, ("代理层数，例如 1", "a number of proxies, e.g. 1"))
AXES_CLIENT_IP_CALLABLE = "core.addresses.client_address"
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# The one language of the product: Django's own messages (password rules, form errors) stay
# Chinese whatever language a browser asks for (LocaleMiddleware would follow Accept-Language).
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]  # Chinese for django-axes' admin pages
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"  # made by collectstatic
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Served by WhiteNoise from STATIC_ROOT, which scripts/start (and the image) fill with
# collectstatic: compressed, with hashed names cached for a year. The development server
# (DEBUG=1) serves them straight from static/.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# A file missing from the manifest (collectstatic not run) is linked by its plain name
# instead of failing the page (and the 500 page with it).
WHITENOISE_MANIFEST_STRICT = False

# Background jobs (imports, report rebuilds). JOB_TIME_LIMIT: the most seconds one may run
# before the worker stops it. JOB_HEARTBEAT_TIMEOUT: a job in progress with no sign of life
# (progress, start) for this long and no live task is taken for dead by the sweeper, which
# queues it again, or after JOB_MAX_ATTEMPTS starts marks it interrupted so that the user
# can confirm it again, discard it or upload again.
SECONDS = ("秒数，例如 600", "a number of seconds, e.g. 600")
JOB_TIME_LIMIT = env_int("JOB_TIME_LIMIT", 3600, SECONDS)
JOB_HEARTBEAT_TIMEOUT = env_int("JOB_HEARTBEAT_TIMEOUT", 600, SECONDS)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, ("次数，例如 3", "a number of attempts, e.g. 3"))
# Redis only; keep it above JOB_TIME_LIMIT (a shorter one is for tests of redelivery).
JOB_VISIBILITY_TIMEOUT = env_int("JOB_VISIBILITY_TIMEOUT", 2 * JOB_TIME_LIMIT, SECONDS)
# Test-only: an import pauses after its first chunk of rows, until released or killed
# (tests/imports/test_import_crash.py kills the worker there). Never set it in production.
IMPORT_TEST_PAUSE = env_bool("IMPORT_TEST_PAUSE", False)

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    # Imports and rebuilds are acknowledged late (imports/tasks.py, reports/tasks.py): a task
    # that a dead worker never acknowledged is delivered again once this many seconds have
    # passed since its delivery. It must exceed the longest job (JOB_TIME_LIMIT stops one
    # before), or a job still running would be delivered a second time (harmless, but
    # wasted work). The sweeper finds a dead job long before.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": JOB_VISIBILITY_TIMEOUT}
else:
    # A file cache, so the web server sees the import progress the worker writes
    # (the cache makes its folder on the first write).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}}
    # The Celery app makes these folders when it is first configured (config/celery.py).
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
    }
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = False
CELERY_TASK_IGNORE_RESULT = True
# Long, late-acknowledged jobs: a worker reserves one message ahead, not four, so that the
# jobs queued behind a long import go to another worker (or come back soon if it dies).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every minute beat asks for whatever battle report is due: today's once the campaign's
# cut-off (default 16:00 Asia/Shanghai) has passed, and any day missed while the
# scheduler was down. Building is idempotent, so the extra runs cost one query.
CELERY_BEAT_SCHEDULE = {
    "build-due-reports": {"task": "reports.build_due", "schedule": 60.0},
    # Unpaid contract fees past their due date become arrears (idempotent), hourly.
    "contract-fees-to-arrears": {"task": "contracts.fees_to_arrears", "schedule": 3600.0},
    # Imports and report rebuilds whose worker died are queued again or marked interrupted.
    "sweep-stuck-imports": {"task": "imports.sweep", "schedule": 300.0},
    "sweep-stuck-rebuilds": {"task": "reports.sweep_rebuilds", "schedule": 300.0},
    # The database and media files into BACKUP_DIR, nightly at 03:00 Asia/Shanghai (manage.py backup).
    "backup-nightly": {"task": "backups.nightly", "schedule": crontab(hour=3, minute=0)},
    # Every township's hash chain and balances recomputed (integrity/verification.py), nightly.
    "verify-ledger": {"task": "integrity.verify_ledger", "schedule": crontab(hour=2, minute=30)},
}
# Backups (manage.py backup / restore, backups/services.py): where the archives go, and how
# many of the newest are kept there.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or VAR_DIR / "backups")
BACKUP_KEEP = env_int("BACKUP_KEEP", 14, ("保留的备份个数，例如 14", "a number of backups, e.g. 14"))
CONTRACT_ATTACHMENT_MAX_BYTES = env_int("CONTRACT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# Ledger imports: the largest file accepted, and the most it may expand to when unzipped.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_EXPANDED_BYTES = env_int("IMPORT_MAX_EXPANDED_BYTES", 300 * 1024 * 1024)
# The largest request body taken at all (core/middleware.py answers 413 before reading it):
# the largest upload plus room for the form around it. Form fields without files stay
# within Django's 2.5 MB, files above 2.5 MB go to a temporary file, not memory.
REQUEST_MAX_BYTES = max(IMPORT_MAX_BYTES, CONTRACT_ATTACHMENT_MAX_BYTES) + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
DJANGO_TABLES2_PAGE_RANGE = 5

# Messages travel in a signed cookie (the session only when one is too big): saving an entry
# then writes nothing but the entry (SessionStorage wrote the session twice: set and shown).
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"
# Sessions are read from the cache (Redis in production), written to the database as well:
# every page reads one, and a database round trip per request is what it saves.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session ends SESSION_IDLE_TIMEOUT_MINUTES after its last request, on the
# server as in the cookie; core.middleware.SessionIdleTimeoutMiddleware renews it at most
# once a minute, so a busy page costs no session write per request.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30, ("分钟数，例如 30", "a number of minutes, e.g. 30"))
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# Served over HTTPS (directly or behind a proxy, see PROXY_COUNT): redirect plain HTTP,
# tell browsers to use HTTPS only (HSTS), send cookies over HTTPS only.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600, SECONDS) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = HTTPS or env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Every page's Content-Security-Policy (core/middleware.py): scripts and styles only from
# our own static files, or inline with the request's nonce. CONTENT_SECURITY_POLICY replaces
# it whole; the nonce is added to its script-src and style-src.
CONTENT_SECURITY_POLICY = os.environ.get("CONTENT_SECURITY_POLICY", "").strip() or (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # each failure and lockout, not every step of its handler
    },
}
