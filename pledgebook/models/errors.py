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
