"""A township's first day without the demo, in a real phone-sized browser, as the issue asks:
an empty database -> the first-run page (township and administrator) -> the structure template
downloaded, filled with 12 villages and imported -> the cadres' logins made and their
passwords sheet downloaded (PDF, read back with pdftotext and drawn with pdftoppm) -> a cadre
logs in with the printed password, is made to change it, then sees their village.

Screenshots (375 px wide) and the sheet's first page as PNG go to var/screenshots/."""

import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from core.models import User
from imports.choices import ImportStatus
from imports.models import ImportBatch
from tests.browser.conftest import SCREENSHOTS
from tests.villages.structure import twelve_villages
from villages.models import Assignment, Village

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_PASSWORD = "Qs7mVx2pLk9w"
CADRE_PASSWORD = "Dl4nTr8wKq3z"


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def fill_structure(template, target):
    """The downloaded template, its example row deleted, with 12 villages under its headers."""
    workbook = load_workbook(template)
    sheet = workbook.active
    columns = {str(cell.value).lstrip("*"): cell.column for cell in sheet[3] if cell.value}
    sheet.delete_rows(4)
    for offset, row in enumerate(twelve_villages()):
        for header, value in row.items():
            sheet.cell(4 + offset, columns[header], value)
    workbook.save(target)


def submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_a_township_starts_clean_and_a_cadre_logs_in_with_the_printed_password(phone, screenshot, tmp_path):
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("需要 poppler-utils（pdftotext、pdftoppm）")
    page = phone
    assert not User.objects.exists() and not Village.objects.exists()

    # 1. The empty site shows the first-run page, without a login.
    page.goto("/")
    expect(page.locator("h1")).to_have_text("开始使用：创建乡镇和管理员")
    screenshot(page, "first-day-1-first-run")
    page.fill("#id_township_name", "清水镇")
    page.fill("#id_township_code", "371302101")
    page.fill("#id_display_name", "王管理")
    page.fill("#id_username", "qsadmin")
    page.fill("#id_password1", ADMIN_PASSWORD)
    page.fill("#id_password2", ADMIN_PASSWORD)
    submit(page, "创建乡镇和管理员")
    expect(page.locator("h1")).to_have_text("开始使用")
    screenshot(page, "first-day-2-start")

    # 2. The structure: the template, 12 villages, upload, preview, confirm.
    with page.expect_download() as download:
        page.get_by_role("link", name="下载组织架构模板").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    filled = tmp_path / "清水镇组织架构.xlsx"
    fill_structure(template, filled)
    page.get_by_role("link", name="上传组织架构").click()
    page.wait_for_url("**/imports/add/?kind=structure")
    assert page.locator("#id_kind").input_value() == "structure"
    page.set_input_files("#id_file", str(filled))
    submit(page, "上传并检查")
    expect(page.locator("[data-status]")).to_have_text("待确认导入")
    preview = page.locator("dl.facts").nth(1).inner_text()
    assert "新增村居\n12 个" in preview and "新增片区\n3 个" in preview
    screenshot(page, "first-day-3-structure-preview")
    submit(page, "确认导入")
    expect(page.locator("[data-status]")).to_have_text("已导入")
    assert ImportBatch.objects.get().status == ImportStatus.IMPORTED
    assert Village.objects.count() == 12 and Assignment.objects.count() == 45

    # 3. The cadres' logins, and the sheet of their passwords.
    page.goto("/onboarding/cadre-accounts/")
    assert page.locator("input[name=villages]:checked").count() == 12
    screenshot(page, "first-day-4-cadre-accounts")
    submit(page, "创建账号并生成初始密码")
    expect(page.locator("#created-accounts tbody tr")).to_have_count(12)
    screenshot(page, "first-day-5-passwords")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载初始密码单（PDF）").click()
    sheet = tmp_path / "passwords.pdf"
    download.value.save_as(sheet)
    text = subprocess.run(["pdftotext", "-layout", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    assert "清水镇村干部账号初始密码" in text
    line = next(line for line in text.splitlines() if "cadre-V001" in line)
    assert "东岭村" in line
    printed = re.search(r"cadre-V001\s+(\w{12})", line)[1]
    assert sum("cadre-V" in line for line in text.splitlines()) == 12
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(sheet), str(SCREENSHOTS / "first-day-passwords-pdf")], check=True)

    # 4. The cadre of 东岭村 logs in with the printed password, must change it, then sees the village.
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", "cadre-V001")
    page.fill("#id_password", printed)
    submit(page, "登录")
    assert page.url.endswith("/password/")
    expect(page.locator(".notice")).to_contain_text("请先设置一个只有您自己知道的新密码")
    screenshot(page, "first-day-6-change-password")
    page.goto("/villages/")
    assert page.url.endswith("/password/")  # every page sends them back until it is changed
    page.fill("#id_old_password", printed)
    page.fill("#id_new_password1", CADRE_PASSWORD)
    page.fill("#id_new_password2", CADRE_PASSWORD)
    submit(page, "保存新密码")
    expect(page.locator(".message-success")).to_contain_text("密码已修改")
    assert "东岭村" in page.locator("main").inner_text()
    screenshot(page, "first-day-7-cadre-home")
    cadre = User.objects.get(username="cadre-V001")
    assert not cadre.must_change_password and cadre.check_password(CADRE_PASSWORD)
    page.goto(f"/villages/{cadre.village_id}/")
    expect(page.locator("h1")).to_contain_text("东岭村")
