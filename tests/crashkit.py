"""Kill a writing process at random moments and check what it leaves behind.

Used by the crash tests: a child runs a command against a ledger file, the
parent SIGKILLs it after a random delay, then checks the file with SQLite's
own integrity check and a caller-supplied "before or after, never between"
predicate. ``PLEDGEBOOK_KILLS`` raises the number of kills for a long local run.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

KILLS = int(os.environ.get("PLEDGEBOOK_KILLS", "6"))


def integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def kill_loop(
    make_file: Callable[[Path], None],
    command: Callable[[Path], list[str]],
    check: Callable[[Path], str],
    workdir: Path,
    *,
    kills: int = KILLS,
    max_delay: float = 2.0,
    seed: int = 1,
) -> dict[str, int]:
    """Run ``command`` on a fresh copy of the file ``kills`` times, killing it at a random moment.

    ``check(path)`` returns a state name ("before", "after"); anything else fails.
    Returns how many runs ended in each state.
    """
    if sys.platform == "win32":  # pragma: no cover - SIGKILL is POSIX
        raise RuntimeError("crash tests need POSIX signals")
    rng = random.Random(seed)
    template = workdir / "template.db"
    make_file(template)
    outcomes: dict[str, int] = {}
    for i in range(kills):
        path = workdir / f"run{i}.db"
        con = sqlite3.connect(template)
        dst = sqlite3.connect(path)
        con.backup(dst)
        dst.close()
        con.close()
        proc = subprocess.Popen(command(path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, max_delay))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert integrity(path) == "ok", f"run {i}: integrity check failed"
        state = check(path)
        assert state in ("before", "after"), f"run {i}: file left in state {state!r}"
        outcomes[state] = outcomes.get(state, 0) + 1
    return outcomes
