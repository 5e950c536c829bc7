"""A township's structure filled into the downloadable template, for the structure import's
tests and the first day's end-to-end test."""

from io import BytesIO

from tests.imports.workbooks import filled_template
from villages.imports import StructureLedger

ZONES = (("南片区", "王建国（街道党工委书记）"), ("中片区", "刘洪"), ("北片区", "陈志刚"))
VILLAGE_NAMES = ("东岭村", "西河村", "南洼村", "北坡村", "沙岭村", "柳树庄", "杏花村", "石桥村", "马庄村", "前营村", "后营村", "李家庄")


def twelve_villages():
    """12 villages over 3 zones of 2 work areas each, with every role filled: a zone's and a
    work area's people are written on their first row only."""
    rows = []
    for index, name in enumerate(VILLAGE_NAMES):
        zone_index, area_index = index // 4, index // 2
        zone, leader = ZONES[zone_index]
        row = {
            "片区": zone, "工作区": f"第{'一二三四五六'[area_index]}工作区", "村居编码": f"V{index + 1:03d}", "村居名称": name,
            "村书记": f"村书记{index + 1}（村党支部书记）", "村书记电话": f"1390000{index + 1:04d}", "包村干部": f"包村{index + 1}",
        }
        if index % 4 == 0:
            row["片区书记层领导"] = leader
        if index % 2 == 0:
            row.update({
                "工作区联系两委成员": f"联系人{area_index + 1}", "工作区书记": f"工作区书记{area_index + 1}",
                "工作区主任": f"工作区主任{area_index + 1}",
            })
        rows.append(row)
    return rows


def structure_bytes(rows=None):
    stream = BytesIO()
    filled_template(StructureLedger(), *(twelve_villages() if rows is None else rows)).save(stream)
    return stream.getvalue()
