import django_filters
from django.db.models import F, Q

from core.filtersets import BaseFilterSet, PlaceChoiceFilter, YesNoAllWidget, visible
from core.forms import DateInput
from core.roles import can_write
from imports.filtersets import ImportBatchFilter
from villages.models import Village

from .choices import ArrearCategory, ArrearStatus, DebtorKind, LitigationStatus, RepaymentKind
from .models import Arrear, Campaign, Debtor, Repayment
from .selectors import debtors_matching

STATUS_CHOICES = ArrearStatus.choices


def _status_q(prefix, value, principal="principal", outstanding="outstanding"):
    p, o = f"{prefix}{principal}", f"{prefix}{outstanding}"
    if value == ArrearStatus.CLEARED:
        return Q(**{f"{o}__lte": 0})
    if value == ArrearStatus.PARTLY_REPAID:
        return Q(**{f"{o}__gt": 0, f"{o}__lt": F(p)})
    if value == ArrearStatus.OUTSTANDING:
        return Q(**{f"{o}__gt": 0, o: F(p)})
    return Q()


class DebtorFilterSet(BaseFilterSet):
    import_batch = ImportBatchFilter()
    village = PlaceChoiceFilter(label="村居", queryset=visible(Village))
    kind = django_filters.ChoiceFilter(label="类型", choices=DebtorKind.choices)
    status = django_filters.ChoiceFilter(label="清收状态", choices=STATUS_CHOICES, method="filter_status")
    is_blacklisted = django_filters.BooleanFilter(label="失信名单", widget=YesNoAllWidget)
    litigation_status = django_filters.ChoiceFilter(label="诉讼状态", choices=LitigationStatus.choices)

    class Meta:
        model = Debtor
        fields = ["q", "village", "kind", "status", "is_blacklisted", "litigation_status"]

    def search(self, queryset, name, value):
        identity = self.request is not None and can_write(self.request.user)
        return debtors_matching(queryset, text=value, identity=identity)

    def filter_status(self, queryset, name, value):
        return queryset.filter(_status_q("", value, "principal_total", "outstanding_total"))


class ArrearFilterSet(BaseFilterSet):
    import_batch = ImportBatchFilter()
    village = PlaceChoiceFilter(label="村居", queryset=visible(Village))
    category = django_filters.ChoiceFilter(label="类别", choices=ArrearCategory.choices)
    status = django_filters.ChoiceFilter(label="清收状态", choices=STATUS_CHOICES, method="filter_status")
    campaign = django_filters.ModelChoiceFilter(label="清收行动", queryset=visible(Campaign))

    class Meta:
        model = Arrear
        fields = ["q", "village", "category", "status", "campaign"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(debtor__name__icontains=value) | Q(debtor__name_initials__startswith=value.lower())
            | Q(description__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        return queryset.filter(_status_q("", value))


class RepaymentFilterSet(BaseFilterSet):
    import_batch = ImportBatchFilter()
    village = PlaceChoiceFilter(label="村居", field_name="arrear__village", queryset=visible(Village))
    kind = django_filters.ChoiceFilter(label="方式", choices=RepaymentKind.choices)
    received_after = django_filters.DateFilter(label="收款日期从", field_name="received_on", lookup_expr="gte", widget=DateInput())
    received_before = django_filters.DateFilter(label="至", field_name="received_on", lookup_expr="lte", widget=DateInput())
    reversed = django_filters.BooleanFilter(label="已冲正", field_name="reversal", lookup_expr="isnull", exclude=True, widget=YesNoAllWidget)

    class Meta:
        model = Repayment
        fields = ["q", "village", "kind", "received_after", "received_before", "reversed"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(arrear__debtor__name__icontains=value) | Q(arrear__debtor__name_initials__startswith=value.lower())
            | Q(receipt_number__icontains=value)
        )
