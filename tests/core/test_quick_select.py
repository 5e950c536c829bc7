"""QuickSelect writes the same <select> as Django's Select, without a template per option."""

import re

from django import forms

from core.forms import QuickSelect


def _html(widget, name, value, attrs=None):
    return re.sub(r">\s+<", "><", str(widget.render(name, value, attrs)).strip())


CHOICES = [("", "---------"), (1, "东岭村"), (2, "西河村 <b>&</b> \"引号\""), ("片区", [(3, "南山1村"), (4, "南山2村")])]


def test_it_writes_the_same_html_as_djangos_select():
    for value in (None, "", 2, "3", 4):
        ours = _html(QuickSelect(choices=CHOICES, attrs={"class": "pick", "required": True, "disabled": False}), "village", value, {"id": "id_village"})
        django = _html(forms.Select(choices=CHOICES, attrs={"class": "pick", "required": True, "disabled": False}), "village", value, {"id": "id_village"})
        assert ours == django


def test_it_escapes_labels_and_marks_the_chosen_option():
    html = _html(QuickSelect(choices=CHOICES), "village", 2)
    assert '<option value="2" selected>西河村 &lt;b&gt;&amp;&lt;/b&gt; &quot;引号&quot;</option>' in html
    assert html.count("selected") == 1


def test_the_village_filters_use_it():
    from contracts.filtersets import ContractFilterSet
    from recovery.filtersets import ArrearFilterSet, DebtorFilterSet, RepaymentFilterSet

    for filterset in (DebtorFilterSet, ArrearFilterSet, RepaymentFilterSet, ContractFilterSet):
        assert isinstance(filterset.base_filters["village"].field.widget, QuickSelect), filterset


def test_a_place_picker_lists_the_same_options_as_djangos_model_choice_field(db, village_a, village_b):
    """NamedModelChoiceField reads (pk, name) pairs, not model instances; a filter bound to a
    value marks it chosen, as Django's ModelChoiceField with a Select does."""
    from core.forms import NamedModelChoiceField
    from villages.models import Village

    villages = Village.objects.order_by("code")
    for value in (None, village_b.pk, str(village_a.pk)):
        ours = _html(NamedModelChoiceField(queryset=villages, widget=QuickSelect).widget, "village", value)
        field = forms.ModelChoiceField(queryset=villages)
        django = _html(field.widget, "village", value)
        assert ours == django and "---------" in ours and village_b.name in ours
