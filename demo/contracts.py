"""The demo's contracts (清合同): 2–8 collective contracts per village, at every stage of
the review, with their annual fee payments.

Each contract is registered with ``contract_create`` and walked through the review one step
at a time with ``contract_advance`` (found, area verified, investigated, then standardised,
re-signed or terminated), with findings opened and resolved on the way. The fees left
unpaid become 承包费 arrears through the same function the hourly task runs.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from contracts.choices import ContractCategory, ContractForm, ContractStatus, FindingKind
from contracts.services import (
    contract_advance,
    contract_create,
    fee_arrears_create,
    fee_payment_create,
    finding_add,
    finding_resolve,
)
from core.money import ZERO
from recovery.choices import ArrearCategory, DebtorKind

from .context import DemoContext
from .names import COOP_TRADES, COUNTY, ORG_BRANDS, ORG_TRADES
from .output import quiet

# Contracts (清合同): what a village collective lets, and how the review ends.
RESERVE_PLACES = ["南洼", "北洼", "东岭", "西岭", "河滩", "后坡", "前湖", "村北", "村南", "老窑", "沙岭", "东大洼", "西大洼", "后洼"]
WASTE_PLACES = ["西山", "北山", "南山", "石门沟", "黄土坡", "东河滩", "后岭", "老鸹窝"]
WASTE_KINDS = ["荒山", "荒沟", "荒丘", "荒滩"]
CONSTRUCTION_SUBJECTS = ["村东砖厂用地", "原小学旧址", "村南养殖场用地", "老村委会院落", "村西加工厂用地", "沿街商业用地", "原粮站用地"]
ASSET_SUBJECTS = [
    "村东砖厂厂房", "沿街门头房 {n} 间", "集体仓库", "村委会临街商铺 {n} 间", "集体冷库", "原供销社门市部",
    "村集体大棚 {n} 个", "集体粉坊", "村办面粉厂厂房",
]
OTHER_SUBJECTS = ["村内坑塘", "集体林木", "集体果园", "鱼塘", "打谷场", "苗圃"]
# category: (share, area range in 亩 or None, yearly fee per 亩 or per contract, term in years)
CONTRACT_KINDS = {
    ContractCategory.RESERVE_LAND: (38, (1.5, 40.0), (300, 900), (3, 10)),
    ContractCategory.WASTELAND: (20, (20.0, 400.0), (10, 80), (20, 50)),
    ContractCategory.CONSTRUCTION_LAND: (14, (1.0, 15.0), (800, 3000), (10, 30)),
    ContractCategory.OPERATING_ASSET: (18, (0.3, 5.0), None, (3, 15)),
    ContractCategory.OTHER: (10, (1.0, 30.0), (50, 300), (5, 20)),
}
FEE_DUE_DAYS = [((12, 31), 40), ((3, 1), 20), ((10, 31), 15), ((1, 31), 10), ((6, 30), 10), ((2, 28), 5)]
STAGES = [
    ContractStatus.TO_FIND, ContractStatus.FOUND, ContractStatus.AREA_VERIFIED, ContractStatus.INVESTIGATED,
    ContractStatus.STANDARDISED, ContractStatus.RESIGNED, ContractStatus.TERMINATED,
]
STEP_NOTES = {
    ContractStatus.FOUND: ["在村档案室找到合同原件", "由原经办人提供合同复印件", "仅有收款收据，已收集存档", "口头约定，已由双方签字确认事实"],
    ContractStatus.AREA_VERIFIED: ["实地丈量核实", "对照确权图斑核实", "村民代表现场指界、丈量"],
    ContractStatus.INVESTIGATED: ["已形成调查报告", "已形成合同认定书和调查报告"],
    ContractStatus.STANDARDISED: ["经核查合同合法有效，继续履行", "补签四议两公开决议，完善合同条款后继续履行"],
    ContractStatus.TERMINATED: ["合同到期后长期无偿占用，依法收回", "承包方长期撂荒，经协商解除合同收回", "未履行民主程序且承包费长期拖欠，依法解除合同收回"],
}
RESIGN_NOTES = ["原合同价格明显偏低，经四议两公开程序重新签订", "合同到期后继续使用，经公开竞价重新发包"]
RESIGN_LOWER_NOTES = ["经评估资产老化，村民代表会议同意下调承包费重新签订", "核实面积小于原合同面积，按实际面积重新签订"]
OTHER_FINDINGS = ["地块被承包方私自转包", "合同未加盖村集体公章", "原承包人已去世，由子女继续使用", "合同约定用途与实际用途不符"]


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class ContractsBuilder:
    """Builds every village's contracts, after the ledger (its debtors hold some of them)."""

    def __init__(self, ctx: DemoContext, *, villages, staff, ledger):
        self.rng = ctx.rng
        self.names = ctx.names
        self.today, self.yesterday, self.days = ctx.today, ctx.yesterday, ctx.days
        self.villages = villages
        self.staff = staff
        self.ledger = ledger.ledger  # (village index, arrear, progress, hard)
        self.empty, self.cleared = ledger.empty, ledger.cleared

    def contract_holders(self):
        """Per village, the debtors who owe land or lease fees: the likeliest contract holders."""
        holders = {}
        for _index, arrear, _progress, _hard in self.ledger:
            if arrear.category in (ArrearCategory.CONTRACT_FEE, ArrearCategory.LEASE_FEE):
                found = holders.setdefault(arrear.village_id, [])
                if arrear.debtor not in found:
                    found.append(arrear.debtor)
        return holders

    def contract_subject(self, category, area, used):
        rng = self.rng
        for _ in range(20):
            if category == ContractCategory.RESERVE_LAND:
                subject = f"{rng.choice(RESERVE_PLACES)}机动地 {area.normalize():f} 亩"
            elif category == ContractCategory.WASTELAND:
                subject = f"{rng.choice(WASTE_PLACES)}{rng.choice(WASTE_KINDS)} {area.normalize():f} 亩"
            elif category == ContractCategory.CONSTRUCTION_LAND:
                subject = rng.choice(CONSTRUCTION_SUBJECTS)
            elif category == ContractCategory.OPERATING_ASSET:
                subject = rng.choice(ASSET_SUBJECTS).format(n=rng.randrange(2, 9))
            else:
                subject = rng.choice(OTHER_SUBJECTS)
            if subject not in used:
                break
            subject = f"{subject}（{len(used) + 1}号）"  # a second plot of the same name
            if subject not in used:
                break
        used.add(subject)
        return subject

    def contract_counterparty(self, village, category, holders, used_names):
        rng = self.rng
        if holders and rng.random() < 0.45:
            debtor = rng.choice(holders)
            return {"debtor": debtor, "counterparty_name": "", "counterparty_kind": debtor.kind}
        organisation = rng.random() < (0.6 if category in (ContractCategory.CONSTRUCTION_LAND, ContractCategory.OPERATING_ASSET) else 0.08)
        while True:
            if not organisation:
                name = self.names.unique_person(used_names, male=rng.random() < 0.85)
                break
            if rng.random() < 0.4:
                name = f"{COUNTY}{village.name[:-1] if village.name.endswith('村') else village.name[:-2]}{rng.choice(COOP_TRADES)}"
            else:
                name = f"临沂{rng.choice(ORG_BRANDS)}{rng.choice(ORG_TRADES)}"
            if name not in used_names:
                used_names.add(name)
                break
        kind = DebtorKind.ORGANISATION if organisation else DebtorKind.PERSON
        return {"debtor": None, "counterparty_name": name, "counterparty_kind": kind}

    def plan_contract(self, village, index, number, progress, holders, used_subjects, used_names):
        """One contract as registered, the stage its review has reached, and its fee history."""
        rng, today = self.rng, self.today
        category = rng.choices(list(CONTRACT_KINDS), weights=[k[0] for k in CONTRACT_KINDS.values()])[0]
        _share, (low, high), rate, (shortest, longest) = CONTRACT_KINDS[category]
        area = Decimal(f"{rng.uniform(low, high):.2f}")
        cheap = rng.random() < 0.15  # 价格明显偏低
        if rate:
            fee = (area * rng.randrange(*rate)).quantize(Decimal("1"))
        else:
            fee = Decimal(rng.randrange(50, 600) * 100)
        if cheap:
            fee = (fee * Decimal("0.3")).quantize(Decimal("1"))
        fee = max(fee, Decimal(100)).quantize(Decimal("0.01"))
        term = rng.randint(shortest, longest)
        timing = rng.random()
        if timing < 0.12:  # ends within 90 days
            end = today + timedelta(days=rng.randrange(5, 90))
            start = add_years(end + timedelta(days=1), -min(term, 4))
        elif timing < 0.22:  # ended years ago, still used
            end = datetime(today.year - rng.randint(2, 6), 12, 31).date()
            start = datetime(end.year - min(term, 3) + 1, 1, 1).date()
        else:
            start = datetime(today.year - rng.randint(1, min(term - 1, 3)), rng.choice([1, 1, 1, 3, 10]), 1).date()
            end = add_years(start, term) - timedelta(days=1)
        (due_month, due_day) = rng.choices([d for d, _ in FEE_DUE_DAYS], weights=[w for _, w in FEE_DUE_DAYS])[0]
        form = rng.choices([ContractForm.WRITTEN, ContractForm.RECEIPT_ONLY, ContractForm.ORAL], weights=[60, 25, 15])[0]
        democratic = rng.random() < (0.55 if form == ContractForm.WRITTEN else 0.15)

        p = progress
        weights = [(1 - p) * 2.0 + 0.15, (1 - p) * 1.2 + 0.2, (1 - p) * 1.0 + 0.2, 0.6 + 0.4 * (1 - p), p * 3.0 + 0.1, p * 1.2 + 0.05, p * 1.0 + 0.05]
        stage = rng.choices(STAGES, weights=weights)[0]
        if end < today and rng.random() < 0.7:
            stage = rng.choice([ContractStatus.TERMINATED, ContractStatus.TERMINATED, ContractStatus.RESIGNED])
        elif cheap and stage in (ContractStatus.STANDARDISED, ContractStatus.TERMINATED) and rng.random() < 0.7:
            stage = ContractStatus.RESIGNED
        verified = area
        if rng.random() < 0.3:
            verified = (area * Decimal(str(rng.uniform(0.85, 1.15)))).quantize(Decimal("0.01"))
        return {
            "village": village, "index": index, "stage": stage, "cheap": cheap, "verified": verified,
            "fields": {
                "number": f"{village.code}-HT-{number:02d}", "category": category,
                "subject": self.contract_subject(category, area, used_subjects), "area_mu": area, "annual_fee": fee,
                "start_date": start, "end_date": end, "fee_due_month": due_month, "fee_due_day": due_day,
                "form": form, "democratic_procedure": democratic,
                **self.contract_counterparty(village, category, holders, used_names),
            },
        }

    def ensure_every_stage(self, plans):
        """Every stage of the review exists somewhere in the township."""
        for stage in STAGES:
            if any(plan["stage"] == stage for plan in plans):
                continue
            counts = {s: sum(1 for plan in plans if plan["stage"] == s) for s in STAGES}
            commonest = max(STAGES, key=lambda s: counts[s])
            if counts[commonest] < 2:
                return
            donors = [plan for plan in plans if plan["stage"] == commonest]
            self.rng.choice(donors)["stage"] = stage

    def renewal_fields(self, plan, number):
        rng = self.rng
        fee = plan["fields"]["annual_fee"]
        lower = not plan["cheap"] and rng.random() < 0.35
        if plan["cheap"]:
            factor = rng.uniform(2.5, 3.5)
        elif lower:
            factor = rng.uniform(0.75, 0.95)
        else:
            factor = rng.uniform(1.05, 1.6)
        new_fee = max(Decimal(100), (fee * Decimal(str(factor)) / 10).quantize(Decimal("1")) * 10).quantize(Decimal("0.01"))
        start = rng.choice(self.days)
        subject = plan["fields"]["subject"]
        if subject.endswith(" 亩"):  # the new contract is for the area as verified
            subject = f"{subject.rsplit(' ', 2)[0]} {plan['verified'].normalize():f} 亩"
        fields = {
            "number": f"{plan['village'].code}-CQ-{number:02d}", "annual_fee": new_fee, "start_date": start, "subject": subject,
            "end_date": add_years(start, rng.choice([3, 5, 5, 10, 15])) - timedelta(days=1),
            "fee_due_month": 12, "fee_due_day": 31, "form": ContractForm.WRITTEN, "democratic_procedure": True,
        }
        note = rng.choice(RESIGN_LOWER_NOTES if new_fee < fee else RESIGN_NOTES)
        return fields, note

    def pay_fees(self, contract, all_paid):
        """Fee payments for every year already due; some years left unpaid. Returns the
        years left (partly) unpaid."""
        rng = self.rng
        years = []
        for year in range(contract.start_date.year, self.today.year + 1):
            due = datetime(year, contract.fee_due_month, contract.fee_due_day).date()
            if contract.start_date <= due <= contract.end_date and due < self.today:
                years.append((year, due))
        unpaid = set()
        draw = rng.random()
        if not all_paid and years and draw >= 0.68:
            if draw < 0.9:
                unpaid = {year for year, _ in years[-rng.randint(1, 2):]}
            else:
                unpaid = {year for year, _ in years if rng.random() < 0.5} or {years[-1][0]}
        fee = contract.annual_fee
        for year, due in years:
            amount = fee
            if year in unpaid:
                if rng.random() < 0.7 or fee < 200:
                    continue
                amount = (fee * Decimal(str(rng.uniform(0.2, 0.8)))).quantize(Decimal("1"))  # whole yuan
            received = min(self.yesterday, max(contract.start_date, due + timedelta(days=rng.randint(-45, 25))))
            parts = [amount]
            if amount >= 1000 and rng.random() < 0.15:
                first = (amount * Decimal(str(rng.uniform(0.3, 0.7)))).quantize(Decimal("1"))
                parts = [first, amount - first]
            for part in parts:
                fee_payment_create(
                    contract=contract, year=year, amount=part, received_on=received, recorded_by=self.staff,
                    receipt_number=f"{contract.village.code}-CB{year % 100:02d}-{rng.randrange(1, 999):03d}",
                )
        return unpaid

    def add_findings(self, contract, plan, unpaid):
        rng = self.rng
        fields, stage = plan["fields"], plan["stage"]
        kinds = []
        if fields["form"] != ContractForm.WRITTEN:
            kinds.append(FindingKind.NO_WRITTEN_CONTRACT)
        if not fields["democratic_procedure"] and rng.random() < 0.7:
            kinds.append(FindingKind.NO_DEMOCRATIC_PROCEDURE)
        if plan["cheap"]:
            kinds.append(FindingKind.PRICE_TOO_LOW)
        if (fields["end_date"].year - fields["start_date"].year) > 30:
            kinds.append(FindingKind.TERM_TOO_LONG)
        if stage not in (ContractStatus.TO_FIND, ContractStatus.FOUND) and plan["verified"] != fields["area_mu"]:
            kinds.append(FindingKind.AREA_MISMATCH)
        if unpaid:
            kinds.append(FindingKind.FEES_UNPAID)
        if rng.random() < 0.08:
            kinds.append(FindingKind.OTHER)
        settled = stage in (ContractStatus.STANDARDISED, ContractStatus.RESIGNED, ContractStatus.TERMINATED)
        for kind in kinds[:3]:
            finding = finding_add(
                contract=contract, kind=kind, text=rng.choice(OTHER_FINDINGS) if kind == FindingKind.OTHER else "",
                recorded_by=self.staff,
            )
            if kind != FindingKind.FEES_UNPAID and (settled or (stage == ContractStatus.INVESTIGATED and rng.random() < 0.3)):
                finding_resolve(finding=finding, resolved_by=self.staff)

    def make_contract(self, plan, renewals):
        rng = self.rng
        village, stage = plan["village"], plan["stage"]
        contract = contract_create(village=village, created_by=self.staff, **plan["fields"])
        for step in STAGES[1:STAGES.index(stage) + 1] if stage in STAGES[:4] else STAGES[1:4] + [stage]:
            kwargs = {}
            if step == ContractStatus.AREA_VERIFIED:
                kwargs["verified_area_mu"] = plan["verified"]
            if step == ContractStatus.TERMINATED:
                land = plan["fields"]["category"] != ContractCategory.OPERATING_ASSET
                kwargs["recovered_area_mu"] = plan["verified"] if land else ZERO
            if step == ContractStatus.RESIGNED:
                renewals[village.pk] = renewals.get(village.pk, 0) + 1
                kwargs["renewal"], kwargs["note"] = self.renewal_fields(plan, renewals[village.pk])
            else:
                kwargs["note"] = rng.choice(STEP_NOTES[step])
            result = contract_advance(contract=contract, to_status=step, changed_by=self.staff, **kwargs)
        # Fees that fell due before a contract was re-signed or terminated are still owed.
        unpaid = self.pay_fees(contract, all_paid=plan["index"] in self.empty or plan["index"] in self.cleared)
        if stage == ContractStatus.RESIGNED:
            self.pay_fees(result, all_paid=True)
        if stage != ContractStatus.TO_FIND:
            self.add_findings(contract, plan, unpaid)

    def build_contracts(self):
        """2–8 contracts per village, walked through the review with ``contract_advance``;
        then the fees left unpaid become arrears (承包费) as the hourly task would do it."""
        rng = self.rng
        holders = self.contract_holders()
        names = {}
        for _index, arrear, _progress, _hard in self.ledger:
            names.setdefault(arrear.village_id, set()).add(arrear.debtor.name)
        plans = []
        for index, village in enumerate(self.villages):
            progress = rng.betavariate(2.0, 2.0)  # how far this village's cleanup has got
            used_subjects, used_names = set(), set(names.get(village.pk, ()))
            for number in range(1, 2 + int(rng.betavariate(1.3, 2.2) * 7) + 1):  # 2 to 8, most 3 to 5
                plans.append(self.plan_contract(village, index, number, progress, holders.get(village.pk, []), used_subjects, used_names))
        self.ensure_every_stage(plans)
        renewals = {}
        for plan in plans:
            self.make_contract(plan, renewals)
        with quiet("contracts.services"):  # one INFO line per arrear is too much for the console
            fee_arrears_create(today=self.today)
