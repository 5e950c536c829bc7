"""Amounts as people type them, read the same way in the forms and in the ledger files
(``core.money.parse_decimal_text``): digits 0-9 with thousands separators where they belong,
full-width digits, 元/万元 where documented; not ``1_000``, ``1,2,3``, other scripts' digits,
exponents or NaN, each refused with a Chinese reason. The services, which code calls, take
only plain decimals."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts.services import contract_create
from core.forms import AreaFormField, MoneyFormField
from core.money import AmountTextError, parse_decimal_text, plain_decimal
from imports.cells import CellError, parse_amount, parse_area
from recovery.choices import RepaymentKind
from recovery.models import Repayment
from recovery.services import repayment_create

SHANGHAI = ZoneInfo("Asia/Shanghai")

ACCEPTED = [
    ("1000", Decimal("1000")),
    ("1,000", Decimal("1000")),
    ("12,345.67", Decimal("12345.67")),
    ("1,234,567.5", Decimal("1234567.5")),
    ("１２，３４５．６７", Decimal("12345.67")),
    (" 1 000 ", Decimal("1000")),
    ("¥1,000.00", Decimal("1000.00")),
    ("￥ 88", Decimal("88")),
    ("0.5", Decimal("0.5")),
]
REFUSED = [
    ("1_000", "数字中间不能有下划线"),
    ("1,2,3", "千位分隔符"),
    ("12,34", "千位分隔符"),
    ("1,0000", "千位分隔符"),
    (",100", "千位分隔符"),
    ("١٢٣", "只能用 0-9 的数字书写，不能用“١”"),
    ("۱۲۳", "只能用 0-9 的数字书写"),
    ("१२३", "只能用 0-9 的数字书写"),
    ("一百", "只能用 0-9 的数字书写，不能用“一”"),
    ("1E2", "不能用科学计数法"),
    ("1e-2", "不能用科学计数法"),
    ("2.5E+3", "不能用科学计数法"),
    ("NaN", "这不是数字"),
    ("Infinity", "这不是数字"),
    ("-inf", "这不是数字"),
    ("1.2.3", "只能有一个小数点"),
    ("12a", "含有不是数字的字符“a”"),
    ("0x10", "含有不是数字的字符“x”"),
    ("abc", ""),
    (".5", ""),
    ("5.", ""),
]


@pytest.mark.parametrize(("text", "number"), ACCEPTED)
def test_it_reads_an_amount_written_the_way_people_write_it(text, number):
    assert parse_decimal_text(text) == (number, None)


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_it_refuses_what_is_not_an_amount_and_says_why(text, reason):
    with pytest.raises(AmountTextError) as info:
        parse_decimal_text(text)
    assert reason in info.value.reason if reason else info.value.reason == ""


def test_it_takes_a_unit_only_where_the_caller_says():
    assert parse_decimal_text("12.3万元", units=("万元", "万", "元")) == (Decimal("12.3"), "万元")
    assert parse_decimal_text("12.3万", units=("万元", "万", "元")) == (Decimal("12.3"), "万")
    assert parse_decimal_text("100 元", units=("元",)) == (Decimal("100"), "元")
    with pytest.raises(AmountTextError):
        parse_decimal_text("12.3万元", units=("元",))
    assert parse_decimal_text("-5") == (Decimal("-5"), None)  # the caller refuses it, saying so


# ---- the forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "number"), [*ACCEPTED, ("100元", Decimal("100"))])
def test_it_takes_a_typed_amount_in_a_money_field(text, number):
    assert MoneyFormField().clean(text) == number


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_it_refuses_what_is_not_an_amount_in_a_money_field_with_the_reason(text, reason):
    with pytest.raises(ValidationError) as info:
        MoneyFormField().clean(text)
    (message,) = info.value.messages
    assert message.startswith("请输入有效金额，例如 1234.50") and reason in message


@pytest.mark.parametrize(("text", "message"), [
    ("1.234", "金额最多保留两位小数（分）。"),
    ("12.3万元", "请输入有效金额，例如 1234.50：这里不能写单位“万元”。"),  # the form is in 元, as its label says
    ("0", "金额必须大于 0。"),
])
def test_it_keeps_the_money_fields_other_rules(text, message):
    with pytest.raises(ValidationError) as info:
        MoneyFormField().clean(text)
    assert info.value.messages == [message]


def test_it_reads_an_area_field_the_same_way():
    assert AreaFormField().clean("1,234.5亩") == Decimal("1234.5")
    with pytest.raises(ValidationError, match="千位分隔符"):
        AreaFormField().clean("1,2,3亩")
    with pytest.raises(ValidationError, match="不能用科学计数法"):
        AreaFormField().clean("1E2")


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1_000", "1,2,3", "١٢٣", "1E2", "NaN"])
def test_it_refuses_a_junk_amount_on_the_repayment_form_and_records_nothing(client, staff_user, arrear, amount):
    with time_machine.travel(datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        client.force_login(staff_user)
        url = reverse("recovery:repayment_add")
        token = client.get(url, {"arrear": arrear.pk}).context["form"].initial["submission_token"]
        response = client.post(url, {
            "arrear": arrear.pk, "submission_token": token, "amount": amount, "kind": RepaymentKind.CASH,
            "received_on": "2025-06-30",
        })
    assert response.status_code == 200
    (message,) = response.context["form"].errors["amount"]
    assert message.startswith("请输入有效金额") and message in response.content.decode()
    assert not Repayment.objects.exists()


# ---- the ledger files ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_it_refuses_what_is_not_an_amount_in_a_ledger_cell_with_the_reason(text, reason):
    with pytest.raises(CellError) as info:
        parse_amount(text)
    assert info.value.message.startswith(f"无法识别的金额：“{text}”。{reason}")


@pytest.mark.parametrize(("text", "number"), [*ACCEPTED[:-1], ("12.3万元", Decimal("123000.00")), ("1,000元", Decimal("1000.00"))])
def test_it_reads_a_typed_amount_in_a_ledger_cell(text, number):
    assert parse_amount(text) == number


def test_it_refuses_an_area_cell_in_another_script():
    with pytest.raises(CellError, match="只能用 0-9 的数字书写"):
        parse_area("١٢亩")


# ---- the services ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1_000", "1,000", "١٢٣", "1E2", "NaN", "１００", 100.0, True])
def test_it_takes_only_plain_decimals_from_code(value):
    with pytest.raises(ValueError):
        plain_decimal(value)
    assert plain_decimal(" 12.50 ") == Decimal("12.50") and plain_decimal(3) == Decimal(3)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1_000", "١٢٣", "1E2"])
def test_it_refuses_a_junk_amount_in_the_services(staff_user, arrear, village_a, amount):
    with pytest.raises(ValidationError) as info:
        repayment_create(arrear=arrear, amount=amount, kind=RepaymentKind.CASH, received_on=None, recorded_by=staff_user)
    assert info.value.message_dict == {"amount": ["金额不是有效数字。"]}
    with pytest.raises(ValidationError) as info:
        contract_create(
            village=village_a, created_by=staff_user, number="DL-1", counterparty_name="张三", category="reserve_land",
            subject="地块", area_mu="1", annual_fee=amount, start_date="2020-01-01", end_date="2029-12-31", form="written",
        )
    assert info.value.message_dict["annual_fee"] == ["年承包费不是有效数字。"]
