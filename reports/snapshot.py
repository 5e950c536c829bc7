"""The battle report's content for one (campaign, day): one structure drives the web page,
the PDF and the Excel file, so their numbers always agree. Stored as JSON on the Report
(Decimals as strings), so a published report never changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import get_type_hints

LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "": ""}


@dataclass
class VillageRow:
    village_id: int
    code: str
    name: str
    zone: str
    work_area: str
    baseline: Decimal
    recovered: Decimal          # cash + offsets, to date
    recovered_cash: Decimal
    recovered_offset: Decimal
    recovered_today: Decimal    # net of reversals recorded today
    written_off: Decimal        # shown apart, not in the ratio
    outstanding: Decimal
    ratio: Decimal | None       # recovered / baseline, 4 places; None when owed nothing
    rank: int | None            # None: owed nothing, listed apart
    previous_rank: int | None
    rank_change: str            # "↑2", "↓1", "—", "新"
    today_rank: int | None      # rank by amount recovered today
    light: str                  # "red" / "yellow" / "green" / ""
    cleared: bool
    cleared_today: bool

    @property
    def light_label(self):
        return LIGHT_LABELS[self.light]


@dataclass
class GroupRow:
    """A zone or a work area, rolled up from its villages."""

    code: str
    name: str
    zone: str
    baseline: Decimal
    recovered: Decimal
    recovered_cash: Decimal
    recovered_offset: Decimal
    recovered_today: Decimal
    written_off: Decimal
    outstanding: Decimal
    ratio: Decimal | None
    rank: int | None
    light: str
    villages: int
    villages_cleared: int

    @property
    def light_label(self):
        return LIGHT_LABELS[self.light]


@dataclass
class Duty:
    """Seed 000's rule: who goes to which bottom village."""

    unit: str           # zone or work-area name
    role: str           # e.g. "片区书记层领导"
    person_name: str    # "（未分配）" when nobody holds the role
    title: str
    village: str
    village_code: str
    ratio: Decimal | None
    position: str       # "最低" / "倒数第二" / "倒数第三"


@dataclass
class Totals:
    baseline: Decimal
    recovered: Decimal
    recovered_cash: Decimal
    recovered_offset: Decimal
    recovered_today: Decimal
    written_off: Decimal
    outstanding: Decimal
    ratio: Decimal | None
    target_ratio: Decimal
    villages: int
    villages_ranked: int
    villages_cleared: int
    villages_idle_today: int    # ranked villages with nothing recovered today


@dataclass
class SeriesPoint:
    day: date
    ratio: Decimal | None
    recovered: Decimal


@dataclass
class Snapshot:
    township: str
    campaign: str
    campaign_id: int
    day: date
    issue_number: int           # 第 N 期
    campaign_day: int           # day N of the campaign
    cutoff_at: datetime         # aware, Asia/Shanghai
    previous_cutoff_at: datetime
    totals: Totals
    villages: list[VillageRow]          # ranked, best first
    unranked: list[VillageRow]          # owed nothing
    zones: list[GroupRow]
    work_areas: list[GroupRow]
    duties: list[Duty]
    cleared_today: list[VillageRow]
    top_today: list[VillageRow]         # top three by amount today (> 0)
    series: list[SeriesPoint] = field(default_factory=list)

    def to_json(self):
        return _encode(asdict(self))

    @classmethod
    def from_json(cls, data):
        return _decode(cls, data)

    def page_summary(self):
        """What the web page reads beside its stored sections (``Report.summary``)."""
        return {"township": self.township, "villages_ranked": self.totals.villages_ranked}

    def page_village_rows(self):
        """Each village's row, keyed "v<village id>" (``Report.village_rows``)."""
        return {f"v{row.village_id}": _encode(asdict(row)) for row in self.villages + self.unranked}


def village_row_from_json(data) -> VillageRow | None:
    """One village's row as ``page_village_rows`` stored it."""
    return _decode(VillageRow, data)


def _encode(value):
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _decode(kind, value):
    if value is None:
        return None
    origin = getattr(kind, "__origin__", None)
    if origin is list:
        (item,) = kind.__args__
        return [_decode(item, v) for v in value]
    args = getattr(kind, "__args__", None)
    if args and type(None) in args:  # X | None
        inner = next(a for a in args if a is not type(None))
        return _decode(inner, value)
    if kind is Decimal:
        return Decimal(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if hasattr(kind, "__dataclass_fields__"):
        hints = get_type_hints(kind)
        return kind(**{f.name: _decode(hints[f.name], value[f.name]) for f in fields(kind) if f.name in value})
    return value
