"""Backups of the ledger: take, list, rotate, verify and restore (SQLite online backup API).

Files are named ``<db stem>_<yyyymmdd-hhmmss-ffffff>_<reason>.db`` and live in
``backups/`` beside the database (``archive/`` beside it holds each closed
year's copy and summary). A backup is a plain single-file database (rollback
journal, no ``-wal``), owner-only where the OS has such modes.

Everything here reports failures as :class:`BackupError` with a Chinese
message that says what to do; the live database is never touched by a
failed backup. Long copies report progress through ``progress(stage, fraction)``.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from peewee import PeeweeException

from pledgebook.models.core.errors import PledgebookError, SchemaTooNew
from pledgebook.models.store.tables import database

Progress = Callable[[str, float], None]

BACKUP_FOLDER = "backups"
ARCHIVE_FOLDER = "archive"
DEFAULT_KEEP = 20
_PAGES_PER_STEP = 4096  # 16 MB at 4 KB pages: progress without slowing the copy
_NAME = re.compile(r"^(?P<stem>.+)_(?P<stamp>\d{8}-\d{6}-\d{6})_(?P<reason>[A-Za-z0-9-]+)\.db$")
_YEAR_TAG = re.compile(r"-(?P<year>\d{4})$")
# a copy in progress rewrites its .part file every step: one untouched this long was left by a kill
_STALE_PART_SECONDS = 300

REASONS = {
    "manual": "手动备份",
    "before-rollover": "年终结转前",
    "before-reopen": "重新开启年度前",
    "before-restore": "恢复备份前",
    "before-restore-raw": "恢复备份前（原样复制）",
    "before-import": "导入前",
    "closed": "年度关闭时（归档）",
}


class BackupError(PledgebookError):
    """A backup or restore could not be done; the database is untouched."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    taken_at: datetime
    reason: str
    year: int | None  # the year a year-end backup belongs to (before-rollover-2024 → 2024)
    # temporary files a killed earlier copy left in the same folder, removed after this one succeeded
    cleaned: tuple[Path, ...] = ()

    @property
    def label(self) -> str:
        """The reason in Chinese, e.g. 「2024年度 年终结转前」."""
        base = _YEAR_TAG.sub("", self.reason)
        if base.startswith("before-schema-v"):
            text = f"升级到结构版本 {base.removeprefix('before-schema-v')} 前"
        else:
            text = REASONS.get(base, self.reason)
        return f"{self.year}年度 {text}" if self.year else text

    def as_dict(self) -> dict:
        return {
            "path": str(self.path),
            "size": self.size,
            "taken_at": self.taken_at.isoformat(timespec="seconds"),
            "reason": self.reason,
            "label": self.label,
            "year": self.year,
            "cleaned": [str(p) for p in self.cleaned],
        }


@dataclass(frozen=True)
class RestoreResult:
    db: Path
    source: Path
    safety_backup: Path | None
    schema_version: int
    migrated: bool
    # a damaged or non-SQLite current file, moved aside whole (never deleted) before the backup went in
    moved_aside: tuple[Path, ...] = ()


# ------------------------------------------------------------------ places


def current_db() -> Path:
    if database.database is None:
        raise PledgebookError("没有打开数据库。")
    return Path(database.database)


def backup_dir(db_path: Path | None = None) -> Path:
    return (db_path or current_db()).parent / BACKUP_FOLDER


def archive_dir(db_path: Path | None = None) -> Path:
    return (db_path or current_db()).parent / ARCHIVE_FOLDER


# ------------------------------------------------------------------ errors


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code == 13 or "disk is full" in str(exc)  # 13 = SQLITE_FULL


def _is_not_writable(exc: BaseException) -> bool:
    if isinstance(exc, (PermissionError, NotADirectoryError, FileExistsError, IsADirectoryError)):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return True
    text = str(exc)
    return "unable to open database file" in text or "readonly database" in text


