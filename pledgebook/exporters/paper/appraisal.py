"""民主评议党员 on paper: the 民主测评票 (one worksheet per branch, as many copies as asked) with the 计票表
beside it, and the 民主评议结果公示 (per branch or per 乡镇（党委）).

* :func:`print_appraisal_ballots` — every 在册 member of each branch (a member already recorded as not
  appraised, with a 不参评原因, is left off) with the four grades to tick; the copies of one branch follow
  each other on its sheet, each on a page of its own. The 计票表 (:mod:`.appraisal_tally`) is written beside.
* :func:`print_appraisal_notice` — the members with a 组织评定 grade (and those not appraised, with the
  reason), with the branch's counts per grade above them.

Each print run is one entry in the audit log (action ``print``, table ``appraisal``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pledgebook.exporters.paper.appraisal_tally import write_appraisal_tally
from pledgebook.exporters.paper.ballots import tally_beside
from pledgebook.exporters.paper.listing import Listing, publicity_line, record_print, write_listings
from pledgebook.exporters.paper.notice import check_published_on
from pledgebook.exporters.paper.roster import Branch, Member, need_branches
from pledgebook.exporters.paper.sheets import (
    PaperResult,
    Progress,
    close_workbook,
    formats,
    open_workbook,
    page_setup,
    replace_into,
    sheet_names,
    write_text,
)
from pledgebook.exporters.paper.units import scope
from pledgebook.models.appraisal.rules import excellent_limit
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError

MAX_COPIES = 300
_BALLOT_COLUMNS = [("序号", 6), ("姓名", 12), ("性别", 6), ("职务", 18), ("优秀", 9), ("合格", 9), ("基本合格", 9),
                   ("不合格", 9)]
NOTICE_BY = {"branch": "按党支部", "township": "按乡镇（党委）"}


def _check_copies(copies: int | None) -> int | None:
    if copies is None:
        return None
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ValidationError(f"每个支部的测评票份数应为 1–{MAX_COPIES} 的整数（不填则按参评党员人数），收到「{copies}」",
                              "copies")
    return copies


def _write_ballot_copy(ws, f: dict, branch: Branch, year: int, top: int) -> int:
    """One copy of a branch's ballot from row ``top``; returns the row after it."""
    members = branch.appraised
    last = len(_BALLOT_COLUMNS) - 1
    ws.set_row(top, 36)
    ws.merge_range(top, 0, top, last, f"{branch.name}{year}年度民主评议党员民主测评票", f["title"])
    ws.set_row(top + 1, 80)
    ws.merge_range(
        top + 1, 0, top + 1, last,
        f"说明：请对以下党员{year}年度的表现进行评议，在「优秀」「合格」「基本合格」「不合格」四栏中选一栏划「√」。"
        f"每人只能划一栏，多划或不划的对该党员的评议无效。评为「优秀」的不得超过 {excellent_limit(len(members))} 人"
        f"（参评党员 {len(members)} 人）。本票不记名，请勿填写姓名。",
        f["note"],
    )
    for j, (header, _) in enumerate(_BALLOT_COLUMNS):
        ws.write_string(top + 2, j, header, f["head"])
    ws.set_row(top + 2, 24)
    row = top + 3
    for i, member in enumerate(members, start=1):
        ws.write_number(row, 0, i, f["center"])
        for j, value in enumerate((member.name, member.gender, member.post), start=1):
            write_text(ws, row, j, value, f["center"], f["quoted"])
        for j in range(4, 8):
            ws.write_blank(row, j, None, f["box"])
        ws.set_row(row, 26)
        row += 1
    ws.merge_range(row + 1, 3, row + 1, last, "评议日期：　　　年　　月　　日", f["sign"])
    return row + 2


def _write_ballot_sheet(ws, f: dict, branch: Branch, year: int, copies: int) -> None:
    for j, (_, width) in enumerate(_BALLOT_COLUMNS):
        ws.set_column(j, j, width)
    top, breaks = 0, []
    for copy in range(copies):
        if copy:
            breaks.append(top)
        top = _write_ballot_copy(ws, f, branch, year, top)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, top - 1, len(_BALLOT_COLUMNS) - 1)
    page_setup(ws, repeat_row=2 if copies == 1 else None)


