"""The session's user is loaded with their role in one query (core.backends.RoleModelBackend):
the same role as the groups give, and no query on the groups afterwards."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.backends import RoleModelBackend
from core.roles import GROUP_NAMES, Role, user_role


@pytest.mark.django_db
def test_the_session_user_comes_with_the_role_their_groups_give(staff_user, leader_user, cadre_user, superadmin):
    cadre_without_village = type(cadre_user).objects.create(username="no_village")
    cadre_without_village.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.CADRE])[0])
    two_groups = type(cadre_user).objects.create(username="two_groups", village=cadre_user.village)
    two_groups.groups.add(Group.objects.get(name=GROUP_NAMES[Role.CADRE]), Group.objects.get_or_create(name=GROUP_NAMES[Role.LEADER])[0])
    nobody = type(cadre_user).objects.create(username="nobody")
    expected = {
        staff_user: Role.STAFF, leader_user: Role.LEADER, cadre_user: Role.CADRE, superadmin: Role.ADMIN,
        cadre_without_village: Role.NONE, two_groups: Role.LEADER, nobody: Role.NONE,
    }
    for user, role in expected.items():
        loaded = RoleModelBackend().get_user(user.pk)
        with CaptureQueriesContext(connection) as queries:
            assert user_role(loaded) == role, user.username
        assert len(queries) == 0
        assert user_role(type(user).objects.get(pk=user.pk)) == role  # from the groups, as before


@pytest.mark.django_db
def test_an_inactive_or_missing_user_has_no_session(staff_user):
    type(staff_user).objects.filter(pk=staff_user.pk).update(is_active=False)
    assert RoleModelBackend().get_user(staff_user.pk) is None
    assert RoleModelBackend().get_user(987654) is None


@pytest.mark.django_db
def test_a_page_asks_for_the_groups_no_more(client, staff_user):
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/recovery/debtors/").status_code == 200
    assert not [q for q in queries if "auth_group" in q["sql"] and "core_user_groups" in q["sql"] and "EXISTS" not in q["sql"]]
