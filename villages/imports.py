"""A township's structure (组织架构) as an import: zones (片区), work areas (工作区), villages
and the people who answer for them, one row per village (see ``imports/ledgers.py`` for the
steps every import shares). Registered in ``VillagesConfig.ready()``.

Matching, the same on preview and on import:

- A zone is the township's zone of the row's 片区 name; a work area the zone's work area of
  the row's 工作区 name. One not yet registered is made, with the code the sheet gives
  (片区编码, 工作区编码) or the next free ``Z<n>`` / ``W<n>``. A name given two different codes
  in the sheet, or a code another registered zone or work area has, is an error.
- A village is new when its 村居编码 is not registered anywhere; a registered code is
  skipped when it is the same village (same name, same work area), else an error. A code or
  a village name twice in the sheet is an error on the second row, as is a name another
  village of the township has (imports and pages find a village by its name).
- The people: one column per role, ``姓名`` or ``姓名（职务）``, with an optional phone column
  beside it. A zone's or work area's people may be written on any row of it; written on
  several rows they must agree. A role already held by someone else is an error (change it
  in the admin); held by the same person, it is left as it is. Skipped rows bring nobody.
"""

import re

from core.validators import mask_phone
from imports.cells import CellError, _compact, parse_name, parse_phone, parse_text
from imports.headers import Vocabulary
from imports.ledgers import LedgerKind, Plan, RowReader, TemplateColumn, preview_table

from .choices import VILLAGE_ROLES, WORKAREA_ROLES, ZONE_ROLES, AssignmentRole
from .models import Assignment, Village, WorkArea, Zone
from .services import Person, StructureVillage, structure_create

ZONE, ZONE_CODE, AREA, AREA_CODE, CODE, NAME = "片区", "片区编码", "工作区", "工作区编码", "村居编码", "村居名称"
ROLES = (*ZONE_ROLES, *WORKAREA_ROLES, *VILLAGE_ROLES)
PHONE = "电话"
EXAMPLES = {
    AssignmentRole.ZONE_LEADER: ("王建国（街道党工委书记）", "13800000001"),
    AssignmentRole.WORKAREA_CONTACT: ("李明（街道组织委员）", ""),
    AssignmentRole.WORKAREA_SECRETARY: ("赵强", ""),
    AssignmentRole.WORKAREA_DIRECTOR: ("孙丽", ""),
    AssignmentRole.VILLAGE_LIAISON: ("周平", "13800000002"),
    AssignmentRole.VILLAGE_SECRETARY: ("张卫东（村党支部书记）", "13800000003"),
}
STRUCTURE_VOCABULARY = Vocabulary(synonyms={
    ZONE: (ZONE, "片区名称", "战区", "战区名称"),
    ZONE_CODE: (ZONE_CODE, "战区编码"),
    AREA: (AREA, "工作区名称"),
    AREA_CODE: (AREA_CODE,),
    CODE: (CODE, "村居编号", "村编码", "村编号", "村代码"),
    NAME: (NAME, "村居", "村名", "村庄", "社区村", "村庄名称"),
    AssignmentRole.ZONE_LEADER.label: (AssignmentRole.ZONE_LEADER.label, "片区领导", "片区书记"),
    AssignmentRole.WORKAREA_CONTACT.label: (AssignmentRole.WORKAREA_CONTACT.label, "联系两委成员", "工作区联系人"),
})
_PERSON_RE = re.compile(r"(?P<name>[^（()）]+?)\s*[（(](?P<title>[^（()）]*)[）)]")
_CODE_RE = re.compile(r"[A-Za-z0-9_\-]+")


def parse_person(value):
    """``王建国`` or ``王建国（街道党工委书记）`` -> (name, title); blank -> None."""
    text = parse_name(value, required=False, max_length=None)
    if not text:
        return None
    match = _PERSON_RE.fullmatch(text)
    name, title = (match["name"], match["title"].strip()) if match else (text, "")
    if any(mark in name for mark in "（()）"):
        raise CellError(f"无法识别“{text}”：请写姓名，或“姓名（职务）”，如“王建国（街道党工委书记）”。")
    if any(mark in name for mark in "、,，;；/"):
        raise CellError(f"“{text}”像是几个人：每个职责只填一个人。")
    if len(name) > 50 or len(title) > 50:
        raise CellError("姓名和职务各最多 50 个字。")
    return name, title


