"""Every ledger fact written through a service gets its link in its township's chain, in
the same transaction, seq without gaps; a refused write leaves no link."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integrity.choices import FactKind
from integrity.facts import canonical_json, fact_content, link_hash, sha256
from integrity.models import ChainHead, ChainLink
from integrity.services import ledger_verify
from recovery.models import Debtor, Repayment
from recovery.services import arrear_update, debtor_update, ledger_repayments_create
from tests.factories import pay

from .ledger import ledger_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(village_a, campaign, staff_user):
    return ledger_write(village=village_a, campaign=campaign, user=staff_user)


def test_it_chains_each_fact_of_each_kind(ledger, township):
    kinds = Counter(ChainLink.objects.filter(township=township).values_list("kind", flat=True))
    assert kinds == {
        FactKind.DEBTOR: 2, FactKind.ARREAR: 2, FactKind.REPAYMENT: 2, FactKind.REVERSAL: 1,
        FactKind.WRITE_OFF: 1, FactKind.FEE_PAYMENT: 1, FactKind.STATUS_STEP: 2,
    }
    repayment = ledger["repayments"][0]
    link = ChainLink.objects.get(kind=FactKind.REPAYMENT, object_id=repayment.pk)
    assert link.content["amount"] == "300.00"
    assert link.content == fact_content(FactKind.REPAYMENT, Repayment.objects.get(pk=repayment.pk))


def test_it_links_each_link_to_the_one_before_without_gaps(ledger, township):
    links = list(ChainLink.objects.filter(township=township).order_by("seq"))
    assert [link.seq for link in links] == list(range(1, len(links) + 1))
    prev = ""
    for link in links:
        assert link.prev_hash == prev
        assert link.content_hash == sha256(canonical_json(link.content))
        assert link.hash == link_hash(
            prev_hash=prev, content_hash=link.content_hash, township_id=township.pk, seq=link.seq,
            kind=link.kind, object_id=link.object_id,
        )
        prev = link.hash
    head = ChainHead.objects.get(township=township)
    assert (head.seq, head.hash) == (links[-1].seq, links[-1].hash)


def test_it_keeps_no_identity_number_in_the_chain(village_a, staff_user):
    from recovery.services import debtor_create

    debtor = debtor_create(village=village_a, created_by=staff_user, name="王五", national_id="11010519491231002X")
    link = ChainLink.objects.get(kind=FactKind.DEBTOR, object_id=debtor.pk)
    assert "11010519491231002X" not in canonical_json(link.content)
    assert link.content["national_id"] == sha256("11010519491231002X")


def test_it_chains_a_new_identity_and_an_edited_arrear_and_still_verifies(ledger, staff_user, township):
    zhang = Debtor.objects.get(pk=ledger["debtors"][0].pk)
    debtor_update(debtor=zhang, updated_by=staff_user, name="张叁")
    owed = ledger["arrears"][0]
    arrear_update(arrear=owed, updated_by=staff_user, category=owed.category, description="改了说明", incurred_on=owed.incurred_on)
    assert ChainLink.objects.filter(kind=FactKind.DEBTOR, object_id=zhang.pk).count() == 2
    assert ChainLink.objects.filter(kind=FactKind.ARREAR, object_id=owed.pk).count() == 2
    run = ledger_verify(township=township)
    assert run.ok, run.breaks


def test_it_chains_imported_repayments_in_bulk(ledger, staff_user, township):
    untouched = ledger["arrears"][1]
    before = ChainLink.objects.filter(township=township).count()
    created = ledger_repayments_create(
        repayments=[Repayment(arrear_id=untouched.pk, amount=Decimal("10.00"), kind="cash", received_on=untouched.incurred_on)
                    for _ in range(3)],
        recorded_by=staff_user, import_batch=None,
    )
    assert ChainLink.objects.filter(township=township).count() == before + 3
    assert set(ChainLink.objects.filter(kind=FactKind.REPAYMENT).values_list("object_id", flat=True)) >= {r.pk for r in created}
    assert ledger_verify(township=township).ok


def test_a_refused_repayment_leaves_no_link(ledger, staff_user, township):
    before = ChainLink.objects.filter(township=township).count()
    with pytest.raises(ValidationError):
        pay(ledger["arrears"][0], "99999.00", staff_user)
    assert ChainLink.objects.filter(township=township).count() == before


def test_each_township_has_its_own_chain(ledger, other_village, staff_user, other_staff_user, other_township):
    from recovery.services import debtor_create

    debtor_create(village=other_village, created_by=other_staff_user, name="赵六")
    assert list(ChainLink.objects.filter(township=other_township).values_list("seq", flat=True)) == [1]


def test_it_chains_imported_debtors_and_arrears_as_the_database_holds_them(village_a, campaign, staff_user, township):
    from datetime import date

    from django.db import transaction

    from recovery.services import ledger_arrears_create, ledger_debtors_create

    with transaction.atomic():
        debtors = ledger_debtors_create(
            debtors=[{"village_id": village_a.pk, "kind": "person", "name": f"导入{i}", "national_id": "",
                      "credit_code": "", "phone": "", "address": ""} for i in range(3)],
            total=3, villages=[village_a.pk], created_by=staff_user, import_batch=None,
        )
        arrears = ledger_arrears_create(
            arrears=[{"village_id": village_a.pk, "debtor_id": pk, "category": "loan", "description": " 借款 ",
                      "incurred_on": date(2020, 1, 2), "principal": "100.5",
                      "ledger_amount": None} for pk in debtors],
            total=3, villages=[village_a.pk], campaign=campaign, created_by=staff_user, import_batch=None,
        )
    assert set(ChainLink.objects.filter(kind=FactKind.ARREAR).values_list("object_id", flat=True)) == set(arrears)
    assert ChainLink.objects.get(kind=FactKind.ARREAR, object_id=arrears[0]).content["principal"] == "100.50"
    assert ledger_verify(township=township).ok
