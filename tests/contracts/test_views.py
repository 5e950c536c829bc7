"""The contracts pages as a staff user, a cadre and a leader use them: register a contract,
walk its review to 重签, see the new fee in the cleanup figures (page and Excel); findings,
attachments, fee payments; the list's filters, export and query budget; home-page alerts.

Access by role for every URL is in ``tests/test_access.py``.
"""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from contracts.choices import AttachmentKind, ContractCategory, ContractForm, ContractStatus, FindingKind
from contracts.models import Contract, ContractAttachment, ContractFeePayment, ContractFinding
from contracts.services import (
    contract_advance,
    contract_create,
    fee_arrears_create,
    fee_payment_create,
    finding_add,
    finding_resolve,
)
from recovery.choices import ArrearCategory
from recovery.models import Arrear
from recovery.services import arrear_create
from tests.contracts import tiny_png
from tests.factories import DebtorFactory, VillageFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 6, 30)
LIST = reverse("contracts:contract_list")
ADD = reverse("contracts:contract_add")
FIGURES = reverse("contracts:figures")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def field_errors(response, field, form="form"):
    return response.context[form].errors.get(field, [])


def make_contract(village, user, number="DL-001", **fields):
    """A contract registered through the service (for tests about other pages)."""
    values = {
        "counterparty_name": "张三", "category": ContractCategory.RESERVE_LAND, "subject": "北坡机动地",
        "area_mu": "10.00", "annual_fee": "2000.00", "start_date": date(2020, 1, 1), "end_date": date(2029, 12, 31),
        "form": ContractForm.WRITTEN,
    }
    values.update(fields)
    return contract_create(village=village, created_by=user, number=number, **values)


def walk(contract, user, *steps):
    """Advance ``contract`` through ``steps`` with the service (面积已核实 gets the contract's area)."""
    for step in steps:
        extra = {"verified_area_mu": contract.area_mu} if step == ContractStatus.AREA_VERIFIED else {}
        contract_advance(contract=contract, to_status=step, changed_by=user, note="处理完毕", **extra)
    return contract


def fee_arrears(contract, user, campaign, years):
    """Unpaid fees of ``years`` as arrears of the contract, entered through ``arrear_create``
    the way the daily task does (the task itself is tested below and in test_fees.py)."""
    debtor = contract.debtor or DebtorFactory(village=contract.village, name=contract.counterparty_name)
    return [
        arrear_create(
            debtor=debtor, campaign=campaign, category=ArrearCategory.CONTRACT_FEE, principal=contract.annual_fee,
            incurred_on=date(year, contract.fee_due_month, contract.fee_due_day), created_by=user,
            contract=contract, contract_year=year, description=f"合同 {contract.number} {year} 年度承包费逾期未缴",
        )
        for year in years
    ]


def advance(client, contract, to_status, **fields):
    return client.post(reverse("contracts:contract_advance", args=[contract.pk]), {"to_status": to_status, "note": "", **fields})


def status_of(contract):
    return Contract.objects.values_list("status", flat=True).get(pk=contract.pk)


def workbook_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(BytesIO(response.content))


def sheet_rows(sheet):
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]


# ---- the whole walk: register, review, re-sign, figures ---------------------------------


def test_it_offers_the_villages_the_user_may_see_on_a_new_contract(staff_client, village_a, village_b, other_village):
    form = staff_client.get(ADD, {"village": village_a.pk}).context["form"]
    assert set(form.fields["village"].queryset) == {village_a, village_b}
    assert str(form["village"].value()) == str(village_a.pk)


