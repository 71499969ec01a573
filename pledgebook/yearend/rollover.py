"""Year-end: preview, close and carry forward (结转), reopen, and the year's archive.

The faces (CLI, TUI) call three functions and get plain dataclasses back:

- :func:`preview` — what a rollover would do: pledges to carry per 党委 and
  category, how many are already final, and the problems that block it
  (never evaluated, rectification still open, still 拟定, pledger gone),
  each with its org and pledger so a face can jump to the pledge.
- :func:`rollover` — an automatic backup, then ONE ``IMMEDIATE`` transaction:
  the carried pledges are created in the next year (same pledger, category,
  content, measures; due date by the chosen rule; 践诺中; ``carried_from``
  pointing back), the old ones become 已结转, the next year is opened if
  needed, the year is closed, and all of it goes to the audit log. A crash
  or kill leaves the state before or the state after, never in between.
  A year already closed is left alone. Afterwards the archive folder gets
  the closed year's backup and its summary.
- :func:`reopen` — undo a rollover, only while the carried pledges in the
  next year are untouched; :func:`reopen_check` says what blocks it.

Nothing here imports textual, rich or typer; long work reports progress as
``progress(stage, fraction)``.
"""

from __future__ import annotations

import csv
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError, YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit, backup
from pledgebook.models.store.db import get_setting
from pledgebook.models.store.tables import WorkYear, database, utcnow

Progress = Callable[[str, float], None]

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
RECORD_KEY = "rollover.{year}"  # setting: what a rollover did, so that reopen can undo it
CRASH_HOOK_ENV = "PLEDGEBOOK_TEST_ROLLOVER_PAUSE"  # tests only: "<point>:<marker file>"


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


class ReopenBlocked(PledgebookError):
    exit_code = 1

    def __init__(self, check: ReopenCheck):
        lines = "；".join(b.text for b in check.blockers[:5])
        more = f"（另有 {len(check.blockers) - 5} 条）" if len(check.blockers) > 5 else ""
        super().__init__(f"不能重新开启{check.year}年度：{lines}{more}。")
        self.check = check


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
        }


@dataclass
class ArchiveResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    error: str | None = None
    cleaned: list[Path] = field(default_factory=list)  # temporary files a killed earlier archiving left


@dataclass
class RolloverResult:
    year: int
    to: int
    already_closed: bool
    carried: int = 0
    opened_next: bool = False
    forced: bool = False
    problems: int = 0
    backup: Path | None = None
    archive: ArchiveResult | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # backup / write / archive

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "to": self.to,
            "already_closed": self.already_closed,
            "carried": self.carried,
            "opened_next": self.opened_next,
            "forced": self.forced,
            "problems": self.problems,
            "backup": str(self.backup) if self.backup else None,
            "archive": None
            if self.archive is None
            else {"folder": str(self.archive.folder), "files": [str(f) for f in self.archive.files], "error": self.archive.error,
                  "cleaned": [str(f) for f in self.archive.cleaned]},
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


@dataclass(frozen=True)
class ReopenBlocker:
    pledge_id: int | None
    pledge_uid: str | None
    org: str
    pledger: str
    content: str
    reason: str

    @property
    def text(self) -> str:
        if self.pledge_id is None:
            return self.reason
        return f"{self.org}·{self.pledger}「{self.content}」{self.reason}"


@dataclass
class ReopenCheck:
    year: int
    to: int | None
    has_record: bool  # closed by a rollover of this program (else only the year is reopened)
    carried: int
    blockers: list[ReopenBlocker] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers


@dataclass
class ReopenResult:
    year: int
    to: int | None
    has_record: bool
    undone: int
    backup: Path | None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "to": self.to,
            "has_record": self.has_record,
            "undone": self.undone,
            "backup": str(self.backup) if self.backup else None,
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------- helpers


