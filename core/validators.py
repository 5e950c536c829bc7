"""Checks for Chinese identity numbers, with messages in Chinese."""

import re

from django.core.exceptions import ValidationError

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Every character a valid number can hold (what search may skip a column for).
NATIONAL_ID_CHARS = frozenset("0123456789X")
CREDIT_CODE_CHARS = frozenset(_USCC_CHARS)
PHONE_CHARS = frozenset("0123456789-")
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_PHONE_RE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")


def national_id_check_char(first17):
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def validate_national_id(value):
    value = (value or "").strip().upper()
    if not _ID_RE.match(value):
        raise ValidationError("身份证号应为18位：前17位为数字，最后一位为数字或X。", code="format")
    if national_id_check_char(value[:17]) != value[17]:
        raise ValidationError("身份证号校验位不正确，请核对。", code="check_digit")


def uscc_check_char(first17):
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value):
    value = (value or "").strip().upper()
    if len(value) != 18 or not _USCC_RE.match(value):
        raise ValidationError(
            "统一社会信用代码应为18位数字或大写字母（不含 I、O、Z、S、V）。", code="format"
        )
    if uscc_check_char(value[:17]) != value[17]:
        raise ValidationError("统一社会信用代码校验位不正确，请核对。", code="check_digit")


def validate_phone(value):
    if value and not _PHONE_RE.match(value.strip()):
        raise ValidationError("电话号码格式不正确：手机号11位，座机如 0539-1234567。", code="phone")


def mask_national_id(value):
    """370102199001011234 -> 370102********1234."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "****"


def mask_phone(value):
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "****"
