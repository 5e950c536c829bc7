"""The battle report's numbers (reports/selectors.py: report_snapshot, cutoff_for,
report_day_of), read from the ledger as of each day's 16:00 cut-off.

Entries are posted through the services (tests/factories.py: pay, reverse, write_off),
with time frozen at the edges (15:59:59 / 16:00:00 / 16:00:01 Asia/Shanghai) or with an
explicit ``recorded_at``. Every expected figure is worked out by hand in the test.
"""

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recovery.choices import RepaymentKind
from recovery.models import Campaign
from reports.selectors import cutoff_for, report_day_of, report_snapshot
from reports.snapshot import Snapshot
from tests.factories import (
    ArrearFactory,
    AssignmentFactory,
    CampaignFactory,
    VillageFactory,
    WorkAreaFactory,
    ZoneFactory,
    pay,
    reverse,
    write_off,
)
from tests.underneath import triggers_off
from villages.choices import AssignmentRole

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = date(2025, 3, 10)
D_MINUS_1 = date(2025, 3, 9)
D_PLUS_1 = date(2025, 3, 11)
# Debts already on the books when the campaign (2025-01-01 .. 2025-12-31) began.
ON_THE_BOOKS = datetime(2024, 12, 20, 9, 0, tzinfo=SHANGHAI)


def at(day, hour, minute=0, second=0):
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


def frozen(moment):
    return time_machine.travel(moment, tick=False)


def owed(village, campaign, principal, created_at=ON_THE_BOOKS):
    """One arrear of ``principal`` yuan owed to ``village``, registered at ``created_at``."""
    return ArrearFactory(
        debtor__village=village, campaign=campaign, principal=Decimal(principal), created_at=created_at
    )


def row_of(snapshot, village):
    for row in [*snapshot.villages, *snapshot.unranked]:
        if row.village_id == village.pk:
            return row
    raise AssertionError(f"{village.name} 不在战报中")


def figures(row):
    return {
        "baseline": row.baseline, "recovered": row.recovered, "cash": row.recovered_cash,
        "offset": row.recovered_offset, "today": row.recovered_today,
        "written_off": row.written_off, "outstanding": row.outstanding, "ratio": row.ratio,
    }


# ---- the cut-off -------------------------------------------------------------------


def test_it_closes_day_d_at_the_campaigns_cutoff_in_shanghai(campaign):
    assert cutoff_for(campaign, D) == datetime(2025, 3, 10, 16, 0, 0, tzinfo=SHANGHAI)
    assert cutoff_for(campaign, D) == datetime(2025, 3, 10, 8, 0, 0, tzinfo=ZoneInfo("UTC"))
    assert report_day_of(campaign, at(D, 15, 59, 59)) == D
    assert report_day_of(campaign, at(D, 16, 0, 0)) == D
    assert report_day_of(campaign, at(D, 16, 0, 1)) == D_PLUS_1
    assert report_day_of(campaign, at(D, 0, 0, 0)) == D
    assert report_day_of(campaign, at(D, 23, 59, 59)) == D_PLUS_1


def test_it_uses_a_campaigns_own_cutoff_time(campaign):
    campaign.cutoff_time = time(17, 30)

    assert cutoff_for(campaign, D) == at(D, 17, 30)
    assert report_day_of(campaign, at(D, 17, 0)) == D
    assert report_day_of(campaign, at(D, 17, 30, 1)) == D_PLUS_1


def test_it_puts_entries_at_155959_and_160000_in_day_d_and_160001_in_d_plus_1(campaign, village_a, staff_user):
    """Through the service's own default: ``recorded_at`` is the (frozen) current time."""
    arrear = owed(village_a, campaign, "1000.00")
    with frozen(at(D, 15, 59, 59)):
        pay(arrear, "100.00", staff_user)
    with frozen(at(D, 16, 0, 0)):
        pay(arrear, "200.00", staff_user)
    with frozen(at(D, 16, 0, 1)):
        pay(arrear, "400.00", staff_user)

    day_d = row_of(report_snapshot(campaign=campaign, day=D), village_a)
    day_d_plus_1 = row_of(report_snapshot(campaign=campaign, day=D_PLUS_1), village_a)

    assert (day_d.recovered, day_d.recovered_today, day_d.outstanding) == (
        Decimal("300.00"), Decimal("300.00"), Decimal("700.00"))
    assert (day_d_plus_1.recovered, day_d_plus_1.recovered_today, day_d_plus_1.outstanding) == (
        Decimal("700.00"), Decimal("400.00"), Decimal("300.00"))
    assert day_d.ratio == Decimal("0.3000")
    assert day_d_plus_1.ratio == Decimal("0.7000")


