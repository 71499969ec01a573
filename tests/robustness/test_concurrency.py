"""The open TUI and a scheduled import write the same file at the same time.

No crash, no lost write, and "database is locked" never reaches the user as
a traceback: the import waits out the busy timeout, or (when the file stays
locked) says so kindly and exits 2 having written nothing.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workbook_util import pledge_workbook

from pledgebook.models.store.db import close_database

PB = [sys.executable, "-m", "pledgebook"]


def _ledger(tmp_path: Path, rows: int) -> tuple[Path, Path, int]:
    db = tmp_path / "ledger.db"
    done = subprocess.run([*PB, "demo", "--db", str(db), "--scale", "600", "--json"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    xlsx = tmp_path / "每月导入.xlsx"
    year = pledge_workbook(db, xlsx, rows)
    return db, xlsx, year


def test_tui_edits_while_a_scheduled_import_writes(tmp_path):
    rows = 3_000
    db, xlsx, year = _ledger(tmp_path, rows)
    con = sqlite3.connect(db)
    before = con.execute("SELECT count(*) FROM pledge").fetchone()[0]
    targets = [r[0] for r in con.execute(
        "SELECT id FROM pledge WHERE year = ? AND deleted_at IS NULL AND status NOT IN ('carried', 'withdrawn') "
        "ORDER BY id LIMIT 40", (year,))]
    con.close()
    from pledgebook.models.ledger import rules
    from pledgebook.tui.app import PledgebookApp

    failures: list[str] = []
    saved: list[int] = []

    async def scenario() -> subprocess.CompletedProcess:
        app = PledgebookApp(db, poll_seconds=0)
        async with app.run_test(size=(110, 32)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            job = await asyncio.create_subprocess_exec(
                *PB, "import", str(xlsx), "--db", str(db), "--year", str(year), "--json",
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for i, pid in enumerate(targets):  # edits through the app's own thread workers, while the import runs
                app.run_write(lambda pid=pid, i=i: rules.add_progress(pid, f"并发测试记录{i}"),
                              lambda _r, pid=pid: saved.append(pid),
                              lambda exc: failures.append(exc.message))
                await asyncio.sleep(0.02)
            out, err = await job.communicate()
            deadline = time.monotonic() + 60  # every write reports back (screen reloads may be cancelled: fine)
            while len(saved) + len(failures) < len(targets) and time.monotonic() < deadline:
                await pilot.pause(0.05)
        return subprocess.CompletedProcess([], job.returncode, out.decode(), err.decode())

    try:
        proc = asyncio.run(scenario())
    finally:
        close_database()
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert json.loads(proc.stdout)["totals"]["added"] == rows
    assert not failures, failures
    assert sorted(saved) == sorted(targets)
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM pledge").fetchone()[0] == before + rows  # the import's rows, all of them
        notes = con.execute("SELECT count(*) FROM progress WHERE note LIKE '并发测试记录%'").fetchone()[0]
        assert notes == len(targets)  # every edit the TUI made, none lost
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_a_locked_file_gives_the_import_a_kind_message_and_exit_2(tmp_path):
    """Another program holds the write lock longer than the busy timeout: exit 2, a message, nothing written."""
    db, xlsx, year = _ledger(tmp_path, 50)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE setting SET value = value WHERE key = 'county_name'")
    try:
        # a short busy timeout through the child's own module, so the test does not wait ten seconds
        code = ("import sys; import pledgebook.models.store.db as d; d.BUSY_TIMEOUT_MS = 300; "
                "d.PRAGMAS = tuple((k, 300 if k == 'busy_timeout' else v) for k, v in d.PRAGMAS); "
                "from pledgebook.cli import main; sys.argv = ['pledgebook'] + sys.argv[1:]; main()")
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-c", code, "import", str(xlsx), "--db", str(db), "--year", str(year)],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        assert time.monotonic() - started < 60
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "其他程序" in proc.stderr + proc.stdout or "占用" in proc.stderr + proc.stdout, proc.stderr
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM import_batch").fetchone()[0] == 0
    finally:
        con.close()


@pytest.mark.parametrize("command", [["backup"], ["stats"], ["doctor"]])
def test_other_commands_on_a_locked_file_never_show_a_traceback(tmp_path, command):
    db, _, _ = _ledger(tmp_path, 1) if command == ["backup"] else (None, None, None)
    if db is None:
        db = tmp_path / "ledger.db"
        subprocess.run([*PB, "init", "--db", str(db), "--name", "测试县", "--code", "530822", "--year", "2011"],
                       check=True, capture_output=True, stdin=subprocess.DEVNULL)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # even readers wait (a rollback-journal style lock)
    try:
        code = ("import sys; import pledgebook.models.store.db as d; d.BUSY_TIMEOUT_MS = 300; "
                "d.PRAGMAS = tuple((k, 300 if k == 'busy_timeout' else v) for k, v in d.PRAGMAS); "
                "from pledgebook.cli import main; sys.argv = ['pledgebook'] + sys.argv[1:]; main()")
        proc = subprocess.run([sys.executable, "-c", code, *command, "--db", str(db)], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
