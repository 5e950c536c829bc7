"""The settings module: values that cannot be read fail loudly; importing creates nothing.

The readers (``env_bool``, ``env_int``) are tried here directly; the settings module itself
is imported in a fresh Python process with the environment a case names, since settings
are read once, at import time.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int

BASE_DIR = Path(settings.BASE_DIR)
# Names the settings read; kept out of the child's environment unless a case sets them.
SETTING_NAMES = (
    "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "VAR_DIR", "MEDIA_ROOT", "SECURE_COOKIES",
    "CONTRACT_ATTACHMENT_MAX_BYTES", "IMPORT_MAX_BYTES", "IMPORT_MAX_EXPANDED_BYTES", "DJANGO_SETTINGS_MODULE",
    "JOB_TIME_LIMIT", "JOB_HEARTBEAT_TIMEOUT", "JOB_MAX_ATTEMPTS", "JOB_VISIBILITY_TIMEOUT", "IMPORT_TEST_PAUSE",
    "BACKUP_DIR", "BACKUP_KEEP",
)
PRINT_SETTINGS = "from django.conf import settings; print(settings.DEBUG, settings.IMPORT_MAX_BYTES)"


def run_python(code, var_dir, **env):
    """Run ``code`` in a fresh interpreter on the base settings, with ``env`` and VAR_DIR=var_dir
    (and a SECRET_KEY, unless ``env`` gives one; ``SECRET_KEY=""`` means none)."""
    child_env = {key: value for key, value in os.environ.items() if key not in SETTING_NAMES}
    child_env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(var_dir), SECRET_KEY="tests-only")
    child_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=child_env, capture_output=True, text=True, timeout=120
    )


# ---- the readers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("ON", True), ("0", False), ("False", False), ("no", False), ("off", False)],
)
def test_it_reads_a_boolean(monkeypatch, value, expected):
    monkeypatch.setenv("QS_FLAG", value)
    assert env_bool("QS_FLAG", default=not expected) is expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_it_takes_the_default_for_an_unset_or_empty_boolean(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("QS_FLAG", raising=False)
    else:
        monkeypatch.setenv("QS_FLAG", value)
    assert env_bool("QS_FLAG", default=True) is True
    assert env_bool("QS_FLAG", default=False) is False


@pytest.mark.parametrize("value", ["ture", "2", "y", "enabled"])
def test_it_refuses_a_boolean_it_cannot_read(monkeypatch, value):
    monkeypatch.setenv("QS_FLAG", value)
    with pytest.raises(ImproperlyConfigured) as raised:
        env_bool("QS_FLAG", default=False)
    message = str(raised.value)
    assert f"QS_FLAG={value!r}" in message
    assert "不是布尔值" in message and "is not a boolean" in message
    assert "true" in message and "false" in message  # the accepted values


@pytest.mark.parametrize(("value", "expected"), [("2000", 2000), (" 5000 ", 5000), ("", 7), (None, 7)])
def test_it_reads_a_size(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("QS_SIZE", raising=False)
    else:
        monkeypatch.setenv("QS_SIZE", value)
    assert env_int("QS_SIZE", 7) == expected


@pytest.mark.parametrize("value", ["10MB", "0", "-5", "1.5", "1e6", "ten"])
def test_it_refuses_a_size_that_is_not_a_positive_integer(monkeypatch, value):
    monkeypatch.setenv("QS_SIZE", value)
    with pytest.raises(ImproperlyConfigured) as raised:
        env_int("QS_SIZE", 7)
    message = str(raised.value)
    assert f"QS_SIZE={value!r}" in message
    assert "不是正整数" in message and "is not a positive integer" in message


# ---- the settings module, imported afresh -------------------------------------------


def test_it_fails_to_load_with_a_boolean_setting_it_cannot_read(tmp_path):
    result = run_python(PRINT_SETTINGS, tmp_path / "var", DEBUG="ture")
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert "DEBUG='ture'" in result.stderr


SIZE_SETTINGS = (
    "CONTRACT_ATTACHMENT_MAX_BYTES", "IMPORT_MAX_BYTES", "IMPORT_MAX_EXPANDED_BYTES",
    "JOB_TIME_LIMIT", "JOB_HEARTBEAT_TIMEOUT", "JOB_MAX_ATTEMPTS", "JOB_VISIBILITY_TIMEOUT", "BACKUP_KEEP",
)


def test_it_fails_to_load_with_a_size_setting_that_is_not_a_positive_integer(tmp_path):
    # One process, the settings module imported afresh once per setting and value.
    code = f"""
