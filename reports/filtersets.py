import django_filters
from django.db.models import Q

from core.filtersets import BaseFilterSet
from core.forms import DateInput

from .models import Report


class ReportFilterSet(BaseFilterSet):
    day_from = django_filters.DateFilter(label="日期从", field_name="day", lookup_expr="gte", widget=DateInput())
    day_to = django_filters.DateFilter(label="至", field_name="day", lookup_expr="lte", widget=DateInput())

    class Meta:
        model = Report
        fields = ["q", "day_from", "day_to"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(campaign__name__icontains=value) | Q(rebuild_reason__icontains=value)) if value else queryset
