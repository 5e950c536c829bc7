"""The production server as scripts/start runs it: gunicorn with config/gunicorn.py on the base
settings (DEBUG unset, so off), after collectstatic, started for real on 127.0.0.1.

- An unknown address gets the Chinese 404 page, never Django's debug page; static files come
  from WhiteNoise; every page carries the Content-Security-Policy.
- Four clients that send their request heads slowly do not stall it: a normal request is
  still answered at once. The same four stall gunicorn's old setting (3 sync workers), which
  shows the test can tell the two apart.

No sleeps to wait for the server: the tests read its log for the address it listens at, and
ask it until it answers.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).parent / "gunicorn"
# Names the settings read; kept out of the server's environment (the test settings set some).
SETTING_NAMES = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "VAR_DIR", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE", "HTTPS")
SLOW_CLIENTS = 4
ANSWER_WITHIN = 3.0  # seconds; a free worker thread answers in a few milliseconds


def server_env(var_dir):
    env = {key: value for key, value in os.environ.items() if key not in SETTING_NAMES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(var_dir), SECRET_KEY="tests-only-not-secret", LOG_LEVEL="WARNING")
    return env


class Server:
    """A gunicorn started with ``args``; ``url`` once it listens."""

    def __init__(self, var_dir, log_path, *args):
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "-c", "config/gunicorn.py", "--bind", "127.0.0.1:0", *args],
                cwd=BASE_DIR, env=server_env(var_dir), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.port = self._listening_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def _listening_port(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn 退出了：\n{self.log()}")
            time.sleep(0.05)
        pytest.fail(f"gunicorn 没有在 {timeout} 秒内开始监听：\n{self.log()}")

    def get(self, path, timeout=30):
        """(status, headers, body) of GET ``path``."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def wait_until_answering(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.get("/login/", timeout=timeout)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self):
        """At once, workers and all (a test server keeps nothing worth a graceful stop)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """A VAR_DIR with the static files collected, as scripts/start leaves it (but for the
    admin's and django-tables2's, which these pages do not use: compressing them is most of
    collectstatic's time)."""
    var = tmp_path_factory.mktemp("gunicorn-var")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0", "--ignore", "admin", "--ignore", "django_tables2"],
        cwd=BASE_DIR, env=server_env(var), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (var / "staticfiles" / "staticfiles.json").is_file()
    return var


@pytest.fixture(scope="module")
def server(var_dir, tmp_path_factory):
    running = Server(var_dir, tmp_path_factory.mktemp("gunicorn-log") / "gunicorn.log")
    try:
        running.wait_until_answering()
        yield running
    finally:
        running.stop()


def test_it_serves_an_unknown_address_with_the_chinese_404_page(server):
    status, headers, page = server.get("/no-such-page/")
    assert status == 404
    assert "没有找到这个页面" in page and '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "URLconf" not in page and "Page not found" not in page and "DEBUG = True" not in page
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_it_serves_the_static_files_with_whitenoise_under_hashed_names(server):
    # The 404 page: it links the stylesheet and needs no database (this server's is not migrated;
    # the login page asks it whether the first-run page is still open).
    status, _, page = server.get("/no-such-page/")
    assert status == 404 and "没有找到这个页面" in page
    hashed = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert hashed, page
    status, headers, css = server.get(hashed.group(1))
    assert status == 200 and ".topbar" in css
    assert "max-age=315360000" in headers["Cache-Control"]  # WhiteNoise: hashed names are kept for good


class SlowClient:
    """A connection that sends a request head a byte at a time and never finishes it."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        while not self.stopped.wait(0.5):
            try:
                self.sock.sendall(b"a")
            except OSError:
                return

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()


def answer_time_with_slow_clients(server):
    """Seconds a normal request took while SLOW_CLIENTS hold connections (None: no answer
    within ANSWER_WITHIN)."""
    slow = [SlowClient(server.port) for _ in range(SLOW_CLIENTS)]
    try:
        time.sleep(0.3)  # let the server take the slow connections first, as it would in life
        started = time.monotonic()
        try:
            status, _, page = server.get("/no-such-page/", timeout=ANSWER_WITHIN)
        except (TimeoutError, socket.timeout, urllib.error.URLError):
            return None
        assert status == 404 and "没有找到这个页面" in page
        return time.monotonic() - started
    finally:
        for client in slow:
            client.close()


def test_four_slow_clients_do_not_stall_it(server):
    elapsed = answer_time_with_slow_clients(server)
    assert elapsed is not None, f"{SLOW_CLIENTS} 个慢速连接让服务器在 {ANSWER_WITHIN} 秒内没有响应"
    assert elapsed < ANSWER_WITHIN


def test_four_slow_clients_stall_three_sync_workers(var_dir, tmp_path):
    """The setting this replaced, for contrast: each sync worker waits for its slow client."""
    sync = Server(var_dir, tmp_path / "sync.log", "--worker-class", "sync", "--workers", "3", "--threads", "1")
    try:
        sync.wait_until_answering()
        assert answer_time_with_slow_clients(sync) is None
    finally:
        sync.stop()
