"""The tally workbook: the printed pledges with blank count columns and a hidden, locked 承诺编号 (uid),
so that the filled sheet imports back to exactly the right pledges whatever the clerks did to the rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pledgebook.exporters.paper.sheets import (
    close_workbook,
    formats,
    lines_needed,
    open_workbook,
    page_setup,
    write_text,
)
from pledgebook.exporters.paper.units import Unit
from pledgebook.models.store import settings
from pledgebook.models.store.tables import Org

TALLY_SHEET = "计票表"
# the tally's columns: (header, width); the header names are what the importer knows
TALLY_COLUMNS: list[tuple[str, float]] = [
    ("承诺编号", 10), ("党组织", 22), ("承诺人", 16), ("职务", 12), ("承诺事项", 44), ("评议方式", 9),
    ("评议日期", 12), ("发放票数", 8), ("有效票", 8), ("满意", 8), ("基本满意", 8), ("不满意", 8),
    ("满意率", 8), ("参与率", 8), ("核对", 26),
]
TALLY_HEADER_ROW = 2  # 0-based: title, instructions, header


def _col(j: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(j)


_COUNTS = ("发放票数", "有效票", "满意", "基本满意", "不满意")
_NAMES = [h for h, _ in TALLY_COLUMNS]
_C = {h: j for j, h in enumerate(_NAMES)}  # header → column


def tally_formats(wb) -> dict:
    """The tally's own cell formats (beside the shared ``formats``): locked text, yellow cells to fill."""
    text = {"font_size": 11, "border": 1, "text_wrap": True, "valign": "vcenter", "locked": True}
    to_fill = {"font_size": 11, "border": 1, "locked": False, "align": "center", "valign": "vcenter",
               "bg_color": "#FFF9DB"}
    return {
        "locked_text": wb.add_format(text),
        "locked_quoted": wb.add_format({**text, "quote_prefix": True}),
        "band": wb.add_format({**text, "bg_color": "#F2F2F2"}),
        "band_quoted": wb.add_format({**text, "bg_color": "#F2F2F2", "quote_prefix": True}),
        "number": wb.add_format({**to_fill, "num_format": "0"}),
        "day": wb.add_format({**to_fill, "num_format": "yyyy-mm-dd"}),
        "percent": wb.add_format({"font_size": 11, "border": 1, "num_format": "0.0%", "align": "center",
                                  "valign": "vcenter"}),
        "check": wb.add_format({"font_size": 11, "border": 1, "valign": "vcenter"}),
        "bad": wb.add_format({"font_color": "#C00000", "bold": True, "bg_color": "#FFE0E0"}),
    }


def _write_head(ws, f: dict, title: str, formula: str) -> None:
    """Column widths (承诺编号 hidden), the title, the instructions and the header row."""
    ncol = len(_NAMES)
    for j, (header, width) in enumerate(TALLY_COLUMNS):
        ws.set_column(j, j, width, None, {"hidden": True} if header == "承诺编号" else None)
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, ncol - 1, title, f["title"])
    ws.set_row(1, 64)
    rate_text = "满意率＝（满意＋基本满意）÷有效票" if formula != "satisfied_only" else "满意率＝满意÷有效票"
    ws.merge_range(
        1, 0, 1, ncol - 1,
        "填写说明：只在黄色格子里填写。按每个支部收回的选票，逐项填写评议日期、发放票数、有效票和满意、基本满意、不满意票数；"
        "有效票＝满意＋基本满意＋不满意，且不能多于发放票数（「核对」列会提示）。尚未计票的行请整行留空，不会当作0票。"
        f"{rate_text}，参与率＝有效票÷发放票数。请勿增删列；行的顺序可以调整。填好后在承诺台账中「导入」本表。",
        f["note"],
    )
    for j, header in enumerate(_NAMES):
        ws.write_string(TALLY_HEADER_ROW, j, header, f["head"])
    ws.set_row(TALLY_HEADER_ROW, 30)


