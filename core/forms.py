import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError


def normalise_amount_text(text):
    """'１，２３４.５０元' -> '1234.50': full-width to half-width, no separators or 元."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    text = re.sub(r"[,\s]", "", text)
    return text.removesuffix("元")


class MoneyFormField(forms.DecimalField):
    """Yuan with at most 2 decimals, accepting 1,234.50, full-width digits and a trailing 元."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)
        self.error_messages.update({
            "invalid": "请输入有效金额，例如 1234.50。",
            "min_value": "金额必须大于 0。",
            "max_decimal_places": "金额最多保留两位小数（分）。",
            "max_digits": "金额过大。",
            "max_whole_digits": "金额过大。",
        })

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return Decimal(normalise_amount_text(value))
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


def apply_service_errors(form, error):
    """Puts a service's ValidationError on the form's fields (or the form if no field)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
