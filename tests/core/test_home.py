"""The home pages as dashboards, the village page and the villages list: live figures beside
the 16:00 report's, labelled, and the difference explained.

One ledger for the module: 兰山街道, seven villages owed something and one owed nothing, reports published for 3月3日 and 3月10日.
东岭村 (the cadre's) was cleared at 3月10日 16:00 (1,000.00 owed, all paid: first in the report);
afterwards debts of 13,719.00 were registered, so now it is 1,000 / 14,719 = 6.79 %, fifth of
seven, the example of issue 11. It is 3月11日 10:00; the campaign (target 80 %) runs to 12月31日.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from reports.models import Report
from reports.selectors import LIVE_REASON, campaign_pace
from tests.factories import (
    ArrearFactory,
    AssignmentFactory,
    CampaignFactory,
    DebtorFactory,
    TownshipFactory,
    VillageFactory,
    WorkAreaFactory,
    ZoneFactory,
    cadre_of,
    leader_of,
    pay,
    publish_report,
    staff_of,
)
from tests.module_db import module_transaction
from villages.choices import AssignmentRole

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK_AGO, D = date(2025, 3, 3), date(2025, 3, 10)
NOW = datetime(2025, 3, 11, 10, 0, tzinfo=SHANGHAI)
BOOKS = datetime(2024, 12, 20, 9, 0, tzinfo=SHANGHAI)
LABEL = "截至3月10日16:00战报"
# village: (code, owed, paid by 3月3日, paid by 3月10日)
VILLAGES = {
    "东岭村": ("LS-001", "1000.00", "100.00", "1000.00"),
    "西河村": ("LS-002", "1000.00", "500.00", "600.00"),
    "南坦村": ("LS-003", "1000.00", "400.00", "450.00"),
    "北园村": ("LS-004", "1000.00", "50.00", "300.00"),
    "王庄村": ("LS-005", "1000.00", "0.00", "120.00"),
    "李官村": ("LS-006", "1000.00", "20.00", "60.00"),
    "柳青村": ("LS-007", "1000.00", "0.00", "10.00"),
}


def at(day, hour):
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _build():
    township = TownshipFactory(code="LS", name="兰山街道")
    zone = ZoneFactory(township=township, code="S", name="南片区")
    area = WorkAreaFactory(zone=zone, code="1", name="第一工作区")
    AssignmentFactory(role=AssignmentRole.ZONE_LEADER, zone=zone, village=None, person_name="周书记")
    AssignmentFactory(role=AssignmentRole.WORKAREA_CONTACT, work_area=area, village=None, person_name="吴委员")
    campaign = CampaignFactory(township=township, name="2025年清收清欠攻坚行动")
    staff = staff_of(township, username="staff")
    villages, debtors = {}, {}
    for name, (code, owed, by_week_ago, by_d) in VILLAGES.items():
        village = villages[name] = VillageFactory(work_area=area, code=code, name=name)
        debtor = debtors[name] = DebtorFactory(village=village, name=f"{name[:2]}欠款人")
        arrear = ArrearFactory(debtor=debtor, campaign=campaign, principal=Decimal(owed), created_at=BOOKS)
        if Decimal(by_week_ago):
            pay(arrear, by_week_ago, staff, recorded_at=at(WEEK_AGO, 10))
        if Decimal(by_d) > Decimal(by_week_ago):
            pay(arrear, str(Decimal(by_d) - Decimal(by_week_ago)), staff, recorded_at=at(D, 10))
    VillageFactory(work_area=area, code="LS-008", name="无欠款村")  # owed nothing: no ratio, no rank
    publish_report(campaign, WEEK_AGO)
    report = publish_report(campaign, D)
    # After 3月10日 16:00: 东岭村 registers two more debts.
    dongling = villages["东岭村"]
    big = DebtorFactory(village=dongling, name="赵大户")
    ArrearFactory(debtor=big, campaign=campaign, principal=Decimal("13000.00"), created_at=at(D, 17))
    ArrearFactory(debtor=debtors["东岭村"], campaign=campaign, principal=Decimal("719.00"), created_at=at(D, 18))
    return {
        "township": township, "campaign": campaign, "villages": villages, "report": report, "big": big,
        "users": {
            "staff": staff, "leader": leader_of(township, username="leader"),
            "cadre": cadre_of(dongling, username="cadre"),
        },
    }


@pytest.fixture(scope="module")
def ledger(django_db_setup, django_db_blocker):
    with time_machine.travel(NOW, tick=False), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = _build()
        yield built


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def page(client, ledger, who, url="/"):
    client.force_login(ledger["users"][who])
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_it_shows_the_cadre_both_figures_labelled_and_says_why_they_differ(client, ledger):
    response = page(client, ledger, "cadre")
    my = response.context["my"]
    assert (my.rank, my.ratio, my.outstanding, my.light) == (5, Decimal("0.0679"), Decimal("13719.00"), "red")
    assert (my.official.rank, my.official.ratio, my.official.outstanding) == (1, Decimal("1.0000"), Decimal("0.00"))
    html = response.content.decode()
    assert LIVE_REASON in html
    assert "全镇排名（实时）" in html and "第 5 名 / 7" in html
    assert f"{LABEL}：第 1 名；前一日第 3 名（↑2）" in html
    assert "尚欠（实时）" in html and "13,719.00 元" in html and f"{LABEL}：0.00 元" in html
    assert f"{LABEL}：100.00%" in html and "6.79%" in html
    assert 'class="light light-red"' in html
    assert "css/dashboard.css" in html


def test_it_lists_the_cadres_debtors_owing_most_first_with_links(client, ledger):
    response = page(client, ledger, "cadre")
    debtors = response.context["top_debtors"]
    assert [(d.name, d.outstanding_total) for d in debtors] == [("赵大户", Decimal("13000.00")), ("东岭欠款人", Decimal("719.00"))]
    assert f'href="{ledger["big"].get_absolute_url()}"' in response.content.decode()


def test_it_shows_staff_the_target_days_left_and_the_pace_chart(client, ledger):
    response = page(client, ledger, "staff")
    progress = response.context["progress"]
    assert progress.pace == campaign_pace(ledger["campaign"], NOW.date()) == Decimal("0.1534")  # 0.8 x 70 / 365
    assert progress.days_left == 295
    html = response.content.decode()
    assert "目标完成比例 <strong>80.00%</strong>" in html and "还剩 295 天" in html
    chart = response.context["chart"]
    assert '<polyline class="pace"' in chart and "目标进度" in chart and "<svg" in html


def test_it_shows_staff_the_township_totals_now_and_at_the_report(client, ledger):
    response = page(client, ledger, "staff")
    totals, official = response.context["totals"], response.context["official"]
    assert (totals["baseline"], totals["recovered"]) == (Decimal("20719.00"), Decimal("2540.00"))
    assert (official.baseline, official.recovered) == (Decimal("7000.00"), Decimal("2540.00"))
    html = response.content.decode()
    assert "完成比例（实时）" in html and f"{LABEL}：36.29%" in html and LIVE_REASON in html


def test_it_lists_the_villages_behind_pace_in_red(client, ledger):
    response = page(client, ledger, "staff")
    assert [f.village.name for f in response.context["behind"]] == ["柳青村", "李官村", "东岭村", "王庄村"]
    assert '<li class="behind"><a href="/villages/' in response.content.decode()


def test_it_shows_this_weeks_movers_from_the_published_reports(client, ledger):
    movers = page(client, ledger, "leader").context["movers"]
    assert movers["since"] == WEEK_AGO
    assert [(m.name, m.rank_gain) for m in movers["gains"]] == [("东岭村", 2), ("王庄村", 1)]  # 3→1, 6→5
    assert [(m.name, m.recovered_week) for m in movers["recovered"]][:2] == [("东岭村", Decimal("900.00")), ("北园村", Decimal("250.00"))]


def test_it_shows_the_bottom_five_with_who_goes_there(client, ledger):
    response = page(client, ledger, "leader")
    bottom = response.context["bottom"]
    assert [(b["rank"], b["name"]) for b in bottom] == [(7, "柳青村"), (6, "李官村"), (5, "王庄村"), (4, "北园村"), (3, "南坦村")]
    assert [(d.person_name, d.position) for d in bottom[0]["duties"]] == [("周书记", "最低"), ("吴委员", "最低")]
    assert "倒数五名及责任人" in response.content.decode()


def test_it_shows_the_village_page_live_and_at_the_report(client, ledger):
    village = ledger["villages"]["东岭村"]
    html = page(client, ledger, "cadre", reverse("villages:village", args=[village.pk])).content.decode()
    assert "尚欠（实时）" in html and "13,719.00 元" in html
    assert f"{LABEL}：0.00 元" in html and f"{LABEL}：100.00%，第 1 名" in html and LIVE_REASON in html


def test_it_lists_the_villages_with_the_reports_ratio_beside_the_live_one(client, ledger):
    response = page(client, ledger, "staff", reverse("villages:village_list") + "?sort=-official_ratio")
    html = response.content.decode()
    assert "完成比例（实时）" in html and "16:00战报完成比例" in html and LABEL in html and LIVE_REASON in html
    rows = response.context["table"].page.object_list
    assert [row.record.name for row in rows][:2] == ["东岭村", "西河村"]
    assert (rows[0].record.ratio_sort, rows[0].record.official_ratio) == (Decimal("0.0679"), Decimal("1.0000"))


def test_it_filters_and_sorts_the_villages_list_by_the_live_figures(client, ledger):
    response = page(client, ledger, "staff", reverse("villages:village_list") + "?q=村&sort=ratio")
    names = [row.record.name for row in response.context["table"].page.object_list]
    assert names == ["无欠款村", "柳青村", "李官村", "东岭村", "王庄村", "北园村", "南坦村", "西河村"]
    response = page(client, ledger, "staff", reverse("villages:village_list") + "?sort=-ratio")
    names = [row.record.name for row in response.context["table"].page.object_list]
    assert names == ["西河村", "南坦村", "北园村", "王庄村", "东岭村", "李官村", "柳青村", "无欠款村"]
    response = page(client, ledger, "staff", reverse("villages:village_list") + "?q=LS-00&sort=-outstanding")
    assert response.context["table"].page.object_list[0].record.name == "东岭村"
    response = page(client, ledger, "staff", reverse("villages:village_list") + "?q=西河")
    assert [row.record.name for row in response.context["table"].page.object_list] == ["西河村"]


def test_it_says_so_when_no_report_was_published(client, ledger):
    Report.objects.filter(campaign=ledger["campaign"]).update(is_current=False)
    html = page(client, ledger, "cadre").content.decode()
    assert "尚无已发布的战报" in html and LABEL not in html
    html = page(client, ledger, "staff").content.decode()
    assert "尚无已发布的战报" in html and LABEL not in html
