"""The schedule's task through a REAL Celery worker on Redis and PostgreSQL.

A worker subprocess (``celery -A config worker``) listens on a queue of its own, reads
and writes the pytest test database, and writes the report files to this run's
MEDIA_ROOT. Time travel cannot reach into the subprocess, so the campaign began three
days ago and ended yesterday: the worker has to catch up on the three days the
scheduler "missed", then, asked again, builds nothing.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from config import celery_app
from recovery.choices import RepaymentKind
from reports.models import Report
from reports.tasks import build_due_reports
from tests.celery_worker import eager_off, worker  # noqa: F401 - fixtures
from tests.factories import ArrearFactory, CampaignFactory, pay

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")


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
