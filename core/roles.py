"""Roles are Django auth groups; this module names them and answers "what may this user see".

- staff (经管中心录入员): enters and edits in their township.
- cadre (村干部): their own village in full, read-only; others only as ranking figures.
- leader (领导): reads everything (of their township, if one is set), changes nothing.
- admin (管理员): everything, including Django's admin.
"""

import enum

from django.core.exceptions import PermissionDenied


class Role(enum.StrEnum):
    ADMIN = "admin"
    LEADER = "leader"
    STAFF = "staff"
    CADRE = "cadre"
    NONE = "none"


GROUP_NAMES = {
    Role.ADMIN: "管理员",
    Role.LEADER: "领导",
    Role.STAFF: "经管中心录入员",
    Role.CADRE: "村干部",
}
ROLE_LABELS = {**GROUP_NAMES, Role.NONE: "未分配角色"}
_PRIORITY = [Role.ADMIN, Role.LEADER, Role.STAFF, Role.CADRE]


def user_role(user):
    if not user.is_authenticated:
        return Role.NONE
    cached = getattr(user, "_role_cache", None)
    if cached is not None:
        return cached
    names = () if user.is_superuser else set(user.groups.values_list("name", flat=True))
    group_role = next((r for r in _PRIORITY if GROUP_NAMES[r] in names), Role.NONE)
    return remember_role(user, group_role)


def remember_role(user, group_role):
    """Sets (and returns) ``user``'s role for the rest of the request, given the first of
    their groups in priority order (``Role.NONE`` if none). A superuser is an administrator;
    a cadre without a village has no role."""
    role = group_role
    if user.is_superuser:
        role = Role.ADMIN
    elif role == Role.CADRE and user.village_id is None:
        role = Role.NONE
    user._role_cache = role
    return role


def group_role_expression():
    """The first of a user's groups in priority order, as a database expression on the user
    (``Role.NONE``'s value if none): the session's user and their role in one query."""
    from django.contrib.auth import get_user_model
    from django.db.models import Case, CharField, Exists, OuterRef, Value, When

    memberships = get_user_model().groups.through.objects
    return Case(
        *(When(Exists(memberships.filter(user_id=OuterRef("pk"), group__name=GROUP_NAMES[role])), then=Value(role.value))
          for role in _PRIORITY),
        default=Value(Role.NONE.value), output_field=CharField(),
    )


def can_write(user):
    """Staff and administrators enter and edit ledger data."""
    return user_role(user) in (Role.STAFF, Role.ADMIN)


def require_writer(user):
    if not can_write(user):
        raise PermissionDenied("只有经管中心录入员和管理员可以录入或修改。")