import importlib, os, sys
from django.core.exceptions import ImproperlyConfigured
for name in {SIZE_SETTINGS!r}:
    for value in ("10MB", "0"):
        os.environ[name] = value
        sys.modules.pop("config.settings", None)
        try:
            importlib.import_module("config.settings")
        except ImproperlyConfigured as exc:
            print("refused", name, value, f"{{name}}={{value!r}}" in str(exc))
        else:
            print("accepted", name, value)
        del os.environ[name]
"""
    result = run_python(code, tmp_path / "var")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"refused {name} {value} True" for name in SIZE_SETTINGS for value in ("10MB", "0")
    ]


@pytest.mark.parametrize("database_url", [None, "postgres://nobody@127.0.0.1:1/none"])
def test_it_requires_a_secret_key_outside_debug(tmp_path, database_url):
    env = {"DATABASE_URL": database_url} if database_url else {}
    result = run_python(PRINT_SETTINGS, tmp_path / "var", SECRET_KEY="", **env)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr and "scripts/start" in result.stderr
    assert not (tmp_path / "var").exists()  # reading the settings made no key file


def test_it_runs_without_a_secret_key_only_in_debug(tmp_path):
    result = run_python("from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)", tmp_path / "var", SECRET_KEY="", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "insecure-development-key"]


PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def test_it_writes_the_secret_key_once_owner_only_and_the_settings_read_it(tmp_path):
    var = tmp_path / "var"
    def make_key():
        env = {**os.environ, "VAR_DIR": str(var), "SECRET_KEY": ""}
        return subprocess.run([sys.executable, "-m", "config.secret_key"], cwd=BASE_DIR, env=env, capture_output=True, text=True)

    first = make_key()
    assert first.returncode == 0, first.stderr
    key_file = var / "secret_key"
    key = key_file.read_text().strip()
    assert len(key) >= 50 and (key_file.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in var.iterdir()] == ["secret_key"]  # no temporary file left
    again = make_key()
    assert again.returncode == 0 and key_file.read_text().strip() == key  # kept, not replaced
    result = run_python(PRINT_KEY, var, SECRET_KEY="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key
    assert run_python(PRINT_KEY, var, SECRET_KEY="from-env").stdout.strip() == "from-env"  # the environment wins


def test_it_keeps_the_first_key_written(tmp_path):
    from config.secret_key import secret_key_file_make, secret_key_read

    path = tmp_path / "var" / "secret_key"
    written = [secret_key_file_make(path) for _ in range(3)]
    assert written == [True, False, False]
    assert secret_key_read(path) and secret_key_read(tmp_path / "missing") == ""


def test_it_creates_no_folder_when_settings_apps_and_celery_load(tmp_path):
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; from config import celery_app; "
        "print(settings.DEBUG, settings.IMPORT_MAX_BYTES, settings.CELERY_BROKER_URL)"
    )
    result = run_python(code, tmp_path / "var", DEBUG="on", IMPORT_MAX_BYTES="2000")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "2000", "filesystem://"]
    assert list(tmp_path.iterdir()) == []


def test_it_makes_the_broker_folders_when_celery_is_configured(tmp_path):
    result = run_python("from config import celery_app; print(celery_app.conf.broker_url)", tmp_path / "var")
    assert result.returncode == 0, result.stderr
    for folder in ("queue", "processed", "control"):
        assert (tmp_path / "var" / "celery" / folder).is_dir()


def test_it_makes_the_sqlite_folder_before_manage_py_connects(tmp_path):
    code = (
        "import runpy, sys; "
        "sys.argv = ['manage.py', 'shell', '--no-imports', '-c', "
        "'from django.db import connection; connection.ensure_connection(); print(connection.vendor)']; "
        "runpy.run_path('manage.py', run_name='__main__')"
    )
    result = run_python(code, tmp_path / "var")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "sqlite"
    assert (tmp_path / "var" / "db.sqlite3").is_file()


def test_it_keeps_an_unacknowledged_job_on_redis_longer_than_a_job_may_run(tmp_path):
    code = (
        "from config import celery_app; from django.conf import settings; "
        "print(celery_app.conf.broker_transport_options['visibility_timeout'], settings.JOB_TIME_LIMIT)"
    )
    result = run_python(code, tmp_path / "var", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    visibility, limit = map(int, result.stdout.split())
    assert (visibility, limit) == (7200, 3600)
    result = run_python(code, tmp_path / "var", REDIS_URL="redis://127.0.0.1:1/0", JOB_TIME_LIMIT="600")
    assert result.stdout.split() == ["1200", "600"]
    # The embedded broker keeps its own options (it has no visibility timeout).
    result = run_python("from config import celery_app; print(sorted(celery_app.conf.broker_transport_options))", tmp_path / "var")
    assert "visibility_timeout" not in result.stdout and "data_folder_in" in result.stdout
