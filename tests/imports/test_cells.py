"""Reading messy ledger cells: what each parser accepts, and the Chinese error for the rest
(the header row and notes under the table: ``test_headers.py``).

The tables say input -> value and input -> error; the workbook tests build real .xlsx files
with openpyxl (and one passed through LibreOffice, as a village clerk's file would be), read
them back in every openpyxl mode, and run the parsers on the cell values that come out.
"""

import os
import shutil
import subprocess
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from io import BytesIO

import pytest
from django.db import models
from openpyxl import Workbook, load_workbook

from contracts.imports import ContractsLedger
from core.validators import national_id_check_char
from imports import headers
from imports.cells import (
    WAN_YUAN,
    YUAN,
    CellError,
    is_blank,
    parse_amount,
    parse_area,
    parse_choice,
    parse_credit_code,
    parse_date,
    parse_name,
    parse_national_id,
    parse_phone,
    parse_text,
)
from imports.headers import HeaderError, is_blank_row, looks_like_note, stated_unit
from imports.reading import VILLAGE_VOCABULARY
from recovery.choices import ArrearCategory, RepaymentKind
from recovery.imports import ArrearsLedger, RepaymentsLedger

NATIONAL_ID_X = "11010519491231002X"  # GB 11643's example: check character X
NATIONAL_ID = "370102199001010001"  # ends in a digit, and not in 000
NATIONAL_ID_000 = "371302198001181000"  # a valid number that ends in 000
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
# The workbook tests find the header row as the importer does, with every ledger's names.
LEDGERS = ArrearsLedger.vocabulary | RepaymentsLedger.vocabulary | ContractsLedger.vocabulary | VILLAGE_VOCABULARY
find_header_row = partial(headers.find_header_row, vocabulary=LEDGERS)
ARREAR_HEADERS = ["姓名", "欠款金额", "发生日期"]


def error_of(parse, *args, **kwargs):
    with pytest.raises(CellError) as info:
        parse(*args, **kwargs)
    return info.value.message


def test_it_has_correct_national_id_fixtures():
    for number in (NATIONAL_ID_X, NATIONAL_ID, NATIONAL_ID_000):
        assert national_id_check_char(number[:17]) == number[17]


# ---- amounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234, "1234.00"),
        (Decimal("1234.5"), "1234.50"),
        (1234.5, "1234.50"),
        (1234.56, "1234.56"),
        (0.01, "0.01"),
        ("1234.50", "1234.50"),
        ("1234.500", "1234.50"),  # trailing zeros are not extra 分
        ("1,234.50", "1234.50"),
        ("1，234.50", "1234.50"),  # Chinese comma as the thousands separator
        ("12,345,678", "12345678.00"),
        ("１２３４．５", "1234.50"),  # full-width digits and point
        ("１，２３４．５０元", "1234.50"),
        (" 1 234.50 ", "1234.50"),
        ("1234.50\n", "1234.50"),
        ("1234.50元", "1234.50"),
        ("1234.50 元", "1234.50"),
        ("¥1234.50", "1234.50"),
        ("￥1,234.50", "1234.50"),
        ("\u200b1234.50", "1234.50"),  # a zero-width space pasted from a web page
        ("12.3万", "123000.00"),
        ("12.3万元", "123000.00"),
        ("12.3 万元", "123000.00"),
        ("１２．３万元", "123000.00"),
        ("0.0001万元", "1.00"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_it_reads_an_amount_in_a_yuan_column(value, expected):
    result = parse_amount(value)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, "120000.00"),
        (12.3456, "123456.00"),
        (Decimal("0.0001"), "1.00"),
        ("12.3456", "123456.00"),
        ("1,234.5", "12345000.00"),
        ("12.3万", "123000.00"),  # says 万 itself: agrees with the column
        ("12.3万元", "123000.00"),
        (0.1 + 0.2, "3000.00"),  # 0.30000000000000004 万元
    ],
)
def test_it_multiplies_a_wan_yuan_column_exactly(value, expected):
    assert parse_amount(value, unit=WAN_YUAN) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # noise: digits beyond 9 decimal places (or beyond Excel's 15 significant digits)
        (1234.5600000001, "1234.56"),
        (1234.5599999999, "1234.56"),
        (0.1 + 0.2, "0.30"),
        (1.1 * 3, "3.30"),  # 3.3000000000000003
        (100.0 - 99.99, "0.01"),  # 0.010000000000005116
        (12345678.910000002, "12345678.91"),  # noise at 2e-9, within 15 significant digits
        (123456789012.34, "123456789012.34"),
    ],
)
def test_it_drops_float_noise_beyond_what_excel_shows(value, expected):
    assert parse_amount(value) == Decimal(expected)


