"""Recorded entries are never edited or deleted, by any path; the arrear's outstanding
amount stays within its range even for code that skips the services."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from recovery.choices import RepaymentKind
from recovery.models import Arrear, Repayment, Reversal, WriteOff
from tests.factories import pay, reverse, write_off

pytestmark = pytest.mark.django_db

# For each kind of entry: a field and a new value to try to give it.
EDITS = {
    Repayment: ("amount", Decimal("1.00")),
    Reversal: ("reason", "改成别的原因"),
    WriteOff: ("approval_reference", "无"),
}
TABLES = {Repayment: "recovery_repayment", Reversal: "recovery_reversal", WriteOff: "recovery_writeoff"}
ENTRY_MODELS = list(EDITS)


@pytest.fixture
def entries(arrear, staff_user):
    """One of each kind of entry on the same arrear (outstanding ends at 650.00)."""
    repayment = pay(arrear, "300", staff_user)
    reversal = reverse(pay(arrear, "100", staff_user), staff_user)
    entry = write_off(arrear, "50", staff_user)
    return {Repayment: repayment, Reversal: reversal, WriteOff: entry}


def snapshot(model):
    return list(model.objects.order_by("pk").values())


def assert_unchanged(entries, before):
    for model in ENTRY_MODELS:
        assert snapshot(model) == before[model], model.__name__


@pytest.fixture
def before(entries):
    return {model: snapshot(model) for model in ENTRY_MODELS}


# ---- the model and queryset guards (every database) ----------------------------------


@pytest.mark.parametrize("model", ENTRY_MODELS, ids=lambda m: m.__name__)
def test_it_refuses_to_save_a_recorded_entry_again(entries, before, model):
    entry = entries[model]
    field, value = EDITS[model]
    setattr(entry, field, value)

    with pytest.raises(PermissionError, match="不能修改"):
        entry.save()

    assert_unchanged(entries, before)


@pytest.mark.parametrize("model", ENTRY_MODELS, ids=lambda m: m.__name__)
def test_it_refuses_to_delete_a_recorded_entry(entries, before, model):
    with pytest.raises(PermissionError, match="不能删除"):
        entries[model].delete()

    assert_unchanged(entries, before)


@pytest.mark.parametrize("model", ENTRY_MODELS, ids=lambda m: m.__name__)
def test_it_refuses_to_delete_entries_in_bulk(entries, before, model):
    with pytest.raises(PermissionError, match="不能删除"):
        model.objects.all().delete()
    with pytest.raises(PermissionError, match="不能删除"):
        model.objects.filter(pk=entries[model].pk).delete()

    assert_unchanged(entries, before)


@pytest.mark.parametrize("model", ENTRY_MODELS, ids=lambda m: m.__name__)
def test_it_refuses_to_update_entries_in_bulk(entries, before, model):
    field, value = EDITS[model]
    entry = entries[model]
    setattr(entry, field, value)

    with pytest.raises(PermissionError, match="不能修改"):
        model.objects.filter(pk=entry.pk).update(**{field: value})
    with pytest.raises(PermissionError, match="不能修改"):
        with transaction.atomic():  # bulk_update's own atomic block would doom the test's
            model.objects.bulk_update([entry], [field])

    assert_unchanged(entries, before)


def test_it_refuses_to_overwrite_an_entry_by_saving_a_new_instance_with_its_pk(entries, before, arrear, staff_user):
    """Django saves an instance whose pk is set with an UPDATE when that row exists."""
    recorded = entries[Repayment]
    impostor = Repayment(
        pk=recorded.pk, arrear=arrear, amount=Decimal("1.00"), kind=RepaymentKind.CASH,
        received_on=recorded.received_on, recorded_by=staff_user,
    )

    with pytest.raises((PermissionError, IntegrityError)):
        with transaction.atomic():
            impostor.save()

    assert_unchanged(entries, before)


def test_it_refuses_to_overwrite_an_entry_by_an_upsert(entries, before, arrear, staff_user):
    recorded = entries[Repayment]
    impostor = Repayment(
        pk=recorded.pk, arrear=arrear, amount=Decimal("1.00"), kind=RepaymentKind.CASH,
        received_on=recorded.received_on, recorded_by=staff_user,
    )

    with pytest.raises((PermissionError, IntegrityError)):
        with transaction.atomic():
            Repayment.objects.bulk_create(
                [impostor], update_conflicts=True, unique_fields=["id"], update_fields=["amount"]
            )

    assert_unchanged(entries, before)


def test_it_keeps_entries_when_their_arrear_is_deleted(entries, before, arrear):
    with pytest.raises(ProtectedError):
        arrear.delete()

    assert Arrear.objects.filter(pk=arrear.pk).exists()
    assert_unchanged(entries, before)


# ---- the database itself ------------------------------------------------------------


@pytest.mark.parametrize("value", [Decimal("-1"), Decimal("-0.01")])
def test_it_lets_the_database_refuse_a_negative_outstanding(entries, arrear, value):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Arrear.objects.filter(pk=arrear.pk).update(outstanding=value)

    arrear.refresh_from_db()
    assert arrear.outstanding == Decimal("650.00")


def test_it_lets_the_database_refuse_an_outstanding_above_the_principal(entries, arrear):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Arrear.objects.filter(pk=arrear.pk).update(outstanding=Decimal("1000.01"))

    arrear.refresh_from_db()
    assert arrear.outstanding == Decimal("650.00")


def test_it_lets_the_database_refuse_an_entry_that_is_not_positive(arrear, staff_user):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Repayment.objects.create(
                arrear=arrear, amount=Decimal("0"), kind=RepaymentKind.CASH,
                received_on=arrear.incurred_on, recorded_by=staff_user,
            )


@pytest.mark.postgres
@pytest.mark.parametrize("model", ENTRY_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "sql",
    ["UPDATE {table} SET recorded_at = recorded_at", "UPDATE {table} SET {field} = %s", "DELETE FROM {table}"],
    ids=["touch", "update", "delete"],
)
def test_it_lets_postgresql_refuse_raw_sql_changes(entries, before, model, sql):
    field, value = EDITS[model]
    statement = sql.format(table=TABLES[model], field=field)

    with pytest.raises(DatabaseError, match="清收记录不能修改或删除"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [value] if "%s" in statement else None)

    assert_unchanged(entries, before)


@pytest.mark.postgres
def test_it_lets_postgresql_refuse_a_raw_update_or_delete_of_repayments(entries, before):
    for statement in ("UPDATE recovery_repayment SET amount = 1", "DELETE FROM recovery_repayment"):
        with pytest.raises(IntegrityError):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)

    assert_unchanged(entries, before)
