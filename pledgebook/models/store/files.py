"""The ledger's file on disk: where it is, whether it can be written, how SQLite is handed its path.

The bottom of the store: no peewee, no tables. ``db`` opens the ledger with these, ``backup`` copies it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath, PureWindowsPath

from pledgebook.models.core.errors import DatabaseError

APP_NAME = "pledgebook"
# PRAGMA application_id marks a file as ours ("PLBK")
APPLICATION_ID = 0x504C424B
BUSY_TIMEOUT_MS = 10_000


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "pledgebook.db"


def resolve_db_path(option: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``PLEDGEBOOK_DB``, then the platform's user data folder."""
    if option:
        return _not_a_folder(Path(option).expanduser(), "--db")
    env = os.environ.get("PLEDGEBOOK_DB")
    if env:
        return _not_a_folder(Path(env).expanduser(), "环境变量 PLEDGEBOOK_DB")
    return default_db_path()


def _not_a_folder(path: Path, given_by: str) -> Path:
    if path.is_dir():
        raise DatabaseError(f"{given_by} 指定的「{path}」是一个文件夹，不是数据库文件。请写出文件名，例如 {path / 'pledgebook.db'}")
    return path


def sqlite_uri(path: str | os.PathLike[str], *, immutable: bool = False) -> str:
    """A read-only ``file:`` URI for SQLite, for any path this program may be handed.

    ``Path.as_uri()`` puts a Windows share's server in the URI's authority
    (``file://server/share/…``), which SQLite refuses; SQLite reads a UNC path
    as ``file:////server/share/…``. ``?`` and ``#`` in a folder name are escaped.
    """
    from urllib.parse import quote

    text: str
    if isinstance(path, PureWindowsPath) or (os.name == "nt" and not isinstance(path, PurePath)):
        win = PureWindowsPath(path)
        text = str(win).replace("\\", "/")
        if not (win.drive.startswith("\\\\") or win.is_absolute()):
            text = str(PureWindowsPath(os.path.abspath(str(win)))).replace("\\", "/")
        if text.startswith("//"):
            text = "//" + text  # UNC: an empty authority, then //server/share/…
        elif not text.startswith("/"):
            text = "/" + text  # C:/… → /C:/…
    else:
        text = os.path.abspath(os.fspath(path))
    query = "?mode=ro&immutable=1" if immutable else "?mode=ro"
    # a POSIX name that is not UTF-8 reaches Python as surrogate escapes: its own bytes go into the URI
    data = text.encode("utf-8", "surrogatepass" if os.name == "nt" else "surrogateescape")
    return "file:" + quote(data, safe="/:") + query


def network_share(path: str | os.PathLike[str], *, windows: bool | None = None) -> bool:
    """True for a Windows network path: ``\\\\server\\share\\…`` (also ``\\\\?\\UNC\\…``) or a mapped network drive."""
    windows = os.name == "nt" if windows is None else windows
    if not windows:
        return False
    win = PureWindowsPath(path)
    if win.drive.startswith("\\\\") and not win.drive.startswith(("\\\\?\\", "\\\\.\\")):
        return True
    if str(win).upper().startswith("\\\\?\\UNC\\"):
        return True
    # a drive letter mapped to a share (sys.platform, not os.name: type checkers know ctypes.windll by it)
    if sys.platform == "win32" and win.drive.endswith(":"):
        import ctypes

        DRIVE_REMOTE = 4
        return bool(ctypes.windll.kernel32.GetDriveTypeW(win.drive + "\\") == DRIVE_REMOTE)
    return False


def refuse_network_share(path: str | os.PathLike[str], *, windows: bool | None = None) -> None:
    """A ledger on a network share is refused: SQLite's locking does not hold across PCs there."""
    if network_share(path, windows=windows):
        raise DatabaseError(
            f"数据库文件 {path} 在网络共享文件夹上。SQLite 数据库放在网络共享上时，两台电脑同时写入会丢失或损坏数据，"
            "因此本程序不在网络共享上打开台账。请把台账复制到本机硬盘（例如「文档」），用 --db 指定本机的文件；"
            "需要在网络上留一份时，用 pledgebook backup --to 网络文件夹 备份过去。网络共享上的文件未作改动。"
        )


def write_blocked(path: Path) -> str | None:
    """Why the ledger at ``path`` cannot be written, in Chinese, or None when it can.

    A read-only mount (CD, write-protected stick), a folder without write
    permission (SQLite needs to create its -wal/-shm/-journal files beside the
    ledger), or a read-only file. ``os.access`` answers for the user running
    the program (root passes every permission check but not a read-only mount).
    """
    folder = path.parent
    statvfs = getattr(os, "statvfs", None)
    if statvfs is not None:
        try:
            if statvfs(folder).f_flag & os.ST_RDONLY:
                return f"磁盘为只读（文件夹 {folder} 所在的磁盘、光盘或U盘是只读的或写保护的）"
        except OSError:
            pass
    if not os.access(folder, os.W_OK):
        return f"文件夹 {folder} 没有写入权限"
    if path.exists() and not os.access(path, os.W_OK):
        return f"数据库文件 {path} 是只读的（文件属性为只读，或没有写入权限）"
    return None
