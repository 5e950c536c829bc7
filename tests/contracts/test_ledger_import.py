"""Importing the villages' contract ledgers (合同台账) through the real flow: upload ->
validate -> preview or problems -> confirm -> import in one transaction -> receipt.

The workbooks are built with openpyxl: the downloadable template filled in, and sheets the
way villages keep them (a merged title over the header, 万元, text dates, full-width digits,
a sheet per village, a hidden sheet, notes under the table).
"""

from collections import Counter
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

import contracts.imports
from contracts.choices import ContractCategory, ContractForm, ContractStatus
from contracts.imports import ContractsLedger
from contracts.models import Contract, ContractStatusChange
from contracts.services import contract_create, ledger_contracts_create
from core.validators import mask_national_id
from imports.choices import ImportStatus
from imports.reading import VILLAGE, VILLAGE_VOCABULARY
from imports.services import import_batch_confirm, import_batch_create, import_batch_run, import_batch_validate
from imports.workbooks import template_workbook
from recovery.choices import DebtorKind
from recovery.imports import IDENTITY_NUMBER
from recovery.models import Debtor
from tests.factories import DebtorFactory, valid_credit_code, valid_national_id

pytestmark = pytest.mark.django_db

KIND = ContractsLedger()
HEADERS = [column.header for column in KIND.columns]
ID_ZHANG = valid_national_id(801)  # far from the factories' sequence
ID_LI = valid_national_id(802)


# ---- building workbooks -------------------------------------------------------------------


def contract_row(**values):
    """A row of the template, in its column order; keyword names are the template headers."""
    row = {
        "村居": "东岭村", "合同编号": "DL-2019-001", "承包方": "王建国", "承包方类型": None, "身份证号": None,
        "统一社会信用代码": None, "合同类别": "机动地", "标的": "南洼机动地", "面积": 3.5, "年承包费": 1750,
        "起始日期": "2019-01-01", "终止日期": "2028-12-31", "合同形式": "书面合同", "履行四议两公开": "是",
    }
    unknown = set(values) - set(row)
    assert not unknown, unknown
    row.update(values)
    return [row[header] for header in HEADERS]


def filled_template(*rows, title="合同台账"):
    """The downloadable template with its example row replaced by ``rows``."""
    workbook = template_workbook(KIND)
    sheet = workbook.active
    sheet.title = title
    sheet.delete_rows(4)
    for number, values in enumerate(rows, start=4):
        for column, value in enumerate(values, start=1):
            sheet.cell(number, column, value)
    return workbook


def xlsx(workbook):
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def validated(township, user, workbook, name="合同台账.xlsx"):
    batch = import_batch_create(
        kind="contracts", township=township, upload=SimpleUploadedFile(name, xlsx(workbook)), uploaded_by=user,
    )
    return import_batch_validate(batch_id=batch.pk)


def imported(batch, user):
    assert batch.status == ImportStatus.READY, batch.problems
    import_batch_confirm(batch=batch, confirmed_by=user)
    return import_batch_run(batch_id=batch.pk)


def problems_of(batch):
    return [(p["sheet"], p["row"], p["column"], p["header"], p["message"]) for p in batch.problems]


def summary_of(batch_json):
    return dict(batch_json["summary"])


def table(preview, title):
    return next(t for t in preview["tables"] if t["title"] == title)


def column_of(header):
    return HEADERS.index(header)


# ---- the template, filled in ------------------------------------------------------------


