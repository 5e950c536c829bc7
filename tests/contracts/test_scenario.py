"""A small town's contracts cleanup, entered through the services, and every cleanup figure
(contracts/selectors.py: cleanup_figures) checked at village, work-area, zone and township
level against values worked out by hand below.

方山镇: 南片区 (第一工作区: 峪口村, 积翠村; 第二工作区: 圪洞村) and 北片区 (第三工作区: 马坊村,
北武当村). A village of another township has contracts and entries too; they must not count.

Contracts (area in 亩; status after the review; the two re-signings create new contracts,
which are not counted again):

  峪口村  YK-01 机动地   南洼机动地 10.00      重签 3,000.00 -> 4,200.00 (+1,200.00)
          YK-02 四荒地   西山荒坡 120.50       规范
          YK-03 建设用地 村东砖厂用地 5.25     面积已核实
          YK-04 经营性资产 沿街门头房 0.60     待查找
  积翠村  JC-01 机动地   河滩机动地 12.50      终止收回, 12.50 recovered
          JC-02 四荒地   北沟荒沟 80.00        已调查
          JC-03 其他     村内坑塘 3.20         已查找
  圪洞村  GD-01 经营性资产 村东砖厂厂房 1.80   重签 20,000.00 -> 19,700.00 (-300.00)
          GD-02 机动地   东岭机动地 7.75       待查找
  马坊村  MF-01 四荒地   南山荒山 200.00       规范
          MF-02 建设用地 原小学旧址 4.00       已调查
          MF-03 机动地   后洼机动地 6.00       已查找
  北武当村 (no contracts)

Entries (cash = 现金 + 转账, offset = 以物抵债 + 抵顶债务; reversed entries and write-offs
do not count):

  峪口村  cash 10,000.00 + transfer 5,000.50; in kind 20,000.00; cash 3,000.00 reversed
  积翠村  cash 2,000.00; debt offset 1,500.00
  圪洞村  transfer 1,234.56 on GD-01's 2024 fee arrear; write-off 500.00
  马坊村  nothing recovered
  北武当村 cash 4,000.00; in kind 6,000.00
"""

from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse

from contracts.choices import ContractCategory, ContractForm, ContractStatus
from contracts.selectors import DEFINITIONS, cleanup_figures
from contracts.services import contract_advance, contract_create, finding_add, finding_resolve
from core.money import fmt_percent, fmt_yuan
from recovery.choices import ArrearCategory, DebtorKind, RepaymentKind
from recovery.services import arrear_create, debtor_create, repayment_create, repayment_reverse, writeoff_create
from tests.factories import CampaignFactory, TownshipFactory, VillageFactory, WorkAreaFactory, ZoneFactory, staff_of
from villages.models import Village

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
S = ContractStatus
C = ContractCategory
D = Decimal


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


# ---- the town, entered through the services ------------------------------------------


def build_town():
    town = TownshipFactory(code="FS", name="方山镇")
    south = ZoneFactory(township=town, code="S", name="南片区", order=1)
    north = ZoneFactory(township=town, code="N", name="北片区", order=2)
    wa1 = WorkAreaFactory(zone=south, code="W1", name="第一工作区", order=1)
    wa2 = WorkAreaFactory(zone=south, code="W2", name="第二工作区", order=2)
    wa3 = WorkAreaFactory(zone=north, code="W3", name="第三工作区", order=1)
    villages = {
        "峪口村": VillageFactory(work_area=wa1, code="FS01", name="峪口村", order=1),
        "积翠村": VillageFactory(work_area=wa1, code="FS02", name="积翠村", order=2),
        "圪洞村": VillageFactory(work_area=wa2, code="FS03", name="圪洞村", order=3),
        "马坊村": VillageFactory(work_area=wa3, code="FS04", name="马坊村", order=4),
        "北武当村": VillageFactory(work_area=wa3, code="FS05", name="北武当村", order=5),
    }
    staff = staff_of(town, username="fs_staff", display_name="方山经管员")
    campaign = CampaignFactory(township=town, name="清化收专项行动")
    return town, villages, staff, campaign


def register(village, staff, number, category, subject, area, fee, **extra):
    fields = {
        "number": number, "counterparty_name": extra.pop("counterparty_name", f"{subject}承包人"),
        "category": category, "subject": subject, "area_mu": area, "annual_fee": fee,
        "start_date": date(2016, 1, 1), "end_date": date(2030, 12, 31), "fee_due_month": 12, "fee_due_day": 31,
        "form": ContractForm.WRITTEN, "democratic_procedure": False,
    }
    fields.update(extra)
    return contract_create(village=village, created_by=staff, **fields)