def test_it_puts_entries_at_the_edges_by_explicit_recorded_at(campaign, village_a, staff_user):
    arrear = owed(village_a, campaign, "1000.00")
    with frozen(at(D_PLUS_1, 18, 0)):
        pay(arrear, "10.00", staff_user, recorded_at=at(D, 15, 59, 59))
        pay(arrear, "20.00", staff_user, recorded_at=at(D, 16, 0, 0))
        pay(arrear, "40.00", staff_user, recorded_at=at(D, 16, 0, 1))
        repayment = pay(arrear, "80.00", staff_user, recorded_at=at(D_MINUS_1, 16, 0, 1))
        reverse(repayment, staff_user, recorded_at=at(D, 16, 0, 0))

    day_d = report_snapshot(campaign=campaign, day=D)
    day_d_plus_1 = report_snapshot(campaign=campaign, day=D_PLUS_1)

    # D: 80 (D-1 16:00:01 belongs to D) + 10 + 20, then the reversal of the 80 at 16:00:00.
    assert (row_of(day_d, village_a).recovered, row_of(day_d, village_a).recovered_today) == (
        Decimal("30.00"), Decimal("30.00"))
    assert (row_of(day_d_plus_1, village_a).recovered, row_of(day_d_plus_1, village_a).recovered_today) == (
        Decimal("70.00"), Decimal("40.00"))
    assert day_d.cutoff_at == at(D, 16, 0, 0)
    assert day_d.previous_cutoff_at == at(D_MINUS_1, 16, 0, 0)


def test_it_splits_the_cutoff_second_at_the_microsecond(campaign, village_a, staff_user):
    arrear = owed(village_a, campaign, "1000.00")
    with frozen(at(D, 15, 59, 59).replace(microsecond=999999)):
        pay(arrear, "1.00", staff_user)
    with frozen(at(D, 16, 0, 0).replace(microsecond=1)):
        pay(arrear, "2.00", staff_user)
    with frozen(at(D, 16, 0, 0).replace(microsecond=500000)):
        pay(arrear, "4.00", staff_user)

    assert report_day_of(campaign, at(D, 16, 0, 0).replace(microsecond=1)) == D_PLUS_1
    assert row_of(report_snapshot(campaign=campaign, day=D), village_a).recovered == Decimal("1.00")
    assert row_of(report_snapshot(campaign=campaign, day=D_PLUS_1), village_a).recovered_today == Decimal("6.00")


def test_it_counts_a_debt_registered_after_the_cutoff_the_next_day(campaign, village_a, village_b, staff_user):
    owed(village_a, campaign, "1000.00")
    owed(village_b, campaign, "500.00", created_at=at(D, 16, 0, 1))

    day_d = report_snapshot(campaign=campaign, day=D)
    day_d_plus_1 = report_snapshot(campaign=campaign, day=D_PLUS_1)

    assert day_d.totals.baseline == Decimal("1000.00")
    assert [r.village_id for r in day_d.unranked] == [village_b.pk]
    assert day_d_plus_1.totals.baseline == Decimal("1500.00")
    assert row_of(day_d_plus_1, village_b).rank == 2


