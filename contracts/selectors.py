"""Cleanup figures (清合同、化债务、增收入) per village, rolled up by work area, zone and
township. Every rate counts the contracts found in the cleanup, i.e. not the new contracts
created by re-signing (those have ``renewed_from`` set), so nothing is counted twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.exports import Ratio
from core.money import ZERO, ratio, to_money
from recovery.choices import CASH_KINDS, OFFSET_KINDS
from recovery.models import Arrear, Repayment

from .choices import INVESTIGATED_OR_LATER, OUTCOMES, VERIFIED_OR_LATER, ContractCategory, ContractStatus
from .models import Contract, ContractFinding

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from villages.models import Village

MONEY = DecimalField(max_digits=14, decimal_places=2)

DEFINITIONS = [
    ("合同查找率", "状态为“已查找”及以后的合同数 ÷ 登记的合同总数"),
    ("面积核实率", "状态为“面积已核实”及以后的合同的合同面积之和（亩）÷ 全部合同面积之和（亩）"),
    ("调查完成率", "状态为“已调查”及以后的合同数 ÷ 合同总数"),
    ("规范率", "已有处理结果（规范、重签、终止收回）的合同数 ÷ 合同总数"),
    ("清收欠款", "现金、转账清收的金额（冲正的不计）"),
    ("化解金额", "以物抵债、抵顶债务的金额（冲正的不计；核销另计，不在此列）"),
    ("新增承包费", "重签合同的新年承包费 − 原合同年承包费，合计（元/年）"),
    ("收回土地", "终止收回的合同登记的收回面积之和（亩）"),
]
NOTE = "合同总数不含重签产生的新合同；各比例的分母为 0 时显示“—”。"


@dataclass
class CleanupFigures:
    code: str
    name: str
    contracts: int = 0
    found: int = 0
    investigated: int = 0
    settled: int = 0
    area_total: Decimal = ZERO
    area_verified: Decimal = ZERO
    recovered_cash: Decimal = ZERO
    offset: Decimal = ZERO
    new_fees: Decimal = ZERO
    land_recovered: Decimal = ZERO
    by_category: dict[str, list] = field(default_factory=dict)  # label -> [count, area]

    @property
    def found_rate(self) -> Decimal | None:
        return ratio(self.found, self.contracts)

    @property
    def area_verified_rate(self) -> Decimal | None:
        return ratio(self.area_verified, self.area_total)

    @property
    def investigated_rate(self) -> Decimal | None:
        return ratio(self.investigated, self.contracts)

    @property
    def settled_rate(self) -> Decimal | None:
        return ratio(self.settled, self.contracts)

    def add(self, other: CleanupFigures) -> None:
        for name in ("contracts", "found", "investigated", "settled", "area_total", "area_verified",
                     "recovered_cash", "offset", "new_fees", "land_recovered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for label, (count, area) in other.by_category.items():
            mine = self.by_category.setdefault(label, [0, ZERO])
            mine[0] += count
            mine[1] += area


def _empty(code, name):
    return CleanupFigures(code=code, name=name, by_category={c.label: [0, ZERO] for c in ContractCategory})


def cleanup_figures(*, villages: QuerySet[Village]) -> dict[str, Any]:
    """``{"villages": [...], "work_areas": [...], "zones": [...], "total": CleanupFigures}``."""
    villages = list(villages.select_related("work_area__zone").order_by(
        "work_area__zone__order", "work_area__zone__code", "work_area__order", "work_area__code", "order", "code"))
    per_village = {v.pk: _empty(v.code, v.name) for v in villages}
    ids = list(per_village)
    rows = Contract.objects.filter(village_id__in=ids).values_list(
        "village_id", "status", "category", "area_mu", "annual_fee", "recovered_area_mu", "renewed_from_id", "renewed_from__annual_fee",
    )
    labels = dict(ContractCategory.choices)
    for village_id, status, category, area, fee, recovered, renewed_from, old_fee in rows:
        f = per_village[village_id]
        if renewed_from is not None:
            f.new_fees += fee - old_fee
            continue
        f.contracts += 1
        f.area_total += area
        f.by_category[labels[category]][0] += 1
        f.by_category[labels[category]][1] += area
        if status != ContractStatus.TO_FIND:
            f.found += 1
        if status in VERIFIED_OR_LATER:
            f.area_verified += area
        if status in INVESTIGATED_OR_LATER:
            f.investigated += 1
        if status in OUTCOMES:
            f.settled += 1
        if status == ContractStatus.TERMINATED and recovered is not None:
            f.land_recovered += recovered
    sums = (
        Repayment.objects.filter(arrear__village_id__in=ids, reversal__isnull=True)
        .order_by().values_list("arrear__village_id")
        .annotate(cash=Sum("amount", filter=Q(kind__in=CASH_KINDS)), offset=Sum("amount", filter=Q(kind__in=OFFSET_KINDS)))
    )
    for village_id, cash, offset in sums:
        per_village[village_id].recovered_cash = to_money(cash or ZERO)
        per_village[village_id].offset = to_money(offset or ZERO)

    work_areas, zones = {}, {}
    total = _empty("", "全部")
    for village in villages:
        f = per_village[village.pk]
        wa, zone = village.work_area, village.work_area.zone
        work_areas.setdefault(wa.pk, _empty(wa.code, f"{zone.name} · {wa.name}")).add(f)
        zones.setdefault(zone.pk, _empty(zone.code, zone.name)).add(f)
        total.add(f)
    return {
        "villages": [per_village[v.pk] for v in villages],
        "work_areas": list(work_areas.values()),
        "zones": list(zones.values()),
        "total": total,
    }


def contracts_ending_within(contracts: QuerySet[Contract], days: int) -> QuerySet[Contract]:
    today = timezone.localdate()
    return contracts.exclude(status__in=[ContractStatus.RESIGNED, ContractStatus.TERMINATED]).filter(
        end_date__gte=today, end_date__lte=today + timedelta(days=days))


def contracts_with_overdue_fees(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    return contracts.filter(arrears__outstanding__gt=0).distinct()


def contracts_with_open_findings(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    return contracts.filter(findings__is_open=True).distinct()


def contract_alert_counts(contracts: QuerySet[Contract], days: int = 90) -> dict[str, int]:
    return {
        "ending": contracts_ending_within(contracts, days).count(),
        "overdue": contracts_with_overdue_fees(contracts).count(),
        "findings": contracts_with_open_findings(contracts).count(),
        "days": days,
    }


def contracts_for_list(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """Contracts with their village, open findings and unpaid fee arrears, one query."""
    open_findings = (
        ContractFinding.objects.filter(contract=OuterRef("pk"), is_open=True)
        .order_by().values("contract").annotate(n=Count("pk")).values("n")
    )
    fees_outstanding = (
        Arrear.objects.filter(contract=OuterRef("pk"))
        .order_by().values("contract").annotate(total=Sum("outstanding")).values("total")
    )
    return contracts.select_related("village").annotate(
        open_findings=Coalesce(Subquery(open_findings, output_field=IntegerField()), Value(0)),
        fees_outstanding=Coalesce(Subquery(fees_outstanding, output_field=MONEY), Value(ZERO), output_field=MONEY),
    )


def contract_related(*, contract: Contract) -> dict[str, Any]:
    """What a contract's page shows beside the contract: its renewal, history, findings,
    attachments, fee payments, and the fee arrears it turned into (with what is unpaid)."""
    arrears = list(contract.arrears.select_related("debtor").order_by("contract_year", "pk"))
    return {
        "renewal": Contract.objects.filter(renewed_from=contract).first(),
        "history": contract.status_changes.select_related("changed_by"),
        "findings": contract.findings.select_related("recorded_by"),
        "attachments": contract.attachments.select_related("uploaded_by"),
        "fee_payments": contract.fee_payments.select_related("recorded_by"),
        "arrears": arrears,
        "arrears_outstanding": sum((a.outstanding for a in arrears), ZERO),
    }


# ---- the figures as spreadsheet rows -------------------------------------------------

FIGURE_HEADER = [
    "编码", "名称", "合同数", "查找率", "面积核实率", "调查完成率", "规范率",
    "清收欠款（元）", "化解金额（元）", "新增承包费（元/年）", "收回土地（亩）",
]


def cleanup_levels(figures: dict[str, Any]) -> list[tuple[str, list[CleanupFigures]]]:
    """The figures by level, top first: (合计, 片区, 工作区, 村居)."""
    return [
        ("合计", [figures["total"]]),
        ("片区", figures["zones"]),
        ("工作区", figures["work_areas"]),
        ("村居", figures["villages"]),
    ]


def _ratio_cell(value):
    return Ratio(value) if value is not None else ""


def cleanup_figure_rows(figures: list[CleanupFigures]) -> list[list]:
    """A header row, then one row per unit: counts, rates (as ``Ratio``), Decimal amounts."""
    header = FIGURE_HEADER + [f"{c.label}{unit}" for c in ContractCategory for unit in ("（份）", "（亩）")]
    rows = [header]
    for f in figures:
        row = [
            f.code, f.name, f.contracts, _ratio_cell(f.found_rate), _ratio_cell(f.area_verified_rate),
            _ratio_cell(f.investigated_rate), _ratio_cell(f.settled_rate), f.recovered_cash, f.offset, f.new_fees,
            f.land_recovered,
        ]
        for c in ContractCategory:
            count, area = f.by_category.get(c.label, (0, ZERO))
            row += [count, area]
        rows.append(row)
    return rows


def cleanup_figure_sheets(figures: dict[str, Any]) -> list[tuple[str, list[list]]]:
    """One sheet per level, for ``core.exports.sheets_to_workbook``."""
    return [(title, cleanup_figure_rows(rows)) for title, rows in cleanup_levels(figures)]
