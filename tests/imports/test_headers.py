"""Where the table is in a ledger sheet: the header row (names, units, clashes), and the
rows under it that are not data (blank rows, totals, notes).

The vocabulary used here is every registered ledger's, as the importer reads them, so each
spelling below is one a ledger of some kind accepts.
"""

from datetime import date, datetime
from functools import partial

import pytest

from contracts.imports import ContractsLedger
from imports import headers
from imports.cells import WAN_YUAN, YUAN, CellError
from imports.headers import EXACT, HeaderError, HeaderMatch, Vocabulary, is_blank_row, looks_like_note, stated_unit
from imports.reading import VILLAGE_VOCABULARY
from recovery.imports import ArrearsLedger, RepaymentsLedger

LEDGERS = ArrearsLedger.vocabulary | RepaymentsLedger.vocabulary | ContractsLedger.vocabulary | VILLAGE_VOCABULARY
find_header_row = partial(headers.find_header_row, vocabulary=LEDGERS)
NATIONAL_ID = "370102199001010001"
MAY_13 = date(2019, 5, 13)


def error_of(parse, *args, **kwargs):
    with pytest.raises(CellError) as info:
        parse(*args, **kwargs)
    return info.value.message


# ---- blank rows and notes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "blank"),
    [
        ((), True),
        ((None, None), True),
        (("", " ", "\u3000", "\n", None), True),
        ((None, 0), False),
        ((None, "张三"), False),
        ((None, datetime(2019, 5, 13)), False),
    ],
)
def test_it_tells_a_blank_row(values, blank):
    assert is_blank_row(values) is blank


@pytest.mark.parametrize(
    ("values", "note"),
    [
        # totals: whatever the other cells hold
        (("合计", None, None, 12345.6), True),
        ((None, "合  计", None, "=SUM(E4:E7)"), True),
        (("总计：", 3, 12345.6), True),
        (("小计", None, 100), True),
        # a note or signature line: a note word first, only text
        (("注：金额单位为元。",), True),
        ((None, "备注：李四已搬迁", None), True),
        (("说明：2019年以前的欠款见旧账",), True),
        (("制表人：张三", None, "审核人：李四", None, "负责人：王五"), True),
        (("填表日期：2024年6月30日",), True),
        (("单位：元",), True),
        (("注", None, 12.5), False),  # a number in the row: data, not a note
        # a sentence alone on its row
        ((None, None, "以上欠款经村民代表大会审议通过。"), True),
        (("以上数据截至2024年6月30日；如有出入以原始凭证为准",), True),
        (("本台账所列欠款均已与欠款人逐户核对并由欠款人签字确认无误后登记",), True),
        # data, however short or incomplete
        (("张三",), False),
        (("某某县某某镇东村股份经济合作社",), False),
        ((1, "张三", None, 1234.5), False),
        (("张三", "注意"), False),
        ((None, None), False),
        ((), False),
        ((12.5,), False),
    ],
)
def test_it_tells_a_note_under_the_table_from_data(values, note):
    assert looks_like_note(values) is note


# ---- the header row --------------------------------------------------------------------

ARREAR_HEADERS = ["姓名", "欠款金额", "发生日期"]


@pytest.mark.parametrize(
    ("header_cells", "amount_unit"),
    [
        (("姓名", "欠款金额", "发生日期"), YUAN),
        (("欠款人", "金额", "日期"), YUAN),
        (("户名", "欠款额", "借款日期"), YUAN),
        (("姓名/名称", "欠款金额", "发生日期"), YUAN),  # our own export's header
        (("欠款人\n姓名", "欠款金额\n（元）", "发生\n日期"), YUAN),
        (("  姓 名 ", "欠款金额(元)", "发生日期"), YUAN),
        (("*姓名", "*欠款金额（单位：元）", "*发生日期"), YUAN),
        (("姓名：", "欠款金额/元", "发生日期"), YUAN),
        (("姓名", "欠款金额(万元)", "发生日期"), WAN_YUAN),
        (("姓名", "欠款金额\n（万元）", "发生日期"), WAN_YUAN),
        (("姓名", "欠款金额【万元】", "发生日期"), WAN_YUAN),
        (("姓名", "金额(单位:万元)", "发生日期"), WAN_YUAN),
        (("姓名", "欠款金额/万元", "发生日期"), WAN_YUAN),
        (("姓名", "欠款金额万元", "发生日期"), WAN_YUAN),
        (("姓名", "欠款金额（本金）", "发生日期"), YUAN),  # a bracket that is not a unit
        (("ｘｍ", "欠款金额（万元）", "发生日期"), None),  # not a header: no match at all
    ],
)
def test_it_recognises_header_spellings_and_money_units(header_cells, amount_unit):
    rows = [("东村欠款台账", None, None), header_cells, ("张三", 1, MAY_13)]
    if amount_unit is None:
        with pytest.raises(HeaderError):
            find_header_row(rows, ARREAR_HEADERS)
        return
    found = find_header_row(rows, ARREAR_HEADERS)
    assert found == HeaderMatch(1, {"姓名": 0, "欠款金额": 1, "发生日期": 2}, {"欠款金额": amount_unit})


