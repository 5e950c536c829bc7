"""Template helpers of the battle report: ``{% load report_tags %}``.

- ``{% ratio_chart snapshot %}``: the inline SVG chart of the completion ratio by day;
- ``{{ value|points_below:target }}``: how many percentage points a ratio is short of a target;
- ``{{ ratio|bar_width }}``: a ratio as the width of a bar in percent (0 to 100);
- ``{{ when|cn_datetime }}`` / ``{{ day|cn_date }}``: 2026年11月23日 16:00 / 2026年11月23日.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from reports.chart import ratio_chart_svg

register = template.Library()


@register.simple_tag
def ratio_chart(snapshot, width=720, height=260):
    return mark_safe(  # noqa: S308 - built from numbers and fixed Chinese labels, escaped
        ratio_chart_svg(snapshot.series, snapshot.totals.target_ratio, width=width, height=height)
    )


@register.filter
def points_below(value, target):
    """0.5832 against 0.80 -> '21.68'; '' when the target is reached or there is no ratio."""
    if value is None or target is None or Decimal(value) >= Decimal(target):
        return ""
    gap = (Decimal(target) - Decimal(value)) * 100
    return str(gap.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@register.filter
def bar_width(value):
    """0.4523 -> '45.2'; capped at 0 and 100; '0' without a ratio."""
    if value is None:
        return "0"
    width = min(max(Decimal(value) * 100, Decimal(0)), Decimal(100))
    return str(width.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@register.filter
def cn_date(value):
    if not value:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def cn_datetime(value):
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
