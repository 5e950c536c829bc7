"""The battle report's PDF, Excel file and chart, checked with real clients.

pdftotext / pdfinfo (poppler-utils) read the PDF back, LibreOffice reads the .xlsx back; without
them those tests are skipped with the reason, unless ``REQUIRE_SERVICES=1``, where they fail.
No database: the renderers take a ``Snapshot`` built by hand (tests/reports/sample.py).
"""

import csv
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from openpyxl import load_workbook

from core.exports import HEADER_FILL, HEADER_FONT, MONEY_FORMAT, RATIO_FORMAT
from core.money import fmt_percent, fmt_wan, fmt_yuan
from reports.chart import ratio_chart_svg
from reports.renderers import render_pdf, render_sections, render_xlsx, report_html
from tests.reports.sample import sample_snapshot

SHEETS = ["总览", "村居排名", "未参与排名", "片区汇总", "工作区汇总", "责任分工", "今日清零与前三", "每日进度"]
RANKING_HEADER = "排名 变化 村居 片区 工作区 欠款基数 累计清收 今日清收 今日排名 完成比例 尚欠 亮灯 清零"
INSTALL_HINT = {
    "pdftotext": "apt-get install poppler-utils",
    "pdfinfo": "apt-get install poppler-utils",
    "libreoffice": "apt-get install libreoffice-calc-nogui",
}


def require_binary(name):
    """The path of a command-line client; skip without it, or fail under REQUIRE_SERVICES=1."""
    path = shutil.which(name)
    if path:
        return path
    reason = f"需要 {name}：未安装（{INSTALL_HINT.get(name, '')}）"
    if os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}:
        pytest.fail(f"REQUIRE_SERVICES=1，但{reason}", pytrace=False)
    pytest.skip(reason)


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=180, **kwargs).stdout


def squash(text):
    return re.sub(r"\s+", " ", text)


# ---- fixtures: one 80-village report, rendered once ------------------------------------


@pytest.fixture(scope="module")
def snapshot():
    return sample_snapshot(80)


@pytest.fixture(scope="module")
def pdf_file(snapshot, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render_pdf(snapshot))
    return path


@pytest.fixture(scope="module")
def xlsx_bytes(snapshot):
    return render_xlsx(snapshot)


@pytest.fixture(scope="module")
def workbook(xlsx_bytes):
    return load_workbook(BytesIO(xlsx_bytes))


