from django import forms


class RebuildForm(forms.Form):
    reason = forms.CharField(label="重新生成原因", max_length=200, widget=forms.TextInput(attrs={"placeholder": "例如：补录了当日漏录的清收记录"}))
