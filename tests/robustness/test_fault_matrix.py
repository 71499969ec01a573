"""The fault matrix: every command × every way the ledger's file or disk can be wrong.

Faults: the folder is not writable (faked: the tests run as root, and root passes every
permission check, so ``os.access`` answers "no" for the folder, as it does for a clerk's
account on a locked-down PC), a read-only mount (a tmpfs remounted read-only), a full disk
(a tmpfs filled to the last page), a damaged file, a file that is not SQLite, and a file
from a newer program. For each pair: the exact message (the stable part of it, from
``--json``'s ``error``, so no line wrapping gets in the way), the exit code, and the
ledger's bytes unchanged — except ``restore``, whose whole point is to replace a damaged
file (the old one is kept beside it, byte for byte).

Reading commands work on a file they cannot write; writing commands say what is wrong
(「磁盘为只读」, 「文件夹 … 没有写入权限」, 「磁盘空间已满」) and never 「已损坏」 for a healthy file.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner
from workbook_util import pledge_workbook

from pledgebook.cli import app
from pledgebook.models.store.db import close_database

PB = [sys.executable, "-m", "pledgebook"]

READ, WRITE = "read", "write"


# ------------------------------------------------------------------ the ledger and its inputs


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> dict[str, Path]:
    """A small demo ledger (WAL checkpointed, so it is one file), a workbook to import, a bundle,
    a public key and a backup, all made once."""
    folder = tmp_path_factory.mktemp("matrix")
    home = folder / "home"  # a module fixture runs before conftest's isolation: its own user folders
    env = {**os.environ, "HOME": str(home), "USERPROFILE": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state")}
    env.pop("PLEDGEBOOK_DB", None)

    def pb(*args: str) -> None:
        subprocess.run([*PB, *args, "--json"], check=True, capture_output=True, stdin=subprocess.DEVNULL, env=env)

    db = folder / "ledger.db"
    pb("demo", "--db", str(db), "--scale", "200")
    xlsx = folder / "每月导入.xlsx"
    year = pledge_workbook(db, xlsx, 20)
    stick = folder / "stick"
    stick.mkdir()
    pb("export", "bundle", "--to", str(stick), "--db", str(db))
    other = folder / "other.db"
    pb("init", "--db", str(other), "--name", "普洱市", "--code", "530800", "--year", "2011", "--level", "prefecture")
    keys = folder / "keys"
    keys.mkdir()
    pb("keys", "init", "--db", str(other), "--out", str(keys))
    backups = folder / "bk"
    pb("backup", "--db", str(db), "--to", str(backups))
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    (bundle,) = stick.glob("*.pledgebook")
    (pub,) = keys.glob("*.pub")
    (backup,) = backups.glob("*.db")
    return {"db": db, "xlsx": xlsx, "year": Path(str(year)), "bundle": bundle, "pub": pub, "backup": backup}


# ------------------------------------------------------------------ the commands


def _commands() -> list[tuple[str, str, Callable[[dict[str, Path], Path], list[str]]]]:
    """(name, read|write, argv from (kit, output folder)); every command the CLI has."""
    return [
        ("stats", READ, lambda k, o: ["stats"]),
        ("doctor", READ, lambda k, o: ["doctor"]),
        ("export report", READ, lambda k, o: ["export", "report", "-o", str(o / "报表.xlsx")]),
        ("verify", READ, lambda k, o: ["verify", str(k["bundle"])]),
        ("backup list", READ, lambda k, o: ["backup", "list"]),
        ("keys show", READ, lambda k, o: ["keys", "show"]),
        ("keys init", READ, lambda k, o: ["keys", "init", "--out", str(o)]),  # the keys live in the user's folder
        ("config", READ, lambda k, o: ["config"]),
        ("template", READ, lambda k, o: ["template", "pledges", "-o", str(o / "模板.xlsx")]),
        ("print ballots", READ, lambda k, o: ["print", "ballots", "-o", str(o / "评议票.xlsx")]),
        ("rollover --dry-run", READ, lambda k, o: ["rollover", k["year"].name, "--dry-run"]),
        ("import --dry-run", READ, lambda k, o: ["import", str(k["xlsx"]), "--dry-run", "--year", k["year"].name]),
        ("backup --to", READ, lambda k, o: ["backup", "--to", str(o / "U盘")]),
        ("init", WRITE, lambda k, o: ["init", "--name", "某县", "--code", "530822", "--year", "2011"]),
        ("demo", WRITE, lambda k, o: ["demo", "--scale", "100"]),
        ("config set", WRITE, lambda k, o: ["config", "监督电话", "0879-2222222"]),
        ("import", WRITE, lambda k, o: ["import", str(k["xlsx"]), "--year", k["year"].name]),
        ("backup", WRITE, lambda k, o: ["backup"]),
        ("rollover", WRITE, lambda k, o: ["rollover", k["year"].name, "--force", "--yes"]),
        ("reopen", WRITE, lambda k, o: ["reopen", str(int(k["year"].name) - 1), "--yes"]),
        ("export bundle", WRITE, lambda k, o: ["export", "bundle", "--to", str(o)]),
        ("keys trust", WRITE, lambda k, o: ["keys", "trust", str(k["pub"]), "--yes"]),
        ("print notice", WRITE, lambda k, o: ["print", "notice", "-o", str(o / "公示.xlsx"), "--published-on", "2026-03-01"]),
        ("restore", WRITE, lambda k, o: ["restore", str(k["backup"]), "--yes"]),
    ]


COMMANDS = _commands()
FAULTS = ("no-permission", "read-only-mount", "disk-full", "damaged", "not-sqlite", "future-version")


def _invoke(args: list[str]) -> tuple[int, dict | None, str]:
    try:
        result = CliRunner().invoke(app, args)
    finally:
        close_database()
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    data = None
    for line in reversed(result.output.splitlines()):
        if line.startswith("{"):
            data = json.loads(line)
            break
    return result.exit_code, data, result.output


# ------------------------------------------------------------------ the faults


def _mount(point: Path, kb: int) -> None:
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kb}k", "tmpfs", str(point)], capture_output=True,
                          text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'}): the mount faults need root on Linux")


@pytest.fixture(scope="module")
def mounts(tmp_path_factory, kit):
    """The read-only mount and the full disk, made once (nothing in them may change)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("tmpfs mounts are Linux-only")
    base = tmp_path_factory.mktemp("mounts")
    made: list[Path] = []
    size_kb = kit["db"].stat().st_size // 1024

    def read_only() -> Path:
        point = base / "cdrom"
        _mount(point, size_kb + 1024)
        made.append(point)
        shutil.copyfile(kit["db"], point / "ledger.db")
        done = subprocess.run(["mount", "-o", "remount,ro", str(point)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot remount a tmpfs read-only ({done.stderr.strip()})")
        return point / "ledger.db"

    def full() -> Path:
        point = base / "full"
        _mount(point, size_kb + 512)
        made.append(point)
        db = point / "ledger.db"
        shutil.copyfile(kit["db"], db)
        con = sqlite3.connect(db)  # a reader's -shm exists, as on any PC that opened the ledger once
        con.execute("SELECT count(*) FROM pledge").fetchone()
        with open(point / "filler.bin", "wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"\0" * 4096)
            except OSError:
                pass  # no space left on device: the disk is full
        con.close()
        return db

    try:
        yield {"read-only-mount": read_only(), "disk-full": full()}
    finally:
        for point in reversed(made):
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _damage(db: Path, how: str) -> None:
    from pledgebook.models.store import migrations

    if how == "damaged":
        data = bytearray(db.read_bytes())
        data[100:4096] = bytes(3996)  # the first page's schema: every table gone
        db.write_bytes(bytes(data))
    elif how == "not-sqlite":
        db.write_text("党组织名称,姓名\n联珠镇党委,张三\n", encoding="utf-8")
    elif how == "future-version":
        con = sqlite3.connect(db)
        con.execute(f"PRAGMA user_version = {migrations.LATEST + 3}")
        con.commit()
        con.close()


@pytest.fixture
def faulty(request, kit, tmp_path, monkeypatch):
    """The ledger path in the state of ``request.param``."""
    fault = request.param
    if fault in ("read-only-mount", "disk-full"):
        return request.getfixturevalue("mounts")[fault]
    folder = tmp_path / "台账"
    folder.mkdir()
    db = folder / "ledger.db"
    shutil.copyfile(kit["db"], db)
    if fault == "no-permission":
        real = os.access

        def access(path, mode, *args, **kwargs):
            if mode & os.W_OK and Path(path).resolve().is_relative_to(folder.resolve()):
                return False
            return real(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
    else:
        _damage(db, fault)
    return db


# ------------------------------------------------------------------ what each pair must say

DAMAGED = ("数据库文件 {db} 已损坏（database disk image is malformed）。请不要继续使用它：运行「pledgebook doctor」查看，"
           "并用「pledgebook restore 备份文件」从最近的备份恢复")
NOT_SQLITE = "文件 {db} 不是承诺台账数据库（不是 SQLite 文件）。请检查路径，或用 --db 指定正确的文件。"
NEWER = "由更新版本的承诺台账创建"
RO_MOUNT = "磁盘为只读（文件夹 {folder} 所在的磁盘、光盘或U盘是只读的或写保护的）"
NO_PERMISSION = "文件夹 {folder} 没有写入权限"
FULL = "磁盘空间已满：文件夹 {folder} 所在的磁盘现在只剩"
UNTOUCHED = "数据库文件完好，本次未作任何改动"


def expected(command: str, kind: str, fault: str) -> tuple[int | tuple[int, ...], list[str]]:
    """(exit code(s), phrases the message must hold) for one command under one fault."""
    if fault in ("damaged", "not-sqlite", "future-version"):
        if command == "restore":
            return 0, []  # the way out: the bad file is moved aside (or backed up), the backup put in
        word = {"damaged": DAMAGED, "not-sqlite": NOT_SQLITE, "future-version": NEWER}[fault]
        return 2, [word]
    lock = RO_MOUNT if fault == "read-only-mount" else NO_PERMISSION if fault == "no-permission" else None
    if fault == "disk-full":
        if kind == READ:
            return (0, 1), []
        if command in ("init", "reopen"):
            return (1, 2), []  # refused for what they are (already set up; nothing to reopen) before a write
        if command == "demo":
            return 2, ["磁盘空间不足：载入 100 条承诺的演示数据约需"]
        if command in ("backup", "import", "rollover"):  # each backs up first
            return 2, ["备份失败：磁盘空间不足。备份约需 ", "所在磁盘只剩 0.0 MB", "数据库未作改动"]
        if command == "restore":
            return 2, ["恢复前要先备份当前数据库，但备份失败：磁盘空间不足。备份约需 ", "数据库未作改动"]
        return 2, [FULL, "台账没有改动"]
    assert lock is not None
    if command == "backup --to":
        return 0, []  # a ledger on a CD can still be copied to a stick
    if kind == READ:
        return (0, 1), []
    if command == "backup":
        return 2, ["备份失败：" + lock]
    if command == "restore":
        return 2, ["恢复失败：" + lock, "当前数据库未作改动"]
    return 2, ["无法修改台账：" + lock, UNTOUCHED]


@pytest.mark.parametrize("faulty", FAULTS, indirect=True)
@pytest.mark.parametrize(("command", "kind", "argv"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_fault_matrix(command, kind, argv, faulty, kit, tmp_path, request):
    fault = request.node.callspec.params["faulty"]
    out = tmp_path / "out"
    out.mkdir()
    before = faulty.read_bytes()
    neighbours = sorted(p.name for p in faulty.parent.iterdir())
    code, data, output = _invoke([*argv(kit, out), "--db", str(faulty), "--json"])
    codes, phrases = expected(command, kind, fault)
    assert code in (codes if isinstance(codes, tuple) else (codes,)), output
    message = (data or {}).get("error") or ""
    for phrase in phrases:
        assert phrase.format(folder=faulty.parent, db=faulty) in message, (phrase, output)
    assert "已损坏" not in message or fault == "damaged", output
    assert "cannot rollback" not in output and "attempt to write" not in output, output
    if command == "restore" and fault in ("damaged", "not-sqlite", "future-version"):
        kept = [p for p in faulty.parent.iterdir() if p.name.startswith(faulty.name + ".damaged-")]
        safety = list((faulty.parent / "backups").glob("*_before-restore.db"))
        if fault == "future-version":
            assert safety and not kept, output  # an intact file: backed up as usual before the copy
        else:
            assert [p.read_bytes() for p in kept if p.name.endswith(tuple("0123456789"))] == [before], output
        assert data["ok"] and "moved_aside" in data
        return
    assert faulty.read_bytes() == before, f"{command} × {fault}: the ledger's bytes changed"
    if fault in ("read-only-mount", "disk-full"):
        assert sorted(p.name for p in faulty.parent.iterdir()) == neighbours, "a file was left beside the ledger"


# ------------------------------------------------------------------ a real account without write permission


def test_a_clerk_without_write_permission_reads_and_is_told_why_not_to_write(kit):
    """Not faked: the command runs as ``nobody`` on a folder only root may write."""
    import tempfile

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run a command as another user")
    top = Path(tempfile.mkdtemp(prefix="pledgebook-perm-"))  # pytest's own folders are root-only
    try:
        os.chmod(top, 0o755)
        folder = top / "共享台账"
        folder.mkdir(mode=0o755)
        home = top / "home"
        home.mkdir(mode=0o777)
        db = folder / "ledger.db"
        shutil.copyfile(kit["db"], db)
        os.chmod(db, 0o644)
        before = db.read_bytes()
        env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home),
               "XDG_STATE_HOME": str(home)}

        def as_nobody(*args: str) -> subprocess.CompletedProcess:
            done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *PB, *args,
                                   "--db", str(db), "--json"], capture_output=True, text=True, env=env,
                                  stdin=subprocess.DEVNULL, timeout=120, cwd=top)
            if done.returncode and not done.stdout.startswith("{"):
                pytest.skip(f"nobody cannot run this Python here: {done.stderr.strip()[-300:]}")
            assert "Traceback" not in done.stderr, done.stderr
            return done

        done = as_nobody("stats")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["totals"]["pledges"] > 0
        done = as_nobody("config", "监督电话", "0879-2222222")
        assert done.returncode == 2
        assert json.loads(done.stdout)["error"].startswith(f"无法修改台账：文件夹 {folder} 没有写入权限。{UNTOUCHED}")
        assert db.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == ["ledger.db"]
    finally:
        shutil.rmtree(top, ignore_errors=True)
