"""The structure import (villages/imports.py): zones, work areas, villages and the people
who answer for them, from the template; errors by sheet, row and column; all or nothing."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.choices import ImportStatus
from imports.services import import_batch_confirm, import_batch_create, import_batch_run, import_batch_validate
from imports.workbooks import template_workbook
from tests.factories import AssignmentFactory, TownshipFactory, VillageFactory, WorkAreaFactory, ZoneFactory, staff_of
from tests.villages.structure import structure_bytes, twelve_villages
from villages.choices import AssignmentRole
from villages.imports import StructureLedger
from villages.models import Assignment, Village, WorkArea, Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def township():
    return TownshipFactory(code="QS", name="清水镇")


@pytest.fixture
def staff(township):
    return staff_of(township, username="qs_staff")


def validated(staff, township, data, name="组织架构.xlsx"):
    batch = import_batch_create(
        kind="structure", township=township, uploaded_by=staff, upload=SimpleUploadedFile(name, data),
    )
    return import_batch_validate(batch_id=batch.pk)


def imported(staff, township, data):
    batch = validated(staff, township, data)
    assert batch.status == ImportStatus.READY, batch.problems
    import_batch_confirm(batch=batch, confirmed_by=staff)
    return import_batch_run(batch_id=batch.pk)


def problems(batch):
    assert batch.status == ImportStatus.INVALID
    return [(p["row"], p["header"], p["message"]) for p in batch.problems]


def test_it_imports_twelve_villages_with_their_zones_work_areas_and_people(staff, township):
    batch = validated(staff, township, structure_bytes())
    assert batch.status == ImportStatus.READY, batch.problems
    summary = dict(batch.preview["summary"])
    assert summary["新增片区"] == "3 个" and summary["新增工作区"] == "6 个" and summary["新增村居"] == "12 个"
    assert summary["新增责任人"] == f"{3 + 6 * 3 + 12 * 2} 人次"
    assert not Village.objects.exists()  # the preview writes nothing

    import_batch_confirm(batch=batch, confirmed_by=staff)
    batch = import_batch_run(batch_id=batch.pk)
    assert batch.status == ImportStatus.IMPORTED, batch.failure
    assert list(Zone.objects.filter(township=township).values_list("code", "name")) == [
        ("Z1", "南片区"), ("Z2", "中片区"), ("Z3", "北片区"),
    ]
    areas = WorkArea.objects.filter(zone__township=township).order_by("zone__order", "order")
    assert [(a.zone.code, a.code) for a in areas] == [("Z1", "W1"), ("Z1", "W2"), ("Z2", "W3"), ("Z2", "W4"), ("Z3", "W5"), ("Z3", "W6")]
    villages = Village.objects.filter(work_area__zone__township=township).order_by("order")
    assert [v.code for v in villages] == [f"V{n:03d}" for n in range(1, 13)]
    east = villages[0]
    assert (east.name, east.work_area.name, east.work_area.zone.name) == ("东岭村", "第一工作区", "南片区")
    secretary = Assignment.objects.get(village=east, role=AssignmentRole.VILLAGE_SECRETARY)
    assert (secretary.person_name, secretary.title, secretary.phone) == ("村书记1", "村党支部书记", "13900000001")
    leader = Assignment.objects.get(zone=east.work_area.zone, role=AssignmentRole.ZONE_LEADER)
    assert (leader.person_name, leader.title) == ("王建国", "街道党工委书记")
    assert Assignment.objects.filter(work_area=villages[1].work_area).count() == 3  # written on row 1 only
    assert Assignment.objects.count() == 3 + 18 + 24


def test_it_refuses_the_template_as_downloaded(staff, township):
    stream = BytesIO()
    template_workbook(StructureLedger()).save(stream)
    batch = validated(staff, township, stream.getvalue())
    assert problems(batch) == [(4, "", "这是模板里的示例行，请删除后再导入。")]


def test_it_names_each_bad_cell_by_sheet_row_and_column_and_writes_nothing(staff, township):
    rows = twelve_villages()
    rows[1]["村居编码"] = "V001"  # twice in the file
    rows[2]["村居名称"] = "东岭村"  # a name twice
    rows[3]["片区书记层领导"] = "另一人"  # 南片区's leader is 王建国 (row 4)
    rows[4]["村书记电话"] = "12345"
    rows[5]["村居编码"] = "V 006"
    rows[6]["包村干部"] = "甲、乙"
    rows[7]["工作区"] = None
    batch = validated(staff, township, structure_bytes(rows))
    got = problems(batch)
    assert (5, "村居编码", "村居编码“V001”与工作表“组织架构”第 4 行重复。") in got
    assert (6, "村居名称", "村居名称“东岭村”与工作表“组织架构”第 4 行重复。") in got
    assert any(row == 7 and header == "片区书记层领导" and "王建国" in message for row, header, message in got)
    assert any(row == 8 and header == "村书记电话" and "电话号码格式不正确" in message for row, header, message in got)
    assert any(row == 9 and header == "村居编码" and "只能由字母、数字" in message for row, header, message in got)
    assert any(row == 10 and header == "包村干部" and "几个人" in message for row, header, message in got)
    assert (11, "工作区", "工作区不能为空。") in got
    columns = {p["header"]: p["column"] for p in batch.problems}
    assert columns["村居编码"] == 4 and columns["村居名称"] == 5  # E, F
    assert not Zone.objects.exists() and not Village.objects.exists() and not Assignment.objects.exists()


def test_it_skips_villages_already_registered_and_refuses_a_code_taken_elsewhere(staff, township):
    imported(staff, township, structure_bytes(twelve_villages()[:4]))
    batch = imported(staff, township, structure_bytes())
    assert batch.status == ImportStatus.IMPORTED
    assert Village.objects.count() == 12 and Zone.objects.count() == 3
    assert Assignment.objects.filter(zone__isnull=False).count() == 3

    other = TownshipFactory(code="HX", name="河西镇")
    VillageFactory(work_area__zone__township=other, code="V099", name="河西村")
    rows = [{**twelve_villages()[0], "村居编码": "V099", "村居名称": "新村"}]
    batch = validated(staff, township, structure_bytes(rows))
    [(row, header, message)] = problems(batch)
    assert (row, header) == (4, "村居编码") and "已登记为河西镇" in message and "“河西村”" in message


def test_it_keeps_a_role_already_held_and_refuses_another_person_for_it(staff, township):
    zone = ZoneFactory(township=township, code="S", name="南片区")
    area = WorkAreaFactory(zone=zone, code="1", name="第一工作区")
    AssignmentFactory(for_zone=True, zone=zone, person_name="王建国")
    AssignmentFactory(for_work_area=True, work_area=area, role=AssignmentRole.WORKAREA_SECRETARY, person_name="老赵")
    rows = twelve_villages()[:2]
    batch = validated(staff, township, structure_bytes(rows))
    got = problems(batch)
    assert got == [(4, "工作区书记", "工作区“第一工作区”的工作区书记已登记为“老赵”；如需更换请在系统管理中修改。")]
    rows[0]["工作区书记"] = "老赵"
    batch = imported(staff, township, structure_bytes(rows))
    assert batch.status == ImportStatus.IMPORTED, batch.failure
    assert Zone.objects.get(township=township).code == "S"  # the zone registered, found by name
    assert Assignment.objects.filter(zone=zone).count() == 1
    assert Village.objects.filter(work_area=area).count() == 2


def test_it_takes_the_codes_the_sheet_gives_and_refuses_two_for_one_zone(staff, township):
    rows = twelve_villages()[:3]
    for row in rows:
        row.update({"片区编码": "NQ", "工作区编码": "A1"})
    rows[2].update({"片区编码": "NX", "工作区编码": "A2"})
    rows[1]["工作区编码"] = "A9"
    batch = validated(staff, township, structure_bytes(rows))
    assert problems(batch) == [
        (5, "工作区编码", "工作区“第一工作区”在工作表“组织架构”第 4 行的编码是“A1”，这里是“A9”，请统一。"),
        (6, "片区编码", "片区“南片区”在工作表“组织架构”第 4 行的编码是“NQ”，这里是“NX”，请统一。"),
    ]
    rows[1]["工作区编码"] = None
    rows[2]["片区编码"] = None  # stated once is enough
    imported(staff, township, structure_bytes(rows))
    assert list(WorkArea.objects.values_list("zone__code", "code", "name")) == [("NQ", "A1", "第一工作区"), ("NQ", "A2", "第二工作区")]