def print_appraisal_ballots(
    path: str | Path,
    *,
    org: str | None = None,
    org_id: int | None = None,
    year: int | None = None,
    copies: int | None = 1,
    tally_path: str | Path | None = None,
    progress: Progress | None = None,
) -> PaperResult:
    """Write the 民主测评票 of the branches under ``org`` (``copies`` per branch; None = one per member taking
    part) and the 计票表 beside them (``tally_path``, default ``<name>_计票表.xlsx``). Returns the paths, the
    branches (``units``), the members on the ballots (``members``) and the copies printed in all (``copies``).
    """
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    path = Path(path)
    wanted = _check_copies(copies)
    root, year = scope(org, org_id, year)
    branches = [b for b in need_branches(root, year, "民主测评票") if b.appraised]
    if not branches:
        raise PledgebookError(f"「{root.name}」{year}年度的在册党员都已登记为不参评，没有可测评的党员。")
    tally = tally_beside(path, tally_path, "测评票")
    tmp = path.with_name(path.name + ".part")
    wb = open_workbook(tmp)
    f = formats(wb)
    printed = 0
    for i, (branch, name) in enumerate(zip(branches, sheet_names(branches), strict=True)):
        n = wanted or len(branch.appraised)
        _write_ballot_sheet(wb.add_worksheet(name), f, branch, year, n)
        printed += n
        if i % 50 == 0:
            report("写入测评票", i, len(branches))
    close_workbook(wb, tmp, path)
    report("写入计票表", 0, 1)
    tally_tmp = tally.with_name(tally.name + ".part")
    limits = {b.org_id: excellent_limit(len(b.appraised)) for b in branches}
    write_appraisal_tally(tally_tmp, tally, f"{root.name}{year}年度民主评议党员计票表", branches, year, limits)
    replace_into(tmp, path)
    replace_into(tally_tmp, tally)
    report("写入计票表", 1, 1)
    members = sum(len(b.appraised) for b in branches)
    record_print("appraisal", "民主测评票和计票表", path,
                 {"branches": len(branches), "members": members, "copies": printed})
    return PaperResult(path, len(branches), 0, path.stat().st_size, time.perf_counter() - started,
                       tally_path=tally, tally_size=tally.stat().st_size, members=members, copies=printed)


def _grade_counts(members: list[Member]) -> str:
    graded = [m for m in members if m.grade]
    exempt = sum(1 for m in members if m.exempt_reason)
    parts = "、".join(f"{label} {sum(1 for m in graded if m.grade == code)} 人"
                      for code, label in vocab.APPRAISAL_GRADES.items())
    return (f"在册党员 {len(members)} 人，参加评议 {len(members) - exempt} 人"
            + (f"（不参评 {exempt} 人）" if exempt else "") + f"，评定{parts}。")


def _notice(title: str, groups: list[Branch], when: date, year: int) -> Listing:
    """One sheet of the 结果公示: the members graded (or not appraised) in ``groups``, with the counts above."""
    with_org = len(groups) > 1
    columns = ([("党组织", 22.0)] if with_org else []) + [("姓名", 12), ("性别", 6), ("职务", 18), ("评定等次", 12),
                                                         ("备注", 18)]
    rows: list[Sequence[str | int | float]] = []
    for branch in groups:
        for m in branch.members:
            if m.grade or m.exempt_reason:
                note = f"不参评：{m.exempt_reason}" if m.exempt_reason else ""
                rows.append(([branch.name] if with_org else []) + [m.name, m.gender, m.post, m.grade_label, note])
    members = [m for b in groups for m in b.members]
    return Listing(title, f"{title}{year}年度民主评议党员结果公示", columns, rows,
                   [publicity_line(when), _grade_counts(members)], signer=title, signed_on=when, complaint=True)


def notice_groups(branches: list[Branch], by: str) -> list[tuple[str, list[Branch]]]:
    """(title, branches) of each notice sheet: one per branch, or one per 乡镇（党委） in tree order."""
    if by not in NOTICE_BY:
        raise ValidationError(f"公示范围只能是：{'、'.join(NOTICE_BY.values())}，收到「{by}」", "by")
    if by == "branch":
        return [(b.name, [b]) for b in branches]
    groups: dict[str, list[Branch]] = {}
    for b in branches:
        groups.setdefault(b.committee, []).append(b)
    return list(groups.items())


def print_appraisal_notice(
    path: str | Path,
    *,
    org: str | None = None,
    org_id: int | None = None,
    year: int | None = None,
    published_on: date | str,
    by: str = "branch",
    progress: Progress | None = None,
) -> PaperResult:
    """Write the 民主评议结果公示 of the branches under ``org``: one sheet per branch (``by='branch'``) or per
    乡镇（党委） (``by='township'``). Only members with a 组织评定 grade or a 不参评原因 are listed; refused when
    no member under ``org`` has either. Returns the path, the sheets (``units``) and the members listed."""
    started = time.perf_counter()
    path = Path(path)
    root, year = scope(org, org_id, year)
    when = check_published_on(published_on, year)
    decided = [b for b in need_branches(root, year, "民主评议结果公示")
               if any(m.grade or m.exempt_reason for m in b.members)]
    if not decided:
        raise PledgebookError(f"「{root.name}」{year}年度还没有评定等次的党员，无法打印民主评议结果公示。"
                              "请先导入计票表或录入组织评定。")
    groups = notice_groups(decided, by)
    size = write_listings(path, [_notice(title, branches, when, year) for title, branches in groups], progress)
    listed = sum(1 for b in decided for m in b.members if m.grade or m.exempt_reason)
    record_print("appraisal", "民主评议结果公示", path, {"sheets": len(groups), "members": listed}, when)
    return PaperResult(path, len(groups), 0, size, time.perf_counter() - started, published_on=when, members=listed)