def test_it_reads_only_this_campaigns_ledger_and_this_townships_villages(
    campaign, township, village_a, other_village, staff_user, other_staff_user
):
    arrear = owed(village_a, campaign, "1000.00")
    earlier = CampaignFactory(township=township, name="2024年清收行动", start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
    old_arrear = owed(village_a, earlier, "5000.00")
    other = owed(other_village, CampaignFactory(township=other_village.work_area.zone.township), "7000.00")
    with frozen(at(D, 10, 0)):
        pay(arrear, "100.00", staff_user)
        pay(old_arrear, "2500.00", staff_user)
        pay(other, "7000.00", other_staff_user)

    snapshot = report_snapshot(campaign=campaign, day=D)

    assert (snapshot.township, snapshot.campaign, snapshot.campaign_id) == ("兰山街道", "2025年清收清欠攻坚行动", campaign.pk)
    assert [r.code for r in [*snapshot.villages, *snapshot.unranked]] == ["LS-001"]
    assert (snapshot.totals.baseline, snapshot.totals.recovered, snapshot.totals.ratio) == (
        Decimal("1000.00"), Decimal("100.00"), Decimal("0.1000"))


def test_it_stores_the_snapshot_as_json_and_reads_it_back_unchanged(campaign, village_a, village_b, staff_user):
    arrear = owed(village_a, campaign, "1000.00")
    owed(village_b, campaign, "3000.00")
    with frozen(at(D, 10, 0)):
        pay(arrear, "123.45", staff_user, kind=RepaymentKind.DEBT_OFFSET)
        write_off(arrear, "0.55", staff_user)
    snapshot = report_snapshot(campaign=campaign, day=D)

    data = snapshot.to_json()
    restored = Snapshot.from_json(json.loads(json.dumps(data)))

    assert data["totals"]["recovered_offset"] == "123.45"
    assert data["cutoff_at"] == "2025-03-10T16:00:00+08:00"
    assert restored == snapshot
    assert restored.villages[0].recovered_offset == Decimal("123.45")
    assert isinstance(restored.totals.ratio, Decimal) and restored.totals.ratio == Decimal("0.0309")
    assert restored.series[-1].day == D


# ---- back-dated entries and rebuilding from the ledger ------------------------------


def test_it_counts_a_back_dated_repayment_on_the_day_it_is_recorded(campaign, village_a, staff_user):
    arrear = owed(village_a, campaign, "1000.00")
    week_ago = date(2025, 3, 3)
    with frozen(at(D, 10, 0)):
        repayment = pay(arrear, "250.00", staff_user, received_on=week_ago)
    assert repayment.received_on == week_ago

    last_week = row_of(report_snapshot(campaign=campaign, day=week_ago), village_a)
    day_d = row_of(report_snapshot(campaign=campaign, day=D), village_a)

    assert (last_week.recovered, last_week.recovered_today) == (Decimal("0.00"), Decimal("0.00"))
    assert (day_d.recovered, day_d.recovered_today) == (Decimal("250.00"), Decimal("250.00"))


def test_it_gives_the_same_numbers_for_day_d_when_computed_again_after_later_entries(
    campaign, village_a, village_b, staff_user
):
    arrear_a = owed(village_a, campaign, "1000.00")
    arrear_b = owed(village_b, campaign, "2000.00")
    with frozen(at(D, 11, 0)):
        paid = pay(arrear_a, "300.00", staff_user)
        pay(arrear_b, "500.00", staff_user, kind=RepaymentKind.IN_KIND)
    expected_a = {
        "baseline": Decimal("1000.00"), "recovered": Decimal("300.00"), "cash": Decimal("300.00"),
        "offset": Decimal("0.00"), "today": Decimal("300.00"), "written_off": Decimal("0.00"),
        "outstanding": Decimal("700.00"), "ratio": Decimal("0.3000"),
    }
    before = report_snapshot(campaign=campaign, day=D)
    assert figures(row_of(before, village_a)) == expected_a
    assert (before.totals.recovered, before.totals.ratio) == (Decimal("800.00"), Decimal("0.2667"))

    # Later: more money, a reversal, a write-off, a new debt, and one more entry back-dated
    # to D's date (received_on) but recorded after D's cut-off.
    with frozen(at(D, 16, 0, 1)):
        pay(arrear_a, "100.00", staff_user, received_on=D)
    with frozen(at(date(2025, 3, 12), 9, 30)):
        reverse(paid, staff_user)
        write_off(arrear_b, "100.00", staff_user)
        owed(village_b, campaign, "900.00", created_at=at(date(2025, 3, 12), 9, 30))
        pay(arrear_b, "400.00", staff_user)

    again = report_snapshot(campaign=campaign, day=D)
    assert figures(row_of(again, village_a)) == expected_a
    assert figures(row_of(again, village_b)) == {
        "baseline": Decimal("2000.00"), "recovered": Decimal("500.00"), "cash": Decimal("0.00"),
        "offset": Decimal("500.00"), "today": Decimal("500.00"), "written_off": Decimal("0.00"),
        "outstanding": Decimal("1500.00"), "ratio": Decimal("0.2500"),
    }
    assert (again.totals.baseline, again.totals.recovered, again.totals.ratio) == (
        Decimal("3000.00"), Decimal("800.00"), Decimal("0.2667"))
    assert [r.code for r in again.villages] == ["LS-001", "LS-002"]


# ---- reversals across days ---------------------------------------------------------


def test_it_counts_a_reversal_on_the_day_it_is_recorded(campaign, village_a, staff_user):
    arrear = owed(village_a, campaign, "1000.00")
    with frozen(at(D, 10, 0)):
        repayment = pay(arrear, "300.00", staff_user)
        pay(arrear, "100.00", staff_user, kind=RepaymentKind.DEBT_OFFSET)
    with frozen(at(D_PLUS_1, 10, 0)):
        reverse(repayment, staff_user)
        pay(arrear, "50.00", staff_user)

    day_d = row_of(report_snapshot(campaign=campaign, day=D), village_a)
    day_d_plus_1 = report_snapshot(campaign=campaign, day=D_PLUS_1)
    row_d_plus_1 = row_of(day_d_plus_1, village_a)

    assert figures(day_d) == {
        "baseline": Decimal("1000.00"), "recovered": Decimal("400.00"), "cash": Decimal("300.00"),
        "offset": Decimal("100.00"), "today": Decimal("400.00"), "written_off": Decimal("0.00"),
        "outstanding": Decimal("600.00"), "ratio": Decimal("0.4000"),
    }
    assert figures(row_d_plus_1) == {
        "baseline": Decimal("1000.00"), "recovered": Decimal("150.00"), "cash": Decimal("50.00"),
        "offset": Decimal("100.00"), "today": Decimal("-250.00"), "written_off": Decimal("0.00"),
        "outstanding": Decimal("850.00"), "ratio": Decimal("0.1500"),
    }
    assert day_d_plus_1.totals.recovered_today == Decimal("-250.00")
    # A net loss is not "recovered today": no amount rank, counted as idle, not in the top.
    assert row_d_plus_1.today_rank is None
    assert day_d_plus_1.top_today == []
    assert day_d_plus_1.totals.villages_idle_today == 1

    # D computed again after the reversal still shows the money as it stood at D 16:00.
    again = row_of(report_snapshot(campaign=campaign, day=D), village_a)
    assert (again.recovered, again.recovered_cash, again.recovered_today) == (
        Decimal("400.00"), Decimal("300.00"), Decimal("400.00"))


def test_it_takes_a_reversed_offset_off_the_offsets(campaign, village_a, staff_user):
    arrear = owed(village_a, campaign, "1000.00")
    with frozen(at(D, 10, 0)):
        offset = pay(arrear, "600.00", staff_user, kind=RepaymentKind.IN_KIND)
    with frozen(at(D_PLUS_1, 16, 0, 0)):
        reverse(offset, staff_user, reason="抵债房产评估有误")

    row = row_of(report_snapshot(campaign=campaign, day=D_PLUS_1), village_a)

    assert (row.recovered_cash, row.recovered_offset, row.recovered_today, row.outstanding) == (
        Decimal("0.00"), Decimal("0.00"), Decimal("-600.00"), Decimal("1000.00"))


# ---- cash, offsets, write-offs -----------------------------------------------------


def test_it_splits_cash_from_offsets_in_kind_and_against_debts(campaign, village_a, village_b, staff_user):
    arrear = owed(village_a, campaign, "2000.00")
    other = owed(village_b, campaign, "1000.00")
    with frozen(at(D, 9, 0)):
        pay(arrear, "100.00", staff_user, kind=RepaymentKind.CASH)
        pay(arrear, "200.00", staff_user, kind=RepaymentKind.TRANSFER)
        pay(arrear, "300.00", staff_user, kind=RepaymentKind.IN_KIND)      # 以物抵债
        pay(arrear, "400.00", staff_user, kind=RepaymentKind.DEBT_OFFSET)  # 抵顶债务
        pay(other, "150.00", staff_user, kind=RepaymentKind.TRANSFER)

    snapshot = report_snapshot(campaign=campaign, day=D)

    assert figures(row_of(snapshot, village_a)) == {
        "baseline": Decimal("2000.00"), "recovered": Decimal("1000.00"), "cash": Decimal("300.00"),
        "offset": Decimal("700.00"), "today": Decimal("1000.00"), "written_off": Decimal("0.00"),
        "outstanding": Decimal("1000.00"), "ratio": Decimal("0.5000"),
    }
    totals = snapshot.totals
    assert (totals.baseline, totals.recovered, totals.recovered_cash, totals.recovered_offset) == (
        Decimal("3000.00"), Decimal("1150.00"), Decimal("450.00"), Decimal("700.00"))
    assert (totals.outstanding, totals.ratio) == (Decimal("1850.00"), Decimal("0.3833"))


def test_it_shows_write_offs_apart_and_leaves_them_out_of_the_ratio(campaign, village_a, village_b, staff_user):
    arrear = owed(village_a, campaign, "1000.00")
    owed(village_b, campaign, "1000.00")
    with frozen(at(D, 9, 0)):
        pay(arrear, "200.00", staff_user)
        write_off(arrear, "300.00", staff_user)

    snapshot = report_snapshot(campaign=campaign, day=D)

    assert figures(row_of(snapshot, village_a)) == {
        "baseline": Decimal("1000.00"), "recovered": Decimal("200.00"), "cash": Decimal("200.00"),
        "offset": Decimal("0.00"), "today": Decimal("200.00"), "written_off": Decimal("300.00"),
        "outstanding": Decimal("500.00"), "ratio": Decimal("0.2000"),
    }
    assert (snapshot.totals.written_off, snapshot.totals.outstanding, snapshot.totals.ratio) == (
        Decimal("300.00"), Decimal("1500.00"), Decimal("0.1000"))
    assert snapshot.totals.recovered == Decimal("200.00")


# ---- ranking -----------------------------------------------------------------------


def test_it_ranks_by_ratio_then_amount_recovered_then_village_code(campaign, work_area_a, staff_user):
    # Created in an order that is none of the expected ones.
    v4 = VillageFactory(work_area=work_area_a, code="LS-004", name="四村", order=1)
    v1 = VillageFactory(work_area=work_area_a, code="LS-001", name="一村", order=2)
    v3 = VillageFactory(work_area=work_area_a, code="LS-003", name="三村", order=3)
    v2 = VillageFactory(work_area=work_area_a, code="LS-002", name="二村", order=4)
    amounts = {v3: ("1000.00", "500.00"), v4: ("2000.00", "1000.00"), v2: ("1000.00", "500.00"), v1: ("1000.00", "100.00")}
    arrears = {v: owed(v, campaign, principal) for v, (principal, _paid) in amounts.items()}
    with frozen(at(D, 10, 0)):
        for village, (_principal, paid) in amounts.items():
            pay(arrears[village], paid, staff_user)

    snapshot = report_snapshot(campaign=campaign, day=D)

    # 0.5 with 1,000 recovered; 0.5 with 500 (LS-002 before LS-003); then 0.1.
    assert [(r.code, r.rank, r.ratio) for r in snapshot.villages] == [
        ("LS-004", 1, Decimal("0.5000")),
        ("LS-002", 2, Decimal("0.5000")),
        ("LS-003", 3, Decimal("0.5000")),
        ("LS-001", 4, Decimal("0.1000")),
    ]


def test_it_lists_villages_owed_nothing_apart_without_a_rank(campaign, village_a, village_b, work_area_b, staff_user):
    empty = VillageFactory(work_area=work_area_b, code="LS-009", name="新建社区")
    arrear = owed(village_a, campaign, "1000.00")
    owed(village_b, campaign, "800.00", created_at=at(D_PLUS_1, 9, 0))  # not yet on D
    with frozen(at(D, 10, 0)):
        pay(arrear, "100.00", staff_user)

    snapshot = report_snapshot(campaign=campaign, day=D)

    assert [r.code for r in snapshot.villages] == ["LS-001"]
    assert sorted(r.code for r in snapshot.unranked) == ["LS-002", "LS-009"]
    unranked = row_of(snapshot, empty)
    assert (unranked.rank, unranked.ratio, unranked.light, unranked.rank_change) == (None, None, "", "")
    assert (unranked.cleared, unranked.cleared_today, unranked.today_rank) == (False, False, None)
    assert (snapshot.totals.villages, snapshot.totals.villages_ranked) == (3, 1)
    assert snapshot.totals.villages_idle_today == 0


def test_it_marks_every_village_new_on_the_first_day(campaign, village_a, village_b, staff_user):
    first_day = campaign.start_date
    arrear_a = owed(village_a, campaign, "1000.00")
    owed(village_b, campaign, "1000.00")
    with frozen(at(first_day, 10, 0)):
        pay(arrear_a, "100.00", staff_user)

    snapshot = report_snapshot(campaign=campaign, day=first_day)

    assert [(r.code, r.rank, r.rank_change) for r in snapshot.villages] == [("LS-001", 1, "新"), ("LS-002", 2, "新")]
    assert (snapshot.issue_number, snapshot.campaign_day) == (1, 1)


def test_it_shows_rank_changes_since_the_previous_report(campaign, village_a, village_b, work_area_b, staff_user):
    day1, day2, day3 = date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)
    arrear_a = owed(village_a, campaign, "1000.00")
    arrear_b = owed(village_b, campaign, "1000.00")
    with frozen(at(day1, 10, 0)):
        pay(arrear_a, "500.00", staff_user)
        pay(arrear_b, "200.00", staff_user)
    with frozen(at(day2, 10, 0)):
        pay(arrear_b, "600.00", staff_user)
    newcomer = VillageFactory(work_area=work_area_b, code="LS-003", name="南湖村")
    arrear_c = owed(newcomer, campaign, "100.00", created_at=at(day3, 9, 0))
    with frozen(at(day3, 10, 0)):
        pay(arrear_c, "90.00", staff_user)

    changes = lambda day: [(r.code, r.rank, r.rank_change) for r in report_snapshot(campaign=campaign, day=day).villages]  # noqa: E731

    assert changes(day1) == [("LS-001", 1, "新"), ("LS-002", 2, "新")]
    assert changes(day2) == [("LS-002", 1, "↑1"), ("LS-001", 2, "↓1")]
    # 南湖村 (0.9) is new and goes first; the others drop one place.
    assert changes(day3) == [("LS-003", 1, "新"), ("LS-002", 2, "↓1"), ("LS-001", 3, "↓1")]
    day3_rows = report_snapshot(campaign=campaign, day=day3).villages
    assert [(r.code, r.previous_rank) for r in day3_rows] == [("LS-003", None), ("LS-002", 1), ("LS-001", 2)]


