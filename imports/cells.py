"""Reading the values of messy ledger cells, for the import of villages' Excel ledgers.

Every function takes a value as openpyxl gives it (``str``, ``int``, ``float``, ``Decimal``,
``datetime``, ``date``, ``None``; also ``bool``/``time``/``timedelta``, which are refused
where they make no sense) and returns the parsed value or raises :class:`CellError` with a
Chinese message that says what is wrong. What cannot be read is an error, never a guess.
The functions touch no database; the importer adds sheet, row and column to the message.

Rules decided here (each has tests in ``tests/imports/test_cells.py``):

Amounts (:func:`parse_amount`)
    Text is read by ``core.money.parse_decimal_text``, as the forms read it: it may carry
    spaces, full-width digits and punctuation, thousands separators (``,`` or ``，``) in
    correct groups of three, a leading ``¥``/``￥`` and a trailing ``元``, ``万元`` or ``万``;
    digits other than 0-9 (``١٢٣``), exponents (``1E2``), ``NaN``, underscores (``1_000``)
    and misplaced separators (``1,2,3``) are refused with the reason. ``万``/``万元`` is
    multiplied by 10000 exactly. In a 万元 column (``unit="万元"``) a bare number is 万元;
    a cell that says ``元`` there contradicts its column and is refused.
    A float from Excel is first cut to what Excel itself holds and shows, 15 significant
    digits, and never finer than 9 decimal places: ``1234.5600000001`` and
    ``0.30000000000000004`` are noise and read as 1234.56 and 0.30, while ``1234.567`` or
    ``1234.5600001`` really have more than two decimals and are refused. In yuan the result
    must have at most two decimals (分), be at most 999,999,999,999.99 (``MoneyField``), not
    be negative, and, when ``positive`` (the default), be more than zero.

Areas (:func:`parse_area`)
    亩, read like an amount (full-width digits, separators, float noise dropped) with an
    optional trailing ``亩``; zero or more, at most two decimals. 平方米 is refused.

Dates (:func:`parse_date`)
    Excel dates (the time of day is dropped), and text ``2019-5-13``, ``2019/05/13``,
    ``2019.5.13`` (one separator throughout), ``2019年5月13日``/``号``, ``20190513``, also
    with full-width characters or a trailing ``00:00:00``; an 8-digit number cell
    ``20190513`` too. Years must have four digits and lie in 1949-2099 (a debt's date
    is checked further by its ledger: from 1949-10-01 to today); dates that do not
    exist (2019-2-30) are refused. A number such as 43598 in a date column (an Excel date
    serial whose cell lost its date format) is refused: which day it is would be a guess.

Identity numbers (:func:`parse_national_id`)
    Excel keeps 15 significant digits (LibreOffice and openpyxl about as many), so an 18-digit
    身份证号 typed into a number cell comes back as a float, or as an int ending in ``000``,
    with its last digits lost. Both are refused with a message to format the column as text.
    An int with all 18 digits (written by a program, not rounded) is read like text.

A column holding either number (:func:`parse_identity_number`)
    ``身份证号/信用代码``: each value is read by its shape, an 18-character resident ID for a
    person, an 18-character 统一社会信用代码 for an organisation.

Text and names (:func:`parse_text`, :func:`parse_name`)
    Full-width ASCII becomes ASCII, Chinese punctuation stays; a name also loses the spaces
    that pad it between Chinese characters (``李  四`` -> ``李四``).

Where the table is in a sheet (the header row, units, notes under the table) is
``imports/headers.py``.
"""

import functools
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError

from core.money import CENT, MAX_AMOUNT, WAN, AmountTextError, parse_decimal_text
from core.validators import mask_national_id, mask_phone, validate_credit_code, validate_national_id, validate_phone

YUAN = "元"
WAN_YUAN = "万元"
UNITS = (YUAN, WAN_YUAN)

MIN_YEAR, MAX_YEAR = 1949, 2099

AMOUNT_FORMS = "1234.50、1,234.50、1234.50元、12.3万元"
DATE_FORMS = "Excel 日期、2019-5-13、2019/5/13、2019.5.13、2019年5月13日（或13号）、20190513"
TEXT_FORMAT_HINT = "请把该列设置为“文本”格式后重新填写"


