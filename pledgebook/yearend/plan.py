"""What a rollover would do: the preview, its problems, and the rows it would carry.

:func:`preview` lists the pledges to carry per 党委 and category, how many
are already final, and the problems that block the rollover (never
evaluated, rectification still open, still 拟定, pledger gone), each with its
org and pledger so a face can jump to the pledge. :func:`carry_plan` is the
same reading plus the rows to carry, for :mod:`pledgebook.yearend.close`.

The third ledger's open 组织处置 do not block: like an open rectification's work they go on into the next
year (:mod:`pledgebook.yearend.appraisal`); the preview lists them with their due dates (``disposals``) and
says so (``notes``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pledgebook.models.appraisal.rules import DisposalRow, open_disposals
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import WorkYear, database
from pledgebook.yearend.appraisal import carried_note, disposal_dict
from pledgebook.yearend.common import org_lookup, short

CarryChoice = str | Iterable[str] | None  # "in_progress,unfulfilled" (codes or Chinese labels), or a list of them
CarryPledge = tuple[int, str, str]  # (pledge id, uid, status) of a pledge to carry

CARRY_DEFAULT: tuple[str, ...] = ("in_progress", "unfulfilled", "partly")
CARRIABLE: tuple[str, ...] = ("draft", "in_progress", "partly", "unfulfilled")
DUE_RULES: dict[str, str] = {"keep-month-day": "保留原月日", "year-end": "新年度年底"}
PROBLEM_KINDS: dict[str, str] = {
    "never_evaluated": "从未评议",
    "rectification_open": "整改未完成",
    "rectification_undated": "需整改未定时限",
    "draft": "仍为拟定",
    "pledger_gone": "承诺人已不在册",
}


class RolloverBlocked(PledgebookError):
    """Problems block the rollover (use force to go ahead); ``preview`` has the details."""

    exit_code = 1

    def __init__(self, pv: Preview):
        counts = "，".join(f"{PROBLEM_KINDS[k]} {n} 条" for k, n in pv.problem_counts.items())
        super().__init__(
            f"{pv.year}年度还有未处理的问题：{counts}。请先处理这些问题，"
            "或确认无误后加 --force 强制结转（有问题的承诺按原状态留在已关闭的年度）。"
        )
        self.preview = pv


# ---------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Problem:
    kind: str  # a PROBLEM_KINDS code
    pledge_id: int
    pledge_uid: str
    org_id: int
    org: str
    committee: str
    pledger: str
    content: str
    detail: str = ""

    @property
    def label(self) -> str:
        return PROBLEM_KINDS[self.kind]


@dataclass(frozen=True)
class CarryRow:
    committee_id: int
    committee: str
    category: str
    category_label: str
    count: int


@dataclass
class Preview:
    year: int
    to: int
    carry: tuple[str, ...]
    due_rule: str
    already_closed: bool
    to_exists: bool
    total: int = 0  # live pledges of the year
    to_carry: int = 0
    already_final: int = 0  # 已兑现 / 已撤销, and results not chosen for carrying
    staying: int = 0  # open pledges not carried (drafts, pledger gone, statuses not chosen)
    by_status: dict[str, int] = field(default_factory=dict)
    rows: list[CarryRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    disposals: list[DisposalRow] = field(default_factory=list)  # open 组织处置 of the year: carried, the earliest due first

    @property
    def notes(self) -> list[str]:
        """What goes on into the next year besides the pledges (the open 处置), one line each."""
        return [n for n in (carried_note(len(self.disposals)),) if n]

    @property
    def problem_counts(self) -> dict[str, int]:
        counts = Counter(p.kind for p in self.problems)
        return {k: counts[k] for k in PROBLEM_KINDS if counts[k]}

    @property
    def blocked(self) -> bool:
        return bool(self.problems)

    def by_committee(self) -> list[tuple[str, int]]:
        totals: dict[tuple[int, str], int] = {}
        for r in self.rows:
            totals[(r.committee_id, r.committee)] = totals.get((r.committee_id, r.committee), 0) + r.count
        return [(name, n) for (_id, name), n in totals.items()]

    def by_category(self) -> list[tuple[str, int]]:
        totals: dict[str, int] = {}
        for r in self.rows:
            totals[r.category_label] = totals.get(r.category_label, 0) + r.count
        return list(totals.items())

    def as_dict(self, problem_limit: int | None = None) -> dict:
        problems = self.problems if problem_limit is None else self.problems[:problem_limit]
        return {
            "year": self.year,
            "to": self.to,
            "carry": list(self.carry),
            "due_rule": self.due_rule,
            "already_closed": self.already_closed,
            "total": self.total,
            "to_carry": self.to_carry,
            "already_final": self.already_final,
            "staying": self.staying,
            "by_status": self.by_status,
            "by_committee": [{"committee": c, "count": n} for c, n in self.by_committee()],
            "by_category": [{"category": c, "count": n} for c, n in self.by_category()],
            "rows": [r.__dict__ for r in self.rows],
            "problem_counts": self.problem_counts,
            "problems": [p.__dict__ | {"label": p.label} for p in problems],
            "disposals_open": len(self.disposals),
            "disposals": [disposal_dict(d) for d in self.disposals],
            "notes": self.notes,
        }


# ---------------------------------------------------------------- arguments


def parse_carry(value: CarryChoice) -> tuple[str, ...]:
    """'in_progress,unfulfilled,partly' (codes or Chinese labels) → codes; raises ValidationError."""
    if value is None:
        return CARRY_DEFAULT
    items = [v.strip() for v in (value.replace("，", ",").split(",") if isinstance(value, str) else value)]
    codes: list[str] = []
    for item in items:
        if not item:
            continue
        code = vocab.code_for(vocab.PLEDGE_STATUSES, item)
        if code not in CARRIABLE:
            choices = "、".join(f"{c}（{vocab.PLEDGE_STATUSES[c]}）" for c in CARRIABLE)
            raise ValidationError(f"--carry 中的「{item}」不能结转。可结转的状态：{choices}", "carry")
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValidationError("请至少指定一种要结转的状态，例如 in_progress,unfulfilled,partly", "carry")
    return tuple(codes)


def check_args(year: int, to: int | None, carry: CarryChoice, due_rule: str) -> tuple[int, tuple[str, ...]]:
    """The target year (default: the next one) and the carried status codes; raises ValidationError."""
    to = int(to) if to is not None else int(year) + 1
    if to <= year:
        raise ValidationError(f"结转的目标年度（{to}）应晚于 {year} 年度", "to")
    if to > 2100:
        raise ValidationError("目标年度应在 2100 年以前", "to")
    if due_rule not in DUE_RULES:
        raise ValidationError(
            f"--due 只能是 {'、'.join(f'{k}（{v}）' for k, v in DUE_RULES.items())}，收到「{due_rule}」", "due"
        )
    return to, parse_carry(carry)


def new_due(old: date | str | None, to: int, rule: str) -> date | None:
    """The carried pledge's due date: the old month and day in the new year, or the new year's end."""
    if rule == "year-end":
        return date(to, 12, 31)
    if old is None or old == "":
        return None
    if isinstance(old, str):
        old = date.fromisoformat(old[:10])
    if old.year >= to:
        return old  # already due in the new year or later: keep it
    if old.month == 2 and old.day == 29:
        return date(to, 2, 28 if to % 4 or (to % 100 == 0 and to % 400) else 29)
    return old.replace(year=to)


# ---------------------------------------------------------------- the plan


_PLEDGES_SQL = (
    "SELECT p.id, p.uid, p.org_id, p.person_id, p.category, p.status, p.content, per.name, "
    "(o.deleted_at IS NULL AND (p.person_id IS NULL OR (per.deleted_at IS NULL AND per.state = 'active'))) "
    "FROM pledge p JOIN org o ON o.id = p.org_id LEFT JOIN person per ON per.id = p.person_id "
    "WHERE p.year = ? AND p.deleted_at IS NULL ORDER BY p.id"
)
_UNEVALUATED_SQL = (
    "SELECT p.id FROM pledge p WHERE p.year = ? AND p.deleted_at IS NULL "
    "AND p.status NOT IN ('withdrawn', 'draft', 'carried') AND NOT EXISTS "
    "(SELECT 1 FROM evaluation e WHERE e.pledge_id = p.id AND e.deleted_at IS NULL)"
)
_RECT_OPEN_SQL = (
    "SELECT p.id, min(e.rect_due) FROM evaluation e JOIN pledge p ON p.id = e.pledge_id "
    "WHERE p.year = ? AND p.deleted_at IS NULL AND e.deleted_at IS NULL "
    "AND e.rect_due IS NOT NULL AND e.rect_done IS NULL GROUP BY p.id"
)


@dataclass
class _Findings:
    """The evaluation problems of a year's pledges, by pledge id."""

    unevaluated: set[int] = field(default_factory=set)
    rect_open: dict[int, str] = field(default_factory=dict)  # pledge id → earliest open rectification due
    undated: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, year: int) -> _Findings:
        return cls(
            {r[0] for r in database.execute_sql(_UNEVALUATED_SQL, [year]).fetchall()},
            dict(database.execute_sql(_RECT_OPEN_SQL, [year]).fetchall()),
            {r[1] for r in rules.undated_rectifications(year)},
        )

    def of(self, pid: int, status: str) -> list[tuple[str, str]]:
        """(kind, detail) of each problem of one pledge, pledger-gone aside."""
        found: list[tuple[str, str]] = []
        if status == "draft":
            found.append(("draft", ""))
        if pid in self.unevaluated:
            found.append(("never_evaluated", vocab.PLEDGE_STATUSES.get(status, status)))
        if pid in self.rect_open:
            found.append(("rectification_open", f"整改时限 {str(self.rect_open[pid])[:10]}"))
        if pid in self.undated:
            found.append(("rectification_undated", "评议结果需整改，但没有整改时限：在承诺详情中按 r 销号"))
        return found


