"""The schedule's task through a REAL Celery worker on Redis and PostgreSQL.

A worker subprocess (``celery -A config worker``) listens on a queue of its own, reads
and writes the pytest test database, and writes the report files to this run's
MEDIA_ROOT. Time travel cannot reach into the subprocess, so the campaign began three
days ago and ended yesterday: the worker has to catch up on the three days the
scheduler "missed", then, asked again, builds nothing.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config import celery_app
from recovery.choices import RepaymentKind
from reports.models import Report
from reports.tasks import build_due_reports
from tests.factories import ArrearFactory, CampaignFactory, pay

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
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


def test_it_builds_the_missed_reports_through_a_real_worker(
    township, village_a, village_b, staff_user, worker, eager_off
):
    today = timezone.localdate()
    start, yesterday = today - timedelta(days=3), today - timedelta(days=1)
    campaign = CampaignFactory(township=township, name="冬季清收突击月", start_date=start, end_date=yesterday)
    on_the_books = datetime.combine(start - timedelta(days=10), datetime.min.time(), tzinfo=SHANGHAI)
    arrear_a = ArrearFactory(debtor__village=village_a, campaign=campaign, principal=Decimal("1000.00"), created_at=on_the_books)
    arrear_b = ArrearFactory(debtor__village=village_b, campaign=campaign, principal=Decimal("4000.00"), created_at=on_the_books)
    second_day = start + timedelta(days=1)
    pay(arrear_a, "300.00", staff_user, received_on=start,
        recorded_at=datetime.combine(start, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=10))
    pay(arrear_b, "1000.00", staff_user, received_on=second_day, kind=RepaymentKind.IN_KIND,
        recorded_at=datetime.combine(second_day, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=16))

    first = build_due_reports.apply_async(queue=worker.queue)
    worker.wait_for("3 份补生成的战报", lambda: Report.objects.filter(campaign=campaign).count() >= 3)
    worker.wait_for(f"任务 {first.id} 完成", lambda: f"reports.build_due[{first.id}] succeeded" in worker.log())

    reports = list(Report.objects.filter(campaign=campaign).order_by("day"))
    assert [(r.day, r.issue_number, r.version, r.is_current) for r in reports] == [
        (start, 1, 1, True), (second_day, 2, 1, True), (yesterday, 3, 1, True)]
    for report in reports:
        assert Path(report.pdf.path).read_bytes().startswith(b"%PDF-")
        assert Path(report.xlsx.path).read_bytes().startswith(b"PK")
        assert Path(settings.MEDIA_ROOT) in Path(report.pdf.path).parents
    figures = [(r.snapshot.totals.recovered, r.snapshot.totals.recovered_today, r.snapshot.totals.ratio) for r in reports]
    assert figures == [
        (Decimal("300.00"), Decimal("300.00"), Decimal("0.0600")),
        (Decimal("1300.00"), Decimal("1000.00"), Decimal("0.2600")),
        (Decimal("1300.00"), Decimal("0.00"), Decimal("0.2600")),
    ]

    # Asked again (beat fires every minute), the worker builds nothing.
    second = celery_app.send_task("reports.build_due", queue=worker.queue)
    worker.wait_for(f"任务 {second.id} 完成", lambda: f"reports.build_due[{second.id}] succeeded" in worker.log())
    assert f"reports.build_due[{second.id}] succeeded" in worker.log()
    assert [r.pk for r in Report.objects.filter(campaign=campaign).order_by("day")] == [r.pk for r in reports]
    succeeded = next(line for line in worker.log().splitlines() if f"reports.build_due[{second.id}] succeeded" in line)
    assert succeeded.rstrip().endswith(": []"), succeeded
