#!/usr/bin/env python
"""The home pages, the villages list and a village page at county scale (issue 11, item 4).

    DATABASE_URL=postgres://root@127.0.0.1:5432/qs_home_bench .venv/bin/python bench/home.py [--runs 5] [--day-before-end 1]

Reads the data set of ``bench/report.py`` (build it first: ``bench/report.py --runs 1
--pdf-runs 1``). Inside one transaction that is rolled back at the end (the data set stays the
benchmark's own): publishes (if missing) each township's report for ``end_date - N`` days and a
week before it (snapshots only, no files; N days of entries then lie after the cut-off), adds
a staff member, a leader and cadres, and times single GETs through Django's test client
(a warm-up, then the median and best of ``--runs``), with the number of SQL queries.
With ``--unpublished`` every report is taken out of use instead (``is_current`` off, rolled
back too), so the whole-ledger fallback is timed.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BASE_DIR, django_setup, static_collect  # noqa: E402

BIG_CODE, SMALL_CODE = "BENCH", "BENCH-S"


def publish(campaign, day):
    """The current report of ``day`` (a snapshot only, no files), published if missing."""
    from reports.models import Report
    from reports.selectors import report_snapshot

    existing = Report.objects.filter(campaign=campaign, day=day, is_current=True).first()
    if existing:
        return existing
    snapshot = report_snapshot(campaign=campaign, day=day)
    return Report.objects.create(
        campaign=campaign, day=day, issue_number=snapshot.issue_number, cutoff_at=snapshot.cutoff_at,
        data=snapshot.to_json(),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--day-before-end", type=int, default=1)
    parser.add_argument("--unpublished", action="store_true", help="time the whole-ledger fallback")
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    django_setup(var_dir=BASE_DIR / "var" / "bench")
    static_collect()

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from recovery.models import Campaign
    from tests.factories import cadre_of, leader_of, staff_of
    from villages.models import Village

    with transaction.atomic():
        big = Campaign.objects.select_related("township").get(township__code=BIG_CODE)
        small = Campaign.objects.select_related("township").get(township__code=SMALL_CODE)
        if args.unpublished:
            from reports.models import Report

            Report.objects.update(is_current=False)
        else:
            t0 = time.perf_counter()
            for campaign in (big, small):  # a week earlier too, for this week's movers
                for back in (args.day_before_end + 7, args.day_before_end):
                    publish(campaign, campaign.end_date - timedelta(days=back))
            print(f"reports of end_date - {args.day_before_end} and a week before: {time.perf_counter() - t0:.1f} s")
        users = {
            "staff": staff_of(big.township, username="home-bench-staff"),
            "leader": leader_of(big.township, username="home-bench-leader"),
            "cadre": cadre_of(Village.objects.filter(work_area__zone__township=big.township).order_by("code")[500],
                              username="home-bench-cadre"),
            "cadre (10 villages)": cadre_of(Village.objects.filter(work_area__zone__township=small.township).first(),
                                            username="home-bench-cadre-s"),
        }
        village = users["cadre"].village
        pages = [
            ("home", "staff", "/"), ("home", "leader", "/"), ("home", "cadre", "/"),
            ("home", "cadre (10 villages)", "/"),
            ("villages list", "staff", "/villages/"), ("villages list ?sort=-ratio", "staff", "/villages/?sort=-ratio"),
            ("villages list", "cadre", "/villages/"),
            ("village page", "cadre", f"/villages/{village.pk}/"),
        ]
        print(f"{'page':30} {'as':22} {'median':>9} {'best':>9} {'queries':>8}")
        for label, who, url in pages:
            client = Client()
            client.force_login(users[who])
            assert client.get(url).status_code == 200, url
            times = []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as queries:
                    t0 = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - t0)
                assert response.status_code == 200
            print(f"{label:30} {who:22} {statistics.median(times) * 1000:7.0f}ms {min(times) * 1000:7.0f}ms {len(queries):8}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