def test_it_imports_the_template_filled_in(township, village_a, village_b, staff_user):
    workbook = filled_template(
        contract_row(),
        contract_row(**{"村居": "LS-002", "合同编号": "XH-001", "承包方": "西河养殖专业合作社", "统一社会信用代码": valid_credit_code(7),
                        "合同类别": "四荒地", "标的": "西山荒坡", "面积": "120亩", "年承包费": "12,000.00",
                        "起始日期": "2020.3.1", "终止日期": "2035.2.28", "合同形式": "仅有收据", "履行四议两公开": None}),
    )
    batch = validated(township, staff_user, workbook)

    assert batch.status == ImportStatus.READY, batch.problems
    assert summary_of(batch.preview) == {
        "数据行": 2, "新增合同": "2 份", "其中关联到欠款人台账": "0 份",
        "新增合同年承包费合计（元）": "13,750.00", "跳过（已登记过该合同编号）": "0 行",
    }
    assert table(batch.preview, "按村汇总")["rows"] == [["东岭村", 1, 1, "1,750.00", 0], ["西河村", 1, 1, "12,000.00", 0]]
    assert table(batch.preview, "新增合同")["rows"][0] == [
        "东岭村", "DL-2019-001", "王建国", "机动地", "南洼机动地", "3.50", "1,750.00",
        "2019-01-01 至 2028-12-31", "未关联：欠款人台账中没有该承包方", "工作表“合同台账”第 4 行",
    ]
    assert Contract.objects.count() == 0  # a preview writes nothing

    batch = imported(batch, staff_user)

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    assert batch.receipt == {
        "summary": [["新增合同", "2 份"], ["其中关联到欠款人台账", "0 份"], ["年承包费合计（元）", "13,750.00"]],
        "links": [["本批新增的合同", "contracts:contract_list"]],
    }
    land = Contract.objects.get(village=village_a, number="DL-2019-001")
    assert (land.counterparty_name, land.counterparty_kind, land.category, land.subject) == (
        "王建国", DebtorKind.PERSON, ContractCategory.RESERVE_LAND, "南洼机动地",
    )
    assert (land.area_mu, land.annual_fee, land.start_date, land.end_date) == (
        Decimal("3.50"), Decimal("1750.00"), date(2019, 1, 1), date(2028, 12, 31),
    )
    assert (land.form, land.democratic_procedure, land.debtor, land.status) == (
        ContractForm.WRITTEN, True, None, ContractStatus.TO_FIND,
    )
    assert land.import_batch == batch
    coop = Contract.objects.get(village=village_b, number="XH-001")
    assert coop.counterparty_kind == DebtorKind.ORGANISATION  # it has a 统一社会信用代码
    assert (coop.area_mu, coop.annual_fee, coop.form, coop.democratic_procedure) == (
        Decimal("120.00"), Decimal("12000.00"), ContractForm.RECEIPT_ONLY, False,
    )
    changes = ContractStatusChange.objects.order_by("contract__number")
    assert [(c.contract.number, c.from_status, c.to_status, c.changed_by) for c in changes] == [
        ("DL-2019-001", "", ContractStatus.TO_FIND, staff_user),
        ("XH-001", "", ContractStatus.TO_FIND, staff_user),
    ]
    assert changes[0].note == f"登记合同（第 {batch.pk} 批台账导入）"
    assert Debtor.objects.count() == 0  # contracts never create debtors


def test_it_refuses_the_template_example_row_left_in(township, village_a, staff_user):
    workbook = template_workbook(KIND)
    workbook.active.append(contract_row())

    batch = validated(township, staff_user, workbook)

    assert batch.status == ImportStatus.INVALID
    assert problems_of(batch) == [("村名", 4, None, "", "这是模板里的示例行，请删除后再导入。")]


def test_it_has_no_header_name_that_could_be_two_of_its_columns():
    wanted = [*KIND.required, *KIND.optional, VILLAGE]
    vocabulary = KIND.vocabulary | VILLAGE_VOCABULARY
    names = Counter(name for header in wanted for name in vocabulary.names_for(header))
    assert [name for name, count in names.items() if count > 1] == []
    # The template has every column but the one of either number (证件号码), which villages'
    # own ledgers have and the template splits in two.
    assert HEADERS[0] == VILLAGE and sorted(HEADERS) == sorted(set(wanted) - {IDENTITY_NUMBER})


# ---- messy ledgers --------------------------------------------------------------------------


