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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.fields.json import KT, KeyTransform
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.money import ZERO, ratio, to_money
from recovery.choices import CASH_KINDS
from recovery.models import Arrear, Campaign, Repayment, Reversal, WriteOff
from recovery.selectors import EntrySums, ranking_key, village_entry_sums
from villages.choices import AssignmentRole
from villages.models import Assignment, Village

from .choices import RebuildStatus
from .models import Report, ReportRebuild
from .snapshot import LIGHT_LABELS, Duty, GroupRow, SeriesPoint, Snapshot, Totals, VillageRow, _decode

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from core.models import User

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


def latest_report_page(user: User) -> Report | None:
    """The newest current report ``user`` may see, as the report page reads it
    (``report_pages``): the report is found first, then only its stored JSON is read."""
    newest = latest_reports(user).values("pk")[:1]
    return report_pages(Report.objects.filter(pk=Subquery(newest)).select_related("campaign__township"), village_id=user.village_id).first()


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
    """Every version of ``report``'s day that ``user`` may see, oldest first. A rebuild makes
    the next version current, so a current first version is the only one (no query)."""
    if report.is_current and report.version == 1:
        return [report]
    return list(
        Report.objects.visible_to(user).filter(campaign=report.campaign_id, day=report.day)
        .defer("data", "summary", "village_rows", "sections_html").order_by("version")
    )


# ---- live figures: the latest published report plus what was recorded since its cut-off ----

LIVE_REASON = "实时数包含截止时间之后录入的清收、冲正、核销和新登记的欠款"


def _money(value):
    return Decimal(value) if value is not None else ZERO


def _ratio_or_none(value):
    return Decimal(value) if value is not None else None


@dataclass
class OfficialFigure:
    """A village's row in the latest published report (the 16:00 figure)."""

    baseline: Decimal
    recovered: Decimal
    written_off: Decimal
    outstanding: Decimal
    ratio: Decimal | None
    rank: int | None
    previous_rank: int | None
    rank_change: str
    light: str

    @property
    def light_label(self):
        return LIGHT_LABELS[self.light]


@dataclass
class LiveFigure:
    """A village's figures now: the published report's plus what was recorded since."""

    village: Village
    baseline: Decimal = ZERO
    recovered_cash: Decimal = ZERO
    recovered_offset: Decimal = ZERO
    written_off: Decimal = ZERO
    rank: int | None = None
    light: str = ""
    official: OfficialFigure | None = None

    @property
    def recovered(self):
        return self.recovered_cash + self.recovered_offset

    @property
    def outstanding(self):
        return self.baseline - self.recovered - self.written_off

    @property
    def ratio(self):
        return ratio(self.recovered, self.baseline)

    # The villages table sorts and reads these by name.
    @property
    def ratio_sort(self):
        return self.ratio

    @property
    def official_ratio(self):
        return self.official.ratio if self.official else None

    @property
    def light_label(self):
        return LIGHT_LABELS[self.light]

    def village_with_figures(self):
        """The village, carrying these figures as attributes (for the villages table)."""
        village = self.village
        for name in ("baseline", "recovered", "recovered_cash", "recovered_offset", "written_off", "outstanding",
                     "ratio_sort", "official_ratio", "rank", "light"):
            setattr(village, name, getattr(self, name))
        village.live = self
        return village

    @property
    def differs(self):
        """Whether the live figure and the 16:00 one can be told apart on the page."""
        if self.official is None:
            return False
        o = self.official
        return (o.baseline, o.recovered, o.written_off, o.rank) != (self.baseline, self.recovered, self.written_off, self.rank)


@dataclass
class PublishedReport:
    """What the home pages read of a township's latest published report."""

    pk: int
    campaign: Campaign
    day: date
    cutoff_at: datetime
    totals: Totals | None
    series: list[SeriesPoint]
    duties: list[Duty]
    rows: list[dict]

    @property
    def label(self):
        local = timezone.localtime(self.cutoff_at, SHANGHAI)
        return f"截至{local.month}月{local.day}日{local:%H:%M}战报"


