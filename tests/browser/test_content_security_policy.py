"""The pages under the strict Content-Security-Policy in real Chromium: nothing of ours is
blocked (the browser reports each blocked script, style or image as a
``securitypolicyviolation`` event), and what used to be inline still works: the reader's own
village is highlighted (a nonce'd style), the home page's bars have their widths (SVG), a
form still posts once (static/js/app.js). And the lockout page, as a phone shows it.
Screenshot: var/screenshots/login-locked-phone.png."""

import pytest
from django.urls import reverse

from tests.browser.conftest import PASSWORD
from tests.browser.test_phone import expect
from tests.browser.test_ranking_phone import ranking  # noqa: F401 (fixture)
from tests.factories import superuser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""
HIGHLIGHT = "rgb(255, 243, 191)"  # #fff3bf, templates/reports/report_detail.html


def watched(page):
    """``page`` noting every policy violation (and the console's word for it) from now on."""
    page.add_init_script(LISTEN)
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text and page.console_errors.append(m.text))
    return page


def visit(page, path):
    response = page.goto(path)
    assert response.status < 400, (path, response.status)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__violations")
    assert violations == [] and page.console_errors == [], (path, violations, page.console_errors)


def test_a_cadres_pages_break_no_rule_and_the_own_village_is_highlighted(phone, login, cadre_user, ranking):  # noqa: F811
    page = login(watched(phone), cadre_user)
    for name in ["home", "reports:ranking", "villages:village_list", "recovery:debtor_list", "contracts:figures", "password_change"]:
        visit(page, reverse(name))
    page.goto(reverse("reports:ranking"))
    own_row = page.locator(f'.rpt-ranking tr[data-village="{cadre_user.village_id}"] td').first
    assert own_row.evaluate("td => getComputedStyle(td).backgroundColor") == HIGHLIGHT
    other_row = page.locator(f'.rpt-ranking tr:not([data-village="{cadre_user.village_id}"]) td').first
    assert other_row.evaluate("td => getComputedStyle(td).backgroundColor") != HIGHLIGHT
    bar = page.locator(f'.rpt-ranking tr[data-village="{cadre_user.village_id}"] .rpt-bar rect')
    assert bar.evaluate("r => r.getBoundingClientRect().width") > 0


def test_staff_pages_and_the_admin_break_no_rule(phone, login, staff_user, ranking):  # noqa: F811
    page = login(watched(phone), staff_user)
    for name in [
        "home", "reports:ranking", "reports:report_list", "villages:village_list", "recovery:debtor_list",
        "recovery:arrear_list", "recovery:repayment_list", "recovery:repayment_add", "contracts:contract_list",
        "imports:batch_list", "imports:batch_add",
    ]:
        visit(page, reverse(name))
    page.goto(reverse("home"))
    fill = page.locator("svg.bar .bar-fill").first
    assert fill.evaluate("r => r.getBoundingClientRect().width") > 0
    assert fill.evaluate("r => getComputedStyle(r).fill") != "rgb(0, 0, 0)"  # coloured by dashboard.css

    page.context.clear_cookies()
    login(page, superuser(username="root", display_name="系统管理员"))
    for path in [reverse("admin:index"), reverse("admin:core_user_changelist"), reverse("admin:core_user_change", args=[staff_user.pk]),
                 reverse("admin:axes_accessattempt_changelist")]:
        visit(page, path)


def test_a_form_still_posts_once(phone, login, staff_user):
    """static/js/app.js, loaded under the policy: the first submit goes, the second is stopped."""
    page = login(watched(phone), staff_user)
    visit(page, reverse("password_change"))
    first_prevented, second_prevented, disabled = page.evaluate("""() => {
      const form = document.querySelector("main form");
      const submit = () => { const e = new Event("submit", {bubbles: true, cancelable: true}); form.dispatchEvent(e); return e.defaultPrevented; };
      return [submit(), submit(), form.querySelector("button[type=submit]").disabled];
    }""")
    assert (first_prevented, second_prevented, disabled) == (False, True, True)


def test_the_lockout_page_on_a_phone(phone, settings, staff_user, screenshot):
    settings.AXES_ENABLED = True
    page = watched(phone)
    for _ in range(5):
        page.goto("/login/")
        page.fill("#id_username", staff_user.username)
        page.fill("#id_password", "wrong-password-1")
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("登录已暂时锁定")
    expect(page.locator("[role=alert]")).to_contain_text("连续 5 次密码错误，已锁定 15 分钟")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "login-locked-phone")
    page.goto("/login/")
    page.fill("#id_username", staff_user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("登录已暂时锁定")  # the right password waits too
