"""Query budgets: a page's number of SQL queries does not grow with its rows.

Each page is measured with a small ledger, then again after many more debtors, villages,
arrears and entries (repayments, reversals, write-offs) were added; the two counts must be
equal. Run with ``-s`` to see the counts.

The lists, their exports and the home pages share one ledger, built once for the module
(in a transaction rolled back at its end): every page is measured small, the ledger is
grown once, and each test measures its page again and compares.
"""

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from recovery.choices import ArrearCategory, RepaymentKind
from reports.models import Report
from tests.factories import (
    ArrearFactory,
    CampaignFactory,
    DebtorFactory,
    TownshipFactory,
    VillageFactory,
    WorkAreaFactory,
    ZoneFactory,
    cadre_of,
    leader_of,
    pay,
    publish_report,
    staff_of,
    write_off,
)
from tests.factories import reverse as reverse_entry
from tests.module_db import module_transaction

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI)
LISTS = ["villages:village_list", "recovery:debtor_list", "recovery:arrear_list", "recovery:repayment_list"]
EVERY_LIST = [*LISTS, "contracts:contract_list", "reports:report_list", "imports:batch_list"]
LIST_READERS = ["staff_user", "cadre_user"]
HOME_READERS = ["staff_user", "leader_user", "cadre_user"]
MORE = 20


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def grow_ledger(*, campaign, village_a, work_areas, users, count=MORE):
    """``count`` more debtors, half in 东岭村 (the cadre's village), half in new villages,
    each with an arrear, two repayments; some reversed, some written off, some firms."""
    for n in range(count):
        village = village_a if n % 2 == 0 else VillageFactory(work_area=work_areas[n % len(work_areas)])
        debtor = DebtorFactory(village=village, organisation=(n % 5 == 0))
        arrear = ArrearFactory(
            debtor=debtor, campaign=campaign, principal=Decimal("1000.00") + n,
            category=ArrearCategory.LEASE_FEE if n % 3 else ArrearCategory.LOAN,
        )
        user = users[n % len(users)]
        first = pay(arrear, "100.00", user, receipt_number=f"R{n}")
        pay(arrear, "50.00", users[(n + 1) % len(users)], kind=RepaymentKind.IN_KIND if n % 2 else RepaymentKind.TRANSFER)
        if n % 6 == 0:
            reverse_entry(first, users[(n + 1) % len(users)], reason=f"冲正{n}")
        if n % 4 == 0:
            write_off(arrear, "10.00", user)