def _pause_for_tests(point: str) -> None:
    """A test hook: with PLEDGEBOOK_TEST_ROLLOVER_PAUSE="<point>:<marker>", touch the marker
    file at that point and wait there, so a test can kill the process mid-rollover."""
    spec = os.environ.get(CRASH_HOOK_ENV)
    if not spec:
        return
    want, _, marker = spec.partition(":")
    if want == point:
        Path(marker).write_text(point, encoding="utf-8")
        time.sleep(60)


def _noop(_stage: str, _fraction: float) -> None:
    return None


def parse_carry(value: str | Iterable[str] | None) -> tuple[str, ...]:
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


def _check_args(year: int, to: int | None, carry, due_rule: str) -> tuple[int, tuple[str, ...]]:
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


def _orgs() -> tuple[dict[int, tuple[str, str]], dict[int, tuple[int, str]]]:
    """org id → (name, path); org id → (committee id, committee name) (the root's child above it)."""
    rows = database.execute_sql("SELECT id, name, path FROM org").fetchall()
    orgs = {r[0]: (r[1], r[2]) for r in rows}
    committee: dict[int, tuple[int, str]] = {}
    for oid, (_name, path) in orgs.items():
        parts = [int(p) for p in path.strip("/").split("/") if p]
        cid = parts[1] if len(parts) > 1 else (parts[0] if parts else oid)
        committee[oid] = (cid, orgs.get(cid, ("?", ""))[0])
    return orgs, committee


_PLEDGES_SQL = (
    "SELECT p.id, p.uid, p.org_id, p.person_id, p.category, p.status, p.content, per.name, "
    "(o.deleted_at IS NULL AND (p.person_id IS NULL OR (per.deleted_at IS NULL AND per.state = 'active'))) "
    "FROM pledge p JOIN org o ON o.id = p.org_id LEFT JOIN person per ON per.id = p.person_id "
    "WHERE p.year = ? AND p.deleted_at IS NULL ORDER BY p.id"
)


def _short(text: str, n: int = 30) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _plan(
    year: int, to: int, carry: tuple[str, ...], due_rule: str, *, with_problems: bool = True
) -> tuple[Preview, list[tuple]]:
    """The preview and the pledge rows to carry (read inside or outside a transaction).

    ``with_problems=False`` skips the evaluation queries (a forced rollover
    does not need them again under the write lock); pledger-gone is always found.
    """
    wy = rules.year_state(year)
    to_wy = WorkYear.get_or_none(WorkYear.year == to)
    pv = Preview(year, to, carry, due_rule, already_closed=bool(wy.closed), to_exists=to_wy is not None)
    orgs, committee = _orgs()
    labels = rules.categories()
    rows = database.execute_sql(_PLEDGES_SQL, [year]).fetchall()
    unevaluated = set() if not with_problems else {
        r[0]
        for r in database.execute_sql(
            "SELECT p.id FROM pledge p WHERE p.year = ? AND p.deleted_at IS NULL "
            "AND p.status NOT IN ('withdrawn', 'draft', 'carried') AND NOT EXISTS "
            "(SELECT 1 FROM evaluation e WHERE e.pledge_id = p.id AND e.deleted_at IS NULL)",
            [year],
        ).fetchall()
    }
    rect_open = {} if not with_problems else dict(
        database.execute_sql(
            "SELECT p.id, min(e.rect_due) FROM evaluation e JOIN pledge p ON p.id = e.pledge_id "
            "WHERE p.year = ? AND p.deleted_at IS NULL AND e.deleted_at IS NULL "
            "AND e.rect_due IS NOT NULL AND e.rect_done IS NULL GROUP BY p.id",
            [year],
        ).fetchall()
    )
    undated = set() if not with_problems else {r[1] for r in rules.undated_rectifications(year)}
    if not with_problems:
        rows = [r for r in rows if r[5] in carry]
    carry_rows: list[tuple] = []
    counts: Counter = Counter()
    status_counts: Counter = Counter()
    for pid, uid, org_id, _person_id, category, status, content, person_name, live in rows:
        pv.total += 1
        status_counts[status] += 1
        org_name = orgs.get(org_id, ("?", ""))[0]
        cid, cname = committee.get(org_id, (org_id, org_name))
        found: list[tuple[str, str]] = []
        if status == "draft":
            found.append(("draft", ""))
        if pid in unevaluated:
            found.append(("never_evaluated", vocab.PLEDGE_STATUSES.get(status, status)))
        if pid in rect_open:
            found.append(("rectification_open", f"整改时限 {str(rect_open[pid])[:10]}"))
        if pid in undated:
            found.append(("rectification_undated", "评议结果需整改，但没有整改时限：在承诺详情中按 r 销号"))
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
                Problem(kind, pid, uid, org_id, org_name, cname, person_name or org_name, _short(content), detail)
            )
    pv.to_carry = len(carry_rows)
    pv.by_status = {s: status_counts[s] for s in vocab.PLEDGE_STATUSES if status_counts[s]}
    pv.rows = [
        CarryRow(cid, cname, cat, labels.get(cat, cat), n)
        for (cid, cname, cat), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][2]))
    ]
    kind_order = list(PROBLEM_KINDS)
    pv.problems.sort(key=lambda p: (p.committee, p.org, p.pledger, kind_order.index(p.kind), p.pledge_id))
    return pv, carry_rows


