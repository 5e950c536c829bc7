"""The battle report's numbers, read from the ledger as of a cut-off.

Day D covers entries recorded up to D at the campaign's cut-off (Asia/Shanghai): one
recorded at 16:00:00 is in D, one at 16:00:01 in D+1; a reversal counts on the day it is
recorded. Each entry table is read once, grouped by village (and kind) with the amounts
recorded up to the previous cut-off and since then summed apart, so "to date",
"previous day" and "today" all come from one pass; a report rebuilt later for D gives the
same numbers, and the number of queries does not grow with villages.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.fields.json import KT, KeyTransform
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.money import ZERO, ratio, to_money
from recovery.choices import CASH_KINDS
from recovery.models import Arrear, Repayment, Reversal, WriteOff
from recovery.selectors import ranking_key
from villages.choices import AssignmentRole
from villages.models import Assignment, Village

from .models import Report
from .snapshot import Duty, GroupRow, SeriesPoint, Snapshot, Totals, VillageRow

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from core.models import User
    from recovery.models import Campaign

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNASSIGNED = "（未分配）"
POSITIONS = ["最低", "倒数第二", "倒数第三"]
WORKAREA_DUTIES = [
    AssignmentRole.WORKAREA_CONTACT,
    AssignmentRole.WORKAREA_SECRETARY,
    AssignmentRole.WORKAREA_DIRECTOR,
]


def cutoff_for(campaign: Campaign, day: date) -> datetime:
    """The aware moment at which ``day``'s report closes."""
    return datetime.combine(day, campaign.cutoff_time, tzinfo=SHANGHAI)


def report_day_of(campaign: Campaign, moment: datetime) -> date:
    """The report day an entry recorded at ``moment`` belongs to."""
    local = timezone.localtime(moment, SHANGHAI)
    return local.date() if local.timetz().replace(tzinfo=None) <= campaign.cutoff_time else local.date() + timedelta(days=1)


def _report_day(field, cutoff_time):
    """SQL for the report day of a timestamp: shift it so the cut-off falls at the end of
    the day (16:00:00 -> 23:59:59.999999, 16:00:01 -> next day 00:00:00.999999)."""
    shift = (
        timedelta(days=1)
        - timedelta(hours=cutoff_time.hour, minutes=cutoff_time.minute, seconds=cutoff_time.second)
        - timedelta(microseconds=1)
    )
    shifted = ExpressionWrapper(F(field) + Value(shift), output_field=DateTimeField())
    return TruncDate(shifted, tzinfo=SHANGHAI)


class _Buckets:
    """Amounts by village in two buckets, day D-1 (up to the previous cut-off) and day D
    (since then), summed up to a day on demand."""

    def __init__(self):
        self.by_village = defaultdict(lambda: defaultdict(lambda: ZERO))

    def add(self, village_id, day, amount):
        amount = to_money(amount)  # SQLite returns sums with spurious extra places
        self.by_village[village_id][day] += amount

    def upto(self, village_id, day):
        return sum((a for d, a in self.by_village.get(village_id, {}).items() if d <= day), ZERO)


def _read_ledger(campaign, day):
    """Four queries grouped by village (and kind): each amount recorded up to the previous
    day's cut-off goes to bucket D-1, the rest up to D's cut-off to bucket D. Returns
    buckets for baseline, cash, offset and write-offs."""
    cutoff_at, previous_cutoff = cutoff_for(campaign, day), cutoff_for(campaign, day - timedelta(days=1))
    previous_day = day - timedelta(days=1)
    baseline, cash, offset, written = _Buckets(), _Buckets(), _Buckets(), _Buckets()

    def split(field, amount):
        return {
            "before": Sum(amount, filter=Q(**{f"{field}__lte": previous_cutoff})),
            "today": Sum(amount, filter=Q(**{f"{field}__gt": previous_cutoff})),
        }

    def add(buckets, village_id, before, today, sign=1):
        if before:
            buckets.add(village_id, previous_day, sign * before)
        if today:
            buckets.add(village_id, day, sign * today)

    arrears = (
        Arrear.objects.filter(campaign=campaign, created_at__lte=cutoff_at)
        .order_by().values_list("village_id").annotate(**split("created_at", "principal"))
    )
    for village_id, before, today in arrears:
        add(baseline, village_id, before, today)

    repayments = (
        Repayment.objects.filter(arrear__campaign=campaign, recorded_at__lte=cutoff_at)
        .order_by().values_list("arrear__village_id", "kind").annotate(**split("recorded_at", "amount"))
    )
    for village_id, kind, before, today in repayments:
        add(cash if kind in CASH_KINDS else offset, village_id, before, today)

    reversals = (
        Reversal.objects.filter(repayment__arrear__campaign=campaign, recorded_at__lte=cutoff_at)
        .order_by().values_list("repayment__arrear__village_id", "repayment__kind")
        .annotate(**split("recorded_at", "repayment__amount"))
    )
    for village_id, kind, before, today in reversals:
        add(cash if kind in CASH_KINDS else offset, village_id, before, today, sign=-1)

    write_offs = (
        WriteOff.objects.filter(arrear__campaign=campaign, recorded_at__lte=cutoff_at)
        .order_by().values_list("arrear__village_id").annotate(**split("recorded_at", "amount"))
    )
    for village_id, before, today in write_offs:
        add(written, village_id, before, today)
    return baseline, cash, offset, written


