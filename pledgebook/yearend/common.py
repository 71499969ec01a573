"""What the year-end modules share: the progress callback, the rollover record, the org lookup."""

from __future__ import annotations

import json
from collections.abc import Callable

from pledgebook.models.store.db import get_setting
from pledgebook.models.store.tables import database

Progress = Callable[[str, float], None]  # (stage, fraction done)
PointHook = Callable[[str], None]  # called with a point's name (after-open-year, after-insert, …)

RECORD_KEY = "rollover.{year}"  # setting: what a rollover did, so that reopen can undo it


def noop(_stage: str, _fraction: float) -> None:
    return None


def rollover_record(year: int) -> dict | None:
    """What the rollover of ``year`` did (the setting it wrote), or None."""
    text = get_setting(RECORD_KEY.format(year=year))
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def org_lookup() -> tuple[dict[int, tuple[str, str]], dict[int, tuple[int, str]]]:
    """org id → (name, path); org id → (committee id, committee name) (the root's child above it)."""
    rows = database.execute_sql("SELECT id, name, path FROM org").fetchall()
    orgs = {r[0]: (r[1], r[2]) for r in rows}
    committee: dict[int, tuple[int, str]] = {}
    for oid, (_name, path) in orgs.items():
        parts = [int(p) for p in path.strip("/").split("/") if p]
        cid = parts[1] if len(parts) > 1 else (parts[0] if parts else oid)
        committee[oid] = (cid, orgs.get(cid, ("?", ""))[0])
    return orgs, committee


def short(text: str, n: int = 30) -> str:
    """``text`` on one line, cut to ``n`` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"
