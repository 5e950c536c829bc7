"""The battle report's numbers, read from the ledger as of a cut-off.

Day D covers entries recorded up to D at the campaign's cut-off (Asia/Shanghai): one
recorded at 16:00:00 is in D, one at 16:00:01 in D+1; a reversal counts on the day it is
recorded. Each entry table is read once, grouped by (village, kind, report day), and
everything else (to date, previous day, today, the daily series) is summed from those
buckets, so a report rebuilt later for D gives the same numbers and the number of
queries does not grow with villages.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.money import ZERO, ratio, to_money
from recovery.choices import CASH_KINDS
from recovery.models import Arrear, Repayment, Reversal, WriteOff
from villages.choices import AssignmentRole
from villages.models import Assignment, Village

from .snapshot import Duty, GroupRow, SeriesPoint, Snapshot, Totals, VillageRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNASSIGNED = "（未分配）"
POSITIONS = ["最低", "倒数第二", "倒数第三"]
WORKAREA_DUTIES = [
    AssignmentRole.WORKAREA_CONTACT,
    AssignmentRole.WORKAREA_SECRETARY,
    AssignmentRole.WORKAREA_DIRECTOR,
]


def cutoff_for(campaign, day):
    """The aware moment at which ``day``'s report closes."""
    return datetime.combine(day, campaign.cutoff_time, tzinfo=SHANGHAI)


def report_day_of(campaign, moment):
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
    """Amounts by village and report day, summed up to a day on demand."""

    def __init__(self):
        self.by_village = defaultdict(lambda: defaultdict(lambda: ZERO))
        self.by_day = defaultdict(lambda: ZERO)

    def add(self, village_id, day, amount):
        amount = to_money(amount)  # SQLite returns sums with spurious extra places
        self.by_village[village_id][day] += amount
        self.by_day[day] += amount

    def upto(self, village_id, day):
        return sum((a for d, a in self.by_village.get(village_id, {}).items() if d <= day), ZERO)

    def on(self, village_id, day):
        return self.by_village.get(village_id, {}).get(day, ZERO)


def _read_ledger(campaign, cutoff_at):
    """Four grouped queries; returns buckets for baseline, cash, offset, write-offs."""
    day_expr = lambda field: _report_day(field, campaign.cutoff_time)  # noqa: E731
    baseline, cash, offset, written = _Buckets(), _Buckets(), _Buckets(), _Buckets()

    arrears = (
        Arrear.objects.filter(campaign=campaign, created_at__lte=cutoff_at)
        .order_by().annotate(d=day_expr("created_at"))
        .values_list("village_id", "d").annotate(total=Sum("principal"))
    )
    for village_id, day, total in arrears:
        baseline.add(village_id, day, total)

    repayments = (
        Repayment.objects.filter(arrear__campaign=campaign, recorded_at__lte=cutoff_at)
        .order_by().annotate(d=day_expr("recorded_at"))
        .values_list("arrear__village_id", "kind", "d").annotate(total=Sum("amount"))
    )
    for village_id, kind, day, total in repayments:
        (cash if kind in CASH_KINDS else offset).add(village_id, day, total)

    reversals = (
        Reversal.objects.filter(repayment__arrear__campaign=campaign, recorded_at__lte=cutoff_at)
        .order_by().annotate(d=day_expr("recorded_at"))
        .values_list("repayment__arrear__village_id", "repayment__kind", "d").annotate(total=Sum("repayment__amount"))
    )
    for village_id, kind, day, total in reversals:
        (cash if kind in CASH_KINDS else offset).add(village_id, day, -total)

    write_offs = (
        WriteOff.objects.filter(arrear__campaign=campaign, recorded_at__lte=cutoff_at)
        .order_by().annotate(d=day_expr("recorded_at"))
        .values_list("arrear__village_id", "d").annotate(total=Sum("amount"))
    )
    for village_id, day, total in write_offs:
        written.add(village_id, day, total)
    return baseline, cash, offset, written


def _light(value, campaign):
    if value is None:
        return ""
    if value < campaign.red_below:
        return "red"
    if value >= campaign.green_from:
        return "green"
    return "yellow"


def _rank_key(row):
    return (-row["ratio"], -row["recovered"], row["code"])


def _ranks(rows):
    """Ratio descending, then amount recovered, then village code; owed nothing: no rank."""
    ranked = sorted((r for r in rows if r["baseline"] > 0), key=_rank_key)
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
        total = lambda attr: sum((getattr(m, attr) for m in members), ZERO)  # noqa: E731
        recovered, baseline = total("recovered"), total("baseline")
        value = ratio(recovered, baseline)
        result.append(GroupRow(
            code=code, name=name, zone=zone, baseline=baseline, recovered=recovered,
            recovered_cash=total("recovered_cash"), recovered_offset=total("recovered_offset"),
            recovered_today=total("recovered_today"), written_off=total("written_off"),
            outstanding=total("outstanding"), ratio=value, rank=None, light=_light(value, campaign),
            villages=len(members), villages_cleared=sum(1 for m in members if m.cleared),
        ))
    ranked = sorted((g for g in result if g.baseline > 0), key=lambda g: (-g.ratio, -g.recovered, g.code))
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


def report_snapshot(*, campaign, day):
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
    baseline, cash, offset, written = _read_ledger(campaign, cutoff_at)

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
        series=_series(campaign, day, baseline, cash, offset),
    )


def _series(campaign, day, baseline, cash, offset):
    """The township's completion ratio at each day's cut-off since the campaign began."""
    points = []
    running_base = sum((a for d, a in baseline.by_day.items() if d < campaign.start_date), ZERO)
    running_rec = sum((a for b in (cash, offset) for d, a in b.by_day.items() if d < campaign.start_date), ZERO)
    current = campaign.start_date
    while current <= day:
        running_base += baseline.by_day.get(current, ZERO)
        running_rec += cash.by_day.get(current, ZERO) + offset.by_day.get(current, ZERO)
        points.append(SeriesPoint(day=current, ratio=ratio(running_rec, running_base), recovered=running_rec))
        current += timedelta(days=1)
    return points


def reports_visible_to(user):
    from villages.selectors import townships_visible_to

    from .models import Report

    return Report.objects.filter(campaign__township__in=townships_visible_to(user)).select_related("campaign__township")


def latest_report_for(user):
    return reports_visible_to(user).filter(is_current=True).order_by("-day", "-campaign__start_date").first()
