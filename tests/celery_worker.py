"""A REAL Celery worker for the tests that need one (Redis broker, PostgreSQL).

``worker``: a worker subprocess (``celery -A config worker``) on a queue of its own, reading
and writing pytest's test database and this run's MEDIA_ROOT; ``worker.wait_for(what, check)``
polls. ``eager_off``: tasks go to the broker instead of running in the test's process.
``worker_queue``: also routes tasks queued without a queue (``task.delay``) to that worker.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config import celery_app

BASE_DIR = Path(settings.BASE_DIR)
CELERY = BASE_DIR / ".venv" / "bin" / "celery"
WAIT = 60


def worker_database_url():
    """postgres://user[:password]@host:port/<pytest-django's test database>."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db.get('USER') or 'root'}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, queue, log_path, process):
        self.queue, self.log_path, self.process = queue, log_path, process

    def log(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_for(self, what, check, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            if self.process.poll() is not None:
                pytest.fail(f"Celery worker 已退出（返回码 {self.process.returncode}），未等到：{what}\n{self.log()}")
            time.sleep(0.5)
        pytest.fail(f"{timeout} 秒内未等到：{what}\n---- worker 输出 ----\n{self.log()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def worker(tmp_path):
    queue = f"test-reports-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "SECRET_KEY": "x",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        str(CELERY), "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", queue,
        "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        f"--hostname=test-{queue}@%h",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    running = Worker(queue, log_path, process)
    try:
        yield running
    finally:
        running.stop()
        # Shown by pytest only when the test failed.
        sys.stdout.write(f"---- Celery worker 输出（{log_path}）----\n{running.log()}\n")
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


@pytest.fixture
def eager_off():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before


@pytest.fixture
def worker_queue(worker, eager_off):
    """Tasks queued with ``.delay()`` (by services) go to ``worker``'s queue."""
    before = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = worker.queue
    try:
        yield worker
    finally:
        celery_app.conf.task_default_queue = before
