"""A backup's integrity_check is run once and remembered by its SHA-256; any change to the file runs it again."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from pledgebook.models.ledger import rules
from pledgebook.models.store import backup, checked, restore
from pledgebook.models.store.db import close_database


def scribble(path: Path) -> None:
    """Damage every b-tree page but the first two, keeping the size."""
    data = bytearray(path.read_bytes())
    for i in range(4096 * 2, len(data), 4096):
        data[i : i + 8] = b"\x07" * 8
    path.write_bytes(bytes(data))


def test_a_passed_check_is_recorded_beside_the_backup_with_its_hash(county):
    rules.create_pledge(county["year"], "一条承诺", org_id=county["b1"].id)
    info = backup.backup()
    mark = checked.mark_path(info.path)
    assert not mark.exists()  # a backup is not checked when it is written
    backup.verify_backup(info.path)
    digest = hashlib.sha256(info.path.read_bytes()).hexdigest()
    assert mark.read_text(encoding="ascii") == f"{digest}  {info.path.name}\n"  # as sha256sum writes it
    assert [b.path for b in backup.list_backups()] == [info.path]  # the record is not a backup


def test_a_matching_hash_stands_for_the_check_and_a_changed_byte_does_not(county, monkeypatch):
    info = backup.backup()
    backup.verify_backup(info.path)
    checked._passed.clear()  # a new process: only the record beside the file is left

    def no_check(*_a, **_k):
        raise AssertionError("integrity_check ran although the hash matched")

    with monkeypatch.context() as m:
        m.setattr(backup, "_check_pages", no_check)
        assert backup.verify_backup(info.path) >= 1
    scribble(info.path)  # same size; the record beside it is now of other bytes
    with pytest.raises(backup.BackupError) as exc:
        backup.verify_backup(info.path)
    assert "损坏" in exc.value.message


def test_a_file_not_named_as_ours_gets_no_record_beside_it(county, tmp_path):
    info = backup.backup()
    (tmp_path / "mine").mkdir()
    mine = tmp_path / "mine" / "my copy.db"
    mine.write_bytes(info.path.read_bytes())
    backup.verify_backup(mine)
    assert sorted(p.name for p in mine.parent.iterdir()) == ["my copy.db"]


def test_rotation_removes_the_record_with_its_backup(county):
    made = [backup.backup(rotate_after=False) for _ in range(3)]
    for b in made:
        backup.verify_backup(b.path)
    backup.rotate(keep=1)
    folder = made[0].path.parent
    assert sorted(p.name for p in folder.iterdir()) == sorted([made[-1].path.name, made[-1].path.name + ".sha256"])


def test_a_restore_of_a_damaged_backup_takes_its_safety_copy_back(county, tmp_path):
    info = backup.backup()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(info.path.read_bytes())
    scribble(damaged)
    before = sorted(p.name for p in info.path.parent.iterdir())
    close_database()
    with pytest.raises(backup.BackupError) as exc:
        restore.restore(damaged, county["path"])
    assert "损坏" in exc.value.message
    assert sorted(p.name for p in info.path.parent.iterdir()) == before  # no before-restore copy left


def test_restore_reports_what_the_backup_held(county):
    rules.create_pledge(county["year"], "一条承诺", org_id=county["b1"].id)
    info = backup.backup()
    result = restore.restore(info.path)
    assert result.summary is not None and result.summary.pledges >= 1
    con = sqlite3.connect(str(info.path))
    assert result.summary.schema_version == con.execute("PRAGMA user_version").fetchone()[0]
    con.close()


def test_a_record_a_kill_left_half_written_is_removed_as_a_leftover(county):
    import os
    import time

    info = backup.backup()
    stale = info.path.with_name(info.path.name + ".sha256.part")
    stale.write_text("0" * 10, encoding="ascii")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    removed = backup.remove_leftovers(info.path.parent, county["path"].stem)
    assert removed == [stale] and not stale.exists()
