"""PostgreSQL refuses UPDATE and DELETE of ledger rows by trigger, whatever path tries
(integrity/migrations/0002_ledger_protected.py), the chain itself included."""

import pytest
from django.db import IntegrityError, connection, transaction

from integrity.models import ChainHead, ChainLink

from .ledger import ledger_write

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def ledger(village_a, campaign, staff_user):
    return ledger_write(village=village_a, campaign=campaign, user=staff_user)


def refused(sql, params):
    with pytest.raises(IntegrityError, match="台账记录不能修改或删除"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("table", ["contracts_contractfeepayment", "contracts_contractstatuschange", "integrity_chainlink"])
def test_it_refuses_to_change_or_delete_an_entry(ledger, table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {table}")  # noqa: S608 - a table of the list above
        (pk,) = cursor.fetchone()
    refused(f"UPDATE {table} SET id = id WHERE id = %s", [pk])  # noqa: S608
    refused(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608


def test_it_refuses_to_delete_debtors_arrears_and_chain_heads(ledger, township):
    untouched = ledger["arrears"][1]
    refused("DELETE FROM recovery_arrear WHERE id = %s", [untouched.pk])
    refused("DELETE FROM recovery_debtor WHERE id = %s", [untouched.debtor_id])
    refused("DELETE FROM integrity_chainhead WHERE township_id = %s", [township.pk])


def test_it_refuses_a_new_principal_but_lets_the_outstanding_move(ledger):
    owed = ledger["arrears"][0]
    refused("UPDATE recovery_arrear SET principal = principal + 1 WHERE id = %s", [owed.pk])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE recovery_arrear SET outstanding = outstanding WHERE id = %s", [owed.pk])
        assert cursor.rowcount == 1


def test_the_chain_still_moves_its_head(ledger, township, village_a, staff_user):
    from recovery.services import debtor_create

    seq = ChainHead.objects.get(township=township).seq
    debtor_create(village=village_a, created_by=staff_user, name="赵六")
    assert ChainHead.objects.get(township=township).seq == seq + 1 == ChainLink.objects.filter(township=township).count()
