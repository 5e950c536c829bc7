"""Query budgets: a page's number of SQL queries does not grow with its rows.

Each page is measured with a small ledger, then again after many more debtors, villages,
arrears and entries (repayments, reversals, write-offs) were added; the two counts must be
equal. Run with ``-s`` to see the counts.
"""

from collections import Counter
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from recovery.choices import ArrearCategory, RepaymentKind
from tests.factories import ArrearFactory, DebtorFactory, VillageFactory, pay, staff_of, write_off
from tests.factories import reverse as reverse_entry

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LISTS = ["villages:village_list", "recovery:debtor_list", "recovery:arrear_list", "recovery:repayment_list"]
MORE = 20


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def small_ledger(arrear, staff_user, village_b, campaign):
    """Two debtors, one in each village, one repayment."""
    pay(arrear, "100.00", staff_user)
    ArrearFactory(debtor__village=village_b, campaign=campaign, principal=Decimal("800.00"))


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


@pytest.fixture
def grow(township, campaign, village_a, work_area_a, work_area_b, staff_user):
    second_staff = staff_of(township, username="staff2", display_name="经管员小李")

    def _grow():
        grow_ledger(
            campaign=campaign, village_a=village_a,
            work_areas=[work_area_a, work_area_b], users=[staff_user, second_staff],
        )

    return _grow


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


@pytest.mark.parametrize("export", [False, True], ids=["page", "xlsx"])
@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("reader", ["staff_user", "cadre_user"])
def test_it_lists_in_a_fixed_number_of_queries(client, request, small_ledger, grow, name, export, reader):
    client.force_login(request.getfixturevalue(reader))
    url, params = reverse(name), ({"_export": "xlsx"} if export else {})
    few = measure(client, url, params)
    grow()
    many = measure(client, url, params)
    assert_same_count(f"{name} {'xlsx' if export else 'page'} as {reader}", few, many)


@pytest.mark.parametrize("reader", ["staff_user", "leader_user", "cadre_user"])
def test_it_shows_the_home_page_in_a_fixed_number_of_queries(client, request, small_ledger, grow, reader):
    client.force_login(request.getfixturevalue(reader))
    few = measure(client, reverse("home"))
    grow()
    many = measure(client, reverse("home"))
    assert_same_count(f"home as {reader}", few, many)


@pytest.mark.parametrize("reader", ["staff_user", "leader_user", "cadre_user"])
def test_it_shows_a_debtor_with_many_entries_in_a_fixed_number_of_queries(client, request, arrear, campaign, staff_user, township, reader):
    second_staff = staff_of(township, username="staff2", display_name="经管员小李")
    pay(arrear, "100.00", staff_user)
    debtor = arrear.debtor
    client.force_login(request.getfixturevalue(reader))
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
