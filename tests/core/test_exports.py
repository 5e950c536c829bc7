"""The .xlsx export of every list: Chinese headers, money as numbers, the filtered rows, all of them."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import HEADER_FILL, MONEY_FORMAT, XLSX_CONTENT_TYPE
from recovery.choices import RepaymentKind
from tests.factories import ArrearFactory, VillageFactory, pay, write_off
from tests.factories import reverse as reverse_entry

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 15:30 in Shanghai is 07:30 UTC: an export in UTC would show the wrong hour.
NOW = datetime(2025, 6, 30, 15, 30, tzinfo=SHANGHAI)
TODAY = date(2025, 6, 30)

HEADERS = {
    "villages:village_list": ["编码", "村居", "片区", "工作区", "欠款总额", "已清收", "尚欠", "完成比例（实时）", "16:00战报完成比例"],
    "recovery:debtor_list": ["姓名/名称", "类型", "村居", "证件号（脱敏）", "电话（脱敏）", "欠款金额", "尚欠金额", "状态", "失信", "诉讼"],
    "recovery:arrear_list": ["欠款人", "村居", "类别", "说明", "发生日期", "欠款金额", "尚欠金额", "状态"],
    "recovery:repayment_list": ["录入时间", "村居", "欠款人", "类别", "金额", "方式", "收款日期", "收据号", "录入人", "冲正"],
}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def ledger(arrear, staff_user, village_b, campaign):
    """张三 (东岭村) owes 1,000.00: paid 300.10 and 123.45 (reversed), 200.00 written off.
    王五 (西河村) owes 2,500.00, nothing paid."""
    pay(arrear, "300.10", staff_user, receipt_number="SJ-1")
    reverse_entry(pay(arrear, "123.45", staff_user, receipt_number="SJ-2"), staff_user, reason="重复录入")
    write_off(arrear, "200.00", staff_user)
    other = ArrearFactory(debtor__village=village_b, debtor__name="王五", campaign=campaign, principal=Decimal("2500.00"))
    return {"arrear": arrear, "other": other}


def export(client, name, **params):
    response = client.get(reverse(name), {**params, "_export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(BytesIO(response.content)).active


def rows_of(sheet):
    """{header: cell} per data row."""
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2)]


def money(cell):
    """The money cell's value, after checking it is a number shown as money."""
    assert cell.data_type == "n", f"{cell.coordinate} is {cell.data_type!r}: {cell.value!r}"
    assert cell.number_format == MONEY_FORMAT
    return Decimal(str(cell.value))


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_it_exports_each_list_with_chinese_headers(staff_client, ledger, name):
    sheet = export(staff_client, name)
    assert [cell.value for cell in sheet[1]] == HEADERS[name]
    assert sheet.max_row > 1


def test_it_exports_village_figures_as_numbers(staff_client, ledger):
    rows = {row["编码"].value: row for row in rows_of(export(staff_client, "villages:village_list"))}
    assert set(rows) == {"LS-001", "LS-002"}
    dongling = rows["LS-001"]
    assert money(dongling["欠款总额"]) == Decimal("1000.00")
    assert money(dongling["已清收"]) == Decimal("300.10")
    assert money(dongling["尚欠"]) == Decimal("499.90")
    ratio = dongling["完成比例（实时）"]
    assert ratio.data_type == "n"
    assert "%" in ratio.number_format
    assert Decimal(str(ratio.value)) == Decimal("0.3001")
    assert dongling["16:00战报完成比例"].value in (None, "")  # no report published in this ledger
    assert money(rows["LS-002"]["欠款总额"]) == Decimal("2500.00")


def test_it_exports_village_names_as_plain_text(staff_client, ledger):
    rows = {row["编码"].value: row for row in rows_of(export(staff_client, "villages:village_list"))}
    assert rows["LS-001"]["村居"].value == "东岭村"


def test_it_exports_debtors_with_totals_and_masked_identity(staff_client, ledger):
    sheet = export(staff_client, "recovery:debtor_list")
    rows = {row["姓名/名称"].value: row for row in rows_of(sheet)}
    assert set(rows) == {"张三", "王五"}
    zhang = rows["张三"]
    assert money(zhang["欠款金额"]) == Decimal("1000.00")
    assert money(zhang["尚欠金额"]) == Decimal("499.90")
    assert zhang["状态"].value == "部分清收"
    assert zhang["类型"].value == "个人"

    national_id = ledger["arrear"].debtor.national_id
    assert zhang["证件号（脱敏）"].value == national_id[:6] + "********" + national_id[-4:]
    every_value = {str(cell.value) for row in sheet.iter_rows() for cell in row}
    assert not any(national_id in value for value in every_value)


def test_it_exports_arrears_as_numbers(staff_client, ledger):
    rows = {row["欠款人"].value: row for row in rows_of(export(staff_client, "recovery:arrear_list"))}
    assert money(rows["张三"]["欠款金额"]) == Decimal("1000.00")
    assert money(rows["张三"]["尚欠金额"]) == Decimal("499.90")
    assert money(rows["王五"]["尚欠金额"]) == Decimal("2500.00")
    assert rows["王五"]["状态"].value == "未清收"


