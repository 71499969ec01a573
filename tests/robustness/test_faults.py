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
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee
import pytest
from typer.testing import CliRunner
from workbook_util import pledge_workbook

from pledgebook.cli import app
from pledgebook.models.store.db import close_database

PB = [sys.executable, "-m", "pledgebook"]
DATA_TABLES = ("org", "person", "pledge", "progress", "evaluation", "work_year", "handoff", "import_batch", "setting")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path, int]:
    folder = tmp_path_factory.mktemp("faults")
    db = folder / "demo.db"
    subprocess.run([*PB, "demo", "--db", str(db), "--scale", "400", "--json"], check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    xlsx = folder / "每月导入.xlsx"
    year = pledge_workbook(db, xlsx, 150)
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
    from pledgebook.models.store.tables import database

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
        from pledgebook.bundle.verify import verify_bundle

        (bundle,) = out.glob("*.pledgebook")
        verify_bundle(bundle, check_trust=False)
    else:
        assert (out / "报表.xlsx").stat().st_size > 0


# ------------------------------------------------------------------ a newer, truncated or damaged file


def test_a_newer_file_is_refused_and_untouched(ledger, template):
    from pledgebook.models.store import migrations

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


# ------------------------------------------------------------------ read-only: a WAL that needs replaying, the TUI


def _remount_ro(disk: Path) -> None:
    done = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot remount read-only ({done.stderr.strip()})")


def test_a_wal_that_needs_replaying_on_a_read_only_disk_is_said_plainly(ledger, small_disk):
    disk = small_disk(ledger.stat().st_size // 1024 + 4096)
    db = disk / "ledger.db"
    shutil.copyfile(ledger, db)
    keeper = sqlite3.connect(db)  # holds the WAL open while another connection writes into it
    keeper.execute("SELECT count(*) FROM pledge").fetchone()
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO setting (key, value) VALUES ('last_seen', '2026-12-04')")
    writer.commit()
    # a PC that lost power: the WAL stays beside the file (copied as is onto a CD)
    copies = {sfx: Path(str(db) + sfx).read_bytes() for sfx in ("", "-wal")}
    writer.close()
    keeper.close()
    for sfx, data in copies.items():
        Path(str(db) + sfx).write_bytes(data)
    assert Path(str(db) + "-wal").stat().st_size > 0
    _remount_ro(disk)
    done = run("stats", "--db", str(db), "--json")
    assert done.returncode == 2
    message = json.loads(done.stdout)["error"]
    assert message.startswith(f"无法打开数据库文件 {db}：磁盘为只读（文件夹 {disk} 所在的磁盘、光盘或U盘是只读的或写保护的），"
                              "而文件旁还有尚未写回的最新修改（ledger.db-wal），只有在可写入的文件夹中才能读出。"
                              "数据库文件没有损坏，请不要从备份恢复。"), message
    assert "已损坏" not in message
    assert {sfx: Path(str(db) + sfx).read_bytes() for sfx in ("", "-wal")} == copies


def test_the_tui_opens_a_read_only_ledger_and_says_so(ledger, small_disk):
    import asyncio

    from pledgebook.models.store.db import open_database, read_only_reason

    disk = small_disk(ledger.stat().st_size // 1024 + 4096)
    shutil.copyfile(ledger, disk / "ledger.db")
    _remount_ro(disk)
    close_database()
    open_database(disk / "ledger.db")
    assert read_only_reason() == f"磁盘为只读（文件夹 {disk} 所在的磁盘、光盘或U盘是只读的或写保护的）"

    async def look() -> tuple[str, list[str]]:
        from pledgebook.tui.app import PledgebookApp

        app = PledgebookApp(disk / "ledger.db", poll_seconds=0)
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            return app.sub_title, [n.message for n in app._notifications]

    try:
        title, notes = asyncio.run(look())
    finally:
        close_database()
    assert title.endswith("（只读打开：不能修改）"), title
    assert any(n.startswith("磁盘为只读") and "只读方式打开" in n for n in notes), notes


# ------------------------------------------------------------------ a full disk in the middle of an import, and demo


def test_a_full_disk_in_the_middle_of_an_import_says_where_and_how_much(ledger, small_disk, tmp_path):
    xlsx = tmp_path / "三千条.xlsx"
    year = pledge_workbook(ledger, xlsx, 3000)
    before = snapshot(ledger)
    size = ledger.stat().st_size
    disk = small_disk((2 * size + 1_400_000) // 1024)  # room for the backup before the import, not for the rows
    db = disk / "ledger.db"
    shutil.copyfile(ledger, db)
    done = run("import", str(xlsx), "--db", str(db), "--year", str(year), "--json")
    assert done.returncode == 2, done.stdout
    message = json.loads(done.stdout)["error"]
    assert message.startswith(f"磁盘空间已满：文件夹 {disk} 所在的磁盘现在只剩 "), message
    assert "，本次导入（含导入前的自动备份）约需 " in message
    assert message.endswith("本次操作没有完成，台账没有改动（写入在同一个事务中，已整体撤销）。"
                            "请清理该磁盘（或换一个空间足够的文件夹、U盘）后重试。")
    assert "rollback" not in done.stdout + done.stderr
    assert snapshot(db) == before


def test_demo_on_a_disk_too_small_says_how_much_it_needs(small_disk):
    disk = small_disk(2048)
    done = run("demo", "--db", str(disk / "演示.db"), "--scale", "2000", "--json")
    assert done.returncode == 2
    message = json.loads(done.stdout)["error"]
    assert message.startswith(f"磁盘空间不足：载入 2000 条承诺的演示数据约需 22 MB，文件夹 {disk} 所在的磁盘只剩 "), message
    assert message.endswith("未载入任何演示数据。请清理磁盘，或用 --db 指定其他磁盘上的文件，或用更小的 --scale。")


def test_cannot_rollback_is_never_the_message():
    from pledgebook.models.core.errors import explain

    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            raise peewee.OperationalError("cannot rollback - no transaction is active")  # noqa: B904
    except peewee.OperationalError as exc:
        told = explain(exc)
    assert told is not None and told.message.startswith("磁盘空间已满"), told


# ------------------------------------------------------------------ restore rescues a damaged ledger


@pytest.mark.parametrize("damage", ["header", "not-sqlite"])
def test_restore_moves_a_damaged_ledger_aside_and_puts_the_backup_in(ledger, tmp_path, damage):
    bk = tmp_path / "U盘"
    assert run("backup", "--db", str(ledger), "--to", str(bk)).returncode == 0
    (backup,) = bk.glob("*.db")
    pledges = snapshot(ledger)
    data = bytearray(ledger.read_bytes())
    if damage == "header":
        data[100:4096] = bytes(3996)
    else:
        data = bytearray("这不是数据库".encode())
    ledger.write_bytes(bytes(data))
    Path(str(ledger) + "-wal").unlink(missing_ok=True)
    assert run("stats", "--db", str(ledger)).returncode == 2
    done = run("restore", str(backup), "--db", str(ledger), "--yes", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    (aside,) = (Path(p) for p in result["moved_aside"] if not p.endswith(("-wal", "-shm", "-journal")))
    assert aside.parent == ledger.parent and aside.name.startswith("ledger.db.damaged-")
    assert aside.read_bytes() == bytes(data), "the damaged file must be kept as it was"
    assert snapshot(ledger) == pledges
    assert run("stats", "--db", str(ledger)).returncode == 0
    # kept for good: a later backup's rotation never removes it
    assert run("config", "backup_keep", "1", "--db", str(ledger)).returncode == 0
    for _ in range(3):
        assert run("backup", "--db", str(ledger)).returncode == 0
    assert aside.exists()
    done = run("restore", str(backup), "--db", str(ledger), "--yes")
    assert "已原样移到一旁" not in done.stdout  # an intact file is backed up, not moved


# ------------------------------------------------------------------ leftovers of a killed copy


def _leftover(path: Path, age: float = 3600) -> Path:
    import os
    import time

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a copy")
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_the_next_backup_removes_the_part_files_a_kill_left_and_says_so(ledger):
    backups = ledger.parent / "backups"
    ours = [_leftover(backups / "ledger_20260101-000000-000000_manual.db.part"),
            _leftover(backups / "ledger_20260101-000000-000000_manual.db.part-journal")]
    others = [_leftover(backups / "other_20260101-000000-000000_manual.db.part"),  # another ledger's
              _leftover(backups / "笔记.part"),  # not ours at all
              _leftover(backups / "ledger_20260102-000000-000000_manual.db.part", age=10)]  # a copy still running
    done = run("backup", "--db", str(ledger))
    assert done.returncode == 0, done.stderr
    assert "已删除上次中断（程序被关闭或断电）留下的 2 个临时文件：" in done.stdout.replace("\n", "")
    assert not any(p.exists() for p in ours)
    assert all(p.exists() for p in others)
    done = run("backup", "--db", str(ledger), "--json")
    assert json.loads(done.stdout)["cleaned"] == []


def test_the_next_rollover_removes_the_archive_part_files_a_kill_left(ledger, template):
    year = template[2]
    archive = ledger.parent / "archive"
    ours = [_leftover(archive / f"ledger_20260101-000000-000000_closed-{year}.db.part"),
            _leftover(archive / f"ledger_20260101-000000-000000_closed-{year}.db.part-journal"),
            _leftover(archive / f"ledger_{year}_summary.csv.part")]
    theirs = _leftover(archive / f"closed-{year}.db.part")  # not our naming: left alone
    done = run("rollover", str(year), "--db", str(ledger), "--force", "--yes", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    cleaned = json.loads(done.stdout)["archive"]["cleaned"]
    assert sorted(cleaned) == sorted(str(p) for p in ours)
    assert not any(p.exists() for p in ours) and theirs.exists()
    assert (archive / f"ledger_{year}_summary.csv").exists()


# ------------------------------------------------------------------ network shares and SQLite URIs


def test_a_ledger_on_a_windows_network_share_is_refused_clearly():
    from pathlib import PureWindowsPath

    from pledgebook.models.store.db import DatabaseError, network_share, refuse_network_share

    share = PureWindowsPath(r"\\server\组织部\台账\pledgebook.db")
    for path in (share, PureWindowsPath(r"\\?\UNC\server\share\pledgebook.db")):
        assert network_share(path, windows=True)
    for path in (PureWindowsPath(r"C:\Users\科员\AppData\Local\pledgebook\pledgebook.db"),
                 PureWindowsPath(r"\\?\C:\台账\pledgebook.db"), PureWindowsPath(r"D:\台账.db")):
        assert not network_share(path, windows=True)
    assert not network_share(share, windows=False)  # on Linux a backslash is just a character
    with pytest.raises(DatabaseError) as err:
        refuse_network_share(share, windows=True)
    assert err.value.message.startswith(
        r"数据库文件 \\server\组织部\台账\pledgebook.db 在网络共享文件夹上。SQLite 数据库放在网络共享上时，"
        "两台电脑同时写入会丢失或损坏数据，因此本程序不在网络共享上打开台账。")


def test_the_cli_refuses_a_network_share_before_touching_it(tmp_path, monkeypatch):
    from pledgebook.models.store import files

    monkeypatch.setattr(files, "network_share", lambda path, windows=None: True)
    target = tmp_path / "share" / "pledgebook.db"
    result = cli("init", "--db", str(target), "--name", "某县", "--code", "530822", "--year", "2011", "--json")
    assert result.exit_code == 2
    assert "在网络共享文件夹上" in json.loads(result.output)["error"]
    assert not target.parent.exists()


def test_sqlite_uris_for_windows_paths_and_odd_folder_names(ledger, tmp_path):
    from pathlib import PureWindowsPath

    from pledgebook.models.store.backup import verify_backup
    from pledgebook.models.store.db import sqlite_uri

    assert sqlite_uri(PureWindowsPath(r"\\server\share\备份\a.db")) == \
        "file:////server/share/%E5%A4%87%E4%BB%BD/a.db?mode=ro"
    assert sqlite_uri(PureWindowsPath(r"C:\Users\a b\x#1.db"), immutable=True) == \
        "file:/C:/Users/a%20b/x%231.db?mode=ro&immutable=1"
    odd = tmp_path / "备份?第#1批 %20"
    odd.mkdir()
    assert run("backup", "--db", str(ledger), "--to", str(odd)).returncode == 0
    (copy,) = odd.glob("*.db")
    assert verify_backup(copy) >= 1


# ------------------------------------------------------------------ bad values


@pytest.mark.parametrize(("code", "said"), [
    ("５３０８２２", "行政区划代码「５３０８２２」含全角数字，请用半角数字（英文输入法）重新输入"),
    ("530822\n", "行政区划代码「530822」前后有空格或换行，请只填6位数字"),
    (" 530822", "行政区划代码「530822」前后有空格或换行，请只填6位数字"),
    ("000000", "行政区划代码「000000」的前两位 00 不是任何省（区、市）的代码，请核对"),
    ("990822", "行政区划代码「990822」的前两位 99 不是任何省（区、市）的代码，请核对"),
    ("530000", "行政区划代码「530000」是省级代码"),
    ("530800", "行政区划代码「530800」是州（市）级代码（末两位为 00），请填写本县（区）的代码"),
    ("53082", "行政区划代码应为6位数字"),
    ("5308221", "行政区划代码应为6位数字"),
    ("53O822", "行政区划代码应为6位数字"),
])
def test_init_refuses_implausible_codes_before_making_a_file(tmp_path, code, said):
    db = tmp_path / "new.db"
    result = cli("init", "--db", str(db), "--name", "某县", "--code", code, "--year", "2011", "--json")
    assert result.exit_code == 2
    assert json.loads(result.output)["error"].startswith(f"--code：{said}")
    assert not db.exists()


def test_init_takes_a_plausible_code(tmp_path):
    result = cli("init", "--db", str(tmp_path / "a.db"), "--name", "普洱市", "--code", "530800", "--year", "2011",
                 "--level", "prefecture", "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args", [
    ["stats", "--year", "10000000000000000000000"],
    ["stats", "--year", "0"],
    ["stats", "--year", "-2026"],
    ["export", "report", "-o", "x.xlsx", "--year", "1999"],
    ["template", "pledges", "-o", "t.xlsx", "--year", "2101"],
    ["import", "a.xlsx", "--year", "0"],
    ["print", "notice", "-o", "n.xlsx", "--year", "0", "--published-on", "2026-03-01"],
    ["print", "ballots", "-o", "b.xlsx", "--year", "20266"],
    ["rollover", "0", "--dry-run"],
    ["rollover", "2026", "--to", "99999", "--dry-run"],
    ["reopen", "10000000000000000000000", "--yes"],
    ["init", "--name", "某县", "--code", "530822", "--year", "0"],
])
def test_every_year_is_a_plausible_year_or_refused(ledger, tmp_path, args):
    before = ledger.read_bytes()
    result = cli(*args, "--db", str(ledger))
    assert result.exit_code == 2, result.output
    assert "不合理：请填写 2000 到 2100 之间的四位年份" in result.output.replace("\n", "").replace("│", "")
    assert ledger.read_bytes() == before


@pytest.mark.parametrize("args", [
    ["export", "report", "-o", ""],
    ["export", "report", "-o", "."],
    ["template", "pledges", "-o", ""],
    ["print", "ballots", "-o", ""],
    ["import", "a.xlsx", "--errors-out", ""],
])
def test_an_empty_output_file_is_refused(ledger, args):
    result = cli(*args, "--db", str(ledger))
    assert result.exit_code == 2, result.output
    assert "不是要写入的文件名（不能为空，也不能是文件夹）" in result.output.replace("\n", "").replace("│", "")


def test_a_folder_given_as_the_ledger_is_refused(tmp_path):
    result = cli("stats", "--db", str(tmp_path), "--json")
    assert result.exit_code == 2
    assert json.loads(result.output)["error"] == (
        f"--db 指定的「{tmp_path}」是一个文件夹，不是数据库文件。请写出文件名，例如 {tmp_path / 'pledgebook.db'}")


# ------------------------------------------------------------------ JSON from outside is bounded


def _deep(n: int = 4_000) -> str:  # inside the key file's 16 KB, deeper than Python's recursion limit
    return "[" * n + "]" * n


@pytest.mark.parametrize("where", ["mapping", "encrypt-to", "keys trust", "keys show"])
def test_deeply_nested_json_is_refused_with_a_message(ledger, tmp_path, template, where):
    bad = tmp_path / ("map.json" if where == "mapping" else "上级.pub")
    bad.write_text(_deep() if where == "mapping" else '{"format": ' + _deep() + "}", encoding="utf-8")
    args = {
        "mapping": ["import", str(template[1]), "--mapping", str(bad), "--year", str(template[2])],
        "encrypt-to": ["export", "bundle", "--to", str(tmp_path), "--encrypt-to", str(bad)],
        "keys trust": ["keys", "trust", str(bad), "--yes"],
        "keys show": ["keys", "show", str(bad)],
    }[where]
    before = snapshot(ledger)
    result = cli(*args, "--db", str(ledger), "--json")
    assert result.exit_code == 2, result.output
    message = json.loads(result.output.splitlines()[-1])["error"]
    if where == "mapping":
        assert message == "列名映射文件「map.json」不是列名映射：JSON 嵌套超过 32 层"
    else:
        assert message.startswith("上级.pub 不是承诺台账公钥文件（"), message
    assert snapshot(ledger) == before
    assert not list(tmp_path.glob("*.pledgebook"))


def test_json_output_carries_a_file_name_that_is_not_utf8(capsys):
    from pledgebook.cli.common import emit_json

    name = b"\xb0\xa1.xlsx".decode("utf-8", "surrogateescape")  # 啊.xlsx in GBK, as Linux hands it over
    emit_json({"ok": False, "path": name})
    out = capsys.readouterr().out
    out.encode("utf-8")  # valid UTF-8
    assert json.loads(out)["path"] == name


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX folder name that is not UTF-8")
def test_a_ledger_in_a_folder_whose_name_is_not_utf8_opens_backs_up_and_checks(ledger, tmp_path):
    """Found by the argument fuzzer: the read-only URI of such a path raised UnicodeEncodeError."""
    import os

    folder = os.fsencode(tmp_path) + b"/\xff\xfe"
    os.mkdir(folder)
    db = os.fsdecode(folder + b"/ledger.db")
    shutil.copyfile(ledger, db)
    for args in (("backup",), ("backup", "list"), ("stats", "--json"), ("doctor",)):
        done = subprocess.run([*PB, "--db", db, *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=180)
        assert done.returncode == 0 and b"Traceback" not in done.stderr, (args, done.stderr[-2000:])
    assert list(Path(os.fsdecode(folder), "backups").glob("*.db"))
