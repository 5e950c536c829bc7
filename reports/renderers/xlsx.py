"""The battle report as an Excel workbook: a sheet per section, numbers as numbers.

Every amount is written as a Decimal with ``MONEY_FORMAT``, every ratio as a Decimal with
``RATIO_FORMAT``, ranks and counts as integers, days as dates: nothing a reader may add up is
text. Each table sheet has one header row, frozen, repeated on every printed page, and a
landscape, fit-to-width print set-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Callable

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.exports import DATE_FORMAT, MONEY_FORMAT, RATIO_FORMAT, header_style, neutralise
from core.money import WAN

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
INT_FORMAT = "0"

CENTER = Alignment(horizontal="center")
LIGHT_FILLS = {
    "red": PatternFill("solid", fgColor="FDE2E1"),
    "yellow": PatternFill("solid", fgColor="FEF3C7"),
    "green": PatternFill("solid", fgColor="DCFCE7"),
}
LIGHT_FONTS = {
    "red": Font(color="B91C1C"),
    "yellow": Font(color="92400E"),
    "green": Font(color="166534"),
}
FORMATS = {
    "money": MONEY_FORMAT,
    "ratio": RATIO_FORMAT,
    "int": INT_FORMAT,
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
}


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: str  # text / int / money / ratio / date / datetime / light
    value: Callable


def _local(value):
    """Excel has no time zones: write the Shanghai wall-clock time."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _check_number(kind, value):
    if value is None:
        return None
    if isinstance(value, str):
        return neutralise(value)
    if kind in ("money", "ratio") and not isinstance(value, Decimal):
        raise TypeError(f"金额和比例必须是 Decimal：{value!r}")
    return value


def _page_setup(sheet, snapshot, title_rows="1:1"):
    sheet.print_title_rows = title_rows
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.oddHeader.center.text = f"{snapshot.township}清收清欠战报 第{snapshot.issue_number}期 {sheet.title}"
    sheet.oddHeader.center.size = 10
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    sheet.oddFooter.center.size = 9


def _table_sheet(workbook, snapshot, title, columns, rows):
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        cell = sheet.cell(row=1, column=index, value=column.header)
        header_style(cell)
    for row_index, row in enumerate(rows, start=2):
        for col_index, column in enumerate(columns, start=1):
            if column.kind == "light":
                cell = sheet.cell(row=row_index, column=col_index, value=row.light_label or None)
                if row.light in LIGHT_FILLS:
                    cell.fill = LIGHT_FILLS[row.light]
                    cell.font = LIGHT_FONTS[row.light]
                cell.alignment = CENTER
                continue
            value = _local(_check_number(column.kind, column.value(row)))
            cell = sheet.cell(row=row_index, column=col_index, value=value)
            if column.kind in FORMATS:
                cell.number_format = FORMATS[column.kind]
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    _page_setup(sheet, snapshot)
    return sheet


# ---- columns -----------------------------------------------------------------------

def _cleared(row):
    return "清零" if row.cleared else None


VILLAGE_COLUMNS = [
    Column("排名", 6, "int", lambda v: v.rank),
    Column("上期排名", 8, "int", lambda v: v.previous_rank),
    Column("变化", 6, "text", lambda v: v.rank_change),
    Column("村居编码", 10, "text", lambda v: v.code),
    Column("村居", 16, "text", lambda v: v.name),
    Column("片区", 9, "text", lambda v: v.zone),
    Column("工作区", 12, "text", lambda v: v.work_area),
    Column("欠款基数（元）", 16, "money", lambda v: v.baseline),
    Column("累计清收（元）", 16, "money", lambda v: v.recovered),
    Column("其中现金（元）", 15, "money", lambda v: v.recovered_cash),
    Column("其中抵顶（元）", 15, "money", lambda v: v.recovered_offset),
    Column("今日清收（元）", 15, "money", lambda v: v.recovered_today),
    Column("今日排名", 8, "int", lambda v: v.today_rank),
    Column("完成比例", 10, "ratio", lambda v: v.ratio),
    Column("尚欠（元）", 16, "money", lambda v: v.outstanding),
    Column("核销另计（元）", 14, "money", lambda v: v.written_off),
    Column("亮灯", 6, "light", None),
    Column("清零", 6, "text", _cleared),
]

