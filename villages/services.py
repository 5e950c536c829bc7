"""Writes of places and of who answers for them: a township's structure (zones, work areas,
villages and the people responsible), as the structure import (``villages/imports.py``)
makes it on a township's first day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from .choices import WORKAREA_ROLES, ZONE_ROLES, AssignmentRole
from .models import Assignment, Township, Village, WorkArea, Zone


@dataclass(frozen=True)
class Person:
    name: str
    title: str = ""
    phone: str = ""


@dataclass
class StructureVillage:
    """One village of the structure, where it sits, and who answers for it and for its work
    area and zone (role -> :class:`Person`; a zone's or work area's people may be given on
    any one of its villages)."""

    zone_code: str
    zone_name: str
    work_area_code: str
    work_area_name: str
    code: str
    name: str
    people: dict[AssignmentRole, Person] = field(default_factory=dict)


@dataclass
class StructureCreated:
    zones: int = 0
    work_areas: int = 0
    villages: int = 0
    assignments: int = 0


def _next_order(queryset):
    last = queryset.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


def structure_create(
    *, township: Township, villages: Sequence[StructureVillage], progress: Callable[[int, int], None] = lambda done, total: None,
) -> StructureCreated:
    """Add ``villages`` to ``township``, with the zones and work areas they name (found by
    code, made when missing) and their people. A village whose code is already registered
    is refused (``ValidationError``), as is a second person for a role that has one; a role
    already held by the same person is left as it is. All or nothing."""
    created = StructureCreated()
    with transaction.atomic():
        Township.objects.select_for_update().get(pk=township.pk)  # one structure write per township at a time
        zones = {zone.code: zone for zone in Zone.objects.filter(township=township)}
        areas = {(area.zone_id, area.code): area for area in WorkArea.objects.filter(zone__township=township)}
        held = {
            (a.role, a.zone_id or a.work_area_id or a.village_id): a.person_name
            for a in Assignment.objects.filter(zone__township=township)
            | Assignment.objects.filter(work_area__zone__township=township)
        }
        taken = set(Village.objects.filter(code__in=[v.code for v in villages]).values_list("code", flat=True))
        if taken:
            raise ValidationError(f"村居编码已登记：{'、'.join(sorted(taken))}。")
        village_order = _next_order(Village.objects.filter(work_area__zone__township=township))
        new_assignments = []
        for done, spec in enumerate(villages, start=1):
            zone = zones.get(spec.zone_code)
            if zone is None:
                zone = zones[spec.zone_code] = Zone.objects.create(
                    township=township, code=spec.zone_code, name=spec.zone_name, order=_next_order(township.zones),
                )
                created.zones += 1
            area = areas.get((zone.pk, spec.work_area_code))
            if area is None:
                area = areas[zone.pk, spec.work_area_code] = WorkArea.objects.create(
                    zone=zone, code=spec.work_area_code, name=spec.work_area_name, order=_next_order(zone.work_areas),
                )
                created.work_areas += 1
            village = Village.objects.create(work_area=area, code=spec.code, name=spec.name, order=village_order)
            village_order += 1
            created.villages += 1
            for role, person in spec.people.items():
                target = {"zone": zone} if role in ZONE_ROLES else {"work_area": area} if role in WORKAREA_ROLES else {"village": village}
                key = (role.value, next(iter(target.values())).pk)
                holder = held.get(key)
                if holder == person.name:
                    continue
                if holder is not None:
                    place = next(iter(target.values()))
                    raise ValidationError(
                        f"{place}的{role.label}已是“{holder}”，不能再登记“{person.name}”；如需更换请在系统管理中修改。"
                    )
                held[key] = person.name
                new_assignments.append(Assignment(
                    role=role, person_name=person.name, title=person.title, phone=person.phone, **target,
                ))
            progress(done, len(villages))
        Assignment.objects.bulk_create(new_assignments)
        created.assignments = len(new_assignments)
    return created
