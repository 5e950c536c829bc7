"""What an uploaded ledger must not do: be something else than an .xlsx, be too big, expand
past the limit, carry macros, smuggle XML entities, or have its formulas evaluated. And what
stays of it: the file, with who uploaded it and when."""

import hashlib
import re
import struct
import zipfile
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from imports.choices import ImportStatus
from imports.models import ImportBatch
from imports.reading import read_ledger
from imports.services import (
    import_batch_confirm,
    import_batch_create,
    import_batch_discard,
    import_batch_run,
    import_batch_validate,
)
from imports.uploads import check_xlsx_upload
from imports.workbooks import write_annotated_copy
from recovery.imports import ArrearsLedger
from recovery.models import Arrear

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "类别", "发生日期", "欠款金额"]


# ---- building files --------------------------------------------------------------------------

def ledger_bytes(*rows, title="东岭村", headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    stream = BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def rezip(data, *, replace=None, add=None):
    """A copy of the zip ``data`` with members' bytes changed by ``replace`` (name -> function
    of the old bytes) and members ``add``ed (name -> bytes)."""
    replace, add = replace or {}, add or {}
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in replace:
                content = replace[info.filename](content)
            target.writestr(info.filename, content)
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def upload(data, name="欠款台账.xlsx"):
    return SimpleUploadedFile(name, data)


def refusal(data, name="欠款台账.xlsx"):
    with pytest.raises(ValidationError) as excinfo:
        check_xlsx_upload(upload(data, name))
    return excinfo.value.messages[0]


def create(data, *, township, user, campaign, name="欠款台账.xlsx"):
    return import_batch_create(kind="arrears", township=township, upload=upload(data, name), uploaded_by=user, campaign=campaign)


# ---- the upload check ----------------------------------------------------------------------

def test_it_accepts_an_xlsx_and_gives_its_size_and_digest():
    data = ledger_bytes(["王五", "借款", "2019-5-13", 100])

    checked = check_xlsx_upload(upload(data))

    assert (checked.name, checked.size, checked.sha256) == ("欠款台账.xlsx", len(data), hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("name", ["欠款台账.xls", "欠款台账.et", "欠款台账.csv"])
def test_it_refuses_old_excel_and_wps_files_by_name_with_a_hint(name):
    assert refusal(ledger_bytes(), name) == f"只能导入 .xlsx 格式的 Excel 文件，“{name}”不是；.xls 或 .et 文件请先在 Excel 或 WPS 中“另存为” .xlsx。"


@pytest.mark.parametrize("name", ["欠款台账.xlsm", "欠款台账.pdf", "欠款台账", "欠款台账.xlsx.exe"])
def test_it_refuses_a_file_not_named_xlsx(name):
    assert refusal(ledger_bytes(), name) == f"只能导入 .xlsx 格式的 Excel 文件，“{name}”不是。"


def test_it_accepts_an_upper_case_extension():
    assert check_xlsx_upload(upload(ledger_bytes(), "台账.XLSX")).name == "台账.XLSX"


def test_it_refuses_a_text_file_renamed_xlsx():
    assert refusal("姓名,金额\n王五,100\n".encode()) == "“欠款台账.xlsx”的内容不是 .xlsx 格式（可能是别的文件改了扩展名），请在 Excel 或 WPS 中另存为 .xlsx。"


def test_it_refuses_an_empty_file():
    assert refusal(b"") == "文件是空的。"


def test_it_refuses_a_zip_that_is_not_a_workbook():
    stream = BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")

    assert refusal(stream.getvalue()).startswith("“欠款台账.xlsx”已损坏，或不是 Excel 工作簿")


def test_it_refuses_a_truncated_xlsx():
    data = ledger_bytes(["王五", "借款", "2019-5-13", 100])

    assert "已损坏" in refusal(data[: len(data) // 2])


@override_settings(IMPORT_MAX_BYTES=2000)
def test_it_refuses_a_file_over_the_size_limit():
    data = ledger_bytes(["王五", "借款", "2019-5-13", 100])
    assert len(data) > 2000

    assert refusal(data).endswith("的上限。请按村拆成几个文件分别导入。")


@override_settings(IMPORT_MAX_BYTES=10 * 1024 * 1024)
def test_it_says_how_far_over_the_limit_a_file_is():
    just_over = SimpleNamespace(name="台账.xlsx", size=int(10.4 * 1024 * 1024))  # refused before it is read

    with pytest.raises(ValidationError) as excinfo:
        check_xlsx_upload(just_over)

    assert excinfo.value.messages == ["文件 10.4 MB，超过了 10 MB 的上限。请按村拆成几个文件分别导入。"]


@override_settings(IMPORT_MAX_EXPANDED_BYTES=1024 * 1024)
def test_it_refuses_a_zip_bomb():
    bomb = rezip(ledger_bytes(["王五", "借款", "2019-5-13", 100]), add={"xl/media/image1.bin": bytes(5 * 1024 * 1024)})
    assert len(bomb) < 50_000

    assert refusal(bomb) == "文件解压后超过 1 MB，可能是恶意构造的压缩包，已拒绝。"


def _understate_size(data, member, size):
    """``data`` with ``member``'s uncompressed size in its local and central headers set to
    ``size``: a zip that lies about what it expands to."""
    data = bytearray(data)
    name = member.encode()
    local = 0
    while True:
        local = data.find(b"PK\x03\x04", local)
        name_length = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30:local + 30 + name_length] == name:
            struct.pack_into("<I", data, local + 22, size)
            break
        local += 4
    central = 0
    while True:
        central = data.find(b"PK\x01\x02", central)
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + name_length] == name:
            struct.pack_into("<I", data, central + 24, size)
            break
        central += 4
    return bytes(data)


@override_settings(IMPORT_MAX_EXPANDED_BYTES=1024 * 1024)
def test_it_refuses_a_zip_bomb_that_understates_its_size():
    bomb = rezip(ledger_bytes(), add={"xl/media/image1.bin": bytes(5 * 1024 * 1024)})
    lying = _understate_size(bomb, "xl/media/image1.bin", 100)
    with zipfile.ZipFile(BytesIO(lying)) as archive:
        assert sum(info.file_size for info in archive.infolist()) < 1024 * 1024

    assert refusal(lying) in (
        "文件解压后超过 1 MB，可能是恶意构造的压缩包，已拒绝。",
        "“欠款台账.xlsx”已损坏，或不是 Excel 工作簿，请在 Excel 或 WPS 中重新另存为 .xlsx。",
    )


def test_it_refuses_a_workbook_with_macros_named_xlsx():
    macro_main = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    xlsm = rezip(ledger_bytes(), replace={
        "[Content_Types].xml": lambda xml: xml.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", macro_main),
    })

    assert refusal(xlsm) == "“欠款台账.xlsx”不是普通的 .xlsx 工作簿（可能含有宏或是模板文件），请另存为 .xlsx 后再导入。"


def test_it_refuses_through_the_service_and_keeps_nothing(township, staff_user, campaign):
    with pytest.raises(ValidationError) as excinfo:
        create(b"not a workbook", township=township, user=staff_user, campaign=campaign)

    assert list(excinfo.value.message_dict) == ["file"]
    assert not ImportBatch.objects.exists()


# ---- the XML inside ----------------------------------------------------------------------

def test_it_parses_workbooks_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def _with_entities(xml):
    xml = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
    return LAUGHS + xml.replace("<t>王五</t>".encode(), b"<t>&lol3;</t>", 1)


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_it_refuses_a_file_with_xml_entities(township, village_a, staff_user, campaign, member):
    data = ledger_bytes(["王五", "借款", "2019-5-13", 100])
    data = rezip(data, replace={member: _with_entities})
    batch = create(data, township=township, user=staff_user, campaign=campaign)

    batch = import_batch_validate(batch_id=batch.pk)

    assert batch.status == ImportStatus.INVALID
    assert batch.problems[0]["message"] == "无法读取该文件：ValueError。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。"
    assert load_workbook(batch.error_file.path).sheetnames == ["错误清单"]
    assert not Arrear.objects.exists()


def test_it_names_a_sheet_whose_xml_is_broken(township, village_a, staff_user, campaign):
    data = ledger_bytes(["王五", "借款", "2019-5-13", 100], ["李四", "借款", "2019-5-13", 100])
    data = rezip(data, replace={"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b'<row r="3"', b'<row r="3"<')})
    batch = create(data, township=township, user=staff_user, campaign=campaign)

    batch = import_batch_validate(batch_id=batch.pk)

    assert batch.status == ImportStatus.INVALID
    assert batch.problems == [{
        "sheet": "东岭村", "row": None, "column": None, "header": "",
        "message": "无法读取该工作表：ParseError。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。",
    }]
    assert load_workbook(batch.error_file.path).sheetnames == ["错误清单", "东岭村"]


# ---- formulas ------------------------------------------------------------------------------

def _formula_ledger(cached):
    """A ledger whose amount is ``=600+400``; ``cached``: the value Excel saved with it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东岭村"
    sheet.append(HEADERS)
    sheet.append(["王五", "借款", "2019-5-13", "=600+400"])
    stream = BytesIO()
    workbook.save(stream)
    value = b"<v>%s</v>" % cached if cached is not None else b"<v />"
    return rezip(stream.getvalue(), replace={
        "xl/worksheets/sheet1.xml": lambda xml: xml.replace(b"<f>600+400</f><v />", b"<f>600+400</f>" + value),
    })


def test_it_reads_a_formula_as_the_value_excel_saved(township, village_a, staff_user, campaign):
    batch = create(_formula_ledger(b"1000"), township=township, user=staff_user, campaign=campaign)
    batch = import_batch_validate(batch_id=batch.pk)
    assert batch.status == ImportStatus.READY, batch.problems
    import_batch_confirm(batch=batch, confirmed_by=staff_user)

    import_batch_run(batch_id=batch.pk)

    assert Arrear.objects.get().principal == Decimal("1000.00")


def test_it_never_evaluates_a_formula(township, village_a, staff_user, campaign):
    """The saved value is what counts, even when the formula would say otherwise."""
    batch = create(_formula_ledger(b"1234.5"), township=township, user=staff_user, campaign=campaign)
    batch = import_batch_validate(batch_id=batch.pk)
    import_batch_confirm(batch=batch, confirmed_by=staff_user)

    import_batch_run(batch_id=batch.pk)

    assert Arrear.objects.get().principal == Decimal("1234.50")


def test_it_reports_a_formula_without_a_saved_value_on_its_cell(township, village_a, staff_user, campaign):
    batch = create(_formula_ledger(None), township=township, user=staff_user, campaign=campaign)

    batch = import_batch_validate(batch_id=batch.pk)

    assert batch.status == ImportStatus.INVALID
    assert [(p["sheet"], p["row"], p["column"], p["header"]) for p in batch.problems] == [("东岭村", 2, 3, "欠款金额")]
    assert not Arrear.objects.exists()


def test_it_never_writes_text_as_a_formula_in_the_annotated_copy(tmp_path, township, village_a):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东岭村"
    sheet.append(HEADERS)
    sheet.append(["王五", "借款", "2019-5-13", 100])
    sheet["A2"].value = '=HYPERLINK("http://example.com","王五")'
    sheet["A2"].data_type = "s"  # text that looks like a formula, as a CSV import leaves it
    source = tmp_path / "ledger.xlsx"
    workbook.save(source)
    result = read_ledger(source, ArrearsLedger(), township=township)
    out = tmp_path / "errors.xlsx"

    write_annotated_copy(source, result.problems, out)

    cell = load_workbook(out)["东岭村"]["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com","王五")', "s")


# ---- the file is kept ---------------------------------------------------------------------

def test_it_keeps_the_uploaded_file_with_who_and_when(township, village_a, staff_user, campaign):
    data = ledger_bytes(["王五", "借款", "2019-5-13", 100])

    batch = create(data, township=township, user=staff_user, campaign=campaign, name="东岭村 欠款台账.xlsx")

    batch.refresh_from_db()
    with batch.file.open("rb") as stream:
        assert stream.read() == data
    assert batch.file.name.endswith(".xlsx")
    assert (batch.original_name, batch.size, batch.sha256) == ("东岭村 欠款台账.xlsx", len(data), hashlib.sha256(data).hexdigest())
    assert batch.uploaded_by == staff_user
    assert timezone.now() - batch.uploaded_at < timedelta(minutes=1)
    assert batch.status == ImportStatus.UPLOADED


def test_it_keeps_the_file_of_a_discarded_batch(township, village_a, staff_user, campaign):
    batch = create(ledger_bytes(["王五", "借款", "不知道", 100]), township=township, user=staff_user, campaign=campaign)
    batch = import_batch_validate(batch_id=batch.pk)

    batch = import_batch_discard(batch=batch, discarded_by=staff_user)

    assert batch.status == ImportStatus.DISCARDED
    assert batch.file.storage.exists(batch.file.name)
