"""Opening a ledger file: the pragmas, the schema version (a backup before each migration), the county.

Above ``files`` (where the file is, whether it can be written), ``backup`` and ``settings``: it uses
them, none of them uses it. The names it imports from ``files`` and ``settings`` stay importable from
here for the callers written before those modules existed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from peewee import OperationalError as PeeweeOperationalError

from pledgebook.models.core.errors import (
    DatabaseError,
    NotInitialized,
    SchemaTooNew,
    explain,
    forget_room,
    open_ledger,
)
from pledgebook.models.store import migrations
from pledgebook.models.store.files import (
    APP_NAME,
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    default_db_path,
    network_share,
    refuse_network_share,
    resolve_db_path,
    sqlite_uri,
    write_blocked,
)
from pledgebook.models.store.search import flush_if_queued
from pledgebook.models.store.settings import get_setting, set_setting
from pledgebook.models.store.tables import database, fetch_all, fetch_one

__all__ = [  # the names callers import from here, defined here or in files / settings
    "APP_NAME", "APPLICATION_ID", "BUSY_TIMEOUT_MS", "PRAGMAS", "READ_ONLY_PRAGMAS", "WHAT_TO_DO_READ_ONLY",
    "close_database", "county", "county_code_problem", "default_db_path", "fetch_packed", "get_setting",
    "is_initialized", "network_share", "open_database", "read_only_reason", "refuse_if_read_only",
    "refuse_network_share", "resolve_db_path", "set_setting", "sqlite_uri", "write_blocked",
]

PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),  # office PCs lose power; NORMAL can lose the last commit
    ("foreign_keys", 1),
    ("trusted_schema", 0),
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("cache_size", -32_000),
)


# what a reader needs and nothing that writes: no journal_mode change, no checkpoint
READ_ONLY_PRAGMAS = (
    ("foreign_keys", 1),
    ("trusted_schema", 0),
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("cache_size", -32_000),
    ("query_only", 1),
)

WHAT_TO_DO_READ_ONLY = (
    "数据库文件完好，本次未作任何改动。查看（pledgebook stats、doctor、export report、verify、打开界面）可以照常进行；"
    "要修改，请把台账所在文件夹整个复制到本机可写入的位置（例如「文档」），再用 --db 指定复制后的文件，"
    "或请管理员开放该文件夹的写入权限。"
)


def read_only_reason() -> str | None:
    """Why the open ledger was opened read-only (a sentence for the TUI and for writers), or None."""
    return open_ledger.read_only


def refuse_if_read_only(what: str = "修改台账") -> None:
    """Writers call this first: a clear 「没有写入权限」/「磁盘为只读」 message, never 「已损坏」."""
    reason = open_ledger.read_only
    if reason:
        raise DatabaseError(f"无法{what}：{reason}。{WHAT_TO_DO_READ_ONLY}")


def _pending_wal(path: Path) -> bool:
    wal = Path(str(path) + "-wal")
    try:
        return wal.stat().st_size > 0
    except OSError:
        return False


def _damage_text(text: str) -> bool:
    text = text.lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "encrypted"))


def _inspect(path: Path, *, immutable: bool = False) -> int:
    """Look at an existing file read-only; return its schema version or raise."""
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) == 0:
        return 0
    if not head.startswith(b"SQLite format 3\x00"):
        raise DatabaseError(f"文件 {path} 不是承诺台账数据库（不是 SQLite 文件）。请检查路径，或用 --db 指定正确的文件。")
    try:
        con = sqlite3.connect(sqlite_uri(path, immutable=immutable), uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"无法打开数据库文件 {path}：{exc}") from exc
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        tables = con.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and not _damage_text(str(exc)):
            # not damage: a lock, a permission, a missing -shm in a folder we cannot write
            raise (explain(exc) or DatabaseError(f"无法读取数据库文件 {path}（{exc}）。文件未作改动。")) from exc
        raise DatabaseError(
            f"数据库文件 {path} 已损坏（{exc}）。请不要继续使用它：运行「pledgebook doctor」查看，"
            "并用「pledgebook restore 备份文件」从最近的备份恢复（损坏的文件会被保留在一旁）。"
        ) from exc
    finally:
        con.close()
    if tables and app_id != APPLICATION_ID:
        raise DatabaseError(f"文件 {path} 是其他程序的 SQLite 数据库，不是承诺台账。请用 --db 指定正确的文件。")
    if version > migrations.LATEST:
        raise SchemaTooNew(str(path), version, migrations.LATEST)
    return int(version)


def open_database(
    path: str | os.PathLike[str] | None = None, *, create: bool = True, write: bool = False
) -> Path:
    """Open (and if needed create and migrate) the ledger at ``path``.

    A file written by a newer program is refused before anything touches it.
    A file that cannot be written (read-only mount, folder without write
    permission, read-only file) is opened read-only, and :func:`read_only_reason`
    says why; ``write=True`` (a command that changes the ledger) refuses such a
    file at once with that reason. A ledger on a network share is refused.
    Returns the resolved path.
    """
    forget_room()
    db_path = resolve_db_path(path)
    refuse_network_share(db_path)
    open_ledger.read_only = None
    exists = db_path.exists() and db_path.stat().st_size > 0
    blocked = write_blocked(db_path) if exists else None
    if blocked and _pending_wal(db_path):
        raise DatabaseError(
            f"无法打开数据库文件 {db_path}：{blocked}，而文件旁还有尚未写回的最新修改（{db_path.name}-wal），"
            "只有在可写入的文件夹中才能读出。数据库文件没有损坏，请不要从备份恢复。"
            f"请把 {db_path.name} 和 {db_path.name}-wal 两个文件一起复制到本机可写入的文件夹，再用 --db 打开复制后的文件。"
        )
    if exists:
        version = _inspect(db_path, immutable=bool(blocked))
    elif not create:
        raise DatabaseError(f"数据库文件 {db_path} 不存在。请先运行「pledgebook init」或「pledgebook demo」。")
    else:
        version = 0
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise (explain(exc) or DatabaseError(f"无法创建文件夹 {db_path.parent}。")) from exc
        blocked = write_blocked(db_path)
        if blocked:
            raise DatabaseError(f"无法建立数据库文件 {db_path}：{blocked}。请换一个可写入的文件夹，或用 --db 指定其他位置。")
    if blocked and write:
        raise DatabaseError(f"无法修改台账：{blocked}。{WHAT_TO_DO_READ_ONLY}")
    if blocked and version < migrations.LATEST:
        raise DatabaseError(
            f"数据库文件 {db_path} 来自旧版本（结构版本 {version}），需要先升级才能打开，而{blocked}。"
            f"数据库文件完好，未作改动。请把台账文件夹复制到本机可写入的位置后再打开（升级前会自动备份）。"
        )
    if not database.is_closed():
        database.close()
    _connect_read_only(None)
    if blocked:
        database.init(str(db_path), pragmas=READ_ONLY_PRAGMAS, timeout=BUSY_TIMEOUT_MS // 1000)
        _connect_read_only(sqlite_uri(db_path, immutable=True))
        open_ledger.read_only = blocked
    else:
        database.init(str(db_path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_MS // 1000)
    open_ledger.folder = str(db_path.parent)
    try:
        database.connect(reuse_if_open=True)
    except Exception as exc:  # peewee wraps sqlite3 errors in its own classes
        known = explain(exc)
        raise (known if known is not None else DatabaseError(f"无法打开数据库文件 {db_path}：{exc}")) from exc
    if blocked:
        return db_path
    if not exists:
        _restrict_permissions(db_path)
        database.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    if version < migrations.LATEST:
        if exists and version > 0:
            # imported here: only an upgrade needs it (and the TUI's first screen is quicker without)
            from pledgebook.models.store.backup import backup_database

            backup_database(db_path.parent / "backups", reason=f"before-schema-v{migrations.LATEST}")
        migrations.migrate(database)
    flush_if_queued()
    return db_path


def _connect_read_only(uri: str | None) -> None:
    """Make the shared peewee database connect through a read-only URI (or, with None, as usual)."""
    database.read_only_uri = uri


def fetch_packed(sql: str, columns: int, params: Sequence[object] = ()) -> list[list[Any]]:
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
        row = fetch_one(packed, params)
    except PeeweeOperationalError as exc:
        if "json" not in str(exc):
            raise
        return [list(r) for r in fetch_all(sql, params)]
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


# the provinces' two-digit prefixes of GB/T 2260 (11 北京 … 65 新疆, 71 台湾, 81 香港, 82 澳门)
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def county_code_problem(code: object, level: str = "county") -> str | None:
    """What is wrong with an administrative code, in Chinese, or None when it is plausible.

    Six ASCII digits (not full-width ５３０８２２, no space or line break), a real
    province's prefix, not a province itself; a county's code does not end in 00
    (that is a prefecture's: 530800 普洱市).
    """
    example = "例如：530822（墨江哈尼族自治县）" if level == "county" else "例如：530800（普洱市）"
    if not isinstance(code, str) or not code:
        return f"请填写6位行政区划代码，{example}"
    if len(code) != 6 or not all("0" <= c <= "9" for c in code):
        if code.strip() != code:
            return f"行政区划代码「{code.strip()}」前后有空格或换行，请只填6位数字，{example}"
        if len(code) == 6 and code.isdigit():
            return f"行政区划代码「{code}」含全角数字，请用半角数字（英文输入法）重新输入，{example}"
        return f"行政区划代码应为6位数字，{example}"
    if code[:2] not in PROVINCE_PREFIXES:
        return f"行政区划代码「{code}」的前两位 {code[:2]} 不是任何省（区、市）的代码，请核对，{example}"
    if code[2:] == "0000":
        return f"行政区划代码「{code}」是省级代码，请填写本县（区）或州（市）的6位代码，{example}"
    if level == "county" and code.endswith("00"):
        return f"行政区划代码「{code}」是州（市）级代码（末两位为 00），请填写本县（区）的代码，{example}"
    return None


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