@dataclass
class LiveFigures:
    figures: list[LiveFigure]               # ranked (live) first, then the villages owed nothing
    listed: list[LiveFigure]                # the same, in the order of the villages asked for
    reports: dict[int, PublishedReport]     # township id -> its latest published report
    campaigns: dict[int, Campaign]          # township id -> the campaign its figures are read against

    def report_of(self, village):
        return self.reports.get(village.township_pk)

    @property
    def report(self):
        """The one report the page's figures are compared with (None with several townships)."""
        return next(iter(self.reports.values())) if len(self.reports) == 1 else None

    @property
    def ranked_count(self):
        return sum(1 for f in self.figures if f.rank is not None)

    @property
    def differs(self):
        return any(f.differs for f in self.figures)

    def totals(self):
        """The township totals now, as the whole-ledger reading gives them (tests/reference_figures.py)."""
        total = lambda attr: sum((getattr(f, attr) for f in self.figures), ZERO)  # noqa: E731
        recovered, baseline = total("recovered"), total("baseline")
        return {
            "baseline": baseline, "outstanding": total("outstanding"),
            "recovered_cash": total("recovered_cash"), "recovered_offset": total("recovered_offset"),
            "recovered": recovered, "written_off": total("written_off"), "ratio": ratio(recovered, baseline),
            "villages": len(self.figures),
            "villages_cleared": sum(1 for f in self.figures if f.baseline > 0 and f.outstanding == 0),
        }


def _official(row):
    return OfficialFigure(
        baseline=_money(row["baseline"]), recovered=_money(row["recovered"]), written_off=_money(row["written_off"]),
        outstanding=_money(row["outstanding"]), ratio=_ratio_or_none(row.get("ratio")),
        rank=row.get("rank"), previous_rank=row.get("previous_rank"), rank_change=row.get("rank_change", ""),
        light=row.get("light", ""),
    )


def _published_reports(township_ids):
    """The latest current report of every campaign of these townships, one query, reading
    only the parts of the stored snapshot the home pages use (not the whole of it)."""
    latest_day = Report.objects.filter(campaign=OuterRef("campaign"), is_current=True).order_by("-day").values("day")[:1]
    rows = (
        Report.objects.filter(is_current=True, campaign__township_id__in=township_ids, day=Subquery(latest_day))
        .select_related("campaign").order_by("-day", "-campaign__start_date", "-campaign_id")
        .only("pk", "day", "cutoff_at", "campaign")
        .annotate(villages=F("data__villages"), unranked=F("data__unranked"), totals=F("data__totals"),
                  series=F("data__series"), duties=F("data__duties"))
    )
    result = []
    for report in rows:
        result.append(PublishedReport(
            pk=report.pk, campaign=report.campaign, day=report.day, cutoff_at=report.cutoff_at,
            totals=_decode(Totals, report.totals) if report.totals else None,
            # Built by hand: the generic decoder reads type hints for every item (slow).
            series=[SeriesPoint(day=date.fromisoformat(p["day"]), ratio=_ratio_or_none(p["ratio"]), recovered=_money(p["recovered"]))
                    for p in report.series or []],
            duties=[Duty(**{**d, "ratio": _ratio_or_none(d["ratio"])}) for d in report.duties or []],
            rows=[*(report.villages or []), *(report.unranked or [])],
        ))
    return result