def _write_formulas(ws, row: int, t: dict, formula: str) -> None:
    """满意率, 参与率 and 核对 of one row, as formulas over the counts the clerk fills in."""
    iss, v, s, b, u = (_col(_C[h]) for h in _COUNTS)
    r = row + 1  # Excel row number
    top = f"{s}{r}+{b}{r}" if formula != "satisfied_only" else f"{s}{r}"
    ws.write_formula(row, _C["满意率"], f'=IF(N({v}{r})=0,"",({top})/{v}{r})', t["percent"], "")
    ws.write_formula(row, _C["参与率"], f'=IF(OR(N({iss}{r})=0,{v}{r}=""),"",{v}{r}/{iss}{r})', t["percent"], "")
    ws.write_formula(
        row, _C["核对"],
        f'=IF(COUNT({iss}{r}:{u}{r})=0,"",IF(AND({v}{r}<>"",{s}{r}+{b}{r}+{u}{r}<>{v}{r}),'
        f'"✗ 三项之和≠有效票",IF(AND({iss}{r}<>"",N({v}{r})>{iss}{r}),"✗ 有效票多于发放票数","✓")))',
        t["check"], "",
    )


def _write_rows(ws, t: dict, units: list[Unit], kind_label: str, formula: str) -> int:
    """One row per pledge, units banded in turn; returns the row after the last."""
    row = TALLY_HEADER_ROW + 1
    shade = False
    for unit in units:
        shade = not shade
        text_fmt, quoted_fmt = (t["band"], t["band_quoted"]) if shade else (t["locked_text"], t["locked_quoted"])
        for line in unit.lines:
            cells = {"承诺编号": line.uid, "党组织": unit.name, "承诺人": line.pledger, "职务": line.post,
                     "承诺事项": line.content, "评议方式": kind_label}
            for header, value in cells.items():
                write_text(ws, row, _C[header], value, text_fmt, quoted_fmt)
            ws.write_blank(row, _C["评议日期"], None, t["day"])
            for header in _COUNTS:
                ws.write_blank(row, _C[header], None, t["number"])
            _write_formulas(ws, row, t, formula)
            lines = max(lines_needed(line.content, 44), lines_needed(line.pledger, 16), lines_needed(unit.name, 22))
            ws.set_row(row, 15 * lines + 5)
            row += 1
    return row


def _write_checks(ws, t: dict, first: int, last: int, year: int) -> None:
    """What Excel checks as the clerk types: counts are whole numbers, dates near the year, ✗ in red."""
    for header in _COUNTS:
        ws.data_validation(first, _C[header], last, _C[header], {
            "validate": "integer", "criteria": ">=", "value": 0,
            "error_title": "票数", "error_message": "请填写 0 或正整数（票数）"})
    ws.data_validation(first, _C["评议日期"], last, _C["评议日期"], {
        "validate": "date", "criteria": "between", "minimum": date(year - 1, 1, 1),
        "maximum": date(year + 2, 12, 31), "error_title": "评议日期", "error_message": "请填写日期，例如 2024-11-20"})
    ws.conditional_format(first, _C["核对"], last, _C["核对"],
                          {"type": "text", "criteria": "begins with", "value": "✗", "format": t["bad"]})
    ws.autofilter(TALLY_HEADER_ROW, 1, last, len(_NAMES) - 1)


def write_tally(tmp: Path, final: Path, root: Org, units: list[Unit], kind_label: str, year: int) -> None:
    """Write the tally workbook to ``tmp`` and close it (the caller renames it to ``final``)."""
    wb = open_workbook(tmp)
    f = formats(wb, big=11)
    t = tally_formats(wb)
    ws = wb.add_worksheet(TALLY_SHEET)
    formula = settings.get("satisfaction_formula")
    _write_head(ws, f, f"{root.name}{year}年度党员公开承诺{kind_label}计票表", formula)
    first = TALLY_HEADER_ROW + 1
    last = _write_rows(ws, t, units, kind_label, formula) - 1
    if last >= first:
        _write_checks(ws, t, first, last, year)
    ws.freeze_panes(TALLY_HEADER_ROW + 1, 3)
    page_setup(ws, landscape=True, repeat_row=TALLY_HEADER_ROW)
    ws.protect("", {"sort": True, "autofilter": True, "format_columns": True, "format_rows": True,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    close_workbook(wb, tmp, final)
