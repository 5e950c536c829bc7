"""On a phone, in a real browser: staff enter repayments, cadres read their village.

Debian's chromium (Playwright, headless) at 375 x 812 CSS px, 2x, touch, zh-CN, against
``live_server``. Every page visited is saved to var/screenshots/<name>.png for a human to
look at. Fixtures ``browser``, ``phone``, ``login`` and ``screenshot`` are in conftest.py.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from contracts.choices import ContractCategory, ContractForm
from contracts.services import contract_create
from recovery.choices import ArrearCategory
from recovery.models import Repayment
from tests.factories import ArrearFactory, DebtorFactory, pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 375
ENTRY_URL = "/recovery/repayments/add/"
HAN = re.compile(r"[\u4e00-\u9fff]")


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def submit(page, locator, *, double=False):
    """Tap (or double-click) a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        if double:
            locator.dblclick()
        else:
            locator.tap()


def pick_arrear(page, query, outstanding):
    """On the entry page: search ``query`` and tap the arrear showing ``尚欠 <outstanding> 元``."""
    page.fill("#q", query)
    submit(page, page.get_by_role("button", name="查找"))
    with page.expect_navigation():
        page.locator(".arrear-picks a", has_text=f"尚欠 {outstanding} 元").tap()
    expect(page.locator("#id_amount")).to_be_visible()


