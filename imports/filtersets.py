import django_filters
from django import forms

from core.filtersets import BaseFilterSet
from core.forms import IdField

from .choices import ImportStatus
from .ledgers import kind_choices
from .models import ImportBatch


class ImportBatchFilter(django_filters.NumberFilter):
    """``?import_batch=12``: only the rows an import created (the receipt links here)."""

    field_class = IdField

    def __init__(self, **kwargs):
        kwargs.setdefault("field_name", "import_batch")
        kwargs.setdefault("label", "导入批次")
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class ImportBatchFilterSet(BaseFilterSet):
    kind = django_filters.ChoiceFilter(label="导入内容", choices=kind_choices)
    status = django_filters.ChoiceFilter(label="状态", choices=ImportStatus.choices)

    class Meta:
        model = ImportBatch
        fields = ["q", "kind", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(original_name__icontains=value.strip())
