from django.db import models
from django.db.models import Q
from django.urls import reverse

from .choices import VILLAGE_ROLES, WORKAREA_ROLES, ZONE_ROLES, AssignmentRole


class Township(models.Model):
    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveIntegerField("排序", default=0)

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
