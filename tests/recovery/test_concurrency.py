"""Many clerks posting at the same moment: the row lock and the constraints hold.

Each thread has its own database connection, so these tests commit for real
(``transaction=True``); teardown empties the tables with TRUNCATE, which the
immutability trigger does not block.
"""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from recovery.choices import RepaymentKind
from recovery.models import Arrear, Repayment, Reversal
from recovery.services import repayment_create, repayment_reverse
from tests.concurrency import run_at_once
from tests.factories import ArrearFactory, pay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.fixture
def shared_arrear(debtor, campaign):
    return ArrearFactory(debtor=debtor, campaign=campaign, principal=Decimal("1000.00"))


def test_it_never_lets_concurrent_repayments_exceed_the_debt(shared_arrear, staff_user):
    today = timezone.localdate()

    results = run_at_once(
        THREADS,
        lambda i: repayment_create(
            arrear=Arrear.objects.get(pk=shared_arrear.pk), amount="75.00",
            kind=RepaymentKind.CASH, received_on=today, recorded_by=staff_user,
        ),
    )

    posted = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(posted), len(refused)) == (13, 7)
    assert all(created for _repayment, created in posted)
    assert all("超过尚欠金额" in exc.message_dict["amount"][0] for exc in refused)
    shared_arrear.refresh_from_db()
    assert shared_arrear.outstanding == Decimal("25.00")
    assert Repayment.objects.filter(arrear=shared_arrear).aggregate(total=Sum("amount"))["total"] == Decimal("975.00")


def test_it_records_one_repayment_for_one_submission_sent_many_times(shared_arrear, staff_user):
    today = timezone.localdate()
    token = uuid.uuid4()

    results = run_at_once(
        THREADS,
        lambda i: repayment_create(
            arrear=Arrear.objects.get(pk=shared_arrear.pk), amount="75.00",
            kind=RepaymentKind.CASH, received_on=today, recorded_by=staff_user, submission_token=token,
        ),
    )

    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _repayment, created in results) == [False] * (THREADS - 1) + [True]
    assert {repayment.pk for repayment, _created in results} == set(Repayment.objects.values_list("pk", flat=True))
    assert Repayment.objects.count() == 1
    shared_arrear.refresh_from_db()
    assert shared_arrear.outstanding == Decimal("925.00")


def test_it_reverses_a_repayment_once_however_many_try(shared_arrear, staff_user):
    repayment = pay(shared_arrear, "300", staff_user)

    results = run_at_once(
        10,
        lambda i: repayment_reverse(
            repayment=Repayment.objects.get(pk=repayment.pk), reason=f"第{i}次冲正", recorded_by=staff_user
        ),
    )

    reversals = [r for r in results if isinstance(r, Reversal)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(reversals), len(refused)) == (1, 9)
    assert all("已冲正" in exc.message_dict["reason"][0] for exc in refused)
    assert Reversal.objects.count() == 1
    shared_arrear.refresh_from_db()
    assert shared_arrear.outstanding == Decimal("1000.00")


def test_it_never_dates_a_debt_after_a_repayment_posted_at_the_same_moment(debtor, campaign, staff_user):
    """Half the clerks move the debt's 发生日期 to 2022-01-01 while the others post a
    repayment received on 2020-01-01: whichever locks the arrear first wins, and no debt
    ends up dated after one of its repayments."""
    from datetime import date

    from recovery.services import arrear_update

    arrears = [ArrearFactory(debtor=debtor, campaign=campaign, principal=Decimal("1000.00"), incurred_on=date(2019, 1, 1)) for _ in range(5)]

    def work(i):
        arrear = Arrear.objects.get(pk=arrears[i // 2].pk)
        if i % 2:
            return arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="", incurred_on=date(2022, 1, 1))
        return repayment_create(arrear=arrear, amount="10.00", kind=RepaymentKind.CASH, received_on=date(2020, 1, 1), recorded_by=staff_user)

    results = run_at_once(2 * len(arrears), work)
    for arrear in Arrear.objects.filter(pk__in=[a.pk for a in arrears]):
        received = list(Repayment.objects.filter(arrear=arrear).values_list("received_on", flat=True))
        assert all(day >= arrear.incurred_on for day in received)
        assert len(received) == 1 or arrear.incurred_on == date(2022, 1, 1)
    assert sum(isinstance(result, ValidationError) for result in results) == len(arrears)  # one of each pair refused