def test_it_walks_a_registered_contract_to_resigned_and_shows_the_new_fee_in_the_figures(staff_client, village_a, village_b):
    assert staff_client.get(ADD).status_code == 200
    response = staff_client.post(ADD, {
        "village": village_a.pk, "number": "DL-2018-007", "counterparty_name": "王建国", "counterparty_kind": "person",
        "category": ContractCategory.RESERVE_LAND, "subject": "东岭村北坡机动地", "area_mu": "12.5亩",
        "annual_fee": "3,000.00", "start_date": "2018-01-01", "end_date": "2027-12-31",
        "fee_due_month": "12", "fee_due_day": "31", "form": ContractForm.RECEIPT_ONLY,
    })
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == contract.get_absolute_url()
    assert (contract.status, contract.area_mu, contract.annual_fee) == (ContractStatus.TO_FIND, Decimal("12.50"), Decimal("3000.00"))
    assert contract.democratic_procedure is False

    assert advance(staff_client, contract, ContractStatus.FOUND).status_code == 302

    missing = advance(staff_client, contract, ContractStatus.AREA_VERIFIED)
    assert missing.status_code == 200
    assert field_errors(missing, "verified_area_mu", "advance_form") == ["请填写核实面积（亩）。"]
    assert "请填写核实面积（亩）。" in missing.content.decode()
    assert status_of(contract) == ContractStatus.FOUND

    assert advance(staff_client, contract, ContractStatus.AREA_VERIFIED, verified_area_mu="12.30").status_code == 302
    assert advance(staff_client, contract, ContractStatus.INVESTIGATED, note="调查报告已出具").status_code == 302

    page = staff_client.get(contract.get_absolute_url())
    form = page.context["advance_form"]
    assert form.fields["area_mu"].initial == Decimal("12.30")  # the new contract's area, prefilled
    options = [value for value, _label in form.fields["to_status"].widget.choices]
    assert options == ["", ContractStatus.STANDARDISED, ContractStatus.RESIGNED, ContractStatus.TERMINATED]

    no_note = advance(staff_client, contract, ContractStatus.RESIGNED, number="DL-2025-031", annual_fee="4500",
                      start_date="2025-07-01", end_date="2030-06-30", area_mu="12.30", form=ContractForm.WRITTEN)
    assert field_errors(no_note, "note", "advance_form") == ["请填写处理结果说明。"]

    response = advance(staff_client, contract, ContractStatus.RESIGNED, note="经四议两公开重新发包", number="DL-2025-031",
                       annual_fee="4,500.00", start_date="2025-07-01", end_date="2030-06-30", area_mu="12.30",
                       form=ContractForm.WRITTEN, democratic_procedure="on")
    assert response.status_code == 302 and response["Location"] == contract.get_absolute_url()
    new = Contract.objects.get(renewed_from=contract)
    assert (new.number, new.annual_fee, new.area_mu, new.status) == ("DL-2025-031", Decimal("4500.00"), Decimal("12.30"), ContractStatus.STANDARDISED)
    assert (new.counterparty_name, new.category, new.democratic_procedure) == ("王建国", ContractCategory.RESERVE_LAND, True)

    old_page = staff_client.get(contract.get_absolute_url()).content.decode()
    assert "重签后的新合同" in old_page and f'href="{new.get_absolute_url()}"' in old_page
    assert "已重签：新合同" in old_page
    new_page = staff_client.get(new.get_absolute_url()).content.decode()
    assert "原合同" in new_page and f'href="{contract.get_absolute_url()}"' in new_page
    history = [(h.from_status, h.to_status) for h in contract.status_changes.all()]
    assert history == [
        ("", "to_find"), ("to_find", "found"), ("found", "area_verified"),
        ("area_verified", "investigated"), ("investigated", "resigned"),
    ]

    figures = staff_client.get(FIGURES)
    total = figures.context["total"]
    assert (total.contracts, total.settled, total.new_fees) == (1, 1, Decimal("1500.00"))
    assert total.settled_rate == Decimal("1.0000")
    page = figures.content.decode()
    assert '<div class="card-value" id="new-fees">1,500.00 元</div>' in page
    assert "新增承包费" in page and "重签合同的新年承包费 − 原合同年承包费" in page  # the definitions are on the page

    workbook = workbook_of(staff_client.get(FIGURES, {"_export": "xlsx"}))
    assert workbook.sheetnames == ["合计", "片区", "工作区", "村居"]
    villages = workbook["村居"]
    assert villages.freeze_panes == "A2"
    rows = {row["名称"]: row for row in sheet_rows(villages)}
    assert Decimal(str(rows["东岭村"]["新增承包费（元/年）"])) == Decimal("1500.00")
    assert rows["东岭村"]["合同数"] == 1 and rows["西河村"]["合同数"] == 0
    assert rows["东岭村"]["规范率"] == 1 and rows["西河村"]["规范率"] is None
    fee_cell = villages.cell(row=2, column=list(rows["东岭村"]).index("新增承包费（元/年）") + 1)
    rate_cell = villages.cell(row=2, column=list(rows["东岭村"]).index("规范率") + 1)
    assert (fee_cell.number_format, rate_cell.number_format) == ("#,##0.00", "0.00%")
    assert Decimal(str(sheet_rows(workbook["合计"])[0]["新增承包费（元/年）"])) == Decimal("1500.00")