def preview(
    year: int, to: int | None = None, carry: str | Iterable[str] | None = None, due_rule: str = "keep-month-day"
) -> Preview:
    """What :func:`rollover` would do, without changing anything."""
    to, codes = _check_args(year, to, carry, due_rule)
    pv, _rows = _plan(year, to, codes, due_rule)
    return pv


# ---------------------------------------------------------------- rollover


def rollover(
    year: int,
    to: int | None = None,
    carry: str | Iterable[str] | None = None,
    due_rule: str = "keep-month-day",
    *,
    force: bool = False,
    progress: Progress | None = None,
    take_backup: bool = True,
) -> RolloverResult:
    """Close ``year`` and carry its unfinished pledges into ``to`` (default: the next year).

    Raises :class:`RolloverBlocked` when the preview lists problems and
    ``force`` is not given. A year that is already closed is left alone
    (``already_closed`` in the result); only a missing archive is written.
    """
    started = time.perf_counter()
    report = progress or _noop
    to, codes = _check_args(year, to, carry, due_rule)
    wy = rules.year_state(year)
    if wy.closed:
        result = RolloverResult(year, to, already_closed=True)
        result.archive = ensure_archive(year)
        result.seconds = time.perf_counter() - started
        return result
    to_wy = WorkYear.get_or_none(WorkYear.year == to)
    if to_wy is not None and to_wy.closed:
        raise YearClosed(to)
    report("检查", 0.0)
    pv, _ = _plan(year, to, codes, due_rule)
    if pv.blocked and not force:
        raise RolloverBlocked(pv)
    result = RolloverResult(year, to, already_closed=False, forced=force and pv.blocked, problems=len(pv.problems))
    if take_backup:
        t = time.perf_counter()
        result.backup = backup.backup(
            reason=f"before-rollover-{year}", progress=lambda _s, f: report("备份", 0.05 + 0.35 * f)
        ).path
        result.timings["backup"] = time.perf_counter() - t
    report("结转", 0.4)
    t = time.perf_counter()
    with rules.transaction():
        # read again under the write lock: what is written is what is read
        wy = rules.year_state(year)
        if wy.closed:
            result.already_closed = True
            result.seconds = time.perf_counter() - started
            return result
        to_wy = WorkYear.get_or_none(WorkYear.year == to)
        if to_wy is not None and to_wy.closed:
            raise YearClosed(to)
        now_pv, carry_rows = _plan(year, to, codes, due_rule, with_problems=not force)
        if now_pv.blocked and not force:
            raise RolloverBlocked(now_pv)
        result.carried, result.opened_next = _write_rollover(year, to, codes, due_rule, carry_rows, pv, wy, force)
        _pause_for_tests("before-commit")
    result.timings["write"] = time.perf_counter() - t
    _pause_for_tests("after-commit")
    report("归档", 0.8)
    t = time.perf_counter()
    result.archive = ensure_archive(year, fresh=True, progress=lambda _s, f: report("归档", 0.8 + 0.2 * f))
    result.timings["archive"] = time.perf_counter() - t
    report("完成", 1.0)
    result.seconds = time.perf_counter() - started
    return result


def _write_rollover(
    year: int,
    to: int,
    codes: tuple[str, ...],
    due_rule: str,
    carry_rows: list[tuple],
    pv: Preview,
    wy: WorkYear,
    force: bool,
) -> tuple[int, bool]:
    """The writes of one rollover; runs inside the caller's transaction."""
    now = utcnow()
    stamp = now.isoformat(" ")
    user = audit.os_user()
    opened_next = False
    to_wy = WorkYear.get_or_none(WorkYear.year == to)
    if to_wy is None:
        to_wy = WorkYear.create(year=to, created_at=now, updated_at=now)
        audit.record("open_year", "workyear", to_wy.uid, {"year": (None, to)}, note=f"{year}年度结转时开启")
        opened_next = True
    _pause_for_tests("after-open-year")

    ids = [r[0] for r in carry_rows]
    old_status = {r[0]: r[2] for r in carry_rows}
    old_uid = {r[0]: r[1] for r in carry_rows}
    source: dict[int, tuple] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for row in database.execute_sql(
            "SELECT id, org_id, person_id, scope, category, content, measures, due_date, term, "
            f"approved_by, approved_on, published_on FROM pledge WHERE id IN ({marks})",
            chunk,
        ).fetchall():
            source[row[0]] = row
    next_id = database.execute_sql("SELECT coalesce(max(id), 0) FROM pledge").fetchone()[0] + 1
    new_rows, audit_rows, new_ids = [], [], []
    note_old = f"年终结转：转入{to}年度"
    note_new = f"年终结转：由{year}年度结转"
    for offset, pid in enumerate(ids):
        _id, org_id, person_id, scope, category, content, measures, due, term, appr_by, appr_on, pub_on = source[pid]
        nid = next_id + offset
        nuid = str(uuid.uuid4())
        due_new = new_due(due, to, due_rule)
        new_rows.append(
            (nid, nuid, stamp, stamp, to, org_id, person_id, scope, category, content, measures,
             due_new.isoformat() if due_new else None, term, appr_by, appr_on, pub_on, pid)
        )
        new_ids.append(nid)
        audit_rows.append(
            (stamp, user, "carry", "pledge", old_uid[pid],
             json.dumps({"status": [old_status[pid], "carried"]}, ensure_ascii=False), note_old)
        )
        audit_rows.append(
            (stamp, user, "create", "pledge", nuid,
             json.dumps(
                 {"content": [None, content], "year": [None, to], "carried_from": [None, old_uid[pid]],
                  "due_date": [None, due_new.isoformat() if due_new else None]},
                 ensure_ascii=False,
             ),
             note_new)
        )
    cursor = database.connection().cursor()
    cursor.executemany(
        "INSERT INTO pledge (id, uid, created_at, updated_at, year, org_id, person_id, scope, category, content, "
        "measures, due_date, term, approved_by, approved_on, published_on, status, fulfilled_on, carried_from_id, "
        "source, batch_id, source_row, deleted_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'in_progress',NULL,?,'carried',NULL,NULL,NULL)",
        new_rows,
    )
    _pause_for_tests("after-insert")
    cursor.executemany(
        "UPDATE pledge SET status = 'carried', updated_at = ? WHERE id = ?", [(stamp, pid) for pid in ids]
    )
    _pause_for_tests("after-update")
    cursor.executemany(
        'INSERT INTO audit_log ("at", "user", "action", "table", "record_uid", "changes", "note") VALUES (?,?,?,?,?,?,?)',
        audit_rows,
    )
    wy.closed = True
    wy.closed_at = now
    wy.updated_at = now
    wy.save()
    record = {
        "to": to,
        "at": stamp,
        "carry": list(codes),
        "due_rule": due_rule,
        "carried": len(ids),
        "opened_next": opened_next,
        "forced": bool(force and pv.blocked),
        "statuses": {s: [pid for pid in ids if old_status[pid] == s] for s in codes},
    }
    from pledgebook.models.store.db import set_setting

    set_setting(RECORD_KEY.format(year=year), json.dumps(record, separators=(",", ":")))
    audit.record(
        "close_year",
        "workyear",
        wy.uid,
        {"closed": (False, True)},
        note=(
            f"年终结转：{len(ids)} 条承诺结转到{to}年度（{'、'.join(vocab.PLEDGE_STATUSES[c] for c in codes)}；"
            f"完成时限：{DUE_RULES[due_rule]}）"
            + (f"；强制结转，{len(pv.problems)} 个问题未处理" if force and pv.blocked else "")
        ),
    )
    cursor.close()
    return len(ids), opened_next


# ---------------------------------------------------------------- archive


def summary_rows(year: int) -> list[list[str]]:
    """The year's figures per 党委 plus a 合计 row, as text cells (header first)."""
    from pledgebook.models.ledger.figures import FigureBook, percent

    book = FigureBook(year)
    header = ["党委", "承诺数"] + list(vocab.PLEDGE_STATUSES.values()) + [
        "兑现率", "满意率", "参与率", "评议数", "逾期", "待整改"
    ]
    rows = [header]

    def line(name: str, fig) -> list[str]:
        return [name, str(fig.pledges)] + [str(fig.by_status.get(s, 0)) for s in vocab.PLEDGE_STATUSES] + [
            percent(fig.fulfilment_rate), percent(fig.satisfaction_rate), percent(fig.participation_rate),
            str(fig.evaluations), str(fig.overdue), str(fig.rectification_open),
        ]

    root = book.root_id()
    for node, fig in book.children(root):
        rows.append(line(node.name, fig))
    rows.append(line("合计", book.subtree(root)))
    return rows


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas (= + - @ at the start of a text cell)."""
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def write_year_summary(year: int, folder: Path) -> Path:
    """The closed year's figures per 党委 as CSV (UTF-8 with BOM, so Excel/WPS read it)."""
    db = backup.current_db()
    target = folder / f"{db.stem}_{year}_summary.csv"
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            for row in summary_rows(year):
                writer.writerow([_cell(c) for c in row])
        if os.name != "nt":
            os.chmod(partial, 0o600)
        os.replace(partial, target)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return target


def write_year_report(year: int, folder: Path) -> Path | None:
    """The year-end report workbook — the plug-in point for ``pledgebook/exporters/report.py``.

    The export issue's XlsxWriter report (branch ``handoff``, not yet on main
    when this was written) plugs in here, in about three lines::

        from pledgebook.exporters.report import export_report
        target = folder / f"{backup.current_db().stem}_{year}_report.xlsx"
        return export_report(target, year=year).paths[0]

    ``ensure_archive`` already lists whatever this returns and turns an
    ``OSError`` into ``ArchiveResult.error``; a ``PledgebookError`` from the
    report should be caught there the same way. Until then there is no
    workbook and the CSV summary (:func:`write_year_summary`) stands alone.
    """
    return None


def ensure_archive(year: int, *, fresh: bool = False, progress: Progress | None = None) -> ArchiveResult:
    """Keep the closed year's backup and summary in ``archive/`` beside the database.

    ``fresh`` (right after a rollover) writes both anew and then drops the
    copies of an earlier closing of the same year (one undone by reopen);
    otherwise only what is missing is written. A failure (disk full, folder
    not writable) is reported in ``error`` and leaves the database untouched.
    """
    db = backup.current_db()
    folder = backup.archive_dir(db)
    result = ArchiveResult(folder)
    summary = folder / f"{db.stem}_{year}_summary.csv"
    existing = sorted(folder.glob(f"{db.stem}_*_closed-{year}.db")) if folder.is_dir() else []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if fresh or not existing:
            made = backup.backup(folder, f"closed-{year}", progress=progress, rotate_after=False)
            copy = made.path
            result.cleaned.extend(made.cleaned)
            for old in existing:
                old.unlink(missing_ok=True)
            existing = [copy]
        result.files.append(existing[-1])
        stale = summary.with_name(summary.name + ".part")  # the summary a kill interrupted
        interrupted = stale.is_file()
        if fresh or not summary.exists():
            write_year_summary(year, folder)  # writes through the same .part: it is gone after
        stale.unlink(missing_ok=True)
        if interrupted:
            result.cleaned.append(stale)
        result.cleaned.extend(backup.remove_leftovers(folder, db.stem))
        result.files.append(summary)
        report = write_year_report(year, folder)
        if report is not None:
            result.files.append(report)
    except backup.BackupError as exc:
        result.error = exc.message.replace("备份失败", "归档失败")
    except OSError as exc:
        result.error = backup.explain(exc, folder, "归档").message
    return result