UNRANKED_COLUMNS = [  # rows are (序号, VillageRow)
    Column("序号", 6, "int", lambda item: item[0]),
    Column("村居编码", 10, "text", lambda item: item[1].code),
    Column("村居", 16, "text", lambda item: item[1].name),
    Column("片区", 9, "text", lambda item: item[1].zone),
    Column("工作区", 12, "text", lambda item: item[1].work_area),
    Column("欠款基数（元）", 16, "money", lambda item: item[1].baseline),
    Column("累计清收（元）", 16, "money", lambda item: item[1].recovered),
    Column("说明", 22, "text", lambda item: "无欠款，不参与排名"),
]


def _group_columns(label, with_zone):
    columns = [
        Column("排名", 6, "int", lambda g: g.rank),
        Column(f"{label}编码", 10, "text", lambda g: g.code),
        Column(label, 14, "text", lambda g: g.name),
    ]
    if with_zone:
        columns.append(Column("所属片区", 10, "text", lambda g: g.zone))
    columns += [
        Column("村居数", 8, "int", lambda g: g.villages),
        Column("欠款基数（元）", 16, "money", lambda g: g.baseline),
        Column("累计清收（元）", 16, "money", lambda g: g.recovered),
        Column("其中现金（元）", 15, "money", lambda g: g.recovered_cash),
        Column("其中抵顶（元）", 15, "money", lambda g: g.recovered_offset),
        Column("今日清收（元）", 15, "money", lambda g: g.recovered_today),
        Column("完成比例", 10, "ratio", lambda g: g.ratio),
        Column("尚欠（元）", 16, "money", lambda g: g.outstanding),
        Column("核销另计（元）", 14, "money", lambda g: g.written_off),
        Column("亮灯", 6, "light", None),
        Column("清零村数", 9, "int", lambda g: g.villages_cleared),
    ]
    return columns


DUTY_COLUMNS = [
    Column("片区/工作区", 14, "text", lambda d: d.unit),
    Column("职责", 18, "text", lambda d: d.role),
    Column("责任人", 12, "text", lambda d: d.person_name),
    Column("职务", 22, "text", lambda d: d.title),
    Column("包保村居", 16, "text", lambda d: d.village),
    Column("村居编码", 10, "text", lambda d: d.village_code),
    Column("完成比例", 10, "ratio", lambda d: d.ratio),
    Column("位次", 9, "text", lambda d: d.position),
]

TODAY_COLUMNS = [  # rows are (类别, 名次, VillageRow)
    Column("类别", 12, "text", lambda item: item[0]),
    Column("名次", 6, "int", lambda item: item[1]),
    Column("村居编码", 10, "text", lambda item: item[2].code),
    Column("村居", 16, "text", lambda item: item[2].name),
    Column("片区", 9, "text", lambda item: item[2].zone),
    Column("工作区", 12, "text", lambda item: item[2].work_area),
    Column("今日清收（元）", 15, "money", lambda item: item[2].recovered_today),
    Column("欠款基数（元）", 16, "money", lambda item: item[2].baseline),
    Column("累计清收（元）", 16, "money", lambda item: item[2].recovered),
    Column("完成比例", 10, "ratio", lambda item: item[2].ratio),
    Column("尚欠（元）", 16, "money", lambda item: item[2].outstanding),
    Column("排名", 6, "int", lambda item: item[2].rank),
]

SERIES_COLUMNS = [
    Column("日期", 12, "date", lambda p: p.day),
    Column("完成比例", 10, "ratio", lambda p: p.ratio),
    Column("累计清收（元）", 18, "money", lambda p: p.recovered),
]


