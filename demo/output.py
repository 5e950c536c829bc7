"""What ``seed_demo`` prints: the summary of the demo made, and the users' table, aligned
in a terminal where a Chinese character takes two columns."""

import logging
import unicodedata
from contextlib import contextmanager

from core.money import fmt_wan, fmt_yuan


def display_width(text):
    """Terminal columns ``text`` takes: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, width):
    """Left-justify ``text`` to ``width`` terminal columns (Chinese characters count 2)."""
    text = str(text)
    return text + " " * max(0, width - display_width(text))


@contextmanager
def quiet(logger_name):
    """Only warnings and errors from ``logger_name`` meanwhile: one INFO line per object
    made is too much for the console."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reports_line(result):
    if not result.reports_built:
        return "  战报：未生成，过去各天的战报由定时任务补齐"
    if not result.reports:
        return "  战报：还没有到截止时间的战报"
    first, last = result.reports[0], result.reports[-1]
    return (
        f"  战报：已发布 {len(result.reports)} 期（{first:%Y-%m-%d} 至 {last:%Y-%m-%d}），"
        f"用时 {result.report_seconds:.1f} 秒"
    )


def format_result(result):
    """The Chinese report ``seed_demo`` prints."""
    c, t = result.counts, result.totals
    resolved = t["cash"] + t["offsets"]
    ratio = f"{resolved / t['principal'] * 100:.2f}%" if t["principal"] else "—"

    def money(value):
        return f"{fmt_yuan(value)} 元（{fmt_wan(value)} 万元）"

    lines = [
        f"已生成演示数据（随机种子 {result.seed}，用时 {result.seconds:.1f} 秒）",
        f"  {result.township}：{c['zones']} 个片区，{c['work_areas']} 个工作区，{c['villages']} 个村居"
        f"（无欠款 {c['villages_owed_nothing']} 个，已清零 {c['villages_cleared']} 个），责任分工 {c['assignments']} 条",
        f"  清收行动：{result.campaign}",
        f"  欠款人 {c['debtors']} 户（单位 {c['organisations']} 户，失信 {c['blacklisted']} 户，起诉 {c['litigating']} 户）",
        f"  欠款 {c['arrears']} 笔，合计 {money(t['principal'])}",
        f"  清收记录 {c['repayments']} 笔（其中已冲正 {c['reversals']} 笔，{money(t['reversed'])}）",
        f"    现金/转账 {money(t['cash'])}",
        f"    以物抵债/抵顶债务 {money(t['offsets'])}",
        f"  核销 {c['write_offs']} 笔，{money(t['written_off'])}",
        f"  尚欠 {money(t['outstanding'])}；完成比例 {ratio}",
        f"  合同 {c['contracts']} 份（另有重签新合同 {c['renewals']} 份），90 天内到期 {c['contracts_ending_soon']} 份",
        "    " + "、".join(f"{label} {count}" for label, count in c["contracts_by_stage"].items()),
        f"    问题 {c['findings']} 个（未整改 {c['findings_open']} 个），承包费缴纳 {c['fee_payments']} 笔，"
        f"逾期承包费转为欠款 {c['fee_arrears']} 笔，{money(t['fee_arrears'])}",
        f"    新增承包费 {fmt_yuan(t['new_fees'])} 元/年，收回土地 {t['land_recovered']:.2f} 亩",
        _reports_line(result),
        "",
        f"用户（密码均为 {result.password}{'，首次登录须先修改密码' if result.must_change_password else ''}）：",
    ]
    rows = [("用户名", "角色", "姓名", "范围", "密码")] + [
        (u.username, u.role, u.display_name, u.scope, result.password) for u in result.users
    ]
    widths = [max(display_width(str(row[i])) for row in rows) + 2 for i in range(5)]
    for row in rows:
        lines.append("  " + "".join(pad(value, width) for value, width in zip(row, widths)).rstrip())
    return "\n".join(lines)
