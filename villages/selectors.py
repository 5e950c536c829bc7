"""Which villages and townships a user may see. The rule itself is ``visible_to`` on the
querysets in villages/models.py; these are its names for callers that want a function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import Assignment, Township, Village

if TYPE_CHECKING:
    from core.models import User

    from .models import TownshipQuerySet, VillageQuerySet


def villages_visible_to(user: User) -> VillageQuerySet:
    """Villages whose debtors, arrears and entries ``user`` may read."""
    return Village.objects.visible_to(user)


def ranking_villages_for(user: User) -> VillageQuerySet:
    """Villages whose figures (not debtors) ``user`` may see in the ranking."""
    return Village.objects.ranking_visible_to(user)


def townships_visible_to(user: User) -> TownshipQuerySet:
    """Townships whose reports ``user`` may read."""
    return Township.objects.visible_to(user)


def village_assignments(*, village: Village) -> list[Assignment]:
    """Who answers for ``village``: its own people, then its work area's, then its zone's."""
    return (
        list(village.assignments.all())
        + list(village.work_area.assignments.all())
        + list(village.work_area.zone.assignments.all())
    )
