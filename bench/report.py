#!/usr/bin/env python
"""Battle-report benchmark on PostgreSQL (issue 3, "Performance").

    DATABASE_URL=postgres://root@127.0.0.1:5432/qs_bench .venv/bin/python bench/report.py \
        [--villages 960 --arrears 200000 --repayments 1000000] [--reuse] [--runs 5] [--pdf-runs 3] [--profile]

1. migrates the database and builds a county-scale ledger with PostgreSQL COPY (fixed seed):
   one township, zones, work areas, villages, debtors, arrears, repayments over a 60-day
   campaign, ~1% reversals, ~0.2% write-offs; every arrear's entries sum to at most its
   principal and ``Arrear.outstanding`` = principal - active repayments - write-offs. A
   second, 10-village township is built beside it to show that the number of queries does
   not grow with villages. ``--reuse`` keeps a data set that is already there.
2. times (a warm-up, then best and median of ``--runs``; each measure interleaved with its
   floor so machine load hits both alike): ``report_snapshot`` and its queries; the SQL floor (one hand-written statement giving the same per-village figures,
   checked equal); ``render_pdf`` against WeasyPrint rendering a bare 960-row table;
   ``render_xlsx``; the peak RSS (VmHWM) of a fresh process building snapshot + PDF + Excel.
3. prints measured / floor / ratio / target and PASS or MISS. Exits 0 whatever the targets
   say (a benchmark, not a test); non-zero only if it cannot run or the snapshot's figures
   differ from the SQL floor's.

It writes rows directly (COPY), not through the services: it is a fixture for timing, and
the database's own constraints (checks, unique, foreign keys) still hold for every row.
Only a database holding nothing but benchmark data (townships coded ``BENCH*``, the user
``bench-recorder``) is wiped. See bench/README.md for the figures and findings.
"""

import argparse
import html
import io
import json
import os
import random
import resource
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as dtime
from datetime import timezone as dt_timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    BASE_DIR,
    GIVEN,
    NUMERALS,
    SURNAMES,
    VILLAGE_FIRST,
    ChildFailed,
    argument_parser,
    django_setup,
    fmt_s,
    log,
    migrate,
    peak_rss_kb,
    person_name,
    profiled,
    refuse_foreign_data,
    run_child,
    table_lines,
    timed,
    timed_pair,
)

TZ8 = dt_timezone(timedelta(hours=8))  # Asia/Shanghai has no DST
DAY_US = 86_400 * 10**6
HOUR_US = 3_600 * 10**6
CAMPAIGN_START = date(2026, 9, 1)
BIG_CODE, SMALL_CODE = "BENCH", "BENCH-S"
SMALL = {"villages": 10, "arrears": 200, "repayments": 1_000}
# The benchmarks' own users: the recorder of the generated entries, and bench/pages.py's readers and poster.
BENCH_USERNAMES = ("bench-recorder", "bench-staff", "bench-leader", "bench-cadre", "bench-poster")

TARGET_SNAPSHOT = 1.5
TARGET_PDF = 1.5
TARGET_RSS_MB = 500


# ---- set-up ------------------------------------------------------------------------

def setup_django():
    url = os.environ.get("DATABASE_URL", "")
    if url.split("://", 1)[0] not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(
            "bench/report.py needs PostgreSQL: set DATABASE_URL, e.g.\n"
            "  createdb -h 127.0.0.1 -U root qs_bench\n"
            "  DATABASE_URL=postgres://root@127.0.0.1:5432/qs_bench .venv/bin/python bench/report.py\n"
            f"(DATABASE_URL is {'unset' if not url else repr(url.split('://', 1)[0] + '://…')})"
        )
    django_setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"bench/report.py needs PostgreSQL, DATABASE_URL gives {connection.vendor}.")


# ---- data --------------------------------------------------------------------------

VILLAGE_SECOND = ["家庄", "家洼", "家屯", "官庄", "集", "楼", "店", "寨", "营", "庙", "坡", "岭", "河", "桥",
                  "湖", "沟", "园", "堡", "塘", "台", "峪", "湾", "埠", "坊", "铺", "圈", "口", "岗", "家埠", "家岭"]
COMPANY = ["农业合作社", "养殖场", "建材厂", "商贸有限公司", "家庭农场", "砖厂"]
CATEGORIES = ["contract_fee", "lease_fee", "loan", "occupied_funds", "construction", "other"]
CATEGORY_WEIGHTS = [40, 25, 15, 8, 8, 4]
KINDS = ["cash", "transfer", "in_kind", "debt_offset"]
KIND_CUM = [45, 80, 90, 100]


def cn_number(n):
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")


def initials_table():
    """Pinyin initials per character (and per company word), computed once with the
    product's own function, so 100k names need no pypinyin call each."""
    from core.pinyin import name_initials

    surname = {c: name_initials(c, person=True) for c in SURNAMES}
    plain = {c: name_initials(c, person=False) for c in SURNAMES + GIVEN}
    plain.update({w: name_initials(w, person=False) for w in COMPANY})
    return surname, plain


