"""Backups of the ledger: take, list, rotate, verify and restore (SQLite online backup API).

Files are named ``<db stem>_<yyyymmdd-hhmmss-ffffff>_<reason>.db`` and live in
``backups/`` beside the database (``archive/`` beside it holds each closed
year's copy and summary). A backup is a plain single-file database (rollback
journal, no ``-wal``), owner-only where the OS has such modes. Once a backup
has passed ``integrity_check`` its SHA-256 is kept beside it as
``<name>.db.sha256`` (:mod:`pledgebook.models.store.checked`): a later restore
hashes the file instead of checking it again, and rotation removes the two together.

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from peewee import PeeweeException

from pledgebook.models.core.errors import PledgebookError, SchemaTooNew
from pledgebook.models.store import checked, migrations, settings
from pledgebook.models.store.files import APPLICATION_ID, sqlite_uri, write_blocked
from pledgebook.models.store.tables import database, fetch_all

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "size": self.size,
            "taken_at": self.taken_at.isoformat(timespec="seconds"),
            "reason": self.reason,
            "label": self.label,
            "year": self.year,
            "cleaned": [str(p) for p in self.cleaned],
        }


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


def is_disk_full(exc: BaseException) -> bool:
    """True for a full disk (or quota), whether the OS or SQLite said it."""
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
    existing = next((p for p in (folder, *folder.parents) if p.is_dir()), None)  # backups/ may not exist yet
    return write_blocked(existing / "-") if existing is not None else None


def explain(exc: BaseException, folder: Path, what: str = "备份") -> BackupError:
    """A failed copy into ``folder`` (an OSError or sqlite3.Error) as a BackupError that says what to do."""
    blocked = _folder_blocked(folder)
    if is_disk_full(exc):
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


def make_private(path: Path) -> None:
    """Owner-only: a copy of the ledger holds personal data."""
    if os.name != "nt":  # Windows: the user profile is already private
        os.chmod(path, 0o600)


# ------------------------------------------------------------------ copying


def copy_database(src: sqlite3.Connection, target: Path, progress: Progress | None, stage: str) -> None:
    """Copy ``src`` into a new single-file database at ``target`` (via a .part file, renamed when whole)."""
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
        make_private(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(stage, 1.0)


def _open_source(path: Path) -> sqlite3.Connection:
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
            copy_database(src, target, progress, "备份")
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
    and SQLite's ``….db.part-journal`` beside it (and a check's record ``….db.sha256.part``),
    untouched for :data:`_STALE_PART_SECONDS` (a copy still running rewrites its file all the
    time). Nothing else is looked at.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for path in folder.iterdir():
        name = path.name
        base = name.removesuffix("-journal").replace(".db.sha256.part", ".db.part")
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
    found: list[BackupInfo] = []
    for path in folder.glob("*.db"):
        name = _NAME.match(path.name)
        if name is not None and name["stem"] == db.stem and (info := _info(path)) is not None:
            found.append(info)
    found.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return found


def _closed_years() -> set[int]:
    try:
        rows = fetch_all("SELECT year FROM work_year WHERE closed = 1")
    except PeeweeException as exc:  # an unreadable file: keep every backup rather than guess
        raise BackupError(f"无法读取年度信息（{exc}），未清理旧备份。") from exc
    return {int(r[0]) for r in rows}


def keep_count() -> int:
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
    removed: list[Path] = []
    for b in backups:
        if b.path not in keepers:
            try:
                b.path.unlink()
                checked.forget(b.path)
                removed.append(b.path)
            except OSError:
                continue  # in use (Windows) or read-only: try again at the next rotation
    return removed


# ------------------------------------------------------------------ verify and restore


def verify_backup(path: Path, *, full: bool = True) -> int:
    """Check that ``path`` is a readable Pledgebook database this program can open.

    Returns its schema version; raises :class:`BackupError` or
    :class:`SchemaTooNew`. Never writes to the file. After the checks of
    :func:`check_header`, ``full`` runs ``PRAGMA integrity_check`` (every page,
    every index against its table), or takes the answer of an earlier one
    whose file had exactly these bytes (same SHA-256, see
    :mod:`pledgebook.models.store.checked`); otherwise ``quick_check``.
    """
    path = Path(path)
    version = check_header(path)
    try:
        con = sqlite3.connect(sqlite_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开备份文件 {path}：{exc}") from exc
    try:
        if not (full and checked.known_good(path)):
            _check_pages(con, path, full=full)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件 {path} 已损坏或无法读取（{exc}），不能用于恢复。请换一份备份。") from exc
    finally:
        con.close()
    return version


def check_header(path: Path) -> int:
    """The quick part of :func:`verify_backup`: an SQLite file, ours, not newer, not empty. Its schema version."""
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
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件 {path} 已损坏或无法读取（{exc}），不能用于恢复。请换一份备份。") from exc
    finally:
        con.close()
    return int(version)


def _check_pages(con: sqlite3.Connection, path: Path, *, full: bool) -> None:
    """Run integrity_check (``full``) or quick_check; a passed integrity_check is remembered by its hash.

    The hash is computed beside the check, in a thread (both release the GIL), from the same bytes:
    the file's size and modification time are compared before and after.
    """
    if not full:
        result = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
    else:
        before = checked.fingerprint(path)
        with ThreadPoolExecutor(1) as pool:
            digest = pool.submit(checked.file_sha256, path)
            result = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
            hashed = digest.result()
        if result == ["ok"]:
            checked.remember(path, hashed, before, beside=_NAME.match(path.name) is not None)
    if result != ["ok"]:
        raise BackupError(f"备份文件 {path} 已损坏（{'；'.join(result[:3])}），不能用于恢复。请换一份备份。")
