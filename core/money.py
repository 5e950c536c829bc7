"""Money: one field definition, parsing, rounding and yuan / 万元 formatting.

Money is always ``Decimal`` in yuan with two places; never float.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")
WAN = Decimal("10000")
ZERO = Decimal("0.00")
MAX_DIGITS, DECIMAL_PLACES = 14, 2
MAX_AMOUNT = Decimal("999999999999.99")
"""The largest amount a money column holds (:func:`MoneyField`: 14 digits, 2 of them decimals)."""


def MoneyField(verbose_name, **kwargs):  # noqa: N802 - reads like a field class
    """The one definition of every money column: yuan, 2 decimal places."""
    kwargs.setdefault("max_digits", MAX_DIGITS)
    kwargs.setdefault("decimal_places", DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)


def to_money(value):
    """Round a Decimal (or int/str) to cents, half up."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        raise TypeError("金额不能使用浮点数")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"无效金额：{value}") from exc


def has_at_most_cents(value):
    return Decimal(value) == Decimal(value).quantize(CENT)


def fmt_yuan(value):
    """1234567.5 -> '1,234,567.50'."""
    return f"{to_money(value):,.2f}"


def fmt_wan(value, places=2):
    """Yuan as 万元: 1234567.5 -> '123.46'."""
    quant = Decimal(1).scaleb(-places)
    return f"{(to_money(value) / WAN).quantize(quant, rounding=ROUND_HALF_UP):,}"


def ratio(numerator, denominator):
    """A ratio as Decimal with 4 places (0.4271), or None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def fmt_percent(value, places=2):
    """0.42715 -> '42.72%'; None -> '—'."""
    if value is None:
        return "—"
    quant = Decimal(1).scaleb(-places)
    return f"{(Decimal(value) * 100).quantize(quant, rounding=ROUND_HALF_UP)}%"