def live_figures(*, villages: QuerySet[Village]) -> LiveFigures:
    """Every village of ``villages`` with its figures now and, where a report was published,
    its 16:00 figures: each township's latest published report (its stored snapshot) plus
    one grouped query over what was recorded since its cut-off. Equal to reading the whole
    ledger (tests/reference_figures.py, the test of it); without a published report it is that
    reading, done as the same grouped query. Four queries, whatever the number of villages."""
    # The township id as a column, not three model instances a village (the caller's
    # select_related, if any, still applies: the villages table shows zone and work area).
    rows = list(villages.annotate(township_pk=F("work_area__zone__township_id")))
    township_ids = {v.township_pk for v in rows}
    campaigns, campaign_ids = {}, []
    for campaign in Campaign.objects.filter(township_id__in=township_ids).order_by("-is_active", "-start_date", "-pk"):
        campaigns.setdefault(campaign.township_id, campaign)  # the running one, else the latest
        campaign_ids.append(campaign.pk)
    reports = _published_reports(township_ids)
    covered = {r.campaign.pk: r.cutoff_at for r in reports}
    delta = village_entry_sums(villages=villages, covered=covered, campaigns=campaign_ids)

    by_township = {}
    for report in reports:  # newest first: each township's first is the one it is compared with
        by_township.setdefault(report.campaign.township_id, report)
    snapshot_sums, official = defaultdict(EntrySums), {}
    for report in reports:
        for row in report.rows:
            sums = snapshot_sums[row["village_id"]]
            sums.baseline += _money(row["baseline"])
            sums.cash += _money(row["recovered_cash"])
            sums.offset += _money(row["recovered_offset"])
            sums.written_off += _money(row["written_off"])
            if by_township[report.campaign.township_id] is report:
                official[row["village_id"]] = _official(row)

    figures = []
    for village in rows:
        before, since = snapshot_sums.get(village.pk, EntrySums()), delta.get(village.pk, EntrySums())
        figures.append(LiveFigure(
            village=village, baseline=before.baseline + since.baseline,
            recovered_cash=before.cash + since.cash, recovered_offset=before.offset + since.offset,
            written_off=before.written_off + since.written_off, official=official.get(village.pk),
        ))
    ranked = sorted(
        (f for f in figures if f.baseline > 0),
        key=lambda f: ranking_key(ratio=f.ratio, recovered=f.recovered, code=f.village.code),
    )
    for index, figure in enumerate(ranked, start=1):
        figure.rank = index
        report = by_township.get(figure.village.township_pk)
        campaign = report.campaign if report else campaigns.get(figure.village.township_pk)
        figure.light = _light(figure.ratio, campaign) if campaign else ""
    unranked = sorted((f for f in figures if f.rank is None), key=lambda f: f.village.code)
    for township_id, report in by_township.items():
        campaigns[township_id] = report.campaign
    return LiveFigures(figures=[*ranked, *unranked], listed=figures, reports=by_township, campaigns=campaigns)


# ---- the home pages' dashboards ------------------------------------------------------

MOVERS = 5
BOTTOM = 5
BEHIND_SHOWN = 10
TOP_DEBTORS = 8


def campaign_pace(campaign: Campaign, day: date) -> Decimal:
    """Where the completion ratio should stand at ``day``'s cut-off to reach the target by
    the campaign's last day, at an even pace: target x days elapsed / days of the campaign."""
    total = (campaign.end_date - campaign.start_date).days + 1
    elapsed = min(max((day - campaign.start_date).days + 1, 0), total)
    return (campaign.target_ratio * elapsed / total).quantize(Decimal("0.0001"))


@dataclass
class CampaignProgress:
    campaign: Campaign
    today: date
    pace: Decimal               # where the ratio should stand today
    ratio: Decimal | None       # where it stands (live)

    @property
    def days_left(self):
        return max((self.campaign.end_date - self.today).days, 0)

    @property
    def ended(self):
        return self.today > self.campaign.end_date

    @property
    def behind(self):
        return self.ratio is not None and self.ratio < self.pace

    @property
    def gap_points(self):
        """Percentage points short of today's pace (positive) or ahead of it (negative)."""
        if self.ratio is None:
            return None
        return ((self.pace - self.ratio) * 100).quantize(Decimal("0.01"))


@dataclass
class Mover:
    name: str
    code: str
    rank: int | None
    rank_gain: int
    recovered_week: Decimal


def week_movers(report: PublishedReport) -> dict:
    """This week's movers, from published reports: the latest one against the one a week
    before it (or the campaign's first one): the biggest gains in rank and amounts recovered.
    One query."""
    earlier = (
        Report.objects.filter(campaign_id=report.campaign.pk, is_current=True, day__lt=report.day,
                              day__gte=report.day - timedelta(days=7))
        .order_by("day").values_list("day", "data__villages").first()
    )
    if earlier is None:
        return {"since": None, "gains": [], "recovered": []}
    since, rows = earlier
    before = {row["village_id"]: row for row in rows or []}
    movers = []
    for row in report.rows:
        if row.get("rank") is None:
            continue
        old = before.get(row["village_id"])
        gain = old["rank"] - row["rank"] if old and old.get("rank") else 0
        recovered = _money(row["recovered"]) - (_money(old["recovered"]) if old else ZERO)
        movers.append(Mover(name=row["name"], code=row["code"], rank=row["rank"], rank_gain=gain, recovered_week=recovered))
    return {
        "since": since,
        "gains": sorted((m for m in movers if m.rank_gain > 0), key=lambda m: (-m.rank_gain, m.rank))[:MOVERS],
        "recovered": sorted((m for m in movers if m.recovered_week > 0), key=lambda m: (-m.recovered_week, m.rank))[:MOVERS],
    }


