"""The home page as a dashboard, in a real browser, on a 375 x 812 phone and a 1280 px screen.

The cadre of 东岭村 opens the site: rank, ratio, outstanding and light are on the first screen,
each with its 16:00 figure labelled, because debts were registered after yesterday's report
(cleared in the report, 40 % now); the village page says the same. Staff and leaders see the target, the pace chart, the
villages behind pace and the bottom of the table. Nothing scrolls sideways. Screenshots in
var/screenshots/home-*.png.
"""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.selectors import LIVE_REASON
from tests.browser.test_phone import OVERFLOW_JS, PHONE_WIDTH
from tests.factories import ArrearFactory, CampaignFactory, DebtorFactory, leader_of, pay, publish_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_HEIGHT = 812


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


@pytest.fixture
def dashboard(township, village_a, village_b, staff_user, cadre_user):
    """Yesterday's report (and one a week before it): 东岭村 cleared (1,000.00 paid of 1,000.00),
    西河村 at 10 %. Since then 东岭村 registered 2,000.00 more, of which 200.00 is paid."""
    today = timezone.localdate()
    yesterday, week_ago = today - timedelta(days=1), today - timedelta(days=8)
    campaign = CampaignFactory(
        township=township, name="清收清欠突击月", start_date=today - timedelta(days=20), end_date=today + timedelta(days=10),
    )
    books = timezone.make_aware(datetime.combine(today - timedelta(days=30), datetime.min.time()))
    debtor = DebtorFactory(village=village_a, name="张三")
    first = ArrearFactory(debtor=debtor, campaign=campaign, principal=Decimal("1000.00"), created_at=books)
    pay(first, "400.00", staff_user, recorded_at=timezone.make_aware(datetime.combine(week_ago, datetime.min.time())) + timedelta(hours=10))
    pay(first, "600.00", staff_user, recorded_at=timezone.make_aware(datetime.combine(yesterday, datetime.min.time())) + timedelta(hours=10))
    far = ArrearFactory(debtor__village=village_b, debtor__name="李四", campaign=campaign, principal=Decimal("5000.00"), created_at=books)
    pay(far, "500.00", staff_user, recorded_at=timezone.make_aware(datetime.combine(week_ago, datetime.min.time())) + timedelta(hours=11))
    publish_report(campaign, week_ago)
    report = publish_report(campaign, yesterday)
    later = ArrearFactory(debtor__village=village_a, debtor__name="王五", campaign=campaign, principal=Decimal("2000.00"))
    pay(later, "200.00", staff_user)
    local = timezone.localtime(report.cutoff_at)
    return {"label": f"截至{local.month}月{local.day}日16:00战报", "leader": leader_of(township, username="leader")}


def assert_no_sideways_scroll(page, name):
    result = page.evaluate(OVERFLOW_JS)
    width = page.viewport_size["width"]
    culprits = [o["path"] for o in result["offenders"] if o["leaf"]][:5]
    assert result["scrollWidth"] <= width, f"{name}: scrollWidth {result['scrollWidth']} > {width}: {culprits}"


def assert_in_first_screen(locator, what):
    box = locator.bounding_box()
    assert box is not None, f"{what} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH + 0.5, f"{what} off the side: {box}"
    assert box["y"] + box["height"] <= PHONE_HEIGHT, f"{what} below the first screen: {box}"


def test_cadre_sees_rank_ratio_outstanding_and_light_at_once_with_both_figures(phone, login, screenshot, cadre_user, dashboard):
    page = login(phone, cadre_user)
    label = dashboard["label"]
    card = lambda text: page.locator(".card", has=page.locator(".card-label", has_text=text))  # noqa: E731
    rank, ratio, outstanding, light = card("全镇排名"), card("完成比例"), card("尚欠"), card("亮灯")

    expect(rank.locator(".card-value")).to_have_text("第 1 名 / 2")
    expect(rank.locator(".official")).to_contain_text(f"{label}：第 1 名")
    expect(ratio.locator(".card-value")).to_have_text("40.00%")  # 1,200 / 3,000
    expect(ratio.locator(".official")).to_have_text(f"{label}：100.00%")
    expect(outstanding.locator(".card-value")).to_have_text("1,800.00 元")
    expect(outstanding.locator(".official")).to_have_text(f"{label}：0.00 元")
    expect(light.locator(".card-value")).to_have_text("黄灯")
    expect(page.locator(".dash-source")).to_contain_text(LIVE_REASON)
    for locator, what in ((rank, "rank"), (ratio, "ratio"), (outstanding, "outstanding"), (light, "light"),
                          (ratio.locator(".bar"), "ratio bar"), (page.locator(".dash-source"), "why they differ")):
        assert_in_first_screen(locator, what)
    expect(page.locator(".dash-list a", has_text="王五")).to_be_visible()
    screenshot(page, "home-cadre-375")
    assert_no_sideways_scroll(page, "cadre home")

    # The village page says the same, both figures labelled.
    with page.expect_navigation():
        page.get_by_role("link", name="本村详情").tap()
    outstanding = card("尚欠")
    expect(outstanding.locator(".card-value")).to_have_text("1,800.00 元")
    expect(outstanding.locator(".card-sub")).to_have_text(f"{label}：0.00 元")
    expect(page.locator(".live-note")).to_contain_text(LIVE_REASON)
    screenshot(page, "home-cadre-village-375")
    assert_no_sideways_scroll(page, "cadre's village page")


@pytest.mark.parametrize("who", ["staff", "leader"])
def test_staff_and_leader_see_target_pace_chart_and_bottom(browser, live_server, login, screenshot, staff_user, dashboard, who):
    """At 375 px (a phone) and 1280 px (a desktop), one ledger for both."""
    user = staff_user if who == "staff" else dashboard["leader"]
    for width in (375, 1280):
        phone = width == 375
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai",
            device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone,
        )
        try:
            page = login(context.new_page(), user)
            expect(page.locator(".dash-target")).to_contain_text("目标完成比例 80.00%")
            expect(page.locator(".dash-target")).to_contain_text("还剩 10 天")
            chart = page.locator(".dash-chart svg")
            expect(chart).to_be_visible()
            box = chart.bounding_box()
            assert min(width - 60, 440) * 0.9 <= box["width"] <= width, box
            assert chart.locator("polyline.pace").count() == 1
            expect(page.locator(".dash-behind")).to_contain_text("西河村")
            expect(page.get_by_role("heading", name="倒数五名及责任人")).to_be_visible()
            expect(page.locator(".dash-source")).to_contain_text(dashboard["label"])
            screenshot(page, f"home-{who}-{width}")
            assert_no_sideways_scroll(page, f"{who} home at {width}")
        finally:
            context.close()
