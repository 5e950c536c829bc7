"""A new user imports a village ledger in a real browser, as the issue asks: download the
template, fill 20 rows with some mistakes, save it with LibreOffice, upload, read the errors,
fix them, import, and find the debtors in the lists.

The file goes through LibreOffice (``soffice --headless --convert-to xlsx``), so what is
uploaded is what LibreOffice writes, not what openpyxl writes.
"""

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.validators import national_id_check_char
from imports.choices import ImportStatus
from imports.models import ImportBatch
from recovery.models import Arrear, Debtor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def national_id(serial):
    first17 = f"37010219800101{serial:03d}"
    return first17 + national_id_check_char(first17)


def through_libreoffice(path, workdir):
    """Open and save the file with LibreOffice, as a user filling it in would."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("需要 LibreOffice（apt-get install -y libreoffice-calc，或运行 scripts/setup --test）")
    out = workdir / "lo"
    out.mkdir(exist_ok=True)
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{workdir}/lo-profile", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=120,
    )
    return out / path.name


def fill(template, target, village, *, mistakes):
    """20 rows under the template's headers (the example row deleted): 14 debtors, 6 of them
    with a second arrear. With ``mistakes``, four cells are wrong."""
    workbook = load_workbook(template)
    sheet = workbook.active
    sheet.title = village.name  # one sheet per village: the 村居 column may stay empty
    sheet.delete_rows(4)
    rows = []
    for i in range(20):
        person = i % 14
        rows.append([
            None, f"台账户{person:02d}", "个人", national_id(person) if person % 2 == 0 else None, None,
            None, None, "承包费" if i < 14 else "借款", "导入测试", f"2019.{1 + i % 12}.{1 + i % 27}",
            f"{1000 + i * 10:,}.50元", None,
        ])
    if mistakes:
        rows[2][3] = float(national_id(2))  # an ID typed into a number cell: digits lost
        rows[5][9] = "2019.2.30"  # no such day
        rows[8][10] = "12,34.5"  # thousands separator in the wrong place
        rows[11][7] = "罚款"  # not a category
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            sheet.cell(4 + offset, column, value)
    workbook.save(target)
    return rows


def upload(page, path):
    page.goto("/imports/add/")
    page.select_option("#id_kind", "arrears")
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()


def test_a_new_user_imports_a_ledger_from_the_template(phone, login, screenshot, staff_user, village_a, campaign, tmp_path):
    page = login(phone, staff_user)
    page.goto("/imports/")
    page.get_by_text("下载导入模板").click()  # the templates box is folded to one line
    with page.expect_download() as download:
        page.get_by_role("link", name="欠款人及欠款模板").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    first = tmp_path / "东岭村台账.xlsx"
    fill(template, first, village_a, mistakes=True)
    upload(page, through_libreoffice(first, tmp_path))
    screenshot(page, "import-errors")
    expect(page.locator("[data-status]")).to_have_text("有错误")
    problems = page.locator("table.problems tbody tr")
    expect(problems).to_have_count(4)
    text = page.locator("table.problems").inner_text()
    assert "身份证号被 Excel 存成了数字" in text and "日期不存在" in text
    assert "无法识别的欠款类别" in text and "无法识别的金额" in text
    # Row numbers as the user sees them in the file: headers on row 3, data from row 4.
    assert page.locator("table.problems tbody tr", has_text="日期不存在").locator("td").nth(1).inner_text() == "9"
    assert Debtor.objects.count() == 0

    with page.expect_download() as download:
        page.get_by_role("link", name="下载标注了错误的文件").click()
    download.value.save_as(tmp_path / "annotated.xlsx")
    annotated = load_workbook(tmp_path / "annotated.xlsx")
    assert annotated.sheetnames[0] == "错误清单"
    bad = annotated[village_a.name]["J9"]
    assert bad.comment is not None and "日期不存在" in bad.comment.text
    assert bad.fill.fgColor.rgb.endswith("FFC7CE")

    fixed = tmp_path / "东岭村台账-改正.xlsx"
    rows = fill(template, fixed, village_a, mistakes=False)
    upload(page, through_libreoffice(fixed, tmp_path))
    expect(page.locator("[data-status]")).to_have_text("待确认导入")
    preview = page.locator("dl.facts").nth(1).inner_text()
    assert "新增欠款人\n14" in preview and "新增欠款\n20 笔" in preview
    screenshot(page, "import-preview")
    with page.expect_navigation():
        page.get_by_role("button", name="确认导入").click()
    expect(page.locator("[data-status]")).to_have_text("已导入")
    screenshot(page, "import-receipt")

    batch = ImportBatch.objects.get(status=ImportStatus.IMPORTED)
    assert batch.uploaded_by == staff_user and batch.original_name == "东岭村台账-改正.xlsx"
    assert Debtor.objects.filter(import_batch=batch).count() == 14
    arrears = Arrear.objects.filter(import_batch=batch)
    assert arrears.count() == 20
    assert sum(a.principal for a in arrears) == sum(Decimal(row[10].replace(",", "").removesuffix("元")) for row in rows)
    assert arrears.filter(incurred_on=date(2019, 1, 1)).exists()

    with page.expect_navigation():
        page.get_by_role("link", name="本批新增的欠款人").click()
    expect(page.locator("text=只显示第")).to_be_visible()
    assert "共 14 条" in page.content()
    page.goto("/recovery/debtors/?q=台账户07")
    expect(page.locator("table").get_by_text("台账户07")).to_be_visible()

    # The same file again is refused before anything is read.
    upload(page, tmp_path / "lo" / fixed.name)
    expect(page.locator(".error, .form-errors").first).to_contain_text("不能重复导入")
