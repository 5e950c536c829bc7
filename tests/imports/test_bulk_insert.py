"""core.bulk.bulk_insert: what imports write with (COPY on PostgreSQL, one INSERT a chunk
on SQLite) must store exactly what bulk_create would, give the keys in order, and fail as
Django fails."""

from datetime import date, datetime
from datetime import timezone as dt_timezone
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from imports.bulk import bulk_insert
from recovery.choices import LitigationStatus
from recovery.models import Arrear, Debtor


def debtor_rows(village, count, start=0):
    return [{"village_id": village.pk, "name": f"欠款人{start + n}", "national_id": ""} for n in range(count)]


@pytest.mark.django_db(transaction=True)
def test_rows_get_their_keys_in_order_and_the_defaults(village_a):
    done = []
    pks = bulk_insert(Debtor, debtor_rows(village_a, 7), chunk=3, progress=done.append)

    assert done == [3, 6, 7]
    assert len(set(pks)) == 7
    stored = {debtor.pk: debtor for debtor in Debtor.objects.all()}
    assert [stored[pk].name for pk in pks] == [f"欠款人{n}" for n in range(7)]
    first = stored[pks[0]]
    assert (first.kind, first.is_blacklisted, first.litigation_status, first.blacklisted_on) == ("person", False, LitigationStatus.NONE, None)
    # more rows later continue from there (the sequence or SQLite's counter moved on)
    assert min(bulk_insert(Debtor, debtor_rows(village_a, 2, start=7))) > max(pks)


@pytest.mark.django_db(transaction=True)
def test_values_come_back_as_they_went_in(village_a, campaign, staff_user):
    [debtor] = bulk_insert(Debtor, debtor_rows(village_a, 1))
    when = datetime(2026, 11, 23, 8, 0, 0, 123456, tzinfo=dt_timezone.utc)
    rows = (
        {
            "village_id": village_a.pk, "debtor_id": debtor, "campaign_id": campaign.pk, "category": "loan",
            "description": "借支 “村” ='=1+1'", "incurred_on": date(2019, 5, 13), "principal": Decimal("1234.50"),
            "outstanding": Decimal("1234.50"), "ledger_amount": Decimal("99999999999.99"), "created_at": when,
            "created_by_id": staff_user.pk,
        }
        for _ in range(2)
    )
    pks = bulk_insert(Arrear, rows, count=2)

    arrear = Arrear.objects.get(pk=pks[0])
    assert arrear.description == "借支 “村” ='=1+1'"
    assert (arrear.principal, arrear.ledger_amount) == (Decimal("1234.50"), Decimal("99999999999.99"))
    assert arrear.incurred_on == date(2019, 5, 13)
    assert arrear.created_at == when
    assert timezone.localtime(arrear.created_at).hour == 16  # Asia/Shanghai
    assert Arrear.objects.filter(pk__in=pks, created_by=staff_user, campaign=campaign).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_broken_constraint_is_djangos_integrity_error_and_nothing_stays(village_a):
    rows = debtor_rows(village_a, 3)
    rows[1]["national_id"] = rows[2]["national_id"] = "11010519491231002X"  # unique in the village
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            bulk_insert(Debtor, rows)
    assert not Debtor.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_row_that_names_no_field_or_a_wrong_count_is_refused(village_a):
    with pytest.raises(ValueError, match="no fields"):
        with transaction.atomic():
            bulk_insert(Debtor, [{"village_id": village_a.pk, "name": "甲", "nmae": "乙"}])
    with pytest.raises(ValueError):
        with transaction.atomic():
            bulk_insert(Debtor, iter(debtor_rows(village_a, 2)), count=3)
    assert not Debtor.objects.exists()
