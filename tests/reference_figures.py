"""The whole ledger read the plain way, village by village (correlated subqueries): the
reference that the pages' live figures (``reports.selectors.live_figures``: the latest
published report plus what was recorded since its cut-off) are tested equal to. Too slow
for pages at county scale (seconds for 960 villages), so it lives here, not in the product."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from core.money import ZERO, ratio
from recovery.choices import CASH_KINDS, OFFSET_KINDS
from recovery.models import Arrear, Repayment, WriteOff
from recovery.selectors import MONEY, ranking_key
from villages.models import Village

RATIO = DecimalField(max_digits=20, decimal_places=6)


def _sum_by_village(queryset, village_path, amount_field):
    return Coalesce(
        Subquery(
            queryset.filter(**{village_path: OuterRef("pk")})
            .order_by()
            .values(village_path)
            .annotate(total=Sum(amount_field))
            .values("total"),
            output_field=MONEY,
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def _active_repayments(kinds):
    return Repayment.objects.filter(reversal__isnull=True, kind__in=kinds)


def villages_with_figures(villages):
    """Villages annotated with baseline, recovered (cash / offset), written off,
    outstanding, and ``ratio_sort`` (for ordering; display uses ``core.money.ratio``)."""
    queryset = villages.select_related("work_area__zone").annotate(
        baseline=_sum_by_village(Arrear.objects.all(), "village", "principal"),
        outstanding=_sum_by_village(Arrear.objects.all(), "village", "outstanding"),
        recovered_cash=_sum_by_village(_active_repayments(CASH_KINDS), "arrear__village", "amount"),
        recovered_offset=_sum_by_village(_active_repayments(OFFSET_KINDS), "arrear__village", "amount"),
        written_off=_sum_by_village(WriteOff.objects.all(), "arrear__village", "amount"),
    )
    return queryset.annotate(
        recovered=ExpressionWrapper(F("recovered_cash") + F("recovered_offset"), output_field=MONEY),
        ratio_sort=Case(
            When(baseline__gt=0, then=ExpressionWrapper(
                (F("recovered_cash") + F("recovered_offset")) * Value(Decimal("1.000000")) / F("baseline"),
                output_field=RATIO,
            )),
            default=Value(None),
            output_field=RATIO,
        ),
    )


@dataclass(frozen=True)
class VillageFigure:
    village: Village
    baseline: Decimal
    recovered: Decimal
    outstanding: Decimal
    rank: int | None

    @property
    def ratio(self):
        return ratio(self.recovered, self.baseline)


def village_figures(*, villages) -> list[VillageFigure]:
    """Every village with its figures and rank: ratio descending, then amount recovered,
    then village code. Villages owed nothing get no rank."""
    rows = list(villages_with_figures(villages))
    ranked = sorted(
        (v for v in rows if v.baseline > 0),
        key=lambda v: ranking_key(ratio=ratio(v.recovered, v.baseline), recovered=v.recovered, code=v.code),
    )
    ranks = {v.pk: index for index, v in enumerate(ranked, start=1)}
    return [
        VillageFigure(village=v, baseline=v.baseline, recovered=v.recovered, outstanding=v.outstanding, rank=ranks.get(v.pk))
        for v in sorted(rows, key=lambda v: (ranks.get(v.pk, 10**9), v.code))
    ]


def township_totals(*, villages) -> dict[str, Any]:
    arrears = Arrear.objects.filter(village__in=villages)
    totals = arrears.aggregate(
        baseline=Coalesce(Sum("principal"), Value(ZERO), output_field=MONEY),
        outstanding=Coalesce(Sum("outstanding"), Value(ZERO), output_field=MONEY),
    )
    entries = Repayment.objects.filter(arrear__village__in=villages, reversal__isnull=True).aggregate(
        cash=Coalesce(Sum("amount", filter=Q(kind__in=CASH_KINDS)), Value(ZERO), output_field=MONEY),
        offset=Coalesce(Sum("amount", filter=Q(kind__in=OFFSET_KINDS)), Value(ZERO), output_field=MONEY),
    )
    written_off = WriteOff.objects.filter(arrear__village__in=villages).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY)
    )["total"]
    recovered = entries["cash"] + entries["offset"]
    per_village = arrears.order_by().values("village").annotate(b=Sum("principal"), o=Sum("outstanding"))
    return {
        "baseline": totals["baseline"],
        "outstanding": totals["outstanding"],
        "recovered_cash": entries["cash"],
        "recovered_offset": entries["offset"],
        "recovered": recovered,
        "written_off": written_off,
        "ratio": ratio(recovered, totals["baseline"]),
        "villages": villages.count(),
        "villages_cleared": sum(1 for row in per_village if row["b"] > 0 and row["o"] == 0),
    }
