"""Every list has a sort picker among its folded filters: on a phone the rows are cards with
no column headers to tap, so the picker is how a list is put in another order there."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ArrearFactory, DebtorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debtors(arrear, village_b, campaign):
    """张三 (东岭村) owes 1,000.00; 李四 (西河村) owes 800.00; 王五 (西河村) owes 5,000.00."""
    ArrearFactory(debtor=DebtorFactory(village=village_b, name="李四"), campaign=campaign, principal=Decimal("800.00"))
    ArrearFactory(debtor=DebtorFactory(village=village_b, name="王五"), campaign=campaign, principal=Decimal("5000.00"))


def _picker(html):
    return re.search(r'<select name="sort" id="id_sort">(.*?)</select>', html, re.S).group(1)


def _names_in_order(html, names):
    return sorted(names, key=html.index)


@pytest.mark.parametrize("name", [
    "recovery:debtor_list", "recovery:arrear_list", "recovery:repayment_list", "contracts:contract_list",
    "villages:village_list", "reports:report_list", "imports:batch_list",
])
def test_each_list_offers_its_sortable_columns_both_ways(client, staff_user, name):
    client.force_login(staff_user)
    picker = _picker(client.get(reverse(name)).content.decode())
    assert picker.startswith('<option value="" selected>默认顺序</option>')
    assert picker.count("从小到大") == picker.count("从大到小") >= 1


def test_it_sorts_by_the_picked_column_and_shows_the_pick(client, staff_user, debtors):
    client.force_login(staff_user)
    html = client.get(reverse("recovery:debtor_list"), {"sort": "-outstanding_total"}).content.decode()
    assert '<option value="-outstanding_total" selected>尚欠金额 从大到小</option>' in _picker(html)
    table = html[html.index('<table'):]
    assert _names_in_order(table, ["张三", "李四", "王五"]) == ["王五", "张三", "李四"]
    # Columns that cannot be sorted are not offered.
    assert "状态 从小到大" not in _picker(html)


def test_the_pick_is_not_counted_as_a_filter(client, staff_user):
    client.force_login(staff_user)
    html = client.get(reverse("recovery:debtor_list"), {"sort": "name"}).content.decode()
    assert re.search(r'class="filters-toggle-label">筛选</label>', html)