def _light(value, campaign):
    if value is None:
        return ""
    if value < campaign.red_below:
        return "red"
    if value >= campaign.green_from:
        return "green"
    return "yellow"


def _ranks(rows):
    """Ranked by ``ranking_key``; villages owed nothing get no rank."""
    ranked = sorted(
        (r for r in rows if r["baseline"] > 0),
        key=lambda r: ranking_key(ratio=r["ratio"], recovered=r["recovered"], code=r["code"]),
    )
    return {r["id"]: i for i, r in enumerate(ranked, start=1)}


def _rank_change(rank, previous, first_day):
    if rank is None:
        return ""
    if first_day or previous is None:
        return "新"
    if previous == rank:
        return "—"
    return f"↑{previous - rank}" if previous > rank else f"↓{rank - previous}"


def _figures(village, day, baseline, cash, offset, written):
    b, c, o, w = (x.upto(village.pk, day) for x in (baseline, cash, offset, written))
    return {
        "id": village.pk, "code": village.code, "baseline": b, "cash": c, "offset": o,
        "recovered": c + o, "written_off": w, "outstanding": b - c - o - w,
        "ratio": ratio(c + o, b),
    }


def _group_rows(village_rows, key, campaign):
    groups = {}
    for row in village_rows:
        code, name, zone = key(row)
        groups.setdefault((code, name, zone), []).append(row)
    result = []
    for (code, name, zone), members in groups.items():
        total = lambda attr, members=members: sum((getattr(m, attr) for m in members), ZERO)  # noqa: E731
        recovered, baseline = total("recovered"), total("baseline")
        value = ratio(recovered, baseline)
        result.append(GroupRow(
            code=code, name=name, zone=zone, baseline=baseline, recovered=recovered,
            recovered_cash=total("recovered_cash"), recovered_offset=total("recovered_offset"),
            recovered_today=total("recovered_today"), written_off=total("written_off"),
            outstanding=total("outstanding"), ratio=value, rank=None, light=_light(value, campaign),
            villages=len(members), villages_cleared=sum(1 for m in members if m.cleared),
        ))
    ranked = sorted(
        (g for g in result if g.baseline > 0),
        key=lambda g: ranking_key(ratio=g.ratio, recovered=g.recovered, code=g.code),
    )
    for index, group in enumerate(ranked, start=1):
        group.rank = index
    return result


def _duties(township, villages, rows_by_id):
    """Zone leader -> the zone's lowest village; in each work area the contact member,
    secretary and director -> its lowest, second and third lowest (ranked villages only)."""
    assignments = {
        (a.role, a.zone_id or a.work_area_id): a
        for a in Assignment.objects.filter(
            Q(zone__township=township) | Q(work_area__zone__township=township),
            role__in=[AssignmentRole.ZONE_LEADER, *WORKAREA_DUTIES],
        )
    }
    worst_first = lambda members: sorted(  # noqa: E731
        (rows_by_id[v.pk] for v in members if rows_by_id[v.pk].rank is not None),
        key=lambda r: r.rank, reverse=True,
    )
    zones, work_areas = {}, {}
    for village in villages:
        zones.setdefault(village.work_area.zone, []).append(village)
        work_areas.setdefault(village.work_area, []).append(village)

    def duty(unit, role, assignment, row, position):
        return Duty(
            unit=unit.name, role=AssignmentRole(role).label,
            person_name=assignment.person_name if assignment else UNASSIGNED,
            title=assignment.title if assignment else "", village=row.name,
            village_code=row.code, ratio=row.ratio, position=position,
        )

    duties = []
    for zone, members in zones.items():
        worst = worst_first(members)
        if worst:
            role = AssignmentRole.ZONE_LEADER
            duties.append(duty(zone, role, assignments.get((role.value, zone.pk)), worst[0], POSITIONS[0]))
    for work_area, members in work_areas.items():
        worst = worst_first(members)
        for role, row, position in zip(WORKAREA_DUTIES, worst, POSITIONS):
            duties.append(duty(work_area, role, assignments.get((role.value, work_area.pk)), row, position))
    return duties


