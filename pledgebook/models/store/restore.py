"""Restoring a backup: check it, back up the file it replaces, copy it in, open it (migrated if older).

Above ``db`` (a restored ledger is opened, and migrated when it is older) and ``backup`` (the safety copy,
the checks); failures are :class:`~pledgebook.models.store.backup.BackupError` with a Chinese message.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pledgebook.models.store import migrations
from pledgebook.models.store.backup import (
    BackupError,
    Progress,
    backup_dir,
    backup_to_file,
    check_header,
    copy_database,
    current_db,
    explain,
    is_disk_full,
    make_private,
    rotate,
    verify_backup,
)
from pledgebook.models.store.db import close_database, open_database
from pledgebook.models.store.files import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    refuse_network_share,
    sqlite_uri,
    write_blocked,
)


@dataclass(frozen=True)
class RestoreResult:
    db: Path
    source: Path
    safety_backup: Path | None
    schema_version: int
    migrated: bool
    # a damaged or non-SQLite current file, moved aside whole (never deleted) before the backup went in
    moved_aside: tuple[Path, ...] = ()
    summary: BackupSummary | None = None  # what the backup held, as checked before it went in


def _safety_copy(target: Path, progress: Progress | None) -> Path:
    """Back up the file about to be replaced; a damaged file is copied byte for byte."""
    folder = backup_dir(target)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    copy = folder / f"{target.stem}_{stamp}_before-restore.db"
    try:
        return backup_to_file(copy, source=target, progress=progress)
    except BackupError as exc:
        if not isinstance(exc.__cause__, sqlite3.DatabaseError) or is_disk_full(exc.__cause__):
            raise
    # the current file is damaged: keep its bytes (and its -wal) as they are
    raw = folder / f"{target.stem}_{stamp}_before-restore-raw.db"
    try:
        shutil.copyfile(target, raw)
        wal = Path(str(target) + "-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(raw) + "-wal"))
        make_private(raw)
    except OSError as exc:
        raise explain(exc, folder) from exc
    return raw


def _current_is_usable(target: Path) -> bool:
    """True when ``target`` is an intact SQLite file the backup API can write into.

    False for a damaged file, one that is not SQLite at all, or another program's
    database: :func:`restore` moves such a file aside instead of writing into it.
    """
    try:
        with open(target, "rb") as fh:
            head = fh.read(100)
    except OSError:
        return True  # unreadable for another reason: the copy will say what
    if not head.startswith(b"SQLite format 3\x00"):
        return False
    # read-only, but through the WAL (a healthy ledger's latest pages, its application_id
    # even, may still be there); the empty -wal/-shm such a reader makes are taken away after
    sidecars = [Path(str(target) + sfx) for sfx in ("-wal", "-shm")]
    had = {p for p in sidecars if p.exists()}
    try:
        con = sqlite3.connect(sqlite_uri(target), uri=True)
    except sqlite3.Error:
        return False
    try:
        if con.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            return False
        return [r[0] for r in con.execute("PRAGMA quick_check").fetchall()] == ["ok"]
    except sqlite3.OperationalError as exc:
        return "malformed" not in str(exc) and "not a database" not in str(exc)
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()
        wal, shm = sidecars
        try:
            if wal not in had and wal.exists() and wal.stat().st_size == 0:
                wal.unlink()
            if shm not in had and shm.exists() and not wal.exists():
                shm.unlink()
        except OSError:
            pass  # only tidiness: SQLite ignores an empty -wal


_ASIDE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _move_aside(target: Path) -> tuple[Path, ...]:
    """Rename a damaged ledger (and its -wal/-shm/-journal) to ``<name>.damaged-<stamp>`` beside it.

    Beside the ledger, not in ``backups/``: rotation never deletes it. Returns the new names.
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = target.with_name(f"{target.name}.damaged-{stamp}")
    n = 1
    while any(Path(str(base) + sfx).exists() for sfx in _ASIDE_SUFFIXES):
        n += 1
        base = target.with_name(f"{target.name}.damaged-{stamp}-{n}")
    moved: list[Path] = []
    for sfx in _ASIDE_SUFFIXES:
        src = Path(str(target) + sfx)
        if src.exists():
            dst = Path(str(base) + sfx)
            os.replace(src, dst)
            moved.append(dst)
    return tuple(moved)


def _copy_into_new(file: Path, target: Path) -> None:
    """Put the backup at ``target`` (which does not exist): a .part file, then one rename."""
    src = sqlite3.connect(sqlite_uri(file), uri=True)
    try:
        copy_database(src, target, None, "恢复")
    finally:
        src.close()


