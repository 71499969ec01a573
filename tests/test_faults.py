"""Faults underneath: a full disk, I/O errors after N writes, a read-only file, a newer or damaged file.

Each gives a clear message (exit 2 from the CLI, never a traceback) and
loses nothing: the ledger is as it was, and once the fault is gone the same
command succeeds. A full disk and a read-only file are real (a tiny tmpfs,
a read-only remount: root on Linux; skipped with the reason elsewhere). I/O
errors are injected: at SQL statements (what SQLite raises when a write
fails) and at file writes (bundle and report), raising N until it succeeds.
"""

from __future__ import annotations

import errno
import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee
import pytest
from typer.testing import CliRunner

from pledgebook.cli import app
from pledgebook.models.db import close_database

PB = [sys.executable, "-m", "pledgebook"]
DATA_TABLES = ("org", "person", "pledge", "progress", "evaluation", "work_year", "handoff", "import_batch", "setting")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path, int]:
    from test_crash_writers import _workbook

    folder = tmp_path_factory.mktemp("faults")
    db = folder / "demo.db"
    subprocess.run([*PB, "demo", "--db", str(db), "--scale", "400", "--json"], check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    xlsx = folder / "每月导入.xlsx"
    year = _workbook(db, xlsx, 150)
    return db, xlsx, year


@pytest.fixture
def ledger(template, tmp_path) -> Path:
    db = tmp_path / "ledger.db"
    shutil.copyfile(template[0], db)
    return db


def snapshot(path: Path) -> tuple:
    con = sqlite3.connect(path)
    try:
        # the bundle sequence number is reserved before a bundle is written (so one that reaches
        # the stick is never numbered twice): a failed export may use up a number, by design
        where = {"setting": " WHERE key != 'bundle_sequence'"}
        return tuple(
            con.execute(f'SELECT count(*), max(rowid) FROM "{t}"{where.get(t, "")}').fetchone() for t in DATA_TABLES
        ) + (
            con.execute("PRAGMA integrity_check").fetchone()[0],)
    finally:
        con.close()


def cli(*args: str):
    try:
        result = CliRunner().invoke(app, list(args))
    finally:
        close_database()
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def run(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([*PB, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=180)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def steps():
    n = 0
    while True:
        yield n
        n = n + 1 if n < 4 else int(n * 1.6)


# ------------------------------------------------------------------ a real full disk (tmpfs)


@pytest.fixture
def small_disk(tmp_path):
    """Mount a tiny tmpfs; yields a function (size in KB) -> folder. Skips where mounting is not allowed."""
    if not sys.platform.startswith("linux"):
        pytest.skip("tmpfs mounts are Linux-only")
    mounted: list[Path] = []

    def make(kb: int) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kb}k", "tmpfs", str(point)], capture_output=True,
                              text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'})")
        mounted.append(point)
        return point

    yield make
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_disk_full_during_backup_bundle_export_and_import(ledger, template, small_disk):
    before = snapshot(ledger)
    stick = small_disk(300)
    done = run("backup", "--db", str(ledger), "--to", str(stick))
    assert done.returncode == 2 and "空间" in done.stderr, done.stderr
    assert not list(stick.glob("*.db")), "a partial backup was left"
    done = run("export", "bundle", "--to", str(stick), "--db", str(ledger))
    assert done.returncode == 2 and ("满" in done.stderr or "空间" in done.stderr), done.stderr
    assert not list(stick.glob("*.pledgebook")), "a partial bundle was left under its final name"
    assert snapshot(ledger) == before
    # the ledger itself on a disk with room for little more than the file: the import (and its backup) fail kindly
    full = small_disk(ledger.stat().st_size // 1024 + 200)
    shutil.copyfile(ledger, full / "ledger.db")
    done = run("import", str(template[1]), "--db", str(full / "ledger.db"), "--year", str(template[2]))
    assert done.returncode == 2 and ("空间" in done.stderr + done.stdout or "满" in done.stderr + done.stdout), done.stderr
    assert snapshot(full / "ledger.db") == before
    # room again: the same command succeeds
    shutil.copyfile(full / "ledger.db", ledger)
    done = run("import", str(template[1]), "--db", str(ledger), "--year", str(template[2]))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_read_only_file_is_refused_with_a_message(ledger, small_disk):
    disk = small_disk(ledger.stat().st_size // 1024 + 4096)
    shutil.copyfile(ledger, disk / "ledger.db")
    before = (disk / "ledger.db").read_bytes()
    done = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot remount read-only ({done.stderr.strip()})")
    for args in (["stats"], ["init", "--name", "某县", "--code", "530822", "--year", "2011"], ["backup"], ["doctor"]):
        done = run(*args, "--db", str(disk / "ledger.db"))
        assert done.returncode in (0, 1, 2), done.stderr
        if done.returncode == 2:
            assert done.stderr.strip() or done.stdout.strip()
    assert (disk / "ledger.db").read_bytes() == before


# ------------------------------------------------------------------ I/O errors after N statements


def _failing_sql(monkeypatch, after: int) -> list[int]:
    from pledgebook.models.tables import database

    calls = [0]
    real = type(database).execute_sql

    def execute_sql(self, sql, params=None, *args, **kwargs):
        calls[0] += 1
        if calls[0] > after and not sql.lstrip().upper().startswith(("PRAGMA", "SELECT")):
            raise peewee.OperationalError("disk I/O error")
        return real(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(type(database), "execute_sql", execute_sql)
    return calls


@pytest.mark.parametrize("op", ["import", "rollover"])
def test_io_errors_after_n_statements_then_success(ledger, template, monkeypatch, op):
    _, xlsx, year = template
    args = (["import", str(xlsx), "--db", str(ledger), "--year", str(year)] if op == "import"
            else ["rollover", str(year), "--db", str(ledger), "--force", "--yes"])
    before = snapshot(ledger)
    failures = 0
    for n in steps():
        with monkeypatch.context() as m:
            _failing_sql(m, n)
            result = cli(*args)
        if result.exit_code == 0:
            break
        failures += 1
        assert result.exit_code == 2, result.output
        assert "错误" in result.output or "出错" in result.output, result.output
        assert snapshot(ledger) == before, f"after {n} statements: the ledger changed"
        assert n < 100_000
    assert failures >= 3
    assert snapshot(ledger) != before  # and the last run did the job


# ------------------------------------------------------------------ I/O errors after N file writes


def _failing_writes(monkeypatch, folder: Path, after: int) -> None:
    """Every file opened for writing under ``folder`` fails with EIO after ``after`` writes in all."""
    import builtins

    real = io.open
    count = [0]

    class Faulty(io.BufferedRandom):
        def write(self, data):
            count[0] += 1
            if count[0] > after:
                raise OSError(errno.EIO, "Input/output error")
            return super().write(data)

    def fake_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and isinstance(file, (str, Path)) and str(folder) in str(file):
            raw = io.FileIO(file, mode.replace("b", "").replace("t", "") if "+" in mode else mode.replace("b", "").replace("t", "") + "+")
            fh = Faulty(raw)
            return fh if "b" in mode else io.TextIOWrapper(fh, encoding=kwargs.get("encoding") or "utf-8",
                                                              newline=kwargs.get("newline"))
        return real(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(builtins, "open", fake_open)


@pytest.mark.parametrize("what", ["bundle", "report"])
def test_io_errors_after_n_file_writes_then_success(ledger, tmp_path, monkeypatch, what):
    out = tmp_path / "stick"
    out.mkdir()
    args = (["export", "bundle", "--to", str(out), "--db", str(ledger)] if what == "bundle"
            else ["export", "report", "-o", str(out / "报表.xlsx"), "--db", str(ledger)])
    before = snapshot(ledger)
    failures = 0
    for n in steps():
        with monkeypatch.context() as m:
            _failing_writes(m, out, n)
            result = cli(*args)
        if result.exit_code == 0:
            break
        failures += 1
        assert result.exit_code == 2, result.output
        assert snapshot(ledger) == before
        assert not list(out.glob("*.pledgebook")), f"after {n} writes: a bundle was left under its final name"
        assert n < 1_000_000
    assert failures >= 3
    if what == "bundle":
        from pledgebook.exporters.bundle import verify_bundle

        (bundle,) = out.glob("*.pledgebook")
        verify_bundle(bundle, check_trust=False)
    else:
        assert (out / "报表.xlsx").stat().st_size > 0


# ------------------------------------------------------------------ a newer, truncated or damaged file


def test_a_newer_file_is_refused_and_untouched(ledger, template):
    from pledgebook.models import migrations

    con = sqlite3.connect(ledger)
    con.execute(f"PRAGMA user_version = {migrations.LATEST + 3}")
    con.commit()
    con.close()
    before = ledger.read_bytes()
    for args in (["stats"], ["import", str(template[1])], ["rollover", "2026", "--yes"], ["backup"]):
        done = run(*args, "--db", str(ledger))
        assert done.returncode == 2 and "更新版本" in done.stderr, done.stderr
    assert ledger.read_bytes() == before


@pytest.mark.parametrize("damage", ["truncate", "garbage-pages", "garbage-header"])
def test_a_damaged_file_gives_a_message_not_a_traceback(ledger, template, damage):
    close_database()
    con = sqlite3.connect(ledger)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(ledger.read_bytes())
    if damage == "truncate":
        data = data[: len(data) * 3 // 5]
    elif damage == "garbage-pages":
        page = int.from_bytes(data[16:18], "big") or 65536
        for p in range(2, len(data) // page, 3):
            data[p * page + 8: p * page + 200] = bytes((i * 37) % 256 for i in range(192))
    else:
        data[100:4096] = bytes(3996)
    ledger.write_bytes(bytes(data))
    before = ledger.read_bytes()
    outcomes = []
    for args in (["stats"], ["doctor"], ["import", str(template[1]), "--year", str(template[2])], ["backup"]):
        done = run(*args, "--db", str(ledger))
        outcomes.append(done.returncode)
        assert done.returncode in (1, 2) or args[0] == "stats", (args, done.stdout, done.stderr)
        if done.returncode == 2:
            assert done.stderr.strip(), args
    assert 2 in outcomes or 1 in outcomes
    assert ledger.read_bytes() == before, "a damaged file was written to"
