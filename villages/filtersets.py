import django_filters
from django.db.models import Q

from core.filtersets import BaseFilterSet, visible
from core.forms import QuickSelect

from .models import Village, WorkArea, Zone


class VillageFilterSet(BaseFilterSet):
    zone = django_filters.ModelChoiceFilter(label="片区", field_name="work_area__zone", queryset=visible(Zone))
    work_area = django_filters.ModelChoiceFilter(label="工作区", queryset=visible(WorkArea), widget=QuickSelect)

    class Meta:
        model = Village
        fields = ["q", "zone", "work_area"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset
