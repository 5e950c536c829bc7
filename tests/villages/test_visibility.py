"""Who may see which rows: ``Model.objects.visible_to(user)`` (villages/models.py), the one
rule that every view, export, selector and form uses.

One ledger with rows of every kind in three villages (东岭村 and 西河村 of 兰山街道, 北湖村 of
河东街道); each role must get exactly the rows of the villages (or townships) it may see,
and a cadre of one village never gets another village's rows.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone

from contracts.choices import AttachmentKind, ContractCategory, ContractForm, FindingKind
from contracts.models import Contract, ContractAttachment, ContractFeePayment, ContractFinding, ContractStatusChange
from imports.models import ImportBatch
from integrity.models import ChainHead, ChainLink, VerificationRun
from recovery.models import Arrear, Campaign, Debtor, Repayment, Reversal, WriteOff
from recovery.selectors import debtors_with_totals
from reports.models import Report, ReportRebuild
from tests.factories import (
    ArrearFactory,
    AssignmentFactory,
    CampaignFactory,
    DebtorFactory,
    UserFactory,
    admin_of,
    cadre_of,
    leader_of,
    pay,
    reverse,
    staff_of,
    write_off,
)
from villages.models import Assignment, Township, Village, WorkArea, Zone

pytestmark = pytest.mark.django_db

# Every model that belongs to a village, and how a row of it names its village.
VILLAGE_ROWS = {
    Village: lambda row: row,
    Debtor: lambda row: row.village,
    Arrear: lambda row: row.village,
    Repayment: lambda row: row.arrear.village,
    Reversal: lambda row: row.repayment.arrear.village,
    WriteOff: lambda row: row.arrear.village,
    Contract: lambda row: row.village,
    ContractStatusChange: lambda row: row.contract.village,
    ContractFinding: lambda row: row.contract.village,
    ContractAttachment: lambda row: row.contract.village,
    ContractFeePayment: lambda row: row.contract.village,
}
# Every model that belongs to a township, and how a row of it names its township.
TOWNSHIP_ROWS = {
    Township: lambda row: row,
    Zone: lambda row: row.township,
    WorkArea: lambda row: row.zone.township,
    Assignment: lambda row: row.target.township if isinstance(row.target, Zone) else (
        row.target.zone.township if isinstance(row.target, WorkArea) else row.target.work_area.zone.township
    ),
    Campaign: lambda row: row.township,
    Report: lambda row: row.campaign.township,
    ReportRebuild: lambda row: row.report.campaign.township,
    ImportBatch: lambda row: row.township,
    ChainHead: lambda row: row.township,
    ChainLink: lambda row: row.township,
    VerificationRun: lambda row: row.township,
}
# Models that reach a place only through a user: not ledger rows.
NOT_PLACE_ROWS = {"User"}


def _fill(village, campaign, writer, n):
    """One row of every kind in ``village``."""
    debtor = DebtorFactory(village=village)
    arrear = ArrearFactory(debtor=debtor, campaign=campaign, principal=Decimal("1000.00"))
    pay(arrear, "100.00", writer, receipt_number=f"R{n}-1")
    reverse(pay(arrear, "50.00", writer, receipt_number=f"R{n}-2"), writer)
    write_off(arrear, "10.00", writer)
    contract = Contract.objects.create(
        village=village, number=f"HT-{n}", counterparty_name=debtor.name, category=ContractCategory.RESERVE_LAND,
        subject="机动地", area_mu=Decimal("5.00"), annual_fee=Decimal("1000.00"),
        start_date=date(2020, 1, 1), end_date=date(2029, 12, 31), form=ContractForm.WRITTEN,
    )
    ContractStatusChange.objects.create(contract=contract, to_status=contract.status, changed_by=writer)
    ContractFinding.objects.create(contract=contract, kind=FindingKind.PRICE_TOO_LOW, recorded_by=writer)
    ContractAttachment.objects.create(
        contract=contract, kind=AttachmentKind.CONTRACT_SCAN, file=f"contracts/{n}.png", original_name=f"{n}.png",
        content_type="image/png", size=1, uploaded_by=writer,
    )
    ContractFeePayment.objects.create(contract=contract, year=2024, amount=Decimal("500.00"), received_on=date(2024, 12, 1), recorded_by=writer)
    AssignmentFactory(village=village)
    AssignmentFactory(for_work_area=True, work_area=village.work_area)
    if not Assignment.objects.filter(zone=village.work_area.zone).exists():
        AssignmentFactory(for_zone=True, zone=village.work_area.zone)


@pytest.fixture
def places(township, village_a, village_b, other_township, other_village, superadmin):
    campaign = CampaignFactory(township=township)
    other_campaign = CampaignFactory(township=other_township)
    for n, (village, in_campaign) in enumerate(
        [(village_a, campaign), (village_b, campaign), (other_village, other_campaign)], start=1,
    ):
        _fill(village, in_campaign, superadmin, n)
    for n, in_campaign in enumerate((campaign, other_campaign), start=1):
        report = Report.objects.create(
            campaign=in_campaign, day=date(2025, 3, 10), issue_number=n, cutoff_at=timezone.now(), data={},
            pdf=f"reports/{n}.pdf", xlsx=f"reports/{n}.xlsx",
        )
        ReportRebuild.objects.create(report=report, reason="补录", requested_by=superadmin)
        ImportBatch.objects.create(
            kind="arrears", township=in_campaign.township, campaign=in_campaign, file=f"imports/{n}.xlsx",
            original_name=f"{n}.xlsx", size=1, sha256=f"{n:064d}", uploaded_by=superadmin,
        )
        VerificationRun.objects.create(township=in_campaign.township, ok=True)
    return {"A": township, "B": other_township, "a": village_a, "b": village_b, "other": other_village}


# role -> (villages it may see in full, townships it may see), by the keys of ``places``
ROLES = {
    "anonymous": ((), ()),
    "no_role": ((), ()),
    "staff": (("a", "b"), ("A",)),
    "staff_without_township": ((), ()),
    "other_staff": (("other",), ("B",)),
    "leader": (("a", "b"), ("A",)),
    "leader_of_all": (("a", "b", "other"), ("A", "B")),
    "cadre_a": (("a",), ("A",)),
    "cadre_b": (("b",), ("A",)),
    "cadre_without_village": ((), ()),
    "admin": (("a", "b"), ("A",)),
    "superuser": (("a", "b", "other"), ("A", "B")),
}


def _user(role, places):
    A, B = places["A"], places["B"]
    return {
        "anonymous": lambda: AnonymousUser(),
        "no_role": lambda: UserFactory(township=A),
        "staff": lambda: staff_of(A),
        "staff_without_township": lambda: staff_of(None),
        "other_staff": lambda: staff_of(B),
        "leader": lambda: leader_of(A),
        "leader_of_all": lambda: leader_of(None),
        "cadre_a": lambda: cadre_of(places["a"]),
        "cadre_b": lambda: cadre_of(places["b"]),
        "cadre_without_village": lambda: UserFactory(role="cadre"),
        "admin": lambda: admin_of(A),
        "superuser": lambda: UserFactory(is_superuser=True),
    }[role]()


def _expected(names, places):
    return {places[name].pk for name in names}


def _wrong(rows_of, place_of, expected):
    """{model: (places seen, places expected)} for every model whose visible rows are not
    exactly all the rows of the expected places."""
    wrong = {}
    for model, user_rows in rows_of.items():
        seen = {place_of[model](row).pk for row in user_rows}
        should = [row.pk for row in model.objects.all() if place_of[model](row).pk in expected]
        if seen != expected or sorted(row.pk for row in user_rows) != sorted(should):
            wrong[model.__name__] = (sorted(seen), sorted(expected))
    return wrong


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_each_role_the_rows_of_the_villages_it_may_see(places, role):
    user = _user(role, places)
    rows = {model: list(model.objects.visible_to(user)) for model in VILLAGE_ROWS}
    assert _wrong(rows, VILLAGE_ROWS, _expected(ROLES[role][0], places)) == {}


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_each_role_the_rows_of_the_townships_it_may_see(places, role):
    user = _user(role, places)
    rows = {model: list(model.objects.visible_to(user)) for model in TOWNSHIP_ROWS}
    assert _wrong(rows, TOWNSHIP_ROWS, _expected(ROLES[role][1], places)) == {}


def test_it_never_gives_a_cadre_another_villages_rows(places):
    cadre = cadre_of(places["a"])
    for model, village_of in VILLAGE_ROWS.items():
        of_village_b = [row.pk for row in model.objects.all() if village_of(row).pk == places["b"].pk]
        assert of_village_b, f"the ledger should hold {model.__name__} rows of 西河村"
        assert not model.objects.visible_to(cadre).filter(pk__in=of_village_b).exists(), model.__name__
        assert not model.objects.filter(pk__in=of_village_b).visible_to(cadre).exists(), model.__name__


def test_it_applies_after_annotations_and_filters(places):
    """A list's queryset (annotated, ordered) narrowed by ``visible_to``, as ScopedMixin does."""
    cadre = cadre_of(places["a"])
    debtors = list(debtors_with_totals(Debtor.objects.all()).visible_to(cadre))
    assert [d.village_id for d in debtors] == [places["a"].pk]
    assert debtors[0].principal_total == Decimal("1000.00")