def review(contract, staff, status, *, verified=None, recovered=None, renewal=None):
    """Walk ``contract`` through the review to ``status``, one step at a time."""
    path = [S.FOUND, S.AREA_VERIFIED, S.INVESTIGATED]
    steps = path[:path.index(status) + 1] if status in path else path + [status]
    result = contract
    for step in steps:
        result = contract_advance(
            contract=contract, to_status=step, changed_by=staff,
            verified_area_mu=(verified if verified is not None else contract.area_mu) if step == S.AREA_VERIFIED else None,
            recovered_area_mu=recovered if step == S.TERMINATED else None,
            renewal=renewal if step == S.RESIGNED else None,
            note={S.STANDARDISED: "合同要素齐全，继续履行", S.RESIGNED: "价格不合理，经四议两公开重新签订",
                  S.TERMINATED: "承包方长期撂荒，依法收回"}.get(step, ""),
        )
    return result


def renewal(number, fee):
    return {"number": number, "annual_fee": D(fee), "start_date": date(2025, 7, 1), "end_date": date(2035, 6, 30),
            "form": ContractForm.WRITTEN, "democratic_procedure": True}


def owed(village, staff, campaign, name, principal, **kwargs):
    debtor = debtor_create(village=village, created_by=staff, name=name, kind=kwargs.pop("kind", DebtorKind.PERSON))
    return arrear_create(
        debtor=debtor, campaign=campaign, category=kwargs.pop("category", ArrearCategory.LOAN), principal=principal,
        incurred_on=kwargs.pop("incurred_on", date(2019, 5, 1)), created_by=staff, **kwargs,
    )


def repay(arrear, staff, amount, kind, note=""):
    repayment, _ = repayment_create(
        arrear=arrear, amount=amount, kind=kind, received_on=date(2025, 6, 20), recorded_by=staff, note=note,
    )
    return repayment