def test_it_keeps_a_dash_when_the_rank_did_not_change(campaign, village_a, village_b, staff_user):
    arrear_a = owed(village_a, campaign, "1000.00")
    owed(village_b, campaign, "1000.00")
    with frozen(at(D_MINUS_1, 10, 0)):
        pay(arrear_a, "100.00", staff_user)
    with frozen(at(D, 10, 0)):
        pay(arrear_a, "100.00", staff_user)

    snapshot = report_snapshot(campaign=campaign, day=D)

    assert [(r.code, r.rank_change) for r in snapshot.villages] == [("LS-001", "—"), ("LS-002", "—")]


def test_it_lights_villages_by_the_campaigns_thresholds(campaign, work_area_a, staff_user):
    ratios = {"LS-101": "2900.00", "LS-102": "3000.00", "LS-103": "6999.00", "LS-104": "7000.00", "LS-105": "0.00"}
    for code, paid in ratios.items():
        village = VillageFactory(work_area=work_area_a, code=code)
        arrear = owed(village, campaign, "10000.00")
        if paid != "0.00":
            with frozen(at(D, 10, 0)):
                pay(arrear, paid, staff_user)

    snapshot = report_snapshot(campaign=campaign, day=D)

    assert sorted((r.code, r.ratio, r.light, r.light_label) for r in snapshot.villages) == [
        ("LS-101", Decimal("0.2900"), "red", "红灯"),
        ("LS-102", Decimal("0.3000"), "yellow", "黄灯"),
        ("LS-103", Decimal("0.6999"), "yellow", "黄灯"),
        ("LS-104", Decimal("0.7000"), "green", "绿灯"),
        ("LS-105", Decimal("0.0000"), "red", "红灯"),
    ]


