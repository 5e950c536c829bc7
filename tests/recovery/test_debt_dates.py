"""A debt's 发生日期 lies within 1949-10-01 … today, in the forms, the service, the ledger
import and (the lower bound) the database; and it never moves after the debt's earliest
entry, a repayment or a write-off."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from imports.choices import ImportStatus
from recovery.choices import ArrearCategory
from recovery.models import Arrear
from recovery.services import arrear_create, arrear_update
from tests.factories import ArrearFactory, pay, write_off
from tests.imports.test_import_completeness import validated, workbook_bytes

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 6, 30)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def create(debtor, campaign, user, incurred_on):
    return arrear_create(
        debtor=debtor, campaign=campaign, category=ArrearCategory.LOAN, principal=Decimal("1000.00"),
        incurred_on=incurred_on, created_by=user,
    )


def errors_of(excinfo):
    return excinfo.value.message_dict


# ---- the service -------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(1949, 10, 1), date(1990, 2, 28), TODAY])
def test_it_takes_a_debt_dated_from_1949_10_01_to_today(debtor, campaign, staff_user, day):
    assert create(debtor, campaign, staff_user, day).incurred_on == day


@pytest.mark.parametrize(("day", "message"), [
    (date(1, 1, 1), "发生日期 0001-01-01 早于 1949-10-01，请核对。"),
    (date(1949, 9, 30), "发生日期 1949-09-30 早于 1949-10-01，请核对。"),
    (date(2025, 7, 1), "发生日期 2025-07-01 晚于今天，请核对。"),
    (date(9999, 12, 31), "发生日期 9999-12-31 晚于今天，请核对。"),
])
def test_it_refuses_a_debt_dated_outside_1949_10_01_to_today(debtor, campaign, staff_user, day, message):
    with pytest.raises(ValidationError) as info:
        create(debtor, campaign, staff_user, day)
    assert errors_of(info) == {"incurred_on": [message]}
    assert not Arrear.objects.exists()


def test_it_keeps_a_debt_before_1949_10_01_out_of_the_database(debtor, campaign):
    with pytest.raises(IntegrityError), transaction.atomic():
        ArrearFactory(debtor=debtor, campaign=campaign, incurred_on=date(1949, 9, 30))


@pytest.mark.parametrize("day", [date(1949, 9, 30), date(9999, 12, 31)])
def test_it_refuses_to_move_a_debt_outside_1949_10_01_to_today(debtor, campaign, staff_user, day):
    arrear = create(debtor, campaign, staff_user, date(2019, 5, 13))
    with pytest.raises(ValidationError) as info:
        arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="", incurred_on=day)
    assert list(errors_of(info)) == ["incurred_on"]
    assert Arrear.objects.get(pk=arrear.pk).incurred_on == date(2019, 5, 13)


# ---- never after its earliest entry --------------------------------------------------------


def test_it_refuses_to_move_a_debt_after_its_earliest_repayment(debtor, campaign, staff_user):
    arrear = create(debtor, campaign, staff_user, date(2019, 5, 13))
    pay(arrear, "100.00", staff_user, received_on=date(2020, 3, 1))
    pay(arrear, "100.00", staff_user, received_on=date(2024, 1, 1))
    with pytest.raises(ValidationError) as info:
        arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="", incurred_on=date(2020, 3, 2))
    assert errors_of(info) == {"incurred_on": ["发生日期不能晚于这笔欠款最早的清收或核销日期 2020-03-01。"]}
    assert Arrear.objects.get(pk=arrear.pk).incurred_on == date(2019, 5, 13)
    assert arrear.incurred_on == date(2019, 5, 13)  # the object handed in is left as it was
    # Up to that day it may move, earlier too.
    arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="", incurred_on=date(2020, 3, 1))
    arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="", incurred_on=date(2001, 1, 1))
    assert Arrear.objects.get(pk=arrear.pk).incurred_on == date(2001, 1, 1)


def test_it_refuses_to_move_a_debt_after_a_reversed_repayment(debtor, campaign, staff_user):
    from tests.factories import reverse as reverse_repayment

    arrear = create(debtor, campaign, staff_user, date(2019, 5, 13))
    reverse_repayment(pay(arrear, "100.00", staff_user, received_on=date(2020, 3, 1)), staff_user)
    with pytest.raises(ValidationError):
        arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="", incurred_on=date(2021, 1, 1))


def test_it_refuses_to_move_a_debt_after_its_write_off(debtor, campaign, staff_user):
    arrear = create(debtor, campaign, staff_user, date(2019, 5, 13))
    with time_machine.travel(datetime(2024, 2, 1, 0, 30, tzinfo=SHANGHAI), tick=False):  # 2024-01-31 in UTC
        write_off(arrear, "100.00", staff_user)
    with pytest.raises(ValidationError) as info:
        arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="", incurred_on=date(2024, 2, 2))
    assert errors_of(info) == {"incurred_on": ["发生日期不能晚于这笔欠款最早的清收或核销日期 2024-02-01。"]}
    arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="", incurred_on=date(2024, 2, 1))


# ---- the forms -----------------------------------------------------------------------------


def test_it_offers_only_days_from_1949_10_01_to_today_in_the_form(client, debtor, campaign, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("recovery:arrear_add", kwargs={"debtor": debtor.pk})).content.decode()
    assert 'min="1949-10-01"' in page and 'max="2025-06-30"' in page


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1949-09-30", "2025-07-01"])
def test_it_shows_a_bad_debt_date_on_the_forms_field(client, debtor, campaign, staff_user, day):
    client.force_login(staff_user)
    response = client.post(reverse("recovery:arrear_add", kwargs={"debtor": debtor.pk}), {
        "campaign": campaign.pk, "category": ArrearCategory.LOAN, "incurred_on": day, "principal": "1000",
    })
    assert response.status_code == 200
    assert "发生日期" in "".join(response.context["form"].errors["incurred_on"])
    assert not Arrear.objects.exists()


def test_it_shows_a_date_after_the_first_repayment_on_the_edit_form(client, debtor, campaign, staff_user):
    arrear = create(debtor, campaign, staff_user, date(2019, 5, 13))
    pay(arrear, "100.00", staff_user, received_on=date(2020, 3, 1))
    client.force_login(staff_user)
    response = client.post(reverse("recovery:arrear_edit", args=[arrear.pk]), {
        "category": ArrearCategory.LOAN, "description": "", "incurred_on": "2021-01-01",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["incurred_on"] == ["发生日期不能晚于这笔欠款最早的清收或核销日期 2020-03-01。"]


# ---- the ledger import ---------------------------------------------------------------------


def test_it_refuses_ledger_debts_dated_outside_1949_10_01_to_today(township, village_a, staff_user, campaign):
    rows = [
        ["张三", "借款", "1949-10-01", "1000"],
        ["李四", "借款", "1949-9-30", "1000"],
        ["王五", "借款", "9999-12-31", "1000"],
        ["赵六", "借款", "0001-01-01", "1000"],
        ["孙七", "借款", "2025-7-1", "1000"],
    ]
    batch = validated(workbook_bytes(rows, headers=["姓名", "类别", "发生日期", "欠款金额"]), township=township, user=staff_user, campaign=campaign)
    assert batch.status == ImportStatus.INVALID
    found = {p["row"]: p["message"] for p in batch.problems}
    assert set(found) == {3, 4, 5, 6} and all(p["header"] == "发生日期" and p["column"] == 2 for p in batch.problems)
    assert found[3] == "1949-09-30 早于 1949-10-01，请核对。"
    assert found[6] == "2025-07-01 晚于今天。"
