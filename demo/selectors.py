"""What the demo made, counted and summed for ``seed_demo``'s report."""

from datetime import date, timedelta

from django.db.models import Count, Q, Sum

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractFeePayment, ContractFinding
from core.money import ZERO
from recovery.choices import DebtorKind, LitigationStatus, RepaymentKind
from recovery.models import Arrear, Campaign, Debtor, Repayment, Reversal, WriteOff
from villages.models import Assignment, Township, WorkArea, Zone

from .contracts import STAGES


def demo_summary(*, township: Township, campaign: Campaign, villages: int, users: int, today: date) -> tuple[dict, dict]:
    """The counts (places, people, entries, contracts by stage) and the totals (yuan, 亩)
    of the demo township and its campaign."""
    arrears = Arrear.objects.filter(campaign=campaign)
    live = Repayment.objects.filter(arrear__campaign=campaign, reversal__isnull=True)

    def money(queryset, name="amount"):
        return queryset.aggregate(total=Sum(name))["total"] or ZERO

    by_village = arrears.values("village").annotate(left=Sum("outstanding"))
    debtors = Debtor.objects.filter(village__work_area__zone__township=township).aggregate(
        total=Count("pk"),
        organisations=Count("pk", filter=Q(kind=DebtorKind.ORGANISATION)),
        blacklisted=Count("pk", filter=Q(is_blacklisted=True)),
        litigating=Count("pk", filter=~Q(litigation_status=LitigationStatus.NONE)),
    )
    counts = {
        "zones": Zone.objects.filter(township=township).count(),
        "work_areas": WorkArea.objects.filter(zone__township=township).count(),
        "villages": villages,
        "villages_owed_nothing": villages - by_village.count(),
        "villages_cleared": sum(1 for row in by_village if row["left"] == 0),
        "assignments": Assignment.objects.count(),
        "debtors": debtors["total"],
        "organisations": debtors["organisations"],
        "blacklisted": debtors["blacklisted"],
        "litigating": debtors["litigating"],
        "arrears": arrears.count(),
        "repayments": Repayment.objects.filter(arrear__campaign=campaign).count(),
        "reversals": Reversal.objects.filter(repayment__arrear__campaign=campaign).count(),
        "write_offs": WriteOff.objects.filter(arrear__campaign=campaign).count(),
        "users": users,
    }
    contracts = Contract.objects.filter(village__work_area__zone__township=township)
    registered = contracts.filter(renewed_from__isnull=True)
    stages = dict(registered.order_by().values_list("status").annotate(n=Count("pk")))
    renewals = list(contracts.filter(renewed_from__isnull=False).values_list("annual_fee", "renewed_from__annual_fee"))
    findings = ContractFinding.objects.filter(contract__in=contracts).aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(is_open=True)),
    )
    fee_arrears = arrears.filter(contract__isnull=False)
    counts.update({
        "contracts": registered.count(),
        "contracts_by_stage": {stage.label: stages.get(stage.value, 0) for stage in STAGES},
        "renewals": len(renewals),
        "contracts_ending_soon": contracts.exclude(status__in=[ContractStatus.RESIGNED, ContractStatus.TERMINATED])
        .filter(end_date__gte=today, end_date__lte=today + timedelta(days=90)).count(),
        "findings": findings["total"],
        "findings_open": findings["open"],
        "fee_payments": ContractFeePayment.objects.filter(contract__in=contracts).count(),
        "fee_arrears": fee_arrears.count(),
    })
    totals = {
        "fee_arrears": money(fee_arrears, "principal"),
        "new_fees": sum((new - old for new, old in renewals), ZERO),
        "land_recovered": sum(
            (a for a in registered.filter(status=ContractStatus.TERMINATED).values_list("recovered_area_mu", flat=True) if a),
            ZERO,
        ),
        "principal": money(arrears, "principal"),
        "cash": money(live.filter(kind__in=[RepaymentKind.CASH, RepaymentKind.TRANSFER])),
        "offsets": money(live.filter(kind__in=[RepaymentKind.IN_KIND, RepaymentKind.DEBT_OFFSET])),
        "reversed": money(Repayment.objects.filter(arrear__campaign=campaign, reversal__isnull=False)),
        "written_off": money(WriteOff.objects.filter(arrear__campaign=campaign)),
        "outstanding": money(arrears, "outstanding"),
    }
    return counts, totals
