"""Errors the core raises for a person to read. Messages are in Chinese and say what to do."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3

from pledgebook.models.core import sharing


class PledgebookError(Exception):
    """Base: a problem a user can understand and fix. ``str(e)`` is the message."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(PledgebookError):
    """A value a user gave is not acceptable. ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ValidationErrors(PledgebookError):
    """Several fields are wrong at once; ``errors`` maps field -> message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


class YearClosed(PledgebookError):
    def __init__(self, year: int):
        super().__init__(f"{year}年度已关闭，只能查看，不能修改。如确需修改，请先由管理员执行「重新开启年度」。")
        self.year = year


class NotFound(PledgebookError):
    pass


class DatabaseError(PledgebookError):
    """The database file cannot be used (newer version, not a Pledgebook file, locked, damaged)."""


class SchemaTooNew(DatabaseError):
    def __init__(self, path: str, found: int, supported: int):
        super().__init__(
            f"数据库文件 {path} 由更新版本的承诺台账创建（结构版本 {found}，本程序支持到 {supported}）。"
            "为保护数据，本程序不会打开或修改它。请升级承诺台账后再打开。"
        )
        self.found = found
        self.supported = supported


class NotInitialized(PledgebookError):
    def __init__(self) -> None:
        super().__init__("尚未建立县（区）台账。请先运行「pledgebook init」建立，或运行「pledgebook demo」载入演示数据。")


class _Room:
    """What the running operation needs on which disk, told by the command before it writes (see expect_room)."""

    folder: object | None = None
    need: int = 0
    what: str = ""


class _OpenLedger:
    """The ledger the store has open, told by the store on every open (``store.db.open_database``): its
    folder, where a full disk is looked at when the error does not say, and why it could only be opened
    read-only (a sentence), or None. The core never reaches up into the store for either."""

    folder: str | None = None
    read_only: str | None = None


_room = _Room()
open_ledger = _OpenLedger()


def expect_room(folder: object, need: int, what: str) -> None:
    """Say, before a long write, how much room ``what`` needs in ``folder``: a full disk's message then tells."""
    _room.folder, _room.need, _room.what = folder, int(need), what


def forget_room() -> None:
    """A new command (a new open of the ledger): the last one's room is no longer what is needed."""
    _room.folder, _room.need, _room.what = None, 0, ""


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def disk_full(where: object | None = None) -> DatabaseError:
    """「磁盘空间已满」: where, how much is left, how much the operation needs, and that the ledger is untouched."""
    folder = _room.folder or where or open_ledger.folder
    parts = ["磁盘空间已满"]
    if folder is not None:
        parts.append(f"：文件夹 {folder} 所在的磁盘")
        try:
            parts.append(f"现在只剩 {_mb(shutil.disk_usage(str(folder)).free)}")
        except OSError:
            pass
    if _room.need:
        parts.append(f"，{_room.what or '本次操作'}约需 {_mb(_room.need)}")
    return DatabaseError(
        "".join(parts) + "。本次操作没有完成，台账没有改动（写入在同一个事务中，已整体撤销）。"
        "请清理该磁盘（或换一个空间足够的文件夹、U盘）后重试。"
    )


def _read_only_text() -> str:
    return open_ledger.read_only or "数据库文件是只读的，或它所在的文件夹没有写入权限、磁盘为只读（写保护）"


def explain(exc: BaseException) -> PledgebookError | None:
    """A clear message for an error SQLite or the OS raised underneath the core, or None if it is not one we know.

    Used where a face turns errors into messages (the CLI's ``handle_errors``,
    the TUI's thread workers): "database is locked", a full disk, a damaged or
    read-only file must never reach a person as a traceback. Every write runs
    in a transaction, so when one of these is raised nothing was half-written.
    """
    text = str(exc).lower()
    kept = "本次操作没有完成，台账中没有写入不完整的内容。"
    if "cannot rollback" in text or "cannot commit" in text:
        # SQLite rolled the transaction back itself (a full disk, an I/O error); the rollback that
        # followed found none: the first error is the one to tell
        inner = exc.__context__ or exc.__cause__
        if inner is not None and inner is not exc:
            told = explain(inner)
            if told is not None:
                return told
        return DatabaseError(f"写入数据库时出错，SQLite 已撤销本次写入。{kept}请检查磁盘空间和磁盘后重试。")
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        where = f"（{exc.filename}）" if getattr(exc, "filename", None) else ""
        held = sharing.held_open(exc)
        if held is not None:  # Windows: Excel/WPS has the file open (winerror 32/33), not a write-protected stick
            name = f"（{held}）" if held else where
            return DatabaseError(f"{sharing.IN_USE}{name}。{kept}关闭该文件后重试。")
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return disk_full(os.path.dirname(exc.filename) if getattr(exc, "filename", None) else None)
        if exc.errno == errno.ENAMETOOLONG:
            return DatabaseError(f"文件路径太长{where}，无法使用。{kept}请换一个较短的文件夹或文件名。")
        if exc.errno == errno.EROFS:
            return DatabaseError(f"磁盘为只读{where}，无法写入。{kept}请换一个可写入的文件夹或U盘（U盘请检查写保护开关）。")
        if exc.errno in (errno.EACCES, errno.EPERM):
            return DatabaseError(f"没有写入权限{where}：{exc.strerror}。{kept}请检查文件是否只读、U盘是否写保护。")
        return DatabaseError(f"读写文件出错{where}：{exc.strerror or exc}。{kept}请检查磁盘或U盘后重试。")
    module = type(exc).__module__
    if not (isinstance(exc, sqlite3.Error) or module == "peewee"):
        # a library's own error wrapping the OS's (xlsxwriter's FileCreateError(OSError) …)
        for inner in (*getattr(exc, "args", ())[:1], exc.__cause__, exc.__context__):
            if isinstance(inner, (OSError, sqlite3.Error)) and inner is not exc:
                return explain(inner)
        return None
    if "locked" in text or "busy" in text:
        return DatabaseError(f"数据库正被其他程序使用（例如正在导入，或界面正在保存），等待多时仍未释放。{kept}请稍后再试。")
    if "full" in text:
        return disk_full()
    if "readonly" in text or "read-only" in text:
        return DatabaseError(f"无法写入台账：{_read_only_text()}。数据库文件完好，{kept}"
                             "请把台账文件夹复制到可写入的位置后用 --db 指定，或请管理员开放写入权限。")
    if "unable to open" in text:
        return DatabaseError(f"无法打开数据库文件（{exc}）：请检查文件是否存在、所在文件夹是否有读写权限。文件未作改动。")
    if "malformed" in text or "not a database" in text or "encrypted" in text or "corrupt" in text:
        return DatabaseError("数据库文件已损坏（SQLite 报告：" + str(exc) + "）。请不要继续写入；"
                             "运行「pledgebook doctor」查看，并用「pledgebook restore」从最近的备份恢复。")
    if "disk i/o" in text or "i/o error" in text:
        return DatabaseError(f"读写数据库时磁盘出错（{exc}）。{kept}请检查磁盘或U盘后重试。")
    return DatabaseError(f"读写数据库时出错：{exc}。{kept}")