def build_scenario():
    town, v, staff, campaign = build_town()

    # 峪口村
    yk1 = register(v["峪口村"], staff, "YK-01", C.RESERVE_LAND, "南洼机动地", "10.00", "3000.00", counterparty_name="王建国")
    yk2 = register(v["峪口村"], staff, "YK-02", C.WASTELAND, "西山荒坡", "120.50", "2400.00")
    yk3 = register(v["峪口村"], staff, "YK-03", C.CONSTRUCTION_LAND, "村东砖厂用地", "5.25", "6000.00")
    register(v["峪口村"], staff, "YK-04", C.OPERATING_ASSET, "沿街门头房 6 间", "0.60", "18000.00")
    new_yk1 = review(yk1, staff, S.RESIGNED, renewal=renewal("YK-01-R", "4200.00"))
    assert new_yk1.renewed_from == yk1
    review(yk2, staff, S.STANDARDISED)
    review(yk3, staff, S.AREA_VERIFIED, verified="5.30")  # measured a little more; the rate counts the registered area
    finding = finding_add(contract=yk1, kind="price_too_low", text="", recorded_by=staff)
    finding_resolve(finding=finding, resolved_by=staff)

    # 积翠村
    jc1 = register(v["积翠村"], staff, "JC-01", C.RESERVE_LAND, "河滩机动地", "12.50", "2500.00")
    jc2 = register(v["积翠村"], staff, "JC-02", C.WASTELAND, "北沟荒沟", "80.00", "800.00", end_date=date(2066, 12, 31))
    jc3 = register(v["积翠村"], staff, "JC-03", C.OTHER, "村内坑塘", "3.20", "600.00", form=ContractForm.ORAL)
    review(jc1, staff, S.TERMINATED, recovered="12.50")
    review(jc2, staff, S.INVESTIGATED)
    review(jc3, staff, S.FOUND)
    finding_add(contract=jc2, kind="term_too_long", text="", recorded_by=staff)

    # 圪洞村
    gd1 = register(v["圪洞村"], staff, "GD-01", C.OPERATING_ASSET, "村东砖厂厂房", "1.80", "20000.00",
                   counterparty_name="临沂恒泰建材有限公司", counterparty_kind=DebtorKind.ORGANISATION)
    register(v["圪洞村"], staff, "GD-02", C.RESERVE_LAND, "东岭机动地", "7.75", "1500.00", form=ContractForm.RECEIPT_ONLY)
    review(gd1, staff, S.RESIGNED, renewal=renewal("GD-01-R", "19700.00"))

    # 马坊村
    mf1 = register(v["马坊村"], staff, "MF-01", C.WASTELAND, "南山荒山", "200.00", "4000.00")
    mf2 = register(v["马坊村"], staff, "MF-02", C.CONSTRUCTION_LAND, "原小学旧址", "4.00", "5000.00")
    mf3 = register(v["马坊村"], staff, "MF-03", C.RESERVE_LAND, "后洼机动地", "6.00", "1800.00")
    review(mf1, staff, S.STANDARDISED)
    review(mf2, staff, S.INVESTIGATED)
    review(mf3, staff, S.FOUND)

    # Entries.
    yk_debt = owed(v["峪口村"], staff, campaign, "峪口建筑队", "50000.00", category=ArrearCategory.CONSTRUCTION)
    repay(yk_debt, staff, "10000.00", RepaymentKind.CASH)
    repay(yk_debt, staff, "5000.50", RepaymentKind.TRANSFER, "银行转账")
    repay(yk_debt, staff, "20000.00", RepaymentKind.IN_KIND, "以商品房一套作价抵顶，评估报告已存档")
    wrong = repay(yk_debt, staff, "3000.00", RepaymentKind.CASH)
    repayment_reverse(repayment=wrong, reason="同一收据重复录入", recorded_by=staff)

    jc_debt = owed(v["积翠村"], staff, campaign, "张三", "8000.00")
    repay(jc_debt, staff, "2000.00", RepaymentKind.CASH)
    repay(jc_debt, staff, "1500.00", RepaymentKind.DEBT_OFFSET, "抵顶村集体应付其青苗补偿款")

    gd1.refresh_from_db()
    gd_fee = arrear_create(
        debtor=debtor_create(village=v["圪洞村"], created_by=staff, name="临沂恒泰建材有限公司", kind=DebtorKind.ORGANISATION),
        campaign=campaign, category=ArrearCategory.CONTRACT_FEE, principal="3000.00", incurred_on=date(2024, 12, 31),
        created_by=staff, contract=gd1, contract_year=2024,
    )
    repay(gd_fee, staff, "1234.56", RepaymentKind.TRANSFER)
    writeoff_create(arrear=gd_fee, amount="500.00", approval_reference="方农经〔2025〕3号", reason="经村民代表会议同意减免", recorded_by=staff)

    owed(v["马坊村"], staff, campaign, "李四", "6000.00")

    bwd_debt = owed(v["北武当村"], staff, campaign, "北武当养殖合作社", "10000.00", kind=DebtorKind.ORGANISATION)
    repay(bwd_debt, staff, "4000.00", RepaymentKind.CASH)
    repay(bwd_debt, staff, "6000.00", RepaymentKind.IN_KIND, "以挖掘机一台作价抵顶")

    # Another township: must not count anywhere.
    elsewhere = VillageFactory(code="HD01", name="河东村")
    other_staff = staff_of(elsewhere.work_area.zone.township, username="hd_staff")
    other_campaign = CampaignFactory(township=elsewhere.work_area.zone.township)
    far = register(elsewhere, other_staff, "HD-01", C.RESERVE_LAND, "河东机动地", "99.00", "9900.00")
    review(far, other_staff, S.TERMINATED, recovered="99.00")
    far_debt = owed(elsewhere, other_staff, other_campaign, "王五", "7777.00")
    repay(far_debt, other_staff, "777.00", RepaymentKind.CASH)
    repay(far_debt, other_staff, "1000.00", RepaymentKind.IN_KIND, "以苗木一批作价抵顶")

    return town, staff


# ---- the figures, worked out by hand -----------------------------------------------------

EMPTY = {"机动地": (0, D("0")), "四荒地": (0, D("0")), "建设用地": (0, D("0")), "经营性资产": (0, D("0")), "其他": (0, D("0"))}


def cats(**pairs):
    names = {"reserve": "机动地", "waste": "四荒地", "construction": "建设用地", "asset": "经营性资产", "other": "其他"}
    return {**EMPTY, **{names[k]: (n, D(a)) for k, (n, a) in pairs.items()}}