def test_it_refuses_a_skipped_step_with_a_chinese_message(staff_client, village_a, staff_user):
    contract = make_contract(village_a, staff_user)
    response = advance(staff_client, contract, ContractStatus.INVESTIGATED)
    assert response.status_code == 200
    assert field_errors(response, "to_status", "advance_form") == ["当前状态“待查找”下一步只能是：已查找。"]
    assert "下一步只能是：已查找" in response.content.decode()
    assert status_of(contract) == ContractStatus.TO_FIND
    assert contract.status_changes.count() == 1


def test_it_refuses_a_step_after_the_review_is_done(staff_client, village_a, staff_user):
    contract = walk(make_contract(village_a, staff_user), staff_user, ContractStatus.FOUND, ContractStatus.AREA_VERIFIED,
                    ContractStatus.INVESTIGATED, ContractStatus.STANDARDISED)
    page = staff_client.get(contract.get_absolute_url())
    assert page.context["advance_form"] is None
    assert "清理已完成" in page.content.decode()
    response = advance(staff_client, contract, ContractStatus.RESIGNED, note="再签一次")
    assert field_errors(response, "to_status", "advance_form") == ["当前状态“规范”下一步只能是：无（清理已完成）。"]
    assert "无（清理已完成）" in response.content.decode()


def test_it_asks_for_the_new_contracts_fields_to_resign(staff_client, village_a, staff_user):
    contract = walk(make_contract(village_a, staff_user), staff_user, ContractStatus.FOUND, ContractStatus.AREA_VERIFIED, ContractStatus.INVESTIGATED)
    response = advance(staff_client, contract, ContractStatus.RESIGNED, note="重新发包", start_date="2025-07-01", end_date="2025-06-01")
    assert field_errors(response, "number", "advance_form") == ["重签须填写新合同编号。"]
    assert field_errors(response, "annual_fee", "advance_form") == ["重签须填写新合同年承包费。"]
    assert field_errors(response, "end_date", "advance_form") == ["终止日期不能早于起始日期。"]

    taken = advance(staff_client, contract, ContractStatus.RESIGNED, note="重新发包", number=contract.number, annual_fee="2500",
                    start_date="2025-07-01", end_date="2030-06-30", form=ContractForm.WRITTEN)
    assert taken.status_code == 200
    assert "本村已有该编号的合同。" in taken.content.decode()
    assert status_of(contract) == ContractStatus.INVESTIGATED and Contract.objects.count() == 1


def test_it_terminates_a_contract_and_counts_the_land_recovered(staff_client, village_a, staff_user):
    contract = walk(make_contract(village_a, staff_user, area_mu="40.00"), staff_user,
                    ContractStatus.FOUND, ContractStatus.AREA_VERIFIED, ContractStatus.INVESTIGATED)
    missing = advance(staff_client, contract, ContractStatus.TERMINATED, note="长期欠费，依法收回")
    assert field_errors(missing, "recovered_area_mu", "advance_form") == ["请填写收回面积（亩），收回资产的填 0。"]
    negative = advance(staff_client, contract, ContractStatus.TERMINATED, note="长期欠费，依法收回", recovered_area_mu="-3")
    assert field_errors(negative, "recovered_area_mu", "advance_form") == ["面积不能为负数。"]
    response = advance(staff_client, contract, ContractStatus.TERMINATED, note="长期欠费，依法收回", recovered_area_mu="38.5")
    assert response.status_code == 302
    assert staff_client.get(FIGURES).context["total"].land_recovered == Decimal("38.50")


