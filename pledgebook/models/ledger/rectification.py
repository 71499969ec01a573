"""What an evaluation's numbers mean: 满意率, 参与率, and whether the result asks for a rectification
(限期整改) by the county's rule. Reads the county's settings; writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from pledgebook.models.store import settings
from pledgebook.models.store.db import get_setting
from pledgebook.models.store.health import Finding
from pledgebook.models.store.tables import database

__all__ = [
    "RECT_POOR_GRADES",
    "default_rectification_due",
    "needs_rectification",
    "participation_rate",
    "rectification_sql",
    "satisfaction_rate",
    "undated_check",
    "undated_rectifications",
]

RECT_POOR_GRADES = ("unsatisfied", "poor", "unqualified", "basic_qualified")


def satisfaction_rate(satisfied: int | None, basic: int | None, valid: int | None, formula: str | None = None) -> float | None:
    """满意率 of one set of votes by the county's formula; None without valid votes."""
    if not valid:
        return None
    formula = formula or get_setting("satisfaction_formula", "satisfied_plus_basic")
    top = (satisfied or 0) + ((basic or 0) if formula != "satisfied_only" else 0)
    return top / valid


def participation_rate(valid: int | None, issued: int | None) -> float | None:
    """参与率 = 有效票 / 发放票数."""
    if not issued:
        return None
    return (valid or 0) / issued


def needs_rectification(
    kind: str, grade: str | None, basic: int | None, unsatisfied: int | None, valid: int | None = None
) -> bool:
    """Whether an evaluation's result asks for a rectification (限期整改).

    A poor grade always does. For 群众评议 votes the county's rule decides
    (settings ``rectification_rule`` and ``rectification_threshold``).
    """
    if grade in RECT_POOR_GRADES:
        return True
    if kind != "public":
        return False
    if grade == "basic" and not valid:
        return True
    rule = settings.get("rectification_rule")
    if rule == "any_unsatisfied":
        return bool(unsatisfied)
    if rule == "basic_or_unsatisfied":
        return bool(unsatisfied) or bool(basic)
    if not valid or not unsatisfied:
        return False
    return unsatisfied * 100 > settings.get_int("rectification_threshold") * valid


def rectification_sql(alias: str = "e") -> str:
    """:func:`needs_rectification` as an SQL condition over evaluation ``alias`` (the county's rule
    as it stands), for the checks that look over a whole year (doctor, rollover)."""
    poor = ",".join(f"'{g}'" for g in RECT_POOR_GRADES)
    valid, basic, unsat = (f"coalesce({alias}.{c}, 0)" for c in ("ballots_valid", "votes_basic", "votes_unsatisfied"))
    rule = settings.get("rectification_rule")
    if rule == "any_unsatisfied":
        votes = f"{unsat} > 0"
    elif rule == "basic_or_unsatisfied":
        votes = f"({unsat} > 0 OR {basic} > 0)"
    else:
        votes = f"({valid} > 0 AND {unsat} > 0 AND {unsat} * 100 > {settings.get_int('rectification_threshold')} * {valid})"
    return (f"({alias}.grade IN ({poor}) OR ({alias}.kind = 'public' AND "
            f"(({alias}.grade = 'basic' AND {valid} = 0) OR {votes})))")


def undated_rectifications(year: int | None = None) -> list[tuple[int, int, int, date]]:
    """Live evaluations that need a rectification but have no due date and are not done (written by
    older versions): (evaluation id, pledge id, pledge year, evaluation date), oldest first."""
    where, params = "", []
    if year is not None:
        where, params = " AND p.year = ?", [year]
    return [(eid, pid, year, date.fromisoformat(str(on)[:10])) for eid, pid, year, on in database.execute_sql(
        "SELECT e.id, p.id, p.year, e.date FROM evaluation e JOIN pledge p ON p.id = e.pledge_id "
        "WHERE e.deleted_at IS NULL AND p.deleted_at IS NULL AND e.rect_due IS NULL AND e.rect_done IS NULL "
        f"AND {rectification_sql('e')}{where} ORDER BY p.year, e.date, e.id", params).fetchall()]


def default_rectification_due(evaluated_on: date) -> date:
    """The rectification due date by the county's default term."""
    return evaluated_on + timedelta(days=settings.get_int("rectification_days"))


def undated_check() -> Finding:
    """``doctor``'s 整改时限 check: evaluations that need a rectification but have none dated (older versions
    let that be saved). A warning: the clerk closes them with r in the pledge's detail."""
    present = {r[0] for r in database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    undated = undated_rectifications() if {"evaluation", "setting"} <= present else []
    return Finding(
        "整改时限", not undated,
        "正常" if not undated else f"{len(undated)} 条评议需整改却没有整改时限（旧版本录入）：整改完成后在承诺详情中按 r 销号，"
        "销号时按本县整改期限补记时限", [f"{year}年度第 {pid} 号承诺：{str(on)[:10]}的评议" for _e, pid, year, on in undated],
        warning=True)
