from django import template

from core.money import fmt_percent, fmt_wan, fmt_yuan

register = template.Library()


@register.filter
def yuan(value):
    return fmt_yuan(value)


@register.filter
def wan(value):
    return fmt_wan(value)


@register.filter
def percent(value):
    return fmt_percent(value)
