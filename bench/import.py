#!/usr/bin/env python
"""Ledger-import benchmark ("Big files": 100,000 arrear rows imported in the background).

    .venv/bin/python bench/import.py [--rows 100000] [--layout single|villages] [--runs 1] [--profile]
    .venv/bin/python bench/import.py --sqlite --rows 20000

1. sets up a database of its own: PostgreSQL ``qs_import_bench`` on 127.0.0.1 (created if
   missing; ``--db`` for another URL), or with ``--sqlite`` a fresh SQLite file under
   /tmp/qs_import_bench; migrates it; adds a township with 40 villages, a campaign and a
   经管中心录入员 (staff) of the township.
2. generates (openpyxl write-only, fixed seed) a township's arrears ledger of ``--rows`` rows
   as villages really send them: a merged title row, a line with the unit, the template's
   headers, then rows; a 合计 row and a signature line under the table. Debtors have 1-3
   arrears each, about half the people a 身份证号 (text, valid check character), a few
   organisations a 统一社会信用代码; categories by label or alias; dates as Excel dates and
   as text (2019-5-13, 2019年5月13日, 2019.5.13, 2019/05/13); amounts as numbers and as text
   (12,345.50 / 3000元 / ￥1,234.00); some rows with a 尚欠金额. ``--layout single`` (the
   default) is one sheet with a 村居 column; ``--layout villages`` one sheet per village,
   named after it. The file is then rewritten as Excel and WPS save one (shared strings, a
   ``<dimension>``; ``--raw-openpyxl`` keeps openpyxl's inline strings). It is cached in
   /tmp/qs_import_bench keyed by rows, villages, layout and seed, with the expected figures
   beside it (a .json).
3. measures, in fresh processes started one after the other:
   - the floor: openpyxl ``load_workbook(read_only=True, data_only=True)`` iterating every
     row of every sheet with ``values_only=True``, before and after each import;
   - the import through the services, as the Celery tasks run them: ``import_batch_create``
     (upload check, file saved), ``import_batch_validate`` (read, check, match, preview, plan
     saved), ``import_batch_confirm``, ``import_batch_run`` (one transaction). The queueing
     on commit is replaced by nothing: the bench calls the task bodies itself. The main parts
     inside the steps (reading, matching, saving the plan, debtors, arrears, commit) are
     timed too. One process does all four steps, like a worker running both tasks;
     ``--split`` validates in one process and runs in another;
   - the peak resident set (VmHWM, not ru_maxrss) of the process doing only the import, step
     by step (VmHWM is reset between steps through /proc/self/clear_refs), and of a bare
     Django process (settings, the import modules, one query) for context.
   Then it checks what was written: arrears of the batch = data rows, their principals,
   outstanding and ledger amounts sum to the file's (in Decimal), debtors = the file's.
4. prints measure / figure / target / PASS or FAIL: total import <= 3x the floor, peak RSS
   < 300 MB. Exits 0 whatever the targets say (a benchmark, not a test); non-zero if it cannot
   run, the import fails, or what it wrote differs from the file. ``--profile`` adds one more
   import under cProfile and prints its listings.

Only a database holding nothing but this benchmark's data (township ``IMPBENCH``, user
``import-bench-staff``) is wiped. See bench/README.md for the figures.
"""

import argparse
import json
import os
import random
import re
import resource
import shutil
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    NUMERALS,
    VILLAGE_FIRST,
    ChildFailed,
    argument_parser,
    django_setup,
    log,
    mb,
    peak_rss_kb,
    person_name,
    profiled,
    refuse_foreign_data,
    reset_peak_rss,
    run_child,
    status_kb,
    table_lines,
)

WORK_DIR = Path(os.environ.get("IMPORT_BENCH_DIR", "/tmp/qs_import_bench"))
DEFAULT_DB = "postgres://root@127.0.0.1:5432/qs_import_bench"
TOWNSHIP_CODE = "IMPBENCH"
TOWNSHIP_NAME = "基准镇"
STAFF_USERNAME = "import-bench-staff"
GENERATOR_VERSION = 2  # bump when the generated file changes, to refresh the cache

TARGET_RATIO = 3.0
TARGET_RSS_MB = 300


# ---- set-up ------------------------------------------------------------------------

def database_url(args):
    if args.sqlite:
        return f"sqlite:///{WORK_DIR / 'bench.sqlite3'}"
    return args.db


def ensure_pg_database(url):
    """CREATE DATABASE when it is missing (connecting to the server's ``postgres`` database)."""
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def setup_django(url):
    # Uploads, plans, the progress cache and the Celery file broker go here, not to var/.
    django_setup(database_url=url, var_dir=WORK_DIR / "var")