def _folder_blocked(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (or the nearest folder above it that exists), or None."""
    from pledgebook.models.store.db import write_blocked

    existing = next((p for p in (folder, *folder.parents) if p.is_dir()), None)  # backups/ may not exist yet
    return write_blocked(existing / "-") if existing is not None else None


def explain(exc: BaseException, folder: Path, what: str = "备份") -> BackupError:
    blocked = _folder_blocked(folder)
    if _is_disk_full(exc):
        msg = f"{what}失败：磁盘空间不足（文件夹 {folder}）。请清理磁盘，或用 --to 换一个有足够空间的文件夹。数据库未作改动。"
    elif blocked:
        msg = f"{what}失败：{blocked}。请用 --to 换一个可写入的文件夹（例如U盘）。数据库未作改动。"
    elif _is_not_writable(exc):
        msg = f"{what}失败：文件夹 {folder} 无法写入（没有权限、是只读的，或同名文件占用了该位置）。请换一个文件夹。数据库未作改动。"
    else:
        msg = f"{what}失败（{exc}）：请检查磁盘空间和文件夹 {folder} 的写入权限。数据库未作改动。"
    err = BackupError(msg)
    err.__cause__ = exc
    return err


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _check_room(folder: Path, source: Path) -> None:
    """Refuse before writing when the folder obviously lacks room for a copy."""
    need = source.stat().st_size
    wal = Path(str(source) + "-wal")
    if wal.exists():
        need += wal.stat().st_size
    need += 1024 * 1024
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # cannot tell: the copy itself will say if it runs out
    if free < need:
        raise BackupError(
            f"备份失败：磁盘空间不足。备份约需 {_mb(need)}，文件夹 {folder} 所在磁盘只剩 {_mb(free)}。"
            "请清理磁盘，或用 --to 换一个文件夹。数据库未作改动。"
        )


def _private(path: Path) -> None:
    if os.name != "nt":  # Windows: the user profile is already private
        os.chmod(path, 0o600)


# ------------------------------------------------------------------ copying


def _copy(src: sqlite3.Connection, target: Path, progress: Progress | None, stage: str) -> None:
    """Copy ``src`` into a new single-file database at ``target`` (via a .part file)."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        dst = sqlite3.connect(str(partial))
        try:
            if progress is None:
                src.backup(dst)
            else:
                progress(stage, 0.0)
                src.backup(
                    dst,
                    pages=_PAGES_PER_STEP,
                    progress=lambda _s, remaining, total: progress(stage, 1 - remaining / total if total else 1.0),
                )
            # a self-contained file: no -wal beside the copy
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
        _private(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(stage, 1.0)


def _open_source(path: Path) -> sqlite3.Connection:
    from pledgebook.models.store.db import sqlite_uri, write_blocked

    if write_blocked(path):  # a ledger on a read-only disk can still be copied elsewhere
        return sqlite3.connect(sqlite_uri(path, immutable=True), uri=True)
    con = sqlite3.connect(str(path), timeout=10)
    con.execute("PRAGMA busy_timeout = 10000")
    return con


def backup_to_file(target: Path, *, source: Path | None = None, progress: Progress | None = None) -> Path:
    """Copy the ledger (the open one by default) to exactly ``target``."""
    src_path = source or current_db()
    folder = target.parent
    blocked = _folder_blocked(folder)
    if blocked:
        raise BackupError(f"备份失败：{blocked}。请用 --to 换一个可写入的文件夹（例如U盘）。数据库未作改动。")
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise explain(exc, folder) from exc
    try:
        _check_room(folder, src_path)
        src = _open_source(src_path)
        try:
            _copy(src, target, progress, "备份")
        finally:
            src.close()
    except (OSError, sqlite3.Error) as exc:
        _remove_empty(made)
        raise explain(exc, folder) from exc
    except BackupError:
        _remove_empty(made)
        raise
    return target


def _remove_empty(folders: list[Path]) -> None:
    """A failed backup takes away the folders it made (``backups/`` on a full disk): nothing left behind."""
    for folder in folders:  # the deepest first
        try:
            folder.rmdir()
        except OSError:
            return


def backup(
    to: Path | None = None,
    reason: str = "manual",
    *,
    progress: Progress | None = None,
    rotate_after: bool = True,
) -> BackupInfo:
    """Back up the open ledger into ``to`` (default: ``backups/`` beside it) and return the new file.

    Consistent while other connections write (the backup API copies one
    snapshot). Backups into the default folder are rotated afterwards.
    """
    if not re.fullmatch(r"[A-Za-z0-9-]+", reason):
        raise ValueError(f"reason must be an ASCII slug: {reason!r}")
    src_path = current_db()
    folder = Path(to) if to is not None else backup_dir(src_path)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{src_path.stem}_{stamp}_{reason}.db"
    while target.exists():  # two backups in the same microsecond: wait for the next
        time.sleep(0.001)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = folder / f"{src_path.stem}_{stamp}_{reason}.db"
    backup_to_file(target, source=src_path, progress=progress)
    if to is None and rotate_after:
        rotate(folder)
    cleaned = remove_leftovers(folder, src_path.stem, keep=target)
    info = _info(target)
    assert info is not None
    return dataclasses.replace(info, cleaned=tuple(cleaned))


def remove_leftovers(folder: Path, stem: str, *, keep: Path | None = None) -> list[Path]:
    """Remove what a killed copy of this ledger left in ``folder``; returns the files removed.

    Only our own temporary files, by their exact names: ``<stem>_<stamp>_<reason>.db.part``
    and SQLite's ``….db.part-journal`` beside it, untouched for :data:`_STALE_PART_SECONDS`
    (a copy still running rewrites its file all the time). Nothing else is looked at.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for path in folder.iterdir():
        name = path.name
        base = name.removesuffix("-journal")
        if not base.endswith(".db.part"):
            continue
        m = _NAME.match(base.removesuffix(".part"))
        if m is None or m["stem"] != stem or (keep is not None and base == keep.name + ".part"):
            continue
        try:
            if path.is_file() and now - path.stat().st_mtime > _STALE_PART_SECONDS:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # in use (Windows) or read-only: the next run tries again
    return sorted(removed)


def backup_database(folder: Path, reason: str = "manual") -> Path:
    """Back up the open ledger into ``folder`` (kept for callers of the first version)."""
    return backup(folder, reason, rotate_after=False).path


# ------------------------------------------------------------------ listing and rotation


def _info(path: Path) -> BackupInfo | None:
    m = _NAME.match(path.name)
    if m is None:
        return None
    try:
        taken = datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S-%f")
        size = path.stat().st_size
    except (ValueError, OSError):
        return None
    year = _YEAR_TAG.search(m["reason"])
    return BackupInfo(path, size, taken, m["reason"], int(year["year"]) if year else None)


def list_backups(folder: Path | None = None, *, db_path: Path | None = None) -> list[BackupInfo]:
    """The backups of this ledger in ``folder`` (default: ``backups/`` beside it), newest first."""
    db = db_path or current_db()
    folder = folder or backup_dir(db)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.db"):
        info = _info(path)
        if info is not None and _NAME.match(path.name)["stem"] == db.stem:  # type: ignore[index]
            found.append(info)
    found.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return found


def _closed_years() -> set[int]:
    try:
        rows = database.execute_sql("SELECT year FROM work_year WHERE closed = 1").fetchall()
    except PeeweeException as exc:  # an unreadable file: keep every backup rather than guess
        raise BackupError(f"无法读取年度信息（{exc}），未清理旧备份。") from exc
    return {int(r[0]) for r in rows}


def keep_count() -> int:
    from pledgebook.models.store import settings

    try:
        return settings.get_int("backup_keep")
    except (ValueError, KeyError):
        return DEFAULT_KEEP


def rotate(folder: Path | None = None, keep: int | None = None) -> list[Path]:
    """Delete old backups: keep the newest ``keep`` (setting 保留备份份数, default 20)
    plus the newest backup tagged with each closed year. Returns the files removed."""
    db = current_db()
    folder = folder or backup_dir(db)
    keep = keep if keep is not None else keep_count()
    backups = list_backups(folder, db_path=db)
    closed = _closed_years()
    keepers = {b.path for b in backups[:keep]}
    seen_years: set[int] = set()
    for b in backups:  # newest first: the first one seen per closed year stays
        if b.year in closed and b.year not in seen_years:
            keepers.add(b.path)
            seen_years.add(b.year)
    removed = []
    for b in backups:
        if b.path not in keepers:
            try:
                b.path.unlink()
                removed.append(b.path)
            except OSError:
                continue  # in use (Windows) or read-only: try again at the next rotation
    return removed


# ------------------------------------------------------------------ verify and restore


def verify_backup(path: Path, *, full: bool = True) -> int:
    """Check that ``path`` is a readable Pledgebook database this program can open.

    Returns its schema version; raises :class:`BackupError` or
    :class:`SchemaTooNew`. Never writes to the file.
    """
    from pledgebook.models.store import migrations
    from pledgebook.models.store.db import APPLICATION_ID, sqlite_uri

    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}。")
    with open(path, "rb") as fh:
        head = fh.read(100)
    if not head.startswith(b"SQLite format 3\x00"):
        raise BackupError(f"文件 {path} 不是承诺台账的备份（不是 SQLite 数据库文件）。未作任何改动。")
    try:
        con = sqlite3.connect(sqlite_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开备份文件 {path}：{exc}") from exc
    try:
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise BackupError(f"文件 {path} 是其他程序的 SQLite 数据库，不是承诺台账的备份。未作任何改动。")
        if version > migrations.LATEST:
            raise SchemaTooNew(str(path), version, migrations.LATEST)
        if version < 1:
            raise BackupError(f"文件 {path} 是一个空的承诺台账文件，没有可恢复的数据。")
        pragma = "integrity_check" if full else "quick_check"
        result = [r[0] for r in con.execute(f"PRAGMA {pragma}").fetchall()]
        if result != ["ok"]:
            raise BackupError(f"备份文件 {path} 已损坏（{'；'.join(result[:3])}），不能用于恢复。请换一份备份。")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件 {path} 已损坏或无法读取（{exc}），不能用于恢复。请换一份备份。") from exc
    finally:
        con.close()
    return int(version)


def _safety_copy(target: Path, progress: Progress | None) -> Path:
    """Back up the file about to be replaced; a damaged file is copied byte for byte."""
    folder = backup_dir(target)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    copy = folder / f"{target.stem}_{stamp}_before-restore.db"
    try:
        return backup_to_file(copy, source=target, progress=progress)
    except BackupError as exc:
        if not isinstance(exc.__cause__, sqlite3.DatabaseError) or _is_disk_full(exc.__cause__):
            raise
    # the current file is damaged: keep its bytes (and its -wal) as they are
    raw = folder / f"{target.stem}_{stamp}_before-restore-raw.db"
    try:
        shutil.copyfile(target, raw)
        wal = Path(str(target) + "-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(raw) + "-wal"))
        _private(raw)
    except OSError as exc:
        raise explain(exc, folder) from exc
    return raw


def _current_is_usable(target: Path) -> bool:
    """True when ``target`` is an intact SQLite file the backup API can write into.

    False for a damaged file, one that is not SQLite at all, or another program's
    database: :func:`restore` moves such a file aside instead of writing into it.
    """
    from pledgebook.models.store.db import APPLICATION_ID, sqlite_uri

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
    moved = []
    for sfx in _ASIDE_SUFFIXES:
        src = Path(str(target) + sfx)
        if src.exists():
            dst = Path(str(base) + sfx)
            os.replace(src, dst)
            moved.append(dst)
    return tuple(moved)


def _copy_into_new(file: Path, target: Path) -> None:
    """Put the backup at ``target`` (which does not exist): a .part file, then one rename."""
    from pledgebook.models.store.db import sqlite_uri

    src = sqlite3.connect(sqlite_uri(file), uri=True)
    try:
        _copy(src, target, None, "恢复")
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
    """
    from pledgebook.models.store import migrations
    from pledgebook.models.store.db import (
        BUSY_TIMEOUT_MS,
        close_database,
        open_database,
        refuse_network_share,
        sqlite_uri,
        write_blocked,
    )

    file = Path(file)
    target = Path(target) if target is not None else current_db()
    refuse_network_share(target)
    if target.exists() and file.resolve() == target.resolve():
        raise BackupError("不能用正在使用的数据库文件恢复它自己。请选择 backups 文件夹中的一份备份。")
    version = verify_backup(file)
    blocked = write_blocked(target) if target.parent.is_dir() else None
    if blocked:
        raise BackupError(f"恢复失败：{blocked}，无法替换 {target}。请把台账文件夹复制到可写入的位置后再恢复。当前数据库未作改动。")
    close_database()
    safety = None
    moved: tuple[Path, ...] = ()
    if target.exists() and target.stat().st_size > 0 and not _current_is_usable(target):
        try:
            moved = _move_aside(target)
            _copy_into_new(file, target)
        except (OSError, sqlite3.Error) as exc:
            kept = "、".join(str(p) for p in moved)
            err = explain(exc, target.parent, "恢复")
            if moved:
                err = BackupError(f"{err.message.removesuffix('数据库未作改动。')}原来的（损坏的）文件已原样保存为 {kept}。")
            raise err from exc
        open_database(target)
        return RestoreResult(target, file, None, version, migrated=version < migrations.LATEST, moved_aside=moved)
    if target.exists() and target.stat().st_size > 0:
        try:
            safety = _safety_copy(target, progress)
        except BackupError as exc:
            raise BackupError(f"恢复前要先备份当前数据库，但{exc.message}") from exc
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
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
    open_database(target)
    if safety is not None:
        rotate(safety.parent)
    return RestoreResult(target, file, safety, version, migrated=version < migrations.LATEST)


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

    def as_dict(self) -> dict:
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
    from pledgebook.models.store.db import sqlite_uri

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
