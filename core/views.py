from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from villages.selectors import ranking_villages_for, villages_visible_to

from .exports import XlsxTableExport
from .roles import Role, can_write, user_role


class ScopedMixin(LoginRequiredMixin):
    """Limits ``queryset`` to the villages the user may see in full; others get 404.

    ``village_lookup`` is the path from the model to its village ("village",
    "arrear__village", or "" for the Village model itself).
    """

    village_lookup = "village"

    def get_queryset(self):
        queryset = super().get_queryset()
        visible = villages_visible_to(self.request.user)
        if self.village_lookup:
            return queryset.filter(**{f"{self.village_lookup}__in": visible})
        return queryset.filter(pk__in=visible)


class WriterRequiredMixin(LoginRequiredMixin):
    """Only township staff and administrators may enter or change ledger data (403)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_write(request.user):
            raise PermissionDenied("只有经管中心录入员和管理员可以录入或修改。")
        return super().dispatch(request, *args, **kwargs)


class ObjectListView(ScopedMixin, ExportMixin, SingleTableMixin, FilterView):
    """A list page: filters, a paginated table, and an .xlsx export of the filtered rows."""

    template_name = "core/object_list.html"
    export_class = XlsxTableExport
    export_formats = (XlsxTableExport.XLSX,)
    paginate_by = 50
    title = ""
    add_url_name = None

    def get(self, request, *args, **kwargs):
        # Asking for a village one may not see (a cadre of another village, say) is a 404,
        # for the page and its export alike, not a silently empty list.
        village = request.GET.get("village")
        if village and not villages_visible_to(request.user).filter(pk=village if village.isdigit() else 0).exists():
            raise Http404("没有找到该村居。")
        return super().get(request, *args, **kwargs)

    def get_export_filename(self, export_format):
        return f"{self.title}.{export_format}"

    def get_dataset_kwargs(self):
        return {"title": self.title}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["add_url_name"] = self.add_url_name if can_write(self.request.user) else None
        query = self.request.GET.copy()
        query.pop("page", None)
        query["_export"] = "xlsx"
        context["export_query"] = query.urlencode()
        return context


class ScopedDetailView(ScopedMixin, DetailView):
    pass


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        from recovery.selectors import township_totals, village_figures

        context = super().get_context_data(**kwargs)
        user = self.request.user
        role = user_role(user)
        context["role_value"] = role.value
        if role == Role.CADRE:
            figures = village_figures(villages=ranking_villages_for(user))
            ranked = [f for f in figures if f.baseline > 0]
            context["village"] = user.village
            context["my"] = next((f for f in figures if f.village.pk == user.village_id), None)
            context["ranked_count"] = len(ranked)
        else:
            context["totals"] = township_totals(villages=villages_visible_to(user))
        if role != Role.NONE:
            from contracts.models import Contract
            from contracts.selectors import contract_alert_counts

            context["contract_alerts"] = contract_alert_counts(Contract.objects.filter(village__in=villages_visible_to(user)))
        return context