def restore(file: Path, target: Path | None = None, *, progress: Progress | None = None) -> RestoreResult:
    """Replace the ledger at ``target`` (the open one by default) with the backup ``file``.

    Verifies the backup first (a Pledgebook file, intact, not newer than this
    program), backs up the current file, then copies the backup *into* the
    live file with the backup API, which is one transaction: a crash leaves the
    old or the new contents, and an open TUI sees one or the other. A current
    file that is damaged, not SQLite or not ours cannot take that copy: it is
    moved aside whole (``<name>.damaged-<stamp>``, kept beside it, never
    deleted) and the backup is put in its place. An older schema is migrated
    afterwards. Leaves the restored ledger open.

    The backup's check (see :func:`inspect_backup`) runs in a thread while the
    current file is checked and its safety copy written; nothing in ``target``
    changes until the check has passed, and a safety copy made for a backup
    that failed it is removed again. ``summary`` in the result is the check's.
    """
    file = Path(file)
    target = Path(target) if target is not None else current_db()
    refuse_network_share(target)
    if target.exists() and file.resolve() == target.resolve():
        raise BackupError("不能用正在使用的数据库文件恢复它自己。请选择 backups 文件夹中的一份备份。")
    check_header(file)  # what is not a Pledgebook backup at all is refused before anything is written
    had_folder = backup_dir(target).is_dir()
    with ThreadPoolExecutor(1) as pool:
        checking = pool.submit(inspect_backup, file)
        try:
            prepared = _prepare(target, progress)
        except BaseException:
            checking.result()  # a damaged backup is the first thing to say
            raise
        try:
            summary = checking.result()
        except BaseException:
            _take_back(prepared.safety, had_folder)
            raise
    version = summary.schema_version
    close_database()
    if not prepared.usable:
        moved = _replace_damaged(file, target)
        open_database(target)
        return RestoreResult(target, file, None, version, migrated=version < migrations.LATEST,
                             moved_aside=moved, summary=summary)
    _copy_into_live(file, target, prepared.safety)
    open_database(target)
    if prepared.safety is not None:
        rotate(prepared.safety.parent)
    return RestoreResult(target, file, prepared.safety, version, migrated=version < migrations.LATEST,
                         summary=summary)


def _take_back(safety: Path | None, had_folder: bool) -> None:
    """Remove the safety copy made for a backup that then failed its check (and ``backups/`` if made for it)."""
    if safety is None:
        return
    safety.unlink(missing_ok=True)
    if not had_folder:
        try:
            safety.parent.rmdir()
        except OSError:
            pass  # not empty: something else is in it


@dataclass(frozen=True)
class _Prepared:
    usable: bool  # False: the current file is moved aside, not written into
    safety: Path | None


def _prepare(target: Path, progress: Progress | None) -> _Prepared:
    """Check the current file and back it up; changes nothing in it."""
    blocked = write_blocked(target) if target.parent.is_dir() else None
    if blocked:
        raise BackupError(f"恢复失败：{blocked}，无法替换 {target}。请把台账文件夹复制到可写入的位置后再恢复。当前数据库未作改动。")
    if target.exists() and target.stat().st_size > 0 and not _current_is_usable(target):
        return _Prepared(usable=False, safety=None)
    if target.exists() and target.stat().st_size > 0:
        try:
            return _Prepared(usable=True, safety=_safety_copy(target, progress))
        except BackupError as exc:
            raise BackupError(f"恢复前要先备份当前数据库，但{exc.message}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    return _Prepared(usable=True, safety=None)


def _replace_damaged(file: Path, target: Path) -> tuple[Path, ...]:
    """Move the damaged current file aside and put the backup in its place; returns the moved names."""
    moved: tuple[Path, ...] = ()
    try:
        moved = _move_aside(target)
        _copy_into_new(file, target)
    except (OSError, sqlite3.Error) as exc:
        kept = "、".join(str(p) for p in moved)
        err = explain(exc, target.parent, "恢复")
        if moved:
            err = BackupError(f"{err.message.removesuffix('数据库未作改动。')}原来的（损坏的）文件已原样保存为 {kept}。")
        raise err from exc
    return moved


def _copy_into_live(file: Path, target: Path, safety: Path | None) -> None:
    """Copy the backup into the live file with the backup API: one transaction."""
    try:
        src = sqlite3.connect(sqlite_uri(file), uri=True)
        try:
            dst = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                dst.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError("数据库正被其他程序（如正在运行的导入）使用，暂时无法恢复。请稍后再试。当前数据未作改动。") from exc
        raise explain(exc, target.parent, "恢复") from exc
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"无法写入当前数据库 {target}（{exc}）。当前文件已备份为 {safety}；"
            f"可关闭程序后用备份文件 {file} 直接替换 {target}。"
        ) from exc
    except OSError as exc:
        raise explain(exc, target.parent, "恢复") from exc


@dataclass(frozen=True)
class BackupSummary:
    """What is inside a backup file, for the confirmation before a restore."""

    path: Path
    size: int
    schema_version: int
    county: str
    years: list[tuple[int, bool]]  # (year, closed)
    pledges: int
    modified: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "size": self.size,
            "schema_version": self.schema_version,
            "county": self.county,
            "years": [{"year": y, "closed": c} for y, c in self.years],
            "pledges": self.pledges,
            "modified": self.modified.isoformat(timespec="seconds"),
        }


def inspect_backup(path: Path) -> BackupSummary:
    """Verify ``path`` (see :func:`verify_backup`) and say what it holds. Read-only."""
    path = Path(path)
    version = verify_backup(path)
    con = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        row = con.execute("SELECT value FROM setting WHERE key = 'county_name'").fetchone()
        years = [(int(y), bool(c)) for y, c in con.execute("SELECT year, closed FROM work_year ORDER BY year")]
        pledges = con.execute("SELECT count(*) FROM pledge WHERE deleted_at IS NULL").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件 {path} 无法读取（{exc}），不能用于恢复。") from exc
    finally:
        con.close()
    stat = path.stat()
    return BackupSummary(
        path, stat.st_size, version, row[0] if row else "（未建立台账）", years, int(pledges),
        datetime.fromtimestamp(stat.st_mtime),
    )
