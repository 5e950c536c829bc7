"""Unpaid annual contract fees become debts (contracts/services.py: fee_arrears_create,
run hourly by the Celery task ``contracts.fees_to_arrears``): once per contract-year, only
after the due date, only what is unpaid, into the campaign running in the township, and from
there into the battle report like any other debt.

Time is frozen at 2025-06-30 10:00 (Asia/Shanghai); the ``campaign`` fixture runs all 2025.
"""

import threading
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from contracts.choices import ContractCategory, ContractForm, ContractStatus
from contracts.models import Contract, ContractFeePayment
from contracts.services import (
    _due_date,
    contract_advance,
    contract_create,
    fee_arrears_create,
    fee_payment_create,
)
from contracts.tasks import fees_to_arrears
from recovery.choices import ArrearCategory, DebtorKind
from recovery.models import Arrear, Debtor
from reports.selectors import report_snapshot
from tests.factories import ArrearFactory, CampaignFactory, DebtorFactory, TownshipFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
S = ContractStatus

@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def new_contract(village, user, **overrides):
    """1,000.00 yuan a year, due on 3 月 1 日, 2023-01-01 .. 2027-12-31."""
    fields = {
        "number": "DL-2023-001",
        "counterparty_name": "王建国",
        "counterparty_kind": DebtorKind.PERSON,
        "category": ContractCategory.RESERVE_LAND,
        "subject": "南洼机动地 2.5 亩",
        "area_mu": Decimal("2.50"),
        "annual_fee": Decimal("1000.00"),
        "start_date": date(2023, 1, 1),
        "end_date": date(2027, 12, 31),
        "fee_due_month": 3,
        "fee_due_day": 1,
        "form": ContractForm.WRITTEN,
        "democratic_procedure": True,
    }
    fields.update(overrides)
    return contract_create(village=village, created_by=user, **fields)


def pay_fee(contract, user, year, amount):
    return fee_payment_create(
        contract=contract, year=year, amount=amount, received_on=date(year, 2, 20), recorded_by=user,
    )


def arrears_of(contract):
    return list(
        Arrear.objects.filter(contract=contract).order_by("contract_year")
        .values_list("contract_year", "principal", "outstanding", "incurred_on")
    )


@pytest.fixture
def debtor_wang(village_a):
    return DebtorFactory(village=village_a, name="王建国")


@pytest.fixture
def contract(village_a, staff_user, debtor_wang):
    return new_contract(village_a, staff_user, debtor=debtor_wang)


def test_an_unpaid_fee_past_its_due_date_becomes_exactly_one_arrear(contract, staff_user, campaign, debtor_wang, village_a):
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")

    [arrear] = fee_arrears_create(today=TODAY)

    arrear.refresh_from_db()
    assert arrear.category == ArrearCategory.CONTRACT_FEE
    assert (arrear.principal, arrear.outstanding) == (Decimal("1000.00"), Decimal("1000.00"))
    assert arrear.incurred_on == date(2025, 3, 1)
    assert (arrear.contract, arrear.contract_year) == (contract, 2025)
    assert (arrear.debtor, arrear.village, arrear.campaign) == (debtor_wang, village_a, campaign)
    assert arrear.created_by is None
    assert arrear.created_at == NOW
    assert arrear.description == "合同 DL-2023-001 2025 年度承包费逾期未缴"

    assert fee_arrears_create(today=TODAY) == []
    assert fee_arrears_create(today=date(2025, 7, 15)) == []
    assert Arrear.objects.count() == 1


def test_each_unpaid_year_becomes_its_own_arrear(contract, campaign):
    created = fee_arrears_create(today=TODAY)

    assert len(created) == 3
    assert arrears_of(contract) == [
        (2023, Decimal("1000.00"), Decimal("1000.00"), date(2023, 3, 1)),
        (2024, Decimal("1000.00"), Decimal("1000.00"), date(2024, 3, 1)),
        (2025, Decimal("1000.00"), Decimal("1000.00"), date(2025, 3, 1)),
    ]
    assert fee_arrears_create(today=TODAY) == []


def test_nothing_is_due_on_the_due_date_itself(village_a, staff_user, debtor_wang, campaign):
    contract = new_contract(village_a, staff_user, debtor=debtor_wang, fee_due_month=6, fee_due_day=30)
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")

    assert fee_arrears_create(today=TODAY) == []
    assert fee_arrears_create(today=date(2025, 6, 29)) == []
    assert not Arrear.objects.exists()