def village_sheet(workbook, title, header, *rows, index=None):
    sheet = workbook.create_sheet(title, index)
    sheet.append([f"{title}集体资源资产承包合同台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(["填报单位：" + title, None, None, None, "填报日期：2025年6月30日"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    return sheet


def test_it_reads_messy_ledgers_a_sheet_per_village(township, village_a, village_b, staff_user):
    header = ["序号", "合同号", "承包人", "身份证号码", "类别", "地块名称", "承包面积", "年承包费\n（万元）",
              "开始日期", "到期日期", "签订形式", "四议两公开"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    village_sheet(
        workbook, "东岭村", header,
        [1, "ＤＬ－００１", "王 建 国", ID_ZHANG, "机动地", "南洼", "１２.５亩", 0.175, "2019年5月13日", "２０２９年５月１２日", "书面", "是"],
        [2, "DL-002", "李四", None, "建设用地", "村东厂房用地", None, "1.2", date(2021, 1, 1), "2030/12/31", "口头约定", "否"],
        [None, None, None, None, None, None, None, None, None, None, None, None],
        ["合计", None, None, None, None, None, 12.5, 1.375],
        ["制表人：张会计", None, None, None, "审核：王书记"],
    )
    village_sheet(
        workbook, "西河村", header,
        [1, "XH-001", "赵六", None, "经营性资产", "沿街门面房 3 间", 0, "0.36万元", "20200101", "2024.12.31", "仅有收据", None],
    )
    hidden = workbook.create_sheet("旧台账（作废）")
    hidden.append(["乱七八糟", "不是表头"])
    hidden.append(["DL-001", "这一页", "不该被读"])
    hidden.sheet_state = "hidden"  # read, it would be an error: no header row

    batch = validated(township, staff_user, workbook)

    assert batch.status == ImportStatus.READY, batch.problems
    assert summary_of(batch.preview)["新增合同"] == "3 份"
    assert summary_of(batch.preview)["新增合同年承包费合计（元）"] == "17,350.00"
    batch = imported(batch, staff_user)
    assert batch.status == ImportStatus.IMPORTED, batch.failure
    contracts = {c.number: c for c in Contract.objects.all()}
    assert set(contracts) == {"DL-001", "DL-002", "XH-001"}
    first = contracts["DL-001"]
    assert (first.village, first.counterparty_name, first.area_mu, first.annual_fee) == (
        village_a, "王建国", Decimal("12.50"), Decimal("1750.00"),
    )
    assert (first.start_date, first.end_date, first.form, first.democratic_procedure) == (
        date(2019, 5, 13), date(2029, 5, 12), ContractForm.WRITTEN, True,
    )
    second = contracts["DL-002"]
    assert (second.category, second.area_mu, second.annual_fee, second.form, second.democratic_procedure) == (
        ContractCategory.CONSTRUCTION_LAND, Decimal("0.00"), Decimal("12000.00"), ContractForm.ORAL, False,
    )
    shop = contracts["XH-001"]
    assert (shop.village, shop.annual_fee, shop.start_date, shop.end_date, shop.form) == (
        village_b, Decimal("3600.00"), date(2020, 1, 1), date(2024, 12, 31), ContractForm.RECEIPT_ONLY,
    )


def test_it_names_the_sheet_row_and_column_of_each_bad_cell(township, village_a, staff_user):
    workbook = filled_template(
        contract_row(**{"终止日期": "2018-12-31"}),
        contract_row(**{"合同编号": "DL-2", "承包方": None, "合同类别": "自留地", "面积": -2}),
        contract_row(**{"合同编号": "DL-3", "起始日期": "2019-2-30", "年承包费": "1750.555", "履行四议两公开": "不清楚"}),
        contract_row(**{"合同编号": "DL-4", "村居": "北湖村", "面积": "300平方米"}),
        contract_row(**{"合同编号": "DL-5", "承包方类型": "个人", "统一社会信用代码": valid_credit_code(3), "标的": " "}),
    )

    batch = validated(township, staff_user, workbook)

    assert batch.status == ImportStatus.INVALID
    sheet = "合同台账"
    assert problems_of(batch) == [
        (sheet, 4, column_of("终止日期"), "终止日期", "终止日期 2018-12-31 早于起始日期 2019-01-01。"),
        (sheet, 5, column_of("承包方"), "承包方", "承包方不能为空。"),
        (sheet, 5, column_of("合同类别"), "合同类别", "无法识别的合同类别：“自留地”。可填：机动地、四荒地、建设用地、经营性资产、其他。"),
        (sheet, 5, column_of("面积"), "面积", "面积不能为负数：“-2”。"),
        (sheet, 6, column_of("年承包费"), "年承包费", "金额最多两位小数（分）：“1750.555”。"),
        (sheet, 6, column_of("起始日期"), "起始日期", "日期不存在：“2019-2-30”，请核对月份和日。"),
        (sheet, 6, column_of("履行四议两公开"), "履行四议两公开", "无法识别的“履行四议两公开”：“不清楚”。可填：是、否。"),
        (sheet, 7, column_of("村居"), "村居", "“北湖村”不是本乡镇的村居名称或编号。"),
        (sheet, 7, column_of("面积"), "面积", "面积须以亩为单位，这里是平方米（“300平方米”）：请换算成亩（1 亩约 666.67 平方米）后填写。"),
        (sheet, 8, column_of("统一社会信用代码"), "统一社会信用代码", "个人承包方不填统一社会信用代码；如是单位，请在“承包方类型”填“单位”。"),
        (sheet, 8, column_of("标的"), "标的", "标的（地块或资产）不能为空。"),
    ]
    assert batch.error_file  # the annotated copy to download


def test_it_names_the_headers_a_sheet_lacks(township, village_a, staff_user):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东岭村"
    sheet.append(["合同编号", "承包方", "类别", "标的", "年承包费", "起始日期", "终止日期"])
    sheet.append(["DL-1", "王建国", "机动地", "南洼", 100, "2019-1-1", "2020-1-1"])

    batch = validated(township, staff_user, workbook)

    [(sheet_name, row, column, header, message)] = problems_of(batch)
    assert (sheet_name, row, column, header) == ("东岭村", 1, None, "")
    assert "缺少 “合同形式”" in message
    assert "“合同形式”可写作：合同形式、签订形式、合同方式、形式" in message


def test_it_refuses_a_sheet_without_a_village(township, village_a, staff_user):
    workbook = filled_template(contract_row(), title="Sheet1")
    workbook.active.delete_cols(1)  # no 村居 column, and the sheet is not named after a village

    batch = validated(township, staff_user, workbook)

    [(sheet, row, _, _, message)] = problems_of(batch)
    assert (sheet, row) == ("Sheet1", 3)
    assert "表中没有“村居”列，工作表名“Sheet1”也不是本乡镇的村居名称或编号" in message


# ---- matching: numbers ----------------------------------------------------------------------


def test_it_refuses_the_same_number_twice_in_a_file_naming_the_first_row(township, village_a, village_b, staff_user):
    workbook = filled_template(
        contract_row(),
        contract_row(**{"村居": "西河村"}),  # the same number in another village is another contract
        contract_row(**{"承包方": "李四"}),
    )

    batch = validated(township, staff_user, workbook)

    assert problems_of(batch) == [(
        "合同台账", 6, column_of("合同编号"), "合同编号",
        "合同编号“DL-2019-001”与工作表“合同台账”第 4 行重复，同一村的合同编号不能相同。",
    )]


def test_it_adds_only_the_new_contracts_of_an_updated_ledger(township, village_a, staff_user):
    first = imported(validated(township, staff_user, filled_template(
        contract_row(), contract_row(**{"合同编号": "DL-2019-002", "承包方": "李四"}),
    )), staff_user)
    assert first.status == ImportStatus.IMPORTED

    updated = filled_template(
        contract_row(**{"年承包费": 1800}),  # changed in the ledger since: still the same contract
        contract_row(**{"合同编号": "DL-2019-002", "承包方": "李四"}),
        contract_row(**{"合同编号": "DL-2025-003", "承包方": "赵六", "年承包费": 900}),
    )
    second = validated(township, staff_user, updated, name="合同台账（更新）.xlsx")

    assert second.status == ImportStatus.READY, second.problems
    assert summary_of(second.preview)["新增合同"] == "1 份"
    assert summary_of(second.preview)["跳过（已登记过该合同编号）"] == "2 行"
    assert table(second.preview, "跳过的行")["rows"] == [
        ["工作表“合同台账”第 4 行", "DL-2019-001", "王建国", "已登记过该合同编号"],
        ["工作表“合同台账”第 5 行", "DL-2019-002", "李四", "已登记过该合同编号"],
    ]
    second = imported(second, staff_user)
    assert second.status == ImportStatus.IMPORTED, second.failure
    assert Contract.objects.count() == 3
    assert Contract.objects.get(number="DL-2019-001").annual_fee == Decimal("1750.00")
    assert Contract.objects.get(number="DL-2025-003").import_batch == second


def test_it_matches_again_at_import_time_and_skips_a_contract_registered_since(township, village_a, staff_user):
    batch = validated(township, staff_user, filled_template(
        contract_row(), contract_row(**{"合同编号": "DL-2019-002", "承包方": "李四"}),
    ))
    contract_create(
        village=village_a, created_by=staff_user, number="DL-2019-002", counterparty_name="李四",
        category=ContractCategory.RESERVE_LAND, subject="北洼", annual_fee=Decimal("500"),
        start_date=date(2019, 1, 1), end_date=date(2020, 12, 31), form=ContractForm.WRITTEN,
    )

    batch = imported(batch, staff_user)

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    assert summary_of(batch.receipt)["新增合同"] == "1 份"
    assert Contract.objects.get(number="DL-2019-002").import_batch is None


# ---- matching: debtors ----------------------------------------------------------------------


def test_it_links_a_contract_to_the_one_debtor_that_fits(township, village_a, village_b, staff_user):
    by_id = DebtorFactory(village=village_a, name="张三", national_id=ID_ZHANG)
    by_name = DebtorFactory(village=village_a, name="李四", national_id=ID_LI)
    without_id = DebtorFactory(village=village_a, name="王五", national_id="")
    firm = DebtorFactory(village=village_a, organisation=True, name="兰山农业有限公司")
    DebtorFactory(village=village_a, name="赵六")
    DebtorFactory(village=village_a, name="赵六")
    DebtorFactory(village=village_b, name="孙七")
    workbook = filled_template(
        contract_row(**{"合同编号": "1", "承包方": "张三", "身份证号": ID_ZHANG}),
        contract_row(**{"合同编号": "2", "承包方": "李四"}),
        contract_row(**{"合同编号": "3", "承包方": "王五", "身份证号": valid_national_id(805)}),
        contract_row(**{"合同编号": "4", "承包方": "兰山农业有限公司"}),
        contract_row(**{"合同编号": "5", "承包方": "赵六"}),
        contract_row(**{"合同编号": "6", "承包方": "孙七"}),
        contract_row(**{"合同编号": "7", "承包方": "李四", "身份证号": valid_national_id(806)}),
    )

    batch = validated(township, staff_user, workbook)

    assert batch.status == ImportStatus.READY, batch.problems
    assert [row[8] for row in table(batch.preview, "新增合同")["rows"]] == [
        "按身份证号关联", "按姓名关联", "按姓名关联", "按姓名关联",
        "未关联：本村有 2 个名为“赵六”的欠款人，请填写身份证号或统一社会信用代码以区分",
        "未关联：欠款人台账中没有该承包方",
        "未关联：欠款人台账中没有该承包方",  # another 李四: the ledger's has another 身份证号
    ]
    assert summary_of(batch.preview)["其中关联到欠款人台账"] == "4 份"
    batch = imported(batch, staff_user)
    assert batch.status == ImportStatus.IMPORTED, batch.failure
    debtors = dict(Contract.objects.values_list("number", "debtor"))
    assert debtors == {"1": by_id.pk, "2": by_name.pk, "3": without_id.pk, "4": firm.pk, "5": None, "6": None, "7": None}
    # 承包方类型 not stated: the linked debtor's kind, not the default 个人.
    assert Contract.objects.get(number="4").counterparty_kind == DebtorKind.ORGANISATION
    assert Debtor.objects.count() == 7


def test_it_refuses_an_identity_number_of_a_debtor_with_another_name(township, village_a, staff_user):
    DebtorFactory(village=village_a, name="张三", national_id=ID_ZHANG)

    batch = validated(township, staff_user, filled_template(contract_row(**{"承包方": "张山", "身份证号": ID_ZHANG})))

    assert problems_of(batch) == [(
        "合同台账", 4, column_of("身份证号"), "身份证号",
        f"本村欠款人台账中该身份证号（{mask_national_id(ID_ZHANG)}）是“张三”的，与本行承包方“张山”不符，请核对。",
    )]


# ---- all or nothing, and the service's rules ------------------------------------------------


def test_it_writes_nothing_when_the_import_fails_part_way(township, village_a, staff_user, monkeypatch):
    batch = validated(township, staff_user, filled_template(
        contract_row(), contract_row(**{"合同编号": "DL-2019-002", "承包方": "李四"}),
    ))
    written = []

    def create_then_fail(**kwargs):
        written.extend(ledger_contracts_create(**kwargs))
        raise RuntimeError("disk full")

    monkeypatch.setattr(contracts.imports, "ledger_contracts_create", create_then_fail)

    batch = imported(batch, staff_user)

    assert len(written) == 2  # they were written, then rolled back
    assert batch.status == ImportStatus.FAILED
    assert batch.failure == "导入时出错，本次没有导入任何数据：RuntimeError"
    assert Contract.objects.count() == 0
    assert ContractStatusChange.objects.count() == 0


def ledger_contract(village, **fields):
    values = {
        "village_id": village.pk, "number": "DL-1", "counterparty_name": "王建国", "category": ContractCategory.RESERVE_LAND,
        "subject": "南洼", "area_mu": Decimal("1.00"), "annual_fee": Decimal("100.00"),
        "start_date": date(2019, 1, 1), "end_date": date(2020, 12, 31), "form": ContractForm.WRITTEN,
    }
    values.update(fields)
    return Contract(**values)


def test_it_lets_the_bulk_service_write_only_where_the_user_may(village_a, other_village, staff_user, cadre_user):
    with pytest.raises(PermissionDenied):  # 北湖村 is in another township
        ledger_contracts_create(
            contracts=[ledger_contract(village_a), ledger_contract(other_village)], created_by=staff_user, import_batch=None,
        )
    with pytest.raises(PermissionDenied):  # cadres read, staff write
        ledger_contracts_create(contracts=[ledger_contract(village_a)], created_by=cadre_user, import_batch=None)
    assert Contract.objects.count() == 0
    [created] = ledger_contracts_create(contracts=[ledger_contract(village_a)], created_by=staff_user, import_batch=None)
    assert created.pk and created.status == ContractStatus.TO_FIND
    assert created.status_changes.get().note == "登记合同（台账导入）"


@pytest.mark.parametrize(
    ("contracts", "message"),
    [
        (lambda v, d: [ledger_contract(v, number="DL-0")], "东岭村合同“DL-0”：本村已有该编号的合同。"),
        (lambda v, d: [ledger_contract(v), ledger_contract(v, number=" DL-1 ")], "东岭村合同“DL-1”：本村已有该编号的合同。"),
        (lambda v, d: [ledger_contract(v, end_date=date(2018, 1, 1))], "东岭村合同“DL-1”：终止日期不能早于起始日期。"),
        (lambda v, d: [ledger_contract(v, area_mu=Decimal("1.234"))], "东岭村合同“DL-1”：面积最多保留 2 位小数。"),
        (lambda v, d: [ledger_contract(v, category="garden")], "东岭村合同“DL-1”：值 'garden' 不是有效选项。"),
        (lambda v, d: [ledger_contract(v, debtor_id=d.pk)], "东岭村合同“DL-1”：承包方须是本村台账中的欠款人。"),
    ],
)
def test_it_holds_bulk_contracts_to_the_rules_of_contract_create(village_a, village_b, staff_user, contracts, message):
    contract_create(
        village=village_a, created_by=staff_user, number="DL-0", counterparty_name="李四",
        category=ContractCategory.RESERVE_LAND, subject="北洼", annual_fee=Decimal("500"),
        start_date=date(2019, 1, 1), end_date=date(2020, 12, 31), form=ContractForm.WRITTEN,
    )
    other_villages_debtor = DebtorFactory(village=village_b)

    with pytest.raises(ValidationError) as info:
        ledger_contracts_create(contracts=contracts(village_a, other_villages_debtor), created_by=staff_user, import_batch=None)

    assert info.value.messages == [message]
    assert Contract.objects.count() == 1
