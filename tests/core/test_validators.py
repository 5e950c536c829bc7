import pytest
from django.core.exceptions import ValidationError

from core.validators import (
    mask_national_id,
    mask_phone,
    national_id_check_char,
    uscc_check_char,
    validate_credit_code,
    validate_national_id,
    validate_phone,
)
from tests.factories import valid_credit_code, valid_national_id

# GB 11643 example number (check character X) and a published 统一社会信用代码.
NATIONAL_ID_X = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"


def _code(value, check):
    with pytest.raises(ValidationError) as info:
        check(value)
    return info.value.code


# ---- 身份证号 ----------------------------------------------------------------------


def test_it_computes_the_national_id_check_character():
    assert national_id_check_char(NATIONAL_ID_X[:17]) == "X"
    # 3*7+7*9+1*10+3*5+0*8+2*4+1*2+9*1+8*6+0*3+0*7+1*9+0*10+1*5+0*8+0*4+1*2 = 192; 192 % 11 = 5
    assert national_id_check_char("37130219800101001") == "7"


@pytest.mark.parametrize("value", [NATIONAL_ID_X, NATIONAL_ID_X.lower(), f" {NATIONAL_ID_X} ", valid_national_id(7)])
def test_it_accepts_a_national_id_with_a_correct_check_character(value):
    validate_national_id(value)


def test_it_rejects_a_national_id_with_a_wrong_check_character():
    assert _code(NATIONAL_ID_X[:17] + "0", validate_national_id) == "check_digit"


@pytest.mark.parametrize(
    "value",
    ["", "1101051949123100", "1101051949123100211", "11010519491231002Y", "1101051949123X0021"],
)
def test_it_rejects_a_malformed_national_id(value):
    assert _code(value, validate_national_id) == "format"


def test_it_rejects_a_national_id_typed_with_full_width_digits():
    """A Chinese input method types １１０１…; stored as is, the same person could be entered
    twice (the uniqueness check compares strings) and never be found by a search."""
    full_width = NATIONAL_ID_X[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "X"
    assert _code(full_width, validate_national_id) == "format"


def test_it_explains_a_wrong_national_id_in_chinese():
    with pytest.raises(ValidationError) as info:
        validate_national_id(NATIONAL_ID_X[:17] + "0")
    assert info.value.messages == ["身份证号校验位不正确，请核对。"]


# ---- 统一社会信用代码 -----------------------------------------------------------------


def test_it_computes_the_credit_code_check_character():
    assert uscc_check_char(CREDIT_CODE[:17]) == "3"


@pytest.mark.parametrize("value", [CREDIT_CODE, CREDIT_CODE.lower(), valid_credit_code(42)])
def test_it_accepts_a_credit_code_with_a_correct_check_character(value):
    validate_credit_code(value)


def test_it_rejects_a_credit_code_with_a_wrong_check_character():
    assert _code(CREDIT_CODE[:17] + "4", validate_credit_code) == "check_digit"


@pytest.mark.parametrize(
    "value",
    [
        "",
        CREDIT_CODE[:17],
        CREDIT_CODE + "0",
        "91350100I000100Y43",  # I is not used
        "91350100M000100O43",  # nor O
        "9135A100M000100Y43",  # the region code is six digits
    ],
)
def test_it_rejects_a_malformed_credit_code(value):
    assert _code(value, validate_credit_code) == "format"


def test_it_rejects_a_credit_code_typed_with_full_width_digits():
    full_width = "91" + "３５０１００" + CREDIT_CODE[8:]
    assert _code(full_width, validate_credit_code) == "format"


# ---- 电话 ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "13812345678", "19912345678", "0539-1234567", "05391234567", "010-12345678"])
def test_it_accepts_mobile_and_landline_numbers(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "5391234567", "0539-123", "138-1234-5678"])
def test_it_rejects_malformed_phone_numbers(value):
    assert _code(value, validate_phone) == "phone"


# ---- masking ------------------------------------------------------------------------


def test_it_masks_the_middle_of_a_national_id():
    assert mask_national_id(NATIONAL_ID_X) == "110105********002X"
    assert mask_national_id("") == ""
    assert mask_national_id("12345") == "****"


def test_it_masks_the_middle_of_a_phone_number():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
    assert mask_phone("12345") == "****"
