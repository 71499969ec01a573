"""Opening a ledger file: where it lives, the pragmas, the schema version and settings."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from peewee import OperationalError as PeeweeOperationalError

from pledgebook.models import migrations
from pledgebook.models.errors import DatabaseError, NotInitialized, SchemaTooNew
from pledgebook.models.tables import Setting, database

APP_NAME = "pledgebook"
# PRAGMA application_id marks a file as ours ("PLBK")
APPLICATION_ID = 0x504C424B
BUSY_TIMEOUT_MS = 10_000

PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),  # office PCs lose power; NORMAL can lose the last commit
    ("foreign_keys", 1),
    ("trusted_schema", 0),
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("cache_size", -32_000),
)


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "pledgebook.db"


def resolve_db_path(option: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``PLEDGEBOOK_DB``, then the platform's user data folder."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("PLEDGEBOOK_DB")
    if env:
        return Path(env).expanduser()
    return default_db_path()


def _inspect(path: Path) -> int:
    """Look at an existing file read-only; return its schema version or raise."""
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) == 0:
        return 0
    if not head.startswith(b"SQLite format 3\x00"):
        raise DatabaseError(f"文件 {path} 不是承诺台账数据库（不是 SQLite 文件）。请检查路径，或用 --db 指定正确的文件。")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"无法打开数据库文件 {path}：{exc}") from exc
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        tables = con.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"数据库文件 {path} 已损坏或无法读取（{exc}）。请从备份恢复。") from exc
    finally:
        con.close()
    if tables and app_id != APPLICATION_ID:
        raise DatabaseError(f"文件 {path} 是其他程序的 SQLite 数据库，不是承诺台账。请用 --db 指定正确的文件。")
    if version > migrations.LATEST:
        raise SchemaTooNew(str(path), version, migrations.LATEST)
    return int(version)


def open_database(path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Path:
    """Open (and if needed create and migrate) the ledger at ``path``.

    A file written by a newer program is refused before anything touches it.
    Returns the resolved path.
    """
    db_path = resolve_db_path(path)
    exists = db_path.exists() and db_path.stat().st_size > 0
    if exists:
        version = _inspect(db_path)
    elif not create:
        raise DatabaseError(f"数据库文件 {db_path} 不存在。请先运行「pledgebook init」或「pledgebook demo」。")
    else:
        version = 0
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"无法创建文件夹 {db_path.parent}：{exc.strerror}。请检查路径和权限。") from exc
    if not database.is_closed():
        database.close()
    database.init(str(db_path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        database.connect(reuse_if_open=True)
    except Exception as exc:  # peewee wraps sqlite3 errors in its own classes
        raise DatabaseError(f"无法打开数据库文件 {db_path}：{exc}") from exc
    if not exists:
        _restrict_permissions(db_path)
        database.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    if version < migrations.LATEST:
        if exists and version > 0:
            from pledgebook.models.backup import backup_database

            backup_database(db_path.parent / "backups", reason=f"before-schema-v{migrations.LATEST}")
        migrations.migrate(database)
    from pledgebook.models.search import flush_if_queued

    flush_if_queued()
    return db_path


def fetch_packed(sql: str, columns: int, params: Sequence[Any] = ()) -> list[list[Any]]:
    """All rows of a ``columns``-column SELECT, read in one SQLite step, as lists; no order.

    Each step of a cursor gives Python's GIL away and takes it back; a thread
    reading thousands of rows while the UI thread is busy (Textual drawing)
    waits for the GIL once per row — seconds instead of milliseconds. Packed
    as one JSON string, the whole query runs with the GIL released. Without
    SQLite's JSON functions, the rows are read one by one as usual.
    """
    names = ", ".join(f"c{i}" for i in range(columns))
    packed = f"WITH t({names}) AS ({sql}) SELECT json_group_array(json_array({names})) FROM t"
    try:
        row = database.execute_sql(packed, params).fetchone()
    except PeeweeOperationalError as exc:
        if "json" not in str(exc):
            raise
        return [list(r) for r in database.execute_sql(sql, params).fetchall()]
    return json.loads(row[0]) if row and row[0] else []


def close_database() -> None:
    if not database.is_closed():
        database.close()


def _restrict_permissions(path: Path) -> None:
    """The ledger holds personal data: owner-only where the OS has such modes."""
    if os.name == "nt":  # the user profile folder is already private on Windows
        return
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass  # a file system without modes (FAT stick): nothing more we can do


def get_setting(key: str, default: str | None = None) -> str | None:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else default


def set_setting(key: str, value: str) -> None:
    Setting.insert(key=key, value=value).on_conflict_replace().execute()


def county() -> dict[str, str]:
    """The county (or prefecture) this file belongs to; raises NotInitialized."""
    name = get_setting("county_name")
    if not name:
        raise NotInitialized()
    return {
        "name": name,
        "code": get_setting("county_code", "") or "",
        "level": get_setting("level", "county") or "county",
    }


def is_initialized() -> bool:
    return bool(get_setting("county_name"))
