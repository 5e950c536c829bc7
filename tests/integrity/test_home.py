"""The administrator's home page shows the last verification; a break in red, with the row.
Nobody else sees it."""

import pytest
from django.urls import reverse

from integrity.models import VerificationRun

pytestmark = pytest.mark.django_db

BROKEN = {
    "township": "LS", "table": "recovery_repayment", "row": 7, "problem": "changed",
    "message": "兰山街道：清收记录 #7 与登记时不符：金额：原 300.00 元，现 1,300.00 元。",
    "changes": [{"field": "金额", "was": "300.00", "now": "1300.00"}],
}


def home(client, user):
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_it_says_when_nothing_was_verified_yet(client, superadmin):
    assert "尚未核验" in home(client, superadmin)


def test_it_shows_a_clean_run(client, superadmin):
    VerificationRun.objects.create(ok=True, links_checked=12, rows_checked=12)
    page = home(client, superadmin)
    assert "12 个链环" in page and "未发现问题" in page and "verification-broken" not in page


def test_it_shows_each_break_in_red(client, superadmin):
    VerificationRun.objects.create(ok=True, links_checked=12, rows_checked=12)
    VerificationRun.objects.create(ok=False, links_checked=12, rows_checked=12, breaks=[BROKEN])
    page = home(client, superadmin)
    assert "verification-broken" in page and "发现 1 处问题" in page
    assert '<li class="error">兰山街道：清收记录 #7 与登记时不符：金额：原 300.00 元，现 1,300.00 元。</li>' in page


@pytest.mark.parametrize("who", ["staff_user", "leader_user", "cadre_user"])
def test_nobody_else_sees_it(request, client, who):
    VerificationRun.objects.create(ok=False, breaks=[BROKEN])
    page = home(client, request.getfixturevalue(who))
    assert "台账核验" not in page and "清收记录 #7" not in page
