"""Helpers of the home page's dashboard: ``{% load dashboard %}``.

- ``{{ ratio|bar_width }}``: a ratio (0.4271) as a CSS width in percent, held to 0–100 ("42.71");
- ``{{ moment|cutoff_label }}``: an aware cut-off as 截至11月30日16:00.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def bar_width(value):
    if value is None:
        return "0"
    clamped = min(max(Decimal(value), Decimal(0)), Decimal(1))
    return str((clamped * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@register.filter
def cutoff_label(value):
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"截至{local.month}月{local.day}日{local:%H:%M}"