# ---- register and edit -----------------------------------------------------------------


def test_it_reports_bad_contract_input_on_the_fields(staff_client, village_a, staff_user):
    make_contract(village_a, staff_user, number="DL-001")
    response = staff_client.post(ADD, {
        "village": village_a.pk, "number": "DL-001", "counterparty_name": "", "counterparty_kind": "person",
        "category": ContractCategory.WASTELAND, "subject": "荒山", "area_mu": "abc", "annual_fee": "-1",
        "start_date": "2025-01-01", "end_date": "2024-01-01", "fee_due_month": "2", "fee_due_day": "31",
        "form": ContractForm.ORAL,
    })
    assert response.status_code == 200
    assert field_errors(response, "area_mu") == ["请输入有效面积（亩），例如 12.50。"]
    assert field_errors(response, "annual_fee") == ["承包费不能为负数。"]
    assert field_errors(response, "end_date") == ["终止日期不能早于起始日期。"]

    fixed = staff_client.post(ADD, {
        "village": village_a.pk, "number": "DL-002", "counterparty_name": "", "counterparty_kind": "person",
        "category": ContractCategory.WASTELAND, "subject": "荒山", "area_mu": "5", "annual_fee": "0",
        "start_date": "2024-01-01", "end_date": "2025-01-01", "fee_due_month": "2", "fee_due_day": "30",
        "form": ContractForm.ORAL,
    })
    assert field_errors(fixed, "counterparty_name") == ["请填写承包方名称，或选择台账中的欠款人。"]
    assert field_errors(fixed, "fee_due_day") == ["每年缴费日期无效（例如 12 月 31 日）。"]
    assert Contract.objects.count() == 1


def test_it_takes_the_counterparty_from_the_debtor_ledger(staff_client, village_a, debtor):
    response = staff_client.post(ADD, {
        "village": village_a.pk, "number": "DL-009", "debtor": debtor.pk, "counterparty_name": "", "counterparty_kind": "person",
        "category": ContractCategory.OPERATING_ASSET, "subject": "村东门面房 3 间", "area_mu": "0", "annual_fee": "12000",
        "start_date": "2024-01-01", "end_date": "2026-12-31", "fee_due_month": "6", "fee_due_day": "30", "form": ContractForm.WRITTEN,
    })
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert (contract.debtor, contract.counterparty_name) == (debtor, "张三")
    assert f'href="{debtor.get_absolute_url()}"' in staff_client.get(contract.get_absolute_url()).content.decode()


def test_it_edits_a_contracts_descriptive_fields_but_not_its_village(staff_client, village_a, village_b, staff_user):
    contract = make_contract(village_a, staff_user)
    url = reverse("contracts:contract_edit", args=[contract.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {
        "village": village_b.pk, "number": "DL-001", "counterparty_name": "张三", "counterparty_kind": "person",
        "category": ContractCategory.RESERVE_LAND, "subject": "北坡机动地（含水塘）", "area_mu": "10.8", "annual_fee": "2000",
        "start_date": "2020-01-01", "end_date": "2029-12-31", "fee_due_month": "12", "fee_due_day": "31",
        "form": ContractForm.WRITTEN, "democratic_procedure": "on",
    })
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.village, contract.subject, contract.area_mu, contract.democratic_procedure) == (village_a, "北坡机动地（含水塘）", Decimal("10.80"), True)
    assert contract.status == ContractStatus.TO_FIND


# ---- findings, attachments, fees --------------------------------------------------------


