"""Importing a ledger of debtors and arrears: messy sheets read exactly, errors named by
sheet, row and column, the preview, and an import that is all or nothing.

Every file is built here with openpyxl, from the downloadable template or by hand the way
villages really lay out their ledgers.
"""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from openpyxl import Workbook, load_workbook

from imports.choices import ImportStatus
from imports.ledgers import Problem
from imports.services import import_batch_confirm, import_batch_create, import_batch_run, import_batch_validate
from imports.workbooks import template_workbook
from recovery import imports as recovery_imports
from recovery.choices import ArrearCategory, DebtorKind
from recovery.imports import ArrearsLedger
from recovery.models import Arrear, Debtor
from tests.factories import ArrearFactory, CampaignFactory, DebtorFactory, valid_credit_code, valid_national_id
from tests.imports.workbooks import filled_template

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


# ---- building and importing files ----------------------------------------------------------

def template_ledger(*rows):
    """The downloadable template with its example row replaced by ``rows`` (header -> value)."""
    return filled_template(ArrearsLedger(), *rows)


def row(name, amount, *, village="东岭村", category="借款", incurred_on="2019-5-13", **more):
    return {"村居": village, "姓名": name, "类别": category, "发生日期": incurred_on, "欠款金额": amount, **more}


def as_upload(workbook, name="欠款台账.xlsx"):
    stream = BytesIO()
    workbook.save(stream)
    return SimpleUploadedFile(name, stream.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def validated(workbook, *, township, user, campaign, name="欠款台账.xlsx"):
    batch = import_batch_create(kind="arrears", township=township, upload=as_upload(workbook, name), uploaded_by=user, campaign=campaign)
    return import_batch_validate(batch_id=batch.pk)


def imported(workbook, *, township, user, campaign):
    batch = validated(workbook, township=township, user=user, campaign=campaign)
    assert batch.status == ImportStatus.READY, batch.problems
    import_batch_confirm(batch=batch, confirmed_by=user)
    return import_batch_run(batch_id=batch.pk)


def problems(batch):
    return [(p["sheet"], p["row"], p["column"], p["header"]) for p in batch.problems]


def message(batch, sheet, row, header):
    return next(p["message"] for p in batch.problems if (p["sheet"], p["row"], p["header"]) == (sheet, row, header))


def summary(data):
    return dict(tuple(item) for item in data["summary"])


def table(data, title):
    return next(t for t in data["tables"] if t["title"] == title)


def messy_workbook():
    """Two village sheets laid out by hand, as villages keep them, and a hidden old sheet."""
    workbook = Workbook()
    east = workbook.active
    east.title = "东岭村"  # no 村居 column: the sheet is named after its village
    east["A1"] = "东岭村集体经济组织欠款台账（2019年）"
    east.merge_cells("A1:G1")
    east["A2"] = "填报单位：东岭村村委会"
    east.append(["序号", "欠款人姓名", "身份证号码", "欠款类别", "发生时间", "欠款金额（元）", "附件"])
    east.append([1, "王　五", valid_national_id(1).translate(FULL_WIDTH), "承包费", datetime(2019, 5, 13), "１２，３４５．５０元", "合同一份"])
    east.append([2, "李 四", None, "借款", "2019.5.13", "1,000", None])
    east.append([3, "赵六", None, "租赁费", "2019年5月13日", 2500.5, None])
    east.append([4, "孙七", None, "其他", "２０１９－５－１３", "￥800元", None])
    east.append([])
    east.append(["合计", None, None, None, None, 16646, None])
    east.append(["制表人：张会计", None, None, "审核：李主任"])
    east.append([])
    east.append([])

    west = workbook.create_sheet("西河村")
    west["A1"] = "西河村欠款台账"
    west.merge_cells("A1:E1")
    west["A2"] = "单位：万元"
    west.append(["姓名", "类别", "日期", "欠款金额（万元）", "尚欠金额"])
    west.append(["周八", "工程款", datetime(2020, 1, 2), "1.5", 0.8])
    west.append(["吴九", "占用集体资金", "2020/1/2", 2, None])
    west.append(["注：以上金额单位为万元，尚欠金额为截至2024年底数。"])

    old = workbook.create_sheet("旧账")
    old.append(["这张表", "已经作废", "不会导入"])
    old.append(["王五", "一千块", "去年"])
    old.sheet_state = "hidden"
    return workbook


# ---- reading messy sheets --------------------------------------------------------------------

def test_it_reads_a_messy_workbook_exactly(township, village_a, village_b, staff_user, campaign):
    batch = validated(messy_workbook(), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.READY, batch.problems
    assert batch.row_count == 6
    assert summary(batch.preview)["新增欠款金额（元）"] == "44,646.00"

    batch = import_batch_confirm(batch=batch, confirmed_by=staff_user)
    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    arrears = {
        a.debtor.name: (a.village_id, a.category, a.incurred_on, a.principal, a.outstanding, a.ledger_amount)
        for a in Arrear.objects.select_related("debtor")
    }
    may_13 = date(2019, 5, 13)
    assert arrears == {
        "王五": (village_a.pk, ArrearCategory.CONTRACT_FEE, may_13, Decimal("12345.50"), Decimal("12345.50"), Decimal("12345.50")),
        "李四": (village_a.pk, ArrearCategory.LOAN, may_13, Decimal("1000.00"), Decimal("1000.00"), Decimal("1000.00")),
        "赵六": (village_a.pk, ArrearCategory.LEASE_FEE, may_13, Decimal("2500.50"), Decimal("2500.50"), Decimal("2500.50")),
        "孙七": (village_a.pk, ArrearCategory.OTHER, may_13, Decimal("800.00"), Decimal("800.00"), Decimal("800.00")),
        "周八": (village_b.pk, ArrearCategory.CONSTRUCTION, date(2020, 1, 2), Decimal("8000.00"), Decimal("8000.00"), Decimal("15000.00")),
        "吴九": (village_b.pk, ArrearCategory.OCCUPIED_FUNDS, date(2020, 1, 2), Decimal("20000.00"), Decimal("20000.00"), Decimal("20000.00")),
    }
    assert Debtor.objects.get(name="王五").national_id == valid_national_id(1)
    assert not Debtor.objects.filter(name__in=["这张表", "合计", "制表人：张会计"]).exists()


def test_it_finds_the_village_in_the_village_column(township, village_a, village_b, staff_user, campaign):
    workbook = template_ledger(
        row("王五", 100, village="东岭村"),
        row("李四", 200, village="LS-002"),  # a village's code works as well as its name
    )

    batch = imported(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    assert dict(Debtor.objects.values_list("name", "village_id")) == {"王五": village_a.pk, "李四": village_b.pk}


def test_it_refuses_a_village_of_another_township(township, village_a, other_village, staff_user, campaign):
    batch = validated(template_ledger(row("王五", 100, village="北湖村")), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("村名", 4, 0, "村居")]
    assert "不是本乡镇的村居" in batch.problems[0]["message"]


def test_it_refuses_a_sheet_without_village_column_whose_name_is_no_village(township, village_a, staff_user, campaign):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(["姓名", "类别", "发生日期", "欠款金额"])
    sheet.append(["王五", "借款", "2019-5-13", 100])

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("Sheet1", 1, None, "")]
    assert "请加一列“村居”，或把工作表改名为村居名称" in batch.problems[0]["message"]


def test_it_refuses_the_templates_example_row(township, village_a, staff_user, campaign):
    workbook = template_workbook(ArrearsLedger())  # row 4 is the example, left in

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("村名", 4, None, "")]
    assert batch.problems[0]["message"] == "这是模板里的示例行，请删除后再导入。"
    assert not Debtor.objects.exists()


def test_it_refuses_the_example_row_of_a_template_without_its_village_column(township, village_a, staff_user, campaign):
    workbook = template_workbook(ArrearsLedger())
    sheet = workbook.active
    sheet.delete_cols(1)  # 村居 taken out: the sheet is named after its village
    sheet.title = "东岭村"

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [("东岭村", 4, None, "")]
    assert batch.problems[0]["message"] == "这是模板里的示例行，请删除后再导入。"


def test_it_refuses_a_note_stating_another_unit_than_the_columns(township, village_a, staff_user, campaign):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东岭村"
    sheet.append(["姓名", "类别", "发生日期", "欠款金额"])
    sheet.append(["王五", "借款", "2019-5-13", 1.5])
    sheet.append(["说明：单位：万元"])

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("东岭村", 3, None, "")]
    assert "金额列按“元”读取" in batch.problems[0]["message"]


