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
    if user.is_superuser:
        role = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((r for r in _PRIORITY if GROUP_NAMES[r] in names), Role.NONE)
        if role == Role.CADRE and user.village_id is None:
            role = Role.NONE
    user._role_cache = role
    return role


def can_write(user):
    """Staff and administrators enter and edit ledger data."""
    return user_role(user) in (Role.STAFF, Role.ADMIN)


def require_writer(user):
    if not can_write(user):
        raise PermissionDenied("只有经管中心录入员和管理员可以录入或修改。")