def page_count(pdf_file):
    info = run(require_binary("pdfinfo"), str(pdf_file))
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_text(pdf_file, first=None, last=None):
    args = [require_binary("pdftotext"), "-layout"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return run(*args, str(pdf_file), "-")


@pytest.fixture(scope="module")
def libreoffice_csv(xlsx_bytes, tmp_path_factory):
    """Every sheet of the workbook as LibreOffice reads it: {sheet name: rows}."""
    binary = require_binary("libreoffice")
    folder = tmp_path_factory.mktemp("lo")
    (folder / "home").mkdir()
    source = folder / "report.xlsx"
    source.write_bytes(xlsx_bytes)
    # CSV filter tokens: comma, double quote, UTF-8, from row 1, ..., raw values (not "as
    # shown"), and -1: every sheet to report-<sheet>.csv (LibreOffice 7.2+).
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    run(
        binary,
        f"-env:UserInstallation=file://{folder}/profile",
        "--headless",
        "--convert-to",
        csv_filter,
        "--outdir",
        str(folder / "out"),
        str(source),
        env={**os.environ, "HOME": str(folder / "home")},
    )
    sheets = {}
    for name in SHEETS:
        path = folder / "out" / f"report-{name}.csv"
        assert path.exists(), f"LibreOffice did not write {path.name}: {sorted(p.name for p in (folder / 'out').iterdir())}"
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[name] = list(csv.reader(handle))
    return sheets


def lo_number(text):
    """A number as LibreOffice writes it in raw CSV: 1234567.89, or 61.4% for a ratio."""
    if text.endswith("%"):
        return Decimal(text[:-1]) / 100
    return Decimal(text)


# ---- PDF -------------------------------------------------------------------------------


def test_it_prints_on_a4_landscape(pdf_file):
    info = run(require_binary("pdfinfo"), str(pdf_file))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (842, 595)
    assert "(A4)" in info


def test_it_lists_every_village_by_name(pdf_file, snapshot):
    text = pdf_text(pdf_file)
    missing = [v.name for v in snapshot.villages + snapshot.unranked if v.name not in text]
    assert not missing


def test_it_prints_the_township_totals_in_yuan_and_wan(pdf_file, snapshot):
    t = snapshot.totals
    text = squash(pdf_text(pdf_file, 1))
    assert t.baseline > Decimal("1000000")  # so the thousands separators show
    for label, amount in [
        ("欠款基数", t.baseline),
        ("累计清收", t.recovered),
        ("其中：现金清收", t.recovered_cash),
        ("其中：抵顶化解", t.recovered_offset),
        ("今日清收", t.recovered_today),
        ("尚欠", t.outstanding),
        ("核销另计（不计入完成比例）", t.written_off),
    ]:
        assert f"{label} {fmt_yuan(amount)} {fmt_wan(amount)}" in text
    assert f"完成比例 {fmt_percent(t.ratio)} 目标 {fmt_percent(t.target_ratio)}" in text
    assert f"欠款基数{fmt_wan(t.baseline)}万元" in text
    assert re.search(r"\d{1,3}(,\d{3}){2,}\.\d\d", text)


def test_it_prints_the_header_of_the_report(pdf_file, snapshot):
    text = squash(pdf_text(pdf_file, 1))
    assert "兰山街道清收清欠战报" in text
    assert f"第 {snapshot.issue_number} 期" in text
    assert "截至 2026年11月23日 16:00" in text
    assert f"行动第 {snapshot.campaign_day} 天" in text
    assert snapshot.campaign in text


def test_it_numbers_the_pages(pdf_file):
    pages = page_count(pdf_file)
    assert pages > 2
    # pdftotext drops the spaces between Chinese characters and digits.
    assert re.search(rf"第\s*1\s*页\s*共\s*{pages}\s*页", pdf_text(pdf_file, 1))
    assert re.search(rf"第\s*{pages}\s*页\s*共\s*{pages}\s*页", pdf_text(pdf_file, pages))


def test_it_repeats_the_ranking_header_on_every_page_it_spans(pdf_file, snapshot):
    names = {v.name for v in snapshot.villages}
    row = re.compile(r"^\s*\d+\s+(?:↑\d+|↓\d+|—|新)\s+(\S+)", re.M)
    spanned = []
    for page in range(1, page_count(pdf_file) + 1):
        text = pdf_text(pdf_file, page)
        if any(name in names for name in row.findall(text)):
            spanned.append(page)
            assert RANKING_HEADER in squash(text), f"第 {page} 页没有表头"
    assert spanned[:2] == [1, 2]
    assert len(spanned) >= 2
    assert RANKING_HEADER in squash(pdf_text(pdf_file, 2))


def test_it_right_aligns_amounts_in_the_ranking(pdf_file, snapshot):
    """Amounts of different widths end at the same x on every row of page 2."""
    bbox = run(require_binary("pdftotext"), "-bbox", "-f", "2", "-l", "2", str(pdf_file), "-")
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>', bbox)
    baselines = {fmt_yuan(v.baseline) for v in snapshot.villages if v.recovered != v.baseline}
    found = [(float(x0), float(x1)) for x0, x1, word in words if word in baselines]
    assert len(found) > 10
    starts, ends = {round(x0) for x0, _ in found}, [x1 for _, x1 in found]
    assert len(starts) > 1  # different widths...
    assert max(ends) - min(ends) < 1  # ...one right edge


def test_it_prints_the_ranking_lights_changes_and_cleared_marks(pdf_file, snapshot):
    text = pdf_text(pdf_file)
    for village in snapshot.villages[:3]:
        assert re.search(
            rf"{village.rank}\s+{re.escape(village.rank_change)}\s+{village.name}\s+{village.zone}\s+{village.work_area}"
            rf"\s+{re.escape(fmt_yuan(village.baseline))}\s+{re.escape(fmt_yuan(village.recovered))}"
            rf"\s+{re.escape(fmt_yuan(village.recovered_today))}\s+{village.today_rank or '—'}"
            rf"\s+{re.escape(fmt_percent(village.ratio))}\s+{re.escape(fmt_yuan(village.outstanding))}"
            rf"\s+{village.light_label}(\s+清零)?",
            text,
        ), village.name
    changes = {v.rank_change[0] for v in snapshot.villages}
    assert {"↑", "↓", "—", "新"} <= changes
    for word in ("红灯", "黄灯", "绿灯", "清零", "未参与排名村居", "无欠款，不参与排名", "今日清零村", "今日清收前三", "责任分工"):
        assert word in text


def test_it_prints_who_goes_where(pdf_file, snapshot):
    text = squash(pdf_text(pdf_file))
    for duty in snapshot.duties[:6]:
        assert f"{duty.unit} {duty.role} {duty.person_name}" in text
        assert f"{duty.village} {fmt_percent(duty.ratio)} {duty.position}" in text


def test_it_draws_the_chart_in_the_pdf(pdf_file):
    text = squash(pdf_text(pdf_file, 1))
    assert "全街道完成比例走势" in text
    assert "目标 80%" in text
    assert "11月23日" in text


# ---- HTML (the web page includes the same sections) --------------------------------------


def test_it_marks_each_web_row_with_its_village_for_the_page_to_highlight(snapshot):
    """The web page's sections are stored once for every reader: the reader's own village is
    highlighted by the page's style rule for its data-village (tests/reports/test_views.py)."""
    mine = snapshot.villages[7]
    html = render_sections(snapshot)
    rows = re.findall(rf'<tr id="village-{mine.village_id}" data-village="{mine.village_id}">(.*?)</tr>', html)
    assert len(rows) == 1 and f"<td>{mine.name}</td>" in rows[0]
    assert html.count("data-village=") >= len(snapshot.villages) + len(snapshot.unranked)
    bar = re.search(rf'data-village="{mine.village_id}">.*?<svg class="rpt-bar"[^>]*><rect width="([0-9.]+)" height="1"/></svg>', html)
    assert bar and bar.group(1) == str((mine.ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    # No inline style at all: the page's Content-Security-Policy allows none (static/css/report.css).
    assert "<style" not in html and "style=" not in html


def test_it_keeps_the_web_only_markup_out_of_the_pdf(snapshot):
    html = report_html(snapshot)
    assert "data-village" not in html and 'id="village-' not in html
    assert "rpt-bar" not in html and "max-width: 480px" not in html and "rpt-cards" not in html
    assert '<link rel="stylesheet" href="static/css/report.css">' in html  # the sections' rules, shared with the web


def test_it_highlights_nothing_without_a_village(snapshot):
    html = render_to_string("reports/partials/report_sections.html", {"snapshot": snapshot})
    assert "is-mine" not in html and "<style" not in html
    assert "截至 2026年11月23日 16:00" in html  # the web page's meta line


def test_it_colours_the_lights(snapshot):
    html = report_html(snapshot)
    for light, label in [("red", "红灯"), ("yellow", "黄灯"), ("green", "绿灯")]:
        count = sum(1 for v in snapshot.villages if v.light == light)
        assert count
        assert html.count(f'<td class="c rpt-light-{light}">{label}</td>') >= count


def test_it_keeps_villages_owed_nothing_out_of_the_ranking(snapshot):
    html = report_html(snapshot)
    ranking = html.split('class="table rpt-table rpt-ranking"', 1)[1].split("</table>", 1)[0]
    apart = html.split('class="table rpt-table rpt-unranked"', 1)[1].split("</table>", 1)[0]
    assert snapshot.unranked
    for village in snapshot.unranked:
        assert village.name not in ranking
        assert village.name in apart
    names = re.findall(r"<tr><td[^>]*>[^<]*</td><td[^>]*>[^<]*</td><td>([^<]*)</td>", ranking)
    assert names == [v.name for v in snapshot.villages]
    # the web page's rows carry anchors, in the same order; the PDF's do not (they cost memory)
    assert 'id="village-' not in html
    web = render_to_string("reports/partials/report_sections.html", {"snapshot": snapshot})
    web_ranking = web.split('class="table rpt-table rpt-ranking"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr id="village-(\d+)"', web_ranking)
    assert [int(pk) for pk in rows] == [v.village_id for v in snapshot.villages]


# ---- chart -------------------------------------------------------------------------------


def parse_svg(svg):
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    return root, ns, "".join(t.text or "" for t in root.iterfind(".//s:text", ns))


def test_it_draws_the_ratio_day_by_day_with_a_dashed_target(snapshot):
    root, ns, text = parse_svg(ratio_chart_svg(snapshot.series, Decimal("0.80")))
    assert root.get("viewBox") == "0 0 720 260"
    assert len(root.findall(".//s:polyline", ns)) == 1
    assert len(root.find(".//s:polyline", ns).get("points").split()) == len(snapshot.series)
    dashed = [line for line in root.findall(".//s:line", ns) if line.get("stroke-dasharray")]
    assert len(dashed) == 2  # the legend's sample and the target line
    for word in ("完成比例", "日期", "目标 80%", "11月23日", fmt_percent(snapshot.totals.ratio), "100%", "0%"):
        assert word in text


def test_it_draws_a_chart_with_one_point_or_none(snapshot):
    root, ns, text = parse_svg(ratio_chart_svg([], Decimal("0.80")))
    assert "暂无数据" in text
    assert not root.findall(".//s:polyline", ns)

    root, ns, text = parse_svg(ratio_chart_svg(snapshot.series[-1:], Decimal("0.80"), width=400, height=200))
    assert root.get("width") == "400"
    assert not root.findall(".//s:polyline", ns)
    assert len(root.findall(".//s:circle", ns)) == 1
    assert fmt_percent(snapshot.series[-1].ratio) in text


def test_it_breaks_the_line_on_days_without_a_ratio(snapshot):
    series = list(snapshot.series)
    series[10] = type(series[10])(day=series[10].day, ratio=None, recovered=Decimal("0.00"))
    root, ns, _ = parse_svg(ratio_chart_svg(series, None))
    assert len(root.findall(".//s:polyline", ns)) == 2
    assert not [line for line in root.findall(".//s:line", ns) if line.get("stroke-dasharray")]


# ---- Excel -------------------------------------------------------------------------------


def test_it_writes_a_sheet_per_section(workbook):
    assert workbook.sheetnames == SHEETS


def test_it_writes_amounts_ratios_and_ranks_as_numbers(workbook, snapshot):
    sheet = workbook["村居排名"]
    headers = [c.value for c in sheet[1]]
    col = {h: i for i, h in enumerate(headers)}
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(snapshot.villages)
    for cells, village in zip(rows, snapshot.villages):
        for header, attr in [
            ("欠款基数（元）", "baseline"), ("累计清收（元）", "recovered"),
            ("今日清收（元）", "recovered_today"), ("尚欠（元）", "outstanding"),
        ]:
            cell = cells[col[header]]
            assert cell.data_type == "n" and cell.number_format == MONEY_FORMAT
            assert Decimal(str(cell.value)) == getattr(village, attr)
        ratio = cells[col["完成比例"]]
        assert ratio.data_type == "n" and ratio.number_format == RATIO_FORMAT
        assert Decimal(str(ratio.value)) == village.ratio
        assert cells[col["排名"]].value == village.rank and cells[col["排名"]].data_type == "n"
        assert cells[col["村居"]].value == village.name
        assert cells[col["亮灯"]].value == village.light_label
    series = workbook["每日进度"]
    day = series["A2"]
    assert day.is_date and day.number_format == "yyyy-mm-dd"
    assert day.value.date() == snapshot.series[0].day
    assert series["B2"].number_format == RATIO_FORMAT
    assert series.max_row == len(snapshot.series) + 1


def test_it_writes_the_totals_as_label_value_rows(workbook, snapshot):
    sheet = workbook["总览"]
    values = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    wan = {row[0].value: row[2] for row in sheet.iter_rows(min_row=2)}
    assert values["街道"].value == "兰山街道"
    assert values["期数（第 N 期）"].value == snapshot.issue_number
    assert values["报告日期"].value.date() == snapshot.day
    assert values["截止时间"].value.strftime("%Y-%m-%d %H:%M") == "2026-11-23 16:00"
    baseline = values["欠款基数（元）"]
    assert baseline.data_type == "n" and baseline.number_format == MONEY_FORMAT
    assert Decimal(str(baseline.value)) == snapshot.totals.baseline
    assert Decimal(str(wan["欠款基数（元）"].value)) == snapshot.totals.baseline / 10000
    assert values["完成比例"].number_format == RATIO_FORMAT
    assert Decimal(str(values["完成比例"].value)) == snapshot.totals.ratio
    assert values["村居总数"].value == snapshot.totals.villages


def test_it_freezes_the_header_row_and_sets_up_printing(workbook):
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert all(sheet.column_dimensions[c.column_letter].width >= 6 for c in sheet[1])
        assert sheet["A1"].font.bold


def test_it_gives_every_header_row_the_one_header_style_of_the_exports(workbook):
    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            assert cell.font.bold == HEADER_FONT.bold, (sheet.title, cell.coordinate)
            assert cell.fill.fgColor.rgb.endswith(HEADER_FILL.fgColor.rgb[-6:]), (sheet.title, cell.coordinate)
            assert cell.alignment.horizontal == "center" and cell.alignment.wrap_text, (sheet.title, cell.coordinate)


def test_libreoffice_reads_back_the_same_totals(libreoffice_csv, snapshot):
    t = snapshot.totals
    overview = {row[0]: row[1:] for row in libreoffice_csv["总览"][1:]}
    for label, amount in [
        ("欠款基数（元）", t.baseline),
        ("累计清收（元）", t.recovered),
        ("其中：现金清收（元）", t.recovered_cash),
        ("其中：抵顶化解（元）", t.recovered_offset),
        ("今日清收（元）", t.recovered_today),
        ("尚欠（元）", t.outstanding),
        ("核销另计（元，不计入完成比例）", t.written_off),
    ]:
        assert lo_number(overview[label][0]) == amount, label
        assert lo_number(overview[label][1]) == amount / 10000, label
    assert lo_number(overview["完成比例"][0]) == t.ratio
    assert overview["清零村"][0] == str(t.villages_cleared)
    assert overview["报告日期"][0] == "2026-11-23"


def test_libreoffice_reads_back_every_village_and_group(libreoffice_csv, snapshot):
    header, *rows = libreoffice_csv["村居排名"]
    col = {h: i for i, h in enumerate(header)}
    assert [row[col["村居"]] for row in rows] == [v.name for v in snapshot.villages]
    for row, village in zip(rows, snapshot.villages):
        assert int(row[col["排名"]]) == village.rank
        assert lo_number(row[col["欠款基数（元）"]]) == village.baseline
        assert lo_number(row[col["累计清收（元）"]]) == village.recovered
        assert lo_number(row[col["完成比例"]]) == village.ratio
    header, *rows = libreoffice_csv["片区汇总"]
    col = {h: i for i, h in enumerate(header)}
    assert sum(lo_number(r[col["欠款基数（元）"]]) for r in rows) == snapshot.totals.baseline
    header, *rows = libreoffice_csv["未参与排名"]
    assert [r[header.index("村居")] for r in rows] == [v.name for v in snapshot.unranked]
    assert len(libreoffice_csv["每日进度"]) == len(snapshot.series) + 1


def test_it_prints_with_the_lean_user_agent_stylesheet():
    """The memory saving (bench/report.py: peak ~560 -> ~370 MB at 960 villages) relies on a
    WeasyPrint internal; if an upgrade makes it fall back to plain HTML, this says so."""
    from weasyprint import HTML

    from reports.renderers.pdf import _report_html_class

    assert _report_html_class() is not HTML