def test_it_marks_villages_cleared_and_cleared_today(campaign, village_a, village_b, work_area_b, staff_user):
    other = VillageFactory(work_area=work_area_b, code="LS-003", name="北坡村")
    arrear_a = owed(village_a, campaign, "1000.00")
    arrear_b = owed(village_b, campaign, "1000.00")
    owed(other, campaign, "1000.00")
    with frozen(at(D_MINUS_1, 10, 0)):
        pay(arrear_a, "1000.00", staff_user)
    with frozen(at(D, 10, 0)):
        pay(arrear_b, "600.00", staff_user)
        write_off(arrear_b, "400.00", staff_user)

    yesterday = report_snapshot(campaign=campaign, day=D_MINUS_1)
    snapshot = report_snapshot(campaign=campaign, day=D)

    assert [(r.code, r.cleared, r.cleared_today) for r in yesterday.cleared_today] == [("LS-001", True, True)]
    assert [(r.code, r.cleared, r.cleared_today) for r in sorted(snapshot.villages, key=lambda r: r.code)] == [
        ("LS-001", True, False),
        ("LS-002", True, True),   # cleared by 600 paid and 400 written off
        ("LS-003", False, False),
    ]
    assert [r.code for r in snapshot.cleared_today] == ["LS-002"]
    assert row_of(snapshot, village_b).outstanding == Decimal("0.00")
    assert row_of(snapshot, village_b).ratio == Decimal("0.6000")
    assert snapshot.totals.villages_cleared == 2


def test_it_ranks_todays_amounts_and_lists_the_top_three(campaign, work_area_a, staff_user):
    today = {"LS-201": "300.00", "LS-202": "500.00", "LS-203": "0.00", "LS-204": "100.00", "LS-205": "500.00"}
    for code, amount in today.items():
        village = VillageFactory(work_area=work_area_a, code=code)
        arrear = owed(village, campaign, "1000.00")
        with frozen(at(D_MINUS_1, 10, 0)):
            pay(arrear, "50.00", staff_user)
        if amount != "0.00":
            with frozen(at(D, 10, 0)):
                pay(arrear, amount, staff_user)
    VillageFactory(work_area=work_area_a, code="LS-206")  # owed nothing

    snapshot = report_snapshot(campaign=campaign, day=D)

    ranks = sorted((r.code, r.recovered_today, r.today_rank) for r in [*snapshot.villages, *snapshot.unranked])
    assert ranks == [
        ("LS-201", Decimal("300.00"), 3),
        ("LS-202", Decimal("500.00"), 1),
        ("LS-203", Decimal("0.00"), None),
        ("LS-204", Decimal("100.00"), 4),
        ("LS-205", Decimal("500.00"), 2),
        ("LS-206", Decimal("0.00"), None),
    ]
    assert [(r.code, r.recovered_today) for r in snapshot.top_today] == [
        ("LS-202", Decimal("500.00")), ("LS-205", Decimal("500.00")), ("LS-201", Decimal("300.00")),
    ]
    assert snapshot.totals.recovered_today == Decimal("1400.00")
    assert snapshot.totals.villages_idle_today == 1


# ---- rollups -----------------------------------------------------------------------


def test_it_rolls_zones_and_work_areas_up_from_their_villages(campaign, village_a, village_b, work_area_a, staff_user):
    north = ZoneFactory(township=campaign.township, code="N", name="北片区")
    north_area = WorkAreaFactory(zone=north, code="1", name="第一工作区")
    village_a2 = VillageFactory(work_area=work_area_a, code="LS-011", name="东岭二村")
    village_n = VillageFactory(work_area=north_area, code="LS-021", name="北湖村")
    VillageFactory(work_area=north_area, code="LS-022", name="空白村")  # owed nothing
    a = owed(village_a, campaign, "1000.00")
    a2 = owed(village_a2, campaign, "3000.00")
    b = owed(village_b, campaign, "2000.00")
    n = owed(village_n, campaign, "4000.00")
    with frozen(at(D_MINUS_1, 10, 0)):
        pay(a, "1000.00", staff_user)
        pay(n, "500.00", staff_user, kind=RepaymentKind.IN_KIND)
    with frozen(at(D, 10, 0)):
        pay(a2, "600.00", staff_user)
        pay(a2, "300.00", staff_user, kind=RepaymentKind.DEBT_OFFSET)
        write_off(a2, "100.00", staff_user)
        pay(b, "200.00", staff_user, kind=RepaymentKind.TRANSFER)
        pay(n, "1500.00", staff_user)

    snapshot = report_snapshot(campaign=campaign, day=D)

    def group(g):
        return (g.baseline, g.recovered, g.recovered_cash, g.recovered_offset, g.recovered_today,
                g.written_off, g.outstanding, g.ratio, g.villages, g.villages_cleared)

    work_areas = {(g.zone, g.name): group(g) for g in snapshot.work_areas}
    assert work_areas == {
        # 东岭村 1000/1000 cleared + 东岭二村 900 of 3000 (100 written off)
        ("南片区", "第一工作区"): (Decimal("4000.00"), Decimal("1900.00"), Decimal("1600.00"), Decimal("300.00"),
                               Decimal("900.00"), Decimal("100.00"), Decimal("2000.00"), Decimal("0.4750"), 2, 1),
        ("南片区", "第二工作区"): (Decimal("2000.00"), Decimal("200.00"), Decimal("200.00"), Decimal("0.00"),
                               Decimal("200.00"), Decimal("0.00"), Decimal("1800.00"), Decimal("0.1000"), 1, 0),
        ("北片区", "第一工作区"): (Decimal("4000.00"), Decimal("2000.00"), Decimal("1500.00"), Decimal("500.00"),
                               Decimal("1500.00"), Decimal("0.00"), Decimal("2000.00"), Decimal("0.5000"), 2, 0),
    }
    zones = {g.name: group(g) for g in snapshot.zones}
    assert zones == {
        "南片区": (Decimal("6000.00"), Decimal("2100.00"), Decimal("1800.00"), Decimal("300.00"),
                 Decimal("1100.00"), Decimal("100.00"), Decimal("3800.00"), Decimal("0.3500"), 3, 1),
        "北片区": (Decimal("4000.00"), Decimal("2000.00"), Decimal("1500.00"), Decimal("500.00"),
                 Decimal("1500.00"), Decimal("0.00"), Decimal("2000.00"), Decimal("0.5000"), 2, 0),
    }
    assert {g.name: (g.rank, g.light) for g in snapshot.zones} == {"北片区": (1, "yellow"), "南片区": (2, "yellow")}
    totals = snapshot.totals
    assert (totals.baseline, totals.recovered, totals.recovered_today, totals.written_off, totals.outstanding) == (
        Decimal("10000.00"), Decimal("4100.00"), Decimal("2600.00"), Decimal("100.00"), Decimal("5800.00"))
    assert (totals.ratio, totals.villages, totals.villages_ranked, totals.villages_cleared) == (
        Decimal("0.4100"), 5, 4, 1)


