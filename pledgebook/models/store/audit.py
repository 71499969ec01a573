"""The audit log: who changed which record, when, and which fields from → to."""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pledgebook.models.core.vocab import AUDIT_ACTIONS
from pledgebook.models.store.tables import AuditLog, database, utcnow


@lru_cache(maxsize=1)
def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "uid"):  # a related record: refer to it by uid
        return value.uid
    return value


def record(action: str, table: str, uid: str | None, changes: dict[str, tuple[Any, Any]] | None = None, note: str = "") -> None:
    """Write one audit entry. ``changes`` maps field -> (old, new).

    ``action`` must be one of :data:`vocab.AUDIT_ACTIONS` (a code ``doctor`` checks): a new kind of
    change gets its code and Chinese label there first."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to vocab.AUDIT_ACTIONS")
    AuditLog.insert(
        at=utcnow(),
        user=os_user(),
        action=action,
        table=table,
        record_uid=uid,
        changes=changes_json(changes),
        note=note,
    ).execute()


AUDIT_INSERT = (
    'INSERT INTO audit_log ("at", "user", "action", "table", "record_uid", "changes", "note") VALUES (?,?,?,?,?,?,?)'
)


def changes_json(changes: dict[str, tuple[Any, Any]] | None) -> str:
    """``changes`` (field -> (old, new)) as the audit log stores it."""
    return json.dumps({k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()}, ensure_ascii=False)


def record_many(
    entries: Iterable[tuple[str, str, str | None, str, str]], *, at: datetime | None = None,
    cursor: sqlite3.Cursor | None = None
) -> int:
    """Write many audit entries in one ``executemany``: each ``(action, table, uid, changes_json, note)``,
    ``changes_json`` as :func:`changes_json` makes it. One time stamp and the OS user for all of them: the
    bulk writers (import, rollover, printing, the demo) call this inside their own transaction. Returns
    how many were written. Every action must be a known code, as for :func:`record`."""
    stamp = str(at or utcnow())
    user = os_user()
    rows: list[tuple[str, str, str, str, str | None, str, str]] = []
    for action, table, uid, changes, note in entries:
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {action!r}: add it to vocab.AUDIT_ACTIONS")
        rows.append((stamp, user, action, table, uid, changes, note))
    if rows:
        (cursor or database.cursor()).executemany(AUDIT_INSERT, rows)
    return len(rows)


def history(uid: str) -> list[dict[str, Any]]:
    """The change history of one record, oldest first."""
    rows = AuditLog.select().where(AuditLog.record_uid == uid).order_by(AuditLog.at, AuditLog.id)
    return [
        {
            "at": r.at,
            "user": r.user,
            "action": r.action,
            "table": r.table,
            "changes": json.loads(r.changes or "{}"),
            "note": r.note,
        }
        for r in rows
    ]
