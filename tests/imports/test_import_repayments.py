"""Importing a ledger of repayments: each row matched to its debtor's open arrear, never more
than is owed, offsets explained, nothing registered twice, outstanding amounts kept."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from imports.choices import ImportStatus
from imports.services import import_batch_confirm, import_batch_create, import_batch_run, import_batch_validate
from recovery.choices import ArrearCategory, RepaymentKind
from recovery.imports import RepaymentsLedger
from recovery.models import Arrear, Repayment
from tests.factories import ArrearFactory, CampaignFactory, DebtorFactory, pay, reverse
from tests.imports.workbooks import filled_template

pytestmark = pytest.mark.django_db


# ---- building and importing files ----------------------------------------------------------

def template_ledger(*rows):
    """The downloadable template with its example row replaced by ``rows`` (header -> value)."""
    return filled_template(RepaymentsLedger(), *rows)


def row(name, amount, *, received_on="2025-3-1", kind="现金", village="东岭村", **more):
    return {"村居": village, "姓名": name, "还款金额": amount, "收款日期": received_on, "还款方式": kind, **more}


def validated(workbook, *, township, user, campaign, name="清收记录.xlsx"):
    stream = BytesIO()
    workbook.save(stream)
    upload = SimpleUploadedFile(name, stream.getvalue())
    batch = import_batch_create(kind="repayments", township=township, upload=upload, uploaded_by=user, campaign=campaign)
    return import_batch_validate(batch_id=batch.pk)


def imported(workbook, *, township, user, campaign, name="清收记录.xlsx"):
    batch = validated(workbook, township=township, user=user, campaign=campaign, name=name)
    assert batch.status == ImportStatus.READY, batch.problems
    import_batch_confirm(batch=batch, confirmed_by=user)
    return import_batch_run(batch_id=batch.pk)


def problems(batch):
    return [(p["sheet"], p["row"], p["header"], p["message"]) for p in batch.problems]


def summary(data):
    return dict(tuple(item) for item in data["summary"])


def outstanding(arrear):
    return Arrear.objects.values_list("outstanding", flat=True).get(pk=arrear.pk)


# ---- matching rows to arrears ---------------------------------------------------------------

def test_it_registers_repayments_and_updates_the_outstanding_amount(township, village_a, staff_user, campaign, arrear):
    workbook = template_ledger(
        row("张三", 300, 收据号="NO.0001"),
        row("张三", "２００元", received_on="2025.3.2", kind="银行转账"),
    )

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.READY, batch.problems
    assert summary(batch.preview) == {
        "数据行": 2, "新增清收记录": "2 笔", "现金（元）": "300.00", "转账（元）": "200.00",
        "合计（元）": "500.00", "跳过（已登记）": "0 行",
    }
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    assert summary(batch.receipt) == {"新增清收记录": "2 笔", "合计（元）": "500.00"}
    assert outstanding(arrear) == Decimal("500.00")
    assert sorted(Repayment.objects.values_list("amount", "kind", "received_on", "receipt_number", "recorded_by", "import_batch")) == [
        (Decimal("200.00"), RepaymentKind.TRANSFER, date(2025, 3, 2), "", staff_user.pk, batch.pk),
        (Decimal("300.00"), RepaymentKind.CASH, date(2025, 3, 1), "NO.0001", staff_user.pk, batch.pk),
    ]


def test_it_finds_the_arrear_by_category_when_the_debtor_has_several(township, village_a, staff_user, campaign, arrear, debtor):
    fee = ArrearFactory(debtor=debtor, campaign=campaign, category=ArrearCategory.CONTRACT_FEE, principal=Decimal("5000.00"))

    batch = imported(template_ledger(row("张三", 1500, 类别="承包费")), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    assert outstanding(fee) == Decimal("3500.00")
    assert outstanding(arrear) == Decimal("1000.00")


def test_it_refuses_to_guess_which_of_several_open_arrears_is_repaid(township, village_a, staff_user, campaign, arrear, debtor):
    ArrearFactory(debtor=debtor, campaign=campaign, category=ArrearCategory.CONTRACT_FEE)

    batch = validated(template_ledger(row("张三", 100)), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [("村名", 4, "类别", "“张三”有 2 笔未结清的欠款，无法判断这笔还款记到哪一笔；请在“类别”列注明还的是哪一类欠款。")]
    assert batch.problems[0]["column"] == 3


def test_it_refuses_a_category_the_debtor_owes_nothing_of(township, village_a, staff_user, campaign, arrear):
    batch = validated(template_ledger(row("张三", 100, 类别="租赁费")), township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [("村名", 4, "类别", "“张三”在本次清收行动中没有未结清的租赁费类欠款。")]


def test_it_skips_arrears_that_are_cleared_or_of_another_campaign(township, village_a, staff_user, campaign, arrear, debtor):
    pay(arrear, Decimal("1000.00"), staff_user, received_on=date(2025, 1, 5))
    ArrearFactory(debtor=debtor, campaign=CampaignFactory(township=township), principal=Decimal("800.00"))

    batch = validated(template_ledger(row("张三", 100)), township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [("村名", 4, "姓名", "“张三”在本次清收行动中没有未结清的欠款。")]


def test_it_refuses_repayments_that_together_exceed_the_outstanding_amount(township, village_a, staff_user, campaign, arrear):
    pay(arrear, Decimal("100.00"), staff_user, received_on=date(2025, 1, 5))
    workbook = template_ledger(row("张三", 600), row("张三", 300, received_on="2025-3-2"), row("张三", "0.01", received_on="2025-3-3"))

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [
        ("村名", 6, "还款金额", "还款 0.01 元超过这笔欠款尚欠的 0.00 元（已扣除本文件前面各行的还款）。"),
    ]
    assert batch.problems[0]["column"] == 4
    assert outstanding(arrear) == Decimal("900.00")


def test_it_repays_an_arrear_in_full(township, village_a, staff_user, campaign, arrear):
    batch = imported(template_ledger(row("张三", 600), row("张三", "400", received_on="2025-3-2")), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    assert outstanding(arrear) == Decimal("0.00")


def test_it_requires_a_note_for_an_offset(township, village_a, staff_user, campaign, arrear):
    workbook = template_ledger(
        row("张三", 300, kind="以物抵债"),
        row("张三", 200, kind="抵顶债务", received_on="2025-3-2", 备注="抵顶村委会欠其工程款，见抵顶协议"),
    )

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [("村名", 4, "备注", "以物抵债、抵顶债务须在备注中写明抵债资产或抵顶的债务、估价依据及凭据。")]
    assert batch.problems[0]["column"] == 8


def test_it_registers_an_offset_with_its_note(township, village_a, staff_user, campaign, arrear):
    workbook = template_ledger(row("张三", 300, kind="以物抵债", 备注="拖拉机一台，评估价 300 元"))

    batch = imported(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    assert Repayment.objects.get().note == "拖拉机一台，评估价 300 元"


def test_it_refuses_a_debtor_not_registered_in_the_village(township, village_a, village_b, staff_user, campaign, arrear):
    workbook = template_ledger(row("王五", 100), row("张三", 100, village="西河村"))

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [
        ("村名", 4, "姓名", "本村没有找到欠款人“王五”，请先导入或登记该欠款人及其欠款。"),
        ("村名", 5, "姓名", "本村没有找到欠款人“张三”，请先导入或登记该欠款人及其欠款。"),
    ]


def test_it_finds_the_debtor_by_id_number_among_namesakes(township, village_a, staff_user, campaign, arrear, debtor):
    namesake = DebtorFactory(village=village_a, name="张三")
    ArrearFactory(debtor=namesake, campaign=campaign)

    batch = imported(template_ledger(row("张三", 100, 身份证号=debtor.national_id)), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    assert Repayment.objects.get().arrear == arrear


def test_it_finds_a_debtor_registered_without_id_number_by_name(township, village_a, staff_user, campaign):
    """A repayments ledger with the 身份证号 filled in, for debtors registered without one."""
    arrear = ArrearFactory(debtor=DebtorFactory(village=village_a, name="李四", national_id=""), campaign=campaign)

    batch = imported(template_ledger(row("李四", 100, 身份证号="370102198001011237")), township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    assert Repayment.objects.get().arrear == arrear


def test_it_refuses_a_date_before_the_arrear_or_after_today(township, village_a, staff_user, campaign, arrear):
    tomorrow = timezone.localdate() + timedelta(days=1)
    workbook = template_ledger(row("张三", 100, received_on="2019-12-31"), row("张三", 100, received_on=tomorrow.isoformat()))

    batch = validated(workbook, township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [
        ("村名", 4, "收款日期", "收款日期早于这笔欠款的发生日期（2020-03-01）。"),
        ("村名", 5, "收款日期", f"{tomorrow:%Y-%m-%d} 晚于今天。"),
    ]


def test_it_refuses_two_identical_rows_without_receipt_numbers(township, village_a, staff_user, campaign, arrear):
    batch = validated(template_ledger(row("张三", 100), row("张三", 100)), township=township, user=staff_user, campaign=campaign)

    assert [p[:3] for p in problems(batch)] == [("村名", 5, "还款金额")]
    assert "确是两笔的请填写收据号" in batch.problems[0]["message"]


def test_it_imports_two_identical_repayments_with_their_receipt_numbers(township, village_a, staff_user, campaign, arrear):
    workbook = template_ledger(row("张三", 100, 收据号="NO.1"), row("张三", 100, 收据号="NO.2"))

    batch = imported(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED
    assert outstanding(arrear) == Decimal("800.00")


# ---- importing again ---------------------------------------------------------------------------

def test_it_skips_repayments_already_registered(township, village_a, staff_user, campaign, arrear):
    imported(template_ledger(row("张三", 300, 收据号="NO.1"), row("张三", 200, received_on="2025-3-2")), township=township, user=staff_user, campaign=campaign)
    pay(arrear, Decimal("50.00"), staff_user, received_on=date(2025, 3, 10), receipt_number="NO.3")
    updated = template_ledger(
        row("张三", 300, 收据号="NO.1"),
        row("张三", "200.00", received_on="2025.3.2"),
        row("张三", 50, received_on="2025-3-10", 收据号="NO.3"),  # entered by hand meanwhile
        row("张三", 100, received_on="2025-4-1", 收据号="NO.4"),
    )

    batch = validated(updated, township=township, user=staff_user, campaign=campaign, name="清收记录（4月）.xlsx")

    assert batch.status == ImportStatus.READY, batch.problems
    assert summary(batch.preview)["新增清收记录"] == "1 笔"
    assert summary(batch.preview)["跳过（已登记）"] == "3 行"
    batch = import_batch_run(batch_id=import_batch_confirm(batch=batch, confirmed_by=staff_user).pk)
    assert batch.status == ImportStatus.IMPORTED
    assert Repayment.objects.count() == 4
    assert outstanding(arrear) == Decimal("350.00")


def test_it_skips_the_repayments_that_cleared_an_arrear(township, village_a, staff_user, campaign, arrear, debtor):
    imported(template_ledger(row("张三", 600), row("张三", 400, received_on="2025-3-2")), township=township, user=staff_user, campaign=campaign)
    fee = ArrearFactory(debtor=debtor, campaign=campaign, category=ArrearCategory.CONTRACT_FEE, principal=Decimal("300.00"))
    updated = template_ledger(
        row("张三", 600),
        row("张三", 400, received_on="2025-3-2", 类别="借款"),
        row("张三", 100, received_on="2025-3-3"),  # the only open arrear now is the fee
    )

    batch = validated(updated, township=township, user=staff_user, campaign=campaign, name="清收记录（4月）.xlsx")

    assert batch.status == ImportStatus.READY, batch.problems
    assert summary(batch.preview)["跳过（已登记）"] == "2 行"
    batch = import_batch_run(batch_id=import_batch_confirm(batch=batch, confirmed_by=staff_user).pk)
    assert (outstanding(arrear), outstanding(fee)) == (Decimal("0.00"), Decimal("200.00"))


def test_it_refuses_a_repayment_of_a_cleared_arrear(township, village_a, staff_user, campaign, arrear):
    imported(template_ledger(row("张三", 1000)), township=township, user=staff_user, campaign=campaign)

    batch = validated(template_ledger(row("张三", 1000), row("张三", 1, received_on="2025-3-2")), township=township, user=staff_user, campaign=campaign)

    assert problems(batch) == [("村名", 5, "姓名", "“张三”在本次清收行动中没有未结清的欠款。")]


def test_it_does_not_register_again_a_repayment_that_was_reversed(township, village_a, staff_user, campaign, arrear):
    """A reversal is someone's deliberate correction: the ledger's row is skipped, and the
    preview says so, so that staff can enter it by hand if the ledger is right."""
    first = imported(template_ledger(row("张三", 300, 收据号="NO.1")), township=township, user=staff_user, campaign=campaign)
    reverse(Repayment.objects.get(import_batch=first), staff_user)

    batch = validated(template_ledger(row("张三", 300, 收据号="NO.1"), row("张三", 1)), township=township, user=staff_user, campaign=campaign)
    skipped = next(table for table in batch.preview["tables"] if table["title"] == "跳过的行")
    assert [reason for *_, reason in skipped["rows"]] == ["已登记过这笔还款，后来已冲正；如台账无误，请手工重新录入"]
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    import_batch_run(batch_id=batch.pk)

    assert outstanding(arrear) == Decimal("999.00")


# ---- all or nothing ------------------------------------------------------------------------

def test_it_writes_nothing_when_a_repayment_entered_meanwhile_leaves_too_little_owed(township, village_a, staff_user, campaign, arrear):
    other = ArrearFactory(debtor=DebtorFactory(village=village_a, name="李四"), campaign=campaign, principal=Decimal("500.00"))
    batch = validated(template_ledger(row("李四", 100), row("张三", 800)), township=township, user=staff_user, campaign=campaign)
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    pay(arrear, Decimal("300.00"), staff_user, received_on=date(2025, 3, 5))

    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.FAILED
    assert batch.failure.startswith("台账在预览之后有了变化")
    assert problems(batch) == [("村名", 5, "还款金额", "还款 800.00 元超过这笔欠款尚欠的 700.00 元（已扣除本文件前面各行的还款）。")]
    assert not Repayment.objects.filter(import_batch=batch).exists()
    assert outstanding(other) == Decimal("500.00")
    assert outstanding(arrear) == Decimal("700.00")


def test_it_reads_a_hand_made_repayment_sheet(township, village_a, staff_user, campaign, arrear, debtor):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东岭村"
    sheet["A1"] = "东岭村2025年清收情况登记表"
    sheet.merge_cells("A1:E1")
    sheet.append(["单位：万元", None, None, None, "填报日期：2025年3月"])
    sheet.append(["户名", "身份证号码", "收回金额", "还款时间", "收款方式"])
    full_width_id = debtor.national_id.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    sheet.append(["张　三", full_width_id, "0.05", "2025年3月1日", "现款"])
    sheet.append(["合计", None, 0.05])
    sheet.append(["经办人：王会计", None, "负责人：李书记"])

    batch = imported(workbook, township=township, user=staff_user, campaign=campaign)

    assert batch.status == ImportStatus.IMPORTED, batch.failure
    repayment = Repayment.objects.get()
    assert (repayment.amount, repayment.kind, repayment.received_on) == (Decimal("500.00"), RepaymentKind.CASH, date(2025, 3, 1))
    assert outstanding(arrear) == Decimal("500.00")