def test_it_records_a_finding_and_resolves_it(staff_client, village_a, staff_user):
    contract = make_contract(village_a, staff_user)
    url = reverse("contracts:finding_add", args=[contract.pk])
    assert staff_client.get(url).status_code == 200
    other = staff_client.post(url, {"kind": FindingKind.OTHER, "text": " "})
    assert field_errors(other, "text") == ["选择“其他”须填写说明。"]
    assert staff_client.post(url, {"kind": FindingKind.PRICE_TOO_LOW, "text": "每亩 80 元，明显低于周边"}).status_code == 302
    finding = ContractFinding.objects.get()
    page = staff_client.get(contract.get_absolute_url()).content.decode()
    assert "价格明显偏低" in page and reverse("contracts:finding_resolve", args=[finding.pk]) in page

    response = staff_client.post(reverse("contracts:finding_resolve", args=[finding.pk]))
    assert response.status_code == 302 and response["Location"] == f"{contract.get_absolute_url()}#findings"
    finding.refresh_from_db()
    assert finding.is_open is False and finding.resolved_at is not None
    assert reverse("contracts:finding_resolve", args=[finding.pk]) not in staff_client.get(contract.get_absolute_url()).content.decode()


def test_it_uploads_a_png_and_serves_it_only_to_those_who_may_see_the_village(
    client, staff_user, cadre_user, other_cadre_user, leader_user, village_a,
):
    contract = make_contract(village_a, staff_user)
    png = tiny_png()
    client.force_login(staff_user)
    url = reverse("contracts:attachment_add", args=[contract.pk])
    form_page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in form_page
    response = client.post(url, {"kind": AttachmentKind.CONTRACT_SCAN, "file": SimpleUploadedFile("合同扫描件 2018.png", png, content_type="image/png")})
    assert response.status_code == 302
    attachment = ContractAttachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == ("合同扫描件 2018.png", "image/png", len(png))
    download = reverse("contracts:attachment", args=[attachment.pk])
    assert f'href="{download}"' in client.get(contract.get_absolute_url()).content.decode()

    for user in (staff_user, cadre_user, leader_user):
        client.force_login(user)
        got = client.get(download)
        assert got.status_code == 200, user
        assert b"".join(got.streaming_content) == png
        assert got["Content-Type"] == "image/png"
        assert got["Content-Disposition"].startswith("attachment;")
        assert quote("合同扫描件 2018.png") in got["Content-Disposition"]

    client.force_login(other_cadre_user)
    assert client.get(download).status_code == 404


def test_it_refuses_a_text_file_named_pdf(staff_client, village_a, staff_user):
    contract = make_contract(village_a, staff_user)
    response = staff_client.post(reverse("contracts:attachment_add", args=[contract.pk]), {
        "kind": AttachmentKind.DETERMINATION,
        "file": SimpleUploadedFile("认定书.pdf", "这不是 PDF，只是一段文字。".encode(), content_type="application/pdf"),
    })
    assert response.status_code == 200
    assert field_errors(response, "file") == ["文件内容不是 PDF（可能改了扩展名），请上传原始扫描件。"]
    assert ContractAttachment.objects.count() == 0

    word = staff_client.post(reverse("contracts:attachment_add", args=[contract.pk]), {
        "kind": AttachmentKind.DETERMINATION, "file": SimpleUploadedFile("认定书.docx", b"PK\x03\x04", content_type="application/msword"),
    })
    assert field_errors(word, "file") == ["只能上传 PDF、JPG 或 PNG 文件。"]


