"""Demo data: one township run like the Linyi sub-district of seed 000.

Three zones of two or three work areas, villages with their responsible people, a campaign
that started about 30 days ago, debtors (people and firms) with valid identity numbers,
arrears of very unequal size, and a month of repayments, a few reversals and write-offs.
Two villages are owed nothing, two are cleared, one or two lag far behind. Each village
also has 2–8 collective contracts (清合同) at every stage of the review, with their annual
fee payments; the fees left unpaid become 承包费 arrears through the same function the
hourly task runs.

Every ledger write goes through ``recovery.services`` as the ``staff`` user, so the demo
ledger obeys the same rules as real entries. Entries are dated in the past (business date
and ``recorded_at``), never later than yesterday, so every daily report of the campaign
so far has something to show.

Deterministic: the same seed on the same day gives the same data (dates are relative to
``today``). ``generate_demo`` refuses to run on a database that already has villages.
"""

import logging
import time as _time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from random import Random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from contracts.choices import ContractCategory, ContractForm, ContractStatus, FindingKind
from contracts.models import Contract, ContractFeePayment, ContractFinding
from contracts.services import (
    contract_advance,
    contract_create,
    fee_arrears_create,
    fee_payment_create,
    finding_add,
    finding_resolve,
)
from core.money import ZERO, fmt_wan, fmt_yuan
from core.roles import GROUP_NAMES, Role
from core.validators import national_id_check_char, uscc_check_char
from villages.choices import AssignmentRole
from villages.models import Assignment, Township, Village, WorkArea, Zone

from .choices import ArrearCategory, DebtorKind, LitigationStatus, RepaymentKind
from .models import Arrear, Campaign, Debtor, Repayment, Reversal, WriteOff
from .services import arrear_create, debtor_create, repayment_create, repayment_reverse, writeoff_create

DEFAULT_VILLAGES = 47
DEFAULT_SEED = 1
DEFAULT_PASSWORD = "demo12345"
MAX_VILLAGES = 300

TOWNSHIP_CODE = "371302001"
TOWNSHIP_NAME = "临河街道"
COUNTY = "临沂市兰山区"
CAMPAIGN_NAME = "清收清欠百日攻坚行动"
CAMPAIGN_DAYS_BEFORE = 30
CAMPAIGN_DAYS_AFTER = 70


class DemoDataExists(Exception):
    """The database already holds villages (or the demo's township or users)."""


@dataclass
class DemoUser:
    username: str
    role: str
    display_name: str
    scope: str


@dataclass
class DemoResult:
    seed: int
    password: str
    township: str
    campaign: str
    counts: dict = field(default_factory=dict)
    totals: dict = field(default_factory=dict)
    users: list = field(default_factory=list)
    seconds: float = 0.0


# ---- names and numbers -------------------------------------------------------------

# Frequent surnames in Shandong, the most frequent repeated.
SURNAMES = (
    "王王王王王王张张张张张李李李李刘刘刘刘陈陈陈杨杨赵赵孙孙徐徐马马高高朱朱"
    "胡郭何林周吴于董杜宋韩曹袁付丁魏薛沈许葛邢颜孔庞范石田程"
)
MALE_FIRST = "建国志卫海明德永立文玉成学宝传兆庆洪金振世春守连元士红"
MALE_SECOND = "国军华民强平林峰生明山东波亮伟刚勇忠福祥顺发田才利胜"
FEMALE_FIRST = "秀桂玉丽春淑凤红美晓海素爱"
FEMALE_SECOND = "英兰芳华珍梅霞荣云娟琴敏燕"
SINGLE_MALE = "伟强磊军勇杰涛斌超鹏刚辉胜顺山"
SINGLE_FEMALE = "敏静丽娟霞红燕芳"