def test_the_day_after_the_due_date_the_fee_is_an_arrear(village_a, staff_user, debtor_wang, campaign):
    contract = new_contract(village_a, staff_user, debtor=debtor_wang, fee_due_month=6, fee_due_day=29)
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")

    assert fee_arrears_create(today=date(2025, 6, 29)) == []
    [arrear] = fee_arrears_create(today=TODAY)

    assert (arrear.contract_year, arrear.incurred_on) == (2025, date(2025, 6, 29))


def test_a_partly_paid_year_becomes_an_arrear_of_the_remainder(contract, staff_user, campaign):
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")
    pay_fee(contract, staff_user, 2025, "150.00")
    pay_fee(contract, staff_user, 2025, "250.00")

    [arrear] = fee_arrears_create(today=TODAY)

    assert (arrear.contract_year, arrear.principal, arrear.outstanding) == (2025, Decimal("600.00"), Decimal("600.00"))


def test_a_year_paid_in_part_with_cents_becomes_an_arrear_of_the_remainder(contract, staff_user, campaign):
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")
    pay_fee(contract, staff_user, 2025, "250.00")
    pay_fee(contract, staff_user, 2025, "149.99")

    created = fee_arrears_create(today=TODAY)

    assert [(a.contract_year, a.principal) for a in created] == [(2025, Decimal("600.01"))]


def test_a_fully_paid_year_becomes_nothing(contract, staff_user, campaign):
    for year in (2023, 2024, 2025):
        pay_fee(contract, staff_user, year, "400.00")
        pay_fee(contract, staff_user, year, "600.00")

    assert fee_arrears_create(today=TODAY) == []
    assert not Arrear.objects.exists()


def test_a_contract_without_a_debtor_gets_one_from_the_counterparty_name(village_a, staff_user, campaign):
    contract = new_contract(
        village_a, staff_user, counterparty_name="临沂鑫源建材有限公司", counterparty_kind=DebtorKind.ORGANISATION,
        category=ContractCategory.OPERATING_ASSET, subject="村东砖厂厂房", area_mu="0",
    )
    pay_fee(contract, staff_user, 2023, "1000.00")
    debtors_before = Debtor.objects.count()

    created = fee_arrears_create(today=TODAY)

    contract.refresh_from_db()
    debtor = contract.debtor
    assert debtor is not None
    assert Debtor.objects.count() == debtors_before + 1
    assert (debtor.name, debtor.kind, debtor.village) == ("临沂鑫源建材有限公司", DebtorKind.ORGANISATION, village_a)
    assert (debtor.national_id, debtor.credit_code) == ("", "")
    assert [a.contract_year for a in created] == [2024, 2025]
    assert {a.debtor_id for a in Arrear.objects.all()} == {debtor.pk}

    assert fee_arrears_create(today=TODAY) == []
    assert Debtor.objects.count() == debtors_before + 1


def test_a_contract_without_a_debtor_and_nothing_unpaid_creates_no_debtor(village_a, staff_user, campaign):
    paid_up = new_contract(village_a, staff_user, number="A", counterparty_name="赵志强")
    new_contract(village_a, staff_user, number="B", counterparty_name="孙秀英")
    for year in (2023, 2024, 2025):
        pay_fee(paid_up, staff_user, year, "1000.00")

    fee_arrears_create(today=TODAY)

    assert list(Debtor.objects.values_list("name", flat=True)) == ["孙秀英"]
    paid_up.refresh_from_db()
    assert paid_up.debtor is None


def walk_to_investigated(contract, user):
    for status, kwargs in [(S.FOUND, {}), (S.AREA_VERIFIED, {"verified_area_mu": "2.50"}), (S.INVESTIGATED, {})]:
        contract_advance(contract=contract, to_status=status, changed_by=user, **kwargs)


