import django_filters
from django.db.models import Q

from core.filtersets import BaseFilterSet
from core.forms import DateInput
from core.models import User

from .models import DownloadKind
from .selectors import AUDITED, HISTORY_TYPES, audited_choices


def _users(request):
    return User.objects.order_by("username")


class AuditFilterSet(BaseFilterSet):
    """The audit lists' own filters: a period (``date_field``'s day, Asia/Shanghai) and a search."""

    date_field = ""
    search_fields = ()
    since = django_filters.DateFilter(label="起始日期", method="filter_since", widget=DateInput())
    until = django_filters.DateFilter(label="截止日期", method="filter_until", widget=DateInput())

    def filter_since(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__date__gte": value})

    def filter_until(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__date__lte": value})

    def search(self, queryset, name, value):
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)


class ChangeFilterSet(AuditFilterSet):
    """``model`` chooses which history is listed (the view reads it); the search looks in
    that model's own text fields."""

    date_field = "history_date"
    model = django_filters.ChoiceFilter(label="对象类型", choices=audited_choices, method="filter_model", empty_label=None)
    history_user = django_filters.ModelChoiceFilter(label="操作人", queryset=_users, empty_label="全部")
    history_type = django_filters.ChoiceFilter(label="操作", choices=list(HISTORY_TYPES.items()), empty_label="全部")

    def __init__(self, *args, audited_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_fields = AUDITED[audited_key].search

    def filter_model(self, queryset, name, value):
        return queryset  # the view has chosen the model's history already


class LoginFilterSet(AuditFilterSet):
    date_field = "attempt_time"
    search_fields = ("username", "ip_address", "user_agent")


class DownloadFilterSet(AuditFilterSet):
    date_field = "at"
    search_fields = ("username", "filename", "path", "ip_address")
    kind = django_filters.ChoiceFilter(label="文件类型", choices=DownloadKind.choices, empty_label="全部")
    user = django_filters.ModelChoiceFilter(label="用户", queryset=_users, empty_label="全部")