# ---- the township ------------------------------------------------------------------

VILLAGE_SECOND = ["家庄", "家洼", "家屯", "官庄", "集", "楼", "店", "寨", "营", "庙", "坡", "岭", "河", "桥",
                  "湖", "沟", "园", "堡", "塘", "台", "峪", "湾", "埠", "坊", "铺", "岗"]


def village_names(count):
    """The same names for a given count, whatever the seed: the cached file must match."""
    names = [a + b + "村" for a in VILLAGE_FIRST for b in VILLAGE_SECOND]
    random.Random(40).shuffle(names)
    return names[:count]


def village_code(index):
    return f"IB-V{index + 1:03d}"


def ensure_township(n_villages):
    """Township, one zone, work areas of ten villages, the campaign, the staff user. Kept
    between runs; -> (township, campaign, staff)."""
    from django.contrib.auth.models import Group

    from core.models import User
    from core.roles import GROUP_NAMES, Role
    from recovery.models import Campaign
    from villages.models import Township, Village, WorkArea, Zone

    township, created = Township.objects.get_or_create(code=TOWNSHIP_CODE, defaults={"name": TOWNSHIP_NAME})
    if created or Village.objects.filter(work_area__zone__township=township).count() != n_villages:
        Village.objects.filter(work_area__zone__township=township).delete()
        WorkArea.objects.filter(zone__township=township).delete()
        Zone.objects.filter(township=township).delete()
        zone = Zone.objects.create(township=township, code="IB-Z1", name="第一片区", order=1)
        areas = [
            WorkArea.objects.create(zone=zone, code=f"IB-W{w + 1}", name=f"第{NUMERALS[w % 10]}工作区", order=w + 1)
            for w in range(-(-n_villages // 10))
        ]
        Village.objects.bulk_create(
            Village(work_area=areas[v // 10], code=village_code(v), name=name, order=v + 1)
            for v, name in enumerate(village_names(n_villages))
        )
    campaign = Campaign.objects.filter(township=township).first()
    if campaign is None:
        campaign = Campaign(
            township=township, name="清收清欠百日攻坚", start_date=date(2026, 9, 1), end_date=date(2026, 12, 31),
            target_ratio=Decimal("0.8000"),
        )
        campaign.full_clean()
        campaign.save()
    staff, _ = User.objects.get_or_create(
        username=STAFF_USERNAME, defaults={"display_name": "基准录入员", "township": township},
    )
    if staff.township_id != township.pk:
        staff.township = township
        staff.save(update_fields=["township"])
    staff.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.STAFF])[0])
    return township, campaign, staff


def guard_foreign_data():
    from villages.models import Township

    refuse_foreign_data(
        townships=Township.objects.exclude(code=TOWNSHIP_CODE), username=STAFF_USERNAME,
        hint="Give bench/import.py a database of its own (--db).",
    )


def wipe_ledger():
    """Empty the ledger and the import batches (the township, campaign and user stay), and
    the stored uploads."""
    from django.db import connection

    from contracts.models import Contract
    from imports.models import ImportBatch
    from recovery.models import Arrear, Debtor, Repayment, Reversal, WriteOff

    guard_foreign_data()
    models = [Reversal, WriteOff, Repayment, Arrear, Contract, Debtor, ImportBatch]
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    shutil.rmtree(WORK_DIR / "var" / "media" / "imports", ignore_errors=True)


# ---- the file ----------------------------------------------------------------------

COMPANY = ["农业专业合作社", "养殖场", "建材厂", "商贸有限公司", "家庭农场", "砖厂", "建筑工程有限公司"]
REGIONS = ["371302", "371311", "371312", "371321", "371322", "371323", "371324", "371325"]
# label or alias as written -> category (for the cached figures); weights
CATEGORIES = [("承包费", "contract_fee", 30), ("土地承包费", "contract_fee", 6), ("租赁费", "lease_fee", 16),
              ("租金", "lease_fee", 4), ("借款", "loan", 14), ("借支", "loan", 3), ("占用集体资金", "occupied_funds", 9),
              ("工程款", "construction", 8), ("工程欠款", "construction", 2), ("其他", "other", 8)]
DESCRIPTIONS = {
    "contract_fee": ["{y}年度东洼地块承包费", "{y}年度果园承包费", "{y}—{y2}年度鱼塘承包费"],
    "lease_fee": ["村办公楼沿街房{y}年租金", "{y}年度场院租赁费"],
    "loan": ["{y}年借支村集体资金", "借款（有借条）"],
    "occupied_funds": ["原村会计占用集体资金", "{y}年修路款未交回"],
    "construction": ["{y}年村道硬化工程预付款", "水利工程款多付部分"],
    "other": ["", "{y}年度电费代垫款"],
}
HEADERS = ["村居", "*姓名", "欠款人类型", "身份证号", "统一社会信用代码", "联系电话", "地址", "*类别", "说明",
           "*发生日期", "*欠款金额", "尚欠金额"]


def cached_paths(args):
    stem = f"arrears-{args.rows}r-{args.villages}v-{args.layout}-s{args.seed}-g{GENERATOR_VERSION}"
    stem += "-raw" if args.raw_openpyxl else ""
    return WORK_DIR / f"{stem}.xlsx", WORK_DIR / f"{stem}.json"


def _yuan_text(cents, commas=True):
    whole = f"{cents // 100:,}" if commas else str(cents // 100)
    return f"{whole}.{cents % 100:02d}"


class LedgerFile:
    """Plans the debtors and arrears of each village, then writes them. Amounts in cents."""

    def __init__(self, *, rows, villages, layout, seed, raw=False):
        self.n_rows, self.layout, self.raw = rows, layout, raw
        self.villages = village_names(villages)
        self.rng = random.Random(seed)
        self.used_ids, self.used_codes = set(), set()
        self.category_cum = []
        acc = 0
        for _, _, weight in CATEGORIES:
            acc += weight
            self.category_cum.append(acc)

    def person_name(self):
        return person_name(self.rng)

    def national_id(self):
        from core.validators import national_id_check_char

        rng = self.rng
        while True:
            born = date(1945, 1, 1) + timedelta(days=rng.randrange(0, 20_000))
            first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + national_id_check_char(first17)

    def credit_code(self):
        from core.validators import uscc_check_char

        while True:
            first17 = f"91371302MA{self.rng.randrange(10**7):07d}"
            if first17 not in self.used_codes:
                self.used_codes.add(first17)
                return first17 + uscc_check_char(first17)

    def phone(self):
        rng = self.rng
        r = rng.random()
        if r < 0.65:
            return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
        if r < 0.75:
            return f"0539-{rng.randrange(2, 9)}{rng.randrange(10**6):06d}"
        return None

    def debtors_of(self, village, n_rows):
        """Debtors of one village owing ``n_rows`` arrears between them (1-3 each)."""
        rng = self.rng
        debtors, names, id_names = [], set(), {}
        left = n_rows
        while left > 0:
            count = min(left, rng.choice((1, 2, 2, 3, 3)))
            left -= count
            d = {"count": count, "always_id": False, "national_id": "", "credit_code": ""}
            r = rng.random()
            if r < 0.04:
                d["kind"] = "单位"
                while True:
                    d["name"] = rng.choice(VILLAGE_FIRST) + village[:2] + rng.choice(COMPANY)
                    if d["name"] not in names:
                        break
                d["credit_code"] = self.credit_code()
            elif r < 0.52:
                d["kind"] = "个人"
                d["national_id"] = self.national_id()
                if id_names and rng.random() < 0.03:
                    # same name as another person of the village: told apart by the ID only
                    other = rng.choice(list(id_names.values()))
                    d["name"] = other["name"]
                    d["always_id"] = other["always_id"] = True
                else:
                    d["name"] = self._new_name(names)
                id_names[d["national_id"]] = d
            else:
                d["kind"] = "个人"
                d["name"] = self._new_name(names)
            names.add(d["name"])
            d["phone"] = self.phone()
            d["address"] = f"{village}{rng.randrange(1, 12)}组" if rng.random() < 0.7 else None
            debtors.append(d)
        return debtors

    def _new_name(self, names):
        while True:
            name = self.person_name()
            if name not in names:
                return name

    def arrears_of(self, debtor):
        """-> [(label, category, incurred_on, amount_cents, outstanding_cents or None)]."""
        rng = self.rng
        arrears, keys = [], set()
        while len(arrears) < debtor["count"]:
            label, category, _ = CATEGORIES[rng.choices(range(len(CATEGORIES)), cum_weights=self.category_cum)[0]]
            incurred = date(2005, 1, 1) + timedelta(days=rng.randrange(0, 7600))  # to 2025-10
            amount = max(5_000, min(300_000_000, int(rng.lognormvariate(13.2, 1.1))))
            if rng.random() < 0.3:
                amount -= amount % 10_000  # round yuan amounts are common
                amount = max(amount, 10_000)
            key = (category, incurred, amount)
            if key in keys:
                continue
            keys.add(key)
            outstanding = rng.randrange(1, amount + 1) if rng.random() < 0.2 else None
            arrears.append((label, category, incurred, amount, outstanding))
        return arrears

    def date_cell(self, day):
        r = self.rng.random()
        if r < 0.70:
            return datetime(day.year, day.month, day.day)
        if r < 0.82:
            return f"{day.year}-{day.month}-{day.day}"
        if r < 0.90:
            return f"{day.year}年{day.month}月{day.day}日"
        if r < 0.95:
            return f"{day.year}.{day.month}.{day.day}"
        return f"{day:%Y/%m/%d}"

    def amount_cell(self, cents):
        r = self.rng.random()
        if r < 0.72:
            return cents // 100 if cents % 100 == 0 else cents / 100
        if r < 0.87:
            return _yuan_text(cents)
        if r < 0.96:
            return _yuan_text(cents, commas=False).removesuffix(".00") + "元"
        return "￥" + _yuan_text(cents)

    def description(self, category, day):
        text = self.rng.choice(DESCRIPTIONS[category])
        return text.format(y=day.year, y2=day.year + 2) or None

    def write(self, path):
        """Write the workbook -> expected figures (rows, debtors, principal)."""
        from openpyxl import Workbook

        rng = self.rng
        per_village = [0] * len(self.villages)
        weights = [rng.uniform(0.3, 1.7) for _ in self.villages]
        for index in rng.choices(range(len(self.villages)), weights=weights, k=self.n_rows):
            per_village[index] += 1
        workbook = Workbook(write_only=True)
        single = self.layout == "single"
        headers = HEADERS if single else HEADERS[1:]
        sheet = None
        expected = {"rows": 0, "debtors": 0, "principal_cents": 0, "ledger_cents": 0, "sheets": 0,
                    "with_national_id": 0, "organisations": 0, "text_dates": 0, "text_amounts": 0, "with_outstanding": 0}
        sheet_total = 0
        for index, village in enumerate(self.villages):
            if sheet is None or not single:
                if sheet is not None:
                    self._foot(sheet, sheet_total, len(headers))
                title = "全镇欠款台账" if single else village
                sheet = self._head(workbook, title, f"{TOWNSHIP_NAME}{'' if single else village}农村集体经济组织欠款台账", headers)
                sheet_total = 0
                expected["sheets"] += 1
            debtors = self.debtors_of(village, per_village[index])
            rows = []
            for debtor in debtors:
                expected["debtors"] += 1
                expected["organisations"] += debtor["kind"] == "单位"
                for n, (label, category, incurred, amount, outstanding) in enumerate(self.arrears_of(debtor)):
                    owed = outstanding if outstanding is not None else amount
                    expected["principal_cents"] += owed
                    expected["ledger_cents"] += amount
                    sheet_total += amount
                    show_id = n == 0 or debtor["always_id"] or rng.random() < 0.8
                    national_id = (debtor["national_id"] if show_id else None) or None
                    expected["with_national_id"] += bool(national_id)
                    date_value, amount_value = self.date_cell(incurred), self.amount_cell(amount)
                    expected["text_dates"] += isinstance(date_value, str)
                    expected["text_amounts"] += isinstance(amount_value, str)
                    expected["with_outstanding"] += outstanding is not None
                    kind = debtor["kind"] if debtor["kind"] == "单位" or rng.random() < 0.4 else None
                    row = [
                        debtor["name"], kind, national_id, debtor["credit_code"] or None, debtor["phone"],
                        debtor["address"], label, self.description(category, incurred), date_value, amount_value,
                        outstanding / 100 if outstanding is not None else None,
                    ]
                    if single:
                        row.insert(0, village if rng.random() < 0.95 else village_code(index))
                    rows.append(row)
            rng.shuffle(rows)  # a debtor's arrears are not always next to each other
            for row in rows:
                sheet.append(row)
            expected["rows"] += len(rows)
        self._foot(sheet, sheet_total, len(headers))
        workbook.save(path)
        if not self.raw:
            as_excel_saves_it(path)
        return expected

    @staticmethod
    def _head(workbook, title, heading, headers):
        from openpyxl.utils import get_column_letter

        sheet = workbook.create_sheet(title)
        for column, width in enumerate((12, 14, 10, 21, 21, 14, 16, 12, 24, 12, 14, 14)[-len(headers):], start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        last = get_column_letter(len(headers))
        sheet.merged_cells.add(f"A1:{last}1")
        sheet.append([heading])
        sheet.append([f"填报单位：{TOWNSHIP_NAME}经管中心", None, None, None, None, None, None, None, "单位：元"])
        sheet.append(headers)
        return sheet

    @staticmethod
    def _foot(sheet, total_cents, width):
        sheet.append([])
        sheet.append(["合计"] + [None] * (width - 3) + [total_cents / 100, None])
        sheet.append(["制表人：张丽", None, None, "审核：王建国", None, None, "填报日期：2026年11月20日"])


_INLINE_RE = re.compile(r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"(?: ?/>|><is><t( xml:space="preserve")?>(.*?)</t></is></c>)')
_CELL_REF_RE = re.compile(r'<c r="([A-Z]+)\d+"')
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def as_excel_saves_it(path):
    """Rewrite an openpyxl write-only file the way Excel and WPS save one: text in a shared
    strings table (``t="s"``), not inline (openpyxl 3.1 writes every string inline), and a
    ``<dimension>`` at the top of each sheet (openpyxl write-only leaves it out, which makes
    every read-only reader scan the whole sheet once more on opening it)."""
    import zipfile

    from openpyxl.utils import column_index_from_string

    strings, index = [], {}

    def shared(match):
        ref, style, preserve, text = match.groups()
        if text is None:  # an empty string cell: Excel does not store one
            return f'<c r="{ref}"{style}/>' if style else ""
        key = (preserve or "", text)  # text stays XML-escaped as openpyxl wrote it
        number = index.get(key)
        if number is None:
            number = index[key] = len(strings)
            strings.append(key)
        return f'<c r="{ref}"{style} t="s"><v>{number}</v></c>'

    count = 0
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    out = []
    for info, data in members:
        name = info.filename
        if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
            xml = data.decode()
            count += xml.count('t="inlineStr"')
            xml = _INLINE_RE.sub(shared, xml)
            rows = re.findall(r'<row r="(\d+)"', xml)
            columns = set(_CELL_REF_RE.findall(xml))
            if rows and columns:
                last = max(columns, key=column_index_from_string)
                dimension = f'<dimension ref="A1:{last}{rows[-1]}"/>'
                if "</sheetPr>" in xml:
                    xml = xml.replace("</sheetPr>", "</sheetPr>" + dimension, 1)
                else:
                    xml = re.sub(r"(<worksheet[^>]*>)", r"\1" + dimension, xml, count=1)
            data = xml.encode()
        elif name == "[Content_Types].xml":
            data = data.replace(b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'.encode())
        elif name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/></Relationships>'.encode())
        out.append((info.filename, data))
    sst = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" uniqueCount="{len(strings)}">']
    sst += [f"<si><t{preserve}>{text}</t></si>" for preserve, text in strings]
    sst.append("</sst>")
    out.append(("xl/sharedStrings.xml", "".join(sst).encode()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in out:
            target.writestr(name, data)


def ensure_file(args):
    path, meta_path = cached_paths(args)
    if path.exists() and meta_path.exists():
        log(f"file: {path} (cached)")
        return path, json.loads(meta_path.read_text())
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    expected = LedgerFile(rows=args.rows, villages=args.villages, layout=args.layout, seed=args.seed,
                          raw=args.raw_openpyxl).write(path)
    meta_path.write_text(json.dumps(expected, indent=1))
    log(f"file: generated {path} in {time.perf_counter() - t0:.1f} s")
    return path, expected


# ---- what is measured (each in a fresh process) -------------------------------------

def only_floor(path):
    """openpyxl alone: read-only, values only, every row of every sheet."""
    from openpyxl import load_workbook

    rss_setup = peak_rss_kb()
    t0 = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = cells = 0
    for sheet in workbook.worksheets:
        for values in sheet.iter_rows(values_only=True):
            rows += 1
            cells += len(values)
    workbook.close()
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "rows": rows, "cells": cells, "maxrss_kb": peak_rss_kb(),
                      "after_setup_kb": rss_setup}))


def only_baseline(url):
    """A bare Django process with the import's modules loaded and one query made."""
    setup_django(url)
    import openpyxl  # noqa: F401

    import imports.services  # noqa: F401
    import recovery.imports  # noqa: F401
    from villages.models import Township

    Township.objects.filter(code=TOWNSHIP_CODE).first()
    print(json.dumps({"maxrss_kb": peak_rss_kb()}))


PARTS = [  # (module, attribute, label): timed inside the steps when present
    ("imports.services", "read_ledger", "read + check rows"),
    ("recovery.imports.ArrearsLedger", "plan", "match (plan)"),
    ("imports.services", "_save_plan", "save plan (pickle)"),
    ("imports.services", "write_annotated_copy", "annotated copy"),
    ("imports.services", "_load_plan", "load plan"),
    ("recovery.imports", "ledger_debtors_create", "debtors"),
    ("recovery.imports", "ledger_arrears_create", "arrears"),
]


def instrument(parts, current):
    """Wrap the import's main parts with timers (in this process only): parts[(step, label)]
    accumulates seconds; ``current[0]`` names the step running."""
    from django.utils.module_loading import import_string

    for module, attribute, label in PARTS:
        try:
            owner = import_string(module) if module.endswith("Ledger") else __import__(module, fromlist=["_"])
            original = getattr(owner, attribute)
        except (ImportError, AttributeError):
            continue

        def timed(*args, _original=original, _label=label, **kwargs):
            t0 = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                key = f"{current[0]}: {_label}"
                parts[key] = parts.get(key, 0.0) + time.perf_counter() - t0

        setattr(owner, attribute, timed)


def only_import(url, path, *, profile=False, steps="all", batch_id=None):
    """In this (fresh) process: upload and validate (``steps`` "upload"), confirm and run a
    validated batch (``steps`` "run", ``batch_id``), or all four ("all"). Prints times, the
    parts' times and the peak resident set of each step as JSON."""
    setup_django(url)
    from django.core.files.uploadedfile import UploadedFile
    from django.db import connections

    import imports.services as services
    import recovery.imports  # noqa: F401 - loaded by the worker's first import, not timed
    from core.models import User
    from imports.choices import ImportStatus
    from imports.models import ImportBatch
    from recovery.models import Campaign

    services._queue = lambda step, batch_id: None  # the bench runs the tasks' bodies itself
    campaign = Campaign.objects.select_related("township").get(township__code=TOWNSHIP_CODE)
    staff = User.objects.get(username=STAFF_USERNAME)
    times, listings, parts, current = {}, [], {}, [""]
    peaks, before = {"setup": peak_rss_kb()}, {}
    separate = True
    if not profile:
        instrument(parts, current)
        connection = connections["default"]
        commit = connection.commit

        def timed_commit():
            t0 = time.perf_counter()
            commit()
            key = f"{current[0]}: commit"
            parts[key] = parts.get(key, 0.0) + time.perf_counter() - t0

        connection.commit = timed_commit

    def step(name, fn):
        nonlocal separate
        current[0] = name
        before[name] = status_kb("VmRSS")
        separate = reset_peak_rss() and separate
        t0 = time.perf_counter()
        result = profiled(fn, name, listings) if profile else fn()
        times[name] = time.perf_counter() - t0
        peaks[name] = peak_rss_kb()
        return result

    outcome = {}
    if steps in ("all", "upload"):
        with open(path, "rb") as stream:
            upload = UploadedFile(file=stream, name="全镇欠款台账.xlsx", size=os.path.getsize(path),
                                  content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            batch = step("create", lambda: services.import_batch_create(
                kind="arrears", township=campaign.township, upload=upload, uploaded_by=staff, campaign=campaign))
        batch = step("validate", lambda: services.import_batch_validate(batch_id=batch.pk))
    else:
        batch = ImportBatch.objects.get(pk=batch_id)
    outcome.update(batch_id=batch.pk, row_count=batch.row_count, error_count=batch.error_count,
                   problems=batch.problems[:5], preview=batch.preview.get("summary"))
    if steps in ("all", "run") and batch.status == ImportStatus.READY:
        batch = step("confirm", lambda: services.import_batch_confirm(batch=batch, confirmed_by=staff))
        batch = step("run", lambda: services.import_batch_run(batch_id=batch.pk))
        outcome.update(failure=batch.failure, receipt=batch.receipt.get("summary"))
    for listing in listings:
        print(listing)
    print(json.dumps({"status": batch.status, "times": times, "peaks_kb": peaks, "rss_before_kb": before,
                      "maxrss_kb": max(peaks.values()), "peaks_separate": separate, "parts": parts,
                      "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, **outcome}, default=str))


def import_once(args, path, profile=False):
    """One import in a fresh process, or (``--split``) validate in one and run in another, as
    two Celery tasks may be -> the merged JSON (and any profile listings)."""
    mode = "import-profile" if profile else "import"
    if not args.split:
        return child(args, "--only", mode, "--file", str(path))
    first, listings = child(args, "--only", mode, "--file", str(path), "--steps", "upload")
    if first["status"] != "ready":
        return first, listings
    second, more = child(args, "--only", mode, "--file", str(path), "--steps", "run", "--batch", str(first["batch_id"]))
    merged = dict(second)
    for key in ("times", "peaks_kb", "rss_before_kb", "parts"):
        merged[key] = {**first[key], **second[key]}
    merged["peaks_kb"]["setup"] = max(first["peaks_kb"]["setup"], second["peaks_kb"]["setup"])
    merged["maxrss_kb"] = max(first["maxrss_kb"], second["maxrss_kb"])
    merged["peaks_separate"] = first["peaks_separate"] and second["peaks_separate"]
    return merged, "\n".join(filter(None, (listings, more)))


def child(args, *extra):
    """Run this script in a fresh process -> (its JSON, the lines printed before it)."""
    try:
        return run_child(__file__, "--db", args.db, *(["--sqlite"] if args.sqlite else []), *extra)
    except ChildFailed as failed:
        sys.exit(str(failed))


def verify(outcome, expected):
    """What the batch wrote against what the file holds -> list of differences."""
    from django.db.models import Count, Q

    from imports.models import ImportBatch
    from recovery.models import Arrear, Debtor

    batch = ImportBatch.objects.get(pk=outcome["batch_id"])
    # Summed here in Decimal, not with Sum(): SQLite sums decimals as floats (180119177.100002).
    arrears = {"n": 0, "principal": Decimal(0), "outstanding": Decimal(0)}
    ledger = Decimal(0)
    for principal, outstanding, ledger_amount in Arrear.objects.filter(import_batch=batch).values_list(
        "principal", "outstanding", "ledger_amount"
    ).iterator(chunk_size=10_000):
        arrears["n"] += 1
        arrears["principal"] += principal
        arrears["outstanding"] += outstanding
        ledger += ledger_amount if ledger_amount is not None else principal
    debtors = Debtor.objects.filter(import_batch=batch).aggregate(
        n=Count("pk"), ids=Count("pk", filter=~Q(national_id="")), orgs=Count("pk", filter=~Q(credit_code="")))
    principal = Decimal(expected["principal_cents"]) / 100
    checks = [
        ("batch status", batch.status, "imported"),
        ("data rows read", batch.row_count, expected["rows"]),
        ("arrears created", arrears["n"], expected["rows"]),
        ("sum of principals", arrears["principal"], principal),
        ("sum of outstanding", arrears["outstanding"], principal),
        ("sum of ledger amounts", ledger, Decimal(expected["ledger_cents"]) / 100),
        ("debtors created", debtors["n"], expected["debtors"]),
        ("organisations", debtors["orgs"], expected["organisations"]),
    ]
    return [(name, got, want) for name, got, want in checks if got != want], arrears, debtors


# ---- main --------------------------------------------------------------------------

def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="arrear rows in the file")
    parser.add_argument("--villages", type=int, default=40)
    parser.add_argument("--layout", choices=["single", "villages"], default="single",
                        help="one sheet with a 村居 column, or one sheet per village")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--raw-openpyxl", action="store_true",
                        help="keep openpyxl's own output (inline strings, no <dimension>) instead of rewriting it as Excel saves files")
    parser.add_argument("--runs", type=int, default=1, help="imports (each in a fresh process, floor reads between them)")
    parser.add_argument("--db", default=DEFAULT_DB, help=f"PostgreSQL URL of a database of the bench's own (default {DEFAULT_DB})")
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite file under /tmp/qs_import_bench instead")
    parser.add_argument("--split", action="store_true",
                        help="validate in one process and run in another (two Celery tasks), instead of one process")
    parser.add_argument("--profile", action="store_true", help="one more import under cProfile (validate and run), listed")
    parser.add_argument("--only", choices=["floor", "baseline", "import", "import-profile"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--steps", choices=["all", "upload", "run"], default="all", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    url = database_url(args)
    if args.only == "floor":
        return only_floor(args.file)
    if args.only == "baseline":
        return only_baseline(url)
    if args.only in ("import", "import-profile"):
        return only_import(url, args.file, profile=args.only == "import-profile", steps=args.steps, batch_id=args.batch)

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    if args.sqlite:
        (WORK_DIR / "bench.sqlite3").unlink(missing_ok=True)
    else:
        ensure_pg_database(url)
    setup_django(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    log(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {os.cpu_count()} CPUs; "
        f"Python {sys.version.split()[0]}; openpyxl {__import__('openpyxl').__version__}")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrate: {time.perf_counter() - t0:.1f} s")
    guard_foreign_data()
    wipe_ledger()  # also lets ensure_township change the villages
    ensure_township(args.villages)
    path, expected = ensure_file(args)
    size = path.stat().st_size
    log(f"  {expected['rows']:,} arrear rows, {expected['debtors']:,} debtors ({expected['organisations']:,} organisations), "
        f"{expected['sheets']} sheet(s), {size / 1024 / 1024:.1f} MB; {expected['with_national_id']:,} rows with a 身份证号, "
        f"{expected['text_dates']:,} text dates, {expected['text_amounts']:,} text amounts, "
        f"{expected['with_outstanding']:,} with a 尚欠金额; principal {_yuan_text(expected['principal_cents'])} 元")
    if size > settings.IMPORT_MAX_BYTES:
        log(f"  NOTE: the file is larger than IMPORT_MAX_BYTES ({settings.IMPORT_MAX_BYTES / 1024 / 1024:.0f} MB): "
            "the upload will be refused; set IMPORT_MAX_BYTES to measure it anyway")

    baseline, _ = child(args, "--only", "baseline")
    log(f"\nbare Django process (settings, import modules, one query): peak RSS {mb(baseline['maxrss_kb']):.0f} MB")

    floors, imports = [], []

    def floor():
        result, _ = child(args, "--only", "floor", "--file", str(path))
        floors.append(result)
        log(f"[floor] openpyxl read-only, values only: {result['seconds']:.2f} s, {result['rows']:,} rows x "
            f"{result['cells'] // max(1, result['rows'])} cells; peak RSS {mb(result['maxrss_kb']):.0f} MB")

    floor()
    for run in range(args.runs):
        wipe_ledger()
        result, _ = import_once(args, path)
        t, p = result["times"], result["peaks_kb"]
        if result["status"] != "imported":
            log(f"[import] ended {result['status']}: {result.get('failure') or ''} "
                f"{result['error_count']} problems, e.g. {json.dumps(result['problems'], ensure_ascii=False)[:1500]}")
            sys.exit(1)
        wrong, arrears, debtors = verify(result, expected)
        result["wrong"] = wrong
        imports.append(result)
        total = sum(t.values())
        log(f"[import {run + 1}] create {t['create']:.2f} s, validate {t['validate']:.2f} s, confirm {t['confirm']:.2f} s, "
            f"run {t['run']:.2f} s; total {total:.2f} s")
        log("  of which " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result["parts"].items() if seconds >= 0.01))
        b = result["rss_before_kb"]
        log(f"  peak RSS (VmHWM) {mb(result['maxrss_kb']):.0f} MB; " + ", ".join(
            f"{name} {mb(b[name]):.0f} -> {mb(p[name]):.0f}" for name in ("create", "validate", "run"))
            + (" MB (resident at the start -> peak during each step)" if result["peaks_separate"]
               else " MB (resident at the start -> peak so far: VmHWM could not be reset)"))
        log(f"  wrote {arrears['n']:,} arrears ({arrears['principal']} 元) and {debtors['n']:,} debtors "
            f"({debtors['ids']:,} with a 身份证号, {debtors['orgs']:,} organisations): "
            + ("matches the file" if not wrong else f"DIFFERS: {wrong}"))
        floor()

    if args.profile:
        wipe_ledger()
        result, listings = import_once(args, path, profile=True)
        log(f"\n[profile] under cProfile: validate {result['times']['validate']:.1f} s, run {result['times'].get('run', 0):.1f} s")
        log(listings)

    best_floor = min(f["seconds"] for f in floors)
    totals = [sum(r["times"].values()) for r in imports]
    best = min(totals)
    peak = max(r["maxrss_kb"] for r in imports)
    ratio = best / best_floor
    wrong = [w for r in imports for w in r["wrong"]]
    best_times = imports[totals.index(best)]["times"]
    rows = [
        ("openpyxl read-only read (floor)", f"{best_floor:.2f} s", "-", ""),
        ("  validate (read, check, match, plan)", f"{best_times['validate']:.2f} s", "-", ""),
        ("  run (write, one transaction)", f"{best_times['run']:.2f} s", "-", ""),
        ("  create + confirm", f"{best_times['create'] + best_times['confirm']:.2f} s", "-", ""),
        ("import total", f"{best:.2f} s ({ratio:.2f}x floor)", f"<= {TARGET_RATIO:g}x floor ({TARGET_RATIO * best_floor:.1f} s)",
         "PASS" if ratio <= TARGET_RATIO else "FAIL"),
        ("peak RSS of the import process" + ("es" if args.split else ""), f"{mb(peak):.0f} MB", f"< {TARGET_RSS_MB} MB",
         "PASS" if mb(peak) < TARGET_RSS_MB else "FAIL"),
        ("  during validate / during run", f"{mb(max(r['peaks_kb']['validate'] for r in imports)):.0f} / "
         f"{mb(max(r['peaks_kb']['run'] for r in imports)):.0f} MB", "-", ""),
        ("  bare Django process", f"{mb(baseline['maxrss_kb']):.0f} MB", "-", ""),
        ("  openpyxl floor process", f"{mb(max(f['maxrss_kb'] for f in floors)):.0f} MB", "-", ""),
        ("arrears written = file", f"{expected['rows']:,} rows, {_yuan_text(expected['principal_cents'])} 元",
         "count and sum equal", "FAIL" if wrong else "PASS"),
    ]
    log(f"\n{args.rows:,} rows, {args.layout} layout, {connection.vendor}; best of {len(floors)} floor reads and "
        f"{len(imports)} import(s){', validate and run in separate processes' if args.split else ', in one process'}")
    for line in table_lines(("measure", "figure", "target", "result"), rows):
        log(line)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main() or 0)
