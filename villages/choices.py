from django.db import models


class AssignmentRole(models.TextChoices):
    ZONE_LEADER = "zone_leader", "片区书记层领导"
    WORKAREA_CONTACT = "workarea_contact", "工作区联系两委成员"
    WORKAREA_SECRETARY = "workarea_secretary", "工作区书记"
    WORKAREA_DIRECTOR = "workarea_director", "工作区主任"
    VILLAGE_LIAISON = "village_liaison", "包村干部"
    VILLAGE_SECRETARY = "village_secretary", "村书记"


ZONE_ROLES = (AssignmentRole.ZONE_LEADER,)
WORKAREA_ROLES = (
    AssignmentRole.WORKAREA_CONTACT,
    AssignmentRole.WORKAREA_SECRETARY,
    AssignmentRole.WORKAREA_DIRECTOR,
)
VILLAGE_ROLES = (AssignmentRole.VILLAGE_LIAISON, AssignmentRole.VILLAGE_SECRETARY)
