import django_filters
from django import forms
from django.db.models import Q

from core.filtersets import BaseFilterSet, PlaceChoiceFilter, YesNoAllWidget, visible
from imports.filtersets import ImportBatchFilter
from villages.models import Village

from . import selectors
from .choices import ContractCategory, ContractForm, ContractStatus
from .models import Contract


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ContractFilterSet(BaseFilterSet):
    import_batch = ImportBatchFilter()
    village = PlaceChoiceFilter(label="村居", queryset=visible(Village))
    category = django_filters.ChoiceFilter(label="类别", choices=ContractCategory.choices)
    status = django_filters.ChoiceFilter(label="清理状态", choices=ContractStatus.choices)
    form = django_filters.ChoiceFilter(label="合同形式", choices=ContractForm.choices)
    democratic_procedure = django_filters.BooleanFilter(label="履行四议两公开", widget=YesNoAllWidget)
    findings = django_filters.BooleanFilter(label="有未整改问题", method="filter_findings", widget=YesNoAllWidget)
    ending_within = IntegerFilter(
        label="几天内到期", method="filter_ending_within", min_value=0, max_value=36500,
        widget=forms.NumberInput(attrs={"placeholder": "例如 90", "inputmode": "numeric", "min": 0}),
    )
    overdue = django_filters.BooleanFilter(label="欠缴承包费", method="filter_overdue", widget=YesNoAllWidget)

    class Meta:
        model = Contract
        fields = ["q", "village", "category", "status", "form", "democratic_procedure", "findings", "ending_within", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(subject__icontains=value) | Q(counterparty_name__icontains=value)
        )

    def filter_findings(self, queryset, name, value):
        flagged = selectors.contracts_with_open_findings(Contract.objects.all()).values("pk")
        return queryset.filter(pk__in=flagged) if value else queryset.exclude(pk__in=flagged)

    def filter_ending_within(self, queryset, name, value):
        return selectors.contracts_ending_within(queryset, value)

    def filter_overdue(self, queryset, name, value):
        overdue = selectors.contracts_with_overdue_fees(Contract.objects.all()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)