class CellError(ValueError):
    """A cell that cannot be read; ``message`` is Chinese and says what is wrong."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


# ---- text normalisation --------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# Full-width forms of ASCII (U+FF01-FF5E) become ASCII, except the marks that are proper
# Chinese punctuation (GB/T 15834) and belong in Chinese text as they are.
_CHINESE_PUNCTUATION = "！（），：；？"
_TEXT_TABLE = {
    code: chr(code - 0xFEE0)
    for code in range(0xFF01, 0xFF5F)
    if chr(code) not in _CHINESE_PUNCTUATION
}
_TEXT_TABLE.update({0x3000: " ", 0x00A0: " ", **_INVISIBLE})


def _nfkc(text):
    """NFKC (full-width digits, letters and punctuation to ASCII) without invisible marks."""
    text = str(text)
    if text.isascii():  # NFKC leaves ASCII as it is (the common case: ask nothing more)
        return text
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


def _compact(text):
    """NFKC with every whitespace character (spaces, newlines, ideographic space) removed.
    (``str.split()`` splits on exactly what ``\\s`` matches in a ``str`` pattern.)"""
    return "".join(_nfkc(text).split())


def _show(value, limit=30):
    """A cell value as the user saw it, for an error message."""
    if isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time(0) else value.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "…"


def is_blank(value):
    """None, or text with nothing but whitespace (any width) and invisible marks in it."""
    if value is None:
        return True
    return isinstance(value, str) and not value.translate(_INVISIBLE).strip()


def _blank(required, noun, empty):
    if required:
        raise CellError(f"{noun}不能为空。")
    return empty


def _is_formula(text):
    return text.lstrip().startswith("=")


def _formula_error(noun, value):
    return CellError(f"{noun}单元格是公式“{_show(value)}”，没有读到它的计算结果：请在 Excel 中打开并保存后再导入，或改填数值。")


# ---- amounts ---------------------------------------------------------------------------

_UNIT_SUFFIXES = {"万元": WAN_YUAN, "万": WAN_YUAN, "元": YUAN}


def _decimal_from_float(number):
    """An Excel float as the Decimal Excel shows: 15 significant digits, at most 9 decimals.

    ``1234.5600000001`` -> ``1234.560000000``; ``1234.567`` stays ``1234.567000000``.
    """
    exact = Decimal(repr(number))
    if not exact:
        return Decimal(0)
    exponent = max(-9, exact.adjusted() - 14)
    return exact.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)


def _amount_from_text(value, unit):
    if _is_formula(value):
        raise _formula_error("金额", value)
    try:
        number, suffix = parse_decimal_text(value, units=tuple(_UNIT_SUFFIXES))
    except AmountTextError as error:
        reason = f"{error.reason}。" if error.reason else ""
        raise CellError(f"无法识别的金额：“{_show(value)}”。{reason}可以写成 {AMOUNT_FORMS}。") from None
    cell_unit = _UNIT_SUFFIXES.get(suffix)
    if cell_unit == YUAN and unit == WAN_YUAN:
        raise CellError(f"金额单位与列不符：本列以万元为单位，单元格却写着“{_show(value)}”，请统一单位。")
    return number, cell_unit or unit


def parse_amount(value, *, unit=YUAN, positive=True, required=True):
    """A money cell -> Decimal yuan with 2 places.

    ``unit``: the column's unit, ``"元"`` or ``"万元"`` (see :func:`find_header_row`).
    ``positive``: refuse zero (negative amounts are always refused: a ledger holds none).
    ``required=False``: a blank cell gives None instead of an error.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    if is_blank(value):
        return _blank(required, "金额", None)
    cell_unit = unit
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise CellError(f"无法识别的金额：“{_show(value)}”。可以写成 {AMOUNT_FORMS}。")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"无法识别的金额：“{_show(value)}”。")
        number = _decimal_from_float(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise CellError(f"无法识别的金额：“{_show(value)}”。")
        number = value
    else:
        number, cell_unit = _amount_from_text(value, unit)

    yuan = number * WAN if cell_unit == WAN_YUAN else number
    shown = _show(value)
    if yuan < 0:
        raise CellError(f"金额不能为负数：“{shown}”。")
    if yuan > MAX_AMOUNT:
        raise CellError(f"金额过大：“{shown}”，最多 999,999,999,999.99 元。")
    if positive and yuan == 0:
        raise CellError(f"金额必须大于 0：“{shown}”。")
    if yuan != yuan.quantize(CENT):
        if cell_unit == WAN_YUAN:
            raise CellError(f"金额“{shown}”（万元）换算成元是 {yuan.normalize():f} 元，超过两位小数（分）。")
        raise CellError(f"金额最多两位小数（分）：“{shown}”。")
    return yuan.quantize(CENT)


# ---- areas -----------------------------------------------------------------------------

MAX_AREA = Decimal("9999999999.99")  # contracts' area fields: 12 digits, 2 of them decimals
AREA_FORMS = "12.5、12.5亩"
_SQUARE_METRE_SUFFIXES = ("平方米", "平米", "m2")  # ㎡ is m2 after NFKC


def parse_area(value, *, required=False):
    """An area cell in 亩 -> Decimal with 2 places, zero or more; blank -> None unless
    ``required``. Text may have full-width digits, spaces, thousands separators and a trailing
    ``亩``; an area in 平方米 is refused (converting it would round). A float is cut to what
    Excel shows, as in :func:`parse_amount`; more than two real decimals are refused.
    """
    if is_blank(value):
        return _blank(required, "面积", None)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise CellError(f"无法识别的面积：“{_show(value)}”。可以写成 {AREA_FORMS}。")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"无法识别的面积：“{_show(value)}”。")
        number = _decimal_from_float(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise CellError(f"无法识别的面积：“{_show(value)}”。")
        number = value
    else:
        if _is_formula(value):
            raise _formula_error("面积", value)
        text = _compact(value)
        if text.lower().endswith(_SQUARE_METRE_SUFFIXES):
            raise CellError(f"面积须以亩为单位，这里是平方米（“{_show(value)}”）：请换算成亩（1 亩约 666.67 平方米）后填写。")
        try:
            number, _unit = parse_decimal_text(value, units=("亩",))
        except AmountTextError as error:
            reason = f"{error.reason}。" if error.reason else ""
            raise CellError(f"无法识别的面积：“{_show(value)}”。{reason}可以写成 {AREA_FORMS}。") from None
    shown = _show(value)
    if number < 0:
        raise CellError(f"面积不能为负数：“{shown}”。")
    if number > MAX_AREA:
        raise CellError(f"面积过大：“{shown}”亩。")
    if number != number.quantize(CENT):
        raise CellError(f"面积最多两位小数：“{shown}”。")
    return number.quantize(CENT)


# ---- dates -----------------------------------------------------------------------------

_DATE_RES = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)
_TIME_SUFFIX_RE = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_SHORT_YEAR_RE = re.compile(r"\d{2}([-./])\d{1,2}\1\d{1,2}|\d{2}年\d{1,2}月\d{1,2}[日号]?|\d{6}")


