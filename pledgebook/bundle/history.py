"""The hand-offs written so far (the Handoff table), as plain rows for a face to show."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pledgebook.models.store.tables import Handoff


@dataclass(frozen=True)
class HandoffRow:
    written_at: str  # local time, "2026-01-31 16:05"
    path: str
    sha256: str
    sequence: int
    counts: dict[str, int] = field(default_factory=dict)


def _local(value) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):  # stored as UTC
        return value.replace(tzinfo=timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
    return str(value or "")


def handoff_history(limit: int = 200) -> list[HandoffRow]:
    """The bundles written from this ledger, newest first."""
    rows = []
    query = (Handoff.select()
             .order_by(Handoff.written_at.desc(), Handoff.id.desc()).limit(limit))
    for h in query:
        try:
            counts = json.loads(h.counts or "{}")
        except ValueError:
            counts = {}
        rows.append(HandoffRow(_local(h.written_at), h.path, h.sha256, int(h.sequence or 0),
                               counts if isinstance(counts, dict) else {}))
    return rows
