"""Errors the core raises for a person to read. Messages are in Chinese and say what to do."""

from __future__ import annotations


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


def explain(exc: BaseException) -> PledgebookError | None:
    """A clear message for an error SQLite or the OS raised underneath the core, or None if it is not one we know.

    Used where a face turns errors into messages (the CLI's ``handle_errors``,
    the TUI's thread workers): "database is locked", a full disk, a damaged or
    read-only file must never reach a person as a traceback. Every write runs
    in a transaction, so when one of these is raised nothing was half-written.
    """
    import errno
    import sqlite3

    from pledgebook.models import sharing

    text = str(exc).lower()
    kept = "本次操作没有完成，台账中没有写入不完整的内容。"
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        where = f"（{exc.filename}）" if getattr(exc, "filename", None) else ""
        held = sharing.held_open(exc)
        if held is not None:  # Windows: Excel/WPS has the file open (winerror 32/33), not a write-protected stick
            name = f"（{held}）" if held else where
            return DatabaseError(f"{sharing.IN_USE}{name}。{kept}关闭该文件后重试。")
        if exc.errno == errno.ENOSPC:
            return DatabaseError(f"磁盘空间已满{where}。{kept}请清理磁盘（或换一个U盘）后重试。")
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
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
        return DatabaseError(f"磁盘空间已满，数据库无法写入。{kept}请清理磁盘后重试。")
    if "readonly" in text or "read-only" in text:
        return DatabaseError(f"数据库文件是只读的（或所在磁盘写保护），无法写入。{kept}请检查文件属性和权限。")
    if "malformed" in text or "not a database" in text or "encrypted" in text or "corrupt" in text:
        return DatabaseError("数据库文件已损坏（SQLite 报告：" + str(exc) + "）。请不要继续写入；"
                             "运行「pledgebook doctor」查看，并用「pledgebook restore」从最近的备份恢复。")
    if "disk i/o" in text or "i/o error" in text:
        return DatabaseError(f"读写数据库时磁盘出错（{exc}）。{kept}请检查磁盘或U盘后重试。")
    return DatabaseError(f"读写数据库时出错：{exc}。{kept}")