# ---- errors: on their cell, never guessed ------------------------------------------------------

def bad_workbook():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东岭村"
    sheet["A1"] = "东岭村欠款台账"
    sheet.merge_cells("A1:D1")
    sheet.append(["姓名", "类别", "发生日期", "欠款金额"])
    sheet.append(["王五", "借款", "2019.13.45", 1000])      # row 3: no 13th month
    sheet.append(["李四", "借款", "2019-5-13", "一千元"])    # row 4: amount in words
    sheet.append([None, "借款", "2019-5-13", 500])          # row 5: no name
    sheet.append(["赵六", "房贷", "2019-5-13", 500])        # row 6: no such category
    sheet.append(["孙七", "借款", 43598, 500])              # row 7: a date serial that lost its format
    sheet.append(["周八", "借款", "2019-5-13", "1,23,4"])   # row 8: thousands in wrong groups
    sheet.append(["吴九", "借款", "2019-5-13", 12.345])     # row 9: less than a cent
    sheet.append(["郑十", "借款", "19-5-13", 500])          # row 10: two-digit year
    sheet.append(["钱一", "借款", "2019-5-13", 500])        # row 11: fine
    return workbook


def test_it_names_every_unreadable_cell_by_sheet_row_and_column(township, village_a, staff_user, campaign):
    batch = validated(bad_workbook(), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [
        ("东岭村", 3, 2, "发生日期"),
        ("东岭村", 4, 3, "欠款金额"),
        ("东岭村", 5, 0, "姓名"),
        ("东岭村", 6, 1, "类别"),
        ("东岭村", 7, 2, "发生日期"),
        ("东岭村", 8, 3, "欠款金额"),
        ("东岭村", 9, 3, "欠款金额"),
        ("东岭村", 10, 2, "发生日期"),
    ]
    assert batch.error_count == 8
    assert message(batch, "东岭村", 3, "发生日期") == "日期不存在：“2019.13.45”，请核对月份和日。"
    assert message(batch, "东岭村", 4, "欠款金额").startswith("无法识别的金额：“一千元”")
    assert message(batch, "东岭村", 5, "姓名") == "姓名不能为空。"
    assert message(batch, "东岭村", 6, "类别").startswith("无法识别的欠款类别：“房贷”")
    assert "无法判断是哪一天" in message(batch, "东岭村", 7, "发生日期")
    assert message(batch, "东岭村", 8, "欠款金额").startswith("无法识别的金额：“1,23,4”")
    assert message(batch, "东岭村", 9, "欠款金额") == "金额最多两位小数（分）：“12.345”。"
    assert "年份要写全四位" in message(batch, "东岭村", 10, "发生日期")
    assert not batch.plan_file
    assert not Debtor.objects.exists()


def test_it_says_where_a_problem_is_in_chinese():
    problem = Problem("东岭村", 4, 3, "欠款金额", "金额必须大于 0：“0”。")

    assert str(problem) == "工作表“东岭村” 第 4 行 D 列 （欠款金额）：金额必须大于 0：“0”。"
    assert str(Problem("", None, None, "", "文件中没有数据行。")) == "文件中没有数据行。"


def test_it_writes_an_annotated_copy_of_a_file_with_errors(township, village_a, staff_user, campaign):
    batch = validated(bad_workbook(), township=township, user=staff_user, campaign=campaign)

    copy = load_workbook(batch.error_file.path)

    assert copy.sheetnames == ["错误清单", "东岭村"]
    listing = list(copy["错误清单"].iter_rows(values_only=True))
    assert listing[0] == ("工作表", "行", "列", "列名", "问题")
    assert listing[1] == ("东岭村", 3, "C", "发生日期", "日期不存在：“2019.13.45”，请核对月份和日。")
    assert len(listing) == 1 + 8
    sheet = copy["东岭村"]
    bad = sheet["D4"]
    assert bad.value == "一千元"
    assert bad.fill.fgColor.rgb.endswith("FFC7CE")
    assert "无法识别的金额" in bad.comment.text
    assert sheet["C3"].comment.text.startswith("发生日期：日期不存在")
    good = sheet["D11"]
    assert good.value == 500
    assert good.comment is None
    assert good.fill.fgColor.rgb != bad.fill.fgColor.rgb
    assert sheet["A1"].value == "东岭村欠款台账"


def test_it_marks_the_first_cell_for_a_problem_of_a_whole_row(township, village_a, staff_user, campaign):
    batch = validated(template_workbook(ArrearsLedger()), township=township, user=staff_user, campaign=campaign)

    sheet = load_workbook(batch.error_file.path)["村名"]

    assert "示例行" in sheet["A4"].comment.text
    assert sheet["B4"].value == "张三"


def test_it_refuses_a_sheet_without_the_required_headers(township, village_a, staff_user, campaign):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东岭村"
    sheet.append(["姓名", "类别", "欠款金额"])
    sheet.append(["王五", "借款", 100])

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("东岭村", 1, None, "")]
    assert "缺少 “发生日期”" in batch.problems[0]["message"]
    assert load_workbook(batch.error_file.path).sheetnames == ["错误清单", "东岭村"]