# ---------------------------------------------------------------- reopen


def _record(year: int) -> dict | None:
    text = get_setting(RECORD_KEY.format(year=year))
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def reopen_check(year: int) -> ReopenCheck:
    """Whether ``year`` can be reopened, and if not, what blocks it."""
    wy = rules.year_state(year)
    if not wy.closed:
        raise ValidationError(f"{year}年度没有关闭，无需重新开启。", "year")
    record = _record(year)
    to = record["to"] if record else None
    check = ReopenCheck(year, to, has_record=record is not None, carried=0)
    later_closed = [
        w.year for w in WorkYear.select().where((WorkYear.year > year) & (WorkYear.closed == True))  # noqa: E712
    ]
    if later_closed:
        check.blockers.append(
            ReopenBlocker(None, None, "", "", "",
                          f"以后的{'、'.join(map(str, later_closed))}年度已关闭，请先从最近的年度起逐年重新开启")
        )
    if record is None:
        return check
    orgs, _committee = _orgs()
    rows = database.execute_sql(
        "SELECT n.id, n.uid, n.org_id, per.name, n.content, n.updated_at != n.created_at, n.deleted_at IS NOT NULL, "
        "n.status, n.year, "
        "EXISTS (SELECT 1 FROM progress g WHERE g.pledge_id = n.id), "
        "EXISTS (SELECT 1 FROM evaluation e WHERE e.pledge_id = n.id), "
        "EXISTS (SELECT 1 FROM pledge c WHERE c.carried_from_id = n.id) "
        "FROM pledge n JOIN pledge o ON o.id = n.carried_from_id LEFT JOIN person per ON per.id = n.person_id "
        "WHERE o.year = ? AND n.created_at = ? AND n.source = 'carried'",
        [year, record["at"]],
    ).fetchall()
    check.carried = len(rows)
    for nid, uid, org_id, person, content, changed, deleted, status, nyear, has_prog, has_eval, carried_on in rows:
        reasons = []
        if deleted:
            reasons.append("已被删除")
        elif changed:
            reasons.append("已被修改")
        if has_prog:
            reasons.append("已有践诺记录")
        if has_eval:
            reasons.append("已有评议记录")
        if carried_on:
            reasons.append("已再次结转")
        if status != "in_progress" and not deleted and "已被修改" not in reasons:
            reasons.append(f"状态已变为{vocab.PLEDGE_STATUSES.get(status, status)}")
        if reasons:
            org_name = orgs.get(org_id, ("?", ""))[0]
            check.blockers.append(
                ReopenBlocker(nid, uid, org_name, person or org_name, _short(content, 20),
                              f"在{nyear}年度{'、'.join(reasons)}")
            )
    if check.carried != record.get("carried", check.carried):
        check.blockers.append(
            ReopenBlocker(None, None, "", "", "", f"{to}年度的结转承诺数（{check.carried}）与结转时（{record['carried']}）不符")
        )
    return check