@pytest.mark.parametrize(
    "value",
    [
        1234.567,  # a real third decimal
        1234.5600001,  # 1e-7: within 9 decimal places, so not noise
        1234.565,
        0.005,
        1234.5649999999,  # noise or not, it does not round unambiguously to 1234.56
    ],
)
def test_it_refuses_a_float_with_more_than_two_real_decimals(value):
    assert "最多两位小数" in error_of(parse_amount, value)


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        ("12,3a元", {}, "无法识别的金额：“12,3a元”"),
        ("未知", {}, "无法识别的金额：“未知”"),
        ("一万二", {}, "无法识别的金额：“一万二”"),
        ("12,5", {}, "无法识别的金额：“12,5”"),  # a decimal comma? never a guess
        ("1234,567", {}, "无法识别的金额"),
        ("1,23,456", {}, "无法识别的金额"),
        ("12.3.4", {}, "无法识别的金额"),
        ("1.2E+5", {}, "无法识别的金额"),
        (".5", {}, "无法识别的金额"),
        ("12万3千", {}, "无法识别的金额"),
        ("12.3亿", {}, "无法识别的金额"),
        ("元", {}, "无法识别的金额"),
        ("(1,234.00)", {}, "无法识别的金额"),
        (True, {}, "无法识别的金额"),
        (datetime(2019, 5, 13), {}, "无法识别的金额：“2019-05-13”"),
        (float("nan"), {}, "无法识别的金额"),
        (float("inf"), {}, "无法识别的金额"),
        ("=SUM(E4:E7)", {}, "公式“=SUM(E4:E7)”"),
        ("-5", {}, "金额不能为负数：“-5”"),
        (-5, {}, "金额不能为负数"),
        (-0.5, {"positive": False}, "金额不能为负数"),
        ("－１２３", {}, "金额不能为负数"),
        ("0", {}, "金额必须大于 0：“0”"),
        (0, {}, "金额必须大于 0"),
        (0.0, {}, "金额必须大于 0"),
        ("0.00元", {}, "金额必须大于 0"),
        (0.004, {}, "最多两位小数"),
        ("1234.567", {}, "金额最多两位小数（分）：“1234.567”"),
        ("1234.565", {}, "最多两位小数"),  # text is never rounded
        ("1000000000000", {}, "金额过大"),
        (1e20, {}, "金额过大"),
        ("12.3元", {"unit": WAN_YUAN}, "本列以万元为单位"),
        ("1.23456789", {"unit": WAN_YUAN}, "换算成元是 12345.6789 元，超过两位小数"),
        ("1.23456789万", {}, "换算成元是 12345.6789 元"),
        (None, {}, "金额不能为空"),
        ("", {}, "金额不能为空"),
        ("\u3000 ", {}, "金额不能为空"),
    ],
)
def test_it_refuses_an_amount_it_cannot_read(value, kwargs, message):
    assert message in error_of(parse_amount, value, **kwargs)


def test_it_makes_cell_errors_value_errors_with_the_chinese_message():
    with pytest.raises(ValueError) as info:
        parse_amount("12,3a元")
    assert str(info.value) == "无法识别的金额：“12,3a元”。含有不是数字的字符“a”。可以写成 1234.50、1,234.50、1234.50元、12.3万元。"
    assert info.value.message == str(info.value)


def test_it_accepts_zero_only_when_asked():
    assert parse_amount("0", positive=False) == Decimal("0.00")
    assert parse_amount(0.0, positive=False, unit=WAN_YUAN) == Decimal("0.00")


def test_it_gives_none_for_a_blank_optional_amount():
    assert parse_amount(None, required=False) is None
    assert parse_amount("  ", required=False) is None


