"""Money: one field definition, parsing, rounding and yuan / 万元 formatting.

Money is always ``Decimal`` in yuan with two places; never float.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.db.models.query_utils import DeferredAttribute

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


class _DecimalAttribute(DeferredAttribute):
    """A decimal column's attribute that holds a ``Decimal`` as soon as it is set:
    ``Campaign(red_below="0.3")`` (or the field's default) compares and computes at once,
    not only after the row is read back from the database."""

    def __set__(self, instance, value):
        if value is not None and not isinstance(value, Decimal):
            if isinstance(value, float):
                raise TypeError(f"{self.field.name} 不能使用浮点数")
            try:
                value = plain_decimal(value)
            except ValueError:
                pass  # left as given: the field's validation reports it in Chinese
        instance.__dict__[self.field.attname] = value


class RatioField(models.DecimalField):
    """A ratio from 0 to 1 with 4 places (0.8000 is 80%), always a ``Decimal`` on the model."""

    descriptor_class = _DecimalAttribute

    def __init__(self, verbose_name=None, **kwargs):
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(verbose_name, **kwargs)


# ---- amounts as people type them -----------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_NUMBER_RE = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_SPACES_IN_NUMBER_RE = re.compile(r"\s*,\s*|\s+")
_EXPONENT_RE = re.compile(r"[0-9.]e[-+]?[0-9]", re.IGNORECASE)
_NOT_A_NUMBER = {"nan", "snan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity"}


class AmountTextError(ValueError):
    """Text that is not an amount; ``reason`` (Chinese, may be empty) says why."""

    def __init__(self, reason=""):
        super().__init__(reason)
        self.reason = reason


_OTHER_UNITS = ("万元", "亿元", "万", "亿", "元", "亩")


def _why_not_a_number(text, written):
    """Why ``text`` (the number, its sign and allowed unit taken off ``written``) is none."""
    if text.lower() in _NOT_A_NUMBER:
        return "这不是数字"
    unit = next((unit for unit in _OTHER_UNITS if written.endswith(unit)), None)
    if unit is not None and _NUMBER_RE.fullmatch(_SPACES_IN_NUMBER_RE.sub(",", written[: -len(unit)].strip().lstrip("-−"))):
        return f"这里不能写单位“{unit}”"
    other = next((char for char in text if char.isnumeric() and char not in "0123456789"), None)
    if other is not None:
        return f"只能用 0-9 的数字书写，不能用“{other}”"
    if _EXPONENT_RE.search(text):
        return "不能用科学计数法（如 1E2），请写出完整的数字"
    if "_" in text:
        return "数字中间不能有下划线"
    stray = next((char for char in text if char not in "0123456789,."), None)
    if stray is not None and any(char in "0123456789" for char in text):
        return f"含有不是数字的字符“{stray}”"
    if "," in text:
        return "千位分隔符“,”只能从个位起每三位一个，如 12,345.67"
    if text.count(".") > 1:
        return "只能有一个小数点"
    return ""


def parse_decimal_text(text, *, units=()):
    """An amount (or area) as people type it -> ``(Decimal, unit)``: ``unit`` is the one of
    ``units`` the text ends with, or None.

    Full-width characters count as their ASCII forms (``１，２３４．５０`` is 1,234.50);
    spaces around the number, a leading ``¥`` and a trailing unit of ``units`` (the longest
    that fits, e.g. ``("万元", "万", "元")``) are allowed; a leading minus gives a negative
    number (the caller refuses it). The number itself is digits 0-9 only, with thousands
    separators (``,``, or a space) only in whole groups of three from the units digit, and
    at most one decimal point. Refused with a reason (:class:`AmountTextError`): other
    scripts' digits (``١٢٣``, ``一二三``), exponents (``1E2``), ``NaN``/``Infinity``,
    underscores (``1_000``) and misplaced separators (``1,2,3``). How many decimals are
    allowed is the caller's to say (a 万元 figure may have four).
    """
    text = unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE).strip()
    text = written = text.removeprefix("¥").strip()
    unit = None
    for suffix in sorted(units, key=len, reverse=True):
        if suffix and text.endswith(suffix):
            text, unit = text[: -len(suffix)].strip(), suffix
            break
    negative = text[:1] in ("-", "−")
    digits = text[1:].strip() if negative else text
    digits = _SPACES_IN_NUMBER_RE.sub(",", digits)
    if not _NUMBER_RE.fullmatch(digits):
        raise AmountTextError(_why_not_a_number(digits, written))
    number = Decimal(digits.replace(",", ""))
    return (-number if negative else number), unit


_PLAIN_DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def plain_decimal(value):
    """What code hands a service: a ``Decimal``, an ``int`` or plain text (``"1234.50"``,
    ASCII digits, no separators, units, exponents or underscores) -> ``Decimal``; anything
    else (floats, ``"1,000"``, ``"1E2"``, ``"NaN"``) raises ValueError."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _PLAIN_DECIMAL_RE.fullmatch(value.strip()):
        return Decimal(value.strip())
    raise ValueError(f"not a plain decimal: {value!r}")


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