def report_snapshot(*, campaign: Campaign, day: date) -> Snapshot:
    """Everything the battle report of ``campaign`` for ``day`` shows."""
    cutoff_at = cutoff_for(campaign, day)
    previous_day = day - timedelta(days=1)
    first_day = day <= campaign.start_date
    township = campaign.township
    villages = list(
        Village.objects.filter(work_area__zone__township=township)
        .select_related("work_area__zone")
        .order_by("work_area__zone__order", "work_area__zone__code", "work_area__order", "work_area__code", "order", "code")
    )
    baseline, cash, offset, written = _read_ledger(campaign, day)

    now = [_figures(v, day, baseline, cash, offset, written) for v in villages]
    before = [_figures(v, previous_day, baseline, cash, offset, written) for v in villages]
    ranks, previous_ranks = _ranks(now), _ranks(before)
    before_by_id = {f["id"]: f for f in before}

    rows = []
    for village, f in zip(villages, now):
        prev = before_by_id[village.pk]
        cleared = f["baseline"] > 0 and f["outstanding"] <= 0
        rows.append(VillageRow(
            village_id=village.pk, code=village.code, name=village.name,
            zone=village.work_area.zone.name, work_area=village.work_area.name,
            baseline=f["baseline"], recovered=f["recovered"], recovered_cash=f["cash"],
            recovered_offset=f["offset"], recovered_today=f["recovered"] - prev["recovered"],
            written_off=f["written_off"], outstanding=f["outstanding"], ratio=f["ratio"],
            rank=ranks.get(village.pk), previous_rank=previous_ranks.get(village.pk),
            rank_change=_rank_change(ranks.get(village.pk), previous_ranks.get(village.pk), first_day),
            today_rank=None, light=_light(f["ratio"], campaign) if f["baseline"] > 0 else "",
            cleared=cleared,
            cleared_today=cleared and not (prev["baseline"] > 0 and prev["outstanding"] <= 0),
        ))
    ranked = sorted((r for r in rows if r.rank is not None), key=lambda r: r.rank)
    by_today = sorted((r for r in ranked if r.recovered_today > 0), key=lambda r: (-r.recovered_today, r.code))
    for index, row in enumerate(by_today, start=1):
        row.today_rank = index
    rows_by_id = {r.village_id: r for r in rows}

    total = lambda attr: sum((getattr(r, attr) for r in rows), ZERO)  # noqa: E731
    totals = Totals(
        baseline=total("baseline"), recovered=total("recovered"), recovered_cash=total("recovered_cash"),
        recovered_offset=total("recovered_offset"), recovered_today=total("recovered_today"),
        written_off=total("written_off"), outstanding=total("outstanding"),
        ratio=ratio(total("recovered"), total("baseline")), target_ratio=campaign.target_ratio,
        villages=len(rows), villages_ranked=len(ranked),
        villages_cleared=sum(1 for r in rows if r.cleared),
        villages_idle_today=sum(1 for r in ranked if r.recovered_today <= 0),
    )
    return Snapshot(
        township=township.name, campaign=campaign.name, campaign_id=campaign.pk, day=day,
        issue_number=(day - campaign.start_date).days + 1,
        campaign_day=(day - campaign.start_date).days + 1,
        cutoff_at=cutoff_at, previous_cutoff_at=cutoff_for(campaign, previous_day), totals=totals,
        villages=ranked, unranked=[r for r in rows if r.rank is None],
        zones=_group_rows(rows, lambda r: (r.zone, r.zone, r.zone), campaign),
        work_areas=_group_rows(rows, lambda r: (f"{r.zone}/{r.work_area}", r.work_area, r.zone), campaign),
        duties=_duties(township, villages, rows_by_id),
        cleared_today=[r for r in ranked if r.cleared_today],
        top_today=by_today[:3],
        series=_series(campaign, day, totals),
    )


