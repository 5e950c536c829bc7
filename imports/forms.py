from django import forms

from villages.models import Township

from .ledgers import kind_choices


class ImportUploadForm(forms.Form):
    """Upload a village ledger: what it holds, for which township and campaign, the file."""

    kind = forms.ChoiceField(label="导入内容")
    township = forms.ModelChoiceField(label="乡镇", queryset=None, empty_label=None)
    campaign = forms.ModelChoiceField(label="清收行动", queryset=None, required=False, help_text="导入欠款或清收记录时必选。")
    file = forms.FileField(
        label="Excel 文件", help_text="只接受 .xlsx；可先下载模板填写。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def __init__(self, *args, user, **kwargs):
        from recovery.models import Campaign

        super().__init__(*args, **kwargs)
        townships = Township.objects.visible_to(user)
        self.fields["kind"].choices = kind_choices()
        self.fields["township"].queryset = townships
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).order_by("-is_active", "-start_date")
        if len(townships) == 1:
            self.fields["township"].initial = townships[0]
            self.fields["township"].widget = forms.HiddenInput()
        active = self.fields["campaign"].queryset.filter(is_active=True)
        if len(active) == 1:
            self.fields["campaign"].initial = active[0]