# What sticks out of the viewport: every element whose box, or content spilling out of its
# box (long unbreakable text, say), passes the right edge, and that no scrolling/clipping
# ancestor (a .table-container) holds in. "leaf" marks the innermost ones: the culprits.
OVERFLOW_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) parts.unshift(name(e));
    return parts.join(" > ");
  };
  const held = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  const right = (el) => {
    const r = el.getBoundingClientRect();
    const spills = getComputedStyle(el).overflowX === "visible" ? el.scrollWidth : 0;
    return r.width || r.height ? Math.max(r.right, r.left + spills) : 0;
  };
  const sticksOut = (el) => right(el) > vw + 0.5 && !held(el);
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!sticksOut(el)) continue;
    const r = el.getBoundingClientRect();
    out.push({path: path(el), right: Math.round(right(el)), width: Math.round(r.width),
              leaf: ![...el.children].some(sticksOut),
              text: (el.innerText || el.value || "").replace(/\\s+/g, " ").slice(0, 80)});
  }
  out.sort((a, b) => b.right - a.right || b.width - a.width);
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: vw, offenders: out};
}
"""


def overflow_problem(page, name):
    """None if the page does not scroll sideways at 375 px; else what overflows."""
    result = page.evaluate(OVERFLOW_JS)
    if result["scrollWidth"] <= PHONE_WIDTH:
        return None
    offenders = result["offenders"]
    culprits = [o for o in offenders if o["leaf"]][:5] or offenders[:5]
    lines = [f"  reaches {o['right']}px (box {o['width']}px): {o['path']} «{o['text']}»" for o in culprits]
    return (
        f"{name}（{page.url}）在 {PHONE_WIDTH}px 宽的手机上横向溢出："
        f"document scrollWidth={result['scrollWidth']}px > {PHONE_WIDTH}px。溢出的最内层元素：\n"
        + "\n".join(lines)
    )


def assert_fits_phone(page, name):
    """No page-level horizontal scrolling at 375 px; if there is, say what overflows."""
    problem = overflow_problem(page, name)
    if problem:
        pytest.fail(problem, pytrace=False)


# ---- data ---------------------------------------------------------------------------


@pytest.fixture
def ledger(village_b, campaign, debtor, arrear, staff_user):
    """东岭村 (village_a): 张三 owes 1,000.00 (the ``arrear`` fixture) and 2,000.00 more of
    which 800.00 is paid; 西河村 (village_b): 李四 owes 5,000.00 of which 500.00 is paid.
    So 东岭村 is at 800 / 3000 = 26.67 %, 西河村 at 10.00 %: 东岭村 ranks 1st of 2."""
    debtor.address = "兰山街道东岭村三组 12 号（老供销社院内东侧第二排）"
    debtor.save(update_fields=["address"])
    lease = ArrearFactory(
        debtor=debtor, campaign=campaign, principal=Decimal("2000.00"),
        category=ArrearCategory.CONTRACT_FEE,
        description="2019—2023 年度东岭村南洼 3.5 亩机动地承包费未缴",
    )
    pay(lease, Decimal("800.00"), staff_user, receipt_number="DL-2025-000123", note="本人到经管中心现金缴纳，收据已开")
    li_si = DebtorFactory(village=village_b, name="李四")
    far = ArrearFactory(debtor=li_si, campaign=campaign, principal=Decimal("5000.00"))
    pay(far, Decimal("500.00"), staff_user)
    contract = contract_create(
        village=debtor.village, created_by=staff_user, number="DL-2025-001",
        counterparty_name="兰山区东岭村南洼种植专业合作社（法人代表张三）", category=ContractCategory.RESERVE_LAND,
        subject="东岭村南洼机动地", area_mu="3.50", annual_fee="3000.00",
        start_date=date(2020, 1, 1), end_date=date(2029, 12, 31), form=ContractForm.WRITTEN,
    )
    return {"debtor": debtor, "arrear": arrear, "lease": lease, "contract": contract}


# ---- 1. staff on a phone: find, pick, enter, save; an overpayment is refused ----------


def test_staff_enters_a_repayment_on_a_phone(phone, login, screenshot, staff_user, arrear):
    page = login(phone, staff_user)
    screenshot(page, "staff-home")

    # The menu is folded behind 菜单 on a narrow screen.
    nav_entry = page.locator("nav.nav").get_by_role("link", name="录入清收")
    expect(nav_entry).to_be_hidden()
    page.locator("label.nav-toggle-label", has_text="菜单").tap()
    expect(nav_entry).to_be_visible()
    screenshot(page, "staff-menu-open")
    with page.expect_navigation():
        nav_entry.tap()
    assert page.url.endswith(ENTRY_URL)

    page.fill("#q", "zs")
    submit(page, page.get_by_role("button", name="查找"))
    expect(page.locator(".result")).to_contain_text("张三")
    screenshot(page, "entry-search-zs")
    with page.expect_navigation():
        page.locator(".arrear-picks a", has_text="尚欠 1,000.00 元").tap()
    expect(page.locator(".picked")).to_contain_text("尚欠 1,000.00 元")
    expect(page.locator("#id_amount")).to_have_attribute("inputmode", "decimal")  # number pad
    page.fill("#id_amount", "300")
    screenshot(page, "entry-form")
    submit(page, page.get_by_role("button", name="保存"))

    success = page.locator(".message-success")
    expect(success).to_contain_text("已录入")
    expect(success).to_contain_text("尚欠 700.00 元")
    expect(success).to_be_in_viewport()
    screenshot(page, "entry-saved")

    # Overpay: 800 against 700 outstanding.
    pick_arrear(page, "zs", "700.00")
    page.fill("#id_amount", "800")
    submit(page, page.get_by_role("button", name="保存"))
    amount_field = page.locator(".field.has-error", has=page.locator("#id_amount"))
    error = amount_field.locator(".error")
    expect(error).to_have_text("金额 800.00 元超过尚欠金额 700.00 元。")
    expect(error).to_be_visible()
    assert HAN.search(error.inner_text())
    expect(page.locator("#id_amount")).to_have_value("800")
    screenshot(page, "entry-overpay-error")

    arrear.refresh_from_db()
    assert arrear.outstanding == Decimal("700.00")
    assert list(Repayment.objects.filter(arrear=arrear).values_list("amount", flat=True)) == [Decimal("300.00")]


def test_opened_menu_drops_below_the_top_bar(phone, login, staff_user):
    page = login(phone, staff_user)
    toggle = page.locator("label.nav-toggle-label")
    closed = toggle.bounding_box()
    toggle.tap()
    nav = page.locator("nav.nav")
    expect(nav).to_be_visible()  # what it looks like: var/screenshots/staff-menu-open.png
    brand = page.locator(".topbar .brand").bounding_box()
    opened = toggle.bounding_box()
    box = nav.bounding_box()
    problems = []
    if box["y"] < max(brand["y"] + brand["height"], opened["y"] + opened["height"]) - 0.5:
        problems.append(f"菜单没有排在标题栏下方：nav top={box['y']:.0f}px，brand/菜单 bottom="
                        f"{brand['y'] + brand['height']:.0f}/{opened['y'] + opened['height']:.0f}px")
    if box["width"] < PHONE_WIDTH - 2 * 16 - 0.5:
        problems.append(f"菜单没有占满宽度：nav x={box['x']:.0f}px width={box['width']:.0f}px")
    if abs(opened["x"] - closed["x"]) > 0.5 or abs(opened["y"] - closed["y"]) > 0.5:
        problems.append(f"菜单按钮打开后移位：({closed['x']:.0f},{closed['y']:.0f}) → ({opened['x']:.0f},{opened['y']:.0f})")
    assert not problems, "；".join(problems)


# ---- 2. a double tap on 保存 records one repayment ----------------------------------------


def test_double_click_on_save_records_one_repayment(phone, login, staff_user, arrear):
    page = login(phone, staff_user)
    page.goto(f"{ENTRY_URL}?arrear={arrear.pk}")
    page.fill("#id_amount", "300")
    posts = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    submit(page, page.get_by_role("button", name="保存"), double=True)

    expect(page.locator(".message-success")).to_contain_text("尚欠 700.00 元")
    assert len(posts) == 1, posts  # the page's own guard stops the second submission
    arrear.refresh_from_db()
    assert arrear.outstanding == Decimal("700.00")
    assert Repayment.objects.filter(arrear=arrear).count() == 1


def test_same_form_posted_twice_records_one_repayment(phone, login, staff_user, arrear):
    """Without the page's guard (script blocked, a retry on a bad connection) the same form
    reaches the server twice; its submission token makes the second post a no-op.

    On PostgreSQL the two posts race each other. SQLite's in-memory test database (shared
    cache) fails a second writer at once with "database table is locked" instead of
    waiting as the real file database does, so there they go one after the other."""
    concurrent = connection.vendor == "postgresql"
    page = login(phone, staff_user)
    page.goto(f"{ENTRY_URL}?arrear={arrear.pk}")
    page.fill("#id_amount", "300")
    statuses = page.evaluate(
        """async (concurrent) => {
            const form = document.querySelector("form.entry-form");
            const post = () => fetch(form.action, {method: "POST", body: new FormData(form), redirect: "manual"})
                .then((r) => (r.type === "opaqueredirect" ? 302 : r.status));
            return concurrent ? Promise.all([post(), post()]) : [await post(), await post()];
        }""",
        concurrent,
    )
    assert statuses == [302, 302]
    arrear.refresh_from_db()
    assert arrear.outstanding == Decimal("700.00")
    assert Repayment.objects.filter(arrear=arrear).count() == 1
    page.goto(ENTRY_URL)
    if concurrent:  # the two requests race on the session's message list too: either may remain
        expect(page.locator(".message").first).to_contain_text("300.00 元")
    else:
        expect(page.locator(".message-success")).to_contain_text("尚欠 700.00 元")
        expect(page.locator(".message-info")).to_contain_text("这张表单已经提交过，未重复录入")


# ---- 3. a cadre reads their village on a phone ------------------------------------------


def test_cadre_home_shows_village_rank_and_ratio(phone, login, screenshot, cadre_user, ledger):
    page = login(phone, cadre_user)
    expect(page.get_by_role("heading", level=1)).to_have_text("东岭村")
    rank = page.locator(".card", has=page.locator(".card-label", has_text="全镇排名"))
    expect(rank.locator(".card-value")).to_have_text("第 1 名 / 2")
    ratio = page.locator(".card", has=page.locator(".card-label", has_text="完成比例"))
    expect(ratio.locator(".card-value")).to_have_text("26.67%")
    expect(page.locator(".card", has_text="尚欠")).to_contain_text("2,200.00 元")
    # A cadre reads; the menu has no entry link.
    page.locator("label.nav-toggle-label").tap()
    expect(page.locator("nav.nav")).to_be_visible()
    expect(page.locator("nav.nav").get_by_role("link", name="录入清收")).to_have_count(0)
    screenshot(page, "cadre-home")


# ---- 4. every page fits a 375 px phone (wide tables scroll inside .table-container) ----

# Each group: one sign-in, then every page of it, (screenshot name, url, status expected).
LAYOUT_PAGES = {
    "staff-entry": ("staff", [
        ("layout-staff-home", lambda d: "/", 200),
        ("layout-entry-search", lambda d: f"{ENTRY_URL}?q=zs", 200),
        ("layout-entry-form", lambda d: f"{ENTRY_URL}?arrear={d['lease'].pk}", 200),
        ("layout-debtor-detail", lambda d: f"/recovery/debtors/{d['debtor'].pk}/", 200),
    ]),
    "staff-lists": ("staff", [
        ("layout-debtor-list", lambda d: "/recovery/debtors/", 200),
        ("layout-arrear-list", lambda d: "/recovery/arrears/", 200),
        ("layout-repayment-list", lambda d: "/recovery/repayments/", 200),
        ("layout-contract-list", lambda d: "/contracts/", 200),
        ("layout-village-list", lambda d: "/villages/", 200),
        ("layout-report-list", lambda d: "/reports/archive/", 200),
        ("layout-import-list", lambda d: "/imports/", 200),
    ]),
    "staff-filtered-lists": ("staff", [
        ("layout-debtor-list-filtered",
         lambda d: f"/recovery/debtors/?q=zs&village={d['debtor'].village_id}&status=partly_repaid&is_blacklisted=false", 200),
        ("layout-arrear-list-filtered", lambda d: "/recovery/arrears/?category=contract_fee&status=partly_repaid", 200),
        ("layout-repayment-list-filtered", lambda d: "/recovery/repayments/?received_after=2020-01-01&reversed=false", 200),
        ("layout-contract-list-filtered", lambda d: "/contracts/?status=found&ending_within=3650", 200),
        ("layout-report-list-filtered", lambda d: "/reports/archive/?day_from=2020-01-01", 200),
    ]),
    "cadre": ("cadre", [
        ("layout-cadre-home", lambda d: "/", 200),
        ("layout-cadre-village-list", lambda d: "/villages/", 200),
        ("layout-cadre-debtor-list", lambda d: "/recovery/debtors/", 200),
        ("layout-cadre-repayment-list", lambda d: "/recovery/repayments/", 200),
        ("layout-cadre-contract-list", lambda d: "/contracts/", 200),
        ("layout-cadre-debtor-detail", lambda d: f"/recovery/debtors/{d['debtor'].pk}/", 200),
    ]),
    "error-pages": ("cadre", [
        ("layout-404", lambda d: "/recovery/no-such-page/", 404),
        ("layout-403", lambda d: ENTRY_URL, 403),
        ("layout-500", lambda d: "/boom/", 500),  # tests/boom_urls.py
    ]),
}


@pytest.mark.urls("tests.boom_urls")
@pytest.mark.parametrize("group", LAYOUT_PAGES)
def test_page_fits_a_375px_phone(phone, login, screenshot, staff_user, cadre_user, ledger, group):
    who, pages = LAYOUT_PAGES[group]
    page = login(phone, staff_user if who == "staff" else cadre_user)
    problems = []
    for name, url, status in pages:
        response = page.goto(url(ledger))
        if response.status != status:
            problems.append(f"{name}: {url(ledger)} → {response.status}, not {status}")
            continue
        screenshot(page, name)
        problems.append(overflow_problem(page, name))
        # Wide tables scroll inside their container, which itself stays within the screen.
        for container in page.locator(".table-container").all():
            box = container.bounding_box()
            if not (box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH + 0.5):
                problems.append(f"{name}: .table-container {box}")
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def assert_within_screen_width(locator, what):
    """Visible, and wholly between the screen's left and right edges (no swiping needed)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH + 0.5, f"{what}: {box}"


