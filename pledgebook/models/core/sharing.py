"""A file another program holds open: told apart from a read-only file or a write-protected stick.

Excel and WPS on Windows open a workbook with a share mode that forbids writing (and renaming or
deleting) it while it is open; Windows then fails the write with a *sharing violation*, winerror 32
(ERROR_SHARING_VIOLATION) or 33 (ERROR_LOCK_VIOLATION), which Python raises as a PermissionError like
any other "access denied". Replacing such a file (``os.replace`` of our temporary file over it) can
also fail with plain winerror 5; then the target is probed. POSIX systems have no such locks: there a
PermissionError really is about permissions.
"""

from __future__ import annotations

import os
import sys

SHARING_VIOLATION = 32
LOCK_VIOLATION = 33
ACCESS_DENIED = 5
IN_USE = "文件正在被 WPS/Excel 使用，请先关闭"


def windows() -> bool:
    return sys.platform == "win32"


def is_sharing_violation(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and getattr(exc, "winerror", None) in (SHARING_VIOLATION, LOCK_VIOLATION)


def in_use(path: str | os.PathLike[str]) -> bool:
    """True when another program (Excel, WPS) holds ``path`` open so that it cannot be written or moved."""
    if not windows():
        return False
    try:
        with open(path, "r+b"):
            return False
    except OSError as exc:  # FileNotFoundError, a read-only file (winerror 5): not "in use"
        return is_sharing_violation(exc)


def held_open(exc: BaseException) -> str | None:
    """The file a failed write was refused for because it is open elsewhere, or None if that is not why."""
    if not isinstance(exc, OSError):
        return None
    names = [name for name in (getattr(exc, "filename2", None), exc.filename) if name]
    if is_sharing_violation(exc):
        return str(names[0]) if names else ""
    if windows() and getattr(exc, "winerror", None) == ACCESS_DENIED:
        for name in names:
            if in_use(name):
                return str(name)
    return None