def parse_code(value, *, noun, required):
    """A code: letters, digits, ``-`` and ``_``, at most 20 characters."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = parse_text(value)
    if not text:
        if required:
            raise CellError(f"{noun}不能为空。")
        return ""
    if not _CODE_RE.fullmatch(text):
        raise CellError(f"{noun}只能由字母、数字、“-”和“_”组成：“{text}”。")
    if len(text) > 20:
        raise CellError(f"{noun}最多 20 个字符，这里有 {len(text)} 个。")
    return text


def _place_name(noun, max_length=50):
    def parse(value):
        return parse_name(value, noun=noun, max_length=max_length)

    return parse


def _next_code(prefix, taken):
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    taken.add(f"{prefix}{number}")
    return f"{prefix}{number}"


class _Units:
    """The zones or work areas of the sheet and of the database, by name within their parent:
    their codes, and the people given for them."""

    def __init__(self, noun, code_header, prefix, registered):
        self.noun, self.code_header, self.prefix = noun, code_header, prefix
        self.registered = registered  # (parent, compact name) -> (code, pk)
        self.codes_taken = {(parent, code) for (parent, _), (code, _) in registered.items()}
        self.stated = {}  # key -> (code, row) first stated in the sheet
        self.first_row = {}
        self.people = {}  # (key, role) -> (Person, row)

    def see(self, key, code, row, problems):
        """Check the row's code against the sheet and the database."""
        self.first_row.setdefault(key, row)
        parent, name = key
        if not code:
            return
        known = self.registered.get(key)
        if known and known[0] != code:
            problems.append(row.problem(self.code_header, f"{self.noun}“{name}”已登记，编码是“{known[0]}”，不是“{code}”。"))
            return
        if not known and (parent, code) in self.codes_taken:
            problems.append(row.problem(self.code_header, f"{self.noun}编码“{code}”已是另一个{self.noun}的编码。"))
            return
        earlier = self.stated.get(key)
        if earlier and earlier[0] != code:
            problems.append(row.problem(
                self.code_header, f"{self.noun}“{name}”在{earlier[1].place}的编码是“{earlier[0]}”，这里是“{code}”，请统一。",
            ))
            return
        if not earlier:
            clash = next((k for k, (c, _) in self.stated.items() if k[0] == parent and c == code and k != key), None)
            if clash:
                problems.append(row.problem(self.code_header, f"{self.noun}编码“{code}”在表中已用于“{clash[1]}”。"))
                return
            self.stated[key] = (code, row)

    def code(self, key):
        """The key's code: registered, stated, or the next free one (given once, then kept)."""
        known = self.registered.get(key)
        if known:
            return known[0]
        if key not in self.stated:  # made unique in the township, not only in the parent: W1…W6, as the demo
            taken = {code for _, code in self.codes_taken} | {code for code, _ in self.stated.values()}
            self.stated[key] = (_next_code(self.prefix, taken), None)
        return self.stated[key][0]

    def person(self, key, role, person, row, header, problems):
        earlier = self.people.get((key, role))
        if earlier is None:
            self.people[key, role] = (person, row)
        elif earlier[0] != person:
            problems.append(row.problem(header, (
                f"{self.noun}“{key[1]}”的{role.label}在{earlier[1].place}填的是“{earlier[0].name}”，"
                f"这里是“{person.name}”：每个{self.noun}只有一位，请统一。"
            )))