def test_a_terminated_or_resigned_contract_owes_only_the_fees_due_before_its_outcome(village_a, staff_user, campaign):
    terminated = new_contract(village_a, staff_user, number="T", counterparty_name="赵志强")
    resigned = new_contract(village_a, staff_user, number="R", counterparty_name="孙秀英")
    for contract in (terminated, resigned):
        pay_fee(contract, staff_user, 2023, "1000.00")
        walk_to_investigated(contract, staff_user)
    with time_machine.travel(datetime(2025, 2, 10, 9, 0, tzinfo=SHANGHAI), tick=False):  # before 2025's due date, 3-1
        contract_advance(contract=terminated, to_status=S.TERMINATED, changed_by=staff_user, recovered_area_mu="2.50", note="收回")
        renewal = contract_advance(
            contract=resigned, to_status=S.RESIGNED, changed_by=staff_user, note="重签",
            renewal={"number": "R2", "annual_fee": "1500.00", "start_date": date(2025, 2, 10), "end_date": date(2030, 2, 9),
                     "fee_due_month": 12, "fee_due_day": 31, "form": ContractForm.WRITTEN, "democratic_procedure": True},
        )

    created = fee_arrears_create(today=TODAY)

    # 2023 paid; 2024 fell due (3-1) before the outcome; 2025 would have fallen due after it.
    assert sorted((a.contract.number, a.contract_year, a.principal) for a in created) == [
        ("R", 2024, Decimal("1000.00")), ("T", 2024, Decimal("1000.00")),
    ]
    assert not renewal.arrears.exists()  # its first fee is due 2025-12-31
    assert fee_arrears_create(today=date(2025, 12, 30)) == []


def test_a_contract_settled_with_everything_paid_produces_nothing(village_a, staff_user, campaign):
    contract = new_contract(village_a, staff_user, number="T")
    for year in (2023, 2024, 2025):
        pay_fee(contract, staff_user, year, "1000.00")
    walk_to_investigated(contract, staff_user)
    contract_advance(contract=contract, to_status=S.TERMINATED, changed_by=staff_user, recovered_area_mu="2.50", note="收回")

    assert fee_arrears_create(today=TODAY) == []
    assert fee_arrears_create(today=date(2026, 3, 2)) == []  # the year after the outcome: nothing
    assert not Arrear.objects.exists()


def test_a_renewal_owes_its_own_fees(village_a, staff_user, campaign):
    old = new_contract(village_a, staff_user, number="R")
    for year in (2023, 2024, 2025):
        pay_fee(old, staff_user, year, "1000.00")
    walk_to_investigated(old, staff_user)
    renewal = contract_advance(
        contract=old, to_status=S.RESIGNED, changed_by=staff_user, note="重签",
        renewal={"number": "R2", "annual_fee": "1500.00", "start_date": date(2025, 1, 1), "end_date": date(2029, 12, 31),
                 "fee_due_month": 3, "fee_due_day": 1, "form": ContractForm.WRITTEN},
    )

    [arrear] = fee_arrears_create(today=TODAY)

    assert (arrear.contract, arrear.contract_year, arrear.principal) == (renewal, 2025, Decimal("1500.00"))


def test_only_years_whose_due_date_falls_within_the_term_are_charged(village_a, staff_user, debtor_wang, campaign):
    # Starts after 2023's due date (3-1) and ends before 2025's: only 2024 is charged.
    new_contract(village_a, staff_user, debtor=debtor_wang, start_date=date(2023, 3, 2), end_date=date(2025, 2, 28))

    created = fee_arrears_create(today=TODAY)

    assert [(a.contract_year, a.incurred_on) for a in created] == [(2024, date(2024, 3, 1))]


def test_a_contract_with_no_fee_or_not_yet_started_produces_nothing(village_a, staff_user, debtor_wang, campaign):
    new_contract(village_a, staff_user, number="FREE", debtor=debtor_wang, annual_fee="0.00")
    new_contract(village_a, staff_user, number="LATER", debtor=debtor_wang, start_date=date(2025, 7, 1), end_date=date(2030, 6, 30))
    new_contract(village_a, staff_user, number="SOON", debtor=debtor_wang, start_date=date(2025, 3, 2), end_date=date(2030, 6, 30))

    assert fee_arrears_create(today=TODAY) == []


@pytest.mark.parametrize(
    ("month", "day", "year", "expected"),
    [
        (2, 29, 2024, date(2024, 2, 29)),
        (2, 29, 2025, date(2025, 2, 28)),
        (2, 30, 2024, date(2024, 2, 29)),
        (2, 30, 2025, date(2025, 2, 28)),
        (2, 31, 2100, date(2100, 2, 28)),
        (4, 31, 2025, date(2025, 4, 30)),
        (3, 1, 2025, date(2025, 3, 1)),
        (12, 31, 2025, date(2025, 12, 31)),
    ],
)
def test_due_dates_past_the_end_of_the_month_clamp_to_its_last_day(month, day, year, expected):
    assert _due_date(Contract(fee_due_month=month, fee_due_day=day), year) == expected


