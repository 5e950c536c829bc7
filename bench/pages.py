#!/usr/bin/env python
"""Page benchmark on PostgreSQL through gunicorn (issue 11, "Performance").

    DATABASE_URL=postgres://root@127.0.0.1:5432/qs_bench .venv/bin/python bench/pages.py \
        [--reuse] [--seconds 20] [--connections 6] [--runs 3] [--workers N] [--only ranking,report,repayment]

1. builds (or, with ``--reuse``, keeps) the county data set of bench/report.py (960 villages,
   200,000 arrears, 1,000,000 repayments), publishes the BENCH township's reports for the
   campaign's last two days, and adds what the pages need: users bench-staff, bench-leader
   and bench-cadre of BENCH, and a small township BENCH-P (one village, 240 arrears of
   1,000,000.00) where bench-poster posts the repayments, so the data set's counts stay
   as --reuse expects them.
2. records each page's SQL (the statements it runs, less the session and the user's role)
   and starts gunicorn on 127.0.0.1 as scripts/start and the compose stack do (config/gunicorn.py:
   threaded workers; ``--workers`` overrides their number), with
   bench/settings_pages.py, whose floor URLs run that SQL in a bare view (bench/urls_pages.py).
3. for each page: one request at a time (a warm-up, then the median of ``--runs``, page and
   floor interleaved), then ``--connections`` concurrent clients for ``--seconds``, in 2-second
   slices alternating page and floor (so load from other processes falls on both alike):
   p50 and requests per second of each, and floor p50 / page p50.
4. prints the table with PASS/MISS: single request < 300 ms, p50 ratio >= 0.5, and for the
   repayment POST >= 0.4 of the bare locked SELECT FOR UPDATE + INSERT + UPDATE. Exits 0
   whatever the targets say (a benchmark, not a test).

The clients are Python threads with http.client (keep-alive where the server keeps the
connection, as gunicorn's threaded workers do), signed in with a
session cookie made by Django's test client.
"""

import http.client
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import report as county  # noqa: E402  (the data set's builder)
from bench.common import BASE_DIR, argument_parser, log, migrate, static_collect, table_lines  # noqa: E402

TARGET_SINGLE_S = 0.300
TARGET_RATIO = 0.5
TARGET_POST_RATIO = 0.4
SLICE_S = 2.0
POST_CODE = "BENCH-P"
POST_ARREARS = 240
HOST = "127.0.0.1"
SKIPPED_SQL = ('FROM "django_session"', 'UPDATE "django_session"', 'INNER JOIN "core_user_groups"')
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


# ---- set-up ------------------------------------------------------------------------