def carry_plan(
    year: int, to: int, carry: tuple[str, ...], due_rule: str, *, with_problems: bool = True
) -> tuple[Preview, list[CarryPledge]]:
    """The preview and the pledge rows to carry (read inside or outside a transaction).

    ``with_problems=False`` skips the evaluation queries (a forced rollover
    does not need them again under the write lock); pledger-gone is always found.
    """
    wy = rules.year_state(year)
    to_wy = WorkYear.get_or_none(WorkYear.year == to)
    pv = Preview(year, to, carry, due_rule, already_closed=bool(wy.closed), to_exists=to_wy is not None)
    orgs, committee = org_lookup()
    rows = database.execute_sql(_PLEDGES_SQL, [year]).fetchall()
    findings = _Findings.read(year) if with_problems else _Findings()
    if not with_problems:
        rows = [r for r in rows if r[5] in carry]
    carry_rows: list[CarryPledge] = []
    counts: Counter[tuple[int, str, str]] = Counter()  # (committee id, committee, category) -> pledges to carry
    status_counts: Counter[str] = Counter()
    for pid, uid, org_id, _person_id, category, status, content, person_name, live in rows:
        pv.total += 1
        status_counts[status] += 1
        org_name = orgs.get(org_id, ("?", ""))[0]
        cid, cname = committee.get(org_id, (org_id, org_name))
        found = findings.of(pid, status)
        if status in carry:
            if live:
                carry_rows.append((pid, uid, status))
                counts[(cid, cname, category)] += 1
            else:
                found.append(("pledger_gone", "承诺人已转出、去世或组织已撤销，不能结转"))
                pv.staying += 1
        elif status in vocab.OPEN_STATUSES:
            pv.staying += 1
        else:
            pv.already_final += 1
        for kind, detail in found:
            pv.problems.append(
                Problem(kind, pid, uid, org_id, org_name, cname, person_name or org_name, short(content), detail)
            )
    _finish(pv, carry_rows, counts, status_counts)
    pv.disposals = open_disposals(year)
    return pv, carry_rows


def _finish(pv: Preview, carry_rows: list[CarryPledge], counts: Counter[tuple[int, str, str]],
            status_counts: Counter[str]) -> None:
    """The preview's totals and rows, its problems in order (committee, org, pledger, kind)."""
    labels = rules.categories()
    pv.to_carry = len(carry_rows)
    pv.by_status = {s: status_counts[s] for s in vocab.PLEDGE_STATUSES if status_counts[s]}
    pv.rows = [
        CarryRow(cid, cname, cat, labels.get(cat, cat), n)
        for (cid, cname, cat), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][2]))
    ]
    kind_order = list(PROBLEM_KINDS)
    pv.problems.sort(key=lambda p: (p.committee, p.org, p.pledger, kind_order.index(p.kind), p.pledge_id))


def preview(year: int, to: int | None = None, carry: CarryChoice = None, due_rule: str = "keep-month-day") -> Preview:
    """What :func:`pledgebook.yearend.close.rollover` would do, without changing anything."""
    to, codes = check_args(year, to, carry, due_rule)
    pv, _rows = carry_plan(year, to, codes, due_rule)
    return pv
