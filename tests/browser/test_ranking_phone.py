"""A village cadre opens the battle report's ranking on a 375 x 812 phone (real Chromium):
their own village's completion ratio, outstanding and light are on screen without scrolling
sideways, in the card at the top and in their row of the ranking, among 30 villages.
Screenshots: var/screenshots/ranking-phone-top.png (first screen), ranking-phone-own-row.png
(the own row scrolled to) and ranking-phone.png (the whole page)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from recovery.models import Campaign
from reports.selectors import report_day_of
from reports.services import report_build
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_phone import PHONE_WIDTH, assert_fits_phone, expect
from tests.factories import ArrearFactory, DebtorFactory, VillageFactory, pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OTHERS = 29


@pytest.fixture
def ranking(campaign, village_a, work_area_a, work_area_b, staff_user, pdf_not_rendered):
    """30 villages each owing 1,000.00; 东岭村 paid 450.00, the others 10.00 … 970.00, so
    东岭村 ranks in the middle of the list; one report published for the day."""
    day = report_day_of(campaign, timezone.now())
    Campaign.objects.filter(pk=campaign.pk).update(start_date=day, end_date=day + timedelta(days=30))
    campaign.refresh_from_db()
    villages = [VillageFactory(work_area=(work_area_a, work_area_b)[i % 2], code=f"LS-{100 + i}", name=f"南山{i + 1}村")
                for i in range(OTHERS)]
    for village, paid in [(village_a, Decimal("450.00"))] + [(v, Decimal(10 + 33 * i)) for i, v in enumerate(villages)]:
        arrear = ArrearFactory(debtor=DebtorFactory(village=village), campaign=campaign, principal=Decimal("1000.00"))
        pay(arrear, paid, staff_user)
    after_cutoff = datetime.combine(day + timedelta(days=1), time(9, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(after_cutoff, tick=False):
        return report_build(campaign=campaign, day=day)[0]


def on_screen(locator):
    """The element's box lies inside the 375 px wide viewport, horizontally."""
    box = locator.bounding_box()
    return box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH + 0.5


def test_cadre_sees_own_ratio_outstanding_and_light_without_scrolling_sideways(phone, login, screenshot, cadre_user, ranking):
    page = login(phone, cadre_user)
    page.goto("/reports/")
    row = ranking.snapshot.villages
    mine = next(v for v in row if v.village_id == cadre_user.village_id)
    assert 5 < mine.rank < len(row) - 5  # deep in the list, not at the top

    card = page.locator(".cards.mine")
    expect(card).to_contain_text(f"第 {mine.rank} 名 / {len(row)}")
    expect(card).to_contain_text("45.00%")
    expect(card).to_contain_text("550.00 元")
    expect(card).to_contain_text(mine.light_label)
    assert on_screen(card)
    page.screenshot(path=str(SCREENSHOTS / "ranking-phone-top.png"))  # the first screen
    screenshot(page, "ranking-phone")  # the whole page
    assert_fits_phone(page, "ranking-phone")

    own = page.locator(f'.rpt-ranking tr[data-village="{cadre_user.village_id}"]')
    own.scroll_into_view_if_needed()
    cells = own.locator("td")
    for index, text in [(2, "东岭村"), (9, "45.00%"), (10, "550.00"), (11, mine.light_label)]:
        expect(cells.nth(index)).to_contain_text(text)
        assert on_screen(cells.nth(index)), f"cell {index + 1} ({text}) is off-screen: {cells.nth(index).bounding_box()}"
    expect(cells.nth(9).locator(".rpt-bar")).to_be_visible()
    # The header row is hidden on a phone: each row is a card; the own row is highlighted.
    expect(page.locator(".rpt-ranking thead")).to_be_hidden()
    background = own.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert background == "rgb(255, 243, 191)"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.screenshot(path=str(SCREENSHOTS / "ranking-phone-own-row.png"))  # the viewport, as the cadre sees it