def test_it_exports_repayments_and_marks_reversed_ones(staff_client, ledger):
    rows = {row["收据号"].value: row for row in rows_of(export(staff_client, "recovery:repayment_list"))}
    assert set(rows) == {"SJ-1", "SJ-2"}
    assert money(rows["SJ-1"]["金额"]) == Decimal("300.10")
    assert money(rows["SJ-2"]["金额"]) == Decimal("123.45")
    assert rows["SJ-1"]["冲正"].value in (None, "")
    assert rows["SJ-2"]["冲正"].value == "已冲正：重复录入"
    assert rows["SJ-1"]["方式"].value == "现金"
    assert rows["SJ-1"]["录入人"].value == "经管员小王"


def test_it_exports_the_recording_time_as_a_shanghai_datetime(staff_client, ledger):
    rows = {row["收据号"].value: row for row in rows_of(export(staff_client, "recovery:repayment_list"))}
    cell = rows["SJ-1"]["录入时间"]
    assert cell.value == datetime(2025, 6, 30, 15, 30)
    assert cell.is_date


def test_it_exports_dates_as_excel_dates(staff_client, ledger):
    repayment = rows_of(export(staff_client, "recovery:repayment_list"))[0]
    arrear = rows_of(export(staff_client, "recovery:arrear_list"))[0]
    assert repayment["收款日期"].is_date and repayment["收款日期"].value.date() == TODAY
    assert arrear["发生日期"].is_date and arrear["发生日期"].value.date() == date(2020, 3, 1)


# ---- the filtered rows, all of them --------------------------------------------------


def test_it_exports_only_the_filtered_village(staff_client, ledger, village_b):
    rows = rows_of(export(staff_client, "recovery:debtor_list", village=village_b.pk))
    assert [row["姓名/名称"].value for row in rows] == ["王五"]
    assert {row["村居"].value for row in rows} == {"西河村"}

    rows = rows_of(export(staff_client, "recovery:arrear_list", village=village_b.pk))
    assert [row["欠款人"].value for row in rows] == ["王五"]

    assert rows_of(export(staff_client, "recovery:repayment_list", village=village_b.pk)) == []


def test_it_exports_only_what_the_search_and_filters_match(staff_client, ledger):
    rows = rows_of(export(staff_client, "recovery:debtor_list", q="ww"))
    assert [row["姓名/名称"].value for row in rows] == ["王五"]

    rows = rows_of(export(staff_client, "recovery:repayment_list", reversed="true"))
    assert [row["收据号"].value for row in rows] == ["SJ-2"]

    rows = rows_of(export(staff_client, "recovery:arrear_list", status="outstanding"))
    assert [row["欠款人"].value for row in rows] == ["王五"]


def test_it_exports_only_a_cadres_own_village(client, cadre_user, ledger):
    client.force_login(cadre_user)
    for name, column in (("recovery:debtor_list", "姓名/名称"), ("recovery:arrear_list", "欠款人"), ("recovery:repayment_list", "欠款人")):
        assert {row[column].value for row in rows_of(export(client, name))} == {"张三"}, name


def test_it_exports_every_filtered_row_not_just_the_first_page(staff_client, staff_user, village_a, village_b, campaign):
    count = 57  # the page shows 50
    for n in range(count):
        arrear = ArrearFactory(debtor__village=village_a, campaign=campaign, principal=Decimal("100.00") + n)
        pay(arrear, "10.00", staff_user, kind=RepaymentKind.TRANSFER)
    ArrearFactory(debtor__village=village_b, campaign=campaign)  # filtered out below

    page = staff_client.get(reverse("recovery:debtor_list"), {"village": village_a.pk})
    assert len(page.context["table"].page.object_list) == 50

    debtors = rows_of(export(staff_client, "recovery:debtor_list", village=village_a.pk))
    arrears = rows_of(export(staff_client, "recovery:arrear_list", village=village_a.pk))
    repayments = rows_of(export(staff_client, "recovery:repayment_list", village=village_a.pk))
    assert (len(debtors), len(arrears), len(repayments)) == (count, count, count)
    assert sum(money(row["欠款金额"]) for row in arrears) == sum(Decimal("100.00") + n for n in range(count))
    assert sum(money(row["金额"]) for row in repayments) == Decimal("10.00") * count


def test_it_exports_every_village_not_just_the_first_page(staff_client, work_area_a):
    for n in range(53):
        VillageFactory(work_area=work_area_a, code=f"LS-{100 + n}")
    rows = rows_of(export(staff_client, "villages:village_list"))
    assert len(rows) == 53
    assert all(money(row["欠款总额"]) == 0 for row in rows)


def test_it_neutralises_text_a_spreadsheet_would_run_as_a_formula(client, staff_user, village_a, campaign):
    from tests.factories import ArrearFactory

    ArrearFactory(debtor__village=village_a, debtor__name='=HYPERLINK("http://x","点我")', campaign=campaign)
    ArrearFactory(debtor__village=village_a, debtor__name="@SUM(A1)", campaign=campaign)
    client.force_login(staff_user)
    response = client.get("/recovery/debtors/", {"_export": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\",\"点我\")" in names and "'@SUM(A1)" in names
    assert all(cell.data_type == "s" for cell in cells)


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_it_gives_the_header_row_the_one_header_style(staff_client, ledger, name):
    for cell in export(staff_client, name)[1]:
        assert cell.font.bold, cell.coordinate
        assert cell.fill.fgColor.rgb.endswith(HEADER_FILL.fgColor.rgb[-6:]), cell.coordinate
        assert cell.alignment.horizontal == "center" and cell.alignment.wrap_text, cell.coordinate