def test_it_records_a_fee_payment_up_to_the_annual_fee(staff_client, village_a, staff_user):
    contract = make_contract(village_a, staff_user, annual_fee="2000.00")
    url = reverse("contracts:fee_payment_add", args=[contract.pk])
    assert staff_client.get(url).context["form"].initial["year"] == 2025
    response = staff_client.post(url, {"year": "2025", "amount": "1,500", "received_on": "2025-06-30", "receipt_number": "SJ-88"})
    assert response.status_code == 302
    too_much = staff_client.post(url, {"year": "2025", "amount": "600", "received_on": "2025-06-30"})
    assert field_errors(too_much, "amount") == ["2025 年度应缴 2,000.00 元，已缴 1,500.00 元，本次最多 500.00 元。"]
    future = staff_client.post(url, {"year": "2025", "amount": "100", "received_on": "2025-07-01"})
    assert field_errors(future, "received_on") == ["收款日期不能为空，也不能晚于今天。"]
    assert list(ContractFeePayment.objects.values_list("amount", flat=True)) == [Decimal("1500.00")]
    assert "SJ-88" in staff_client.get(contract.get_absolute_url()).content.decode()


def test_it_shows_the_arrears_the_daily_task_made_with_their_outstanding(staff_client, village_a, staff_user, campaign):
    contract = make_contract(village_a, staff_user, start_date=date(2023, 1, 1), annual_fee="2000.00")
    fee_payment_create(contract=contract, year=2023, amount="500", received_on=date(2023, 12, 1), recorded_by=staff_user)
    arrears = fee_arrears_create(today=TODAY)
    assert sorted((a.contract_year, a.principal) for a in arrears) == [(2023, Decimal("1500.00")), (2024, Decimal("2000.00"))]
    page = staff_client.get(contract.get_absolute_url())
    assert page.context["arrears_outstanding"] == Decimal("3500.00")
    assert "尚欠合计 3,500.00 元" in page.content.decode()


# ---- list: filters, export, query budget ------------------------------------------------


@pytest.fixture
def assorted(village_a, village_b, staff_user, campaign):
    """Five contracts: one ending soon, one with open findings, one with an unpaid fee
    turned into an arrear, a re-signed pair in 西河村."""
    soon = make_contract(village_a, staff_user, number="DL-SOON", counterparty_name="李春花", end_date=date(2025, 8, 31),
                         start_date=date(2025, 1, 1), fee_due_month=12, democratic_procedure=True)
    flagged = make_contract(village_a, staff_user, number="DL-FLAG", counterparty_name="赵海涛", category=ContractCategory.WASTELAND)
    for kind in (FindingKind.PRICE_TOO_LOW, FindingKind.TERM_TOO_LONG, FindingKind.AREA_MISMATCH):
        finding_add(contract=flagged, kind=kind, text="", recorded_by=staff_user)
    finding_resolve(finding=flagged.findings.get(kind=FindingKind.AREA_MISMATCH), resolved_by=staff_user)
    owing = make_contract(village_a, staff_user, number="DL-OWE", counterparty_name="周明", start_date=date(2023, 1, 1), annual_fee="1800.00")
    finding_add(contract=owing, kind=FindingKind.FEES_UNPAID, text="", recorded_by=staff_user)
    fee_arrears(owing, staff_user, campaign, [2023, 2024])
    fee_arrears(flagged, staff_user, campaign, range(2020, 2025))
    old = walk(make_contract(village_b, staff_user, number="XH-OLD", counterparty_name="孙伟", start_date=date(2025, 1, 1)),
               staff_user, ContractStatus.FOUND, ContractStatus.AREA_VERIFIED, ContractStatus.INVESTIGATED)
    new = contract_advance(contract=old, to_status=ContractStatus.RESIGNED, changed_by=staff_user, note="重签", renewal={
        "number": "XH-NEW", "annual_fee": "2600.00", "start_date": date(2025, 7, 1), "end_date": date(2030, 6, 30), "form": ContractForm.WRITTEN,
    })
    return {"soon": soon, "flagged": flagged, "owing": owing, "old": old, "new": new}