def _integral_text(number):
    """``20190513.0`` -> ``"20190513"``; a number with a fraction (or inf, NaN) -> None."""
    if isinstance(number, float) and not math.isfinite(number):
        return None
    if isinstance(number, Decimal) and not number.is_finite():
        return None
    return str(int(number)) if number == int(number) else None


def _date_error(value):
    return CellError(f"无法识别的日期：“{_show(value)}”。可用的写法：{DATE_FORMS}。")


def _checked_date(year, month, day, value):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CellError(f"日期的年份不合理：“{_show(value)}”，应在 {MIN_YEAR} 至 {MAX_YEAR} 年之间。")
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"日期不存在：“{_show(value)}”，请核对月份和日。") from None


def parse_date(value, *, required=True):
    """A date cell -> ``date``; ``required=False``: a blank cell gives None."""
    if is_blank(value):
        return _blank(required, "日期", None)
    if isinstance(value, datetime):
        return _checked_date(value.year, value.month, value.day, value)
    if isinstance(value, date):
        return _checked_date(value.year, value.month, value.day, value)
    if isinstance(value, bool) or isinstance(value, (time, timedelta)):
        raise _date_error(value)
    if isinstance(value, (int, float, Decimal)):
        digits = _integral_text(value)
        if digits is not None and len(digits) == 8:
            return parse_date(digits)
        raise CellError(
            f"日期单元格里是数字“{_show(value)}”，无法判断是哪一天：请把该列设置为日期格式，"
            f"或写成 2019-5-13。"
        )
    if not isinstance(value, str):
        raise _date_error(value)
    if _is_formula(value):
        raise _formula_error("日期", value)
    text = _TIME_SUFFIX_RE.sub("", _nfkc(value).strip())
    text = re.sub(r"\s+", "", text)
    for pattern in _DATE_RES:
        match = pattern.fullmatch(text)
        if match:
            return _checked_date(int(match["y"]), int(match["m"]), int(match["d"]), value)
    if _SHORT_YEAR_RE.fullmatch(text):
        raise CellError(f"日期的年份要写全四位：“{_show(value)}”，例如 2019-5-13。")
    raise _date_error(value)


# ---- text ------------------------------------------------------------------------------