def bench_users(campaign, report):
    """bench-staff / bench-leader of BENCH, bench-cadre of the village in the middle of the
    ranking, bench-poster of BENCH-P: {role: user}."""
    from django.contrib.auth.models import Group

    from core.models import User
    from core.roles import GROUP_NAMES, Role
    from villages.models import Township, Village

    township = campaign.township
    middle = report.snapshot.villages[len(report.snapshot.villages) // 2]
    poster_township = Township.objects.get(code=POST_CODE)
    specs = {
        "staff": (Role.STAFF, {"township": township}),
        "leader": (Role.LEADER, {"township": township}),
        "cadre": (Role.CADRE, {"township": None, "village": Village.objects.get(pk=middle.village_id)}),
        "poster": (Role.STAFF, {"township": poster_township}),
    }
    users = {}
    for name, (role, fields) in specs.items():
        user, _ = User.objects.update_or_create(
            username=f"bench-{name}", defaults={"display_name": f"基准{name}", "village": None, **fields},
        )
        user.groups.set([Group.objects.get_or_create(name=GROUP_NAMES[role])[0]])
        users[name] = user
    return users


def post_ledger():
    """BENCH-P: one village, POST_ARREARS arrears of 1,000,000.00 to post 0.01 against -> [arrear ids]."""
    from django.contrib.auth.models import Group

    from core.models import User
    from core.roles import GROUP_NAMES, Role
    from recovery.choices import ArrearCategory
    from recovery.models import Arrear, Campaign
    from recovery.services import arrear_create, debtor_create
    from villages.models import Township, Village, WorkArea, Zone

    township, _ = Township.objects.get_or_create(code=POST_CODE, defaults={"name": "基准录入镇"})
    zone, _ = Zone.objects.get_or_create(township=township, code="P1", defaults={"name": "录入片区"})
    area, _ = WorkArea.objects.get_or_create(zone=zone, code="P1-1", defaults={"name": "录入工作区"})
    village, _ = Village.objects.get_or_create(code="BENCH-P-001", defaults={"work_area": area, "name": "录入村"})
    campaign, _ = Campaign.objects.get_or_create(
        township=township, defaults={"name": "基准录入行动", "start_date": county.CAMPAIGN_START, "end_date": date(2027, 12, 31)},
    )
    have = list(Arrear.objects.filter(campaign=campaign).values_list("pk", flat=True))
    if len(have) >= POST_ARREARS:
        return have
    writer, _ = User.objects.update_or_create(username="bench-poster", defaults={"township": township, "display_name": "基准poster"})
    writer.groups.set([Group.objects.get_or_create(name=GROUP_NAMES[Role.STAFF])[0]])
    for n in range(len(have), POST_ARREARS):
        debtor = debtor_create(village=village, created_by=writer, name=f"录入户{n:03d}")
        have.append(arrear_create(
            debtor=debtor, campaign=campaign, category=ArrearCategory.LOAN, principal=Decimal("1000000.00"),
            incurred_on=county.CAMPAIGN_START - timedelta(days=30), created_by=writer,
        ).pk)
    return have


def publish(campaign):
    """The last two days' reports (built once): the ranking shows the last one."""
    from reports.services import report_build

    last = county.last_day(campaign)
    for day in (last - timedelta(days=1), last):
        t0 = time.perf_counter()
        report, built = report_build(campaign=campaign, day=day)
        if built:
            log(f"published the report for {day}: {time.perf_counter() - t0:.1f} s")
    return report


def session_cookie(user):
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def page_sql(url, user):
    """The SQL statements ``url`` runs for ``user`` (a warm-up request first), less the
    session, the user and their role, and transaction control; DECLARE … CURSOR unwrapped."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"{url} as {user.username}: HTTP {response.status_code}")
    statements = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.upper().startswith(TRANSACTION_CONTROL) or any(s in sql for s in SKIPPED_SQL):
            continue
        if sql.startswith('SELECT "core_user"') and f'"core_user"."id" = {user.pk} ' in sql + " ":
            continue  # the session's user
        if sql.startswith("DECLARE "):
            sql = sql[sql.index(" FOR ") + len(" FOR "):]
        statements.append(sql)
    return statements


# ---- load --------------------------------------------------------------------------

class Target:
    """One kind of request (a page or its floor): method, path, headers, body maker."""

    def __init__(self, method, path, *, cookie="", body=None, ok=(200,)):
        self.method, self.path, self.cookie, self.body, self.ok = method, path, cookie, body, ok

    def request(self, conn):
        headers = {"Host": f"{HOST}", "Cookie": self.cookie}
        body = None
        if self.body is not None:
            body = urlencode(self.body()).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        t0 = time.perf_counter()
        conn.request(self.method, self.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - t0
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
        return elapsed, response.status in self.ok


def one_at_a_time(port, page, floor, runs):
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    page.request(conn), floor.request(conn)
    times = {"page": [], "floor": []}
    errors = 0
    for _ in range(runs):
        for kind, target in (("page", page), ("floor", floor)):
            elapsed, ok = target.request(conn)
            times[kind].append(elapsed)
            errors += not ok
    conn.close()
    return statistics.median(times["page"]), statistics.median(times["floor"]), errors


def under_load(port, page, floor, seconds, connections):
    """``connections`` threads for ``seconds``, 2-second slices alternating page and floor
    (a request counts for the slice it started in) -> {kind: (p50 s, req/s)}, errors."""
    slices = max(2, round(seconds / SLICE_S))
    slices += slices % 2
    start = time.perf_counter() + 0.2
    end = start + slices * SLICE_S
    samples = {"page": [], "floor": []}
    errors = [0]
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        while time.perf_counter() < start:
            time.sleep(0.005)
        while (now := time.perf_counter()) < end:
            kind = ("page", "floor")[int((now - start) // SLICE_S) % 2]
            try:
                elapsed, ok = (page if kind == "page" else floor).request(conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                elapsed, ok = None, False
            with lock:
                if elapsed is not None:
                    samples[kind].append(elapsed)
                errors[0] += not ok
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    each = slices / 2 * SLICE_S
    return {k: (statistics.median(v) if v else float("nan"), len(v) / each) for k, v in samples.items()}, errors[0]


def start_server(port, workers, floors_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings_pages", BENCH_FLOORS=str(floors_path),
               ALLOWED_HOSTS=HOST, LOG_LEVEL="WARNING")
    env.setdefault("SECRET_KEY", "bench-only-not-secret")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "--bind", f"{HOST}:{port}",
         *(["--workers", str(workers)] if workers else []), "--access-logfile", "/dev/null", "--log-level", "warning"],
        cwd=BASE_DIR, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/login/", headers={"Host": HOST})
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer on /login/ within 60 s")


# ---- main --------------------------------------------------------------------------

def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--villages", type=int, default=960)
    parser.add_argument("--arrears", type=int, default=200_000)
    parser.add_argument("--repayments", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20260901)
    parser.add_argument("--reuse", action="store_true", help="keep the data set if it is already there")
    parser.add_argument("--seconds", type=float, default=20, help="load per page (page and floor slices together)")
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3, help="single requests per page after a warm-up (median shown)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: config/gunicorn.py's)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args()

    county.setup_django()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    log(f"database: {connection.settings_dict['NAME']}; {os.cpu_count()} CPUs")
    migrate()
    static_collect()
    county.ensure_data(args)
    campaign = county.campaign_of(county.BIG_CODE)
    report = publish(campaign)
    arrears = post_ledger()
    users = bench_users(campaign, report)
    cookies = {name: f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}" for name, user in users.items()}
    csrf = uuid.uuid4().hex  # a CSRF secret of 32 characters, as cookie and as form field
    cookies["poster"] += f"; {settings.CSRF_COOKIE_NAME}={csrf}"

    pages = [  # name, floor slug, who, url
        ("home (staff)", "home-staff", "staff", "/"),
        ("home (leader)", "home-leader", "leader", "/"),
        ("home (cadre)", "home-cadre", "cadre", "/"),
        ("villages", "villages", "staff", "/villages/"),
        ("debtors ?q=zs", "debtors-zs", "staff", "/recovery/debtors/?q=zs"),
        ("debtors ?q=王伟", "debtors-wangwei", "staff", "/recovery/debtors/?" + urlencode({"q": "王伟"})),
        ("arrears", "arrears", "staff", "/recovery/arrears/"),
        ("ranking", "ranking", "cadre", "/reports/"),
        ("report page", "report", "leader", f"/reports/{report.pk}/"),
    ]
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    if only:
        pages = [p for p in pages if p[1] in only or p[1].split("-")[0] in only]
    floors = {slug: page_sql(url, users[who]) for _, slug, who, url in pages}
    floors_path = BASE_DIR / "var" / "bench" / "floors.json"
    floors_path.parent.mkdir(parents=True, exist_ok=True)
    floors_path.write_text(json.dumps(floors, ensure_ascii=False, indent=1), encoding="utf-8")
    for slug, statements in floors.items():
        log(f"  floor of {slug}: {len(statements)} statements")

    targets = [
        (name, Target("GET", url, cookie=cookies[who]), Target("GET", f"/__floor__/{slug}/"), TARGET_RATIO)
        for name, slug, who, url in pages
    ]
    if not only or "repayment" in only:
        pick = itertools.cycle(arrears)
        today = timezone.localdate().isoformat()
        poster = users["poster"].pk

        def entry():
            return {"csrfmiddlewaretoken": csrf, "arrear": next(pick), "amount": "0.01", "kind": "cash",
                    "received_on": today, "receipt_number": "", "note": "", "submission_token": str(uuid.uuid4())}

        def bare():
            return {"arrear": next(pick), "user": poster}

        targets.append(("repayment POST", Target("POST", "/recovery/repayments/add/", cookie=cookies["poster"], body=entry, ok=(302,)),
                        Target("POST", "/__floor__/repayment/", body=bare), TARGET_POST_RATIO))

    server = start_server(args.port, args.workers, floors_path)
    rows = []
    try:
        for name, page, floor, target_ratio in targets:
            single, single_floor, errors = one_at_a_time(args.port, page, floor, args.runs)
            loaded, load_errors = under_load(args.port, page, floor, args.seconds, args.connections)
            (p50, rps), (floor_p50, floor_rps) = loaded["page"], loaded["floor"]
            ratio = floor_p50 / p50 if p50 else float("nan")
            ok_single = single < TARGET_SINGLE_S
            ok_ratio = ratio >= target_ratio
            errors += load_errors
            rows.append((
                name, f"{single * 1000:.0f}", f"{single_floor * 1000:.0f}", f"{p50 * 1000:.0f}", f"{floor_p50 * 1000:.0f}",
                f"{rps:.1f}", f"{floor_rps:.1f}", f"{ratio:.2f}", f"< {TARGET_SINGLE_S * 1000:.0f} ms; >= {target_ratio}",
                ("PASS" if ok_single and ok_ratio and not errors else "MISS") + (f" ({errors} errors)" if errors else ""),
            ))
            log(f"  {name}: single {single * 1000:.0f} ms (floor {single_floor * 1000:.0f}); under load p50 "
                f"{p50 * 1000:.0f} ms, {rps:.1f} req/s (floor {floor_p50 * 1000:.0f} ms, {floor_rps:.1f} req/s)")
    finally:
        server.terminate()
        server.wait(timeout=30)

    log("")
    header = ("page", "single ms", "floor ms", "p50 ms", "floor p50", "req/s", "floor req/s", "floor/page", "target", "result")
    for line in table_lines(header, rows):
        log(line)
    misses = [r[0] for r in rows if r[-1].startswith("MISS")]
    server_line = "gunicorn config/gunicorn.py" + (f" with {args.workers} workers" if args.workers else "")
    log(f"\n{args.connections} connections, {args.seconds:g} s per page (page and floor in {SLICE_S:g} s slices), "
        f"{server_line}; {'MISS: ' + ', '.join(misses) if misses else 'all targets met'}")
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
