"""A small ledger written through the services (so that every fact is chained), for the
integrity tests: two debtors, arrears, repayments (one reversed), a write-off, a contract
with a fee payment and a status step."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from contracts.choices import ContractCategory, ContractForm, ContractStatus
from contracts.services import contract_advance, contract_create, fee_payment_create
from recovery.choices import ArrearCategory, DebtorKind
from recovery.services import arrear_create, debtor_create
from tests.factories import pay, reverse, write_off


def ledger_write(*, village, campaign, user):
    """-> dict of what was written."""
    zhang = debtor_create(village=village, created_by=user, kind=DebtorKind.PERSON, name="张三", national_id="")
    li = debtor_create(village=village, created_by=user, kind=DebtorKind.PERSON, name="李四")
    owed = arrear_create(
        debtor=zhang, campaign=campaign, category=ArrearCategory.LOAN, principal="1000.00",
        incurred_on=date(2020, 5, 1), created_by=user,
    )
    untouched = arrear_create(
        debtor=li, campaign=campaign, category=ArrearCategory.LOAN, principal="15930.00",
        incurred_on=date(2019, 3, 1), created_by=user,
    )
    first = pay(owed, "300.00", user)
    mistaken = pay(owed, "100.00", user)
    reversal = reverse(mistaken, user)
    write_off(owed, "50.00", user)
    contract = contract_create(
        village=village, created_by=user, number="DL-2020-001", counterparty_name="王建国",
        counterparty_kind=DebtorKind.PERSON, category=ContractCategory.RESERVE_LAND, subject="南洼机动地 3.5 亩",
        area_mu=Decimal("3.50"), annual_fee=Decimal("1750.00"), start_date=date(2020, 1, 1),
        end_date=date(2029, 12, 31), form=ContractForm.WRITTEN, democratic_procedure=True,
    )
    fee = fee_payment_create(
        contract=contract, year=2024, amount="1750.00", received_on=timezone.localdate(), recorded_by=user,
    )
    contract_advance(contract=contract, to_status=ContractStatus.FOUND, changed_by=user)
    return {
        "debtors": [zhang, li], "arrears": [owed, untouched], "repayments": [first, mistaken],
        "reversal": reversal, "fee": fee, "contract": contract,
    }
