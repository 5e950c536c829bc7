from django.db.models import Q

from core.filtersets import BaseFilterSet, PlaceChoiceFilter, visible

from .models import Village, WorkArea, Zone


class VillageFilterSet(BaseFilterSet):
    zone = PlaceChoiceFilter(label="片区", field_name="work_area__zone", queryset=visible(Zone))
    work_area = PlaceChoiceFilter(label="工作区", queryset=visible(WorkArea))

    class Meta:
        model = Village
        fields = ["q", "zone", "work_area"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset
