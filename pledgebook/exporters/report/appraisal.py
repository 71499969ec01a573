"""The third ledger's tables in the report: 民主评议党员情况统计表, 星级评定情况统计表 and 评选表彰情况统计表.

Rows as on 承诺情况统计表 (the root's children: the county's 党委, or a prefecture's counties) and a 合计 row;
every figure is the third ledger's own (:mod:`pledgebook.models.appraisal.figures` and ``.standing``), what
``pledgebook stats`` prints.
"""

from __future__ import annotations

from pledgebook.exporters.report.data import Sheet, rate
from pledgebook.models.appraisal.figures import AppraisalRow, appraisal_table
from pledgebook.models.appraisal.standing import HonourRow, StarRow, honour_table, star_table
from pledgebook.models.core import vocab


def _share(part: int, whole: int) -> float | str:
    return rate(part / whole if whole else None)


def appraisal_sheets(year: int, root_id: int, group: str, by: str) -> list[Sheet]:
    """民主评议党员情况统计表, 星级评定情况统计表 and 评选表彰情况统计表 of ``year`` under ``root_id``."""
    return [_appraisal_sheet(year, root_id, group, by), *_award_sheets(year, root_id, group, by)]


def _appraisal_sheet(year: int, root_id: int, group: str, by: str) -> Sheet:
    grades = list(vocab.APPRAISAL_GRADES.values())
    sheet = Sheet(
        "民主评议党员",
        "民主评议党员情况统计表",
        [group, "党员\n（名）", "参评\n（名）", "不参评\n（名）", *(f"{g}\n（名）" for g in grades), "未评定\n（名）",
         "优秀率", "组织处置\n（名）", "处置未销号\n（名）"],
        ["text"] + ["int"] * (4 + len(grades)) + ["pct", "int", "int"],
        units="单位：名、%",
        note="党员为在册党员；参评不含流动党员、长期病休等不参评人员；优秀率＝优秀÷参评；"
             "组织处置为对评为基本合格、不合格党员的处置，未销号的结转下一年度继续办理",
    )

    def row(r: AppraisalRow) -> list:
        return [r.name, r.members, r.appraised, r.exempt, r.excellent, r.qualified, r.basic, r.unqualified,
                r.undecided, _share(r.excellent, r.appraised), r.disposals, r.disposals_open]

    *rows, total = appraisal_table(year, root_id, by)
    sheet.rows = [row(r) for r in rows]
    sheet.total = row(total)
    return sheet


def _award_sheets(year: int, root_id: int, group: str, by: str) -> list[Sheet]:
    *star_rows, star_total = star_table(year, root_id, by)
    levels = sorted(star_total.levels, reverse=True)  # the county's levels, highest first
    stars = Sheet(
        "星级评定",
        "星级评定情况统计表",
        [group, "党支部\n（个）", "已评定\n（个）", *(f"{vocab.STAR_LABELS.get(n, f'{n}星')}\n（个）" for n in levels),
         "待确定\n（个）", f"{vocab.STAR_LABELS.get(levels[0], '')}占比"],
        ["text", "int", "int", *(["int"] * len(levels)), "int", "pct"],
        units="单位：个、%",
        note="党支部含党总支、临时党支部；已评定为已确定星级的党支部，待确定为已有评分、尚未确定星级的",
    )

    def star_row(fig: StarRow) -> list:
        return [fig.name, fig.branches, fig.confirmed, *(fig.levels.get(n, 0) for n in levels), fig.pending,
                _share(fig.levels.get(levels[0], 0), fig.confirmed)]

    stars.rows = [star_row(r) for r in star_rows]
    stars.total = star_row(star_total)
    honours = Sheet(
        "评选表彰",
        "评选表彰情况统计表",
        [group, *(f"{label}\n{what}" for label in vocab.HONOUR_KINDS.values() for what in ("（推荐）", "（确定）"))],
        ["text", *(["int"] * 2 * len(vocab.HONOUR_KINDS))],
        units="单位：个、名",
        note="推荐为台账按评选条件推荐、乡镇推荐和县委组织部提名的候选对象；确定为确定表彰的",
    )

    def honour_row(fig: HonourRow) -> list:
        return [fig.name, *(n for kind in vocab.HONOUR_KINDS for n in (fig.candidates[kind], fig.confirmed[kind]))]

    *honour_rows, honour_total = honour_table(year, root_id, by)
    honours.rows = [honour_row(r) for r in honour_rows]
    honours.total = honour_row(honour_total)
    return [stars, honours]
