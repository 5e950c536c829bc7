from django.db.models import Sum

from core.views import ObjectListView, ScopedDetailView
from recovery.selectors import township_totals, villages_with_figures

from .filtersets import VillageFilterSet
from .models import Village
from .selectors import village_assignments
from .tables import VillageTable


class VillageListView(ObjectListView):
    """Every village of the user's township with its figures (a cadre sees the figures of
    all villages, and the debtors of their own only)."""

    queryset = Village.objects.all()
    filterset_class = VillageFilterSet
    table_class = VillageTable
    totals = {
        "baseline": ("欠款总额", Sum("baseline")), "recovered": ("已清收", Sum("recovered")),
        "outstanding": ("尚欠", Sum("outstanding")),
    }
    title = "村居"

    def get_queryset(self):
        return villages_with_figures(Village.objects.ranking_visible_to(self.request.user))

    def get_table_kwargs(self):
        return {"full_access_ids": list(Village.objects.visible_to(self.request.user).values_list("pk", flat=True))}


class VillageView(ScopedDetailView):
    model = Village
    template_name = "villages/village_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("work_area__zone__township")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        village = self.object
        context["totals"] = township_totals(villages=Village.objects.filter(pk=village.pk))
        context["assignments"] = village_assignments(village=village)
        return context