# name: contracts, found, investigated, settled, area_total, area_verified,
#       found_rate, area_verified_rate, investigated_rate, settled_rate,
#       recovered_cash, offset, new_fees, land_recovered, by_category
EXPECTED_VILLAGES = {
    # 4 contracts; found: YK-01, 02, 03; verified area 10.00 + 120.50 + 5.25 = 135.75 of 136.35;
    # investigated and settled: YK-01 (重签), YK-02 (规范).
    "峪口村": (4, 3, 2, 2, D("136.35"), D("135.75"), D("0.7500"), D("0.9956"), D("0.5000"), D("0.5000"),
              D("15000.50"), D("20000.00"), D("1200.00"), D("0"),
              cats(reserve=(1, "10.00"), waste=(1, "120.50"), construction=(1, "5.25"), asset=(1, "0.60"))),
    # 3 contracts, all found; verified 12.50 + 80.00 = 92.50 of 95.70; investigated JC-01, 02; settled JC-01.
    "积翠村": (3, 3, 2, 1, D("95.70"), D("92.50"), D("1.0000"), D("0.9666"), D("0.6667"), D("0.3333"),
              D("2000.00"), D("1500.00"), D("0"), D("12.50"),
              cats(reserve=(1, "12.50"), waste=(1, "80.00"), other=(1, "3.20"))),
    # 2 contracts; GD-01 re-signed (found, verified 1.80 of 9.55, investigated, settled); GD-02 to find.
    "圪洞村": (2, 1, 1, 1, D("9.55"), D("1.80"), D("0.5000"), D("0.1885"), D("0.5000"), D("0.5000"),
              D("1234.56"), D("0"), D("-300.00"), D("0"),
              cats(reserve=(1, "7.75"), asset=(1, "1.80"))),
    # 3 contracts, all found; verified 200.00 + 4.00 = 204.00 of 210.00; investigated MF-01, 02; settled MF-01.
    "马坊村": (3, 3, 2, 1, D("210.00"), D("204.00"), D("1.0000"), D("0.9714"), D("0.6667"), D("0.3333"),
              D("0"), D("0"), D("0"), D("0"),
              cats(reserve=(1, "6.00"), waste=(1, "200.00"), construction=(1, "4.00"))),
    # No contracts: every rate is "—".
    "北武当村": (0, 0, 0, 0, D("0"), D("0"), None, None, None, None,
                D("4000.00"), D("6000.00"), D("0"), D("0"), cats()),
}
EXPECTED_WORK_AREAS = {
    # 峪口村 + 积翠村: found 6/7, verified 228.25/232.05, investigated 4/7, settled 3/7.
    "南片区 · 第一工作区": (7, 6, 4, 3, D("232.05"), D("228.25"), D("0.8571"), D("0.9836"), D("0.5714"), D("0.4286"),
                     D("17000.50"), D("21500.00"), D("1200.00"), D("12.50"),
                     cats(reserve=(2, "22.50"), waste=(2, "200.50"), construction=(1, "5.25"), asset=(1, "0.60"), other=(1, "3.20"))),
    "南片区 · 第二工作区": EXPECTED_VILLAGES["圪洞村"],
    # 马坊村 + 北武当村.
    "北片区 · 第三工作区": (3, 3, 2, 1, D("210.00"), D("204.00"), D("1.0000"), D("0.9714"), D("0.6667"), D("0.3333"),
                     D("4000.00"), D("6000.00"), D("0"), D("0"),
                     cats(reserve=(1, "6.00"), waste=(1, "200.00"), construction=(1, "4.00"))),
}
EXPECTED_ZONES = {
    # 第一 + 第二工作区: found 7/9, verified 230.05/241.60, investigated 5/9, settled 4/9;
    # new fees +1,200.00 − 300.00.
    "南片区": (9, 7, 5, 4, D("241.60"), D("230.05"), D("0.7778"), D("0.9522"), D("0.5556"), D("0.4444"),
            D("18235.06"), D("21500.00"), D("900.00"), D("12.50"),
            cats(reserve=(3, "30.25"), waste=(2, "200.50"), construction=(1, "5.25"), asset=(2, "2.40"), other=(1, "3.20"))),
    "北片区": EXPECTED_WORK_AREAS["北片区 · 第三工作区"],
}
# The town: found 10/12, verified 434.05/451.60, investigated 7/12, settled 5/12.
EXPECTED_TOWN = (12, 10, 7, 5, D("451.60"), D("434.05"), D("0.8333"), D("0.9611"), D("0.5833"), D("0.4167"),
                 D("22235.06"), D("27500.00"), D("900.00"), D("12.50"),
                 cats(reserve=(4, "36.25"), waste=(3, "400.50"), construction=(2, "9.25"), asset=(2, "2.40"), other=(1, "3.20")))