def fmt_cents(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def next_id(cursor, table):
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def reset_sequence(cursor, table):
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


def copy_rows(table, columns, rows):
    """COPY ``rows`` (tuples of str/None) into ``table`` through Django's connection."""
    from django.db import connection, transaction

    with transaction.atomic():  # deferred FK checks run at this commit
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


class Ledger:
    """Generates one township's ledger. Times are microseconds from local (UTC+8)
    midnight of the campaign's first day; amounts are integer cents."""

    def __init__(self, *, code, name, villages, arrears, repayments, days, seed, user_id):
        self.code, self.name = code, name
        self.n_villages, self.n_arrears, self.n_repayments = villages, arrears, repayments
        self.days, self.user_id = days, user_id
        self.rng = random.Random(seed)
        self.base = datetime.combine(CAMPAIGN_START, dtime(0), TZ8)

    def ts(self, offset_us):
        return (self.base + timedelta(microseconds=offset_us)).isoformat(sep=" ")

    def time_of_day(self):
        """Mostly office hours, a good share after the 16:00 cut-off, a few exactly on it."""
        r = self.rng.random()
        if r < 0.001:
            return 16 * HOUR_US                          # 16:00:00.000000 -> this day
        if r < 0.002:
            return 16 * HOUR_US + 1                      # 16:00:00.000001 -> next day
        if r < 0.003:
            return 16 * HOUR_US + 10**6                  # 16:00:01 -> next day
        if r < 0.70:
            return self.rng.randrange(8 * HOUR_US, 16 * HOUR_US)
        if r < 0.92:
            return self.rng.randrange(16 * HOUR_US, 20 * HOUR_US)
        if r < 0.97:
            return self.rng.randrange(20 * HOUR_US, 24 * HOUR_US)
        return self.rng.randrange(0, 8 * HOUR_US)

    def token(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def person_name(self):
        return person_name(self.rng)

    # -- places, people, campaign (ORM: a few thousand rows) --

    def build_places(self):
        from recovery.models import Campaign
        from villages.choices import AssignmentRole
        from villages.models import Assignment, Township, Village, WorkArea, Zone

        rng = self.rng
        township = Township.objects.create(code=self.code, name=self.name, order=0 if self.code == BIG_CODE else 1)
        n_work_areas = max(1, -(-self.n_villages // 10))
        n_zones = max(1, -(-n_work_areas // 12))
        zones = Zone.objects.bulk_create(
            Zone(township=township, code=f"{self.code}-Z{z + 1:02d}", name=f"第{cn_number(z + 1)}片区", order=z)
            for z in range(n_zones)
        )
        work_areas = WorkArea.objects.bulk_create(
            WorkArea(zone=zones[w % n_zones], code=f"{self.code}-W{w + 1:03d}", name=f"第{cn_number(w // n_zones + 1)}工作区", order=w)
            for w in range(n_work_areas)
        )
        names = [a + b for a in VILLAGE_FIRST for b in VILLAGE_SECOND]
        rng.shuffle(names)
        villages = Village.objects.bulk_create(
            Village(
                work_area=work_areas[v % n_work_areas], code=f"{self.code}-V{v + 1:04d}",
                name=(names[v % len(names)] + ("" if v < len(names) else str(v // len(names)))) + "村", order=v,
            )
            for v in range(self.n_villages)
        )
        people = []
        for zone in zones:
            people.append(Assignment(role=AssignmentRole.ZONE_LEADER, zone=zone, person_name=self.person_name(), title="党委副书记"))
        for index, work_area in enumerate(work_areas):
            roles = [AssignmentRole.WORKAREA_CONTACT, AssignmentRole.WORKAREA_SECRETARY, AssignmentRole.WORKAREA_DIRECTOR]
            if index % 17 == 5:
                roles = roles[:2]  # one work area in 17 has no director: "（未分配）"
            for role in roles:
                people.append(Assignment(role=role, work_area=work_area, person_name=self.person_name()))
        for village in villages:
            people.append(Assignment(role=AssignmentRole.VILLAGE_SECRETARY, village=village, person_name=self.person_name()))
            people.append(Assignment(role=AssignmentRole.VILLAGE_LIAISON, village=village, person_name=self.person_name()))
        Assignment.objects.bulk_create(people)
        self.campaign = Campaign.objects.create(
            township=township, name=f"{self.name}清收清欠百日攻坚", start_date=CAMPAIGN_START,
            end_date=CAMPAIGN_START + timedelta(days=self.days - 1), target_ratio="0.8000",
        )
        self.villages = [v.pk for v in villages]

    # -- the ledger (COPY) --

    def plan(self):
        """Decides every arrear and entry; returns the rows for each table."""
        from django.db import connection

        rng, days = self.rng, self.days
        with connection.cursor() as cursor:
            debtor_id = next_id(cursor, "recovery_debtor")
            arrear_id = next_id(cursor, "recovery_arrear")
            repayment_id = next_id(cursor, "recovery_repayment")
            reversal_id = next_id(cursor, "recovery_reversal")
            writeoff_id = next_id(cursor, "recovery_writeoff")

        villages = list(self.villages)
        order = villages[:]
        rng.shuffle(order)
        n = len(villages)
        n_empty = max(1, n // 200)
        n_cleared_before = max(1, n // 120)
        n_cleared_today = max(1, n // 320)
        n_stalled = n // 20
        empty = set(order[:n_empty])
        cleared_before = set(order[n_empty:n_empty + n_cleared_before])
        cleared_today = set(order[n_empty + n_cleared_before:n_empty + n_cleared_before + n_cleared_today])
        stalled = {v: rng.randint(days // 3, days - 10) for v in order[-n_stalled:]} if n_stalled else {}
        cleared = cleared_before | cleared_today
        perf = {v: (1.0 if v in cleared else rng.uniform(0.05, 0.95)) for v in villages}

        # arrears per village: one each, the rest weighted by village size
        owing = [v for v in villages if v not in empty]
        weights = [rng.uniform(0.3, 1.7) for _ in owing]
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        arrear_village = owing + rng.choices(owing, cum_weights=cum, k=self.n_arrears - len(owing))
        # repayments per arrear: uniform draws (Poisson-like counts); cleared villages need >= 1 each
        counts = [0] * self.n_arrears
        for index in rng.choices(range(self.n_arrears), k=self.n_repayments):
            counts[index] += 1
        donors = [i for i, c in enumerate(counts) if c >= 2 and arrear_village[i] not in cleared]
        for i, village in enumerate(arrear_village):
            if village in cleared and counts[i] == 0:
                while True:
                    d = donors.pop()
                    if counts[d] >= 2:
                        break
                counts[d] -= 1
                counts[i] += 1

        surname_initial, initial = initials_table()
        debtors, arrears, repayments, reversals, write_offs = [], [], [], [], []
        from core.validators import national_id_check_char

        per_village = {}
        for i, village in enumerate(arrear_village):
            per_village.setdefault(village, []).append(i)
        first_cleared_today = {v: idx[0] for v, idx in per_village.items() if v in cleared_today}
        wo_rate = (self.n_repayments * 0.002) / max(1, self.n_arrears)

        for village in villages:
            indexes = per_village.get(village, [])
            if not indexes:
                continue
            n_debtors = max(1, -(-len(indexes) // 2))
            ids = list(range(debtor_id, debtor_id + n_debtors))
            for d in ids:
                if rng.random() < 0.05:
                    a, b, word = rng.choice(SURNAMES), rng.choice(SURNAMES), rng.choice(COMPANY)
                    kind, name, nid, credit = "organisation", a + b + word, "", ""
                    init = initial[a] + initial[b] + initial[word]
                else:
                    kind, name = "person", self.person_name()
                    first17 = f"371302{1950 + d % 50:04d}{1 + d % 12:02d}{1 + d % 28:02d}{d % 1000:03d}"
                    # unique within the village (its debtors have consecutive ids)
                    nid = first17 + national_id_check_char(first17) if rng.random() < 0.8 else ""
                    credit = ""
                    init = surname_initial[name[0]] + "".join(initial[c] for c in name[1:])
                black = rng.random() < 0.02
                suing = rng.random() < 0.03
                debtors.append((
                    str(d), kind, name, init, nid, credit,
                    f"13{rng.randrange(10**9):09d}" if rng.random() < 0.7 else "", f"{name[0]}家胡同{d % 90 + 1}号",
                    "t" if black else "f", "拒不履行还款承诺" if black else "",
                    (CAMPAIGN_START - timedelta(days=rng.randint(10, 400))).isoformat() if black else None,
                    "filed" if suing else "none", f"（2026）鲁1302民初{d % 9000 + 1000}号" if suing else "",
                    self.ts(-rng.randrange(150 * DAY_US, 400 * DAY_US)), str(village),
                ))
            debtor_id += n_debtors
            lo_cap = days - 1
            if village in cleared_before:
                lo_cap = days - 4
            elif village in cleared_today:
                lo_cap = days - 2
            elif village in stalled:
                lo_cap = stalled[village]
            p = perf[village]
            for j, i in enumerate(indexes):
                a_id = arrear_id + i
                principal = max(50_000, min(300_000_000, int(rng.lognormvariate(13.6, 1.0))))  # cents
                if village not in cleared and rng.random() < 0.05:
                    created = rng.randrange(0, days) * DAY_US + rng.randrange(8 * HOUR_US, 18 * HOUR_US)
                else:
                    created = -rng.randrange(HOUR_US, 120 * DAY_US)
                created_day = max(0, created // DAY_US)
                incurred = (self.base + timedelta(microseconds=created)).date() - timedelta(days=rng.randint(200, 2000))
                k = counts[i]
                if village in cleared:
                    total = principal
                elif k == 0:
                    total = 0
                else:
                    f = 1.0 if rng.random() < 0.6 * p else rng.uniform(0.0, p)
                    total = min(principal, max(k, int(principal * f)))
                if k == 0:
                    parts = []
                elif k == 1:
                    parts = [total]
                else:
                    cuts = sorted(rng.sample(range(1, total), k - 1))
                    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
                reversed_cents = 0
                for m, amount in enumerate(parts):
                    if village in cleared_today and i == first_cleared_today[village] and m == 0:
                        t = (days - 1) * DAY_US + rng.randrange(9 * HOUR_US, 15 * HOUR_US)
                    else:
                        day = rng.randint(min(created_day, lo_cap), max(created_day, lo_cap))
                        t = day * DAY_US + self.time_of_day()
                        if t <= created:
                            t = created + rng.randrange(1, HOUR_US)
                    kind = KINDS[0]
                    r = rng.randrange(100)
                    for kind_index, edge in enumerate(KIND_CUM):
                        if r < edge:
                            kind = KINDS[kind_index]
                            break
                    recorded = self.ts(t)
                    received = (self.base + timedelta(microseconds=t)).date()
                    if rng.random() < 0.2:
                        received -= timedelta(days=rng.randint(1, 2))
                    r_id = repayment_id
                    repayment_id += 1
                    repayments.append((
                        str(r_id), fmt_cents(amount), kind, received.isoformat(),
                        f"SJ{r_id:09d}" if kind in ("cash", "transfer") else "",
                        "" if rng.random() < 0.9 else "分期还款", recorded, self.token(), str(a_id), str(self.user_id),
                    ))
                    if village not in cleared and rng.random() < 0.01:
                        if rng.random() < 0.5:
                            later = rng.randrange(60 * 10**6, 2 * HOUR_US)
                        else:
                            later = rng.randrange(HOUR_US, 72 * HOUR_US)
                        reversals.append((
                            str(reversal_id), rng.choice(["金额录入错误", "重复录入", "票据作废"]),
                            self.ts(t + later), str(self.user_id), str(r_id),
                        ))
                        reversal_id += 1
                        reversed_cents += amount
                written = 0
                remaining = principal - total
                if remaining > 0 and village not in cleared and rng.random() < wo_rate:
                    written = remaining if rng.random() < 0.6 else rng.randrange(1, remaining + 1)
                    day = rng.randint(min(created_day, lo_cap), max(created_day, lo_cap))
                    t = max(created + 1, day * DAY_US + rng.randrange(8 * HOUR_US, 18 * HOUR_US))
                    write_offs.append((
                        str(writeoff_id), fmt_cents(written), f"镇经管〔2026〕{writeoff_id}号",
                        rng.choice(["债务人死亡无财产可供执行", "超过诉讼时效", "企业注销"]),
                        self.ts(t), self.token(), str(a_id), str(self.user_id),
                    ))
                    writeoff_id += 1
                outstanding = principal - total + reversed_cents - written
                assert 0 <= outstanding <= principal
                debtor = ids[j] if j < n_debtors else rng.choice(ids)
                category = rng.choices(CATEGORIES, weights=CATEGORY_WEIGHTS)[0]
                arrears.append((
                    str(a_id), category, "", incurred.isoformat(), fmt_cents(principal), fmt_cents(outstanding),
                    self.ts(created), str(self.user_id), str(village), str(self.campaign.pk), str(debtor),
                ))
            assert len(repayments) <= self.n_repayments
        assert len(repayments) == self.n_repayments, (len(repayments), self.n_repayments)
        arrears.sort(key=lambda row: int(row[0]))
        return debtors, arrears, repayments, reversals, write_offs

    def build(self):
        from django.db import connection

        started = time.perf_counter()
        self.build_places()
        debtors, arrears, repayments, reversals, write_offs = self.plan()
        planned = time.perf_counter()
        log(f"  {self.code}: planned {len(debtors):,} debtors, {len(arrears):,} arrears, {len(repayments):,} repayments, "
            f"{len(reversals):,} reversals, {len(write_offs):,} write-offs in {planned - started:.1f} s")
        tables = [
            ("recovery_debtor", ["id", "kind", "name", "name_initials", "national_id", "credit_code", "phone", "address",
                                 "is_blacklisted", "blacklist_reason", "blacklisted_on", "litigation_status",
                                 "case_number", "created_at", "village_id"], debtors),
            ("recovery_arrear", ["id", "category", "description", "incurred_on", "principal", "outstanding",
                                 "created_at", "created_by_id", "village_id", "campaign_id", "debtor_id"], arrears),
            ("recovery_repayment", ["id", "amount", "kind", "received_on", "receipt_number", "note", "recorded_at",
                                    "submission_token", "arrear_id", "recorded_by_id"], repayments),
            ("recovery_reversal", ["id", "reason", "recorded_at", "recorded_by_id", "repayment_id"], reversals),
            ("recovery_writeoff", ["id", "amount", "approval_reference", "reason", "recorded_at", "submission_token",
                                   "arrear_id", "recorded_by_id"], write_offs),
        ]
        for table, columns, rows in tables:
            t0 = time.perf_counter()
            copy_rows(table, columns, rows)
            with connection.cursor() as cursor:
                reset_sequence(cursor, table)
            log(f"    COPY {table}: {len(rows):,} rows in {time.perf_counter() - t0:.1f} s")
        return {"reversals": len(reversals), "write_offs": len(write_offs)}


def bench_user():
    from core.models import User

    user, _ = User.objects.get_or_create(username="bench-recorder", defaults={"display_name": "基准录入员"})
    return user


def wipe():
    from django.db import connection

    from villages.models import Township

    refuse_foreign_data(
        townships=Township.objects.exclude(code__startswith=BIG_CODE), username=BENCH_USERNAMES,
        hint="Use a dedicated database (createdb -h 127.0.0.1 -U root qs_bench).",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reports_report, recovery_reversal, recovery_writeoff, recovery_repayment, recovery_arrear, "
            "recovery_debtor, recovery_campaign, villages_assignment, villages_village, villages_workarea, "
            "villages_zone, villages_township RESTART IDENTITY CASCADE"
        )


def data_present(args):
    from recovery.models import Arrear, Repayment
    from villages.models import Village

    for code, spec in ((BIG_CODE, vars(args)), (SMALL_CODE, SMALL)):
        if Village.objects.filter(work_area__zone__township__code=code).count() != spec["villages"]:
            return False
        if Arrear.objects.filter(campaign__township__code=code).count() != spec["arrears"]:
            return False
        if Repayment.objects.filter(arrear__campaign__township__code=code).count() != spec["repayments"]:
            return False
    return True


def check_consistency():
    """Every arrear: repayments (reversed or not) + write-offs <= principal, and
    outstanding = principal - active repayments - write-offs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            WITH p AS (SELECT p.arrear_id, SUM(p.amount) AS paid,
                              SUM(CASE WHEN r.id IS NULL THEN p.amount ELSE 0 END) AS active
                       FROM recovery_repayment p LEFT JOIN recovery_reversal r ON r.repayment_id = p.id
                       GROUP BY p.arrear_id),
                 w AS (SELECT arrear_id, SUM(amount) AS written FROM recovery_writeoff GROUP BY arrear_id)
            SELECT COUNT(*) FILTER (WHERE COALESCE(p.paid, 0) + COALESCE(w.written, 0) > a.principal),
                   COUNT(*) FILTER (WHERE a.outstanding <> a.principal - COALESCE(p.active, 0) - COALESCE(w.written, 0)),
                   COUNT(*)
            FROM recovery_arrear a LEFT JOIN p ON p.arrear_id = a.id LEFT JOIN w ON w.arrear_id = a.id
        """)
        over, wrong, total = cursor.fetchone()
        cursor.execute("""SELECT COUNT(*) FROM recovery_reversal r JOIN recovery_repayment p ON p.id = r.repayment_id
                          WHERE r.recorded_at < p.recorded_at""")
        (early,) = cursor.fetchone()
    if over or wrong or early:
        sys.exit(f"generated data inconsistent: {over} arrears over-repaid, {wrong} with a wrong outstanding, "
                 f"{early} reversals before their repayment")
    log(f"  consistency: {total:,} arrears, entries within principal, outstanding = principal - active - written off: ok")


def ensure_data(args):
    from django.db import connection

    if args.reuse and data_present(args):
        log("data: --reuse, the data set is already there (counts match); generation skipped")
        return None
    if args.reuse:
        log("data: --reuse asked, but the data set is missing or has other counts: generating")
    started = time.perf_counter()
    wipe()
    user = bench_user()
    stats = {}
    for code, name, spec, seed in (
        (BIG_CODE, "基准县城关镇", vars(args), args.seed),
        (SMALL_CODE, "基准小镇", SMALL, args.seed + 1),
    ):
        ledger = Ledger(code=code, name=name, villages=spec["villages"], arrears=spec["arrears"],
                        repayments=spec["repayments"], days=args.days, seed=seed, user_id=user.pk)
        stats[code] = ledger.build()
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("recovery_debtor", "recovery_arrear", "recovery_repayment", "recovery_reversal",
                      "recovery_writeoff", "villages_village", "villages_workarea", "villages_zone",
                      "villages_assignment"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    log(f"  VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s")
    check_consistency()
    elapsed = time.perf_counter() - started
    log(f"data: generated in {elapsed:.1f} s")
    return {"seconds": elapsed, **stats}


# ---- what is timed -----------------------------------------------------------------

def campaign_of(code):
    from recovery.models import Campaign

    return Campaign.objects.select_related("township").get(township__code=code)


def last_day(campaign):
    return campaign.end_date


FLOOR_SQL = """
WITH arr AS (
    SELECT village_id, SUM(principal) AS baseline
    FROM recovery_arrear
    WHERE campaign_id = %(campaign)s AND created_at <= %(cutoff)s
    GROUP BY village_id
), rep AS (
    SELECT a.village_id,
           SUM(p.amount) FILTER (WHERE p.kind IN %(cash_kinds)s) AS cash,
           SUM(p.amount) FILTER (WHERE p.kind NOT IN %(cash_kinds)s) AS offs,
           SUM(p.amount) FILTER (WHERE p.recorded_at > %(previous)s) AS today
    FROM recovery_repayment p JOIN recovery_arrear a ON a.id = p.arrear_id
    WHERE a.campaign_id = %(campaign)s AND p.recorded_at <= %(cutoff)s
    GROUP BY a.village_id
), rev AS (
    SELECT a.village_id,
           SUM(p.amount) FILTER (WHERE p.kind IN %(cash_kinds)s) AS cash,
           SUM(p.amount) FILTER (WHERE p.kind NOT IN %(cash_kinds)s) AS offs,
           SUM(p.amount) FILTER (WHERE r.recorded_at > %(previous)s) AS today
    FROM recovery_reversal r JOIN recovery_repayment p ON p.id = r.repayment_id
         JOIN recovery_arrear a ON a.id = p.arrear_id
    WHERE a.campaign_id = %(campaign)s AND r.recorded_at <= %(cutoff)s
    GROUP BY a.village_id
), wo AS (
    SELECT a.village_id, SUM(w.amount) AS written
    FROM recovery_writeoff w JOIN recovery_arrear a ON a.id = w.arrear_id
    WHERE a.campaign_id = %(campaign)s AND w.recorded_at <= %(cutoff)s
    GROUP BY a.village_id
)
SELECT v.id,
       COALESCE(arr.baseline, 0) AS baseline,
       COALESCE(rep.cash, 0) - COALESCE(rev.cash, 0) AS cash,
       COALESCE(rep.offs, 0) - COALESCE(rev.offs, 0) AS offs,
       COALESCE(rep.today, 0) - COALESCE(rev.today, 0) AS today,
       COALESCE(wo.written, 0) AS written,
       COALESCE(arr.baseline, 0) - COALESCE(rep.cash, 0) + COALESCE(rev.cash, 0)
           - COALESCE(rep.offs, 0) + COALESCE(rev.offs, 0) - COALESCE(wo.written, 0) AS outstanding
FROM villages_village v
     JOIN villages_workarea wa ON wa.id = v.work_area_id
     JOIN villages_zone z ON z.id = wa.zone_id
     LEFT JOIN arr ON arr.village_id = v.id
     LEFT JOIN rep ON rep.village_id = v.id
     LEFT JOIN rev ON rev.village_id = v.id
     LEFT JOIN wo ON wo.village_id = v.id
WHERE z.township_id = %(township)s
"""


def sql_floor(campaign, day):
    from django.db import connection

    from recovery.choices import CASH_KINDS
    from reports.selectors import cutoff_for

    params = {
        "campaign": campaign.pk, "township": campaign.township_id,
        "cutoff": cutoff_for(campaign, day), "previous": cutoff_for(campaign, day - timedelta(days=1)),
        "cash_kinds": tuple(str(k) for k in CASH_KINDS),
    }
    with connection.cursor() as cursor:
        # psycopg 3 has no tuple adaptation for IN: spell the list out
        sql = FLOOR_SQL.replace("%(cash_kinds)s", "(" + ", ".join(f"'{k}'" for k in params.pop("cash_kinds")) + ")")
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


def compare(snapshot, floor):
    rows = snapshot.villages + snapshot.unranked
    assert len(rows) == len(floor), f"snapshot has {len(rows)} villages, the SQL floor {len(floor)}"
    bad = []
    for row in rows:
        mine = (row.baseline, row.recovered_cash, row.recovered_offset, row.recovered_today, row.written_off, row.outstanding)
        if tuple(mine) != tuple(floor[row.village_id]):
            bad.append((row.code, mine, floor[row.village_id]))
    assert not bad, f"{len(bad)} villages differ, e.g. {bad[:3]}"
    totals = snapshot.totals
    assert totals.baseline == sum(v[0] for v in floor.values())
    assert totals.outstanding == sum(v[5] for v in floor.values())


def snapshot_queries(campaign):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.selectors import report_snapshot

    with CaptureQueriesContext(connection) as ctx:
        snapshot = report_snapshot(campaign=campaign, day=last_day(campaign))
    return len(ctx.captured_queries), snapshot


BARE_COLUMNS = ["名次", "变化", "村居", "片区", "工作区", "基数", "累计清收", "今日清收", "今日名次", "完成比例", "尚欠", "灯", "清零"]


def bare_html(snapshot):
    from core.money import fmt_percent, fmt_yuan

    out = io.StringIO()
    out.write("<html><body><table><thead><tr>")
    out.write("".join(f"<th>{c}</th>" for c in BARE_COLUMNS))
    out.write("</tr></thead><tbody>")
    for r in snapshot.villages + snapshot.unranked:
        cells = [r.rank or "", r.rank_change, r.name, r.zone, r.work_area, fmt_yuan(r.baseline), fmt_yuan(r.recovered),
                 fmt_yuan(r.recovered_today), r.today_rank or "", fmt_percent(r.ratio), fmt_yuan(r.outstanding),
                 r.light_label, "清零" if r.cleared else ""]
        out.write("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    out.write("</tbody></table></body></html>")
    return out.getvalue()


def bare_pdf(snapshot):
    from weasyprint import HTML

    return HTML(string=bare_html(snapshot)).write_pdf()


def renderers():
    try:
        from reports.renderers import render_pdf, render_xlsx
    except ImportError as exc:
        log(f"  reports.renderers is not available ({exc}): PDF and Excel not timed")
        return None, None
    return render_pdf, render_xlsx


def only_build(mode):
    """Run in a fresh process: snapshot + PDF + Excel once (``mode`` "report"), or snapshot +
    the bare WeasyPrint table ("bare"), and print the peak RSS as JSON."""
    setup_django()
    from reports.selectors import report_snapshot

    campaign = campaign_of(BIG_CODE)
    render_pdf, render_xlsx = renderers()
    import weasyprint  # noqa: F401 - counted with the imports, not the build
    rss_setup = peak_rss_kb()
    t0 = time.perf_counter()
    snapshot = report_snapshot(campaign=campaign, day=last_day(campaign))
    rss_snapshot = peak_rss_kb()
    if mode == "bare":
        render_pdf, render_xlsx = bare_pdf, None
    pdf = render_pdf(snapshot) if render_pdf else b""
    rss_pdf = peak_rss_kb()
    xlsx = render_xlsx(snapshot) if render_xlsx else b""
    print(json.dumps({
        "maxrss_kb": peak_rss_kb(), "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "after_setup_kb": rss_setup, "after_snapshot_kb": rss_snapshot, "after_pdf_kb": rss_pdf,
        "seconds": time.perf_counter() - t0, "pdf_bytes": len(pdf), "xlsx_bytes": len(xlsx),
        "renderers": bool(render_pdf),
    }))


def profile(label, fn, limit=25):
    listings = []
    profiled(fn, label, listings, limit, strip_dirs=True)
    for listing in listings:
        log(f"\n{listing}")


# ---- report ------------------------------------------------------------------------

def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--villages", type=int, default=960)
    parser.add_argument("--arrears", type=int, default=200_000)
    parser.add_argument("--repayments", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60, help="length of the campaign; the report is for its last day")
    parser.add_argument("--seed", type=int, default=20260901)
    parser.add_argument("--runs", type=int, default=5, help="timed snapshot/SQL runs after a warm-up (best and median shown)")
    parser.add_argument("--pdf-runs", type=int, default=3, help="timed PDF and Excel runs after a warm-up")
    parser.add_argument("--reuse", action="store_true", help="keep the data set if it is already there")
    parser.add_argument("--profile", action="store_true", help="also print cProfile of the snapshot and the PDF")
    parser.add_argument("--only-build", choices=["report", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only_build:
        return only_build(args.only_build)

    setup_django()
    from django.db import connection

    log(f"database: {connection.settings_dict['NAME']} on {connection.settings_dict['HOST'] or 'local socket'}; "
        f"{os.cpu_count()} CPUs")
    t0 = time.perf_counter()
    migrate()
    log(f"migrate: {time.perf_counter() - t0:.1f} s")
    generated = ensure_data(args)

    from recovery.models import Repayment, Reversal, WriteOff
    from reports.selectors import report_snapshot

    campaign = campaign_of(BIG_CODE)
    small = campaign_of(SMALL_CODE)
    day = last_day(campaign)
    counts = {
        "repayments": Repayment.objects.filter(arrear__campaign=campaign).count(),
        "reversals": Reversal.objects.filter(repayment__arrear__campaign=campaign).count(),
        "write_offs": WriteOff.objects.filter(arrear__campaign=campaign).count(),
    }
    log(f"report: {campaign.township.name} / {campaign.name}, day {day} (campaign day {(day - campaign.start_date).days + 1}), "
        f"{counts['repayments']:,} repayments, {counts['reversals']:,} reversals, {counts['write_offs']:,} write-offs")

    # The daily case: yesterday's report is published, so the chart's past days are read
    # from it (published reports never change). Publish it once if it is missing.
    from reports.services import report_build

    for each in (campaign, small):
        t0 = time.perf_counter()
        previous = last_day(each) - timedelta(days=1)
        _, built = report_build(campaign=each, day=previous)
        if built:
            log(f"published {each.township.name}'s report for the previous day ({previous}): {time.perf_counter() - t0:.1f} s")

    # a, b. the snapshot and its queries; the SQL floor
    log(f"\n[a] report_snapshot, and [b] the SQL floor (interleaved: a warm-up, then {args.runs} runs of each)")
    (snapshot, snap_times), (floor, floor_times) = timed_pair(
        lambda: report_snapshot(campaign=campaign, day=day), lambda: sql_floor(campaign, day), args.runs
    )
    (_, catchup_times), _ = timed_pair(
        lambda: report_snapshot(campaign=campaign, day=day - timedelta(days=2)), lambda: None, max(1, args.runs // 2)
    )
    log(f"  for information, a day whose previous report is missing (series read from the ledger): {fmt_s(catchup_times)}")
    q_big, _ = snapshot_queries(campaign)
    q_small, small_snapshot = snapshot_queries(small)
    log(f"  snapshot: {fmt_s(snap_times)}; {len(snapshot.villages)} ranked + {len(snapshot.unranked)} unranked villages, "
        f"{len(snapshot.duties)} duties, {len(snapshot.series)} series points")
    log(f"  queries: {q_big} for {len(snapshot.villages) + len(snapshot.unranked)} villages, "
        f"{q_small} for {len(small_snapshot.villages) + len(small_snapshot.unranked)} villages")
    t = snapshot.totals
    log(f"  totals: baseline {t.baseline:,}, recovered {t.recovered:,} (cash {t.recovered_cash:,}, offset "
        f"{t.recovered_offset:,}), today {t.recovered_today:,}, written off {t.written_off:,}, outstanding "
        f"{t.outstanding:,}, ratio {t.ratio}, cleared {t.villages_cleared}, idle today {t.villages_idle_today}")

    log("\n[b] SQL floor: one statement, per-village figures")
    compare(snapshot, floor)
    compare(small_snapshot, sql_floor(small, last_day(small)))
    log(f"  floor: {fmt_s(floor_times)}; figures agree ({len(floor)} villages; and the small township's)")

    # c, d. PDF and Excel
    render_pdf, render_xlsx = renderers()
    log("\n[c] PDF")
    have_renderers = render_pdf is not None
    render_pdf = render_pdf or (lambda snapshot: None)
    (pdf, pdf_times), (bare, bare_times) = timed_pair(lambda: render_pdf(snapshot), lambda: bare_pdf(snapshot), args.pdf_runs)
    if pdf is None:
        pdf_times = None
    log(f"  bare WeasyPrint table ({len(BARE_COLUMNS)} columns x {len(snapshot.villages) + len(snapshot.unranked)} rows, "
        f"no CSS): {fmt_s(bare_times)}, {len(bare) / 1024:.0f} KiB")
    xlsx_times = None
    if pdf_times:
        log(f"  render_pdf: {fmt_s(pdf_times)}, {len(pdf) / 1024:.0f} KiB")
        out = BASE_DIR / "var" / "bench"
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.pdf").write_bytes(pdf)
        (out / "bare.pdf").write_bytes(bare)
        log("\n[d] Excel")
        xlsx, xlsx_times = timed(lambda: render_xlsx(snapshot), args.pdf_runs)
        (out / "report.xlsx").write_bytes(xlsx)
        log(f"  render_xlsx: {fmt_s(xlsx_times)}, {len(xlsx) / 1024:.0f} KiB (files in {out})")

    # e. peak memory, in a fresh process
    log("\n[e] peak memory: snapshot + PDF + Excel in a fresh process")
    builds = {}
    for mode, label in (("report", "snapshot + render_pdf + render_xlsx"), ("bare", "for comparison, snapshot + bare table PDF")):
        try:
            b = builds[mode] = run_child(__file__, "--only-build", mode)[0]
        except ChildFailed as failed:
            log(f"  the {mode} build process failed:\n{failed}")
            continue
        log(f"  {label}: peak RSS (VmHWM) {b['maxrss_kb'] / 1024:.0f} MB (after imports {b['after_setup_kb'] / 1024:.0f} MB, "
            f"after snapshot {b['after_snapshot_kb'] / 1024:.0f} MB, after PDF {b['after_pdf_kb'] / 1024:.0f} MB); "
            f"{b['seconds']:.1f} s in a cold process" + ("" if b["renderers"] else " (no renderers: snapshot only)"))
    build = builds.get("report")

    # the table
    rows = []

    def row(name, value, floor_value, ratio_text, target, ok):
        rows.append((name, value, floor_value, ratio_text, target, "PASS" if ok else "MISS" if ok is not None else "n/a"))

    snap_ratio = min(snap_times) / min(floor_times)
    row("snapshot (s)", f"{min(snap_times):.3f}", f"{min(floor_times):.3f}", f"{snap_ratio:.2f}x", f"<= {TARGET_SNAPSHOT}x SQL floor",
        snap_ratio <= TARGET_SNAPSHOT)
    if pdf_times:
        pdf_ratio = min(pdf_times) / min(bare_times)
        row("PDF (s)", f"{min(pdf_times):.2f}", f"{min(bare_times):.2f}", f"{pdf_ratio:.2f}x", f"<= {TARGET_PDF}x bare render",
            pdf_ratio <= TARGET_PDF)
        row("Excel (s)", f"{min(xlsx_times):.2f}", "-", "-", "(no target)", None)
    else:
        row("PDF (s)", "not built", f"{min(bare_times):.2f}", "-", f"<= {TARGET_PDF}x bare render", False)
        row("Excel (s)", "not built", "-", "-", "(no target)", None)
    if build:
        mb = build["maxrss_kb"] / 1024
        bare_mb = f"{builds['bare']['maxrss_kb'] / 1024:.0f} (bare)" if "bare" in builds else "-"
        row("peak RSS (MB)", f"{mb:.0f}", bare_mb, "-", f"< {TARGET_RSS_MB} MB", mb < TARGET_RSS_MB and build["renderers"])
    else:
        row("peak RSS (MB)", "failed", "-", "-", f"< {TARGET_RSS_MB} MB", False)
    row("queries", f"{q_big} ({len(floor)} vil.)", f"{q_small} ({len(small_snapshot.villages) + len(small_snapshot.unranked)} vil.)",
        "-", "same for any number of villages", q_big == q_small)

    log("")
    for line in table_lines(("measure", "measured", "floor", "ratio", "target", "result"), rows):
        log(line)
    misses = [r[0] for r in rows if r[5] == "MISS"]
    if generated:
        log(f"\ndata generation: {generated['seconds']:.1f} s")
    log(f"\n{'MISS: ' + ', '.join(misses) if misses else 'all targets met'}")

    if args.profile:
        profile("report_snapshot", lambda: report_snapshot(campaign=campaign, day=day))
        if have_renderers:
            profile("render_pdf", lambda: render_pdf(snapshot))
        profile("bare WeasyPrint render", lambda: bare_pdf(snapshot))
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
