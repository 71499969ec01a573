"""``pledgebook doctor``'s checks of the third ledger (the face passes :data:`APPRAISAL_CHECKS` to
:func:`pledgebook.models.store.health.check`). Read-only, and warnings: what they find is not damage to
the file but work the office has left to do, each with where and what to do.

- 优秀比例: a branch over its 优秀 quota in any year (an import, or a lowered setting, can leave one);
- 组织处置: a member appraised 基本合格/不合格 with no live 处置;
- 处置期限: an open 处置 past its due date — listed as a reminder, not a warning: overdue work is the office's
  daily business (an overdue pledge is not a doctor's warning either), not a fault of the ledger;
- 民主评议代码 (an error, like the file's 代码表 check): a grade or a 处置 kind the vocabulary does not know,
  or a grade beside an exempt reason (from a newer version, a bundle or a hand edit).
"""

from __future__ import annotations

from datetime import date

from pledgebook.models.appraisal.rules.appraisals import quota_problems
from pledgebook.models.appraisal.rules.disposals import open_disposals
from pledgebook.models.core import vocab
from pledgebook.models.store.health import Finding, LedgerCheck
from pledgebook.models.store.tables import fetch_all

__all__ = ["APPRAISAL_CHECKS", "codes_check", "missing_disposals", "over_quota_check", "overdue_disposal_check", "undisposed_check"]


def _present() -> bool:
    """Whether the file has the third ledger's tables (a file of an older schema opened read-only has not)."""
    names = {r[0] for r in fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {"appraisal", "disposal", "setting"} <= names


def over_quota_check() -> Finding:
    """Branches over their 优秀 quota, in every year that has appraisals."""
    found = []
    if _present():
        for (year,) in fetch_all("SELECT DISTINCT year FROM appraisal WHERE deleted_at IS NULL ORDER BY year"):
            found += [f"{year}年度 {q.fact}" for q in quota_problems(year)]
    return Finding(
        "优秀比例", not found,
        "正常" if not found else f"{len(found)} 个党支部评为优秀的党员超过比例上限（可能来自导入或调低了「优秀比例上限」设置）："
        "请在民主评议中把多出的优秀改评为其他等次", found, warning=True)


def missing_disposals() -> list[tuple[int, str, str, str]]:
    """Live appraisals graded 基本合格/不合格 with no live 处置: (year, member, branch, grade label)."""
    grades = ",".join(f"'{g}'" for g in vocab.DISPOSAL_GRADES)
    return [(year, person, org, vocab.label(vocab.APPRAISAL_GRADES, grade)) for year, person, org, grade in fetch_all(
        "SELECT a.year, p.name, o.name, a.grade FROM appraisal a JOIN person p ON p.id = a.person_id "
        f"JOIN org o ON o.id = a.org_id WHERE a.deleted_at IS NULL AND a.grade IN ({grades}) AND NOT EXISTS "
        "(SELECT 1 FROM disposal d WHERE d.appraisal_id = a.id AND d.deleted_at IS NULL) ORDER BY a.year, o.name, p.name")]


def undisposed_check() -> Finding:
    found = missing_disposals() if _present() else []
    return Finding(
        "组织处置", not found,
        "正常" if not found else f"{len(found)} 名评为基本合格或不合格的党员还没有组织处置记录：请在民主评议中为其录入处置方式和整改期限",
        [f"{year}年度 {org} {person}（{grade}）" for year, person, org, grade in found], warning=True)


def overdue_disposal_check(today: date | None = None) -> Finding:
    """Open 处置 whose due date has passed (of any year: an open one is carried into the next)."""
    late = [r for r in open_disposals(today=today) if r.overdue] if _present() else []
    return Finding(
        "处置期限", True,
        "正常" if not late else f"{len(late)} 条组织处置已过整改期限仍未销号（工作提醒）：请跟进整改，完成后在民主评议中销号",
        [f"{r.year}年度 {r.org_name} {r.person_name}（{vocab.label(vocab.DISPOSAL_KINDS, r.kind)}，"
         f"期限 {r.due_date.isoformat()}）" for r in late])


def codes_check() -> Finding:
    """Stored codes of the third ledger that the vocabulary does not know, and graded exempt members."""
    found: list[str] = []
    if _present():
        for table, column, vocabulary in (("appraisal", "grade", vocab.APPRAISAL_GRADES),
                                          ("disposal", "kind", vocab.DISPOSAL_KINDS)):
            for code, n in fetch_all(f'SELECT "{column}", count(*) FROM "{table}" WHERE "{column}" IS NOT NULL GROUP BY 1'):
                if code not in vocabulary:
                    found.append(f"{table}.{column}={code}（{n} 条）")
        for year, person, org in fetch_all(
                "SELECT a.year, p.name, o.name FROM appraisal a JOIN person p ON p.id = a.person_id JOIN org o "
                "ON o.id = a.org_id WHERE a.deleted_at IS NULL AND a.grade IS NOT NULL AND a.exempt_reason IS NOT NULL "
                "ORDER BY a.year, o.name, p.name"):
            found.append(f"{year}年度 {org} {person}：既有等次又有不参评原因")
    return Finding(
        "民主评议代码", not found,
        "正常" if not found else f"{len(found)} 处民主评议数据不合规（可能来自更新版本、数据包或手工修改）：请在民主评议中核对改正",
        found)


APPRAISAL_CHECKS: tuple[LedgerCheck, ...] = (over_quota_check, undisposed_check, overdue_disposal_check, codes_check)
