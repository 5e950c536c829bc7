from decimal import Decimal

import pytest
from django.db import models

from core.money import (
    ZERO,
    MoneyField,
    fmt_percent,
    fmt_wan,
    fmt_yuan,
    has_at_most_cents,
    ratio,
    to_money,
)


def test_it_defines_every_money_column_as_a_decimal_with_two_places():
    field = MoneyField("金额")
    assert isinstance(field, models.DecimalField)
    assert (field.max_digits, field.decimal_places) == (14, 2)
    assert field.verbose_name == "金额"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.675", "2.68"),  # half up, and exact: the float 2.675 would round to 2.67
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),
        (12, "12.00"),
        (Decimal("1234.5"), "1234.50"),
        (None, "0.00"),
    ],
)
def test_it_rounds_to_cents_half_up(value, expected):
    result = to_money(value)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


def test_it_refuses_floats():
    with pytest.raises(TypeError, match="浮点数"):
        to_money(0.1)


@pytest.mark.parametrize("value", ["abc", "1,000.00", ""])
def test_it_reports_an_invalid_amount_in_chinese(value):
    with pytest.raises(ValueError, match="无效金额"):
        to_money(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("1.5", True), ("1.25", True), ("1.250", True), ("0.001", False), ("1.255", False)],
)
def test_it_tells_whether_an_amount_has_at_most_cents(value, expected):
    assert has_at_most_cents(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567.5"), "1,234,567.50"),
        (Decimal("0"), "0.00"),
        (Decimal("999.999"), "1,000.00"),
        (Decimal("-1234.5"), "-1,234.50"),
    ],
)
def test_it_formats_yuan_with_thousands_separators_and_cents(value, expected):
    assert fmt_yuan(value) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("1234567.5"), 2, "123.46"),
        (Decimal("480000000"), 2, "48,000.00"),  # seed 000: 4.8 亿元 owed
        (Decimal("426205"), 2, "42.62"),  # seed 003: debts recovered
        (Decimal("58184"), 4, "5.8184"),
        (Decimal("49"), 2, "0.00"),
        (Decimal("50"), 2, "0.01"),
    ],
)
def test_it_formats_yuan_as_wan(value, places, expected):
    assert fmt_wan(value, places) == expected


def test_it_computes_a_ratio_with_four_places():
    assert ratio(Decimal("1"), Decimal("3")) == Decimal("0.3333")
    assert ratio(Decimal("2"), Decimal("3")) == Decimal("0.6667")
    assert ratio(Decimal("426205.00"), Decimal("426205.00")) == Decimal("1.0000")


def test_it_has_no_ratio_when_nothing_was_owed():
    assert ratio(Decimal("5"), ZERO) is None
    assert ratio(Decimal("0"), None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("0.42715"), "42.72%"), (Decimal("0.925"), "92.50%"), (Decimal("1"), "100.00%"), (Decimal("0"), "0.00%"), (None, "—")],
)
def test_it_formats_a_ratio_as_a_percentage(value, expected):
    assert fmt_percent(value) == expected


def test_it_formats_a_percentage_with_fewer_places():
    assert fmt_percent(Decimal("0.542"), places=1) == "54.2%"
