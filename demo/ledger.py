"""The demo's ledger: the campaign, debtors and arrears, and a month of entries.

Debtors are people and firms with valid identity numbers; arrears are of very unequal
size, taken on the books the day before the campaign began. Two villages are owed
nothing, two are cleared, one or two lag far behind. Entries (repayments in cash, by
transfer, in kind or by offset; a few reversals of entries typed wrong; one or two
approved write-offs) are planned per arrear, then posted in time order.

Every write goes through ``recovery.services`` as the ``staff`` user, so the demo ledger
obeys the same rules as real entries. Entries are dated in the past (business date and
``recorded_at``), never later than yesterday, so every daily report of the campaign so far
has something to show.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from core.money import fmt_yuan
from recovery.choices import ArrearCategory, DebtorKind, LitigationStatus, RepaymentKind
from recovery.models import Campaign
from recovery.services import arrear_create, debtor_create, repayment_create, repayment_reverse, writeoff_create

from .context import CAMPAIGN_DAYS_AFTER, DemoContext
from .names import COOP_TRADES, COUNTY, ORG_BRANDS, ORG_TRADES, ROADS
from .places import TOWNSHIP_NAME

CAMPAIGN_NAME = "清收清欠百日攻坚行动"
PERSON_CATEGORIES = {
    ArrearCategory.CONTRACT_FEE: 40, ArrearCategory.LEASE_FEE: 20, ArrearCategory.LOAN: 18,
    ArrearCategory.OCCUPIED_FUNDS: 10, ArrearCategory.CONSTRUCTION: 4, ArrearCategory.OTHER: 8,
}
ORGANISATION_CATEGORIES = {
    ArrearCategory.CONTRACT_FEE: 10, ArrearCategory.LEASE_FEE: 40, ArrearCategory.LOAN: 5,
    ArrearCategory.OCCUPIED_FUNDS: 5, ArrearCategory.CONSTRUCTION: 35, ArrearCategory.OTHER: 5,
}

BLACKLIST_REASONS = [
    "经法院判决后拒不履行还款义务",
    "多次催缴拒不缴纳承包费",
    "有能力偿还而拒不偿还村集体借款",
    "转移财产逃避还款",
]
LEASE_ASSETS = ["门头房", "厂房", "仓库", "沿街商铺", "集体场院", "鱼塘", "果园"]
BANKS = ["临沂农商银行", "中国农业银行", "中国邮政储蓄银行", "中国建设银行"]
IN_KIND_NOTES = [
    "以商品房一套作价抵顶，经评估并村民代表会议通过",
    "以门头房一间作价抵顶，评估报告已存档",
    "以挖掘机一台作价抵顶，经两委会研究并公示",
    "以苗木一批作价抵顶，经村民代表会议通过",
]
OFFSET_NOTES = [
    "抵顶村集体应付其工程款，经两委会研究并公示",
    "抵顶村集体应付其青苗补偿款，经四议两公开程序",
    "抵顶村集体应付其劳务费，经村民代表会议通过",
]
WRITEOFF_REASONS = [
    "欠款人已去世，无继承人和可供执行财产，经村民代表会议通过",
    "欠款人丧失劳动能力、生活困难，经四议两公开程序同意核销余额",
]


def cents_to_money(cents):
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def campaign_create(ctx: DemoContext, *, township):
    """The campaign: it began ``CAMPAIGN_DAYS_BEFORE`` days ago and runs on for
    ``CAMPAIGN_DAYS_AFTER`` more, with the usual 16:00 cut-off."""
    campaign = Campaign(
        township=township, name=CAMPAIGN_NAME,
        start_date=ctx.start, end_date=ctx.today + timedelta(days=CAMPAIGN_DAYS_AFTER),
        target_ratio=Decimal("0.8000"), cutoff_time=time(16, 0),
        red_below=Decimal("0.3000"), green_from=Decimal("0.7000"), is_active=True,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@dataclass
class Item:
    """One planned ledger entry of one arrear, in the order the services will see it."""

    kind: str  # "repay", "reverse" or "writeoff"
    at: datetime
    key: int = 0
    amount: int = 0  # cents
    pay_kind: str = ""
    day: object = None
    receipt: str = ""
    note: str = ""
    target: int = 0  # the key of the repayment a reversal undoes
    reason: str = ""
    reference: str = ""
    plain: bool = True  # an ordinary cash or transfer entry recorded on its day


def net_repaid(items):
    """Cents repaid by planned items, not counting the repayments they reverse."""
    reversed_keys = {i.target for i in items if i.kind == "reverse"}
    return sum(i.amount for i in items if i.kind == "repay" and i.key not in reversed_keys)


class LedgerBuilder:
    """Builds debtors and arrears village by village, then posts their entries."""

    def __init__(self, ctx: DemoContext, *, villages, campaign, staff):
        self.rng = ctx.rng
        self.names = ctx.names
        self.n = ctx.n
        self.today, self.start, self.yesterday, self.days = ctx.today, ctx.start, ctx.yesterday, ctx.days
        self.villages = villages
        self.campaign = campaign
        self.staff = staff
        self.next_key = 0
        self.receipts = {}

    # -- debtors and arrears --

    def pick_roles(self):
        """Which villages are owed nothing, cleared, or far behind; the first is ordinary."""
        rng = self.rng
        others = list(range(1, self.n))
        rng.shuffle(others)
        special = 2 if self.n >= 10 else 1 if self.n >= 3 else 0
        self.empty = set(others[:special])
        self.cleared = set(others[special:2 * special])
        self.lagging = set(others[2 * special:2 * special + (2 if self.n >= 20 else 1 if self.n >= 8 else 0)])

    def progress_of(self, index):
        if index in self.cleared:
            return 1.0
        if index in self.lagging:
            return self.rng.uniform(0.0, 0.05)
        return self.rng.betavariate(2.0, 2.0)

    def debtor_fields(self, village, index, first):
        rng, names = self.rng, self.names
        fields = {}
        if first or rng.random() >= 0.15:
            male = first or rng.random() < 0.8
            name = "张三" if first else names.unique_person(self.debtor_names, male=male)
            self.debtor_names.add(name)
            fields.update(kind=DebtorKind.PERSON, name=name)
            if first or rng.random() < 0.88:
                born = self.start - timedelta(days=rng.randrange(30 * 365, 75 * 365))
                fields["national_id"] = names.national_id(male, born)
            fields["address"] = f"{TOWNSHIP_NAME}{village.name}{rng.randrange(1, 9)}组{rng.randrange(1, 80)}号"
        else:
            coop = rng.random() < 0.35
            while True:
                if coop:
                    name = f"{COUNTY}{village.name[:-1] if village.name.endswith('村') else village.name[:-2]}{rng.choice(COOP_TRADES)}"
                else:
                    name = f"临沂{rng.choice(ORG_BRANDS)}{rng.choice(ORG_TRADES)}"
                if name not in self.debtor_names:
                    self.debtor_names.add(name)
                    break
            fields.update(kind=DebtorKind.ORGANISATION, name=name, credit_code=names.credit_code(coop))
            fields["address"] = (
                f"{TOWNSHIP_NAME}{village.name}" if coop else f"{COUNTY}{rng.choice(ROADS)}{rng.randrange(1, 300)}号"
            )
        if rng.random() < 0.8:
            fields["phone"] = names.phone()
        hard = False
        if not first and index not in self.cleared and rng.random() < 0.06:
            hard = True
            year = self.today.year - rng.randrange(0, 3)
            if rng.random() < 0.5:
                new_year = self.today.replace(year=year, month=1, day=1)
                span = (min(self.yesterday, new_year.replace(month=12, day=31)) - new_year).days
                on = new_year + timedelta(days=rng.randrange(span)) if span > 0 else self.yesterday
                fields.update(is_blacklisted=True, blacklist_reason=rng.choice(BLACKLIST_REASONS), blacklisted_on=on)
                status = LitigationStatus.ENFORCING
            else:
                status = rng.choice([LitigationStatus.FILED, LitigationStatus.FILED, LitigationStatus.JUDGED, LitigationStatus.ENFORCING])
            kind = "执" if status == LitigationStatus.ENFORCING else "民初"
            fields.update(litigation_status=status, case_number=f"（{year}）鲁1302{kind}{rng.randrange(100, 9999)}号")
        return fields, hard

    def arrear_fields(self, debtor):
        rng = self.rng
        organisation = debtor.kind == DebtorKind.ORGANISATION
        weights = ORGANISATION_CATEGORIES if organisation else PERSON_CATEGORIES
        category = rng.choices(list(weights), weights=list(weights.values()))[0]
        last_year = self.today.year - 1
        first_year = rng.randrange(2006, last_year)
        years = min(rng.randrange(1, 7), last_year - first_year + 1)
        incurred_on = datetime(first_year, 1, 1).date() + timedelta(days=rng.randrange(365))
        big = rng.random() < (0.35 if organisation else 0.04)
        target = rng.uniform(100_000, 2_000_000) if big else min(90_000, max(800, rng.lognormvariate(9.4, 0.9)))
        period = f"{first_year}—{first_year + years - 1}年" if years > 1 else f"{first_year}年"
        if category == ArrearCategory.CONTRACT_FEE:
            rate = rng.randrange(12, 25) * 50  # yuan per 亩 per year
            tenths = max(5, round(target / (rate * years) * 10))  # area in 0.1 亩
            cents = tenths * rate * years * 10
            description = f"{period}土地承包费（{tenths // 10}.{tenths % 10}亩）"
        elif category == ArrearCategory.LEASE_FEE:
            yearly = max(10, round(target / years / 100))  # hundreds of yuan per year
            cents = yearly * years * 10_000
            description = f"{period}{rng.choice(LEASE_ASSETS)}租赁费"
        elif category == ArrearCategory.LOAN:
            cents = max(1, round(target / 1000)) * 100_000
            description = f"{first_year}年借村集体资金"
        elif category == ArrearCategory.OCCUPIED_FUNDS:
            cents = round(target * 100)
            description = rng.choice(["占用集体资金", "截留集体土地补偿款", "占用集体资产收益"])
        elif category == ArrearCategory.CONSTRUCTION:
            cents = round(target * 100)
            description = rng.choice(["工程结算多付款项应退还", "工程质保金差额应退还", "代垫工程材料款"])
        else:
            cents = round(target) * 100
            description = rng.choice(["拖欠水电费", "宅基地有偿使用费", "集体林木处置款"])
        return {
            "category": category, "description": description, "incurred_on": incurred_on,
            "principal": cents_to_money(cents),
        }

    def build_debtors_and_arrears(self):
        rng = self.rng
        self.ledger = []  # (village index, arrear, progress, hard)
        # The ledger was taken on the day before the campaign began.
        on_books = timezone.make_aware(datetime.combine(self.start - timedelta(days=1), time(9, 0)))
        for index, village in enumerate(self.villages):
            if index in self.empty:
                continue
            progress = self.progress_of(index)
            self.debtor_names = set()
            count = 3 + int(rng.betavariate(1.3, 3.0) * 13)
            for number in range(count):
                fields, hard = self.debtor_fields(village, index, first=(index == 0 and number == 0))
                debtor = debtor_create(village=village, created_by=self.staff, created_at=on_books, **fields)
                for _ in range(rng.choices([1, 2, 3], weights=[60, 30, 10])[0]):
                    arrear = arrear_create(
                        debtor=debtor, campaign=self.campaign, created_by=self.staff,
                        created_at=on_books, **self.arrear_fields(debtor),
                    )
                    self.ledger.append((index, arrear, progress, hard))

    # -- entries --

    def moment(self, day, earliest=(8, 30), latest=(18, 30)):
        lo, hi = earliest[0] * 60 + earliest[1], latest[0] * 60 + latest[1]
        minute = self.rng.randrange(lo, hi)
        naive = datetime.combine(day, time(minute // 60, minute % 60, self.rng.randrange(60)))
        return timezone.make_aware(naive)

    def pick_days(self, count, after=None):
        rng = self.rng
        pool = [d for d in self.days if after is None or d > after]
        weights = [(1 + i / len(self.days)) * (0.6 if d.weekday() >= 5 else 1.0) for i, d in enumerate(pool)]
        chosen = set()
        while len(chosen) < min(count, len(pool)):
            chosen.add(rng.choices(pool, weights=weights)[0])
        return sorted(chosen)

    def key(self):
        self.next_key += 1
        return self.next_key

    def receipt(self, village, day):
        number = self.receipts.get((village.pk, day), 0) + 1
        self.receipts[(village.pk, day)] = number
        return f"{village.code}-{day:%y%m%d}-{number:02d}"

    def plan_arrear(self, arrear, progress, hard, cleared):
        """The repayments of one arrear, in order, as planned items (amounts in cents)."""
        rng = self.rng
        principal = int(arrear.principal * 100)
        if hard:
            progress *= 0.2
        if principal >= 10_000_000:
            progress *= 0.6
        draw = rng.random()
        if cleared or draw < 0.7 * progress:
            recover = principal
        elif draw < 0.7 * progress + 0.85 * (1 - progress):
            return []
        else:
            recover = principal * rng.uniform(0.15, 0.85)
            step = 100_000 if principal >= 2_000_000 else 10_000  # round to 1,000 or 100 yuan
            recover = min(principal, max(step, round(recover / step) * step))
        if recover == principal and principal >= 5_000_000 and rng.random() < 0.3:
            parts, kinds = [recover], [rng.choice([RepaymentKind.IN_KIND, RepaymentKind.DEBT_OFFSET])]
        else:
            count = rng.choices([1, 2, 3], weights=[55, 30, 15])[0] if recover >= 100_000 else 1
            parts = []
            left = recover
            for _ in range(count - 1):
                share = round(left * rng.uniform(0.25, 0.6) / 10_000) * 10_000
                if 0 < share < left:
                    parts.append(share)
                    left -= share
            parts.append(left)
            kinds = rng.choices(
                [RepaymentKind.CASH, RepaymentKind.TRANSFER, RepaymentKind.IN_KIND, RepaymentKind.DEBT_OFFSET],
                weights=[38, 54, 4, 4], k=len(parts),
            )
        items = []
        for amount, kind, day in zip(parts, kinds, self.pick_days(len(parts))):
            plain = kind in (RepaymentKind.CASH, RepaymentKind.TRANSFER)
            next_day = day < self.yesterday and rng.random() < 0.15
            at = self.moment(day + timedelta(days=1), latest=(10, 30)) if next_day else self.moment(day)
            if kind == RepaymentKind.CASH:
                receipt, note = self.receipt(arrear.village, day), rng.choice(["", "", "现场收取"])
            elif kind == RepaymentKind.TRANSFER:
                receipt, note = self.receipt(arrear.village, day), f"银行转账，{rng.choice(BANKS)}流水尾号{rng.randrange(10000):04d}"
            elif kind == RepaymentKind.IN_KIND:
                receipt, note = "", rng.choice(IN_KIND_NOTES)
            else:
                receipt, note = "", rng.choice(OFFSET_NOTES)
            items.append(Item(
                "repay", at, key=self.key(), amount=amount, pay_kind=kind, day=day,
                receipt=receipt, note=note, plain=plain and not next_day,
            ))
        if len(items) < len(parts):  # fewer campaign days than parts: the last one takes the rest
            items[-1].amount += sum(parts[len(items):])
        return items

    def add_mistakes(self, plans):
        """A few entries typed wrong and reversed (冲正), as happens in a real month."""
        rng = self.rng
        candidates = []
        for arrear_pk, (arrear, items) in plans.items():
            before = int(arrear.principal * 100)
            for position, item in enumerate(items):
                if item.kind == "repay" and item.plain:
                    candidates.append((arrear_pk, position, before))
                before -= item.amount
        rng.shuffle(candidates)
        wanted = max(1, round(self.n / 8)) if candidates else 0
        done = set()
        for arrear_pk, position, before in candidates:
            if len(done) == wanted:
                break
            if arrear_pk in done:
                continue
            done.add(arrear_pk)
            items = plans[arrear_pk][1]
            item = items[position]
            if len(done) % 2 == 0 and 2 * item.amount <= before:
                duplicate = Item(
                    "repay", item.at + timedelta(minutes=rng.randrange(2, 6)), key=self.key(), amount=item.amount,
                    pay_kind=item.pay_kind, day=item.day, receipt=item.receipt, note=item.note, plain=False,
                )
                reversal = Item(
                    "reverse", duplicate.at + timedelta(minutes=rng.randrange(30, 180)), target=duplicate.key,
                    reason=f"同一收据（{item.receipt}）重复录入，冲正",
                )
                items[position + 1:position + 1] = [duplicate, reversal]
            else:
                wrong_amount = item.amount * 10 if item.amount * 10 <= before else max(1, item.amount // 10)
                wrong = Item(
                    "repay", item.at, key=self.key(), amount=wrong_amount, pay_kind=item.pay_kind, day=item.day,
                    receipt=item.receipt, note=item.note, plain=False,
                )
                reversal = Item(
                    "reverse", item.at + timedelta(minutes=rng.randrange(10, 60)), target=wrong.key,
                    reason=f"金额录入错误（应为 {fmt_yuan(cents_to_money(item.amount))} 元），冲正后重新录入",
                )
                item.at = reversal.at + timedelta(minutes=rng.randrange(2, 10))
                items[position:position] = [wrong, reversal]

    def add_write_offs(self, plans, candidates):
        """One or two approved write-offs (核销) of what a hopeless debtor still owes."""
        rng = self.rng
        wanted = 2 if self.n >= 10 else 1
        rng.shuffle(candidates)
        references = set()
        for arrear in candidates[:wanted]:
            items = plans.setdefault(arrear.pk, (arrear, []))[1]
            left = int(arrear.principal * 100) - net_repaid(items)
            if left <= 0:
                continue
            last_day = max((i.day for i in items if i.day), default=None)
            day = self.pick_days(1, after=max(last_day or self.start, self.days[len(self.days) // 2]))
            day = day[0] if day else self.yesterday
            while True:
                reference = f"街党工委〔{day.year}〕{rng.randrange(5, 40)}号"
                if reference not in references:
                    references.add(reference)
                    break
            items.append(Item(
                "writeoff", self.moment(day, earliest=(9, 0), latest=(16, 0)), key=self.key(), amount=left,
                day=day, reference=reference, reason=rng.choice(WRITEOFF_REASONS),
            ))

    def build_entries(self):
        plans = {}
        write_off_candidates = []
        for index, arrear, progress, hard in self.ledger:
            items = self.plan_arrear(arrear, progress, hard, cleared=index in self.cleared)
            if items:
                plans[arrear.pk] = (arrear, items)
            if (
                index not in self.cleared and not hard and arrear.debtor.kind == DebtorKind.PERSON
                and arrear.principal <= 30_000 and sum(i.amount for i in items) < int(arrear.principal * 100)
            ):
                write_off_candidates.append(arrear)
        self.add_mistakes(plans)
        self.add_write_offs(plans, write_off_candidates)

        events = []
        for arrear, items in plans.values():
            previous = None
            for item in items:  # keep each arrear's entries in order in time
                if previous is not None and item.at <= previous:
                    item.at = previous + timedelta(minutes=self.rng.randrange(3, 30))
                previous = item.at
                events.append((item.at, len(events), arrear, item))
        events.sort(key=lambda event: (event[0], event[1]))

        repayments = {}
        for at, _, arrear, item in events:
            if item.kind == "repay":
                repayment, _ = repayment_create(
                    arrear=arrear, amount=cents_to_money(item.amount), kind=item.pay_kind, received_on=item.day,
                    recorded_by=self.staff, receipt_number=item.receipt, note=item.note, recorded_at=at,
                    submission_token=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                )
                repayments[item.key] = repayment
            elif item.kind == "reverse":
                repayment_reverse(repayment=repayments[item.target], reason=item.reason, recorded_by=self.staff, recorded_at=at)
            else:
                writeoff_create(
                    arrear=arrear, amount=cents_to_money(item.amount), approval_reference=item.reference,
                    reason=item.reason, recorded_by=self.staff, recorded_at=at,
                    submission_token=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                )

