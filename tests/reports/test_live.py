"""Live figures (reports/selectors.py: live_figures): the latest published report's
snapshot plus what was recorded since its cut-off must give exactly what reading the whole
ledger gives (tests/reference_figures.py: village_figures, villages_with_figures, township_totals).

One ledger, built once for the module: entries before and after the 16:00 cut-off of the
published report of day D (at 16:00:00 exactly too), a repayment reversed across the cut-off,
one paid and reversed after it, write-offs on both sides, debts registered after the cut-off,
a village created after the report, a village owed nothing, an older campaign with no report,
and a second township with a report of another day.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recovery.choices import RepaymentKind
from reports.models import Report
from reports.selectors import live_figures
from tests.factories import (
    ArrearFactory,
    CampaignFactory,
    TownshipFactory,
    VillageFactory,
    WorkAreaFactory,
    ZoneFactory,
    pay,
    publish_report,
    reverse,
    staff_of,
    write_off,
)
from tests.module_db import module_transaction
from tests.reference_figures import township_totals, village_figures, villages_with_figures
from tests.underneath import triggers_off
from villages.models import Village

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = date(2025, 3, 10)
NOW = datetime(2025, 3, 11, 12, 0, tzinfo=SHANGHAI)
BOOKS = datetime(2024, 12, 20, 9, 0, tzinfo=SHANGHAI)


def at(day, hour, minute=0, second=0):
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


def owed(village, campaign, principal, created_at=BOOKS):
    return ArrearFactory(debtor__village=village, campaign=campaign, principal=Decimal(principal), created_at=created_at)


def _build():
    township = TownshipFactory(code="LS", name="兰山街道")
    zone = ZoneFactory(township=township, code="S", name="南片区")
    area = WorkAreaFactory(zone=zone, code="1", name="第一工作区")
    a = VillageFactory(work_area=area, code="LS-001", name="东岭村")
    b = VillageFactory(work_area=area, code="LS-002", name="西河村")
    idle = VillageFactory(work_area=area, code="LS-009", name="无欠款村")
    staff = staff_of(township, username="staff")
    campaign = CampaignFactory(township=township, name="2025年清收清欠攻坚行动")
    old = CampaignFactory(township=township, name="2024年清收", start_date=date(2024, 1, 1), end_date=date(2024, 12, 31), is_active=False)

    a1 = owed(a, campaign, "1000.00")
    pay(a1, "100.00", staff, recorded_at=at(D, 10))
    crossing = pay(a1, "200.00", staff, recorded_at=at(D, 15, 59, 59))
    pay(a1, "50.00", staff, recorded_at=at(D, 16, 0, 0), kind=RepaymentKind.IN_KIND)
    b1 = owed(b, campaign, "800.00")
    write_off(b1, "100.00", staff, recorded_at=at(D, 9))
    gone = pay(b1, "300.00", staff, recorded_at=at(D, 11))
    reverse(gone, staff, recorded_at=at(D, 12))
    pay(b1, "120.00", staff, recorded_at=at(D, 13), kind=RepaymentKind.DEBT_OFFSET)
    legacy = owed(a, old, "400.00", created_at=datetime(2024, 3, 1, 9, tzinfo=SHANGHAI))
    pay(legacy, "100.00", staff, recorded_at=datetime(2024, 5, 1, 9, tzinfo=SHANGHAI))

    other = TownshipFactory(code="HD", name="河东街道")
    far = VillageFactory(work_area__zone__township=other, code="HD-001", name="北湖村")
    other_campaign = CampaignFactory(township=other, name="河东清收")
    f1 = owed(far, other_campaign, "600.00")
    other_staff = staff_of(other, username="other")
    pay(f1, "60.00", other_staff, recorded_at=at(D, 9))

    report = publish_report(campaign, D)
    publish_report(other_campaign, date(2025, 3, 9))

    # After the cut-off of day D.
    reverse(crossing, staff, recorded_at=at(D, 16, 0, 1))
    pay(a1, "30.00", staff, recorded_at=at(D, 18))
    a2 = owed(a, campaign, "500.00", created_at=at(D, 17))
    after = pay(a2, "20.00", staff, recorded_at=at(D, 19), kind=RepaymentKind.IN_KIND)
    reverse(after, staff, recorded_at=at(D, 20))
    pay(a2, "40.00", staff, recorded_at=at(D, 21), kind=RepaymentKind.TRANSFER)
    write_off(b1, "50.00", staff, recorded_at=at(D, 17))
    pay(b1, "200.00", staff, recorded_at=at(D, 17, 30), kind=RepaymentKind.DEBT_OFFSET)
    late = VillageFactory(work_area=area, code="LS-003", name="新村")
    pay(owed(late, campaign, "300.00", created_at=at(D, 18)), "300.00", staff, recorded_at=at(D, 18, 5))
    pay(legacy, "70.00", staff, recorded_at=at(D, 22))
    pay(f1, "15.00", other_staff, recorded_at=at(D, 8))  # after the other township's cut-off (day D-1)
    return {"a": a, "b": b, "idle": idle, "late": late, "far": far, "township": township, "report": report}


@pytest.fixture(scope="module")
def ledger(django_db_setup, django_db_blocker):
    with time_machine.travel(NOW, tick=False), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = _build()
        yield built


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def as_tuples(figures):
    return [(f.village.pk, f.baseline, f.recovered, f.outstanding, f.rank) for f in figures]


@pytest.mark.parametrize("scope", ["all", "township", "one village"])
def test_it_gives_the_whole_ledgers_figures_and_ranks(ledger, scope):
    villages = {
        "all": Village.objects.all(),
        "township": Village.objects.filter(work_area__zone__township=ledger["township"]),
        "one village": Village.objects.filter(pk=ledger["a"].pk),
    }[scope]
    live = live_figures(villages=villages)
    assert as_tuples(live.figures) == as_tuples(village_figures(villages=villages))
    whole = {v.pk: v for v in villages_with_figures(villages)}
    for figure in live.figures:
        v = whole[figure.village.pk]
        assert (figure.recovered_cash, figure.recovered_offset, figure.written_off) == (
            v.recovered_cash, v.recovered_offset, v.written_off), figure.village.name
    assert live.totals() == township_totals(villages=villages)


def test_it_adds_what_was_recorded_since_the_cutoff_to_the_published_figures(ledger):
    """东岭村 at 16:00: 1,000 owed (the 2024 campaign's 400 with 100 paid is outside the report),
    350 recovered. Now: the 200 paid at 15:59:59 reversed, 30 + 40 paid, 500 newly owed, and
    the older campaign's 400 owed with 100 + 70 paid."""
    live = live_figures(villages=Village.objects.filter(work_area__zone__township=ledger["township"]))
    a = next(f for f in live.figures if f.village == ledger["a"])
    assert (a.official.baseline, a.official.recovered, a.official.outstanding) == (
        Decimal("1000.00"), Decimal("350.00"), Decimal("650.00"))
    assert (a.baseline, a.recovered, a.outstanding) == (Decimal("1900.00"), Decimal("390.00"), Decimal("1510.00"))
    assert a.differs
    late = next(f for f in live.figures if f.village == ledger["late"])
    assert late.official is None and (late.rank, late.ratio, late.outstanding) == (1, Decimal("1.0000"), Decimal("0.00"))
    assert live.report.pk == ledger["report"].pk
    assert live.report.label == "截至3月10日16:00战报"


def test_it_reads_what_precedes_the_cutoff_from_the_published_snapshot(ledger):
    """Not from the ledger: a (hypothetical) different published figure shows through."""
    report = ledger["report"]
    data = report.data
    for row in data["villages"]:
        if row["village_id"] == ledger["b"].pk:
            row["baseline"] = str(Decimal(row["baseline"]) + 1000)
    with triggers_off():  # a published report never changes (a trigger on PostgreSQL)
        Report.objects.filter(pk=report.pk).update(data=data)

    live = live_figures(villages=Village.objects.filter(pk=ledger["b"].pk))
    assert live.figures[0].baseline == Decimal("1800.00")


def test_it_reads_the_whole_ledger_when_nothing_was_published(ledger):
    Report.objects.filter(campaign__township=ledger["township"]).update(is_current=False)
    villages = Village.objects.filter(work_area__zone__township=ledger["township"])

    live = live_figures(villages=villages)
    assert live.report is None and not live.differs
    assert as_tuples(live.figures) == as_tuples(village_figures(villages=villages))
    assert live.totals() == township_totals(villages=villages)
