"""Real-browser fixtures: Debian's chromium driven by Playwright against ``live_server``.

Only Debian's ``/usr/bin/chromium`` is used (``scripts/setup`` installs it); Playwright's
own browser downloads are never needed. Without chromium the browser tests are skipped
with the reason, unless ``REQUIRE_SERVICES=1``: then they fail, like the other services.

One browser per test module (starting chromium is the slow part); a fresh context, so a
fresh set of cookies, per test. The phone is 375 x 812 CSS pixels at 2x, touch, zh-CN.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import services_required

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
PASSWORD = "test-pass-123"  # tests.factories.UserFactory
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _chromium_missing():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"需要 chromium：{CHROMIUM} 不存在"
            "（apt-get install -y --no-install-recommends chromium，或运行 scripts/setup）"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "需要 Python 包 playwright（uv sync --group dev）"
    return None


@pytest.fixture(scope="module")
def browser():
    problem = _chromium_missing()
    if problem:
        if services_required():
            pytest.fail("REQUIRE_SERVICES=1，但 " + problem, pytrace=False)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio event loop in this thread; without this, Django
    # refuses the ORM calls the tests make meanwhile (SynchronousOnlyOperation). Only for
    # as long as the browser runs, so the rest of the suite keeps the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone(browser, live_server):
    """A page in a fresh phone-sized context whose relative URLs go to ``live_server``."""
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def login():
    """``login(page, user)``: sign in through the real login form; lands on the home page."""

    def _login(page, user, password=PASSWORD):
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        assert "/login/" not in page.url, f"登录失败，仍在 {page.url}"
        return page

    return _login


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, name)``: a full-page PNG in var/screenshots/<name>.png (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