def test_it_finds_the_header_under_a_merged_title_and_blank_rows():
    rows = [
        ("某某镇东村集体经济组织欠款台账", None, None, None, None),
        (None, None, None, None, None),
        ("填报单位：东村村委会", None, None, "填报日期：2024年6月30日", None),
        ("序号", "欠款人", "身份证号码", "欠款金额（元）", "借款日期"),
        (1, "张三", NATIONAL_ID, 1234.5, MAY_13),
    ]
    row, columns, units = find_header_row(rows, ARREAR_HEADERS, optional_headers=["身份证号", "联系电话"])
    assert row == 3
    assert columns == {"姓名": 1, "欠款金额": 3, "发生日期": 4, "身份证号": 2}
    assert units == {"欠款金额": YUAN}


def test_it_takes_the_unit_written_above_the_table():
    rows = [
        ("东村欠款台账（单位：万元）", None, None),
        ("姓名", "欠款金额", "日期"),
    ]
    assert find_header_row(rows, ARREAR_HEADERS).units == {"欠款金额": WAN_YUAN}
    rows = [("东村欠款台账", None, None, None), ("姓名", "欠款金额", "日期", "单位：万元")]
    assert find_header_row(rows, ARREAR_HEADERS).units == {"欠款金额": WAN_YUAN}


def test_it_lets_a_column_unit_win_over_the_unit_above_the_table():
    rows = [
        ("东村欠款台账", None, None, "单位：万元"),
        ("姓名", "欠款金额（元）", "日期", "尚欠金额"),
    ]
    found = find_header_row(rows, ARREAR_HEADERS, optional_headers=["尚欠金额"])
    assert found.units == {"欠款金额": YUAN, "尚欠金额": WAN_YUAN}


@pytest.mark.parametrize(
    ("values", "unit"),
    [
        (("单位：万元",), WAN_YUAN),
        ((None, "（单位：元）"), YUAN),
        (("注：本表金额单位为万元；身份证号请按文本格式填写。",), WAN_YUAN),
        (("金额单位是元",), YUAN),
        (("说明：以万元为单位",), WAN_YUAN),
        (("承包费单价（单位：元/亩）",), None),  # a rate, not the unit of the money columns
        (("东村欠款台账（万元）",), None),  # a bracket counts only in a title above the header
        (("制表单位：东村村委会",), None),
        ((12.5, None), None),
        ((), None),
    ],
)
def test_it_reads_the_money_unit_a_row_states(values, unit):
    assert stated_unit(values) == unit


def test_it_refuses_a_row_that_states_both_units():
    assert "无法判断金额的单位" in error_of(stated_unit, ["单位：万元", "单位：元"])


@pytest.mark.parametrize(
    ("title", "unit"),
    [
        ("东村欠款台账（万元）", WAN_YUAN),
        ("东村欠款台账(单位:万元)", WAN_YUAN),
        ("东村欠款台账（元）", YUAN),
        ("东村欠款台账", YUAN),
        ("东村承包费台账（单价单位：元/亩）", YUAN),
    ],
)
def test_it_takes_the_unit_from_the_title(title, unit):
    rows = [(title, None, None), ("姓名", "欠款金额", "日期")]
    assert find_header_row(rows, ARREAR_HEADERS).units == {"欠款金额": unit}


def test_it_does_not_take_a_unit_from_another_column_header():
    rows = [("姓名", "欠款金额", "日期", "利息（万元）")]
    assert find_header_row(rows, ARREAR_HEADERS).units == {"欠款金额": YUAN}


def test_it_refuses_two_different_units_above_the_table():
    rows = [("单位：万元", None, None), ("单位：元", None, None), ("姓名", "欠款金额", "日期")]
    with pytest.raises(HeaderError) as info:
        find_header_row(rows, ARREAR_HEADERS)
    assert "无法判断金额的单位" in info.value.message


def test_it_refuses_a_money_header_with_an_unclear_unit():
    rows = [("姓名", "欠款金额(元/万元)", "日期")]
    with pytest.raises(HeaderError) as info:
        find_header_row(rows, ARREAR_HEADERS)
    assert "无法判断“欠款金额(元/万元)”（第B列）的单位" in info.value.message