VILLAGE_FEATURES = [
    "石桥", "柳沟", "沙岭", "枣园", "杏园", "桃园", "河湾", "槐树", "官路", "白沙",
    "青龙", "黄山", "孟园", "涝坡", "茶棚", "砚台岭", "马陵", "龙泉", "小岭", "盛庄",
    "前河", "后湖", "三里", "五里", "八里", "十里", "钦宿", "响河", "朱许", "王平",
]
VILLAGE_PLACES = ["庄", "屯", "营", "洼", "岭", "埠", "沟", "湖", "寨", "官庄", "店", "疃", "楼"]
DIRECTIONS = "前后东西南北大小上下"

ORG_BRANDS = [
    "鑫源", "宏达", "恒泰", "金盛", "顺发", "兴隆", "华强", "瑞丰", "鼎盛", "永安",
    "天润", "富民", "昌盛", "德润", "聚丰", "汇通", "利民", "荣华", "祥和", "沂蒙",
]
ORG_TRADES = [
    "建筑工程有限公司", "建材有限公司", "物流有限公司", "商贸有限公司", "置业有限公司",
    "机械制造有限公司", "劳务服务有限公司", "木业有限公司", "板材有限公司", "食品有限公司",
]
COOP_TRADES = ["蔬菜种植专业合作社", "生猪养殖专业合作社", "肉鸡养殖专业合作社", "果蔬专业合作社", "苗木专业合作社"]
ROADS = ["沂蒙路", "解放路", "通达路", "金雀山路", "北京路", "涑河街", "工业大道", "兰山路"]

# Linyi county codes; most debtors are local (兰山区).
ID_REGIONS = ["371302"] * 8 + ["371311", "371312", "371321", "371322", "371323", "371324", "371325", "371326", "371327", "371328", "371329"]
PHONE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "158", "159", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "198", "199",
]
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

CN_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
ZONES = [("Z1", "南片区", "街道党工委书记"), ("Z2", "中片区", "街道办事处主任"), ("Z3", "北片区", "街道党工委副书记")]
# Township committee members who take a work area each; the deputies can be several.
CONTACT_TITLES = ["街道纪工委书记", "街道武装部部长", "街道组织委员", "街道宣传委员", "街道政法委员"]
CONTACT_TITLE_MANY = "街道办事处副主任"
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


def _cents_to_money(cents):
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _display_width(text):
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, width):
    """Left-justify ``text`` to ``width`` terminal columns (Chinese characters count 2)."""
    text = str(text)
    return text + " " * max(0, width - _display_width(text))


class _Names:
    """Chinese names and identity numbers from one ``Random``; unique where they must be."""

    def __init__(self, rng):
        self.rng = rng
        self.national_ids = set()
        self.credit_codes = set()
        self.village_bases = set()

    def person(self, male=True):
        rng = self.rng
        surname = rng.choice(SURNAMES)
        if rng.random() < 0.22:
            given = rng.choice(SINGLE_MALE if male else SINGLE_FEMALE)
        elif male:
            given = rng.choice(MALE_FIRST) + rng.choice(MALE_SECOND)
        else:
            given = rng.choice(FEMALE_FIRST) + rng.choice(FEMALE_SECOND)
        if len(given) == 2 and given[0] == given[1]:
            given = given[0]
        return surname + given

    def unique_person(self, used, male=True):
        while True:
            name = self.person(male)
            if name not in used:
                used.add(name)
                return name

    def village(self):
        rng = self.rng
        while True:
            pattern = rng.random()
            if pattern < 0.35:
                base = rng.choice(SURNAMES) + "家" + rng.choice(VILLAGE_PLACES)
            elif pattern < 0.55:
                base = rng.choice(DIRECTIONS) + rng.choice(SURNAMES) + rng.choice(VILLAGE_PLACES)
            elif pattern < 0.75:
                base = rng.choice(DIRECTIONS) + rng.choice(VILLAGE_FEATURES)
            elif pattern < 0.9:
                base = rng.choice(VILLAGE_FEATURES) + rng.choice(VILLAGE_PLACES)
            else:
                first, second, third = rng.sample(SURNAMES, 3)
                if len({first, second, third}) < 3:
                    continue
                base = first + "家" + second + third
            if base not in self.village_bases and not any(a == b for a, b in zip(base, base[1:])):
                self.village_bases.add(base)
                return base + ("社区" if rng.random() < 0.35 else "村")

    def national_id(self, male, born_on):
        rng = self.rng
        while True:
            gender = rng.choice("13579" if male else "02468")
            first17 = f"{rng.choice(ID_REGIONS)}{born_on:%Y%m%d}{rng.randrange(100):02d}{gender}"
            value = first17 + national_id_check_char(first17)
            if value not in self.national_ids:
                self.national_ids.add(value)
                return value

    def credit_code(self, coop):
        """Unified social credit code: 91 (company) or 93 (farmers' co-operative), a Linyi
        region code, a 9-character organisation code (GB 11714 check) and the check char."""
        rng = self.rng
        while True:
            body = "MA" + "".join(rng.choice(_CODE_CHARS) for _ in range(6))
            org = body + _org_check_char(body)
            first17 = ("93" if coop else "91") + rng.choice(["371302", "371302", "371311", "371312"]) + org
            value = first17 + uscc_check_char(first17)
            if value not in self.credit_codes:
                self.credit_codes.add(value)
                return value

    def phone(self):
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"


