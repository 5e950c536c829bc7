"""Places (township, zone, work area, village), who answers for them, and the one rule of
who may see what: ``visible_to(user)`` on the querysets below.

- Villages: a cadre sees their own village in full; staff their township (none without
  one); leaders and administrators their township if one is set, else every village.
- Townships: the one of the user's village or the user's own; leaders and administrators
  with no township set, every township; staff with none, nothing.
- Rows that belong to a village (debtors, arrears, entries, contracts...) or to a township
  (zones, work areas, campaigns, reports...) subclass ``VillageRowQuerySet`` or
  ``TownshipRowQuerySet`` and name the path to it; their ``visible_to`` is the village's or
  the township's rule. A model that belongs to a place and has no ``visible_to`` fails
  tests/villages/test_visibility.py.
- The ranking is wider: a cadre sees every village's figures of their township
  (``Village.objects.ranking_visible_to``), still only their own village's debtors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse

from audit.history import AuditedRecords
from core.roles import Role, user_role

from .choices import VILLAGE_ROLES, WORKAREA_ROLES, ZONE_ROLES, AssignmentRole

if TYPE_CHECKING:
    from core.models import User

READERS = (Role.STAFF, Role.LEADER, Role.ADMIN)


class TownshipQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TownshipQuerySet:
        """Townships whose campaigns and reports ``user`` may read."""
        role = user_role(user)
        if role == Role.CADRE:
            return self.filter(zones__work_areas__villages=user.village_id)
        if role in READERS:
            if user.township_id:
                return self.filter(pk=user.township_id)
            return self.none() if role == Role.STAFF else self.all()
        return self.none()


class VillageQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> VillageQuerySet:
        """Villages whose debtors, arrears, entries and contracts ``user`` may read."""
        role = user_role(user)
        if role == Role.CADRE:
            return self.filter(pk=user.village_id)
        if role in READERS:
            if user.township_id:
                return self.filter(work_area__zone__township_id=user.township_id)
            return self.none() if role == Role.STAFF else self.all()
        return self.none()

    def ranking_visible_to(self, user: User) -> VillageQuerySet:
        """Villages whose figures (not debtors) ``user`` may see: a cadre sees every village
        of their township in the ranking; everyone else what they may see in full."""
        if user_role(user) == Role.CADRE:
            return self.filter(work_area__zone__township_id=user.village.work_area.zone.township_id)
        return self.visible_to(user)


class VillageRowQuerySet(models.QuerySet):
    """Rows that belong to a village, ``village_path`` away (``"village"``,
    ``"arrear__village"``...): ``visible_to(user)`` keeps those of the villages the user may
    see in full."""

    village_path = "village"

    def visible_to(self, user: User) -> models.QuerySet:
        return self.filter(**{f"{self.village_path}__in": Village.objects.visible_to(user)})


class TownshipRowQuerySet(models.QuerySet):
    """Rows that belong to a township, ``township_path`` away: ``visible_to(user)`` keeps
    those of the townships the user may see."""

    township_path = "township"

    def visible_to(self, user: User) -> models.QuerySet:
        return self.filter(**{f"{self.township_path}__in": Township.objects.visible_to(user)})


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AssignmentQuerySet:
        """Who answers for the zones, work areas and villages of the townships ``user`` may
        see (the battle report names them to everyone who reads it)."""
        townships = Township.objects.visible_to(user)
        return self.filter(
            Q(zone__township__in=townships) | Q(work_area__zone__township__in=townships)
            | Q(village__work_area__zone__township__in=townships)
        )


class ZoneQuerySet(TownshipRowQuerySet):
    township_path = "township"


class WorkAreaQuerySet(TownshipRowQuerySet):
    township_path = "zone__township"


class Township(models.Model):
    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveIntegerField("排序", default=0)

    objects = TownshipQuerySet.as_manager()
    history = AuditedRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "乡镇（街道）"
        verbose_name_plural = "乡镇（街道）"

    def __str__(self):
        return self.name


class Zone(models.Model):
    township = models.ForeignKey(Township, verbose_name="乡镇", on_delete=models.PROTECT, related_name="zones")
    code = models.CharField("编码", max_length=20)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveIntegerField("排序", default=0)

    objects = ZoneQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "片区"
        verbose_name_plural = "片区"
        constraints = [models.UniqueConstraint(fields=["township", "code"], name="zone_code_unique")]

    def __str__(self):
        return self.name


class WorkArea(models.Model):
    zone = models.ForeignKey(Zone, verbose_name="片区", on_delete=models.PROTECT, related_name="work_areas")
    code = models.CharField("编码", max_length=20)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveIntegerField("排序", default=0)

    objects = WorkAreaQuerySet.as_manager()

    class Meta:
        ordering = ["zone__order", "order", "code"]
        verbose_name = "工作区"
        verbose_name_plural = "工作区"
        constraints = [models.UniqueConstraint(fields=["zone", "code"], name="workarea_code_unique")]

    def __str__(self):
        return self.name


class Village(models.Model):
    work_area = models.ForeignKey(
        WorkArea, verbose_name="工作区", on_delete=models.PROTECT, related_name="villages"
    )
    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveIntegerField("排序", default=0)

    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "村居"
        verbose_name_plural = "村居"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:village", args=[self.pk])


class Assignment(models.Model):
    """A named person responsible for a zone, work area or village in a given role."""

    role = models.CharField("职责", max_length=30, choices=AssignmentRole.choices)
    person_name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    zone = models.ForeignKey(Zone, verbose_name="片区", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments")
    work_area = models.ForeignKey(WorkArea, verbose_name="工作区", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments")
    village = models.ForeignKey(Village, verbose_name="村居", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments")

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["role", "person_name"]
        verbose_name = "责任分工"
        verbose_name_plural = "责任分工"
        constraints = [
            models.CheckConstraint(
                name="assignment_target_matches_role",
                condition=(
                    Q(role__in=[r.value for r in ZONE_ROLES], zone__isnull=False, work_area__isnull=True, village__isnull=True)
                    | Q(role__in=[r.value for r in WORKAREA_ROLES], zone__isnull=True, work_area__isnull=False, village__isnull=True)
                    | Q(role__in=[r.value for r in VILLAGE_ROLES], zone__isnull=True, work_area__isnull=True, village__isnull=False)
                ),
                violation_error_message="职责与对象不符：片区领导对应片区，工作区职务对应工作区，包村干部和村书记对应村居。",
            ),
            models.UniqueConstraint(fields=["role", "zone"], condition=Q(zone__isnull=False), name="assignment_one_per_zone_role"),
            models.UniqueConstraint(fields=["role", "work_area"], condition=Q(work_area__isnull=False), name="assignment_one_per_workarea_role"),
            models.UniqueConstraint(fields=["role", "village"], condition=Q(village__isnull=False), name="assignment_one_per_village_role"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.person_name}"

    @property
    def target(self):
        return self.zone or self.work_area or self.village