def listed(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return sorted(row.record.number for row in response.context["table"].page.object_list)


def test_it_filters_the_contract_list(staff_client, assorted, village_b):
    assert listed(staff_client) == ["DL-FLAG", "DL-OWE", "DL-SOON", "XH-NEW", "XH-OLD"]
    assert listed(staff_client, q="春花") == ["DL-SOON"]
    assert listed(staff_client, q="xh-n") == ["XH-NEW"]
    assert listed(staff_client, q="北坡") == ["DL-FLAG", "DL-OWE", "DL-SOON", "XH-NEW", "XH-OLD"]
    assert listed(staff_client, village=village_b.pk) == ["XH-NEW", "XH-OLD"]
    assert listed(staff_client, category=ContractCategory.WASTELAND) == ["DL-FLAG"]
    assert listed(staff_client, status=ContractStatus.RESIGNED) == ["XH-OLD"]
    assert listed(staff_client, form=ContractForm.WRITTEN) == ["DL-FLAG", "DL-OWE", "DL-SOON", "XH-NEW", "XH-OLD"]
    assert listed(staff_client, democratic_procedure="true") == ["DL-SOON"]
    assert listed(staff_client, ending_within=90) == ["DL-SOON"]
    assert listed(staff_client, ending_within=30) == []
    assert listed(staff_client, findings="true") == ["DL-FLAG", "DL-OWE"]
    assert listed(staff_client, findings="false") == ["DL-SOON", "XH-NEW", "XH-OLD"]
    assert listed(staff_client, overdue="true") == ["DL-FLAG", "DL-OWE"]
    assert listed(staff_client, overdue="true", findings="true", category=ContractCategory.RESERVE_LAND) == ["DL-OWE"]
    assert listed(staff_client, overdue="false") == ["DL-SOON", "XH-NEW", "XH-OLD"]


def test_it_counts_open_findings_and_unpaid_fees_per_row_without_double_counting(staff_client, assorted):
    response = staff_client.get(LIST, {"overdue": "true"})
    rows = {row.record.number: row.record for row in response.context["table"].page.object_list}
    assert rows["DL-FLAG"].open_findings == 2  # the resolved one is not counted
    assert rows["DL-OWE"].open_findings == 1
    assert rows["DL-OWE"].fees_outstanding == Decimal("3600.00")  # 2023 and 2024
    assert rows["DL-FLAG"].fees_outstanding == Decimal("10000.00")  # 2020 to 2024


def test_it_exports_the_filtered_list_with_numbers_as_numbers(staff_client, assorted):
    sheet = workbook_of(staff_client.get(LIST, {"findings": "true", "_export": "xlsx"})).active
    rows = sheet_rows(sheet)
    assert sorted(r["合同编号"] for r in rows) == ["DL-FLAG", "DL-OWE"]
    flag = next(r for r in rows if r["合同编号"] == "DL-FLAG")
    assert (flag["未整改问题"], flag["清理状态"], flag["类别"]) == (2, "待查找", "四荒地")
    assert Decimal(str(flag["年承包费"])) == Decimal("2000.00") and Decimal(str(flag["面积（亩）"])) == Decimal("10.00")
    assert Decimal(str(flag["欠缴承包费"])) == Decimal("10000.00")
    assert isinstance(flag["终止日期"], datetime) and flag["终止日期"].date() == date(2029, 12, 31)


def test_it_lists_only_the_cadres_own_village_and_refuses_another(client, assorted, cadre_user, village_b):
    client.force_login(cadre_user)
    assert listed(client) == ["DL-FLAG", "DL-OWE", "DL-SOON"]
    assert client.get(LIST, {"village": village_b.pk}).status_code == 404
    assert client.get(reverse("contracts:contract", args=[assorted["old"].pk])).status_code == 404


@pytest.mark.parametrize("export", [False, True], ids=["page", "xlsx"])
@pytest.mark.parametrize("reader", ["staff_user", "cadre_user"])
def test_it_lists_contracts_in_a_fixed_number_of_queries(client, request, village_a, work_area_b, staff_user, campaign, reader, export):
    def add(count, start):
        for n in range(start, start + count):
            village = village_a if n % 2 == 0 else VillageFactory(work_area=work_area_b)
            contract = make_contract(village, staff_user, number=f"C-{n:03d}", start_date=date(2024, 1, 1), annual_fee="1000.00")
            finding_add(contract=contract, kind=FindingKind.OTHER, text=f"问题{n}", recorded_by=staff_user)
            fee_arrears(contract, staff_user, campaign, [2024])

    client.force_login(request.getfixturevalue(reader))
    params = {"_export": "xlsx"} if export else {}

    def measure():
        client.get(LIST, params)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, params)
        assert response.status_code == 200
        rows = load_workbook(BytesIO(response.content)).active.max_row - 1 if export else len(response.context["table"].page.object_list)
        return len(queries), rows

    add(3, 0)
    few, few_rows = measure()
    add(17, 3)
    many, many_rows = measure()
    print(f"\ncontract_list {'xlsx' if export else 'page'} as {reader}: {few} queries for {few_rows} rows, {many} for {many_rows}")
    assert many_rows > few_rows
    assert many == few, f"{few} queries for {few_rows} rows grew to {many} for {many_rows}"


