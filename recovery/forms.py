import uuid

from django import forms
from django.utils import timezone

from core.forms import DateInput, IdField, MoneyFormField

from .choices import ArrearCategory, RepaymentKind
from .models import EARLIEST_DEBT_DATE, Campaign, Debtor
from .services import validate_debt_date


def _debt_date_field():
    """发生日期: 1949-10-01 … today (the picker offers no other day; the service checks too)."""
    return forms.DateField(
        label="发生日期", widget=DateInput(attrs={"min": EARLIEST_DEBT_DATE.isoformat()}), validators=[validate_debt_date],
    )


class DebtDateMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incurred_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class DebtorForm(forms.ModelForm):
    class Meta:
        model = Debtor
        fields = [
            "village", "kind", "name", "national_id", "credit_code", "phone", "address",
            "is_blacklisted", "blacklist_reason", "blacklisted_on", "litigation_status", "case_number",
        ]
        widgets = {"blacklisted_on": DateInput()}
        help_texts = {
            "national_id": "个人填写，18位，校验位会自动核对。",
            "credit_code": "单位填写，18位统一社会信用代码。",
        }

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        if self.instance.pk:
            self.fields["village"].disabled = True

    def _post_clean(self):
        # Model validation happens in the service, which reports per field.
        pass


class ArrearForm(DebtDateMixin, forms.Form):
    campaign = forms.ModelChoiceField(label="清收行动", queryset=Campaign.objects.none())
    category = forms.ChoiceField(label="类别", choices=ArrearCategory.choices)
    description = forms.CharField(label="说明", max_length=200, required=False)
    incurred_on = _debt_date_field()
    principal = MoneyFormField(label="欠款金额（元）")

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        only = list(campaigns[:2])
        if len(only) == 1:
            self.fields["campaign"].initial = only[0]


class ArrearEditForm(DebtDateMixin, forms.Form):
    category = forms.ChoiceField(label="类别", choices=ArrearCategory.choices)
    description = forms.CharField(label="说明", max_length=200, required=False)
    incurred_on = _debt_date_field()


class RepaymentForm(forms.Form):
    arrear = IdField(widget=forms.HiddenInput)
    amount = MoneyFormField(label="金额（元）")
    kind = forms.ChoiceField(label="方式", choices=RepaymentKind.choices, initial=RepaymentKind.CASH)
    received_on = forms.DateField(label="收款日期", widget=DateInput())
    receipt_number = forms.CharField(label="收据号", max_length=50, required=False)
    note = forms.CharField(
        label="备注/凭据", max_length=200, required=False,
        help_text="以物抵债、抵顶债务必填：抵债资产或抵顶的债务、估价依据、凭据编号。",
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("received_on", timezone.localdate())
        kwargs["initial"].setdefault("submission_token", uuid.uuid4())
        super().__init__(*args, **kwargs)


class ReversalForm(forms.Form):
    reason = forms.CharField(label="冲正原因", max_length=200, widget=forms.TextInput(attrs={"placeholder": "例如：金额录错，应为 1,000.00 元"}))


class WriteOffForm(forms.Form):
    amount = MoneyFormField(label="核销金额（元）")
    approval_reference = forms.CharField(label="批准文号", max_length=100)
    reason = forms.CharField(label="核销原因", max_length=200)
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("submission_token", uuid.uuid4())
        super().__init__(*args, **kwargs)
