"""An import never drops data without a word: a sheet whose ``<dimension>`` claims fewer rows
(or columns) than it holds is read whole, every column the ledger does not read is named in
the preview, and a column of either identity number (身份证号/信用代码) is read value by
value by its shape."""

import re
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from contracts.models import Contract
from imports.cells import CellError, parse_identity_number
from imports.choices import ImportStatus
from imports.reading import _estimated_rows, open_workbook, read_ledger
from imports.services import import_batch_create, import_batch_validate
from recovery.choices import DebtorKind
from recovery.imports import ArrearsLedger
from recovery.models import Arrear, Debtor
from tests.contracts.test_ledger_import import imported
from tests.factories import valid_credit_code, valid_national_id
from tests.imports.test_import_safety import ledger_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "类别", "发生日期", "欠款金额", "身份证号", "联系电话", "地址", "说明", "尚欠金额"]  # A…I
ID_ZHANG = valid_national_id(901)
CODE_FIRM = valid_credit_code(902)


def workbook_bytes(rows, *, headers=HEADERS, title="东岭村"):
    return ledger_bytes(*rows, title=title, headers=headers)


def with_dimension(data, ref):
    """The workbook ``data`` with every sheet's ``<dimension ref=…>`` set to ``ref``, as a
    careless writer leaves it."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                content, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), content)
                assert count == 1
            target.writestr(info.filename, content)
    return out.getvalue()


def sixty_rows(bad_row=None):
    """60 debts, all of their nine columns filled; ``bad_row`` (1-based) has a bad amount."""
    rows = []
    for n in range(1, 61):
        amount = "很多" if n == bad_row else f"{100 + n}.00"
        rows.append([f"欠款人{n:02d}", "借款", "2019-5-13", amount, valid_national_id(n), "13812345678", "一组", "借款", None])
    return rows


def validated(data, *, township, user, campaign, kind="arrears"):
    batch = import_batch_create(
        kind=kind, township=township, campaign=campaign if kind != "contracts" else None, uploaded_by=user,
        upload=SimpleUploadedFile("台账.xlsx", data),
    )
    return import_batch_validate(batch_id=batch.pk)


# ---- a sheet that claims to be smaller ---------------------------------------------------------


def test_it_reads_every_row_of_a_sheet_whose_dimension_claims_five(tmp_path, township, village_a, staff_user, campaign):
    data = with_dimension(workbook_bytes(sixty_rows()), "A1:I5")
    path = tmp_path / "claims-five.xlsx"
    path.write_bytes(data)
    # What openpyxl's read-only mode gives when it trusts the claim: the header and 4 rows.
    trusting = load_workbook(path, read_only=True, data_only=True)
    assert len(list(trusting.active.iter_rows(values_only=True))) == 5
    trusting.close()

    result = read_ledger(str(path), ArrearsLedger(), township=township)
    assert result.problems == []
    assert len(result.rows) == 60
    assert result.rows[-1].values["name"] == "欠款人60" and result.rows[-1].row == 61
    workbook = open_workbook(path)
    try:
        assert _estimated_rows(workbook) == 61  # progress counts the rows really there
    finally:
        workbook.close()

    batch = imported(validated(data, township=township, user=staff_user, campaign=campaign), staff_user)
    assert batch.status == ImportStatus.IMPORTED
    assert Arrear.objects.filter(import_batch=batch).count() == 60


def test_it_reads_every_column_of_a_sheet_whose_dimension_claims_three(tmp_path, township, village_a):
    path = tmp_path / "claims-three-columns.xlsx"
    path.write_bytes(with_dimension(workbook_bytes(sixty_rows()), "A1:C61"))
    result = read_ledger(str(path), ArrearsLedger(), township=township)
    assert result.problems == []
    assert result.rows[0].values["amount"] == 101 and result.rows[0].values["national_id"] == valid_national_id(1)


def test_it_marks_an_error_below_the_claimed_size_in_the_annotated_copy(township, village_a, staff_user, campaign):
    batch = validated(with_dimension(workbook_bytes(sixty_rows(bad_row=50)), "A1:I5"), township=township, user=staff_user, campaign=campaign)
    assert batch.status == ImportStatus.INVALID
    assert [(p["row"], p["header"]) for p in batch.problems] == [(51, "欠款金额")]
    copy = open_workbook(batch.error_file.path)
    try:
        rows = list(copy["东岭村"].iter_rows(values_only=True))
    finally:
        copy.close()
    assert len(rows) == 61 and rows[50][3] == "很多"


# ---- columns the import leaves out -------------------------------------------------------------


def test_it_names_every_column_it_will_not_import(client, township, village_a, staff_user, campaign):
    headers = ["序号", "姓名", "类别", "发生日期", "欠款金额", "经办人", None, "备注说明"]
    rows = [
        [1, "张三", "借款", "2019-5-13", "1000", "王会计", None, "老账"],
        [2, "李四", "借款", "2019-5-13", "2000", None, "另记 300", None],
    ]
    batch = validated(workbook_bytes(rows, headers=headers), township=township, user=staff_user, campaign=campaign)
    assert batch.status == ImportStatus.READY, batch.problems
    assert batch.preview["unused_columns"] == "“经办人”（东岭村 F 列）、东岭村 G 列（没有表头，第 3 行起有内容）、“备注说明”（东岭村 H 列）"
    client.force_login(staff_user)
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "这些列不会导入：“经办人”（东岭村 F 列）" in page


def test_it_names_a_column_not_read_on_every_sheet_once(township, village_a, village_b, staff_user, campaign):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title in ("东岭村", "西河村"):
        sheet = workbook.create_sheet(title)
        sheet.append(["姓名", "类别", "发生日期", "欠款金额", "备注"])
        sheet.append([f"{title}欠款人", "借款", "2019-5-13", "1000", "无"])
    stream = BytesIO()
    workbook.save(stream)
    batch = validated(stream.getvalue(), township=township, user=staff_user, campaign=campaign)
    assert batch.preview["unused_columns"] == "“备注”（东岭村 E 列、西河村 E 列）"


def test_it_says_nothing_when_every_column_is_read(township, village_a, staff_user, campaign):
    batch = validated(workbook_bytes(sixty_rows()[:2]), township=township, user=staff_user, campaign=campaign)
    assert batch.status == ImportStatus.READY
    assert batch.preview["unused_columns"] == ""


def test_it_names_unread_columns_of_a_file_with_errors_too(client, township, village_a, staff_user, campaign):
    rows = [["张三", "借款", "2019-5-13", "很多", "一组"]]
    batch = validated(workbook_bytes(rows, headers=["姓名", "类别", "发生日期", "欠款金额", "组别"]), township=township, user=staff_user, campaign=campaign)
    assert batch.status == ImportStatus.INVALID
    client.force_login(staff_user)
    assert "这些列不会导入：“组别”（东岭村 E 列）" in client.get(reverse("imports:batch", args=[batch.pk])).content.decode()


# ---- one column of either number ----------------------------------------------------------------


@pytest.mark.parametrize("header", ["身份证号/信用代码", "统一社会信用代码/身份证号", "证件号码"])
def test_it_reads_a_column_of_either_number_by_each_values_shape(header, township, village_a, staff_user, campaign):
    rows = [["张三", "借款", "2019-5-13", "1000", ID_ZHANG], ["东岭建材有限公司", "借款", "2019-5-13", "2000", CODE_FIRM]]
    batch = validated(workbook_bytes(rows, headers=["姓名", "类别", "发生日期", "欠款金额", header]), township=township, user=staff_user, campaign=campaign)
    assert batch.preview["unused_columns"] == ""
    imported(batch, staff_user)
    person, firm = Debtor.objects.get(name="张三"), Debtor.objects.get(name="东岭建材有限公司")
    assert (person.kind, person.national_id, person.credit_code) == (DebtorKind.PERSON, ID_ZHANG, "")
    assert (firm.kind, firm.national_id, firm.credit_code) == (DebtorKind.ORGANISATION, "", CODE_FIRM)


def test_it_reports_a_number_of_neither_shape_by_row_and_column(township, village_a, staff_user, campaign):
    rows = [
        ["张三", "借款", "2019-5-13", "1000", ID_ZHANG[:17] + ("1" if ID_ZHANG[17] != "1" else "2")],  # wrong check digit
        ["李四", "借款", "2019-5-13", "1000", "12345"],
        ["东岭建材有限公司", "借款", "2019-5-13", "2000", CODE_FIRM[:17] + ("A" if CODE_FIRM[17] != "A" else "B")],
        ["王五", "借款", "2019-5-13", "1000", ID_ZHANG],
    ]
    headers = ["姓名", "类别", "发生日期", "欠款金额", "身份证号/信用代码", "欠款人类型"]
    rows[3].append("单位")  # an ID for a debtor said to be an organisation
    batch = validated(workbook_bytes(rows, headers=headers), township=township, user=staff_user, campaign=campaign)
    assert batch.status == ImportStatus.INVALID
    found = {(p["row"], p["column"], p["header"]): p["message"] for p in batch.problems}
    assert set(found) == {(2, 4, "证件号码"), (3, 4, "证件号码"), (4, 4, "证件号码"), (5, None, "身份证号")}
    assert "看起来是身份证号" in found[2, 4, "证件号码"] and ID_ZHANG not in found[2, 4, "证件号码"]
    assert "有 5 位" in found[3, 4, "证件号码"]
    assert "既不是有效的身份证号，也不是有效的统一社会信用代码" in found[4, 4, "证件号码"]
    assert found[5, None, "身份证号"] == "单位欠款人不填身份证号。"
    assert not Debtor.objects.exists()


def test_it_refuses_a_number_that_disagrees_with_its_own_column(township, village_a, staff_user, campaign):
    rows = [["张三", "借款", "2019-5-13", "1000", ID_ZHANG, valid_national_id(903)]]
    headers = ["姓名", "类别", "发生日期", "欠款金额", "身份证号", "证件号码"]
    batch = validated(workbook_bytes(rows, headers=headers), township=township, user=staff_user, campaign=campaign)
    assert [(p["row"], p["column"], p["message"]) for p in batch.problems] == [
        (2, 5, "与本行“身份证号”列的号码不一致，请核对后只填一处。"),
    ]


def test_it_reads_a_contract_ledgers_column_of_either_number(township, village_a, staff_user):
    headers = ["合同编号", "承包方", "证件号码", "合同类别", "标的", "年承包费", "起始日期", "终止日期", "合同形式"]
    rows = [
        ["DL-1", "张三", ID_ZHANG, "机动地", "南洼", "1000", "2019-1-1", "2028-12-31", "书面合同"],
        ["DL-2", "东岭建材有限公司", CODE_FIRM, "机动地", "北洼", "2000", "2019-1-1", "2028-12-31", "书面合同"],
    ]
    imported(validated(workbook_bytes(rows, headers=headers), township=township, user=staff_user, campaign=None, kind="contracts"), staff_user)
    kinds = dict(Contract.objects.values_list("number", "counterparty_kind"))
    assert kinds == {"DL-1": DebtorKind.PERSON, "DL-2": DebtorKind.ORGANISATION}


def test_it_tells_an_all_digit_credit_code_from_an_id():
    for n in range(200):
        assert parse_identity_number(valid_credit_code(n)) == ("credit_code", valid_credit_code(n))
        assert parse_identity_number(valid_national_id(n)) == ("national_id", valid_national_id(n))
    assert parse_identity_number("  ") == ("", "")
    with pytest.raises(CellError, match="Excel 只保留 15 位有效数字"):
        parse_identity_number(float(ID_ZHANG[:15] + "000"))