def test_cadre_reads_each_debtors_outstanding_on_a_phone(phone, login, screenshot, cadre_user, ledger, campaign):
    """Each row a card: the debtor's name heads it, what is outstanding comes first; the
    totals of the list stand above the cards; nothing needs a sideways swipe."""
    firm = DebtorFactory(village=ledger["debtor"].village, name="兰山区东岭村红星砖瓦厂有限责任公司", organisation=True)
    ArrearFactory(debtor=firm, campaign=campaign, principal=Decimal("12345678.90"))
    page = login(phone, cadre_user)
    page.goto("/recovery/debtors/")
    screenshot(page, "cadre-debtor-cards")
    assert_fits_phone(page, "cadre-debtor-cards")

    totals = page.locator(".list-totals")
    expect(totals).to_contain_text("共 2 条")
    expect(totals).to_contain_text("欠款金额 12,348,678.90 元")
    expect(totals).to_contain_text("尚欠金额 12,347,878.90 元")
    expect(totals).to_be_in_viewport()
    assert_within_screen_width(totals, "合计")

    rows = page.locator("table.table-cards tbody tr")
    expect(rows).to_have_count(2)
    expected = {"张三": "2,200.00", "兰山区东岭村红星砖瓦厂有限责任公司": "12,345,678.90"}
    seen = {}
    for row in rows.all():
        name = row.locator("td.card-title")
        outstanding = row.locator('td[data-label="尚欠金额"]')
        assert_within_screen_width(name, "姓名")
        assert_within_screen_width(outstanding, "尚欠金额")
        label = outstanding.evaluate("(td) => getComputedStyle(td, '::before').content")
        assert label == '"尚欠金额"', label  # the column's name shown above the amount
        seen[name.inner_text()] = outstanding.inner_text()
        # The masked identity number and phone stay off the card (they are in the export).
        expect(row.locator('td[data-label="证件号（脱敏）"]')).to_be_hidden()
    assert seen == expected
    expect(rows.first.locator("td.card-title")).to_be_in_viewport()  # rows on the first screen


