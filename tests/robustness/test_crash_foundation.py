"""A demo build killed at any moment leaves an empty ledger or a whole one, never half."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from crashkit import kill_loop

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _make(path: Path) -> None:
    import subprocess

    subprocess.run([sys.executable, "-c", f"from pledgebook.models.store.db import open_database; open_database({str(path)!r})"], check=True)


def _state(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        pledges = con.execute("SELECT count(*) FROM pledge").fetchone()[0]
        settings = con.execute("SELECT count(*) FROM setting").fetchone()[0]
        evaluations = con.execute("SELECT count(*) FROM evaluation").fetchone()[0]
    finally:
        con.close()
    if pledges == 0 and settings == 0 and evaluations == 0:
        return "before"
    if pledges == 3000 and settings > 0 and evaluations > 0:
        return "after"
    return f"between: {pledges} pledges, {settings} settings"


def test_demo_killed_anywhere_is_all_or_nothing(tmp_path):
    outcomes = kill_loop(
        _make,
        lambda p: [sys.executable, "-m", "pledgebook", "demo", "--db", str(p), "--scale", "3000", "--json"],
        _state,
        tmp_path,
        max_delay=2.5,
    )
    assert sum(outcomes.values()) >= 1
