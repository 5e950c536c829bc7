"""``seed_demo`` on an empty database: reproducible, all or nothing, and its arguments checked.

These tests seed by themselves (another seed, twice the same seed, a failing seed), each
inside a savepoint rolled back at its end, so the database is empty before each of them.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.db import transaction

from recovery.models import Debtor
from tests.demo.seeding import fingerprint, seed
from villages.models import Village

pytestmark = pytest.mark.django_db


def seed_and_fingerprint(**kwargs):
    """Seed inside a savepoint, take the fingerprint, and roll the savepoint back."""
    with transaction.atomic():
        seed(**kwargs)
        result = fingerprint()
        transaction.set_rollback(True)
    assert not Village.objects.exists()
    return result


@pytest.fixture(scope="module")
def first(django_db_setup, django_db_blocker):
    """The fingerprint of ``seed_demo --villages 3 --seed 7``, taken once for the module."""
    with django_db_blocker.unblock():
        return seed_and_fingerprint(villages=3, seed=7)


def test_it_makes_the_same_data_from_the_same_seed(first):
    second = seed_and_fingerprint(villages=3, seed=7)

    assert first["repayments"] and first["debtors"] and first["contracts"] and first["fee_payments"]
    assert first == second


def test_it_makes_different_data_from_another_seed(first):
    other = seed_and_fingerprint(villages=3, seed=8)

    assert first["debtors"] != other["debtors"]
    assert first["arrears"] != other["arrears"]
    assert first["contracts"] != other["contracts"]


def test_it_leaves_nothing_behind_when_it_fails(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("demo.ledger.repayment_create", broken)

    with pytest.raises(RuntimeError):
        seed(villages=5)

    assert not Village.objects.exists()
    assert not Debtor.objects.exists()
    assert not get_user_model().objects.exists()


def test_it_refuses_a_village_count_out_of_range():
    with pytest.raises(CommandError, match="村居数量"):
        seed(villages=0)
