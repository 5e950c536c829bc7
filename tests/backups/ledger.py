"""A small ledger with files, for the backup tests: debtors, arrears, repayments (one
reversed), a write-off, a contract with a scanned attachment and a published battle report
(its PDF and workbook stood in), all written through the services (so that, with tamper
evidence, every fact is chained and ``verify_ledger`` finds the restored ledger whole)."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.choices import AttachmentKind, ContractCategory, ContractForm
from contracts.services import attachment_add, contract_create
from recovery.choices import ArrearCategory, DebtorKind
from recovery.services import arrear_create, debtor_create
from tests.contracts import tiny_png
from tests.factories import (
    CampaignFactory,
    TownshipFactory,
    VillageFactory,
    pay,
    publish_report,
    reverse,
    staff_of,
    write_off,
)


def small_ledger_build() -> dict:
    township = TownshipFactory(code="BK", name="备份街道")
    village = VillageFactory(work_area__zone__township=township, code="BK-001", name="东岭村")
    staff = staff_of(township, username="backup_staff")
    campaign = CampaignFactory(township=township, start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    arrears = [
        arrear_create(
            debtor=debtor_create(village=village, created_by=staff, kind=DebtorKind.PERSON, name=name, national_id=""),
            campaign=campaign, category=ArrearCategory.LOAN, principal=Decimal(principal),
            incurred_on=date(2020, 5, 1), created_by=staff,
        )
        for name, principal in (("张三", "1000.00"), ("李四", "2345.67"), ("王五", "15930.00"))
    ]
    pay(arrears[0], "100.10", staff)
    reverse(pay(arrears[1], "45.67", staff), staff)
    pay(arrears[1], "300.00", staff)
    write_off(arrears[2], "930.00", staff)
    contract = contract_create(
        village=village, created_by=staff, number="BK-2025-001", counterparty_name="张三",
        category=ContractCategory.RESERVE_LAND, subject="东岭村北坡机动地", area_mu="12.50", annual_fee="3000.00",
        start_date=date(2020, 1, 1), end_date=date(2029, 12, 31), form=ContractForm.WRITTEN,
    )
    attachment_add(
        contract=contract, kind=AttachmentKind.CONTRACT_SCAN, uploaded_by=staff,
        uploaded_file=SimpleUploadedFile("合同扫描.png", tiny_png(), content_type="image/png"),
    )
    publish_report(campaign, date(2025, 3, 3))
    return {"township": township, "campaign": campaign, "arrears": arrears, "contract": contract}