class StructureLedger(LedgerKind):
    key = "structure"
    label = "组织架构（片区、工作区、村居及责任人）"
    per_village = False
    template_title = "组织架构导入模板：片区、工作区、村居及责任人"
    template_notes = (
        "填写说明：每行一个村居，带 * 的列必须填写；第 4 行是示例，请删除后再导入。片区、工作区的负责人填在该片区或"
        "工作区的任意一行即可（填在多行须一致）。姓名后可用括号写职务，如“王建国（街道党工委书记）”。"
        "片区编码、工作区编码可不填，由系统编号；村居编码在全系统内不能重复，村干部的登录名为“cadre-村居编码”。"
    )
    required = (ZONE, AREA, CODE, NAME)
    optional = (ZONE_CODE, AREA_CODE, *[header for role in ROLES for header in (role.label, role.label + PHONE)])
    vocabulary = STRUCTURE_VOCABULARY
    columns = (
        TemplateColumn(ZONE, "示例片区", 12, "片区（战区）名称，如“南片区”。"),
        TemplateColumn(ZONE_CODE, "Z1", 10, "可不填；不填时由系统编号（Z1、Z2…）。", "@"),
        TemplateColumn(AREA, "示例工作区", 12, "工作区名称，如“第一工作区”；同一片区内不重复。"),
        TemplateColumn(AREA_CODE, "W1", 10, "可不填；不填时由系统编号（W1、W2…）。", "@"),
        TemplateColumn(CODE, "V001", 12, "字母、数字，全系统不重复；村干部登录名为“cadre-编码”。", "@"),
        TemplateColumn(NAME, "示例村", 14, "村居名称；本乡镇内不重复。"),
        *[
            column
            for role in ROLES
            for column in (
                TemplateColumn(role.label, EXAMPLES[role][0], 22, f"{role.label}的姓名，可写成“姓名（职务）”。"),
                TemplateColumn(role.label + PHONE, EXAMPLES[role][1], 14, "可不填；手机号 11 位。", "@"),
            )
        ],
    )

    def parse_row(self, cells, *, units, memo=None):
        read = RowReader(cells, memo)
        values = {
            "zone": read(ZONE, _place_name("片区")),
            "zone_code": read(ZONE_CODE, parse_code, noun="片区编码", required=False) or "",
            "area": read(AREA, _place_name("工作区")),
            "area_code": read(AREA_CODE, parse_code, noun="工作区编码", required=False) or "",
            "code": read(CODE, parse_code, noun="村居编码", required=True),
            "name": read(NAME, _place_name("村居名称")),
            "people": {},
        }
        for role in ROLES:
            person = read(role.label, parse_person)
            phone = read(role.label + PHONE, parse_phone, required=False) or ""
            if person:
                values["people"][role.value] = (person[0], person[1], phone)
            elif phone:
                read.fail(role.label, f"填了{role.label}的电话，却没有填姓名。")
        return read.done(values)

    def plan(self, rows, *, batch):
        township = batch.township
        problems, skipped = [], []
        zones = _Units("片区", ZONE_CODE, "Z", {
            (None, _compact(zone.name)): (zone.code, zone.pk) for zone in Zone.objects.filter(township=township)
        })
        zone_names = {zone.pk: _compact(zone.name) for zone in Zone.objects.filter(township=township)}
        areas = _Units("工作区", AREA_CODE, "W", {
            (zone_names[area.zone_id], _compact(area.name)): (area.code, area.pk)
            for area in WorkArea.objects.filter(zone__township=township)
        })
        codes = [row.values["code"] for row in rows]
        registered = {
            village.code: village
            for village in Village.objects.filter(code__in=codes).select_related("work_area__zone__township")
        }
        names = {_compact(name): code for code, name in Village.objects.filter(work_area__zone__township=township).values_list("code", "name")}
        held = self._held(township)
        seen_codes, seen_names, new = {}, {}, []
        for row in rows:
            values = row.values
            zone_key = (None, _compact(values["zone"]))
            area_key = (zone_key[1], _compact(values["area"]))
            before = len(problems)
            zones.see(zone_key, values["zone_code"], row, problems)
            areas.see(area_key, values["area_code"], row, problems)
            code, name = values["code"], values["name"]
            village = registered.get(code)
            if village is not None:
                same = (
                    village.work_area.zone.township_id == township.pk and _compact(village.name) == _compact(name)
                    and _compact(village.work_area.name) == area_key[1] and _compact(village.work_area.zone.name) == zone_key[1]
                )
                if same:
                    skipped.append((row, "该村居已登记（整行跳过，其中的责任人不会更新）"))
                else:
                    where = f"{village.work_area.zone.township}{village.work_area.zone}{village.work_area}"
                    problems.append(row.problem(CODE, f"村居编码“{code}”已登记为{where}的“{village.name}”。"))
                continue
            compact_name = _compact(name)
            problem = None
            if earlier := _seen_before(seen_codes, code, row):
                problem = row.problem(CODE, f"村居编码“{code}”与{earlier.place}重复。")
            elif compact_name in names:
                problem = row.problem(NAME, f"本乡镇已有名为“{name}”的村居（编码 {names[compact_name]}），村居名称不能重复。")
            elif earlier := _seen_before(seen_names, compact_name, row):
                problem = row.problem(NAME, f"村居名称“{name}”与{earlier.place}重复。")
            if problem:
                problems.append(problem)
                continue
            for role_value, (person_name, title, phone) in values["people"].items():
                role = AssignmentRole(role_value)
                person = Person(person_name, title, phone)
                if role in VILLAGE_ROLES:
                    continue
                units, key = (zones, zone_key) if role in ZONE_ROLES else (areas, area_key)
                holder = held.get((role, units.registered.get(key, (None, None))[1]))
                if holder is not None and holder != person_name:
                    problems.append(row.problem(
                        role.label, f"{units.noun}“{key[1]}”的{role.label}已登记为“{holder}”；如需更换请在系统管理中修改。",
                    ))
                    continue
                units.person(key, role, person, row, role.label, problems)
            if len(problems) == before:
                new.append((row, zone_key, area_key))
        work = self._work(new, zones, areas)
        return Plan(self._preview(rows, work, zones, areas, skipped), problems, work)

    @staticmethod
    def _held(township):
        held = {}
        for assignment in Assignment.objects.filter(zone__township=township):
            held[AssignmentRole(assignment.role), assignment.zone_id] = assignment.person_name
        for assignment in Assignment.objects.filter(work_area__zone__township=township):
            held[AssignmentRole(assignment.role), assignment.work_area_id] = assignment.person_name
        return held

    @staticmethod
    def _work(new, zones, areas):
        """The villages to make, each carrying the people of its zone and work area on the
        first new village of each (the service makes a role once)."""
        work, given = [], set()
        for row, zone_key, area_key in new:
            values = row.values
            people = {}
            for role_value, (name, title, phone) in values["people"].items():
                role = AssignmentRole(role_value)
                if role in VILLAGE_ROLES:
                    people[role] = Person(name, title, phone)
            for units, key, roles in ((zones, zone_key, ZONE_ROLES), (areas, area_key, WORKAREA_ROLES)):
                for role in roles:
                    stated = units.people.get((key, role))
                    if stated and (key, role) not in given:
                        given.add((key, role))
                        people[role] = stated[0]
            work.append(StructureVillage(
                zone_code=zones.code(zone_key), zone_name=values["zone"],
                work_area_code=areas.code(area_key), work_area_name=values["area"],
                code=values["code"], name=values["name"], people=people,
            ))
        return work

    def _preview(self, rows, work, zones, areas, skipped):
        new_zones = {(v.zone_code, v.zone_name) for v in work if (None, _compact(v.zone_name)) not in zones.registered}
        new_areas = {
            (v.zone_name, v.work_area_code, v.work_area_name) for v in work
            if (_compact(v.zone_name), _compact(v.work_area_name)) not in areas.registered
        }
        people = [(v, role, person) for v in work for role, person in v.people.items()]
        summary = [
            ["数据行", len(rows)],
            ["新增片区", f"{len(new_zones)} 个"],
            ["新增工作区", f"{len(new_areas)} 个"],
            ["新增村居", f"{len(work)} 个"],
            ["新增责任人", f"{len(people)} 人次"],
            ["跳过（已登记的村居）", f"{len(skipped)} 行"],
        ]
        tables = [
            preview_table("新增村居", ["片区", "工作区", "村居编码", "村居名称", "村书记", "包村干部", "村干部登录名"], [
                [v.zone_name, v.work_area_name, v.code, v.name,
                 _who(v.people.get(AssignmentRole.VILLAGE_SECRETARY)), _who(v.people.get(AssignmentRole.VILLAGE_LIAISON)),
                 f"cadre-{v.code}"]
                for v in work
            ]),
            preview_table("新增责任人", ["对象", "职责", "姓名", "职务", "电话"], [
                [_target(v, role), role.label, person.name, person.title, mask_phone(person.phone)]
                for v, role, person in people
            ]),
            preview_table("新增片区和工作区", ["片区", "工作区", "编码"], [
                [name, "", code] for code, name in sorted(new_zones)
            ] + [[zone, name, code] for zone, code, name in sorted(new_areas, key=lambda area: area[1])]),
            preview_table("跳过的行", ["位置", "村居编码", "村居名称", "原因"], [
                [row.place, row.values["code"], row.values["name"], why] for row, why in skipped
            ]),
        ]
        return {"summary": summary, "tables": tables}

    def write(self, plan, *, batch, user, progress):
        created = structure_create(township=batch.township, villages=plan.work, progress=progress)
        return {
            "summary": [
                ["新增片区", f"{created.zones} 个"],
                ["新增工作区", f"{created.work_areas} 个"],
                ["新增村居", f"{created.villages} 个"],
                ["新增责任人", f"{created.assignments} 人次"],
                ["下一步", "在“村居”页点击“创建村干部账号”，为各村生成登录账号和初始密码。"],
            ],
            "links": [],
        }


def _seen_before(seen, key, row):
    """The earlier row with ``key``, or None (and ``row`` is now the one seen)."""
    earlier = seen.get(key)
    if earlier is None:
        seen[key] = row
    return earlier


def _who(person):
    return "" if person is None else person.name


def _target(village, role):
    if role in ZONE_ROLES:
        return village.zone_name
    if role in WORKAREA_ROLES:
        return f"{village.zone_name} {village.work_area_name}"
    return village.name
