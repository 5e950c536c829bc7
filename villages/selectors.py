"""Reads about places. Who may see which village or township is one rule, ``visible_to``
on the querysets in villages/models.py (``Village.objects.visible_to(user)``)."""

from __future__ import annotations

from .models import Assignment, Village


def village_assignments(*, village: Village) -> list[Assignment]:
    """Who answers for ``village``: its own people, then its work area's, then its zone's."""
    return (
        list(village.assignments.all())
        + list(village.work_area.assignments.all())
        + list(village.work_area.zone.assignments.all())
    )