# ---- home page alerts, figures scope ----------------------------------------------------


def test_it_shows_contract_alerts_on_the_home_page_linking_to_the_lists(client, assorted, staff_user, cadre_user, other_cadre_user):
    client.force_login(staff_user)
    response = client.get(reverse("home"))
    assert response.context["contract_alerts"] == {"ending": 1, "overdue": 2, "findings": 2, "days": 90}
    page = response.content.decode()
    for query in ("?ending_within=90", "?overdue=true", "?findings=true"):
        assert f'href="{LIST}{query}"' in page

    client.force_login(cadre_user)
    assert client.get(reverse("home")).context["contract_alerts"] == {"ending": 1, "overdue": 2, "findings": 2, "days": 90}
    client.force_login(other_cadre_user)
    assert client.get(reverse("home")).context["contract_alerts"] == {"ending": 0, "overdue": 0, "findings": 0, "days": 90}


def test_it_shows_a_cadre_the_figures_of_their_own_village_only(client, assorted, cadre_user, leader_user):
    client.force_login(cadre_user)
    response = client.get(FIGURES)
    assert [f.name for f in response.context["figures"]["villages"]] == ["东岭村"]
    assert response.context["total"].contracts == 3
    assert "西河村" not in response.content.decode()
    names = [r["名称"] for r in sheet_rows(workbook_of(client.get(FIGURES, {"_export": "xlsx"}))["村居"])]
    assert names == ["东岭村"]

    client.force_login(leader_user)
    total = client.get(FIGURES).context["total"]
    assert (total.contracts, total.found, total.new_fees) == (4, 1, Decimal("600.00"))


# ---- history and fees across outcomes ------------------------------------------------------


def test_it_records_the_status_the_contract_really_left(village_a, staff_user):
    contract = make_contract(village_a, staff_user)
    stale = Contract.objects.get(pk=contract.pk)
    contract_advance(contract=contract, to_status=ContractStatus.FOUND, changed_by=staff_user)
    contract_advance(contract=stale, to_status=ContractStatus.AREA_VERIFIED, changed_by=staff_user, verified_area_mu="10")
    last = contract.status_changes.last()
    assert (last.from_status, last.to_status) == (ContractStatus.FOUND, ContractStatus.AREA_VERIFIED)


def test_it_turns_a_terminated_contracts_earlier_unpaid_fees_into_arrears(village_a, staff_user, campaign):
    contract = make_contract(village_a, staff_user, start_date=date(2023, 1, 1), annual_fee="1800.00")
    walk(contract, staff_user, ContractStatus.FOUND, ContractStatus.AREA_VERIFIED, ContractStatus.INVESTIGATED)
    contract_advance(contract=contract, to_status=ContractStatus.TERMINATED, changed_by=staff_user, note="长期欠费收回", recovered_area_mu="10")
    fee_arrears_create(today=TODAY)
    assert sorted(Arrear.objects.filter(contract=contract).values_list("contract_year", flat=True)) == [2023, 2024]
