"""Clerks of one township posting at the same moment: each fact gets its link, seq stays
gapless (the chain head's row lock), and the chain verifies. PostgreSQL, real threads,
committed for real (teardown TRUNCATEs, which the triggers do not block)."""

from decimal import Decimal

import pytest

from integrity.models import ChainLink
from integrity.services import ledger_verify
from recovery.choices import ArrearCategory
from recovery.services import arrear_create, debtor_create
from tests.concurrency import run_at_once
from tests.factories import pay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def test_concurrent_writers_keep_the_chain_gapless(village_a, village_b, campaign, staff_user, township):
    arrears = []
    for i, village in enumerate([village_a, village_b] * (THREADS // 2)):
        debtor = debtor_create(village=village, created_by=staff_user, name=f"欠款人{i}")
        arrears.append(arrear_create(
            debtor=debtor, campaign=campaign, category=ArrearCategory.LOAN, principal="100.00",
            incurred_on=campaign.start_date, created_by=staff_user,
        ))

    run_at_once(THREADS, lambda i: pay(arrears[i], Decimal("10.00"), staff_user))

    seqs = list(ChainLink.objects.filter(township=township).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 3 * THREADS + 1))
    run = ledger_verify(township=township)
    assert run.ok, run.breaks