def actual(f):
    return (
        f.contracts, f.found, f.investigated, f.settled, f.area_total, f.area_verified,
        f.found_rate, f.area_verified_rate, f.investigated_rate, f.settled_rate,
        f.recovered_cash, f.offset, f.new_fees, f.land_recovered,
        {label: (count, area) for label, (count, area) in f.by_category.items()},
    )


def test_every_cleanup_figure_matches_the_hand_computed_values():
    town, _staff = build_scenario()

    figures = cleanup_figures(villages=Village.objects.filter(work_area__zone__township=town))

    assert [f.name for f in figures["villages"]] == list(EXPECTED_VILLAGES)
    for f in figures["villages"]:
        assert actual(f) == EXPECTED_VILLAGES[f.name], f.name
    assert [f.name for f in figures["work_areas"]] == list(EXPECTED_WORK_AREAS)
    for f in figures["work_areas"]:
        assert actual(f) == EXPECTED_WORK_AREAS[f.name], f.name
    assert [f.name for f in figures["zones"]] == list(EXPECTED_ZONES)
    for f in figures["zones"]:
        assert actual(f) == EXPECTED_ZONES[f.name], f.name
    assert actual(figures["total"]) == EXPECTED_TOWN
    # The headline numbers, as a leader would quote them.
    total = figures["total"]
    assert (fmt_percent(total.found_rate), fmt_percent(total.area_verified_rate),
            fmt_percent(total.investigated_rate), fmt_percent(total.settled_rate)) == ("83.33%", "96.11%", "58.33%", "41.67%")
    assert (total.recovered_cash, total.offset, total.new_fees, total.land_recovered) == (
        D("22235.06"), D("27500.00"), D("900.00"), D("12.50"))


def test_the_figures_of_one_village_are_the_same_alone_and_in_the_town():
    town, _staff = build_scenario()

    alone = cleanup_figures(villages=Village.objects.filter(name="积翠村"))

    assert [f.name for f in alone["villages"]] == ["积翠村"]
    assert actual(alone["total"]) == EXPECTED_VILLAGES["积翠村"]
    assert actual(alone["zones"][0]) == EXPECTED_VILLAGES["积翠村"]


def test_every_figure_has_a_written_definition():
    names = [name for name, _definition in DEFINITIONS]

    assert names == ["合同查找率", "面积核实率", "调查完成率", "规范率", "清收欠款", "化解金额", "新增承包费", "收回土地"]
    assert all("÷" in definition for name, definition in DEFINITIONS if name.endswith("率"))


# ---- the figures page ------------------------------------------------------------------


class _Rows(HTMLParser):
    """Every table row of a page, as a list of its cells' text."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def shown(expected):
    """The cells a row of the figures page shows for ``expected``, in order."""
    (contracts, _f, _i, _s, _at, _av, found, verified, investigated, settled,
     cash, offset, new_fees, land, by_category) = expected
    return [
        str(contracts), fmt_percent(found), fmt_percent(verified), fmt_percent(investigated), fmt_percent(settled),
        fmt_yuan(cash), fmt_yuan(offset), fmt_yuan(new_fees), f"{land:.2f}",
        *[f"{count} / {area:.2f}" for count, area in by_category.values()],
    ]


def is_subsequence(wanted, cells):
    cells = iter(cells)
    return all(any(cell == w for cell in cells) for w in wanted)


def test_the_figures_page_shows_the_same_numbers(client):
    try:
        url = reverse("contracts:figures")
    except NoReverseMatch:
        pytest.skip("合同清理进度页面（contracts:figures）尚未建成")
    town, staff = build_scenario()
    client.force_login(staff)

    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    parser = _Rows()
    parser.feed(page)
    for expected in (EXPECTED_VILLAGES, EXPECTED_WORK_AREAS, EXPECTED_ZONES):
        for name, figures in expected.items():
            rows = [row for row in parser.rows if row and row[0] == name]
            assert rows, f"页面上没有“{name}”这一行"
            assert any(is_subsequence(shown(figures), row[1:]) for row in rows), (name, shown(figures), rows)
    for text in ["83.33%", "96.11%", "58.33%", "41.67%", "22,235.06", "27,500.00", "900.00", "12.50"]:
        assert text in page, text
    assert "河东村" not in page