# ---- who goes where (seed 000) -----------------------------------------------------


def test_it_sends_each_leader_to_the_village_the_rule_gives_them(campaign, staff_user):
    north = ZoneFactory(township=campaign.township, code="N", name="北片区")
    area = WorkAreaFactory(zone=north, code="1", name="北一工作区")
    small_area = WorkAreaFactory(zone=north, code="2", name="北二工作区")
    # Ratios 0.40, 0.10, 0.30, 0.20 in area 1 (created out of order); 0.05 in area 2.
    paid = {"N-01": "400.00", "N-02": "100.00", "N-03": "300.00", "N-04": "200.00"}
    villages = {code: VillageFactory(work_area=area, code=code, name=f"{code}村") for code in paid}
    VillageFactory(work_area=area, code="N-05", name="无欠款村")  # owed nothing: never "lowest"
    worst = VillageFactory(work_area=small_area, code="N-11", name="北二村")
    arrears = {code: owed(v, campaign, "1000.00") for code, v in villages.items()}
    worst_arrear = owed(worst, campaign, "1000.00")
    with frozen(at(D, 10, 0)):
        for code, amount in paid.items():
            pay(arrears[code], amount, staff_user)
        pay(worst_arrear, "50.00", staff_user)
    AssignmentFactory(role=AssignmentRole.ZONE_LEADER, zone=north, village=None, person_name="赵书记", title="街道党工委副书记")
    AssignmentFactory(role=AssignmentRole.WORKAREA_CONTACT, work_area=area, village=None, person_name="钱委员")
    AssignmentFactory(role=AssignmentRole.WORKAREA_SECRETARY, work_area=area, village=None, person_name="孙书记")
    # No director for 北一工作区; nobody at all for 北二工作区.

    snapshot = report_snapshot(campaign=campaign, day=D)

    duties = [(d.unit, d.role, d.person_name, d.village_code, d.ratio, d.position) for d in snapshot.duties if d.unit.startswith("北")]
    assert duties == [
        ("北片区", "片区书记层领导", "赵书记", "N-11", Decimal("0.0500"), "最低"),
        ("北一工作区", "工作区联系两委成员", "钱委员", "N-02", Decimal("0.1000"), "最低"),
        ("北一工作区", "工作区书记", "孙书记", "N-04", Decimal("0.2000"), "倒数第二"),
        ("北一工作区", "工作区主任", "（未分配）", "N-03", Decimal("0.3000"), "倒数第三"),
        ("北二工作区", "工作区联系两委成员", "（未分配）", "N-11", Decimal("0.0500"), "最低"),
    ]
    leader = next(d for d in snapshot.duties if d.unit == "北片区")
    assert (leader.title, leader.village) == ("街道党工委副书记", "北二村")


def test_it_breaks_a_tie_at_the_bottom_the_way_the_ranking_does(campaign, work_area_a, staff_user):
    paid = {"LS-302": "100.00", "LS-301": "100.00", "LS-303": "500.00"}
    for code, amount in paid.items():
        arrear = owed(VillageFactory(work_area=work_area_a, code=code), campaign, "1000.00")
        with frozen(at(D, 10, 0)):
            pay(arrear, amount, staff_user)

    snapshot = report_snapshot(campaign=campaign, day=D)

    # LS-301 ranks above LS-302 (same ratio and amount, lower code), so LS-302 is the lowest.
    assert [(d.role, d.village_code) for d in snapshot.duties] == [
        ("片区书记层领导", "LS-302"),
        ("工作区联系两委成员", "LS-302"),
        ("工作区书记", "LS-301"),
        ("工作区主任", "LS-303"),
    ]


