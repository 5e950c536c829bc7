"""The battle report's chart: the township's completion ratio day by day, as plain inline SVG.

No JavaScript, no external fonts or images, so the same markup renders in WeasyPrint and in a
browser. The y axis is fixed at 0–100 %: a ratio is read against the whole, and against the
dashed target line.
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape

from core.money import fmt_percent

FONT = "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
LINE = "#c0392b"
TARGET = "#1f5fa8"
PACE = "#15803d"
GRID = "#e5e7eb"
AXIS = "#6b7280"
TEXT = "#374151"

LEFT, RIGHT, TOP, BOTTOM = 52, 30, 30, 44
MAX_X_LABELS = 8
MAX_MARKERS = 40


def _day_label(day):
    return f"{day.month}月{day.day}日"


def _fmt(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def ratio_chart_svg(series, target_ratio, width=720, height=260, *, pace=None, font_size=11, label="全街道完成比例走势"):
    """``series``: ``SeriesPoint``s (day, ratio, recovered), oldest first; ``target_ratio``:
    a Decimal such as 0.80 (or None). Days with no ratio (nothing owed yet) break the line.
    ``pace``: (day, ratio) pairs of the target's pace (where the ratio should be on each day
    to reach the target by the campaign's end), drawn dashed in green. A small chart for a
    phone is drawn with a larger ``font_size`` (the SVG scales down to the screen)."""
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    bottom = TOP + plot_h

    def y_of(ratio):
        clamped = min(max(Decimal(ratio), Decimal(0)), Decimal(1))
        return TOP + plot_h * (1 - float(clamped))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ratio-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'font-family="{FONT}" font-size="{font_size}" fill="{TEXT}">'
    ]

    # Grid and y axis: 0 %, 20 %, ... 100 %.
    for step in range(6):
        y = TOP + plot_h * (1 - step / 5)
        parts.append(
            f'<line x1="{LEFT}" y1="{_fmt(y)}" x2="{LEFT + plot_w}" y2="{_fmt(y)}" '
            f'stroke="{GRID if step else AXIS}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{_fmt(y + 4)}" text-anchor="end">{step * 20}%</text>'
        )
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="{AXIS}" stroke-width="1"/>')
    parts.append(f'<text x="2" y="{TOP - 14}">完成比例</text>')
    parts.append(f'<text x="{_fmt(LEFT + plot_w / 2)}" y="{height - 4}" text-anchor="middle">日期</text>')

    # Legend, top right: the line, the target, the pace.
    legend = [(LINE, "2", "", "完成比例")]
    if target_ratio is not None:
        legend.append((TARGET, "1.5", "6 4", f"目标 {fmt_percent(target_ratio, 0)}"))
        y = _fmt(y_of(target_ratio))
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + plot_w}" y2="{y}" '
            f'stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    if pace:
        legend.append((PACE, "1.5", "3 3", "目标进度"))
    widths = [27 + len(text) * font_size + 12 for *_, text in legend]
    x = LEFT + plot_w - sum(widths) + 12
    for (colour, stroke, dash, text), item_width in zip(legend, widths):
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{TOP - 18}" x2="{_fmt(x + 22)}" y2="{TOP - 18}" '
            f'stroke="{colour}" stroke-width="{stroke}"{dash_attr}/>'
            f'<text x="{_fmt(x + 27)}" y="{TOP - 14}">{escape(text)}</text>'
        )
        x += item_width

    points = list(series or [])
    if not points:
        parts.append(
            f'<text x="{_fmt(LEFT + plot_w / 2)}" y="{_fmt(TOP + plot_h / 2)}" '
            f'text-anchor="middle" fill="{AXIS}">暂无数据</text>'
        )
        parts.append("</svg>")
        return "".join(parts)

    first, last = points[0].day, points[-1].day
    span = (last - first).days

    def x_of(day):
        if span <= 0:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (day - first).days / span

    # X labels: at most MAX_X_LABELS, always the last day.
    # A label ("11月23日") is about five characters wide: fewer of them on a narrow chart.
    max_labels = max(2, min(MAX_X_LABELS, int(plot_w // (font_size * 5.5))))
    step = max(1, math.ceil(len(points) / max_labels))
    labelled = set(range(len(points) - 1, -1, -step))
    for index in sorted(labelled):
        x = _fmt(x_of(points[index].day))
        parts.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}" stroke="{AXIS}" stroke-width="1"/>')
        parts.append(f'<text x="{x}" y="{bottom + 17}" text-anchor="middle">{_day_label(points[index].day)}</text>')

    # The target's pace, dashed, under the line.
    pace_points = [f"{_fmt(x_of(day))},{_fmt(y_of(value))}" for day, value in (pace or []) if first <= day <= last]
    if len(pace_points) > 1:
        parts.append(
            f'<polyline class="pace" points="{" ".join(pace_points)}" fill="none" stroke="{PACE}" '
            f'stroke-width="1.5" stroke-dasharray="3 3"/>'
        )

    # The line, broken where a day has no ratio.
    runs, run = [], []
    for point in points:
        if point.ratio is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(f"{_fmt(x_of(point.day))},{_fmt(y_of(point.ratio))}")
    if run:
        runs.append(run)
    for run in runs:
        if len(run) > 1:
            parts.append(
                f'<polyline class="ratio" points="{" ".join(run)}" fill="none" stroke="{LINE}" '
                f'stroke-width="2" stroke-linejoin="round"/>'
            )
    if len(points) <= MAX_MARKERS:
        for point in points:
            if point.ratio is not None:
                parts.append(
                    f'<circle cx="{_fmt(x_of(point.day))}" cy="{_fmt(y_of(point.ratio))}" r="2.5" fill="{LINE}"/>'
                )

    # The latest value, written next to its point.
    latest = next((p for p in reversed(points) if p.ratio is not None), None)
    if latest is not None:
        x, y = x_of(latest.day), y_of(latest.ratio)
        if len(points) > 1 and span > 0:
            parts.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3.5" fill="{LINE}"/>')
        anchor = "end" if x > LEFT + plot_w * 0.8 else "start"
        dx = -6 if anchor == "end" else 6
        parts.append(
            f'<text x="{_fmt(x + dx)}" y="{_fmt(max(y - 8, TOP + 10))}" text-anchor="{anchor}" '
            f'fill="{LINE}" font-weight="bold">{escape(fmt_percent(latest.ratio))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