def reopen(year: int, *, progress: Progress | None = None, take_backup: bool = True) -> ReopenResult:
    """Undo the rollover of ``year``: the carried pledges in the next year are removed
    (soft delete, so the removal travels upward), the old ones get their status back,
    and the year is open again. Refused with :class:`ReopenBlocked` when any carried
    pledge has been touched since. A year closed without a rollover record (an older
    program, the demo) is only reopened."""
    started = time.perf_counter()
    report = progress or _noop
    check = reopen_check(year)
    if not check.ok:
        raise ReopenBlocked(check)
    result = ReopenResult(year, check.to, check.has_record, undone=0, backup=None)
    if take_backup:
        result.backup = backup.backup(
            reason=f"before-reopen-{year}", progress=lambda _s, f: report("备份", 0.7 * f)
        ).path
    report("重新开启", 0.7)
    with rules.transaction():
        check = reopen_check(year)
        if not check.ok:
            raise ReopenBlocked(check)
        record = _record(year)
        now = utcnow()
        stamp = now.isoformat(" ")
        user = audit.os_user()
        cursor = database.connection().cursor()
        if record is not None:
            rules.ensure_year_open(record["to"])
            carried = database.execute_sql(
                "SELECT n.id, n.uid FROM pledge n JOIN pledge o ON o.id = n.carried_from_id "
                "WHERE o.year = ? AND n.created_at = ? AND n.source = 'carried' AND n.deleted_at IS NULL",
                [year, record["at"]],
            ).fetchall()
            cursor.executemany(
                "UPDATE pledge SET deleted_at = ?, updated_at = ? WHERE id = ?", [(stamp, stamp, r[0]) for r in carried]
            )
            audit_rows = [
                (stamp, user, "delete", "pledge", uid, json.dumps({"deleted_at": [None, stamp]}), f"撤销{year}年度结转")
                for _id, uid in carried
            ]
            old_uids = {}
            for status, ids in record.get("statuses", {}).items():
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    for pid, uid in database.execute_sql(
                        f"SELECT id, uid FROM pledge WHERE status = 'carried' AND id IN ({marks})", chunk
                    ).fetchall():
                        old_uids[pid] = (uid, status)
            cursor.executemany(
                "UPDATE pledge SET status = ?, updated_at = ? WHERE id = ? AND status = 'carried'",
                [(status, stamp, pid) for pid, (_uid, status) in old_uids.items()],
            )
            audit_rows += [
                (stamp, user, "uncarry", "pledge", uid, json.dumps({"status": ["carried", status]}), f"撤销{year}年度结转")
                for _pid, (uid, status) in old_uids.items()
            ]
            cursor.executemany(
                'INSERT INTO audit_log ("at", "user", "action", "table", "record_uid", "changes", "note") '
                "VALUES (?,?,?,?,?,?,?)",
                audit_rows,
            )
            result.undone = len(carried)
            database.execute_sql("DELETE FROM setting WHERE key = ?", [RECORD_KEY.format(year=year)])
        cursor.close()
        wy = rules.year_state(year)
        wy.closed = False
        wy.closed_at = None
        wy.updated_at = now
        wy.save()
        audit.record(
            "reopen_year",
            "workyear",
            wy.uid,
            {"closed": (True, False)},
            note=f"重新开启{year}年度" + (f"，撤销 {result.undone} 条结转承诺" if record else "（无结转记录，只开启年度）"),
        )
    report("完成", 1.0)
    result.seconds = time.perf_counter() - started
    return result


def years_overview() -> list[dict]:
    """Each year with its state and headline figures (for a year screen)."""
    from pledgebook.models.ledger.figures import FigureBook

    out = []
    for wy in WorkYear.select().order_by(WorkYear.year):
        book = FigureBook(wy.year)
        fig = book.subtree(book.root_id())
        out.append(
            {
                "year": wy.year,
                "closed": bool(wy.closed),
                "closed_at": wy.closed_at.isoformat(" ", "seconds") if isinstance(wy.closed_at, datetime) else wy.closed_at,
                "rolled_over": _record(wy.year) is not None,
                "pledges": fig.pledges,
                "fulfilment_rate": fig.fulfilment_rate,
                "satisfaction_rate": fig.satisfaction_rate,
                "carried": fig.by_status.get("carried", 0),
            }
        )
    return out