def test_it_refuses_an_unknown_unit_as_a_programming_error():
    with pytest.raises(ValueError) as info:
        parse_amount("1", unit="千元")
    assert not isinstance(info.value, CellError)


# ---- dates -----------------------------------------------------------------------------

MAY_13 = date(2019, 5, 13)


@pytest.mark.parametrize(
    "value",
    [
        MAY_13,
        datetime(2019, 5, 13),
        datetime(2019, 5, 13, 14, 30),  # the time of day is dropped
        "2019-5-13",
        "2019-05-13",
        "2019/5/13",
        "2019/05/13",
        "2019.5.13",
        "2019.05.13",
        "2019年5月13日",
        "2019年05月13日",
        "2019年5月13号",
        "2019年5月13",
        "2019 年 5 月 13 日",
        " 2019-5-13 ",
        "20190513",
        20190513,  # typed into a General cell, Excel keeps a number
        20190513.0,
        "２０１９－５－１３",
        "２０１９／０５／１３",
        "２０１９．５．１３",
        "２０１９年５月１３日",
        "２０１９０５１３",
        "2019-05-13 00:00:00",  # a date pasted as text with its time
        "2019/5/13 8:30",
    ],
)
def test_it_reads_a_date(value):
    assert parse_date(value) == MAY_13


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2019-2-30", "日期不存在：“2019-2-30”"),
        ("2019年2月29日", "日期不存在"),
        ("2019.13.1", "日期不存在"),
        ("20190230", "日期不存在"),
        ("2019-0-10", "日期不存在"),
        ("19.5.13", "年份要写全四位：“19.5.13”"),
        ("19-5-13", "年份要写全四位"),
        ("19年5月13日", "年份要写全四位"),
        ("190513", "年份要写全四位"),
        ("1019-5-13", "年份不合理"),
        ("2190-5-13", "年份不合理"),
        (datetime(1900, 1, 5), "年份不合理"),  # 5 typed into a date cell
        ("5/13/2019", "无法识别的日期：“5/13/2019”"),
        ("13/5/2019", "无法识别的日期"),
        ("2019-5.13", "无法识别的日期"),
        ("2019.5", "无法识别的日期"),
        ("2019年5月", "无法识别的日期"),
        ("二〇一九年五月十三日", "无法识别的日期"),
        ("2019513", "无法识别的日期"),
        ("去年", "无法识别的日期"),
        ("2019-05-13T00:00", "无法识别的日期"),
        (time(8, 30), "无法识别的日期"),
        (timedelta(days=3), "无法识别的日期"),
        (True, "无法识别的日期"),
        (43598, "日期单元格里是数字“43598”"),  # a date serial that lost its date format
        (43598.0, "日期单元格里是数字“43598”"),
        (20190513.5, "日期单元格里是数字"),
        ("=TODAY()", "公式"),
        (None, "日期不能为空"),
        ("", "日期不能为空"),
    ],
)
def test_it_refuses_a_date_it_cannot_read(value, message):
    assert message in error_of(parse_date, value)


def test_it_names_the_accepted_date_forms():
    message = error_of(parse_date, "去年")
    for form in ("Excel 日期", "2019-5-13", "2019/5/13", "2019.5.13", "2019年5月13日", "20190513"):
        assert form in message


def test_it_gives_none_for_a_blank_optional_date():
    assert parse_date(" ", required=False) is None


# ---- text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  张三 ", "张三"),
        ("\u3000张三\u3000", "张三"),  # ideographic spaces
        ("张\u200b三", "张三"),
        ("ＡＢＣ１２３", "ABC123"),
        ("３组－５号", "3组-5号"),
        ("张三（大）", "张三（大）"),  # Chinese punctuation stays
        ("欠款原因：借款，未还！", "欠款原因：借款，未还！"),
        ("第一行\r\n第二行", "第一行\n第二行"),
        (3, "3"),
        (3.0, "3"),
        (3.5, "3.5"),
        (Decimal("12.50"), "12.50"),
        (date(2019, 5, 13), "2019-05-13"),
        (datetime(2019, 5, 13), "2019-05-13"),
        (True, "TRUE"),
    ],
)
def test_it_reads_text(value, expected):
    assert parse_text(value) == expected


