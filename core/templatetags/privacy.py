from django import template

from core.validators import mask_national_id, mask_phone

register = template.Library()


@register.filter
def masked_id(value):
    return mask_national_id(value) or "—"


@register.filter
def masked_phone(value):
    return mask_phone(value) or "—"
