import django_filters
from django import forms

from .models import ImportBatch, ImportKind, ImportStatus


class BaseFilterSet(django_filters.FilterSet):
    """Every list's filters start with a free-text ``q``; subclasses say what it searches."""

    q = django_filters.CharFilter(
        label="搜索", method="search",
        widget=forms.TextInput(attrs={"placeholder": "搜索", "autocomplete": "off"}),
    )

    def search(self, queryset, name, value):
        raise NotImplementedError


class YesNoAllWidget(django_filters.widgets.BooleanWidget):
    """全部 / 是 / 否 instead of django-filter's 未知 / 是 / 否."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "全部"), ("true", "是"), ("false", "否")]


class ImportBatchFilter(django_filters.NumberFilter):
    """``?import_batch=12``: only the rows an import created (the receipt links here)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        kwargs.setdefault("field_name", "import_batch")
        kwargs.setdefault("label", "导入批次")
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class ImportBatchFilterSet(BaseFilterSet):
    kind = django_filters.ChoiceFilter(label="导入内容", choices=ImportKind.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=ImportStatus.choices)

    class Meta:
        model = ImportBatch
        fields = ["q", "kind", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(original_name__icontains=value.strip())