def test_it_refuses_text_longer_than_the_column():
    assert parse_text("张" * 100, max_length=100) == "张" * 100
    assert "最多 100 个字，这里有 101 个字" in error_of(parse_text, "张" * 101, max_length=100)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("李四", "李四"),
        ("李  四", "李四"),  # padded to line up with three-character names
        ("李\u3000四\u3000", "李四"),
        ("欧阳 小 明", "欧阳小明"),
        ("东村 股份经济合作社", "东村股份经济合作社"),
        ("Ｊｏｈｎ  Ｓｍｉｔｈ", "John Smith"),
        ("张三（大）", "张三（大）"),
        ("阿卜杜 · 热合曼", "阿卜杜 · 热合曼"),  # only spaces between two Chinese characters go
    ],
)
def test_it_reads_a_name_without_its_padding(value, expected):
    assert parse_name(value) == expected


def test_it_refuses_a_blank_or_too_long_name():
    assert error_of(parse_name, "\u3000") == "姓名不能为空。"
    assert error_of(parse_name, None, noun="名称") == "名称不能为空。"
    assert parse_name(None, required=False) == ""
    assert "最多 100 个字" in error_of(parse_name, "张" * 101)


# ---- identity numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NATIONAL_ID_X, NATIONAL_ID_X),
        (NATIONAL_ID_X.lower(), NATIONAL_ID_X),
        (f" {NATIONAL_ID_X}\n", NATIONAL_ID_X),
        (NATIONAL_ID_X.translate(FULL_WIDTH), NATIONAL_ID_X),
        ("110105 19491231 002x", NATIONAL_ID_X),
        ("'" + NATIONAL_ID_X, NATIONAL_ID_X),  # Excel's text apostrophe, kept as a character
        (int(NATIONAL_ID), NATIONAL_ID),  # every digit there: not rounded by Excel
        (NATIONAL_ID_000, NATIONAL_ID_000),  # as text, 000 at the end is fine
    ],
)
def test_it_reads_a_national_id(value, expected):
    assert parse_national_id(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float(NATIONAL_ID), "身份证号被 Excel 存成了数字"),
        (3.70102199001011e17, "只保留 15 位有效数字"),
        (int(NATIONAL_ID_000), "请把该列设置为“文本”格式"),  # may be Excel's rounding
        (370102199001011000, "存成了数字"),
        ("3.70102E+17", "存成了数字"),
        ("3.70102199001011e+17", "存成了数字"),
        (NATIONAL_ID[:17] + "5", "校验位不正确"),
        (int(NATIONAL_ID[:17] + "5"), "校验位不正确"),
        (NATIONAL_ID[:16], "应为18位"),
        (370102900101123, "应为18位"),  # an old 15-digit number
        ("未登记", "应为18位"),
        (True, "应为18位"),
        (None, "身份证号不能为空"),
    ],
)
def test_it_refuses_a_national_id_it_cannot_trust(value, message):
    assert message in error_of(parse_national_id, value)


def test_it_masks_the_national_id_in_its_message():
    message = error_of(parse_national_id, NATIONAL_ID[:17] + "5")
    assert NATIONAL_ID[:17] not in message
    assert "370102********0005" in message


def test_it_gives_an_empty_string_for_a_blank_optional_national_id():
    assert parse_national_id(None, required=False) == ""


# ---- phones ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        (13812345678, "13812345678"),  # a number cell keeps a mobile intact
        (13812345678.0, "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("0539-1234567", "0539-1234567"),
        ("05391234567", "05391234567"),
        ("０５３９－１２３４５６７", "0539-1234567"),
        ("(0539)1234567", "0539-1234567"),
        ("（0539）12345678", "0539-12345678"),
        ("010-12345678", "010-12345678"),
    ],
)
def test_it_reads_a_phone_number(value, expected):
    assert parse_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5391234567, "座机区号前的 0 会丢失"),
        ("1381234567", "电话号码格式不正确"),
        ("12345678901", "电话号码格式不正确"),
        ("13812345678/13912345678", "只能填一个电话号码，这里有 2 个"),
        ("13812345678、0539-1234567", "只能填一个电话号码"),
        ("13812345678，13912345678", "只能填一个电话号码"),
        ("0539-1234567-801", "电话号码格式不正确"),
        ("无", "电话号码格式不正确"),
        (1.5, "电话号码格式不正确"),
        (None, "电话号码不能为空"),
    ],
)
def test_it_refuses_a_phone_number_it_cannot_read(value, message):
    assert message in error_of(parse_phone, value)


def test_it_gives_an_empty_string_for_a_blank_optional_phone():
    assert parse_phone("", required=False) == ""


# ---- choices ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("现金", RepaymentKind.CASH),
        (" 转账 ", RepaymentKind.TRANSFER),
        ("\u3000以物抵债\u3000", RepaymentKind.IN_KIND),
        ("以 物 抵 债", RepaymentKind.IN_KIND),
        ("抵顶债务\n", RepaymentKind.DEBT_OFFSET),
    ],
)
def test_it_reads_a_choice_by_its_chinese_label(value, expected):
    result = parse_choice(value, RepaymentKind, noun="还款方式")
    assert result is expected


def test_it_reads_a_choice_whose_label_has_full_width_forms():
    class Plot(models.TextChoices):  # a label with an ASCII letter in it
        A = "a", "A类地块"

    assert parse_choice("Ａ类地块", Plot) is Plot.A


def test_it_reads_a_choice_by_an_alias_the_caller_gives():
    aliases = {"银行转账": RepaymentKind.TRANSFER, "抵债": "debt_offset"}
    assert parse_choice("银行转账", RepaymentKind, aliases=aliases) is RepaymentKind.TRANSFER
    assert parse_choice("抵债", RepaymentKind, aliases=aliases) is RepaymentKind.DEBT_OFFSET


def test_it_refuses_an_alias_that_is_another_choices_label():
    with pytest.raises(ValueError):
        parse_choice("现金", RepaymentKind, aliases={"现金": RepaymentKind.TRANSFER})


@pytest.mark.parametrize("value", ["刷卡", "现", "现金转账", "cash", 1, "转帐"])
def test_it_refuses_a_choice_it_does_not_know_and_lists_the_labels(value):
    message = error_of(parse_choice, value, RepaymentKind, noun="还款方式")
    assert message.startswith("无法识别的还款方式：")
    assert message.endswith("可填：现金、转账、以物抵债、抵顶债务。")


def test_it_refuses_a_blank_required_choice_and_lists_the_labels():
    assert error_of(parse_choice, None, ArrearCategory, noun="类别") == (
        "类别不能为空，可填：承包费、租赁费、借款、占用集体资金、工程款、其他。"
    )
    assert parse_choice(" ", ArrearCategory, required=False) is None


# ---- real workbooks --------------------------------------------------------------------

OPEN_MODES = [
    pytest.param({}, id="normal"),
    pytest.param({"read_only": True}, id="read_only"),
    pytest.param({"data_only": True}, id="data_only"),
    pytest.param({"read_only": True, "data_only": True}, id="read_only+data_only"),
]
OPTIONAL = ["身份证号", "联系电话", "还款方式", "备注"]


def save(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_of(content, **mode):
    workbook = load_workbook(BytesIO(content), **mode)
    try:
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_ledger(rows):
    """What the importer does with these functions: (records, skipped row numbers, errors)."""
    header = find_header_row(rows, ARREAR_HEADERS, optional_headers=OPTIONAL)

    def cell(row, name):
        column = header.columns.get(name)
        return row[column] if column is not None and column < len(row) else None

    parsers = {
        "姓名": parse_name,
        "身份证号": lambda value: parse_national_id(value, required=False),
        "联系电话": lambda value: parse_phone(value, required=False),
        "欠款金额": lambda value: parse_amount(value, unit=header.units["欠款金额"]),
        "发生日期": parse_date,
        "还款方式": lambda value: parse_choice(value, RepaymentKind, noun="还款方式", required=False),
        "备注": parse_text,
    }
    records, skipped, errors = [], [], {}
    for number, row in enumerate(rows[header.row + 1 :], start=header.row + 2):
        if is_blank_row(row) or looks_like_note(row):
            skipped.append(number)
            continue
        record = {}
        for name, parse in parsers.items():
            try:
                record[name] = parse(cell(row, name))
            except CellError as error:
                errors[(number, name)] = error.message
        records.append(record)
    return records, skipped, errors


def messy_ledger():
    """A 万元 ledger as villages keep them: title, Chinese headers, notes, blank rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东村"
    sheet.append(["某某镇东村集体经济组织欠款台账"])
    sheet.merge_cells("A1:H1")
    sheet.append(["填报单位：东村村委会", None, None, None, None, "填报日期：2024年6月30日"])
    sheet.append(["序号", "欠款人\n姓名", "身份证号码", "联系\n电话", "欠款金额\n（万元）", "借款日期", "还款方式", "备注"])
    sheet.append([1, "张三", NATIONAL_ID_X, "138 1234 5678", 12.3456, date(2019, 5, 13), "现金", None])
    sheet.append([2, "李　四\u3000", NATIONAL_ID.translate(FULL_WIDTH), 13912345678, 0.3000000000001, "2019.5.13", " 转账 ", "已分期"])
    sheet.append([3, "王五", "370102 19900101 0001", "（0539）1234567", "1,234.5", "2019年5月13日", None, "Ａ３组"])
    sheet.append([4, "赵六", None, None, "１２．５", datetime(2020, 1, 2), "以物抵债", None])
    sheet["F7"].number_format = "yyyy年m月d日"
    sheet.append([5, "孙七", "  ", "", Decimal("0.01"), "20200102", "抵顶债务", ""])
    sheet.append(["合计", None, None, None, "=SUM(E4:E8)", None, None, None])
    sheet.append(["注：本表金额单位为万元；身份证号请按文本格式填写。"])
    sheet.append(["制表人：张三", None, None, "审核人：李四"])
    for row in range(13, 17):  # blank rows that are only formatted, and one with spaces
        sheet.cell(row=row, column=5).number_format = "#,##0.00"
    sheet.cell(row=15, column=2, value="   ")
    return workbook


EXPECTED_MESSY = [
    {"姓名": "张三", "身份证号": NATIONAL_ID_X, "联系电话": "13812345678", "欠款金额": Decimal("123456.00"),
     "发生日期": MAY_13, "还款方式": RepaymentKind.CASH, "备注": ""},
    {"姓名": "李四", "身份证号": NATIONAL_ID, "联系电话": "13912345678", "欠款金额": Decimal("3000.00"),
     "发生日期": MAY_13, "还款方式": RepaymentKind.TRANSFER, "备注": "已分期"},
    {"姓名": "王五", "身份证号": NATIONAL_ID, "联系电话": "0539-1234567", "欠款金额": Decimal("12345000.00"),
     "发生日期": MAY_13, "还款方式": None, "备注": "A3组"},
    {"姓名": "赵六", "身份证号": "", "联系电话": "", "欠款金额": Decimal("125000.00"),
     "发生日期": date(2020, 1, 2), "还款方式": RepaymentKind.IN_KIND, "备注": ""},
    {"姓名": "孙七", "身份证号": "", "联系电话": "", "欠款金额": Decimal("100.00"),
     "发生日期": date(2020, 1, 2), "还款方式": RepaymentKind.DEBT_OFFSET, "备注": ""},
]


@pytest.mark.parametrize("mode", OPEN_MODES)
def test_it_reads_a_messy_wan_yuan_ledger_in_every_openpyxl_mode(mode):
    rows = rows_of(save(messy_ledger()), **mode)
    header = find_header_row(rows, ARREAR_HEADERS, optional_headers=OPTIONAL)
    assert header.row == 2
    assert header.units == {"欠款金额": WAN_YUAN}
    records, skipped, errors = read_ledger(rows)
    assert errors == {}
    assert records == EXPECTED_MESSY
    assert skipped[:3] == [9, 10, 11]  # the totals row, the note, the signatures
    assert stated_unit(rows[9]) == header.units["欠款金额"]  # the note agrees with the header
    assert all(is_blank_row(row) for row in rows[11:])  # then only blank rows, if any


@pytest.mark.parametrize("mode", OPEN_MODES)
def test_it_gets_excel_cell_types_back_from_a_real_workbook(mode):
    """The values the parsers see are what openpyxl gives, not what the test wrote."""
    rows = rows_of(save(messy_ledger()), **mode)
    assert isinstance(rows[3][5], datetime)  # an Excel date comes back as datetime
    assert rows[4][4] == 0.3000000000001  # float noise survives the file
    assert rows[7][4] == 0.01 and isinstance(rows[7][4], float)  # a Decimal comes back a float
    assert rows[8][4] == (None if mode.get("data_only") else "=SUM(E4:E8)")  # never calculated


def wrong_ledger():
    """A 元 ledger with one mistake per row, under a subtitle that states the unit."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["西村欠款台账"])
    sheet.merge_cells("A1:E1")
    sheet.append(["（单位：元）"])
    sheet.append(["户名", "身份证号码", "欠款额", "发生日期", "方式"])
    sheet.append(["张三", int(NATIONAL_ID), 1234.5, MAY_13, "现金"])  # typed as a number
    sheet.append(["李四", NATIONAL_ID, "12,3a元", MAY_13, "现金"])
    sheet.append(["王五", NATIONAL_ID, 1234.567, MAY_13, "现金"])
    sheet.append(["赵六", NATIONAL_ID, 100, 43598, "现金"])  # a date serial without its format
    sheet.append(["孙七", NATIONAL_ID, 100, "2019-2-30", "现金"])
    sheet.append(["周八", NATIONAL_ID, 100, "19.5.13", "刷卡"])
    sheet.append(["吴九", NATIONAL_ID, "-100", MAY_13, "现金"])
    sheet.append(["郑十", NATIONAL_ID, "未知", "去年", "现金"])
    sheet.append(["陈一", NATIONAL_ID, 0, MAY_13, "现金"])
    sheet.append(["何二", NATIONAL_ID, "100元", MAY_13, "现金"])  # the only good row
    sheet.append([None, "  ", None, None, None])
    return workbook


@pytest.mark.parametrize("mode", OPEN_MODES)
def test_it_reports_each_unreadable_cell_and_guesses_none(mode):
    rows = rows_of(save(wrong_ledger()), **mode)
    assert isinstance(rows[3][1], float)  # like Excel, the file keeps 16 digits at most
    records, skipped, errors = read_ledger(rows)
    assert find_header_row(rows, ARREAR_HEADERS).units == {"欠款金额": YUAN}
    assert {key: message.split("：")[0] for key, message in errors.items()} == {
        (4, "身份证号"): "身份证号被 Excel 存成了数字（“3.7010219900101e+17”）",
        (5, "欠款金额"): "无法识别的金额",
        (6, "欠款金额"): "金额最多两位小数（分）",
        (7, "发生日期"): "日期单元格里是数字“43598”，无法判断是哪一天",
        (8, "发生日期"): "日期不存在",
        (9, "发生日期"): "日期的年份要写全四位",
        (9, "还款方式"): "无法识别的还款方式",
        (10, "欠款金额"): "金额不能为负数",
        (11, "欠款金额"): "无法识别的金额",
        (11, "发生日期"): "无法识别的日期",
        (12, "欠款金额"): "金额必须大于 0",
    }
    assert records[-1]["欠款金额"] == Decimal("100.00")
    assert skipped == [14]


def test_it_reads_a_workbook_saved_by_libreoffice(tmp_path):
    """Through LibreOffice as a clerk's file would go: a typed 18-digit ID becomes a float
    with its last digits gone, and formulas get values that ``data_only`` reads."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("需要 LibreOffice（soffice）来保存工作簿")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["东村欠款台账"])
    sheet.merge_cells("A1:D1")
    sheet.append(["姓名", "身份证号", "欠款金额（元）", "发生日期"])
    sheet.append(["张三", int(NATIONAL_ID), 1234.56, MAY_13])
    sheet.append(["李四", NATIONAL_ID, 0.1, "2019/5/13"])
    sheet.append(["合计", None, "=C3+C4+0.2", None])
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(save(workbook))
    out = tmp_path / "out"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )
    rows = rows_of((out / "ledger.xlsx").read_bytes(), read_only=True, data_only=True)
    header = find_header_row(rows, ARREAR_HEADERS, optional_headers=["身份证号"])
    assert header.row == 1
    zhang, li, total = rows[2], rows[3], rows[4]
    assert isinstance(zhang[1], float)
    assert "存成了数字" in error_of(parse_national_id, zhang[1])
    assert parse_national_id(li[1]) == NATIONAL_ID
    assert [parse_date(zhang[3]), parse_date(li[3])] == [MAY_13, MAY_13]
    assert looks_like_note(total)
    assert parse_amount(total[2]) == Decimal("1234.86")  # the formula's value, noise or not


def test_it_tells_blank_values():
    assert is_blank(None) and is_blank("") and is_blank(" \u3000\n\u200b")
    assert not is_blank(0) and not is_blank("0") and not is_blank(False)


# ---- areas (亩) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, "3.00"),
        (0, "0.00"),
        (3.5, "3.50"),
        (3.3000000000000003, "3.30"),  # float noise, as for amounts
        (Decimal("12.25"), "12.25"),
        ("12.5", "12.50"),
        ("12.5亩", "12.50"),
        (" １２．５ 亩 ", "12.50"),
        ("1,234.5", "1234.50"),
        ("0", "0.00"),
    ],
)
def test_it_reads_an_area_in_mu(value, expected):
    assert parse_area(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-2", "面积不能为负数：“-2”。"),
        (-0.5, "面积不能为负数：“-0.5”。"),
        ("1.234", "面积最多两位小数：“1.234”。"),
        (1.234, "面积最多两位小数：“1.234”。"),
        ("300平方米", "面积须以亩为单位，这里是平方米（“300平方米”）：请换算成亩（1 亩约 666.67 平方米）后填写。"),
        ("300㎡", "面积须以亩为单位，这里是平方米（“300㎡”）：请换算成亩（1 亩约 666.67 平方米）后填写。"),
        ("约3亩", "无法识别的面积：“约3亩”。含有不是数字的字符“约”。可以写成 12.5、12.5亩。"),
        ("3亩2分", "无法识别的面积：“3亩2分”。含有不是数字的字符“亩”。可以写成 12.5、12.5亩。"),
        (True, "无法识别的面积：“True”。可以写成 12.5、12.5亩。"),
        (date(2019, 5, 13), "无法识别的面积：“2019-05-13”。可以写成 12.5、12.5亩。"),
        (float("nan"), "无法识别的面积：“nan”。"),
        ("=B2*2", "面积单元格是公式“=B2*2”，没有读到它的计算结果：请在 Excel 中打开并保存后再导入，或改填数值。"),
        (Decimal("10000000000"), "面积过大：“10000000000”亩。"),
    ],
)
def test_it_refuses_an_area_it_cannot_read(value, message):
    assert error_of(parse_area, value) == message


def test_it_gives_none_for_a_blank_area_unless_required():
    assert parse_area(None) is None
    assert parse_area(" \u3000") is None
    assert error_of(parse_area, "", required=True) == "面积不能为空。"


def test_it_reads_the_unit_of_an_annual_fee_column():
    headers = ["合同编号", "年承包费"]
    assert find_header_row([("合同号", "承包费（万元）")], headers).units == {"年承包费": WAN_YUAN}
    assert find_header_row([("编号", "年租金/元")], headers).units == {"年承包费": YUAN}
    assert find_header_row([("合同台账（单位：万元）", None), ("合同编号", "年承包费")], headers).units == {"年承包费": WAN_YUAN}


@pytest.mark.parametrize("header", ["面积（平方米）", "面积(㎡)", "承包面积（公顷）", "面积/平米"])
def test_it_refuses_an_area_column_not_in_mu(header):
    with pytest.raises(HeaderError, match="亩"):
        find_header_row([("合同编号", header)], ["合同编号", "面积"])


@pytest.mark.parametrize("header", ["面积", "面积（亩）", "承包面积(亩)"])
def test_it_reads_an_area_column_in_mu(header):
    assert find_header_row([("合同编号", header)], ["合同编号", "面积"]).columns == {"合同编号": 0, "面积": 1}


def test_it_reads_a_credit_code_in_full_width_and_lower_case():
    from tests.factories import valid_credit_code

    code = valid_credit_code(7)
    assert parse_credit_code(" " + code.lower().translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " ") == code
    assert parse_credit_code(None) == ""


def test_it_refuses_a_credit_code_with_a_wrong_check_character():
    from tests.factories import valid_credit_code

    code = valid_credit_code(7)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(CellError, match="统一社会信用代码"):
        parse_credit_code(wrong)
