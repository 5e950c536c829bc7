"""``manage.py check --deploy`` finds nothing under the production settings the README gives
(the block after ``<!-- production env -->``), with the secret key scripts/start writes; and
those settings send HSTS, redirect to HTTPS and mark the cookies secure."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SETTING_NAMES = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "VAR_DIR", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE")


def readme_production_env():
    readme = (BASE_DIR / "README.md").read_text()
    block = readme.split("<!-- production env -->", 1)[1].split("```", 2)[1]
    pairs = re.findall(r"^([A-Z_]+)=(\S*)", block, flags=re.MULTILINE)
    assert pairs, block
    return dict(pairs)


def run(var_dir, code_or_args, env):
    child_env = {key: value for key, value in os.environ.items() if key not in SETTING_NAMES}
    child_env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(var_dir), **env)
    return subprocess.run([sys.executable, *code_or_args], cwd=BASE_DIR, env=child_env, capture_output=True, text=True, timeout=120)


def test_the_readme_block_is_production():
    env = readme_production_env()
    assert env["HTTPS"] == "1" and env.get("DEBUG", "0") == "0"
    assert "SECRET_KEY" not in env  # the README says: written once into var/secret_key


def test_check_deploy_finds_nothing_and_it_sends_hsts_redirects_and_secures_cookies(tmp_path):
    """One process (Django starts once): the check, then two requests."""
    env = readme_production_env()
    made = run(tmp_path, ["-m", "config.secret_key"], {"SECRET_KEY": ""})
    assert made.returncode == 0, made.stderr
    host = env["ALLOWED_HOSTS"].split(",")[0]
    code = f"""
import django; django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("check", deploy=True, fail_level="WARNING")
client = Client()
plain = client.get("/logout/", secure=False, HTTP_HOST="{host}")
tls = client.get("/logout/", secure=True, HTTP_HOST="{host}")  # 405: a page without a template
print(plain.status_code, plain["Location"])
print(tls.status_code, tls["Strict-Transport-Security"])
print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)
"""
    result = run(tmp_path, ["-c", code], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "System check identified no issues (0 silenced).",
        f"301 https://{host}/logout/",
        "405 max-age=31536000; includeSubDomains; preload",
        "True True",
    ]