# ---- the daily series --------------------------------------------------------------


def test_it_charts_the_township_ratio_at_each_days_cutoff_since_the_start(campaign, village_a, village_b, staff_user):
    day1, day2, day3, day4 = date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 4)
    arrear_a = owed(village_a, campaign, "1000.00")
    with frozen(at(day1, 10, 0)):
        first = pay(arrear_a, "100.00", staff_user)
    with frozen(at(day2, 16, 0, 1)):  # belongs to day 3
        pay(arrear_a, "200.00", staff_user)
    arrear_b = owed(village_b, campaign, "1000.00", created_at=at(day3, 9, 0))
    with frozen(at(day3, 15, 0)):
        pay(arrear_b, "300.00", staff_user, kind=RepaymentKind.IN_KIND)
        write_off(arrear_b, "500.00", staff_user)  # not in the ratio
    with frozen(at(day3, 16, 0, 1)):  # after day 3's cut-off
        reverse(first, staff_user)

    snapshot = report_snapshot(campaign=campaign, day=day3)

    assert [(p.day, p.ratio, p.recovered) for p in snapshot.series] == [
        (day1, Decimal("0.1000"), Decimal("100.00")),
        (day2, Decimal("0.1000"), Decimal("100.00")),
        (day3, Decimal("0.3000"), Decimal("600.00")),
    ]
    assert snapshot.totals.ratio == Decimal("0.3000")
    assert (snapshot.issue_number, snapshot.campaign_day) == (3, 3)

    later = report_snapshot(campaign=campaign, day=day4)
    assert [(p.day, p.ratio) for p in later.series][-2:] == [(day3, Decimal("0.3000")), (day4, Decimal("0.2500"))]


# ---- queries -----------------------------------------------------------------------


def _ledger_of(campaign, work_areas, count, user):
    for n in range(count):
        village = VillageFactory(work_area=work_areas[n % len(work_areas)])
        arrear = owed(village, campaign, "1000.00")
        with frozen(at(D_MINUS_1, 10, 0)):
            first = pay(arrear, "100.00", user)
        with frozen(at(D, 10, 0)):
            pay(arrear, "50.00", user, kind=RepaymentKind.IN_KIND)
            if n % 3 == 0:
                reverse(first, user)
            if n % 4 == 0:
                write_off(arrear, "10.00", user)


def _queries_for(campaign):
    fresh = Campaign.objects.get(pk=campaign.pk)
    with CaptureQueriesContext(connection) as context:
        snapshot = report_snapshot(campaign=fresh, day=D)
    return len(context.captured_queries), snapshot


def test_it_reads_the_ledger_in_a_number_of_queries_that_does_not_grow_with_villages(campaign, zone, staff_user):
    areas = [WorkAreaFactory(zone=zone), WorkAreaFactory(zone=zone)]
    AssignmentFactory(role=AssignmentRole.ZONE_LEADER, zone=zone, village=None)
    AssignmentFactory(role=AssignmentRole.WORKAREA_CONTACT, work_area=areas[0], village=None)
    _ledger_of(campaign, areas, 3, staff_user)
    small, small_snapshot = _queries_for(campaign)

    more_areas = [*areas, WorkAreaFactory(zone=ZoneFactory(township=campaign.township))]
    _ledger_of(campaign, more_areas, 27, staff_user)
    large, large_snapshot = _queries_for(campaign)

    assert (small_snapshot.totals.villages, large_snapshot.totals.villages) == (3, 30)
    assert small == large, f"3 个村 {small} 次查询，30 个村 {large} 次查询"
    # villages, assignments, 4 ledger tables, the previous report, 3 series queries when
    # there is no previous report to take the past days from (and a little slack).
    assert large <= 12


def test_it_takes_past_days_of_the_chart_from_the_previous_published_report(campaign, village_a, staff_user, pdf_not_rendered):
    """Published reports never change, so the chart's history is what was published; a
    day with no previous report reads its history from the ledger instead."""
    from reports.services import report_build

    start = date(2025, 3, 10)
    Campaign.objects.filter(pk=campaign.pk).update(start_date=start)
    campaign.refresh_from_db()
    arrear = owed(village_a, campaign, "1000.00")
    pay(arrear, "100.00", staff_user, received_on=start, recorded_at=at(start, 10, 0))
    with frozen(at(start, 17, 0)):
        first, _ = report_build(campaign=campaign, day=start)
    pay(arrear, "200.00", staff_user, received_on=start, recorded_at=at(start + timedelta(days=1), 10, 0))

    from_report = report_snapshot(campaign=campaign, day=start + timedelta(days=1))
    assert [(p.day, p.ratio) for p in from_report.series] == [(start, Decimal("0.1000")), (start + timedelta(days=1), Decimal("0.3000"))]

    with triggers_off():  # a published report is never deleted (a trigger on PostgreSQL)
        first.delete()
    from_ledger = report_snapshot(campaign=campaign, day=start + timedelta(days=1))
    assert from_ledger.series == from_report.series
