"""The first-run page (open only on an empty installation) and the cadre accounts page, whose
initial passwords are shown once and printed on one PDF sheet (read back with pdftotext)."""

import base64
import re
import subprocess

import pytest
from django.urls import reverse

from core.models import User
from tests.factories import VillageFactory, cadre_of
from villages.models import Township

pytestmark = pytest.mark.django_db

FIRST_RUN = {
    "township_name": "清水镇", "township_code": "371302101", "display_name": "王管理", "username": "qsadmin",
    "password1": "Lw8mQz3vTk27", "password2": "Lw8mQz3vTk27",
}


def test_an_empty_installation_sends_the_visitor_from_the_home_page_to_the_first_run_page(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("onboarding:first_run")
    page = response.content.decode()
    assert "创建乡镇和管理员" in page and 'name="viewport"' in page and "乡镇（街道）名称" in page


def test_the_first_run_page_makes_the_township_and_logs_the_administrator_in(client):
    response = client.post(reverse("onboarding:first_run"), FIRST_RUN)
    assert response.status_code == 302 and response["Location"] == reverse("onboarding:start")
    admin = User.objects.get(username="qsadmin")
    assert admin.township.name == "清水镇" and admin.is_superuser
    start = client.get(reverse("onboarding:start")).content.decode()
    assert "已创建清水镇和管理员" in start and reverse("imports:template", args=["structure"]) in start
    for page in ("/", "/villages/", "/imports/", reverse("onboarding:cadre_accounts")):  # a township with nothing yet
        assert client.get(page).status_code == 200, page
    # gone for good: the page sends everyone to the login page (and it, now, to home)
    assert client.get(reverse("onboarding:first_run"))["Location"] == reverse("login")
    client.logout()
    assert client.get(reverse("onboarding:first_run"))["Location"] == reverse("login")
    assert client.get(reverse("login")).status_code == 200
    again = client.post(reverse("onboarding:first_run"), {**FIRST_RUN, "username": "intruder", "township_code": "X"})
    assert again["Location"] == reverse("login")
    assert list(User.objects.values_list("username", flat=True)) == ["qsadmin"] and Township.objects.count() == 1


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"password2": "Lw8mQz3vTk28"}, "password2", "两次输入的密码不一致。"),
    ({"password1": "12345678901", "password2": "12345678901"}, "password1", None),
    ({"password1": "qsadmin123", "password2": "qsadmin123"}, "password1", None),
    ({"username": "王 管理"}, "username", None),
    ({"township_name": ""}, "township_name", "这个字段是必填项。"),
])
def test_the_first_run_page_says_what_is_wrong_in_chinese_and_makes_nothing(client, change, field, message):
    response = client.post(reverse("onboarding:first_run"), {**FIRST_RUN, **change})
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors and all(re.search(r"[\u4e00-\u9fff]", error) for error in errors)
    if message:
        assert message in errors
    assert not User.objects.exists() and not Township.objects.exists()


def test_the_password_rules_speak_chinese_to_a_browser_that_asks_for_english(client):
    response = client.post(
        reverse("onboarding:first_run"), {**FIRST_RUN, "password1": "12345678", "password2": "12345678"},
        HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9",
    )
    errors = response.context["form"].errors["password1"]
    assert errors and all(re.search(r"[\u4e00-\u9fff]", error) for error in errors), errors


@pytest.fixture
def villages(work_area_a, work_area_b):
    return [
        VillageFactory(work_area=work_area_a if n < 3 else work_area_b, code=f"QS{n:02d}", name=name, order=n)
        for n, name in enumerate(["东岭村", "西河村", "南洼村", "北坡村"], start=1)
    ]


def test_the_cadre_accounts_page_lists_the_villages_with_those_without_a_login_ticked(client, staff_user, villages):
    cadre_of(villages[0], username="cadre-old")
    client.force_login(staff_user)
    page = client.get(reverse("onboarding:cadre_accounts")).content.decode()
    boxes = dict(re.findall(r'<input type="checkbox" class="pick" name="villages" value="(\d+)"[^>]*?( checked)?>', page))
    assert boxes == {str(villages[0].pk): "", **{str(v.pk): " checked" for v in villages[1:]}}
    assert "已有账号" in page and "初始密码只在创建后显示和打印这一次" in page and "cadre-QS02" in page


def test_it_makes_the_logins_and_shows_and_prints_their_passwords_once(client, staff_user, villages, tmp_path):
    cadre_of(villages[0], username="cadre-old")
    client.force_login(staff_user)
    response = client.post(reverse("onboarding:cadre_accounts"), {"villages": [v.pk for v in villages]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    passwords = dict(re.findall(r"<td>(cadre-QS\d\d)</td><td><code>(\w+)</code></td>", page))
    assert sorted(passwords) == ["cadre-QS02", "cadre-QS03", "cadre-QS04"]
    for username, password in passwords.items():
        assert User.objects.get(username=username).check_password(password)
    assert "初始密码只显示这一次" in page and "cadre-old" in page and "该村已有村干部账号，未改动" in page

    pdf = base64.b64decode(re.search(r'href="data:application/pdf;base64,([A-Za-z0-9+/=]+)"', page)[1])
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "passwords.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "兰山街道村干部账号初始密码" in text and "首次登录须修改密码" in text
    lines = [line for line in text.splitlines() if "cadre-QS" in line]
    assert len(lines) == 3
    for (username, password), name in zip(sorted(passwords.items()), ["西河村", "南洼村", "北坡村"]):
        line = next(line for line in lines if username in line)
        assert name in line and password in line
    assert "cadre-old" not in text and "东岭村" not in text

    again = client.get(reverse("onboarding:cadre_accounts")).content.decode()
    assert not any(password in again for password in passwords.values())  # never shown again


def test_it_asks_for_at_least_one_village(client, staff_user, villages):
    client.force_login(staff_user)
    response = client.post(reverse("onboarding:cadre_accounts"), {})
    assert "请至少选择一个村居。" in response.content.decode()
    assert not User.objects.filter(username__startswith="cadre-").exists()


def test_it_refuses_another_townships_village_in_the_post(client, staff_user, villages, other_village):
    client.force_login(staff_user)
    response = client.post(reverse("onboarding:cadre_accounts"), {"villages": [villages[1].pk, other_village.pk]})
    assert response.status_code == 200 and "请至少选择一个村居" not in response.content.decode()
    assert response.context["form"].errors["villages"]
    assert not User.objects.filter(username__startswith="cadre-").exists()


@pytest.mark.parametrize("user_fixture", ["leader_user", "cadre_user"])
def test_readers_and_cadres_may_not_make_logins(client, request, user_fixture, villages):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("onboarding:cadre_accounts")).status_code == 403
    assert client.post(reverse("onboarding:cadre_accounts"), {"villages": [villages[0].pk]}).status_code == 403
    assert not User.objects.filter(username__startswith="cadre-").exists()
