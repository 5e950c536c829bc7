"""``seed_demo``'s ledger: a realistic township made through the services, and the same
as before the demo became an app of its own.

The township (12 villages, seed 1, ``--no-reports``) is seeded once for the module, on
2025-06-16 at 09:30 Asia/Shanghai, and time stays there; each test reads it in a savepoint
of its own.

The demo digest is identical before and after the move: ``DIGEST`` is the SHA-256 of the
canonical JSON of ``fingerprint()`` (tests/demo/seeding.py: the natural keys of everything
the demo makes: places, people, users, debtors, arrears, repayments, reversals, write-offs,
contracts, their history, findings and fee payments) after this seeding. It was
recorded on commit 5d922e1, before ``recovery/demo.py`` became the ``demo`` app, on SQLite
and on PostgreSQL (the same value on both), so the move provably changed no data. (The
47-village demo gave 6d5c0804…0382deb8 there and still does; 12 villages have every kind
of village, debtor, entry and contract stage, in a third of the time.)

When the demo is changed on purpose (other names, another mix of debts, one more kind of
entry), this test fails: look at what changed (``fingerprint()`` before and after), and when
the change is the one intended, record the new value here and say why in the commit message.
"""

import re
from datetime import datetime, time

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractFinding
from core.money import ZERO
from core.validators import validate_credit_code, validate_national_id, validate_phone
from recovery.choices import DebtorKind, LitigationStatus
from recovery.models import Arrear, Campaign, Debtor, Repayment, Reversal, WriteOff
from reports.models import Report
from tests.demo.seeding import SHANGHAI, digest, fingerprint, seeded_once
from villages.choices import AssignmentRole
from villages.models import Village, WorkArea, Zone

pytestmark = pytest.mark.django_db


DIGEST = "6f4fb4b79816d2e15aff4aae2ff9ae23f2c7ffb06f568ab151d26462ab530f09"
SEEDED_AT = datetime(2025, 6, 16, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture(scope="module", autouse=True)
def output(django_db_setup, django_db_blocker):
    """What ``seed_demo --villages 12 --no-reports`` printed."""
    with time_machine.travel(SEEDED_AT, tick=False), seeded_once(django_db_blocker, villages=12, seed=1) as printed:
        yield printed


def test_it_makes_the_same_demo_as_before_the_move():
    data = fingerprint()
    assert len(data["villages"]) == 12 and data["repayments"] and data["contracts"]
    assert digest(data) == DIGEST


def test_it_builds_zones_work_areas_assignments_and_the_campaign():
    assert list(Zone.objects.order_by("order").values_list("name", flat=True)) == ["南片区", "中片区", "北片区"]
    for zone in Zone.objects.all():
        assert 2 <= zone.work_areas.count() <= 3
        assert zone.assignments.filter(role=AssignmentRole.ZONE_LEADER).count() == 1
    for area in WorkArea.objects.all():
        roles = set(area.assignments.values_list("role", flat=True))
        assert roles == {AssignmentRole.WORKAREA_CONTACT, AssignmentRole.WORKAREA_SECRETARY, AssignmentRole.WORKAREA_DIRECTOR}
    for village in Village.objects.all():
        roles = set(village.assignments.values_list("role", flat=True))
        assert roles == {AssignmentRole.VILLAGE_LIAISON, AssignmentRole.VILLAGE_SECRETARY}

    campaign = Campaign.objects.get()
    today = timezone.localdate()
    assert campaign.name == "清收清欠百日攻坚行动"
    assert campaign.is_active
    assert campaign.start_date < today < campaign.end_date
    assert (today - campaign.start_date).days == 30
    assert str(campaign.target_ratio) == "0.8000"
    assert campaign.cutoff_time == time(16, 0)
    assert Arrear.objects.exclude(campaign=campaign).count() == 0


def test_it_keeps_every_outstanding_equal_to_principal_less_live_repayments_and_write_offs():
    assert Reversal.objects.exists()
    assert WriteOff.objects.exists()
    for arrear in Arrear.objects.all():
        repaid = arrear.repayments.filter(reversal__isnull=True).aggregate(total=Sum("amount"))["total"] or ZERO
        written_off = arrear.write_offs.aggregate(total=Sum("amount"))["total"] or ZERO
        assert arrear.outstanding == arrear.principal - repaid - written_off, arrear
        assert arrear.principal == arrear.principal.quantize(ZERO)


def test_it_includes_villages_owed_nothing_cleared_villages_and_hard_cases():
    by_village = {
        row["village__code"]: row
        for row in Arrear.objects.values("village__code").annotate(owed=Sum("principal"), left=Sum("outstanding"))
    }
    assert Village.objects.count() - len(by_village) == 2  # owed nothing
    assert sum(1 for row in by_village.values() if row["left"] == 0) >= 2  # cleared
    assert sum(1 for row in by_village.values() if row["left"] > 0) >= 8

    blacklisted = Debtor.objects.filter(is_blacklisted=True)
    litigating = Debtor.objects.exclude(litigation_status=LitigationStatus.NONE)
    assert litigating.exists()
    assert all(d.blacklist_reason and d.blacklisted_on for d in blacklisted)
    assert all(re.fullmatch(r"（20\d\d）鲁1302(民初|执)\d+号", d.case_number) for d in litigating)
    assert Debtor.objects.filter(kind=DebtorKind.ORGANISATION).exists()
    assert {"cash", "transfer"} <= set(Repayment.objects.values_list("kind", flat=True))
    assert all(re.fullmatch(r"街党工委〔20\d\d〕\d+号", w.approval_reference) for w in WriteOff.objects.all())


def test_it_gives_debtors_valid_identity_numbers_and_phones():
    debtors = list(Debtor.objects.all())
    people = [d for d in debtors if d.kind == DebtorKind.PERSON]
    assert sum(1 for d in people if d.national_id) > len(people) // 2
    for debtor in debtors:
        if debtor.national_id:
            validate_national_id(debtor.national_id)
            assert debtor.national_id.startswith("3713")
        if debtor.credit_code:
            validate_credit_code(debtor.credit_code)
        if debtor.phone:
            validate_phone(debtor.phone)
            assert re.fullmatch(r"1[3-9]\d{9}", debtor.phone)


def test_it_dates_entries_inside_the_campaign_and_before_today():
    campaign = Campaign.objects.get()
    today = timezone.localdate()
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))

    entries = list(Repayment.objects.select_related("arrear")) + list(Reversal.objects.all()) + list(WriteOff.objects.all())
    assert entries
    for entry in entries:
        assert entry.recorded_at < start_of_today
        assert timezone.localdate(entry.recorded_at) >= campaign.start_date
    for repayment in Repayment.objects.select_related("arrear"):
        assert campaign.start_date <= repayment.received_on < today
        assert repayment.received_on >= repayment.arrear.incurred_on
        assert timezone.localdate(repayment.recorded_at) >= repayment.received_on
    for reversal in Reversal.objects.select_related("repayment"):
        assert reversal.recorded_at > reversal.repayment.recorded_at
        assert reversal.reason


