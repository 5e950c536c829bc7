"""Brute force at the login page (django-axes, on for these tests only): five wrong passwords
for one user name from one address lock that pair out for 15 minutes with a Chinese page;
the right password does not get in meanwhile; another address or user name is not
affected; an administrator unlocks early in the admin."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import superuser

PASSWORD = "test-pass-123"  # tests.factories.UserFactory

pytestmark = pytest.mark.django_db
ADDRESS = "10.1.2.3"
OTHER_ADDRESS = "10.9.9.9"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def login(client, username, password, address=ADDRESS):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username, times, address=ADDRESS):
    return [login(client, username, "wrong-password-1", address) for _ in range(times)]


def assert_locked(response, username):
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已暂时锁定" in page and f"用户名“{username}”在这台设备上连续 5 次密码错误，已锁定 15 分钟" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "core/login_locked.html" in [t.name for t in response.templates]


def assert_signed_in(response):
    assert response.status_code == 302 and response.url == reverse("home")


def test_four_failures_only_say_the_password_is_wrong_and_the_fifth_locks(client, staff_user):
    for response in fail(client, staff_user.username, 4):
        assert response.status_code == 200
        assert "用户名或密码不正确，请重新输入。" in response.content.decode()
    assert_locked(fail(client, staff_user.username, 1)[0], staff_user.username)


def test_the_right_password_does_not_get_in_while_locked(client, staff_user):
    fail(client, staff_user.username, 5)
    assert_locked(login(client, staff_user.username, PASSWORD), staff_user.username)
    assert "_auth_user_id" not in client.session


def test_it_locks_the_user_name_and_address_together(client, staff_user, leader_user):
    fail(client, staff_user.username, 5)
    assert_signed_in(login(client, staff_user.username, PASSWORD, address=OTHER_ADDRESS))
    client.logout()
    assert_signed_in(login(client, leader_user.username, PASSWORD))  # same address, another user


def test_the_lock_ends_after_fifteen_minutes_from_the_fifth_failure(client, staff_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        fail(client, staff_user.username, 5)
        clock.shift(timedelta(minutes=10))
        assert_locked(login(client, staff_user.username, PASSWORD), staff_user.username)  # does not restart the 15
        clock.shift(timedelta(minutes=5, seconds=1))
        assert_signed_in(login(client, staff_user.username, PASSWORD))


def test_a_successful_login_clears_the_failures(client, staff_user):
    fail(client, staff_user.username, 4)
    assert_signed_in(login(client, staff_user.username, PASSWORD))
    client.logout()
    for response in fail(client, staff_user.username, 4):
        assert response.status_code == 200


def test_an_administrator_unlocks_in_the_admin(client, staff_user):
    fail(client, staff_user.username, 5)
    attempt = AccessAttempt.objects.get(username=staff_user.username)
    assert attempt.failures_since_start == 5 and attempt.ip_address == ADDRESS

    admin_client = type(client)()
    admin_client.force_login(superuser(username="root", display_name="系统管理员"))
    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and staff_user.username in listing.content.decode()
    assert "<h1>选择 登录尝试 来修改</h1>" in listing.content.decode()  # locale/: the admin in Chinese, as the lockout page says
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert_signed_in(login(client, staff_user.username, PASSWORD))


def test_the_admin_login_is_watched_too(client, staff_user):
    for _ in range(5):
        response = client.post(
            reverse("admin:login"), {"username": staff_user.username, "password": "wrong-password-1"}, REMOTE_ADDR=ADDRESS
        )
    assert_locked(response, staff_user.username)


def test_behind_a_proxy_it_counts_the_address_the_proxy_saw(client, staff_user, settings):
    """PROXY_COUNT=1: every request comes from the proxy (REMOTE_ADDR); the client is the
    address the proxy appended last to X-Forwarded-For, whatever the client wrote before it."""
    settings.PROXY_COUNT = 1
    proxy = "192.168.0.1"
    for spoofed in ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"]:  # a new made-up address each try
        response = client.post(
            reverse("login"), {"username": staff_user.username, "password": "wrong-password-1"},
            REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{spoofed}, {ADDRESS}",
        )
    assert_locked(response, staff_user.username)
    assert AccessAttempt.objects.get().ip_address == ADDRESS
    colleague = client.post(
        reverse("login"), {"username": staff_user.username, "password": PASSWORD},
        REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OTHER_ADDRESS,
    )
    assert_signed_in(colleague)  # the same proxy, another phone: not locked


def test_the_suites_own_logins_pass_by_the_guard(client, staff_user, settings):
    settings.AXES_ENABLED = False  # as tests run everywhere else (config/settings_test.py)
    assert client.login(username=staff_user.username, password=PASSWORD)
    client.logout()
    client.force_login(staff_user)
    assert not AccessAttempt.objects.exists()
