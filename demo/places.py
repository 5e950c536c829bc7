"""The demo's places and people: one township run like the Linyi sub-district of seed 000.

Three zones (片区) of two or three work areas (工作区), the villages spread over them in
order, and the people responsible at each level (seed 000's rule: a zone leader, a
contact member, a secretary and a director per work area, a secretary and a liaison per
village); then the demo users: admin, staff, leader and one cadre per village, all with
one password.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from core.roles import GROUP_NAMES, Role
from villages.choices import AssignmentRole
from villages.models import Assignment, Township, Village, WorkArea, Zone

from .context import DemoContext

TOWNSHIP_CODE = "371302001"
TOWNSHIP_NAME = "临河街道"
CN_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
ZONES = [("Z1", "南片区", "街道党工委书记"), ("Z2", "中片区", "街道办事处主任"), ("Z3", "北片区", "街道党工委副书记")]
# Township committee members who take a work area each; the deputies can be several.
CONTACT_TITLES = ["街道纪工委书记", "街道武装部部长", "街道组织委员", "街道宣传委员", "街道政法委员"]
CONTACT_TITLE_MANY = "街道办事处副主任"


@dataclass
class DemoUser:
    username: str
    role: str
    display_name: str
    scope: str


class PlacesBuilder:
    """Builds the township, its villages and the demo users, in that order."""

    def __init__(self, ctx: DemoContext):
        self.rng = ctx.rng
        self.names = ctx.names
        self.n = ctx.n
        self.officials = set()  # names of the people responsible, all different
        self.users = []

    def build_township(self):
        rng = self.rng
        self.township = Township.objects.create(code=TOWNSHIP_CODE, name=TOWNSHIP_NAME, order=1)
        per_zone = [rng.choice([2, 3]) for _ in ZONES] if self.n >= 12 else [1, 1, 1]
        contact_titles = rng.sample(CONTACT_TITLES, len(CONTACT_TITLES)) + [CONTACT_TITLE_MANY] * sum(per_zone)
        self.work_areas = []
        number = 0
        for z_order, ((code, name, title), count) in enumerate(zip(ZONES, per_zone), start=1):
            zone = Zone.objects.create(township=self.township, code=code, name=name, order=z_order)
            Assignment.objects.create(
                role=AssignmentRole.ZONE_LEADER, zone=zone, title=title,
                person_name=self.names.unique_person(self.officials), phone=self.names.phone(),
            )
            for w_order in range(1, count + 1):
                number += 1
                area = WorkArea.objects.create(zone=zone, code=f"W{number}", name=f"第{CN_NUMERALS[number - 1]}工作区", order=w_order)
                area.zone = zone
                self.work_areas.append(area)
                for role, role_title in (
                    (AssignmentRole.WORKAREA_CONTACT, contact_titles[number - 1]),
                    (AssignmentRole.WORKAREA_SECRETARY, f"{area.name}书记"),
                    (AssignmentRole.WORKAREA_DIRECTOR, f"{area.name}主任"),
                ):
                    Assignment.objects.create(
                        role=role, work_area=area, title=role_title,
                        person_name=self.names.unique_person(self.officials, male=rng.random() < 0.8),
                        phone=self.names.phone(),
                    )
        self.leader_name = Assignment.objects.get(role=AssignmentRole.ZONE_LEADER, zone__code="Z1").person_name

    def build_villages(self):
        rng = self.rng
        width = max(3, len(str(self.n)))
        areas = len(self.work_areas)
        self.villages = []
        self.secretaries = {}
        for index in range(self.n):
            area = self.work_areas[index * areas // self.n]
            name = self.names.village()
            village = Village.objects.create(work_area=area, code=f"V{index + 1:0{width}d}", name=name, order=index + 1)
            village.work_area = area
            self.villages.append(village)
            secretary = self.names.unique_person(self.officials, male=rng.random() < 0.85)
            self.secretaries[village.pk] = secretary
            Assignment.objects.create(
                role=AssignmentRole.VILLAGE_SECRETARY, village=village, person_name=secretary,
                title="社区党委书记" if name.endswith("社区") else "村党支部书记", phone=self.names.phone(),
            )
            Assignment.objects.create(
                role=AssignmentRole.VILLAGE_LIAISON, village=village, title="包村干部",
                person_name=self.names.unique_person(self.officials, male=rng.random() < 0.7),
                phone=self.names.phone(),
            )

    def build_users(self, password, *, must_change_password=False):
        User = get_user_model()
        hashed = make_password(password)  # hashed once: the demo users share a password
        groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in GROUP_NAMES.items()}

        def add(username, role, display_name, scope, **fields):
            user = User.objects.create(
                username=username, password=hashed, display_name=display_name,
                must_change_password=must_change_password, **fields,
            )
            user.groups.add(groups[role])
            self.users.append(DemoUser(username, GROUP_NAMES[role], display_name, scope))
            return user

        add("admin", Role.ADMIN, "系统管理员", "全部", is_superuser=True, is_staff=True)
        staff_name = self.names.unique_person(self.officials, male=False)
        self.staff = add("staff", Role.STAFF, staff_name, f"{TOWNSHIP_NAME}经管中心", township=self.township)
        add("leader", Role.LEADER, self.leader_name, TOWNSHIP_NAME, township=self.township)
        for village in self.villages:
            add(f"cadre-{village.code}", Role.CADRE, self.secretaries[village.pk], village.name, village=village)