def test_it_has_contracts_at_every_stage_of_the_review_in_every_village(output):
    today = timezone.localdate()

    originals = Contract.objects.filter(renewed_from__isnull=True)
    assert set(originals.values_list("status", flat=True)) == set(ContractStatus.values)
    for village in Village.objects.all():
        assert 2 <= originals.filter(village=village).count() <= 8, village
    # Every move went through contract_advance, one step at a time, recorded.
    path = [ContractStatus.TO_FIND, ContractStatus.FOUND, ContractStatus.AREA_VERIFIED, ContractStatus.INVESTIGATED]
    for contract in originals:
        moves = list(contract.status_changes.order_by("pk").values_list("from_status", "to_status"))
        assert moves[0] == ("", ContractStatus.TO_FIND)
        reached = [to for _from, to in moves]
        expected = path[:path.index(contract.status) + 1] if contract.status in path else path + [contract.status]
        assert reached == expected, contract
        assert all(a == b for (_f, a), (b, _t) in zip(moves, moves[1:]))
    terminated = originals.filter(status=ContractStatus.TERMINATED)
    assert all(c.recovered_area_mu is not None for c in terminated)
    for old in originals.filter(status=ContractStatus.RESIGNED):
        new = old.renewal
        assert new.status == ContractStatus.STANDARDISED
        assert new.status_changes.get().note.startswith(f"由合同 {old.number} 重签")
    assert originals.filter(verified_area_mu__isnull=False).exclude(status__in=[ContractStatus.TO_FIND, ContractStatus.FOUND]).exists()
    assert Contract.objects.filter(renewed_from__isnull=False).exists()
    assert ContractFinding.objects.filter(is_open=True).exists() and ContractFinding.objects.filter(is_open=False).exists()
    assert set(Contract.objects.values_list("form", flat=True)) == {"written", "receipt_only", "oral"}
    assert Contract.objects.filter(end_date__lt=today.replace(year=today.year - 2)).exists()  # long past
    assert "合同" in output and "待查找" in output and "终止收回" in output


def test_unpaid_contract_fees_become_arrears_of_the_campaign():
    campaign = Campaign.objects.get()
    today = timezone.localdate()

    fee_arrears = Arrear.objects.filter(contract__isnull=False).select_related("contract")
    assert fee_arrears.exists()
    for arrear in fee_arrears:
        contract = arrear.contract
        assert (arrear.category, arrear.campaign, arrear.village_id) == ("contract_fee", campaign, contract.village_id)
        assert arrear.debtor_id == contract.debtor_id
        paid = contract.fee_payments.filter(year=arrear.contract_year).aggregate(total=Sum("amount"))["total"] or ZERO
        assert arrear.principal == contract.annual_fee - paid
        assert arrear.incurred_on < today
    assert Arrear.objects.filter(contract__isnull=True, campaign=campaign).exists()
    # Every year due and not (fully) paid became an arrear; running the task again adds nothing.
    from contracts.services import fee_arrears_create

    assert fee_arrears_create(today=today) == []


def test_it_leaves_the_reports_to_the_schedule_when_told_to(output):
    assert not Report.objects.exists()
    assert "战报：未生成，过去各天的战报由定时任务补齐" in output
