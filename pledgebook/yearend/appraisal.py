"""The third ledger (奖诺) at the year end: the open 处置 carried forward, and its figures in the archive.

Closing a year freezes its appraisals, star ratings and honours: every write path of
:mod:`pledgebook.models.appraisal.rules` checks the record's year (:mod:`pledgebook.models.store.years`), so
the rollover writes nothing for them. An open 组织处置 is carried like an open rectification: nothing is
copied; it stays with its appraisal and can still be closed (销号) after its year has closed
(:func:`pledgebook.models.appraisal.rules.close_disposal`). The plan lists them with their due dates
(:func:`pledgebook.models.appraisal.rules.open_disposals`) and says how many go on (:func:`carried_note`).

The closed year's archive holds its figures per 党委 (:mod:`.archive`); :func:`archive_rows` are the third
ledger's beside them: 民主评议党员情况统计表, 星级评定情况 and the 表彰 counts, per 乡镇（党委） and 合计.
"""

from __future__ import annotations

from pledgebook.models.appraisal.figures import appraisal_table
from pledgebook.models.appraisal.rules import DisposalRow
from pledgebook.models.appraisal.standing import honour_table, star_table
from pledgebook.models.core import vocab
from pledgebook.models.store.tables import fetch_one

__all__ = ["archive_rows", "carried_note", "disposal_dict", "has_records"]


def carried_note(open_count: int) -> str:
    """What the rollover says of the open 处置 it carries (empty when there are none)."""
    return f"组织处置未销号 {open_count} 项，结转下一年度继续办理" if open_count else ""


def disposal_dict(row: DisposalRow) -> dict[str, object]:
    """An open 处置 as the plan's JSON lists it."""
    return {"disposal_id": row.disposal_id, "person": row.person_name, "org": row.org_name,
            "grade": vocab.APPRAISAL_GRADES.get(row.grade, row.grade), "kind": vocab.DISPOSAL_KINDS.get(row.kind, row.kind),
            "decided_on": row.decided_on.isoformat(), "due_date": row.due_date.isoformat(), "overdue": row.overdue}


def has_records(year: int) -> bool:
    """Whether ``year`` has any record of the third ledger (else the archive needs no table of it)."""
    found = fetch_one(
        "SELECT EXISTS (SELECT 1 FROM appraisal WHERE year = ? AND deleted_at IS NULL) "
        "OR EXISTS (SELECT 1 FROM star_rating WHERE year = ? AND deleted_at IS NULL) "
        "OR EXISTS (SELECT 1 FROM honour WHERE year = ? AND deleted_at IS NULL)", (year, year, year))
    return bool(found and found[0])


def archive_rows(year: int) -> list[list[str]]:
    """The third ledger's figures of ``year`` as text cells: three tables, each under its title, a blank line
    between them (a CSV that Excel/WPS opens as one sheet)."""
    out: list[list[str]] = [[f"{year}年度民主评议党员情况统计表"],
                            ["党委", "党员", "参评", "不参评", *vocab.APPRAISAL_GRADES.values(), "未评定", "组织处置",
                             "处置未销号"]]
    for r in appraisal_table(year):
        out.append([r.name, *map(str, (r.members, r.appraised, r.exempt, r.excellent, r.qualified, r.basic,
                                        r.unqualified, r.undecided, r.disposals, r.disposals_open))])
    stars = star_table(year)
    levels = sorted(stars[-1].levels, reverse=True) if stars else []
    out += [[], [f"{year}年度星级评定情况"],
            ["党委", "党支部", "已评定", "已确定", *(vocab.STAR_LABELS.get(n, f"{n}星") for n in levels), "待确定"]]
    for s in stars:
        out.append([s.name, *map(str, (s.branches, s.rated, s.confirmed, *(s.levels.get(n, 0) for n in levels),
                                            s.pending))])
    kinds = list(vocab.HONOUR_KINDS)
    out += [[], [f"{year}年度评选表彰情况"],
            ["党委", *(f"{vocab.HONOUR_KINDS[k]}{what}" for k in kinds for what in ("候选", "确定表彰"))]]
    for h in honour_table(year):
        out.append([h.name, *(str(n) for k in kinds for n in (h.candidates[k], h.confirmed[k]))])
    return out