def parse_text(value, *, max_length=None):
    """A text cell -> stripped ``str``; None or blank -> ``""``.

    Full-width ASCII letters, digits and symbols become ASCII (``Ａ１－３`` -> ``A1-3``);
    Chinese punctuation (，（）：；！？ and 。、“” …) stays as written. Numbers read as Excel
    shows them (``3.0`` -> ``"3"``), dates as ``2019-05-13``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, (int, float, datetime, date)):
        text = _show(value, limit=10**6)
    else:
        text = unicodedata.normalize("NFC", str(value)).translate(_TEXT_TABLE)
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if max_length is not None and len(text) > max_length:
        raise CellError(f"内容过长：最多 {max_length} 个字，这里有 {len(text)} 个字（“{_show(text, 15)}”）。")
    return text


_CJK = r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"
_SPACE_BETWEEN_CJK_RE = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")


def parse_name(value, *, noun="姓名", max_length=100, required=True):
    """A name cell (person or organisation) -> text as :func:`parse_text`, with the spaces
    that pad a name between Chinese characters removed (``李　四`` -> ``李四``, so the same
    debtor matches) and other runs of spaces made one. ``required=False``: blank gives ``""``.
    """
    text = parse_text(value, max_length=None)
    text = _SPACE_BETWEEN_CJK_RE.sub("", text)
    text = re.sub(r"\s+", " ", text)
    if not text:
        return _blank(required, noun, "")
    return parse_text(text, max_length=max_length)


# ---- identity numbers and phones -------------------------------------------------------

_SCIENTIFIC_RE = re.compile(r"\d(?:\.\d+)?E\+?\d+")


def _id_as_number_error(value):
    return CellError(
        f"身份证号被 Excel 存成了数字（“{_show(value)}”）：Excel 只保留 15 位有效数字，"
        f"后几位已经丢失。{TEXT_FORMAT_HINT}。"
    )


def parse_national_id(value, *, required=True):
    """A 身份证号 cell -> 18 characters, upper-case X; ``required=False``: blank gives ``""``.

    Error messages show the number masked (370102********1234): they may be kept in logs.
    """
    if is_blank(value):
        return _blank(required, "身份证号", "")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CellError("身份证号应为18位：前17位为数字，最后一位为数字或X。")
    if isinstance(value, float):
        raise _id_as_number_error(value)
    if isinstance(value, int):
        text = str(value)
        if len(text) == 18 and text.endswith("000"):
            raise _id_as_number_error(value)
    else:
        text = _compact(value).removeprefix("'").upper()
        if _SCIENTIFIC_RE.fullmatch(text):
            raise _id_as_number_error(value)
    try:
        validate_national_id(text)
    except ValidationError as error:
        raise CellError(f"身份证号“{mask_national_id(text)}”（{len(text)}位）有误：{error.messages[0]}") from None
    return text


NATIONAL_ID, CREDIT_CODE = "national_id", "credit_code"
_ID_SHAPE_RE = re.compile(r"[0-9]{17}[0-9X]")


def _validation_error(validate, text):
    try:
        validate(text)
    except ValidationError as error:
        return error.messages[0]
    return None


def _has_birth_date(text):
    """Characters 7-14 of an ID are a birth date (19000101 … today); of a credit code, the
    end of an area code and the start of an organisation code, which seldom make one."""
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def parse_identity_number(value):
    """A cell of a column holding either number (身份证号/信用代码, 证件号码) -> ``(field,
    number)``: ``("national_id", …)`` for an 18-character resident ID (17 digits, then a
    digit or X, its check character right), ``("credit_code", …)`` for an 18-character
    统一社会信用代码; blank gives ``("", "")``. Read by the shape of the value: a number
    that fits neither is an error saying which it looked like and what is wrong. (Should a
    number pass both checks, which takes an all-digit credit code, it is an ID when characters
    7-14 are a birth date, else a credit code.)"""
    if is_blank(value):
        return "", ""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CellError("证件号码应为18位身份证号或18位统一社会信用代码。")
    if isinstance(value, float) or (isinstance(value, int) and len(str(value)) == 18 and str(value).endswith("000")):
        raise _id_as_number_error(value)
    if isinstance(value, int):
        text = str(value)
    else:
        text = _compact(value).removeprefix("'").upper()
        if _SCIENTIFIC_RE.fullmatch(text):
            raise _id_as_number_error(value)
    if len(text) != 18:
        raise CellError(
            f"证件号码“{mask_national_id(text)}”有 {len(text)} 位：应为18位身份证号（个人）或18位统一社会信用代码（单位）。"
        )
    id_error = _validation_error(validate_national_id, text)
    code_error = _validation_error(validate_credit_code, text)
    if id_error is None and (code_error is not None or _has_birth_date(text)):
        return NATIONAL_ID, text
    if code_error is None:
        return CREDIT_CODE, text
    if _ID_SHAPE_RE.fullmatch(text):
        raise CellError(f"证件号码“{mask_national_id(text)}”看起来是身份证号，但有误：{id_error}")
    raise CellError(f"证件号码“{text}”既不是有效的身份证号，也不是有效的统一社会信用代码：{code_error}")


_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_SEVERAL_PHONES_RE = re.compile(r"[/、,;|]")


def parse_credit_code(value):
    """A 统一社会信用代码 cell -> 18 characters, upper case, checked; blank gives ``""``."""
    text = _compact(parse_text(value)).upper()
    if text:
        try:
            validate_credit_code(text)
        except ValidationError as error:
            raise CellError(f"统一社会信用代码“{text}”有误：{error.messages[0]}") from None
    return text


def parse_phone(value, *, required=True):
    """A phone cell -> mobile ``13812345678`` or landline ``0539-1234567`` (hyphen as written).

    Spaces and hyphens inside a mobile number and a ``+86`` in front are dropped; a landline
    area code in brackets, ``(0539)1234567``, becomes ``0539-1234567``. One number per cell.
    ``required=False``: a blank cell gives ``""``.
    """
    if is_blank(value):
        return _blank(required, "电话号码", "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise CellError(f"电话号码格式不正确：“{_show(value)}”。手机号11位，座机如 0539-1234567。")
    if isinstance(value, int):
        text = str(value)
        if not _MOBILE_RE.fullmatch(text) and 6 <= len(text) <= 11 and not text.startswith("0"):
            raise CellError(
                f"电话号码被 Excel 存成了数字（“{mask_phone(text)}”），座机区号前的 0 会丢失。"
                f"{TEXT_FORMAT_HINT}。"
            )
    else:
        text = _nfkc(value).strip()
    several = [part for part in _SEVERAL_PHONES_RE.split(text) if part.strip()]
    if len(several) > 1:
        raise CellError(f"一个单元格只能填一个电话号码，这里有 {len(several)} 个。其他号码请写在备注里。")
    compact = re.sub(r"[\s\-]", "", text)
    compact = re.sub(r"^(?:\+86|0086)(?=1\d{10}$)", "", compact)
    if _MOBILE_RE.fullmatch(compact):
        return compact
    landline = re.sub(r"\s", "", text)
    landline = re.sub(r"^\((0\d{2,3})\)-?", r"\1-", landline)
    try:
        validate_phone(landline)
    except ValidationError:
        raise CellError(
            f"电话号码格式不正确：“{mask_phone(compact)}”（{len(compact)}位）。手机号11位，座机如 0539-1234567。"
        ) from None
    return landline


# ---- choices ---------------------------------------------------------------------------


def _choice_key(text):
    return _compact(text).lower()


@functools.lru_cache(maxsize=64)
def _choice_table(choices, aliases):
    """label or alias (as :func:`_choice_key` makes it) -> member; built once per choices."""
    table = {_choice_key(member.label): member for member in choices}
    for alias, target in aliases:
        key, member = _choice_key(alias), choices(target)
        if table.setdefault(key, member) != member:
            raise ValueError(f"alias {alias!r} is already the label of {table[key]!r}")
    return table


def parse_choice(value, choices, *, noun="选项", aliases=None, required=True):
    """A cell holding a choice's Chinese label -> the ``TextChoices`` member.

    ``parse_choice(" 以物抵债 ", RepaymentKind)`` -> ``RepaymentKind.IN_KIND``. Spaces (of any
    width) and full-width forms are ignored; nothing else is: no partial or fuzzy matching.
    ``aliases``: other labels a ledger uses, ``{"银行转账": RepaymentKind.TRANSFER}``.
    ``noun`` names the column in the message. ``required=False``: a blank cell gives None.
    """
    if is_blank(value):
        if required:
            raise CellError(f"{noun}不能为空，可填：{'、'.join(choices.labels)}。")
        return None
    table = _choice_table(choices, tuple((aliases or {}).items()))
    member = table.get(_choice_key(value)) if isinstance(value, str) else None
    if member is None:
        raise CellError(f"无法识别的{noun}：“{_show(value)}”。可填：{'、'.join(choices.labels)}。")
    return member
