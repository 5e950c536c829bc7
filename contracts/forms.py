from decimal import Decimal

from django import forms
from django.utils import timezone

from core.forms import AreaFormField, DateInput, MoneyFormField
from recovery.models import Debtor

from .choices import NEXT_STATUSES, AttachmentKind, ContractStatus, FindingKind
from .choices import ContractForm as ContractFormChoice
from .models import Contract


def _fee_field(label, **kwargs):
    field = MoneyFormField(label=label, min_value=Decimal("0"), **kwargs)
    field.error_messages["min_value"] = "承包费不能为负数。"
    return field


class DebtorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.village.name}"


def _check_dates(form, start="start_date", end="end_date"):
    data = form.cleaned_data
    if data.get(start) and data.get(end) and data[end] < data[start]:
        form.add_error(end, "终止日期不能早于起始日期。")


class ContractForm(forms.ModelForm):
    debtor = DebtorChoiceField(
        label="承包方（欠款人台账）", queryset=Debtor.objects.none(), required=False,
        help_text="已在欠款人台账中的，从这里选择；不在台账的，只填下面的承包方名称。",
    )
    area_mu = AreaFormField(label="面积（亩）", initial=Decimal("0"))
    annual_fee = _fee_field("年承包费（元）")
    fee_due_month = forms.IntegerField(label="每年缴费月", min_value=1, max_value=12, initial=12)
    fee_due_day = forms.IntegerField(
        label="每年缴费日", min_value=1, max_value=31, initial=31,
        help_text="过了当年缴费日仍未缴清的承包费，会自动转为该承包方的欠款。",
    )

    class Meta:
        model = Contract
        fields = [
            "village", "number", "debtor", "counterparty_name", "counterparty_kind", "category", "subject",
            "area_mu", "annual_fee", "start_date", "end_date", "fee_due_month", "fee_due_day", "form",
            "democratic_procedure",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["counterparty_name"].required = False
        if self.instance.pk:
            self.fields["village"].disabled = True
            villages = villages.filter(pk=self.instance.village_id)
        self.fields["debtor"].queryset = Debtor.objects.filter(village__in=villages).select_related("village")

    def clean(self):
        cleaned = super().clean()
        _check_dates(self)
        return cleaned

    def _post_clean(self):
        # Model validation happens in the service, which reports per field.
        pass


class ContractAdvanceForm(forms.Form):
    """The next step of the review. The select offers the allowed next statuses only; any
    status parses, so a stale page's step is refused by the service with its own message."""

    RENEWAL_FIELDS = ("number", "annual_fee", "start_date", "end_date", "area_mu", "form", "democratic_procedure")

    to_status = forms.ChoiceField(label="下一步", choices=ContractStatus.choices)
    note = forms.CharField(
        label="说明", max_length=300, required=False,
        help_text="规范、重签、终止收回须写明处理结果。",
    )
    verified_area_mu = AreaFormField(label="核实面积（亩）", required=False, help_text="选择“面积已核实”时填写。")
    recovered_area_mu = AreaFormField(label="收回面积（亩）", required=False, help_text="选择“终止收回”时填写；收回资产的填 0。")
    number = forms.CharField(label="新合同编号", max_length=50, required=False, help_text="选择“重签”时填写新合同的以下信息。")
    annual_fee = _fee_field("新合同年承包费（元）", required=False)
    start_date = forms.DateField(label="新合同起始日期", required=False, widget=DateInput())
    end_date = forms.DateField(label="新合同终止日期", required=False, widget=DateInput())
    area_mu = AreaFormField(label="新合同面积（亩）", required=False)
    form = forms.ChoiceField(label="新合同形式", choices=ContractFormChoice.choices, required=False, initial=ContractFormChoice.WRITTEN)
    democratic_procedure = forms.BooleanField(label="新合同履行四议两公开", required=False)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = NEXT_STATUSES[ContractStatus(contract.status)]
        choices = [(s.value, s.label) for s in allowed]
        self.fields["to_status"].widget.choices = choices if len(choices) == 1 else [("", "请选择"), *choices]
        if ContractStatus.AREA_VERIFIED not in allowed:
            del self.fields["verified_area_mu"]
        if ContractStatus.TERMINATED not in allowed:
            del self.fields["recovered_area_mu"]
        if ContractStatus.RESIGNED not in allowed:
            for name in self.RENEWAL_FIELDS:
                del self.fields[name]
        else:
            self.fields["area_mu"].initial = contract.verified_area_mu if contract.verified_area_mu is not None else contract.area_mu
            self.fields["annual_fee"].help_text = f"原合同年承包费 {contract.annual_fee:,.2f} 元。"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to_status") == ContractStatus.RESIGNED:
            for name, label in (("number", "新合同编号"), ("annual_fee", "新合同年承包费"), ("start_date", "新合同起始日期"), ("end_date", "新合同终止日期")):
                if name in self.fields and cleaned.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, f"重签须填写{label}。")
            _check_dates(self)
        return cleaned

    def renewal(self):
        """The new contract's fields for 重签 (those left empty keep the service's defaults)."""
        if self.cleaned_data.get("to_status") != ContractStatus.RESIGNED:
            return None
        return {
            name: self.cleaned_data[name] for name in self.RENEWAL_FIELDS
            if name in self.cleaned_data and self.cleaned_data[name] not in (None, "")
        }


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label="问题", choices=FindingKind.choices)
    text = forms.CharField(label="说明", max_length=300, required=False, help_text="选择“其他”时必须填写。")


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=AttachmentKind.choices)
    file = forms.FileField(
        label="文件", help_text="PDF、JPG 或 PNG。",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )


class FeePaymentForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=1950, max_value=2100)
    amount = MoneyFormField(label="金额（元）")
    received_on = forms.DateField(label="收款日期", widget=DateInput())
    receipt_number = forms.CharField(label="收据号", max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        today = timezone.localdate()
        kwargs["initial"].setdefault("year", today.year)
        kwargs["initial"].setdefault("received_on", today)
        super().__init__(*args, **kwargs)
