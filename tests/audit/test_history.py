"""The change history: a debtor renamed through its edit page (and its 身份证号 blanked) shows
on the audit page with before, after and who; an arrear's edit is recorded; passwords and
logins' last_login are not; a ledger's numbers filled in bulk are recorded too."""

from datetime import date
from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import GROUP_NAMES, Role
from recovery.choices import ArrearCategory
from recovery.services import arrear_create, arrear_update, ledger_debtor_numbers_fill
from tests.factories import ArrearFactory, DebtorFactory, superuser

pytestmark = pytest.mark.django_db
NATIONAL_ID = "11010519491231002X"


def _edit_debtor(client, debtor, **changes):
    data = {
        "kind": debtor.kind, "name": debtor.name, "national_id": debtor.national_id, "credit_code": "", "phone": debtor.phone,
        "address": debtor.address, "litigation_status": debtor.litigation_status, "case_number": "", "blacklist_reason": "",
        **changes,
    }
    return client.post(reverse("recovery:debtor_edit", args=[debtor.pk]), data)


def test_it_shows_a_debtors_rename_with_before_after_and_who(client, staff_user, village_a):
    debtor = DebtorFactory(village=village_a, name="张三", national_id=NATIONAL_ID)
    client.force_login(staff_user)
    assert _edit_debtor(client, debtor, name="张三丰", national_id="").status_code == 302
    client.force_login(superuser(username="auditor"))

    page = client.get(reverse("audit:change_list"), {"model": "debtor", "q": "张三丰"}).content.decode()

    assert "<b>姓名/名称</b>：<del>张三</del> → <ins>张三丰</ins>" in page
    assert f"<b>身份证号</b>：<del>{NATIONAL_ID}</del> → <ins>（空）</ins>" in page
    assert "经管员小王" in page and "修改" in page
    assert "共 1 条" in page  # the search finds the renamed row, not the debtor's creation (name 张三)


def test_it_filters_by_user_and_exports_the_changes(client, staff_user, village_a):
    debtor = DebtorFactory(village=village_a, name="李四")
    client.force_login(staff_user)
    _edit_debtor(client, debtor, name="李四海")
    client.force_login(superuser(username="auditor"))

    by_staff = client.get(reverse("audit:change_list"), {"model": "debtor", "history_user": staff_user.pk})
    export = client.get(reverse("audit:change_list"), {"model": "debtor", "history_user": staff_user.pk, "_export": "xlsx"})

    assert "共 1 条" in by_staff.content.decode()
    rows = list(load_workbook(BytesIO(export.content)).active.values)
    assert rows[0][-1] == "修改内容（原 → 新）" and rows[1][-1] == "姓名/名称：李四 → 李四海"


def test_it_records_an_arrears_edit_but_not_its_outstanding(staff_user, campaign, debtor):
    arrear = ArrearFactory(debtor=debtor, campaign=campaign, description="旧说明")
    arrear_update(arrear=arrear, updated_by=staff_user, category=arrear.category, description="新说明", incurred_on=arrear.incurred_on)

    latest = arrear.history.first()
    assert latest.history_user == staff_user and latest.description == "新说明"
    assert latest.diff_against(latest.prev_record).changed_fields == ["description"]
    assert not hasattr(latest, "outstanding")


def test_it_keeps_no_password_and_no_row_for_a_login(client, staff_user):
    rows = staff_user.history.count()
    client.force_login(staff_user)  # saves last_login alone
    assert staff_user.history.count() == rows
    assert not hasattr(staff_user.history.first(), "password")


def test_it_records_numbers_a_ledger_fills_in_bulk(staff_user, village_a):
    debtor = DebtorFactory(village=village_a, name="王五", national_id="")
    ledger_debtor_numbers_fill(numbers={debtor.pk: ("national_id", NATIONAL_ID)}, updated_by=staff_user)

    latest = debtor.history.first()
    assert latest.national_id == NATIONAL_ID and latest.history_user == staff_user and latest.history_type == "~"


def test_it_shows_a_change_of_role(client, staff_user):
    staff_user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.LEADER])[0])
    client.force_login(superuser(username="auditor"))

    page = client.get(reverse("audit:change_list"), {"model": "user", "q": "staff"}).content.decode()

    assert "<b>组</b>：<del>经管中心录入员</del> → <ins>经管中心录入员、领导</ins>" in page


def test_a_service_names_its_user_outside_a_request(staff_user, campaign, debtor):
    arrear = arrear_create(debtor=debtor, campaign=campaign, category=ArrearCategory.LOAN, principal="100.00",
                           incurred_on=date(2024, 5, 1), created_by=staff_user)
    assert arrear.history.get().history_user == staff_user


def test_it_records_a_role_given_from_the_groups_side(staff_user):
    Group.objects.get_or_create(name=GROUP_NAMES[Role.LEADER])[0].user_set.add(staff_user)
    latest = staff_user.history.first()
    assert sorted(row.group.name for row in latest.groups.all()) == sorted([GROUP_NAMES[Role.STAFF], GROUP_NAMES[Role.LEADER]])
