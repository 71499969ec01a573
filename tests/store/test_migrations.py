"""Opening files: the schema version, migrations on a populated old file, refusing newer files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pledgebook.models.core.errors import DatabaseError, SchemaTooNew
from pledgebook.models.store import migrations
from pledgebook.models.store.db import APPLICATION_ID, close_database, open_database


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def test_fresh_file_is_at_latest_version_with_pragmas(db_path):
    from pledgebook.models.store.tables import database

    assert migrations.schema_version(database) == migrations.LATEST
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert database.execute_sql("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_indexes_that_others_cover_are_dropped(db_path):
    from pledgebook.models.store.tables import database

    names = {r[0] for r in database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not names & {"pledge_year_org_id", "help_log_org_id"}
    assert {"pledge_year", "pledge_year_status", "pledge_year_due", "pledge_figures", "help_log_figures"} <= names
    plan = " ".join(r[3] for r in database.execute_sql(
        "EXPLAIN QUERY PLAN SELECT org_id, count(*) FROM pledge WHERE year = 2026 AND org_id = 5 GROUP BY org_id"))
    assert "pledge_figures" in plan


def test_old_populated_file_is_migrated_keeping_every_row(tmp_path):
    """A file at schema version 1 with a county in it upgrades to the latest, rows intact."""
    from pledgebook.demo.pledges import build_demo
    from pledgebook.models.store.tables import database

    path = tmp_path / "old.db"
    # build a version-1 file: the first step only, then a county's worth of rows
    open_database(path)
    close_database()
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.commit()
    con.close()
    database.init(str(path), pragmas=(("foreign_keys", 1),))
    migrations.migrate(database, target=1)
    build_demo(total_pledges=1_000, seed=3)
    database.close()
    before = _counts(path)
    assert before["pledge"] == 1_000

    open_database(path)
    try:
        assert migrations.schema_version(database) == migrations.LATEST
        after = _counts(path)
        assert {t: after[t] for t in before} == before
        assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the old file was backed up before it was changed
        assert list((tmp_path / "backups").glob("*before-schema*.db"))
    finally:
        close_database()


def test_newer_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "newer.db"
    open_database(path)
    close_database()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {migrations.LATEST + 5}")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match="更新版本"):
        open_database(path)
    assert path.read_bytes() == before


def test_not_a_database_and_a_foreign_database_are_refused(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("这不是数据库", encoding="utf-8")
    with pytest.raises(DatabaseError, match="不是 SQLite"):
        open_database(text)
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="其他程序"):
        open_database(other)


def test_missing_file_without_create(tmp_path):
    with pytest.raises(DatabaseError, match="不存在"):
        open_database(tmp_path / "nope.db", create=False)


def test_default_path_comes_from_platformdirs_and_env_overrides(tmp_path, monkeypatch):
    from pledgebook.models.store.db import default_db_path, resolve_db_path

    default = default_db_path()
    assert default.name == "pledgebook.db" and "pledgebook" in str(default.parent)
    # the autouse fixture points the user data folder into a temp place
    import os
    import sys

    if sys.platform.startswith("linux"):
        assert str(default).startswith(os.environ["XDG_DATA_HOME"])
    assert resolve_db_path(None) == default
    monkeypatch.setenv("PLEDGEBOOK_DB", str(tmp_path / "env.db"))
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert resolve_db_path(tmp_path / "opt.db") == tmp_path / "opt.db"