def _series(campaign, day, totals):
    """The township's completion ratio at each day's cut-off since the campaign began.

    Past days come from the previous day's published report (published reports never
    change); without one, they are read from the ledger. Today's point is today's totals."""
    today = SeriesPoint(day=day, ratio=totals.ratio, recovered=totals.recovered)
    if day <= campaign.start_date:
        return [today]
    previous = (
        Report.objects.filter(campaign=campaign, day=day - timedelta(days=1), is_current=True)
        .values_list("data__series", flat=True).first()
    )
    if previous:
        past = [SeriesPoint(day=date.fromisoformat(p["day"]), ratio=Decimal(p["ratio"]) if p["ratio"] is not None else None,
                            recovered=Decimal(p["recovered"])) for p in previous]
    else:
        past = _series_from_ledger(campaign, day - timedelta(days=1))
    return past + [today]


def _series_from_ledger(campaign, last_day):
    """Three queries grouped by report day, township-wide, summed day by day."""
    cutoff_at = cutoff_for(campaign, last_day)
    day_expr = lambda field: _report_day(field, campaign.cutoff_time)  # noqa: E731
    added, recovered = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for day, total in (
        Arrear.objects.filter(campaign=campaign, created_at__lte=cutoff_at)
        .order_by().annotate(d=day_expr("created_at")).values_list("d").annotate(t=Sum("principal"))
    ):
        added[day] += to_money(total)
    for day, total in (
        Repayment.objects.filter(arrear__campaign=campaign, recorded_at__lte=cutoff_at)
        .order_by().annotate(d=day_expr("recorded_at")).values_list("d").annotate(t=Sum("amount"))
    ):
        recovered[day] += to_money(total)
    for day, total in (
        Reversal.objects.filter(repayment__arrear__campaign=campaign, recorded_at__lte=cutoff_at)
        .order_by().annotate(d=day_expr("recorded_at")).values_list("d").annotate(t=Sum("repayment__amount"))
    ):
        recovered[day] -= to_money(total)
    base = sum((a for d, a in added.items() if d < campaign.start_date), ZERO)
    rec = sum((a for d, a in recovered.items() if d < campaign.start_date), ZERO)
    points, current = [], campaign.start_date
    while current <= last_day:
        base += added.get(current, ZERO)
        rec += recovered.get(current, ZERO)
        points.append(SeriesPoint(day=current, ratio=ratio(rec, base), recovered=rec))
        current += timedelta(days=1)
    return points


def latest_reports(user: User) -> QuerySet[Report]:
    """The current reports of the townships ``user`` may see, newest first."""
    return (
        Report.objects.visible_to(user).filter(is_current=True).select_related("campaign__township")
        .order_by("-day", "-campaign__start_date")
    )


def latest_report_for(user: User) -> Report | None:
    """The newest current report of the townships ``user`` may see."""
    return latest_reports(user).first()


def report_pages(reports: QuerySet[Report], *, village_id: int | None = None) -> QuerySet[Report]:
    """``reports`` as the report page reads them: without the snapshot (``data``) or the
    villages' rows, but with the summary's township (``page_township``) and number of
    villages ranked (``page_villages_ranked``) and, given ``village_id``, that village's row
    (``page_row``, JSON; None when the village is not in the report), each pulled out of
    the stored JSON by the database. A report stored before its page was is read the same
    way; its ``sections_html`` is then empty (see ``report_page_store``)."""
    reports = reports.defer("data", "summary", "village_rows").annotate(
        page_township=KT("summary__township"), page_villages_ranked=KT("summary__villages_ranked"),
    )
    if village_id:
        reports = reports.annotate(page_row=KeyTransform(f"v{village_id}", "village_rows"))
    return reports


def report_versions(*, report: Report, user: User) -> list[Report]:
    """Every version of ``report``'s day that ``user`` may see, oldest first."""
    return list(
        Report.objects.visible_to(user).filter(campaign=report.campaign_id, day=report.day)
        .defer("data", "summary", "village_rows", "sections_html").order_by("version")
    )
