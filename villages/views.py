from core.views import ObjectListView, ScopedDetailView
from reports.selectors import LIVE_REASON, live_figures

from .filtersets import VillageFilterSet
from .models import Village
from .selectors import village_assignments
from .tables import VillageTable


class VillageListView(ObjectListView):
    """Every village of the user's township with its figures (a cadre sees the figures of
    all villages, and the debtors of their own only): the live figures (the latest
    published report + what was recorded since, a fixed number of grouped queries) beside
    the report's own ratio; the table sorts them in memory."""

    queryset = Village.objects.all()
    filterset_class = VillageFilterSet
    table_class = VillageTable
    template_name = "villages/village_list.html"
    title = "村居"

    def get_queryset(self):
        return Village.objects.ranking_visible_to(self.request.user).select_related("work_area__zone")

    def get_table_data(self):
        self.live = live_figures(villages=super().get_table_data())
        return [figure.village_with_figures() for figure in self.live.listed]

    def get_table_kwargs(self):
        return {"full_access_ids": list(Village.objects.visible_to(self.request.user).values_list("pk", flat=True))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["live"], context["live_reason"] = self.live, LIVE_REASON
        return context


class VillageView(ScopedDetailView):
    model = Village
    template_name = "villages/village_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("work_area__zone__township")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        village = self.object
        live = live_figures(villages=Village.objects.filter(pk=village.pk))
        context["totals"], context["figure"] = live.totals(), live.figures[0]
        context["report"], context["live_reason"] = live.report, LIVE_REASON
        context["assignments"] = village_assignments(village=village)
        return context
