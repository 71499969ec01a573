"""Reopen a closed year: undo its rollover, only while the carried pledges are untouched.

:func:`reopen_check` says what blocks it; :func:`reopen` undoes the
rollover (the carried pledges in the next year are soft-deleted, so the
removal travels upward; the old ones get their status back) and opens the
year again, in one transaction after an automatic backup.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit, backup
from pledgebook.models.store.tables import WorkYear, database, utcnow
from pledgebook.yearend.common import RECORD_KEY, Progress, noop, org_lookup, rollover_record, short


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


class ReopenBlocked(PledgebookError):
    exit_code = 1

    def __init__(self, check: ReopenCheck):
        lines = "；".join(b.text for b in check.blockers[:5])
        more = f"（另有 {len(check.blockers) - 5} 条）" if len(check.blockers) > 5 else ""
        super().__init__(f"不能重新开启{check.year}年度：{lines}{more}。")
        self.check = check


# ---------------------------------------------------------------- the check

_CARRIED_SQL = (
    "SELECT n.id, n.uid, n.org_id, per.name, n.content, n.updated_at != n.created_at, n.deleted_at IS NOT NULL, "
    "n.status, n.year, "
    "EXISTS (SELECT 1 FROM progress g WHERE g.pledge_id = n.id), "
    "EXISTS (SELECT 1 FROM evaluation e WHERE e.pledge_id = n.id), "
    "EXISTS (SELECT 1 FROM pledge c WHERE c.carried_from_id = n.id) "
    "FROM pledge n JOIN pledge o ON o.id = n.carried_from_id LEFT JOIN person per ON per.id = n.person_id "
    "WHERE o.year = ? AND n.created_at = ? AND n.source = 'carried'"
)


def reopen_check(year: int) -> ReopenCheck:
    """Whether ``year`` can be reopened, and if not, what blocks it."""
    wy = rules.year_state(year)
    if not wy.closed:
        raise ValidationError(f"{year}年度没有关闭，无需重新开启。", "year")
    record = rollover_record(year)
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
    _check_carried(check, record)
    return check


def _check_carried(check: ReopenCheck, record: dict) -> None:
    """A blocker for each carried pledge used since the rollover, and for a count that does not match."""
    orgs, _committee = org_lookup()
    rows = database.execute_sql(_CARRIED_SQL, [check.year, record["at"]]).fetchall()
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
                ReopenBlocker(nid, uid, org_name, person or org_name, short(content, 20),
                              f"在{nyear}年度{'、'.join(reasons)}")
            )
    if check.carried != record.get("carried", check.carried):
        check.blockers.append(
            ReopenBlocker(None, None, "", "", "",
                          f"{check.to}年度的结转承诺数（{check.carried}）与结转时（{record['carried']}）不符")
        )


# ---------------------------------------------------------------- reopen


def reopen(year: int, *, progress: Progress | None = None, take_backup: bool = True) -> ReopenResult:
    """Undo the rollover of ``year``: the carried pledges in the next year are removed
    (soft delete, so the removal travels upward), the old ones get their status back,
    and the year is open again. Refused with :class:`ReopenBlocked` when any carried
    pledge has been touched since. A year closed without a rollover record (an older
    program, the demo) is only reopened."""
    started = time.perf_counter()
    report = progress or noop
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
        record = rollover_record(year)
        now = utcnow()
        if record is not None:
            result.undone = _undo_carry(year, record, now)
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


def _carried_back(record: dict) -> dict[int, tuple[str, str]]:
    """The old pledges still marked 已结转: id → (uid, the status they had before)."""
    old_uids: dict[int, tuple[str, str]] = {}
    for status, ids in record.get("statuses", {}).items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for pid, uid in database.execute_sql(
                f"SELECT id, uid FROM pledge WHERE status = 'carried' AND id IN ({marks})", chunk
            ).fetchall():
                old_uids[pid] = (uid, status)
    return old_uids


def _undo_carry(year: int, record: dict, now: datetime) -> int:
    """Inside the caller's transaction: remove the carried pledges, give the old ones their status back,
    drop the rollover record. Returns how many carried pledges were removed."""
    stamp = now.isoformat(" ")
    rules.ensure_year_open(record["to"])
    cursor = database.connection().cursor()
    carried = database.execute_sql(
        "SELECT n.id, n.uid FROM pledge n JOIN pledge o ON o.id = n.carried_from_id "
        "WHERE o.year = ? AND n.created_at = ? AND n.source = 'carried' AND n.deleted_at IS NULL",
        [year, record["at"]],
    ).fetchall()
    cursor.executemany(
        "UPDATE pledge SET deleted_at = ?, updated_at = ? WHERE id = ?", [(stamp, stamp, r[0]) for r in carried]
    )
    note = f"撤销{year}年度结转"
    entries = [
        ("delete", "pledge", uid, audit.changes_json({"deleted_at": (None, stamp)}), note) for _id, uid in carried
    ]
    old_uids = _carried_back(record)
    cursor.executemany(
        "UPDATE pledge SET status = ?, updated_at = ? WHERE id = ? AND status = 'carried'",
        [(status, stamp, pid) for pid, (_uid, status) in old_uids.items()],
    )
    entries += [
        ("uncarry", "pledge", uid, audit.changes_json({"status": ("carried", status)}), note)
        for _pid, (uid, status) in old_uids.items()
    ]
    audit.record_many(entries, at=now, cursor=cursor)
    database.execute_sql("DELETE FROM setting WHERE key = ?", [RECORD_KEY.format(year=year)])
    cursor.close()
    return len(carried)
