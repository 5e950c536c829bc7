"""A realistic battle-report ``Snapshot`` built by hand, for the renderers' tests and benchmark.

``sample_snapshot(villages=12)``: ``villages`` villages in all, two of them owed nothing
(listed apart, unranked), the rest ranked by completion ratio, then amount recovered, then
code. Zones 南片区/中片区/北片区 with work areas; cleared villages (one cleared today); a tie
on ratio and amount settled by code; rank changes computed against yesterday's standing (↑/↓/—)
and one village new to the ranking (新); a village with a write-off; villages with nothing
today; seed 000's duties; a 20-day series. Deterministic: the same arguments give the same
snapshot.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.money import ZERO, ratio, to_money
from reports.snapshot import Duty, GroupRow, SeriesPoint, Snapshot, Totals, VillageRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
TARGET = Decimal("0.80")
YELLOW_FROM = Decimal("0.50")
ZONES = ["南片区", "中片区", "北片区"]
UNRANKED = 2

ROOTS = [
    "东岭", "西河", "南坦", "北园", "王庄", "李官", "张家圩", "刘家湖", "沈家岭", "马厂湖",
    "柳青", "枣园", "桃园", "杏花", "石门", "双河", "盛庄", "朱保", "孟园", "义堂",
    "白沙埠", "花园", "金雀山", "银雀山", "沂河", "洗砚池", "涑河", "相公", "半程", "汪沟",
    "枣沟头", "大岭", "九曲", "褚墩", "重沟", "临涧", "新桥", "黄山", "岔河", "朱陈",
    "八湖", "册山", "傅庄", "南坊", "柳行", "方城", "茶山", "罗庄", "高都", "盛能",
]
PREFIXES = ["", "前", "后", "东", "西", "大", "小"]
SUFFIXES = ["村", "社区", "新村"]
DIGITS = "零一二三四五六七八九"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["建国", "海涛", "志强", "秀英", "立新", "红梅", "卫东", "玉兰", "国庆", "晓明", "丽华", "振华", "春生", "桂芳"]

ZONE_ROLE = ("片区书记层领导", "街道党工委副书记")
AREA_ROLES = [
    ("联系两委成员", "街道党工委委员", "最低"),
    ("工作区书记", "工作区党总支书记", "倒数第二"),
    ("工作区主任", "工作区主任", "倒数第三"),
]


def cn_number(n):
    """1 -> 一, 10 -> 十, 23 -> 二十三, 120 -> 一百二十."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + DIGITS[rest] if rest < 10 else ("一" + cn_number(rest) if rest < 20 else cn_number(rest)))
    return DIGITS[n // 100] + "百" + tail


def village_names(count):
    names = [f"{p}{r}{s}" for p in PREFIXES for s in SUFFIXES for r in ROOTS]
    if count > len(names):
        names += [f"{r}{i}村" for i in range(1, count) for r in ROOTS]
    return names[:count]


def light_of(value):
    if value is None:
        return ""
    if value >= TARGET:
        return "green"
    return "yellow" if value >= YELLOW_FROM else "red"


def rank_change(rank, previous):
    if previous is None:
        return "新"
    if previous == rank:
        return "—"
    return f"↑{previous - rank}" if previous > rank else f"↓{rank - previous}"


def _money(rng, low, high):
    """A skewed amount between ``low`` and ``high`` yuan, with cents."""
    value = 10 ** rng.uniform(math.log10(low), math.log10(high))
    return to_money(Decimal(int(value * 100)) / 100)


def _order_key(row):
    return (-row.ratio, -row.recovered, row.code)


def _villages(rng, count, work_areas):
    names = village_names(count)
    ranked_count = count - UNRANKED if count > UNRANKED + 2 else count
    rows = []
    tie = None
    for index, name in enumerate(names):
        area_index = index % len(work_areas)
        area, zone = work_areas[area_index]
        code = f"LS-{index + 1:03d}"
        if index >= ranked_count:  # owed nothing: listed apart
            rows.append(_row(index, code, name, zone, area, ZERO, ZERO, ZERO, ZERO, ZERO, None))
            continue
        baseline = _money(rng, 80_000, 20_000_000)
        share = Decimal(str(round(rng.uniform(0.05, 0.97), 4)))
        offset_share = Decimal(str(round(rng.uniform(0, 0.3), 2)))
        if index in (0, 1):  # cleared: 0 some days ago, 1 today
            share = Decimal(1)
        if index == 6 and ranked_count > 6:  # ties with 5 on ratio and amount: the code decides
            baseline, share, offset_share = tie
        tie = (baseline, share, offset_share)
        recovered = to_money(baseline * share)
        written_off = ZERO
        if index % 9 == 4:  # part of the debt written off (核销), shown apart
            written_off = to_money(min(baseline - recovered, baseline * Decimal("0.03")))
        offset = to_money(recovered * offset_share)
        today = ZERO
        if index == 1:
            today = to_money(min(recovered, baseline * Decimal("0.12")))
        elif index % 4 != 3 and index != 0:  # every fourth village: nothing today
            today = to_money(min(recovered, baseline * Decimal(str(round(rng.uniform(0.001, 0.04), 4)))))
        rows.append(_row(index, code, name, zone, area, baseline, recovered, offset, today, written_off, None))
    ranked = [r for r in rows if r.ratio is not None]
    unranked = [r for r in rows if r.ratio is None]

    ranked.sort(key=_order_key)
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    # Yesterday's standing, from yesterday's figures; one village is new to the ranking.
    newcomer = ranked[len(ranked) // 2] if len(ranked) > 3 else None
    yesterday = []
    for row in ranked:
        if row is newcomer:
            continue
        before = row.recovered - row.recovered_today
        yesterday.append(((-ratio(before, row.baseline), -before, row.code), row))
    yesterday.sort(key=lambda pair: pair[0])
    for position, (_, row) in enumerate(yesterday, start=1):
        row.previous_rank = position
    for row in ranked:
        row.rank_change = rank_change(row.rank, row.previous_rank)
    by_today = sorted((r for r in ranked if r.recovered_today > 0), key=lambda r: (-r.recovered_today, r.code))
    for position, row in enumerate(by_today, start=1):
        row.today_rank = position
    return ranked, unranked


def _row(index, code, name, zone, area, baseline, recovered, offset, today, written_off, rank):
    outstanding = baseline - recovered - written_off
    value = ratio(recovered, baseline)
    cleared = baseline > 0 and outstanding == 0
    return VillageRow(
        village_id=1000 + index,
        code=code,
        name=name,
        zone=zone,
        work_area=area,
        baseline=baseline,
        recovered=recovered,
        recovered_cash=recovered - offset,
        recovered_offset=offset,
        recovered_today=today,
        written_off=written_off,
        outstanding=outstanding,
        ratio=value,
        rank=rank,
        previous_rank=None,
        rank_change="",
        today_rank=None,
        light=light_of(value),
        cleared=cleared,
        cleared_today=cleared and today > 0,
    )


def _group(code, name, zone, rows):
    def total(attr):
        return sum((getattr(r, attr) for r in rows), ZERO)

    baseline, recovered = total("baseline"), total("recovered")
    value = ratio(recovered, baseline)
    return GroupRow(
        code=code,
        name=name,
        zone=zone,
        baseline=baseline,
        recovered=recovered,
        recovered_cash=total("recovered_cash"),
        recovered_offset=total("recovered_offset"),
        recovered_today=total("recovered_today"),
        written_off=total("written_off"),
        outstanding=total("outstanding"),
        ratio=value,
        rank=None,
        light=light_of(value),
        villages=len(rows),
        villages_cleared=sum(1 for r in rows if r.cleared),
    )


def _rank_groups(groups):
    ranked = sorted((g for g in groups if g.ratio is not None), key=lambda g: (-g.ratio, -g.recovered, g.code))
    for position, group in enumerate(ranked, start=1):
        group.rank = position
    return ranked + [g for g in groups if g.ratio is None]


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _duties(rng, ranked, zones, work_areas):
    duties = []
    for zone in zones:
        bottom = [r for r in reversed(ranked) if r.zone == zone][:1]
        for row in bottom:
            role, title = ZONE_ROLE
            duties.append(Duty(zone, role, _person(rng), title, row.name, row.code, row.ratio, "最低"))
    for number, (area, _zone) in enumerate(work_areas):
        bottom = [r for r in reversed(ranked) if r.work_area == area][:3]
        for (role, title, position), row in zip(AREA_ROLES, bottom):
            person = "（未分配）" if number == 1 and position == "倒数第三" else _person(rng)
            duties.append(Duty(area, role, person, "" if person == "（未分配）" else title, row.name, row.code, row.ratio, position))
    return duties


def _series(totals, days, day):
    """Day by day since the campaign began; the last two points are yesterday and today."""
    points = []
    yesterday = totals.recovered - totals.recovered_today
    start = to_money(totals.recovered * Decimal("0.18"))
    for offset in range(days):
        when = day - timedelta(days=days - 1 - offset)
        if offset == days - 1:
            recovered = totals.recovered
        elif days > 2:
            share = Decimal(str(round(math.sqrt(offset / (days - 2)), 4)))
            recovered = to_money(start + (yesterday - start) * share)
        else:
            recovered = yesterday
        points.append(SeriesPoint(day=when, ratio=ratio(recovered, totals.baseline), recovered=recovered))
    return points


def sample_snapshot(villages=12, *, series_days=20, seed=20261123):
    rng = random.Random(seed)
    area_count = max(3, math.ceil(villages / 8 / 3) * 3)
    work_areas = [(f"第{cn_number(i + 1)}工作区", ZONES[i * len(ZONES) // area_count]) for i in range(area_count)]
    ranked, unranked = _villages(rng, villages, work_areas)
    everyone = ranked + unranked

    zones = _rank_groups([
        _group(f"Z{i + 1}", zone, zone, [r for r in everyone if r.zone == zone]) for i, zone in enumerate(ZONES)
    ])
    areas = _rank_groups([
        _group(f"W{i + 1:02d}", area, zone, [r for r in everyone if r.work_area == area])
        for i, (area, zone) in enumerate(work_areas)
    ])

    def total(attr):
        return sum((getattr(r, attr) for r in everyone), ZERO)

    totals = Totals(
        baseline=total("baseline"),
        recovered=total("recovered"),
        recovered_cash=total("recovered_cash"),
        recovered_offset=total("recovered_offset"),
        recovered_today=total("recovered_today"),
        written_off=total("written_off"),
        outstanding=total("outstanding"),
        ratio=ratio(total("recovered"), total("baseline")),
        target_ratio=TARGET,
        villages=len(everyone),
        villages_ranked=len(ranked),
        villages_cleared=sum(1 for r in ranked if r.cleared),
        villages_idle_today=sum(1 for r in ranked if r.recovered_today == 0),
    )
    cutoff = datetime.combine(DAY, time(16, 0), tzinfo=SHANGHAI)
    return Snapshot(
        township="兰山街道",
        campaign="2026年清收清欠攻坚行动",
        campaign_id=1,
        day=DAY,
        issue_number=series_days,
        campaign_day=series_days,
        cutoff_at=cutoff,
        previous_cutoff_at=cutoff - timedelta(days=1),
        totals=totals,
        villages=ranked,
        unranked=unranked,
        zones=zones,
        work_areas=areas,
        duties=_duties(rng, ranked, ZONES, work_areas),
        cleared_today=[r for r in ranked if r.cleared_today],
        top_today=sorted((r for r in ranked if r.recovered_today > 0), key=lambda r: (-r.recovered_today, r.code))[:3],
        series=_series(totals, series_days, DAY),
    )