def test_it_reports_a_file_with_no_rows(township, village_a, staff_user, campaign):
    workbook = template_ledger()

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert batch.problems[0]["message"] == "文件中没有数据行。"


# ---- matching and the preview --------------------------------------------------------------

def test_it_previews_new_and_matched_debtors_with_totals(township, village_a, village_b, staff_user, campaign):
    by_id = DebtorFactory(village=village_a, name="张三", national_id=valid_national_id(10))
    by_name = DebtorFactory(village=village_a, name="李四", national_id="")
    workbook = template_ledger(
        row("张三", 1000, 身份证号=valid_national_id(10)),
        row("李四", "2,000.50"),
        row("王五", 300, 身份证号=valid_national_id(11)),
        row("王五", 400, category="承包费", 身份证号=valid_national_id(11)),  # the same new debtor twice
        row("李四", 500, village="西河村"),  # another village: a new 李四
    )

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.READY, batch.problems
    assert summary(batch.preview) == {
        "数据行": 5,
        "新增欠款人": 2,
        "已有欠款人（匹配上）": 2,
        "新增欠款": "5 笔",
        "新增欠款金额（元）": "4,200.50",
        "跳过（已登记或已结清）": "0 行",
    }
    matched = table(batch.preview, "匹配到的已有欠款人")
    assert matched["rows"] == [
        ["东岭村", "张三", "身份证号", "工作表“村名”第 4 行"],
        ["东岭村", "李四", "姓名", "工作表“村名”第 5 行"],
    ]
    new = table(batch.preview, "新增欠款人")
    assert [r[:2] for r in new["rows"]] == [["东岭村", "王五"], ["西河村", "李四"]]
    assert "*" in new["rows"][0][2] and valid_national_id(11) not in new["rows"][0][2]
    assert table(batch.preview, "按村汇总")["rows"] == [
        ["东岭村", 4, 1, 4, "3,700.50"],
        ["西河村", 1, 1, 1, "500.00"],
    ]

    batch = import_batch_run(batch_id=import_batch_confirm(batch=batch, confirmed_by=staff_user).pk)

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    assert by_id.arrears.get().principal == Decimal("1000.00")
    assert by_name.arrears.get().principal == Decimal("2000.50")
    assert Debtor.objects.filter(name="王五").get().arrears.count() == 2
    assert Debtor.objects.filter(name="李四").count() == 2
    assert Debtor.objects.filter(import_batch=batch).count() == 2


