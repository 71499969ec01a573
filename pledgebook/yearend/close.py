"""Close a year and carry its unfinished pledges forward (结转).

:func:`rollover` takes an automatic backup, then runs ONE ``IMMEDIATE``
transaction: the carried pledges are created in the next year (same
pledger, category, content, measures; due date by the chosen rule; 践诺中;
``carried_from`` pointing back), the old ones become 已结转, the next year is
opened if needed, the year is closed, and all of it goes to the audit log. A
crash or kill leaves the state before or the state after, never in between.
A year already closed is left alone. Afterwards the archive folder gets the
closed year's backup and its summary (:mod:`pledgebook.yearend.archive`).

The third ledger needs no write: its records of the closed year are read-only from then on (its rules check
the year), and its open 组织处置 go on into the next year where they are closed
(:mod:`pledgebook.yearend.appraisal`); the result and the audit entry count them.

A caller may pass ``on_point``: it is called with the name of each point
between the writes (``after-open-year``, ``after-insert``, ``after-update``,
``before-commit``, ``after-commit``); the crash tests kill the process there.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit, backup
from pledgebook.models.store.db import set_setting
from pledgebook.models.store.tables import WorkYear, database, utcnow
from pledgebook.yearend.appraisal import carried_note
from pledgebook.yearend.archive import ArchiveResult, ensure_archive
from pledgebook.yearend.common import RECORD_KEY, PointHook, Progress, noop
from pledgebook.yearend.plan import (
    DUE_RULES,
    CarryChoice,
    CarryPledge,
    Preview,
    RolloverBlocked,
    carry_plan,
    check_args,
    new_due,
)

AuditEntry = tuple[str, str, str | None, str, str]  # (action, table, uid, changes_json, note)

_INSERT_PLEDGES = (
    "INSERT INTO pledge (id, uid, created_at, updated_at, year, org_id, person_id, scope, category, content, "
    "measures, due_date, term, approved_by, approved_on, published_on, status, fulfilled_on, carried_from_id, "
    "source, batch_id, source_row, deleted_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'in_progress',NULL,?,'carried',NULL,NULL,NULL)"
)
_SOURCE_COLUMNS = (
    "SELECT id, org_id, person_id, scope, category, content, measures, due_date, term, "
    "approved_by, approved_on, published_on FROM pledge WHERE id IN ({marks})"
)


@dataclass
class RolloverResult:
    year: int
    to: int
    already_closed: bool
    carried: int = 0
    opened_next: bool = False
    forced: bool = False
    problems: int = 0
    disposals_carried: int = 0  # open 组织处置 of the year, to be closed in the next
    backup: Path | None = None
    archive: ArchiveResult | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # backup / write / archive

    @property
    def notes(self) -> list[str]:
        """What went on into the next year besides the pledges (the open 处置), one line each."""
        return [n for n in (carried_note(self.disposals_carried),) if n]

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "to": self.to,
            "already_closed": self.already_closed,
            "carried": self.carried,
            "opened_next": self.opened_next,
            "forced": self.forced,
            "problems": self.problems,
            "disposals_carried": self.disposals_carried,
            "notes": self.notes,
            "backup": str(self.backup) if self.backup else None,
            "archive": None if self.archive is None else self.archive.as_dict(),
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _no_point(_point: str) -> None:
    return None


def rollover(
    year: int,
    to: int | None = None,
    carry: CarryChoice = None,
    due_rule: str = "keep-month-day",
    *,
    force: bool = False,
    progress: Progress | None = None,
    take_backup: bool = True,
    on_point: PointHook | None = None,
    planned: Preview | None = None,
) -> RolloverResult:
    """Close ``year`` and carry its unfinished pledges into ``to`` (default: the next year).

    Raises :class:`RolloverBlocked` when the preview lists problems and
    ``force`` is not given. A year that is already closed is left alone
    (``already_closed`` in the result); only a missing archive is written.
    ``on_point`` is called at each named point between the writes (see the module's text).
    ``planned`` is the :func:`~pledgebook.yearend.plan.preview` of the same arguments the caller
    has just shown: it is not read a second time before the backup (the transaction reads it
    again under the write lock in any case, and writes what it reads there).
    """
    started = time.perf_counter()
    report = progress or noop
    point = on_point or _no_point
    to, codes = check_args(year, to, carry, due_rule)
    if rules.year_state(year).closed:
        result = RolloverResult(year, to, already_closed=True)
        result.archive = ensure_archive(year)
        result.seconds = time.perf_counter() - started
        return result
    _refuse_closed_target(to)
    report("检查", 0.0)
    if planned is not None and (planned.year, planned.to, planned.carry, planned.due_rule, planned.already_closed) == (
        year, to, codes, due_rule, False
    ):
        pv = planned
    else:
        pv, _ = carry_plan(year, to, codes, due_rule)
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
    if not _close_and_carry(result, codes, due_rule, pv, force=force, point=point):
        result.seconds = time.perf_counter() - started
        return result
    result.timings["write"] = time.perf_counter() - t
    point("after-commit")
    report("归档", 0.8)
    t = time.perf_counter()
    result.archive = ensure_archive(year, fresh=True, progress=lambda _s, f: report("归档", 0.8 + 0.2 * f))
    result.timings["archive"] = time.perf_counter() - t
    report("完成", 1.0)
    result.seconds = time.perf_counter() - started
    return result


def _refuse_closed_target(to: int) -> None:
    to_wy = WorkYear.get_or_none(WorkYear.year == to)
    if to_wy is not None and to_wy.closed:
        raise YearClosed(to)


def _close_and_carry(
    result: RolloverResult, codes: tuple[str, ...], due_rule: str, pv: Preview, *, force: bool, point: PointHook
) -> bool:
    """The one transaction of a rollover; False when another process closed the year meanwhile."""
    year, to = result.year, result.to
    with rules.transaction():
        # read again under the write lock: what is written is what is read
        wy = rules.year_state(year)
        if wy.closed:
            result.already_closed = True
            return False
        _refuse_closed_target(to)
        now_pv, carry_rows = carry_plan(year, to, codes, due_rule, with_problems=not force)
        if now_pv.blocked and not force:
            raise RolloverBlocked(now_pv)
        result.disposals_carried = len(now_pv.disposals)
        result.carried, result.opened_next = _write_rollover(
            wy, to, codes, due_rule, carry_rows, pv, force=force, point=point, disposals=result.disposals_carried
        )
        point("before-commit")
    return True


def _open_next_year(year: int, to: int, now: datetime) -> bool:
    """Open ``to`` if it does not exist yet; True if it was opened here."""
    if WorkYear.get_or_none(WorkYear.year == to) is not None:
        return False
    to_wy = WorkYear.create(year=to, created_at=now, updated_at=now)
    audit.record("open_year", "workyear", to_wy.uid, {"year": (None, to)}, note=f"{year}年度结转时开启")
    return True


def _source_rows(ids: list[int]) -> dict[int, tuple]:
    """The columns a carried pledge copies, per old pledge id."""
    source: dict[int, tuple] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        sql = _SOURCE_COLUMNS.format(marks=",".join("?" * len(chunk)))
        for row in database.execute_sql(sql, chunk).fetchall():
            source[row[0]] = row
    return source


def _carried_rows(
    year: int, to: int, due_rule: str, carry_rows: list[CarryPledge], stamp: str
) -> tuple[list[tuple], list[AuditEntry]]:
    """The new pledges' rows (for ``_INSERT_PLEDGES``) and the audit entries: carry (old), create (new)."""
    source = _source_rows([r[0] for r in carry_rows])
    next_id = database.execute_sql("SELECT coalesce(max(id), 0) FROM pledge").fetchone()[0] + 1
    new_rows: list[tuple] = []
    entries: list[AuditEntry] = []
    note_old = f"年终结转：转入{to}年度"
    note_new = f"年终结转：由{year}年度结转"
    for offset, (pid, old_uid, old_status) in enumerate(carry_rows):
        _id, org_id, person_id, scope, category, content, measures, due, term, appr_by, appr_on, pub_on = source[pid]
        nuid = str(uuid.uuid4())
        due_new = new_due(due, to, due_rule)
        due_text = due_new.isoformat() if due_new else None
        new_rows.append(
            (next_id + offset, nuid, stamp, stamp, to, org_id, person_id, scope, category, content, measures,
             due_text, term, appr_by, appr_on, pub_on, pid)
        )
        entries.append(("carry", "pledge", old_uid, audit.changes_json({"status": (old_status, "carried")}), note_old))
        created = {"content": (None, content), "year": (None, to), "carried_from": (None, old_uid),
                   "due_date": (None, due_text)}
        entries.append(("create", "pledge", nuid, audit.changes_json(created), note_new))
    return new_rows, entries


def _write_rollover(
    wy: WorkYear,
    to: int,
    codes: tuple[str, ...],
    due_rule: str,
    carry_rows: list[CarryPledge],
    pv: Preview,
    *,
    force: bool,
    point: PointHook,
    disposals: int = 0,
) -> tuple[int, bool]:
    """The writes of one rollover; runs inside the caller's transaction. Returns (carried, opened next)."""
    year = wy.year
    now = utcnow()
    stamp = now.isoformat(" ")
    opened_next = _open_next_year(year, to, now)
    point("after-open-year")
    new_rows, entries = _carried_rows(year, to, due_rule, carry_rows, stamp)
    cursor = database.connection().cursor()
    cursor.executemany(_INSERT_PLEDGES, new_rows)
    point("after-insert")
    cursor.executemany(
        "UPDATE pledge SET status = 'carried', updated_at = ? WHERE id = ?", [(stamp, r[0]) for r in carry_rows]
    )
    point("after-update")
    audit.record_many(entries, at=now, cursor=cursor)
    wy.closed = True
    wy.closed_at = now
    wy.updated_at = now
    wy.save()
    forced = bool(force and pv.blocked)
    _keep_record(year, to, codes, due_rule, carry_rows, stamp, opened_next=opened_next, forced=forced)
    audit.record(
        "close_year",
        "workyear",
        wy.uid,
        {"closed": (False, True)},
        note=(
            f"年终结转：{len(carry_rows)} 条承诺结转到{to}年度（{'、'.join(vocab.PLEDGE_STATUSES[c] for c in codes)}；"
            f"完成时限：{DUE_RULES[due_rule]}）"
            + (f"；强制结转，{len(pv.problems)} 个问题未处理" if forced else "")
            + (f"；{carried_note(disposals)}" if disposals else "")
        ),
    )
    cursor.close()
    return len(carry_rows), opened_next


def _keep_record(
    year: int,
    to: int,
    codes: tuple[str, ...],
    due_rule: str,
    carry_rows: list[CarryPledge],
    stamp: str,
    *,
    opened_next: bool,
    forced: bool,
) -> None:
    """What this rollover did, as the setting reopen reads to undo it."""
    record = {
        "to": to,
        "at": stamp,
        "carry": list(codes),
        "due_rule": due_rule,
        "carried": len(carry_rows),
        "opened_next": opened_next,
        "forced": forced,
        "statuses": {s: [pid for pid, _uid, status in carry_rows if status == s] for s in codes},
    }
    set_setting(RECORD_KEY.format(year=year), json.dumps(record, separators=(",", ":")))
