import pytest

from core.pinyin import name_initials


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "zs"),
        ("王秀英", "wxy"),
        ("重庆建筑有限公司", "cqjzyxgs"),  # phrase reading: 重庆 is chong-qing
        ("银行", "yh"),  # 行 read hang in a phrase
    ],
)
def test_it_gives_the_first_letter_of_each_character(name, expected):
    assert name_initials(name) == expected


def test_it_keeps_latin_letters_and_digits_in_lower_case():
    assert name_initials("李ABC1") == "labc1"
    assert name_initials("临沂CBD置业2号") == "lycbdzy2h"


def test_it_ignores_spaces():
    assert name_initials(" 张 三 ") == "zs"


@pytest.mark.parametrize("name", ["", None])
def test_it_gives_nothing_for_no_name(name):
    assert name_initials(name) == ""


def test_it_fits_the_column():
    assert len(name_initials("张" * 100)) == 64


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("阿依古丽·买买提", "ayglmmt"),  # minority names are written with a middle dot
        ("王五（代）", "wwd"),
        ("刘建国、刘建军", "ljgljj"),
    ],
)
def test_it_leaves_punctuation_out_of_the_initials(name, expected):
    """Staff search by typing letters; punctuation in the initials makes a debtor unfindable."""
    assert name_initials(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("曾国藩", "zgf"),  # 曾 as a surname is zeng, not ceng
        ("单雄信", "sxx"),  # shan, not dan
        ("解缙", "xj"),  # xie, not jie
        ("仇英", "qy"),  # qiu, not chou
        ("查良镛", "zly"),  # zha, not cha
        ("区小明", "oxm"),  # ou, not qu
    ],
)
def test_it_reads_a_polyphonic_surname_as_a_surname(name, expected):
    """Debtors are people named surname-first; 曾, 单, 解, 仇, 查, 区 are common surnames
    whose everyday reading gives a different first letter."""
    assert name_initials(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("李重庆", "lcq"),  # 重庆 is chongqing as a word; 重 alone is zhong
        ("建设银行沙岭村", "jsyhslc"),  # 银行 yinhang; 行 alone is xing
        ("王重", "wz"),  # no word here: 重 read alone
    ],
)
def test_a_word_inside_a_name_is_read_as_the_word(name, expected):
    """Initials are computed a character at a time (cached) for speed, except where part of
    the name is a word whose reading differs from its characters'."""
    assert name_initials(name) == expected