def bottom_with_duties(report: PublishedReport) -> list[dict]:
    """The published ranking's last five, each with who goes there (the report's duties)."""
    ranked = sorted((r for r in report.rows if r.get("rank") is not None), key=lambda r: r["rank"])
    duties = defaultdict(list)
    for duty in report.duties:
        duties[duty.village_code].append(duty)
    return [
        {"name": r["name"], "code": r["code"], "rank": r["rank"], "ratio": _ratio_or_none(r["ratio"]),
         "outstanding": _money(r["outstanding"]), "duties": duties.get(r["code"], [])}
        for r in reversed(ranked[-BOTTOM:])
    ]


def township_dashboard(*, villages: QuerySet[Village], today: date | None = None) -> dict:
    """Leaders' and staff's home page: live and 16:00 totals, target and days left, the ratio
    against the target's pace day by day, this week's movers, villages behind pace, the
    bottom five with who goes there."""
    from .chart import ratio_chart_svg

    today = today or timezone.localdate()
    live = live_figures(villages=villages)
    totals = live.totals()
    report = live.report
    campaign = report.campaign if report else (next(iter(live.campaigns.values())) if len(live.campaigns) == 1 else None)
    context = {"live": live, "totals": totals, "report": report, "live_reason": LIVE_REASON}
    if campaign is None:
        return context
    progress = CampaignProgress(campaign=campaign, today=today, pace=campaign_pace(campaign, today), ratio=totals["ratio"])
    behind = sorted(
        (f for f in live.figures if f.rank is not None and f.ratio < progress.pace),
        key=lambda f: (f.ratio, f.village.code),
    )
    context.update(progress=progress, behind=behind[:BEHIND_SHOWN], behind_count=len(behind))
    if report is not None:
        series = report.series
        context.update(
            official=report.totals,
            differs=live.differs or (report.totals is not None and report.totals.recovered != totals["recovered"]),
            chart=ratio_chart_svg(
                series, campaign.target_ratio, width=440, height=250, font_size=13,
                pace=[(p.day, campaign_pace(campaign, p.day)) for p in series],
                label=f"{report.campaign.township.name}完成比例与目标进度",
            ),
            movers=week_movers(report),
            bottom=bottom_with_duties(report),
        )
    return context


def cadre_dashboard(*, user: User, today: date | None = None) -> dict:
    """A village cadre's home page: their village's rank now and in the published report
    (and the day before), ratio against the target's pace, what remains, the light, and the
    debtors owing most."""
    from recovery.models import Debtor
    from recovery.selectors import debtors_with_totals

    today = today or timezone.localdate()
    live = live_figures(villages=Village.objects.ranking_visible_to(user))
    my = next((f for f in live.figures if f.village.pk == user.village_id), None)
    report = live.report_of(my.village) if my else None
    campaign = live.campaigns.get(my.village.township_pk) if my else None
    debtors = (
        debtors_with_totals(Debtor.objects.visible_to(user).filter(village_id=user.village_id))
        .filter(outstanding_total__gt=0).order_by("-outstanding_total", "name", "pk")[:TOP_DEBTORS]
    )
    return {
        "village": user.village, "my": my, "ranked_count": live.ranked_count, "report": report,
        "live_reason": LIVE_REASON, "top_debtors": list(debtors),
        "progress": CampaignProgress(campaign=campaign, today=today, pace=campaign_pace(campaign, today), ratio=my.ratio)
        if campaign and my else None,
    }


def report_rebuild_latest(*, report: Report) -> ReportRebuild | None:
    """The last rebuild asked from ``report`` that is not done (queued, running, or given
    up), for its page; None once one is done (the new version is then the current one)."""
    latest = ReportRebuild.objects.filter(report=report).select_related("requested_by").order_by("-requested_at", "-pk").first()
    return None if latest is None or latest.status == RebuildStatus.DONE else latest