@pytest.mark.parametrize("day", [29, 30])
def test_a_february_29_or_30_due_date_clamps_to_the_month_end(village_a, staff_user, debtor_wang, campaign, day):
    contract = new_contract(village_a, staff_user, debtor=debtor_wang, fee_due_month=2, fee_due_day=28,
                            start_date=date(2024, 1, 1))
    # The form refuses 2-30 (and, see test_services, 2-29); a row imported or edited in the admin may still hold it.
    Contract.objects.filter(pk=contract.pk).update(fee_due_day=day)

    created = fee_arrears_create(today=TODAY)

    assert [(a.contract_year, a.incurred_on) for a in created] == [(2024, date(2024, 2, 29)), (2025, date(2025, 2, 28))]


def test_february_28_in_a_common_year_is_due_only_from_march_1(village_a, staff_user, debtor_wang, campaign):
    contract = new_contract(village_a, staff_user, debtor=debtor_wang, fee_due_month=2, fee_due_day=28, start_date=date(2025, 1, 1))
    Contract.objects.filter(pk=contract.pk).update(fee_due_day=29)

    assert fee_arrears_create(today=date(2025, 2, 28)) == []
    assert [a.incurred_on for a in fee_arrears_create(today=date(2025, 3, 1))] == [date(2025, 2, 28)]


@pytest.mark.parametrize(
    "campaign_kwargs",
    [
        {"is_active": False},
        {"start_date": date(2025, 1, 1), "end_date": date(2025, 6, 29)},  # ended yesterday
        {"start_date": date(2025, 7, 1), "end_date": date(2025, 12, 31)},  # starts tomorrow
        {"township": "other"},
    ],
    ids=["inactive", "ended", "not-started", "other-township"],
)
def test_without_a_campaign_running_today_nothing_is_created(village_a, staff_user, township, campaign_kwargs):
    kwargs = dict(campaign_kwargs)
    kwargs["township"] = TownshipFactory() if kwargs.get("township") == "other" else township
    CampaignFactory(**kwargs)
    contract = new_contract(village_a, staff_user, counterparty_name="孙秀英")

    assert fee_arrears_create(today=TODAY) == []
    assert not Arrear.objects.exists()
    assert not Debtor.objects.exists()
    contract.refresh_from_db()
    assert contract.debtor is None


