"""A REAL Celery worker for the tests that need one (Redis broker, PostgreSQL).

``worker``: a worker subprocess (``celery -A config worker``) on a queue of its own, reading
and writing pytest's test database and this run's MEDIA_ROOT; ``worker.wait_for(what, check)``
polls. ``eager_off``: tasks go to the broker instead of running in the test's process.
``worker_queue``: also routes tasks queued without a queue (``task.delay``) to that worker.
``workers``: workers started one after another on one queue (``workers.start(**env)``), to
kill one (``Worker.kill``: SIGKILL to its processes) and start the next; tasks queued with
``.delay()`` go there.
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

    def kill(self):
        """SIGKILL to the worker and its pool's processes, as a power cut would: no warm
        shutdown, nothing acknowledged."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def worker_start(queue, log_path, var_dir, pool="solo", **extra_env):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "SECRET_KEY": "x",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    command = [
        str(CELERY), "-A", "config", "worker", f"--pool={pool}", "--concurrency=1", "-Q", queue,
        "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        f"--hostname=test-{queue}-{log_path.stem}@%h",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return Worker(queue, log_path, process)


def _queue_delete(queue):
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(
        queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
    )


def _new_queue():
    return f"test-reports-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def worker(tmp_path):
    queue = _new_queue()
    running = worker_start(queue, tmp_path / "celery-worker.log", tmp_path / "var")
    try:
        yield running
    finally:
        running.stop()
        # Shown by pytest only when the test failed.
        sys.stdout.write(f"---- Celery worker 输出（{running.log_path}）----\n{running.log()}\n")
        _queue_delete(queue)


class Workers:
    def __init__(self, tmp_path):
        self.queue, self.tmp_path, self.started = _new_queue(), tmp_path, []

    def start(self, pool="prefork", **env) -> Worker:
        """The next worker on the queue, with these environment variables set; by default
        with the pool production uses (one child process runs the tasks)."""
        log_path = self.tmp_path / f"worker-{len(self.started) + 1}.log"
        running = worker_start(self.queue, log_path, self.tmp_path / "var", pool=pool, **env)
        self.started.append(running)
        return running


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


@pytest.fixture
def workers(tmp_path, eager_off):
    before = celery_app.conf.task_default_queue
    started = Workers(tmp_path)
    celery_app.conf.task_default_queue = started.queue
    try:
        yield started
    finally:
        celery_app.conf.task_default_queue = before
        for running in started.started:
            running.stop()
            # Shown by pytest only when the test failed.
            sys.stdout.write(f"---- Celery worker 输出（{running.log_path}）----\n{running.log()}\n")
        _queue_delete(started.queue)
