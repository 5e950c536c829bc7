import django_filters
from django import forms

from .forms import NamedModelChoiceField, QuickSelect


def visible(model):
    """A choice filter's ``queryset``: the rows of ``model`` the request's user may see
    (``model.objects.visible_to``), so that a picker never lists another township's
    villages, zones or campaigns; none without a request."""

    def queryset(request):
        if request is None:
            return model.objects.none()
        return model.objects.visible_to(request.user)

    return queryset


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


class PlaceChoiceFilter(django_filters.ModelChoiceFilter):
    """A zone, work-area or village picker: options written by QuickSelect straight from
    ``values_list("pk", "name")`` (a county's 960 villages in a few milliseconds)."""

    field_class = NamedModelChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(*args, **kwargs)