def test_it_refuses_to_pick_between_two_debtors_of_the_same_name(township, village_a, staff_user, campaign):
    DebtorFactory(village=village_a, name="赵六", national_id=valid_national_id(20))
    DebtorFactory(village=village_a, name="赵六", national_id=valid_national_id(21))

    batch = validated(template_ledger(row("王五", 100), row("赵六", 100)), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("村名", 5, 1, "姓名")]
    assert message(batch, "村名", 5, "姓名") == "本村有 2 个名为“赵六”的欠款人，请填写身份证号（或统一社会信用代码）以区分。"


def test_it_matches_one_of_two_namesakes_by_id_number(township, village_a, staff_user, campaign):
    DebtorFactory(village=village_a, name="赵六", national_id=valid_national_id(20))
    second = DebtorFactory(village=village_a, name="赵六", national_id=valid_national_id(21))

    batch = imported(template_ledger(row("赵六", 100, 身份证号=valid_national_id(21))), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    assert Arrear.objects.get().debtor == second


def test_it_refuses_an_id_number_registered_to_another_name(township, village_a, staff_user, campaign):
    DebtorFactory(village=village_a, name="张三", national_id=valid_national_id(10))

    batch = validated(template_ledger(row("张四", 100, 身份证号=valid_national_id(10))), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("村名", 4, 3, "身份证号")]
    assert "与本行姓名“张四”不符" in batch.problems[0]["message"]


def test_it_refuses_two_names_with_one_id_number_in_the_file(township, village_a, staff_user, campaign):
    workbook = template_ledger(
        row("王五", 100, 身份证号=valid_national_id(11)),
        row("王六", 100, 身份证号=valid_national_id(11)),
    )

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [("村名", 5, 3, "身份证号")]
    assert "与工作表“村名”第 4 行相同" in batch.problems[0]["message"]


def test_it_refuses_the_same_arrear_twice_in_one_file(township, village_a, staff_user, campaign):
    batch = validated(template_ledger(row("王五", 100), row("王五", "100.00")), township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [("村名", 5, 10, "欠款金额")]
    assert "无法判断是否重复" in batch.problems[0]["message"]


def test_it_imports_an_organisation_by_its_credit_code(township, village_a, staff_user, campaign):
    batch = imported(
        template_ledger(row("兰山建筑有限公司", 5000, category="工程款", 统一社会信用代码=valid_credit_code(3))),
        township=township, user=staff_user, campaign=campaign,
    )

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    debtor = Debtor.objects.get()
    assert (debtor.kind, debtor.credit_code, debtor.national_id) == (DebtorKind.ORGANISATION, valid_credit_code(3), "")


def test_it_keeps_what_was_repaid_before_the_import_apart(township, village_a, staff_user, campaign):
    batch = imported(template_ledger(row("王五", 1000, 尚欠金额=600), row("李四", 500, 尚欠金额=0)), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    arrear = Arrear.objects.get()
    assert (arrear.debtor.name, arrear.principal, arrear.outstanding, arrear.ledger_amount) == (
        "王五", Decimal("600.00"), Decimal("600.00"), Decimal("1000.00"))
    assert summary(batch.preview)["跳过（已登记或已结清）"] == "1 行"


# ---- the import: all or nothing, and a receipt --------------------------------------------

def test_it_writes_a_receipt_and_marks_what_it_created(township, village_a, staff_user, campaign, debtor):
    batch = imported(template_ledger(row("王五", 100), row("张三", 200)), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    assert summary(batch.receipt) == {"新增欠款人": 1, "新增欠款": "2 笔", "新增欠款金额（元）": "300.00"}
    assert batch.confirmed_by == staff_user and batch.finished_at is not None
    assert list(Debtor.objects.filter(import_batch=batch).values_list("name", flat=True)) == ["王五"]
    assert Arrear.objects.filter(import_batch=batch).count() == 2
    assert set(Arrear.objects.values_list("created_by", flat=True)) == {staff_user.pk}


def test_it_writes_nothing_when_a_debtor_is_created_meanwhile(township, village_a, staff_user, campaign, monkeypatch):
    """Another session registers one of the new debtors (same 身份证号) after the rows were
    matched inside the import: the unique constraint stops the write, and nothing the batch
    wrote before it remains."""
    monkeypatch.setattr("recovery.services.IMPORT_CHUNK", 1)  # one INSERT per row: the failure comes midway
    workbook = template_ledger(
        row("王五", 100, 身份证号=valid_national_id(11)),
        row("李四", 200, 身份证号=valid_national_id(12)),
        row("赵六", 300, 身份证号=valid_national_id(13)),
    )
    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    real_create = recovery_imports.ledger_debtors_create

    def create_with_a_rival(*, debtors, **kwargs):
        DebtorFactory(village=village_a, name="赵六", national_id=valid_national_id(13))
        return real_create(debtors=debtors, **kwargs)

    monkeypatch.setattr(recovery_imports, "ledger_debtors_create", create_with_a_rival)

    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.FAILED
    assert batch.failure == (
        "导入时出错，本次没有导入任何数据：与数据库中的数据冲突（可能有人在此期间登记了相同的欠款人或记录）。"
        "请重新上传该文件，校验后再导入。"
    )
    assert not Debtor.objects.exists()
    assert not Arrear.objects.exists()


def test_it_writes_nothing_when_an_arrear_cannot_be_written(township, village_a, staff_user, campaign, monkeypatch):
    workbook = template_ledger(row("王五", 100), row("李四", 200))
    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    real_create = recovery_imports.ledger_arrears_create

    def fail_after_writing(**kwargs):
        real_create(**kwargs)
        raise IntegrityError("磁盘已满")

    monkeypatch.setattr(recovery_imports, "ledger_arrears_create", fail_after_writing)

    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.FAILED
    assert batch.failure.startswith("导入时出错，本次没有导入任何数据")
    assert not Debtor.objects.exists() and not Arrear.objects.exists()


def test_it_matches_a_debtor_registered_between_preview_and_import(township, village_a, staff_user, campaign):
    batch = validated(template_ledger(row("王五", 100, 身份证号=valid_national_id(11))), township=township, user=staff_user, campaign=campaign)
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    meanwhile = DebtorFactory(village=village_a, name="王五", national_id=valid_national_id(11))

    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.IMPORTED
    assert Debtor.objects.get() == meanwhile
    assert Arrear.objects.get().debtor == meanwhile


def test_it_fails_with_the_new_problems_when_the_ledger_changed_after_preview(township, village_a, staff_user, campaign):
    batch = validated(template_ledger(row("王五", 100), row("李四", 200)), township=township, user=staff_user, campaign=campaign)
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    DebtorFactory(village=village_a, name="李四", national_id=valid_national_id(30))
    DebtorFactory(village=village_a, name="李四", national_id=valid_national_id(31))

    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.FAILED
    assert batch.failure == "台账在预览之后有了变化，按现在的数据有以下问题，本次没有导入任何数据："
    assert problems(batch) == [("村名", 5, 1, "姓名")]
    assert not Arrear.objects.exists()
    assert Debtor.objects.filter(name="王五").count() == 0


# ---- importing again ---------------------------------------------------------------------------

def test_it_adds_only_what_is_new_from_an_updated_ledger(township, village_a, staff_user, campaign):
    first = template_ledger(
        row("王五", 1000, 身份证号=valid_national_id(11)),
        row("李四", 2000),
        row("赵六", 3000, 尚欠金额=2500),
    )
    imported(first, township=township, user=staff_user, campaign=campaign)
    updated = template_ledger(
        row("王五", "1,000.00", 身份证号=valid_national_id(11)),
        row("李四", 2000),
        row("赵六", 3000, 尚欠金额=1500),  # repaid some since: still the same arrear
        row("李四", 800, category="承包费", incurred_on="2020-3-1"),  # a new arrear of 李四
        row("孙七", 700),  # a new debtor
    )

    batch = validated(updated, township=township, user=staff_user, campaign=campaign, name="欠款台账（更新）.xlsx")

    assert batch.status == ImportStatus.READY, batch.problems
    assert summary(batch.preview)["新增欠款人"] == 1
    assert summary(batch.preview)["新增欠款"] == "2 笔"
    assert summary(batch.preview)["跳过（已登记或已结清）"] == "3 行"
    assert [r[2] for r in table(batch.preview, "跳过的行")["rows"]] == ["已登记过这笔欠款"] * 3

    batch = import_batch_run(batch_id=import_batch_confirm(batch=batch, confirmed_by=staff_user).pk)

    assert batch.status == ImportStatus.IMPORTED
    assert sorted(Debtor.objects.values_list("name", flat=True)) == sorted(["王五", "李四", "赵六", "孙七"])
    assert Arrear.objects.count() == 5
    assert Arrear.objects.filter(import_batch=batch).count() == 2
    assert Arrear.objects.get(debtor__name="赵六").outstanding == Decimal("2500.00")


def test_it_registers_an_arrear_of_another_campaign_again(township, village_a, staff_user, campaign):
    """An arrear is already registered within a campaign; another campaign has its own."""
    imported(template_ledger(row("王五", 1000)), township=township, user=staff_user, campaign=campaign)
    later = CampaignFactory(township=township, name="2026年清收行动")
    workbook = template_ledger(row("王五", 1000), row("李四", 5))

    batch = imported(workbook, township=township, user=staff_user, campaign=later)

    assert batch.status == ImportStatus.IMPORTED
    assert Debtor.objects.filter(name="王五").count() == 1
    assert Arrear.objects.filter(campaign=later).count() == 2


def test_it_skips_an_arrear_entered_by_hand_before_the_import(township, village_a, staff_user, campaign):
    debtor = DebtorFactory(village=village_a, name="王五", national_id="")
    ArrearFactory(debtor=debtor, campaign=campaign, category=ArrearCategory.LOAN, incurred_on=date(2019, 5, 13), principal=Decimal("1000.00"))

    batch = validated(template_ledger(row("王五", 1000)), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.READY
    assert summary(batch.preview)["新增欠款"] == "0 笔"
    assert summary(batch.preview)["跳过（已登记或已结清）"] == "1 行"


def test_it_matches_a_debtor_registered_without_id_number_when_the_ledger_adds_one(township, village_a, staff_user, campaign):
    imported(template_ledger(row("李四", 2000)), township=township, user=staff_user, campaign=campaign)
    updated = template_ledger(row("李四", 2000, 身份证号=valid_national_id(12)), row("李四", 300, category="租赁费", 身份证号=valid_national_id(12)))

    batch = validated(updated, township=township, user=staff_user, campaign=campaign, name="补填身份证号.xlsx")

    assert batch.status == ImportStatus.READY, batch.problems
    assert summary(batch.preview)["新增欠款人"] == 0
    assert table(batch.preview, "匹配到的已有欠款人")["rows"][0][2] == "姓名（系统中未登记身份证号）"
    assert summary(batch.preview)["为已有欠款人补登身份证号或信用代码"] == 1
    batch = import_batch_run(batch_id=import_batch_confirm(batch=batch, confirmed_by=staff_user).pk)
    assert Debtor.objects.count() == 1
    assert Arrear.objects.count() == 2
    assert Debtor.objects.get().national_id == valid_national_id(12)  # the number the ledger added


def test_it_fills_no_number_that_does_not_fit_the_debtors_kind(township, village_a, staff_user, campaign):
    """A person registered without a number, named in a ledger with a credit code: matched by
    name, but a person never gets a credit code."""
    DebtorFactory(village=village_a, name="王五", national_id="")
    batch = imported(
        template_ledger(row("王五", 100, 统一社会信用代码=valid_credit_code(3), 欠款人类型="单位")),
        township=township, user=staff_user, campaign=campaign,
    )
    assert batch.status == ImportStatus.IMPORTED, batch.failure
    debtor = Debtor.objects.get(name="王五")
    assert (debtor.kind, debtor.credit_code, debtor.national_id) == (DebtorKind.PERSON, "", "")


def test_it_refuses_two_id_numbers_for_one_debtor_registered_without_one(township, village_a, staff_user, campaign):
    DebtorFactory(village=village_a, name="李四", national_id="")
    workbook = template_ledger(row("李四", 100, 身份证号=valid_national_id(12)), row("李四", 200, 身份证号=valid_national_id(13)))

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("村名", 5, 3, "身份证号")]
    assert "无法判断是哪一个" in batch.problems[0]["message"]


def test_it_keeps_a_namesake_with_another_id_number_apart(township, village_a, staff_user, campaign):
    DebtorFactory(village=village_a, name="李四", national_id=valid_national_id(12))

    batch = imported(template_ledger(row("李四", 100, 身份证号=valid_national_id(13))), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    assert Debtor.objects.filter(name="李四").count() == 2


def test_it_skips_rows_empty_but_for_their_number_or_village(township, village_a, staff_user, campaign):
    """Ledgers are often numbered (序号) or given the village down to row 200 in advance."""
    rows = [["序号", "村居", "姓名", "类别", "发生日期", "欠款金额"], [1, village_a.name, "王二", "借款", "2019-5-13", 500]]
    rows += [[n, village_a.name, None, None, None, None] for n in range(2, 200)]
    workbook = Workbook()
    workbook.active.title = village_a.name
    for values in rows:
        workbook.active.append(values)
    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)
    assert batch.status == ImportStatus.READY, batch.problems
    assert batch.preview["summary"][0] == ["数据行", 1]