def _net_repaid(items):
    """Cents repaid by planned items, not counting the repayments they reverse."""
    reversed_keys = {i.target for i in items if i.kind == "reverse"}
    return sum(i.amount for i in items if i.kind == "repay" and i.key not in reversed_keys)


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _org_check_char(body8):
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, weights))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


# ---- the generator -----------------------------------------------------------------

@dataclass
class _Item:
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


class _Generator:
    def __init__(self, *, villages, seed, password, today):
        self.n = villages
        self.seed = seed
        self.password = password
        self.today = today
        self.rng = Random(seed)
        self.names = _Names(self.rng)
        self.start = today - timedelta(days=CAMPAIGN_DAYS_BEFORE)
        self.yesterday = today - timedelta(days=1)
        self.days = [self.start + timedelta(days=i) for i in range((self.yesterday - self.start).days + 1)]
        self.officials = set()
        self.users = []
        self.next_key = 0
        self.receipts = {}

    # -- geography and people --

    def build_township(self):
        rng = self.rng
        self.township = Township.objects.create(code=TOWNSHIP_CODE, name=TOWNSHIP_NAME, order=1)
        per_zone = [rng.choice([2, 3]) for _ in ZONES] if self.n >= 12 else [1, 1, 1]
        contact_titles = rng.sample(CONTACT_TITLES, len(CONTACT_TITLES)) + [CONTACT_TITLE_MANY] * sum(per_zone)
        self.work_areas = []
        number = 0
        for z_order, ((code, name, title), count) in enumerate(zip(ZONES, per_zone), start=1):
            zone = Zone.objects.create(township=self.township, code=code, name=name, order=z_order)
            Assignment.objects.create(
                role=AssignmentRole.ZONE_LEADER, zone=zone, title=title,
                person_name=self.names.unique_person(self.officials), phone=self.names.phone(),
            )
            for w_order in range(1, count + 1):
                number += 1
                area = WorkArea.objects.create(zone=zone, code=f"W{number}", name=f"第{CN_NUMERALS[number - 1]}工作区", order=w_order)
                area.zone = zone
                self.work_areas.append(area)
                for role, role_title in (
                    (AssignmentRole.WORKAREA_CONTACT, contact_titles[number - 1]),
                    (AssignmentRole.WORKAREA_SECRETARY, f"{area.name}书记"),
                    (AssignmentRole.WORKAREA_DIRECTOR, f"{area.name}主任"),
                ):
                    Assignment.objects.create(
                        role=role, work_area=area, title=role_title,
                        person_name=self.names.unique_person(self.officials, male=rng.random() < 0.8),
                        phone=self.names.phone(),
                    )
        self.leader_name = Assignment.objects.get(role=AssignmentRole.ZONE_LEADER, zone__code="Z1").person_name

    def build_villages(self):
        rng = self.rng
        width = max(3, len(str(self.n)))
        areas = len(self.work_areas)
        self.villages = []
        self.secretaries = {}
        for index in range(self.n):
            area = self.work_areas[index * areas // self.n]
            name = self.names.village()
            village = Village.objects.create(work_area=area, code=f"V{index + 1:0{width}d}", name=name, order=index + 1)
            village.work_area = area
            self.villages.append(village)
            secretary = self.names.unique_person(self.officials, male=rng.random() < 0.85)
            self.secretaries[village.pk] = secretary
            Assignment.objects.create(
                role=AssignmentRole.VILLAGE_SECRETARY, village=village, person_name=secretary,
                title="社区党委书记" if name.endswith("社区") else "村党支部书记", phone=self.names.phone(),
            )
            Assignment.objects.create(
                role=AssignmentRole.VILLAGE_LIAISON, village=village, title="包村干部",
                person_name=self.names.unique_person(self.officials, male=rng.random() < 0.7),
                phone=self.names.phone(),
            )

    def build_campaign(self):
        campaign = Campaign(
            township=self.township, name=CAMPAIGN_NAME,
            start_date=self.start, end_date=self.today + timedelta(days=CAMPAIGN_DAYS_AFTER),
            target_ratio=Decimal("0.8000"), cutoff_time=time(16, 0),
            red_below=Decimal("0.3000"), green_from=Decimal("0.7000"), is_active=True,
        )
        campaign.full_clean()
        campaign.save()
        self.campaign = campaign

    def build_users(self):
        User = get_user_model()
        hashed = make_password(self.password)  # hashed once: the demo users share a password
        groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in GROUP_NAMES.items()}

        def add(username, role, display_name, scope, **fields):
            user = User.objects.create(username=username, password=hashed, display_name=display_name, **fields)
            user.groups.add(groups[role])
            self.users.append(DemoUser(username, GROUP_NAMES[role], display_name, scope))
            return user

        add("admin", Role.ADMIN, "系统管理员", "全部", is_superuser=True, is_staff=True)
        staff_name = self.names.unique_person(self.officials, male=False)
        self.staff = add("staff", Role.STAFF, staff_name, f"{TOWNSHIP_NAME}经管中心", township=self.township)
        add("leader", Role.LEADER, self.leader_name, TOWNSHIP_NAME, township=self.township)
        for village in self.villages:
            add(f"cadre-{village.code}", Role.CADRE, self.secretaries[village.pk], village.name, village=village)

    # -- the ledger --

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
            "principal": _cents_to_money(cents),
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
            for i in range(count - 1):
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
            items.append(_Item(
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
                duplicate = _Item(
                    "repay", item.at + timedelta(minutes=rng.randrange(2, 6)), key=self.key(), amount=item.amount,
                    pay_kind=item.pay_kind, day=item.day, receipt=item.receipt, note=item.note, plain=False,
                )
                reversal = _Item(
                    "reverse", duplicate.at + timedelta(minutes=rng.randrange(30, 180)), target=duplicate.key,
                    reason=f"同一收据（{item.receipt}）重复录入，冲正",
                )
                items[position + 1:position + 1] = [duplicate, reversal]
            else:
                wrong_amount = item.amount * 10 if item.amount * 10 <= before else max(1, item.amount // 10)
                wrong = _Item(
                    "repay", item.at, key=self.key(), amount=wrong_amount, pay_kind=item.pay_kind, day=item.day,
                    receipt=item.receipt, note=item.note, plain=False,
                )
                reversal = _Item(
                    "reverse", item.at + timedelta(minutes=rng.randrange(10, 60)), target=wrong.key,
                    reason=f"金额录入错误（应为 {fmt_yuan(_cents_to_money(item.amount))} 元），冲正后重新录入",
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
            left = int(arrear.principal * 100) - _net_repaid(items)
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
            items.append(_Item(
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
                    arrear=arrear, amount=_cents_to_money(item.amount), kind=item.pay_kind, received_on=item.day,
                    recorded_by=self.staff, receipt_number=item.receipt, note=item.note, recorded_at=at,
                    submission_token=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                )
                repayments[item.key] = repayment
            elif item.kind == "reverse":
                repayment_reverse(repayment=repayments[item.target], reason=item.reason, recorded_by=self.staff, recorded_at=at)
            else:
                writeoff_create(
                    arrear=arrear, amount=_cents_to_money(item.amount), approval_reference=item.reference,
                    reason=item.reason, recorded_by=self.staff, recorded_at=at,
                    submission_token=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                )


    # -- contracts (清合同) --

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
            start = _add_years(end + timedelta(days=1), -min(term, 4))
        elif timing < 0.22:  # ended years ago, still used
            end = datetime(today.year - rng.randint(2, 6), 12, 31).date()
            start = datetime(end.year - min(term, 3) + 1, 1, 1).date()
        else:
            start = datetime(today.year - rng.randint(1, min(term - 1, 3)), rng.choice([1, 1, 1, 3, 10]), 1).date()
            end = _add_years(start, term) - timedelta(days=1)
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
            "end_date": _add_years(start, rng.choice([3, 5, 5, 10, 15])) - timedelta(days=1),
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
        quiet = logging.getLogger("contracts.services")
        level = quiet.level
        quiet.setLevel(logging.WARNING)  # one INFO line per arrear is too much for the console
        try:
            fee_arrears_create(today=self.today)
        finally:
            quiet.setLevel(level)

    # -- summary --

    def summary(self):
        arrears = Arrear.objects.filter(campaign=self.campaign)
        live = Repayment.objects.filter(arrear__campaign=self.campaign, reversal__isnull=True)

        def money(queryset, name="amount"):
            return queryset.aggregate(total=Sum(name))["total"] or ZERO

        by_village = arrears.values("village").annotate(left=Sum("outstanding"))
        debtors = Debtor.objects.filter(village__work_area__zone__township=self.township).aggregate(
            total=Count("pk"),
            organisations=Count("pk", filter=Q(kind=DebtorKind.ORGANISATION)),
            blacklisted=Count("pk", filter=Q(is_blacklisted=True)),
            litigating=Count("pk", filter=~Q(litigation_status=LitigationStatus.NONE)),
        )
        counts = {
            "zones": Zone.objects.filter(township=self.township).count(),
            "work_areas": WorkArea.objects.filter(zone__township=self.township).count(),
            "villages": len(self.villages),
            "villages_owed_nothing": len(self.villages) - by_village.count(),
            "villages_cleared": sum(1 for row in by_village if row["left"] == 0),
            "assignments": Assignment.objects.count(),
            "debtors": debtors["total"],
            "organisations": debtors["organisations"],
            "blacklisted": debtors["blacklisted"],
            "litigating": debtors["litigating"],
            "arrears": arrears.count(),
            "repayments": Repayment.objects.filter(arrear__campaign=self.campaign).count(),
            "reversals": Reversal.objects.filter(repayment__arrear__campaign=self.campaign).count(),
            "write_offs": WriteOff.objects.filter(arrear__campaign=self.campaign).count(),
            "users": len(self.users),
        }
        contracts = Contract.objects.filter(village__work_area__zone__township=self.township)
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
            .filter(end_date__gte=self.today, end_date__lte=self.today + timedelta(days=90)).count(),
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
            "reversed": money(Repayment.objects.filter(arrear__campaign=self.campaign, reversal__isnull=False)),
            "written_off": money(WriteOff.objects.filter(arrear__campaign=self.campaign)),
            "outstanding": money(arrears, "outstanding"),
        }
        return counts, totals

    def run(self):
        self.build_township()
        self.build_villages()
        self.build_campaign()
        self.build_users()
        self.pick_roles()
        self.build_debtors_and_arrears()
        self.build_entries()
        self.build_contracts()
        return self.summary()


def generate_demo(*, villages=DEFAULT_VILLAGES, seed=DEFAULT_SEED, password=DEFAULT_PASSWORD, today=None):
    """Create the demo township in one transaction and return a ``DemoResult``.

    Raises ``DemoDataExists`` when the database already has villages, the demo township
    or any of the demo user names; ``ValueError`` for a village count out of range.
    """
    if not 1 <= villages <= MAX_VILLAGES:
        raise ValueError(f"村居数量应在 1 到 {MAX_VILLAGES} 之间。")
    if not password:
        raise ValueError("请提供密码。")
    started = _time.monotonic()
    today = today or timezone.localdate()
    with transaction.atomic():
        if Village.objects.exists() or Township.objects.filter(code=TOWNSHIP_CODE).exists():
            raise DemoDataExists("数据库中已有村居数据，演示数据只能在空库中生成。")
        width = max(3, len(str(villages)))
        usernames = ["admin", "staff", "leader"] + [f"cadre-V{i:0{width}d}" for i in range(1, villages + 1)]
        taken = list(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
        if taken:
            raise DemoDataExists(f"用户名已存在：{'、'.join(sorted(taken))}。演示数据只能在空库中生成。")
        generator = _Generator(villages=villages, seed=seed, password=password, today=today)
        counts, totals = generator.run()
    return DemoResult(
        seed=seed, password=password, township=TOWNSHIP_NAME, campaign=CAMPAIGN_NAME,
        counts=counts, totals=totals, users=generator.users, seconds=_time.monotonic() - started,
    )


def format_result(result):
    """The Chinese report ``seed_demo`` prints."""
    c, t = result.counts, result.totals
    resolved = t["cash"] + t["offsets"]
    ratio = f"{resolved / t['principal'] * 100:.2f}%" if t["principal"] else "—"

    def money(value):
        return f"{fmt_yuan(value)} 元（{fmt_wan(value)} 万元）"

    lines = [
        f"已生成演示数据（随机种子 {result.seed}，用时 {result.seconds:.1f} 秒）",
        f"  {result.township}：{c['zones']} 个片区，{c['work_areas']} 个工作区，{c['villages']} 个村居"
        f"（无欠款 {c['villages_owed_nothing']} 个，已清零 {c['villages_cleared']} 个），责任分工 {c['assignments']} 条",
        f"  清收行动：{result.campaign}",
        f"  欠款人 {c['debtors']} 户（单位 {c['organisations']} 户，失信 {c['blacklisted']} 户，起诉 {c['litigating']} 户）",
        f"  欠款 {c['arrears']} 笔，合计 {money(t['principal'])}",
        f"  清收记录 {c['repayments']} 笔（其中已冲正 {c['reversals']} 笔，{money(t['reversed'])}）",
        f"    现金/转账 {money(t['cash'])}",
        f"    以物抵债/抵顶债务 {money(t['offsets'])}",
        f"  核销 {c['write_offs']} 笔，{money(t['written_off'])}",
        f"  尚欠 {money(t['outstanding'])}；完成比例 {ratio}",
        f"  合同 {c['contracts']} 份（另有重签新合同 {c['renewals']} 份），90 天内到期 {c['contracts_ending_soon']} 份",
        "    " + "、".join(f"{label} {count}" for label, count in c["contracts_by_stage"].items()),
        f"    问题 {c['findings']} 个（未整改 {c['findings_open']} 个），承包费缴纳 {c['fee_payments']} 笔，"
        f"逾期承包费转为欠款 {c['fee_arrears']} 笔，{money(t['fee_arrears'])}",
        f"    新增承包费 {fmt_yuan(t['new_fees'])} 元/年，收回土地 {t['land_recovered']:.2f} 亩",
        "",
        f"用户（密码均为 {result.password}）：",
    ]
    rows = [("用户名", "角色", "姓名", "范围", "密码")] + [
        (u.username, u.role, u.display_name, u.scope, result.password) for u in result.users
    ]
    widths = [max(_display_width(str(row[i])) for row in rows) + 2 for i in range(5)]
    for row in rows:
        lines.append("  " + "".join(pad(value, width) for value, width in zip(row, widths)).rstrip())
    return "\n".join(lines)
