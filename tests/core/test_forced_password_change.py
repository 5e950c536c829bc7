"""A password someone else set must be changed at first login (``User.must_change_password``):
set by the admin's add form and password reset, by ``seed_demo`` without ``--password`` (and
by the cadre accounts made in bulk, tests/onboarding); the middleware sends such a user to the
password change page from every page, cheaply, until they change it."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import User
from tests.factories import UserFactory, cadre_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Xq7vTr29kLmw"


@pytest.fixture
def forced(village_a):
    return cadre_of(village_a, username="cadre-new", must_change_password=True)


@pytest.mark.parametrize("url", ["/", "/villages/", "/recovery/debtors/", "/reports/ranking/", "/imports/", "/nowhere/"])
def test_it_sends_a_user_who_must_change_their_password_to_the_change_page_from_every_page(client, forced, url):
    client.force_login(forced)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("password_change")


def test_it_lets_the_change_page_logout_and_static_files_through(client, forced):
    client.force_login(forced)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "请先设置一个只有您自己知道的新密码" in text and 'name="viewport"' in text and "旧密码" in text
    assert client.get("/static/css/app.css").status_code == 200
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert client.get("/").status_code == 302 and "_auth_user_id" not in client.session


def test_it_reads_nothing_more_than_the_user_row_to_decide(client, forced, staff_user):
    client.force_login(forced)
    client.get("/")  # the session is cached from here on
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/villages/").status_code == 302
    tables = [query["sql"] for query in queries.captured_queries]
    assert all("core_user" in sql or "django_session" in sql for sql in tables), tables
    assert len(tables) <= 2


def test_it_clears_the_flag_once_changed_and_goes_on_to_the_home_page(client, forced):
    client.force_login(forced)
    response = client.post(reverse("password_change"), {
        "old_password": "test-pass-123", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302 and response["Location"] == reverse("home")
    forced.refresh_from_db()
    assert not forced.must_change_password and forced.check_password(NEW_PASSWORD)
    home = client.get("/")
    assert home.status_code == 200 and "密码已修改" in home.content.decode()  # still logged in


def test_it_refuses_a_weak_new_password_in_chinese_and_keeps_the_flag(client, forced):
    client.force_login(forced)
    response = client.post(reverse("password_change"), {
        "old_password": "test-pass-123", "new_password1": "12345678", "new_password2": "12345678",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]  # the validators', whichever they are
    assert errors and all(re.search(r"[\u4e00-\u9fff]", error) for error in errors)
    assert errors[0] in response.content.decode()
    forced.refresh_from_db()
    assert forced.must_change_password


def test_a_user_whose_password_is_their_own_is_not_sent_anywhere(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/").status_code == 200


def test_the_admin_add_form_makes_a_user_who_must_change_the_password(client, superadmin):
    client.force_login(superadmin)
    response = client.post(reverse("admin:core_user_add"), {
        "username": "newstaff", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
        "display_name": "新录入员", "_save": "保存",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="newstaff").must_change_password


def test_an_administrator_setting_someones_password_makes_them_change_it(client, superadmin):
    user = UserFactory(username="forgot")
    client.force_login(superadmin)
    response = client.post(reverse("admin:auth_user_password_change", args=[user.pk]), {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(("arguments", "forced"), [({}, True), ({"password": "demo-own-pw-2026"}, False)])
def test_seed_demo_makes_users_change_the_default_password_but_not_one_given(arguments, forced):
    out = io.StringIO()
    call_command("seed_demo", "--no-reports", villages=1, stdout=out, **arguments)
    flags = set(User.objects.values_list("must_change_password", flat=True))
    assert flags == {forced}
    assert ("首次登录须先修改密码" in out.getvalue()) is forced


def test_seed_demo_refuses_an_empty_password_rather_than_taking_the_default():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="请提供密码"):
        call_command("seed_demo", "--no-reports", villages=1, password="", stdout=io.StringIO())
    assert not User.objects.exists()
