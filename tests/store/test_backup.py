"""Backups: take, list, rotate, restore; refusals; full disks and unwritable folders."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pledgebook import yearend as rollover
from pledgebook.cli import app
from pledgebook.models.core.errors import SchemaTooNew
from pledgebook.models.ledger import rules
from pledgebook.models.store import backup, migrations, restore
from pledgebook.models.store.db import APPLICATION_ID, close_database, open_database
from pledgebook.models.store.tables import Pledge, database

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    close_database()
    return result


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_and_restore_round_trip(county):
    y = county["year"]
    keep = rules.create_pledge(y, "备份前的承诺", org_id=county["b1"].id)
    info = backup.backup()
    assert info.path.parent == county["path"].parent / "backups" and info.reason == "manual"
    assert info.size > 0 and backup.verify_backup(info.path) == migrations.LATEST
    assert not Path(str(info.path) + "-wal").exists()  # a backup is one self-contained file
    assert backup.list_backups()[0].path == info.path

    later = rules.create_pledge(y, "备份后的承诺", org_id=county["b1"].id)
    result = restore.restore(info.path)
    assert result.db == county["path"] and result.safety_backup is not None and not result.migrated
    ids = {p.id for p in Pledge.select()}
    assert keep.id in ids and later.id not in ids
    # the file restored is live: WAL, writable, and rules work on it
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    rules.create_pledge(y, "恢复后的承诺", org_id=county["b1"].id)
    # the safety copy holds what was there before the restore
    con = sqlite3.connect(str(result.safety_backup))
    assert con.execute("SELECT count(*) FROM pledge WHERE content = '备份后的承诺'").fetchone()[0] == 1
    con.close()
    assert any(b.reason == "before-restore" for b in backup.list_backups())


def test_backup_is_consistent_while_another_connection_writes(county):
    other = sqlite3.connect(str(county["path"]), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE setting SET value = 'half-written' WHERE key = 'county_name'")
    info = backup.backup()
    other.execute("ROLLBACK")
    other.close()
    con = sqlite3.connect(str(info.path))
    assert con.execute("SELECT value FROM setting WHERE key = 'county_name'").fetchone()[0] == "墨江哈尼族自治县"
    con.close()


def test_restore_refuses_what_is_not_a_pledgebook_database(county, tmp_path):
    live = county["path"]
    text = tmp_path / "notes.db"
    text.write_text("这不是数据库", encoding="utf-8")
    other = tmp_path / "other.db"
    con = sqlite3.connect(str(other))
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    empty = tmp_path / "empty.db"
    sqlite3.connect(str(empty)).execute(f"PRAGMA application_id = {APPLICATION_ID}").connection.close()
    close_database()
    digest = sha(live)
    for bad, words in ((text, "不是 SQLite"), (other, "其他程序"), (tmp_path / "missing.db", "找不到")):
        with pytest.raises(backup.BackupError) as exc:
            restore.restore(bad, live)
        assert words in exc.value.message
    assert sha(live) == digest
    assert not (live.parent / "backups").exists()  # refused before anything was written
    result = invoke("restore", str(other), "--db", str(live), "--yes")
    assert result.exit_code == 2 and "其他程序" in result.output
    assert sha(live) == digest


def test_restore_refuses_a_newer_schema(county, tmp_path):
    info = backup.backup()
    newer = tmp_path / "newer.db"
    newer.write_bytes(info.path.read_bytes())
    con = sqlite3.connect(str(newer))
    con.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    con.commit()
    con.close()
    close_database()
    digest = sha(county["path"])
    with pytest.raises(SchemaTooNew):
        restore.restore(newer, county["path"])
    assert sha(county["path"]) == digest
    result = invoke("restore", str(newer), "--db", str(county["path"]), "--yes", "--json")
    assert result.exit_code == 2 and "更新版本" in json.loads(result.output)["error"]


def test_restore_refuses_a_damaged_backup(county, tmp_path):
    info = backup.backup()
    damaged = tmp_path / "damaged.db"
    data = bytearray(info.path.read_bytes())
    for i in range(4096 * 2, len(data), 4096):  # scribble over every page but the first two
        data[i : i + 8] = b"\x07" * 8  # not a valid b-tree page header
    damaged.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError) as exc:
        backup.verify_backup(damaged)
    assert "损坏" in exc.value.message


def test_rotation_keeps_the_last_n_and_one_per_closed_year(county):
    y = county["year"]
    rules.create_pledge(y, "一条承诺", org_id=county["b1"].id)
    tagged = backup.backup(reason=f"before-rollover-{y}", rotate_after=False)
    made = [backup.backup(reason="manual", rotate_after=False) for _ in range(5)]
    removed = backup.rotate(keep=3)
    left = {b.path for b in backup.list_backups()}
    # the year is still open: its tagged backup is just an old one
    assert left == {b.path for b in made[-3:]} and tagged.path in removed
    tagged = backup.backup(reason=f"before-rollover-{y}", rotate_after=False)
    made = [backup.backup(reason="manual", rotate_after=False) for _ in range(4)]
    rules.close_year(y)
    backup.rotate(keep=2)
    left = {b.path for b in backup.list_backups()}
    assert left == {made[-1].path, made[-2].path, tagged.path}


def test_rotation_follows_the_setting(county):
    from pledgebook.models.store import settings

    settings.set_value("backup_keep", "2")
    for _ in range(4):
        backup.backup()
    assert len(backup.list_backups()) == 2


def test_a_full_disk_is_refused_before_writing(county, monkeypatch):
    import shutil as shutil_mod

    class Usage:
        total = used = 10**9
        free = 1000

    monkeypatch.setattr(shutil_mod, "disk_usage", lambda _p: Usage)
    with pytest.raises(backup.BackupError) as exc:
        backup.backup()
    assert "磁盘空间不足" in exc.value.message and "数据库未作改动" in exc.value.message
    assert backup.list_backups() == []


def test_a_disk_that_fills_during_the_copy(county, monkeypatch):
    def full(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "copy_database", full)
    digest_rows = Pledge.select().count()
    with pytest.raises(backup.BackupError) as exc:
        backup.backup()
    assert "磁盘空间不足" in exc.value.message
    assert Pledge.select().count() == digest_rows
    assert not list((county["path"].parent / "backups").glob("*.part"))


def test_an_unwritable_folder_is_explained(county, tmp_path):
    blocker = tmp_path / "stick"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(backup.BackupError) as exc:
        backup.backup(blocker / "backups")
    assert "无法写入" in exc.value.message
    close_database()
    result = invoke("backup", "--to", str(blocker / "x"), "--db", str(county["path"]))
    assert result.exit_code == 2 and "无法写入" in result.output


def test_a_failed_backup_stops_the_rollover_and_leaves_the_file_alone(county):
    y = county["year"]
    p = rules.create_pledge(y, "未完成的承诺", org_id=county["b1"].id)
    rules.record_evaluation(p.id, "自评", grade="好", date=date(y, 6, 1))
    (county["path"].parent / "backups").write_text("not a folder", encoding="utf-8")
    close_database()
    digest = sha(county["path"])
    open_database(county["path"])
    with pytest.raises(backup.BackupError):
        rollover.rollover(y)
    assert not rules.year_state(y).closed
    close_database()
    assert sha(county["path"]) == digest


def test_backup_commands(county, tmp_path):
    close_database()
    db = str(county["path"])
    result = invoke("backup", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    first = json.loads(result.output)
    assert Path(first["path"]).exists() and first["reason"] == "manual"
    result = invoke("backup", "--db", db, "--to", str(tmp_path / "U盘"))
    assert result.exit_code == 0 and "已备份" in result.output
    assert len(list((tmp_path / "U盘").glob("*.db"))) == 1
    result = invoke("backup", "list", "--db", db, "--json")
    listing = json.loads(result.output)
    assert [b["path"] for b in listing["backups"]] == [first["path"]] and listing["keep"] == 20
    result = invoke("backup", "list", "--db", db)
    assert result.exit_code == 0 and "手动备份" in result.output
    result = invoke("restore", first["path"], "--db", db)
    assert result.exit_code == 2 and "--yes" in result.output
    result = invoke("restore", first["path"], "--db", db, "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["backup"]["county"] == "墨江哈尼族自治县" and Path(data["safety_backup"]).exists()


def test_restore_of_an_older_schema_migrates_it(county, tmp_path):
    info = backup.backup()
    old = tmp_path / "v1.db"
    old.write_bytes(info.path.read_bytes())
    con = sqlite3.connect(str(old))
    # undo every step after the first: drop whatever schema step 1 did not create
    import re

    keep = set(re.findall(r'CREATE (?:UNIQUE )?(?:TABLE|INDEX) "(\w+)"', migrations.V1_SCHEMA))
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    for kind in ("index", "table"):
        rows = con.execute("SELECT name FROM sqlite_master WHERE type = ? AND sql IS NOT NULL", (kind,)).fetchall()
        for (name,) in rows:
            exists = con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            if name not in keep and exists:
                con.execute(f'DROP {kind.upper()} "{name}"')
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    result = restore.restore(old)
    assert result.migrated and result.schema_version == 1
    assert migrations.schema_version(database) == migrations.LATEST
