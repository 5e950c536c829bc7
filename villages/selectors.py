"""Which villages a user may see in full."""

from core.roles import Role, user_role

from .models import Village


def villages_visible_to(user):
    """Villages whose debtors, arrears and entries ``user`` may read.

    Cadres: their own village. Staff: their township (none if no township is set).
    Leaders and administrators: their township if one is set, else every village.
    """
    role = user_role(user)
    villages = Village.objects.all()
    if role == Role.CADRE:
        return villages.filter(pk=user.village_id)
    if role in (Role.STAFF, Role.LEADER, Role.ADMIN):
        if user.township_id:
            return villages.filter(work_area__zone__township_id=user.township_id)
        if role == Role.STAFF:
            return villages.none()
        return villages
    return villages.none()


def ranking_villages_for(user):
    """Villages whose figures (not debtors) ``user`` may see: a cadre sees every village of
    their township in the ranking; everyone else what they may see in full."""
    if user_role(user) == Role.CADRE:
        return Village.objects.filter(work_area__zone__township_id=user.village.work_area.zone.township_id)
    return villages_visible_to(user)


def townships_visible_to(user):
    """Townships whose reports ``user`` may read: their own, or all for leaders and
    administrators with no township set."""
    from .models import Township

    role = user_role(user)
    if role == Role.CADRE:
        return Township.objects.filter(zones__work_areas__villages=user.village_id)
    if role in (Role.STAFF, Role.LEADER, Role.ADMIN):
        if user.township_id:
            return Township.objects.filter(pk=user.township_id)
        return Township.objects.none() if role == Role.STAFF else Township.objects.all()
    return Township.objects.none()