def test_filters_are_folded_on_a_phone_until_tapped(phone, login, screenshot, staff_user, ledger):
    page = login(phone, staff_user)
    page.goto("/recovery/debtors/")
    village = page.locator("#id_village")
    toggle = page.locator("label.filters-toggle-label")
    expect(village).to_be_hidden()
    expect(toggle).to_have_text("筛选")
    expect(page.locator("#id_q")).to_be_visible()  # the search box stays out
    expect(page.locator("table.table-cards tbody tr").first).to_be_in_viewport()

    toggle.tap()
    expect(village).to_be_visible()
    screenshot(page, "filters-open")
    assert_fits_phone(page, "filters-open")
    village.select_option(str(ledger["debtor"].village_id))
    submit(page, page.locator(".filter-actions").get_by_role("button", name="筛选"))

    expect(toggle).to_have_text("筛选（1 项已选）")
    expect(village).to_be_hidden()  # folded again: the rows come first
    expect(page.locator(".list-totals")).to_contain_text("共 1 条")
    expect(page.locator(".list-totals")).to_contain_text("按当前筛选")
    expect(page.locator("table.table-cards tbody tr")).to_have_count(1)
    screenshot(page, "filters-applied")


def build_report(campaign):
    """The battle report of the campaign's first day, built after its 16:00 cut-off."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    import time_machine
    from django.utils import timezone

    from recovery.models import Campaign
    from reports.selectors import report_day_of
    from reports.services import report_build

    day = report_day_of(campaign, timezone.now())
    Campaign.objects.filter(pk=campaign.pk).update(start_date=day, end_date=day + timedelta(days=30))
    campaign.refresh_from_db()
    after_cutoff = datetime.combine(day + timedelta(days=1), time(9, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(after_cutoff, tick=False):
        report, _ = report_build(campaign=campaign, day=day)
    return report


def test_cadre_downloads_a_report_from_the_archive_on_a_phone(phone, login, screenshot, cadre_user, campaign, ledger, pdf_not_rendered):
    report = build_report(campaign)
    page = login(phone, cadre_user)
    page.goto("/reports/archive/")
    screenshot(page, "cadre-report-archive")
    assert_fits_phone(page, "cadre-report-archive")
    card = page.locator("table.table-cards tbody tr").first
    expect(card.locator("td.card-title")).to_have_text(report.day.isoformat())
    for label, url in [("PDF", f"/reports/{report.pk}/pdf/"), ("Excel", f"/reports/{report.pk}/xlsx/")]:
        link = card.get_by_role("link", name=label, exact=True)
        assert_within_screen_width(link, label)
        expect(link).to_have_attribute("href", url)


# ---- 5. a cadre opens the battle report's ranking on a phone ---------------------------


def test_cadre_opens_the_ranking_on_a_phone(phone, login, screenshot, cadre_user, campaign, ledger, pdf_not_rendered):
    build_report(campaign)

    page = login(phone, cadre_user)
    page.locator("label.nav-toggle-label").tap()
    with page.expect_navigation():
        page.locator("nav.nav").get_by_role("link", name="战报排名").tap()
    mine = page.locator(".cards.mine")
    expect(mine).to_contain_text("本村：东岭村")
    expect(mine).to_contain_text("第 1 名 / 2")
    expect(mine).to_contain_text("26.67%")
    expect(page.locator(f'tr[data-village="{cadre_user.village_id}"]').first).to_contain_text("东岭村")
    screenshot(page, "cadre-ranking")
    assert_fits_phone(page, "cadre-ranking")
