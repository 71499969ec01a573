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
    max_delay: float | None = 2.0,
    seed: int = 1,
    finish: bool = False,
    env: dict[str, str] | None = None,
) -> dict[str, int]:
    """Run ``command`` on a fresh copy of the file ``kills`` times, killing it at a random moment.

    ``check(path)`` returns a state name ("before", "after"); anything else fails.
    ``max_delay=None`` first times one whole run on a copy (which must end
    "after") and kills within 1.1 times that, so kills land all through the
    work. ``finish``: after each kill, run the command again to the end and
    require "after" (a re-run finishes the job). Returns how many runs ended
    in each state (plus "killed": how many were still running when killed).
    """
    if sys.platform == "win32":  # pragma: no cover - SIGKILL is POSIX
        raise RuntimeError("crash tests need POSIX signals")
    rng = random.Random(seed)
    template = workdir / "template.db"
    make_file(template)

    def copy(path: Path) -> None:
        con = sqlite3.connect(template)
        dst = sqlite3.connect(path)
        con.backup(dst)
        dst.close()
        con.close()

    def complete(path: Path, what: str) -> float:
        started = time.perf_counter()
        done = subprocess.run(command(path), capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=300)
        assert done.returncode == 0, f"{what}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert integrity(path) == "ok", f"{what}: integrity check failed"
        assert check(path) == "after", f"{what}: did not finish the job"
        return time.perf_counter() - started

    if max_delay is None:
        path = workdir / "calibrate.db"
        copy(path)
        max_delay = max(0.2, 1.1 * complete(path, "a whole run"))
    outcomes: dict[str, int] = {}
    for i in range(kills):
        path = workdir / f"run{i}.db"
        copy(path)
        proc = subprocess.Popen(command(path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                env=env)
        time.sleep(rng.uniform(0.05, max_delay))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            outcomes["killed"] = outcomes.get("killed", 0) + 1
        proc.wait()
        assert integrity(path) == "ok", f"run {i}: integrity check failed"
        state = check(path)
        assert state in ("before", "after"), f"run {i}: file left in state {state!r}"
        outcomes[state] = outcomes.get(state, 0) + 1
        if finish:
            complete(path, f"run {i}: the re-run after the kill")
    return outcomes