# ---- sheets ------------------------------------------------------------------------

def _overview_sheet(workbook, snapshot):
    """总览: the header and the township totals as label / value rows (值 in yuan, 万元 beside)."""
    sheet = workbook.active
    sheet.title = "总览"
    t = snapshot.totals
    rows = [
        ("街道", snapshot.township, "text"),
        ("清收行动", snapshot.campaign, "text"),
        ("期数（第 N 期）", snapshot.issue_number, "int"),
        ("报告日期", snapshot.day, "date"),
        ("截止时间", snapshot.cutoff_at, "datetime"),
        ("行动第几天", snapshot.campaign_day, "int"),
        ("欠款基数（元）", t.baseline, "money"),
        ("累计清收（元）", t.recovered, "money"),
        ("其中：现金清收（元）", t.recovered_cash, "money"),
        ("其中：抵顶化解（元）", t.recovered_offset, "money"),
        ("今日清收（元）", t.recovered_today, "money"),
        ("完成比例", t.ratio, "ratio"),
        ("目标比例", t.target_ratio, "ratio"),
        ("尚欠（元）", t.outstanding, "money"),
        ("核销另计（元，不计入完成比例）", t.written_off, "money"),
        ("村居总数", t.villages, "int"),
        ("参与排名村居", t.villages_ranked, "int"),
        ("未参与排名村居（无欠款）", len(snapshot.unranked), "int"),
        ("清零村", t.villages_cleared, "int"),
        ("今日无清收村", t.villages_idle_today, "int"),
    ]
    for index, (header, width) in enumerate((("项目", 32), ("数值", 22), ("万元", 14)), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = sheet.cell(row=1, column=index, value=header)
        header_style(cell)
    for row_index, (label, value, kind) in enumerate(rows, start=2):
        sheet.cell(row=row_index, column=1, value=label)
        cell = sheet.cell(row=row_index, column=2, value=_local(_check_number(kind, value)))
        if kind in FORMATS:
            cell.number_format = FORMATS[kind]
        if kind == "money":
            cell.font = Font(bold=label.startswith(("欠款基数", "累计清收", "尚欠")))
            wan = sheet.cell(row=row_index, column=3, value=value / WAN)
            wan.number_format = MONEY_FORMAT
        elif kind in ("text", "date", "datetime"):
            cell.alignment = Alignment(horizontal="left")
    sheet.freeze_panes = "A2"
    _page_setup(sheet, snapshot)
    return sheet


def render_xlsx(snapshot):
    workbook = Workbook()
    workbook.properties.title = f"{snapshot.township}清收清欠战报 第{snapshot.issue_number}期"
    workbook.properties.creator = f"{snapshot.township}经管中心"
    _overview_sheet(workbook, snapshot)
    _table_sheet(workbook, snapshot, "村居排名", VILLAGE_COLUMNS, snapshot.villages)
    _table_sheet(workbook, snapshot, "未参与排名", UNRANKED_COLUMNS, list(enumerate(snapshot.unranked, start=1)))
    _table_sheet(workbook, snapshot, "片区汇总", _group_columns("片区", with_zone=False), snapshot.zones)
    _table_sheet(workbook, snapshot, "工作区汇总", _group_columns("工作区", with_zone=True), snapshot.work_areas)
    _table_sheet(workbook, snapshot, "责任分工", DUTY_COLUMNS, snapshot.duties)
    today = [("今日清零", None, v) for v in snapshot.cleared_today] + [
        ("今日清收前三", v.today_rank or index, v) for index, v in enumerate(snapshot.top_today, start=1)
    ]
    _table_sheet(workbook, snapshot, "今日清零与前三", TODAY_COLUMNS, today)
    _table_sheet(workbook, snapshot, "每日进度", SERIES_COLUMNS, snapshot.series)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