def measure(client, url, params=None):
    """(number of queries, number of rows shown) of one GET, after a warm-up GET."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    if params and params.get("_export") == "xlsx":
        rows = load_workbook(BytesIO(response.content)).active.max_row - 1
    elif response.context and "table" in response.context:
        rows = len(response.context["table"].page.object_list)
    else:
        rows = None
    return len(queries.captured_queries), rows, queries


def assert_same_count(label, few, many):
    (few_count, few_rows, _), (many_count, many_rows, many_queries) = few, many
    print(f"\n{label}: {few_count} queries for {few_rows} rows, {many_count} queries for {many_rows} rows")
    if few_rows is not None:
        assert many_rows > few_rows, "the second measurement should show more rows"
    assert many_count == few_count, f"{label}: {few_count} queries grew to {many_count}; most repeated:\n" + _repeated(many_queries)


def _repeated(queries, top=3):
    """The SQL statements run most often (an N+1 shows as one statement run once per row)."""
    counts = Counter(q["sql"].split(" WHERE ")[0][:300] for q in queries.captured_queries)
    return "\n".join(f"{n}x {sql}" for sql, n in counts.most_common(top))


def _list_url(name, export):
    return reverse(name), ({"_export": "xlsx"} if export else {})


def _build_small_ledger():
    """The conftest's places and users, and its ledger: 张三 owes 东岭村 1,000.00 and paid
    100.00; 西河村 is owed 800.00."""
    township = TownshipFactory(code="LS", name="兰山街道")
    zone = ZoneFactory(township=township, code="S", name="南片区")
    work_areas = [WorkAreaFactory(zone=zone, code="1", name="第一工作区"), WorkAreaFactory(zone=zone, code="2", name="第二工作区")]
    village_a = VillageFactory(work_area=work_areas[0], code="LS-001", name="东岭村")
    village_b = VillageFactory(work_area=work_areas[1], code="LS-002", name="西河村")
    users = {
        "staff_user": staff_of(township, username="staff", display_name="经管员小王"),
        "leader_user": leader_of(township, username="leader", display_name="李主任"),
        "cadre_user": cadre_of(village_a, username="cadre_a", display_name="东岭村书记"),
    }
    campaign = CampaignFactory(township=township, name="2025年清收清欠攻坚行动")
    arrear = ArrearFactory(debtor=DebtorFactory(village=village_a, name="张三"), campaign=campaign, principal=Decimal("1000.00"))
    pay(arrear, "100.00", users["staff_user"])
    ArrearFactory(debtor__village=village_b, campaign=campaign, principal=Decimal("800.00"))
    return township, campaign, arrear, village_a, work_areas, users


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """Every list, export and home page measured with the small ledger (``few``), then the
    ledger grown once; the tests measure again. All rolled back when the module ends. (张三's
    page, measured by its own test, is not touched by the growth: the new debtors are others.)"""
    with time_machine.travel(NOW, tick=False), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            township, campaign, arrear, village_a, work_areas, users = _build_small_ledger()
            few = {}
            for reader in {*LIST_READERS, *HOME_READERS}:
                client = Client()
                client.force_login(users[reader])
                if reader in LIST_READERS:
                    for name in LISTS:
                        for export in (False, True):
                            few[reader, name, export] = measure(client, *_list_url(name, export))
                if reader in HOME_READERS:
                    few[reader, "home"] = measure(client, reverse("home"))
            # With a published report (of the day before: the ledger's entries all lie
            # after its cut-off, as do the ones grown below), the home pages and the villages
            # list read its snapshot and a grouped query over what came after.
            publish_report(campaign, date(2025, 6, 29))
            for reader in {*LIST_READERS, *HOME_READERS}:
                client = Client()
                client.force_login(users[reader])
                few[reader, "home", "report"] = measure(client, reverse("home"))
                few[reader, "villages", "report"] = measure(client, reverse("villages:village_list"))
            second_staff = staff_of(township, username="staff2", display_name="经管员小李")
            grow_ledger(campaign=campaign, village_a=village_a, work_areas=work_areas, users=[users["staff_user"], second_staff])
        yield {"few": few, "users": users, "arrear": arrear, "campaign": campaign, "second_staff": second_staff}


@pytest.fixture
def unpublished():
    """The pages as measured first, before the report was published."""
    Report.objects.update(is_current=False)


@pytest.mark.parametrize("export", [False, True], ids=["page", "xlsx"])
@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("reader", LIST_READERS)
def test_it_lists_in_a_fixed_number_of_queries(client, measured, unpublished, name, export, reader):
    client.force_login(measured["users"][reader])
    many = measure(client, *_list_url(name, export))
    assert_same_count(f"{name} {'xlsx' if export else 'page'} as {reader}", measured["few"][reader, name, export], many)


COUNTED_IN_MEMORY = {"villages:village_list"}


@pytest.mark.parametrize("export", [False, True], ids=["page", "xlsx"])
@pytest.mark.parametrize("name", EVERY_LIST)
def test_it_counts_a_list_once(client, measured, name, export):
    """A page counts its rows once, in the query that sums its totals (its paginator reuses
    that count); an export counts nothing (it shows every row, no pages, no totals). The
    villages list counts and sums its live rows in memory: no COUNT at all."""
    client.force_login(measured["users"]["staff_user"])
    _, _, queries = measure(client, *_list_url(name, export))
    counting = [q["sql"] for q in queries.captured_queries if q["sql"].upper().startswith("SELECT COUNT(")]
    assert len(counting) == (0 if export or name in COUNTED_IN_MEMORY else 1), "\n".join(counting)


@pytest.mark.parametrize("reader", HOME_READERS)
def test_it_shows_the_home_page_in_a_fixed_number_of_queries(client, measured, unpublished, reader):
    client.force_login(measured["users"][reader])
    many = measure(client, reverse("home"))
    assert_same_count(f"home as {reader}", measured["few"][reader, "home"], many)


@pytest.mark.parametrize("page", ["home", "villages"])
@pytest.mark.parametrize("reader", sorted({*LIST_READERS, *HOME_READERS}))
def test_it_shows_live_figures_after_a_published_report_in_a_fixed_number_of_queries(client, measured, page, reader):
    client.force_login(measured["users"][reader])
    many = measure(client, reverse("home" if page == "home" else "villages:village_list"))
    assert_same_count(f"{page} with a report as {reader}", measured["few"][reader, page, "report"], many)


@pytest.mark.parametrize("reader", ["staff_user", "leader_user", "cadre_user"])
def test_it_shows_a_debtor_with_many_entries_in_a_fixed_number_of_queries(client, measured, reader):
    arrear, campaign = measured["arrear"], measured["campaign"]
    staff_user, second_staff = measured["users"]["staff_user"], measured["second_staff"]
    pay(arrear, "100.00", staff_user)
    debtor = arrear.debtor
    client.force_login(measured["users"][reader])
    url = debtor.get_absolute_url()
    few = measure(client, url)

    for n in range(8):
        more = ArrearFactory(debtor=debtor, campaign=campaign, principal=Decimal("5000.00"))
        entries = [pay(more, "100.00", [staff_user, second_staff][(n + k) % 2], receipt_number=f"R{n}-{k}") for k in range(3)]
        reverse_entry(entries[0], [second_staff, staff_user][n % 2], reason=f"冲正{n}")
        write_off(more, "10.00", [staff_user, second_staff][n % 2])
    many = measure(client, url)

    page = client.get(url).content.decode()
    assert page.count('class="arrear"') == 9
    assert page.count('class="reversal-row"') == 8
    assert page.count('class="writeoff-row"') == 8
    assert_same_count(f"debtor detail as {reader}", few, many)