def test_the_arrear_goes_into_the_campaign_running_today(contract, township, staff_user):
    CampaignFactory(township=township, name="2024年清收", start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
    CampaignFactory(township=township, name="暂停的行动", start_date=date(2025, 5, 1), end_date=date(2025, 12, 31), is_active=False)
    running = CampaignFactory(township=township, name="2025年清收", start_date=date(2025, 6, 1), end_date=date(2025, 9, 30))
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")

    [arrear] = fee_arrears_create(today=TODAY)

    assert arrear.campaign == running


def test_the_daily_task_runs_it_for_today(contract, staff_user, campaign):
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")

    first = fees_to_arrears.delay().get()
    second = fees_to_arrears.delay().get()

    assert first == list(Arrear.objects.values_list("pk", flat=True))
    assert len(first) == 1
    assert second == []


def test_no_fee_payment_is_taken_for_a_year_once_it_is_an_arrear(contract, staff_user, campaign):
    from django.core.exceptions import ValidationError

    fee_arrears_create(today=TODAY)

    with pytest.raises(ValidationError) as excinfo:
        pay_fee(contract, staff_user, 2024, "1000.00")

    assert excinfo.value.message_dict == {"year": ["2024 年度的承包费已转为欠款，请在“录入清收”中录入这笔收款。"]}


# ---- the battle report -------------------------------------------------------------


def baseline(snapshot, village):
    rows = {r.village_id: r for r in [*snapshot.villages, *snapshot.unranked]}
    return snapshot.totals.baseline, rows[village.pk].baseline, rows[village.pk].outstanding


def test_the_arrear_enters_the_battle_report_of_the_day_it_was_created(contract, staff_user, campaign, village_a, debtor_wang):
    ArrearFactory(debtor=debtor_wang, campaign=campaign, principal=Decimal("5000.00"),
                  created_at=datetime(2025, 1, 2, 9, 0, tzinfo=SHANGHAI))
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")
    pay_fee(contract, staff_user, 2025, "300.00")
    yesterday, today = date(2025, 6, 29), TODAY
    assert baseline(report_snapshot(campaign=campaign, day=today), village_a) == (Decimal("5000.00"),) * 3

    fee_arrears_create(today=TODAY)  # at 10:00, before the 16:00 cut-off

    assert baseline(report_snapshot(campaign=campaign, day=today), village_a) == (Decimal("5700.00"),) * 3
    assert baseline(report_snapshot(campaign=campaign, day=yesterday), village_a) == (Decimal("5000.00"),) * 3


def test_an_arrear_created_after_the_cut_off_counts_the_next_day(contract, staff_user, campaign, village_a):
    with time_machine.travel(datetime(2025, 6, 30, 16, 0, 1, tzinfo=SHANGHAI), tick=False):
        created = fee_arrears_create(today=TODAY)

    assert len(created) == 3
    assert report_snapshot(campaign=campaign, day=TODAY).totals.baseline == Decimal("0")
    assert report_snapshot(campaign=campaign, day=date(2025, 7, 1)).totals.baseline == Decimal("3000.00")


# ---- races ---------------------------------------------------------------------------


def test_a_payment_committed_while_the_task_runs_is_not_owed_again(contract, staff_user, campaign, monkeypatch):
    pay_fee(contract, staff_user, 2023, "1000.00")
    pay_fee(contract, staff_user, 2024, "1000.00")
    real = Contract.objects.select_for_update

    def payment_lands_first(*args, **kwargs):
        # Another clerk's fee_payment_create commits just before the task gets the lock.
        if not ContractFeePayment.objects.filter(year=2025).exists():
            ContractFeePayment.objects.create(
                contract=contract, year=2025, amount=Decimal("1000.00"), received_on=TODAY, recorded_by=staff_user,
            )
        return real(*args, **kwargs)

    monkeypatch.setattr(Contract.objects, "select_for_update", payment_lands_first)

    created = fee_arrears_create(today=TODAY)

    assert created == []  # 2025 was paid in full by the time the arrear would be written


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_create_one_arrear_per_contract_year(village_a, staff_user, campaign, debtor_wang):
    with_debtor = new_contract(village_a, staff_user, number="A", debtor=debtor_wang)
    new_contract(village_a, staff_user, number="B", counterparty_name="孙秀英")
    new_contract(village_a, staff_user, number="C", counterparty_name="临沂宏达物流有限公司",
                 counterparty_kind=DebtorKind.ORGANISATION)
    pay_fee(with_debtor, staff_user, 2025, "400.00")
    threads_count = 4
    barrier = threading.Barrier(threads_count, timeout=30)
    results, crashes = [None] * threads_count, []

    def run(i):
        try:
            barrier.wait()
            results[i] = [a.pk for a in fee_arrears_create(today=TODAY)]
        except Exception as exc:  # noqa: BLE001 - reported below
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(t.is_alive() for t in threads), "线程未在 60 秒内结束（死锁？）"
    assert not crashes, crashes
    created = sorted(pk for r in results for pk in r)
    assert created == sorted(Arrear.objects.values_list("pk", flat=True))
    rows = sorted(Arrear.objects.values_list("contract__number", "contract_year", "principal"))
    assert rows == [
        ("A", 2023, Decimal("1000.00")), ("A", 2024, Decimal("1000.00")), ("A", 2025, Decimal("600.00")),
        ("B", 2023, Decimal("1000.00")), ("B", 2024, Decimal("1000.00")), ("B", 2025, Decimal("1000.00")),
        ("C", 2023, Decimal("1000.00")), ("C", 2024, Decimal("1000.00")), ("C", 2025, Decimal("1000.00")),
    ]
    assert sorted(Debtor.objects.values_list("name", flat=True)) == sorted(["王建国", "孙秀英", "临沂宏达物流有限公司"])
    for contract in Contract.objects.all():
        assert set(contract.arrears.values_list("debtor_id", flat=True)) == {contract.debtor_id}
