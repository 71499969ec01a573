"""The audit log: who changed which record, when, and which fields from → to."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pledgebook.models.tables import AuditLog, utcnow
from pledgebook.models.vocab import AUDIT_ACTIONS


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
    plain = {k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()}
    AuditLog.insert(
        at=utcnow(),
        user=os_user(),
        action=action,
        table=table,
        record_uid=uid,
        changes=json.dumps(plain, ensure_ascii=False),
        note=note,
    ).execute()


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