def test_it_names_the_missing_headers():
    rows = [
        ("东村欠款台账", None, None),
        ("姓名", "身份证号", "金额(元)"),
        ("张三", NATIONAL_ID, 100),
    ]
    with pytest.raises(HeaderError) as info:
        find_header_row(rows, ARREAR_HEADERS)
    error = info.value
    assert isinstance(error, CellError)
    assert error.missing == ["发生日期"]
    assert error.row == 1
    assert "最接近的是第2行，缺少 “发生日期”" in error.message
    assert "“发生日期”可写作：" + "、".join(LEDGERS.synonyms["发生日期"]) in error.message


def test_it_names_every_header_when_no_row_has_any():
    with pytest.raises(HeaderError) as info:
        find_header_row([("东村欠款台账",), ()], ARREAR_HEADERS)
    assert info.value.missing == ARREAR_HEADERS
    assert info.value.row is None
    assert "没有一行同时含有 “姓名”、“欠款金额”、“发生日期”" in info.value.message


def test_it_looks_only_at_the_first_rows():
    rows = [(None,)] * 20 + [("姓名", "欠款金额", "日期")]
    with pytest.raises(HeaderError) as info:
        find_header_row(iter(rows), ARREAR_HEADERS)
    assert "前 20 行" in info.value.message
    assert find_header_row(iter(rows), ARREAR_HEADERS, max_scan=21).row == 20


def test_it_refuses_two_columns_that_could_be_the_same_header():
    rows = [("户名", "欠款人", "欠款金额", "日期")]
    with pytest.raises(HeaderError) as info:
        find_header_row(rows, ARREAR_HEADERS)
    assert "有多列都可作“姓名”：“户名”（第A列）、“欠款人”（第B列）" in info.value.message


def test_it_prefers_the_column_named_exactly_as_the_header():
    rows = [("户名", "姓名", "金额", "欠款金额", "日期")]
    assert find_header_row(rows, ARREAR_HEADERS).columns == {"姓名": 1, "欠款金额": 3, "发生日期": 4}


def test_it_refuses_the_same_exact_header_twice():
    with pytest.raises(HeaderError):
        find_header_row([("姓名", "欠款金额", "日期", "姓名")], ARREAR_HEADERS)


def test_it_refuses_one_column_that_could_be_two_wanted_headers():
    rows = [("姓名", "金额", "日期")]
    with pytest.raises(HeaderError) as info:
        find_header_row(rows, ["姓名", "欠款金额", "还款金额", "发生日期"])
    assert "“金额”（第B列）无法判断是“欠款金额”还是“还款金额”" in info.value.message


def test_it_finds_a_header_not_in_the_synonym_table_by_its_own_name():
    found = find_header_row([("姓名", "地块编码")], ["姓名", "地块编码"])
    assert found.columns == {"姓名": 0, "地块编码": 1}
    assert found.units == {}


def test_it_does_not_match_a_header_by_part_of_its_name():
    with pytest.raises(HeaderError):
        find_header_row([("姓名", "已还金额", "欠款日期说明")], ARREAR_HEADERS)


# ---- vocabularies ------------------------------------------------------------------------


def test_it_matches_only_a_headers_own_name_without_a_vocabulary():
    rows = [("欠款人", "金额", "日期")]
    with pytest.raises(HeaderError):
        headers.find_header_row(rows, ARREAR_HEADERS, vocabulary=EXACT)
    assert headers.find_header_row([("姓名", "欠款金额", "发生日期")], ARREAR_HEADERS).units == {}


def test_it_reads_units_only_in_the_money_columns_a_vocabulary_names():
    plain = Vocabulary(synonyms={"欠款金额": ("金额",)})
    money = plain | Vocabulary(money=frozenset({"欠款金额"}))
    rows = [("姓名", "金额（万元）", "发生日期")]
    assert headers.find_header_row(rows, ARREAR_HEADERS, vocabulary=money).units == {"欠款金额": WAN_YUAN}
    assert headers.find_header_row(rows, ARREAR_HEADERS, vocabulary=plain).units == {}


def test_it_refuses_square_metres_only_in_the_area_columns_a_vocabulary_names():
    rows = [("合同编号", "面积（平方米）")]
    with pytest.raises(HeaderError):
        headers.find_header_row(rows, ["合同编号", "面积"], vocabulary=Vocabulary(area=frozenset({"面积"})))
    assert headers.find_header_row(rows, ["合同编号", "面积"], vocabulary=EXACT).columns == {"合同编号": 0, "面积": 1}


def test_it_gives_each_ledger_its_own_names():
    # 合同号 names a contract's number in a contracts ledger, and nothing in an arrears one.
    assert "合同号" in {name for name in ContractsLedger.vocabulary.names_for("合同编号")}
    assert ArrearsLedger.vocabulary.names_for("合同编号") == frozenset({"合同编号"})