def test_it_shows_a_cadre_every_village_of_the_township_in_the_ranking_only(places):
    cadre = cadre_of(places["a"])
    assert set(Village.objects.ranking_visible_to(cadre)) == {places["a"], places["b"]}
    assert set(Village.objects.visible_to(cadre)) == {places["a"]}
    assert set(Debtor.objects.visible_to(cadre).values_list("village", flat=True)) == {places["a"].pk}


@pytest.mark.parametrize("role", [r for r in ROLES if not r.startswith("cadre")])
def test_it_ranks_for_everyone_else_what_they_may_see_in_full(places, role):
    user = _user(role, places)
    assert set(Village.objects.ranking_visible_to(user)) == set(Village.objects.visible_to(user))


def _reaches_a_place(model, seen=()):
    """Whether ``model`` belongs to a village or a township: one of its foreign keys leads
    there (not through a user or an import batch)."""
    if model in (Village, Township):
        return True
    for field in model._meta.get_fields():
        if not (field.is_relation and field.many_to_one or field.one_to_one and field.concrete):
            continue
        target = field.related_model
        if target is None or target in seen or target.__name__ in NOT_PLACE_ROWS or target is model:
            continue
        if _reaches_a_place(target, (*seen, model)):
            return True
    return False


def _is_history(model):
    """The change history's rows (audit/history.py): read on the administrators' audit pages
    only, never per village."""
    return hasattr(model, "instance_type") or hasattr(getattr(model, "history", None), "instance_type")


def test_it_gives_every_model_that_belongs_to_a_place_a_visible_to():
    project = [config for config in apps.get_app_configs() if not config.name.startswith("django.")]
    belonging = [
        model for config in project for model in config.get_models()
        if model.__name__ not in NOT_PLACE_ROWS and not _is_history(model) and _reaches_a_place(model)
    ]
    assert set(VILLAGE_ROWS) | set(TOWNSHIP_ROWS) <= set(belonging)
    missing = [model.__name__ for model in belonging if not hasattr(model._default_manager, "visible_to")]
    assert missing == [], "these models belong to a village or township but have no objects.visible_to(user)"
    untested = [model.__name__ for model in belonging if model not in VILLAGE_ROWS and model not in TOWNSHIP_ROWS]
    assert untested == [], "add these models to VILLAGE_ROWS or TOWNSHIP_ROWS above"
    assert all(isinstance(model._default_manager.all(), models.QuerySet) for model in belonging)
