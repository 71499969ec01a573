"""The 民主评议党员计票表: one sheet, one row per 在册 member, the branches banded in turn and each starting a
printed page of its own; blank yellow cells for the counted 民主测评 votes and the branch's 组织评定, and the
member's 党员编号 (uid) and the year in hidden, locked columns — so the filled workbook imports back
(``pledgebook import``) to exactly the right members whatever the clerks did to the order of the rows.
Every other cell is locked (the sheet is protected without a password, as the pledge tally is).

One sheet rather than one per branch, as the pledge tally: a county's 700 sheets cost the import seconds of
reading, and the 优秀 quota is checked once for the whole file; the page breaks give each branch its pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pledgebook.exporters.paper.roster import Branch, Member
from pledgebook.exporters.paper.sheets import (
    close_workbook,
    formats,
    lines_needed,
    open_workbook,
    page_setup,
    write_text,
)
from pledgebook.exporters.paper.tally import tally_formats
from pledgebook.models.core import vocab
from pledgebook.models.store import settings

# (header, width); the headers are the names the importer knows (importers/sheets/appraisals.py)
APPRAISAL_TALLY_COLUMNS: list[tuple[str, float]] = [
    ("党员编号", 10), ("评议年度", 6), ("党组织", 20), ("姓名", 10), ("职务", 12), ("发放票数", 8), ("有效票", 8),
    ("优秀", 7), ("合格", 7), ("基本合格", 8), ("不合格", 7), ("组织评定等次", 10), ("不参评原因", 12),
    ("评定日期", 12), ("核对", 26),
]
APPRAISAL_TALLY_SHEET = "民主评议计票表"
APPRAISAL_TALLY_HEADER_ROW = 2  # 0-based: title, instructions, header
MAX_PAGE_BREAKS = 1023  # Excel's limit
HIDDEN_COLUMNS = ("党员编号", "评议年度")
COUNT_COLUMNS = ("发放票数", "有效票", "优秀", "合格", "基本合格", "不合格")
_NAMES = [h for h, _ in APPRAISAL_TALLY_COLUMNS]
_C = {h: j for j, h in enumerate(_NAMES)}


def _col(header: str) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(_C[header])


def _write_head(ws, f: dict, title: str, share: str) -> None:
    for j, (header, width) in enumerate(APPRAISAL_TALLY_COLUMNS):
        ws.set_column(j, j, width, None, {"hidden": True} if header in HIDDEN_COLUMNS else None)
    last = len(_NAMES) - 1
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, last, title, f["title"])
    ws.set_row(1, 78)
    ws.merge_range(
        1, 0, 1, last,
        "填写说明：只在黄色格子里填写。按各支部收回的民主测评票，逐人填写发放票数、有效票和优秀、合格、基本合格、不合格票数，"
        "再填写支部的「组织评定等次」（优秀、合格、基本合格、不合格）和评定日期；不参加评议的党员（流动党员、长期病休等）"
        "只填「不参评原因」，不填票数和等次。四项票数之和不能多于有效票，有效票不能多于发放票数；"
        f"各支部评为「优秀」的不得超过参评党员的 {share}（「核对」列会提示）。"
        "尚未计票的行请整行留空。请勿增删列；行的顺序可以调整。填好后在承诺台账中「导入」本表。",
        f["note"],
    )
    for j, header in enumerate(_NAMES):
        ws.write_string(APPRAISAL_TALLY_HEADER_ROW, j, header, f["head"])
    ws.set_row(APPRAISAL_TALLY_HEADER_ROW, 30)


def _write_formulas(ws, row: int, t: dict, block: tuple[int, int], limit: int) -> None:
    """核对 of one row: the four votes within 有效票, 有效票 within 发放票数, the branch's 优秀 within its quota
    (``block``: the branch's first and last row as printed)."""
    iss, valid, v1, v4, grade = _col("发放票数"), _col("有效票"), _col("优秀"), _col("不合格"), _col("组织评定等次")
    r = row + 1
    votes = f"SUM({v1}{r}:{v4}{r})"
    excellent = f'COUNTIF(${grade}${block[0] + 1}:${grade}${block[1] + 1},"优秀")'
    ws.write_formula(
        row, _C["核对"],
        f'=IF(COUNTA({iss}{r}:{grade}{r})=0,"",IF(AND({valid}{r}<>"",{votes}>{valid}{r}),"✗ 四项票数之和多于有效票",'
        f'IF(AND({iss}{r}<>"",N({valid}{r})>{iss}{r}),"✗ 有效票多于发放票数",'
        f'IF(AND({grade}{r}="优秀",{excellent}>{limit}),"✗ 本支部优秀多于 {limit} 人","✓"))))',
        t["check"], "",
    )


def _write_member(ws, t: dict, row: int, member: Member, branch: str, year: int, shade: bool) -> None:
    """One member's row: the locked keys and names, the counts to fill (an earlier count written in)."""
    text_fmt, quoted_fmt = (t["band"], t["band_quoted"]) if shade else (t["locked_text"], t["locked_quoted"])
    cells = {"党员编号": member.uid, "党组织": branch, "姓名": member.name, "职务": member.post}
    for header, value in cells.items():
        write_text(ws, row, _C[header], value, text_fmt, quoted_fmt)
    ws.write_number(row, _C["评议年度"], year, text_fmt)
    counts = (member.ballots_issued, member.ballots_valid, *member.votes)
    for header, value in zip(COUNT_COLUMNS, counts, strict=True):
        if value is None:
            ws.write_blank(row, _C[header], None, t["number"])
        else:
            ws.write_number(row, _C[header], value, t["number"])
    for header, text in (("组织评定等次", member.grade_label), ("不参评原因", member.exempt_reason or "")):
        if text:
            ws.write_string(row, _C[header], text, t["number"])
        else:
            ws.write_blank(row, _C[header], None, t["number"])
    if member.decided_on is not None:
        ws.write_datetime(row, _C["评定日期"], member.decided_on, t["day"])  # type: ignore[arg-type]
    else:
        ws.write_blank(row, _C["评定日期"], None, t["day"])
    ws.set_row(row, 15 * max(lines_needed(member.name, 10), lines_needed(member.post, 12),
                             lines_needed(branch, 20)) + 5)


def _write_rows(ws, t: dict, branches: list[Branch], year: int, limits: dict[int, int]) -> tuple[int, list[int]]:
    """One row per member, branches banded in turn; returns the row after the last and the rows where a
    branch after the first begins (its page break)."""
    row = APPRAISAL_TALLY_HEADER_ROW + 1
    starts: list[int] = []
    for i, branch in enumerate(branches):
        if i:
            starts.append(row)
        block = (row, row + len(branch.members) - 1)
        for member in branch.members:
            _write_member(ws, t, row, member, branch.name, year, shade=i % 2 == 0)
            _write_formulas(ws, row, t, block, limits.get(branch.org_id, 0))
            row += 1
    return row, starts


def _write_checks(ws, t: dict, first: int, last: int, year: int) -> None:
    """What Excel checks as the clerk types: whole numbers, a grade from the list, a date near the year."""
    for header in COUNT_COLUMNS:
        ws.data_validation(first, _C[header], last, _C[header], {
            "validate": "integer", "criteria": ">=", "value": 0,
            "error_title": "票数", "error_message": "请填写 0 或正整数（票数）"})
    ws.data_validation(first, _C["组织评定等次"], last, _C["组织评定等次"], {
        "validate": "list", "source": list(vocab.APPRAISAL_GRADES.values()),
        "error_title": "组织评定", "error_message": "请从下拉列表中选择：优秀、合格、基本合格、不合格"})
    ws.data_validation(first, _C["不参评原因"], last, _C["不参评原因"], {
        "validate": "list", "source": list(vocab.EXEMPT_REASONS), "show_error": False})
    ws.data_validation(first, _C["评定日期"], last, _C["评定日期"], {
        "validate": "date", "criteria": "between", "minimum": date(year, 1, 1),
        "maximum": date(year + 1, 12, 31), "error_title": "评定日期", "error_message": "请填写日期，例如 2024-12-20"})
    ws.conditional_format(first, _C["核对"], last, _C["核对"],
                          {"type": "text", "criteria": "begins with", "value": "✗", "format": t["bad"]})


def write_appraisal_tally(tmp: Path, final: Path, title: str, branches: list[Branch], year: int,
                          limits: dict[int, int]) -> None:
    """Write the tally workbook to ``tmp`` and close it; ``limits`` maps a branch's org id to its 优秀 quota.
    The caller renames ``tmp`` to ``final``."""
    wb = open_workbook(tmp)
    f = formats(wb, big=11)
    t = tally_formats(wb)
    ws = wb.add_worksheet(APPRAISAL_TALLY_SHEET)
    _write_head(ws, f, title, settings.get("appraisal_excellent_max"))
    first = APPRAISAL_TALLY_HEADER_ROW + 1
    end, starts = _write_rows(ws, t, branches, year, limits)
    if end > first:
        _write_checks(ws, t, first, end - 1, year)
        ws.autofilter(APPRAISAL_TALLY_HEADER_ROW, 2, end - 1, len(_NAMES) - 1)
    if starts and len(starts) <= MAX_PAGE_BREAKS:
        ws.set_h_pagebreaks(starts)
    ws.freeze_panes(APPRAISAL_TALLY_HEADER_ROW + 1, 4)
    page_setup(ws, landscape=True, repeat_row=APPRAISAL_TALLY_HEADER_ROW)
    ws.protect("", {"sort": True, "autofilter": True, "format_columns": True, "format_rows": True,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    close_workbook(wb, tmp, final)
