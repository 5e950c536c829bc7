"""Every list: the count and the amounts of the filtered rows above the table; filters
folded behind one button that says how many are set; rows as labelled cards on a phone."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.choices import ContractCategory, ContractForm
from contracts.services import contract_create
from tests.factories import ArrearFactory, DebtorFactory, pay
from tests.factories import reverse as reverse_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(arrear, village_b, campaign, staff_user):
    """东岭村: 张三 owes 1,000.00, paid 100.00 and 50.00, the 50.00 reversed. 西河村: 李四
    owes 800.00. A contract of 东岭村 at 3,000.00 a year."""
    pay(arrear, "100.00", staff_user)
    reverse_entry(pay(arrear, "50.00", staff_user), staff_user)
    ArrearFactory(debtor=DebtorFactory(village=village_b, name="李四"), campaign=campaign, principal=Decimal("800.00"))
    contract_create(
        village=arrear.village, created_by=staff_user, number="DL-2025-001", counterparty_name="张三",
        category=ContractCategory.RESERVE_LAND, subject="东岭村北坡机动地", area_mu="12.50", annual_fee="3000.00",
        start_date=date(2020, 1, 1), end_date=date(2029, 12, 31), form=ContractForm.WRITTEN,
    )
    return arrear


def page(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("name", "count", "totals"), [
    ("recovery:debtor_list", 2, [("欠款金额", "1,800.00"), ("尚欠金额", "1,700.00")]),
    ("recovery:arrear_list", 2, [("欠款金额", "1,800.00"), ("尚欠金额", "1,700.00")]),
    # The reversed 50.00 is listed (and counted) but not summed.
    ("recovery:repayment_list", 2, [("金额合计（不含已冲正）", "100.00")]),
    ("villages:village_list", 2, [("欠款总额", "1,800.00"), ("已清收", "100.00"), ("尚欠", "1,700.00")]),
    ("contracts:contract_list", 1, [("年承包费", "3,000.00"), ("欠缴承包费", "0.00")]),
    ("reports:report_list", 0, []),
    ("imports:batch_list", 0, []),
])
def test_it_shows_the_totals_of_every_list(client, staff_user, ledger, name, count, totals):
    response = page(client, staff_user, name)
    assert response.context["row_count"] == count
    assert response.context["totals"] == totals
    html = response.content.decode()
    assert f'<span class="list-total list-count">共 {count} 条</span>' in html
    for label, value in totals:
        assert f'<span class="list-total-label">{label}</span> <span class="list-total-value">{value}</span> 元' in html
    assert "按当前筛选" not in html


def test_it_sums_only_the_filtered_rows(client, staff_user, ledger):
    response = page(client, staff_user, "recovery:debtor_list", village=ledger.village_id, status="partly_repaid")
    assert response.context["row_count"] == 1
    assert response.context["totals"] == [("欠款金额", "1,000.00"), ("尚欠金额", "900.00")]
    assert "按当前筛选" in response.content.decode()
    response = page(client, staff_user, "recovery:arrear_list", q="李四")
    assert response.context["row_count"] == 1
    assert response.context["totals"] == [("欠款金额", "800.00"), ("尚欠金额", "800.00")]


def test_a_cadre_sees_the_totals_of_their_own_village(client, cadre_user, ledger):
    response = page(client, cadre_user, "recovery:debtor_list")
    assert response.context["row_count"] == 1
    assert response.context["totals"] == [("欠款金额", "1,000.00"), ("尚欠金额", "900.00")]


def test_it_says_how_many_filters_are_set_on_the_folded_button(client, staff_user, ledger):
    html = page(client, staff_user, "recovery:debtor_list").content.decode()
    assert '<label for="filters-toggle" class="filters-toggle-label">筛选</label>' in html
    # The search box is not folded and not counted; village and status are.
    html = page(client, staff_user, "recovery:debtor_list", q="张", village=ledger.village_id, status="partly_repaid", kind="").content.decode()
    assert '<label for="filters-toggle" class="filters-toggle-label">筛选（2 项已选）</label>' in html
    search = html.index('class="filter-search"')
    assert search < html.index('class="filters-toggle-label"') < html.index('class="filter-fields"') < html.index('id="id_village"')


def test_it_labels_every_cell_for_the_phone_cards(client, staff_user, ledger):
    html = page(client, staff_user, "recovery:debtor_list").content.decode()
    assert '<table class="table table-cards">' in html
    assert 'data-label="姓名/名称" class="card-title"' in html
    assert 'data-label="尚欠金额" class="card-o1 num"' in html
    assert 'data-label="证件号（脱敏）" class="card-hide"' in html
    # The desktop's header keeps every column in table order.
    thead = html[html.index("<thead"):html.index("</thead>")]
    headers = [re.sub(r"<[^>]+>|\s", "", th) for th in re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)]
    assert headers == ["姓名/名称", "类型", "村居", "证件号（脱敏）", "电话（脱敏）", "欠款金额", "尚欠金额", "状态", "失信", "诉讼"]
