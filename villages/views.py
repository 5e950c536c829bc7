from core.money import ZERO
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
    # Summed over the live rows in memory (get_totals), not by a query.
    totals = {"baseline": ("欠款总额", None), "recovered": ("已清收", None), "outstanding": ("尚欠", None)}
    title = "村居"

    def get_queryset(self):
        return Village.objects.ranking_visible_to(self.request.user).select_related("work_area__zone")

    def get_table_data(self):
        if not hasattr(self, "_rows"):
            self.live = live_figures(villages=super().get_table_data())
            self._rows = [figure.village_with_figures() for figure in self.live.listed]
        return self._rows

    def get_totals(self):
        rows = self.get_table_data()
        return {"count": len(rows), **{name: sum((getattr(row, name) for row in rows), ZERO) for name in self.totals}}

    def get_table_kwargs(self):
        return {"full_access_ids": list(Village.objects.visible_to(self.request.user).values_list("pk", flat=True))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.exporting():
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
