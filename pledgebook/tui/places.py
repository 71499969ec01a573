"""Where the user's files are: the usual folders, and USB sticks to write a bundle to.

No Textual here, so tests can fake :func:`removable_drives` (it is always
called through the module: ``places.removable_drives()``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Windows keeps the English names on disk (the Explorer shows 桌面, 下载, 文档);
# a Chinese Linux desktop names the folders in Chinese.
_DESKTOP = ("Desktop", "桌面")
_DOWNLOADS = ("Downloads", "下载")
_DOCUMENTS = ("Documents", "文档", "My Documents")


def _first(names: tuple[str, ...]) -> Path | None:
    home = Path.home()
    for name in names:
        path = home / name
        if path.is_dir():
            return path
    return None


def desktop() -> Path | None:
    return _first(_DESKTOP)


def documents() -> Path | None:
    return _first(_DOCUMENTS)


def start_folders() -> list[tuple[str, Path]]:
    """(label, folder) to start browsing from: 桌面, 下载, 文档, the home folder — those that exist."""
    found: list[tuple[str, Path]] = []
    for label, names in (("桌面", _DESKTOP), ("下载", _DOWNLOADS), ("文档", _DOCUMENTS)):
        path = _first(names)
        if path is not None:
            found.append((label, path))
    found.append(("个人文件夹", Path.home()))
    return found


def save_folder() -> Path:
    """Where a report goes by default: 文档, else 桌面, else the home folder."""
    return documents() or desktop() or Path.home()


def removable_drives() -> list[Path]:
    """USB sticks and other removable drives that are plugged in now."""
    if sys.platform == "win32":
        return _windows_removable()
    return _mounted_removable()


def _windows_removable() -> list[Path]:
    import ctypes

    drive_removable = 2  # GetDriveTypeW: DRIVE_REMOVABLE
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    # no "insert a disk" dialog for an empty card reader
    old_mode = kernel32.SetErrorMode(1)  # SEM_FAILCRITICALERRORS
    try:
        mask = kernel32.GetLogicalDrives()
        found = []
        for i in range(26):
            if mask & (1 << i):
                root = f"{chr(ord('A') + i)}:\\"
                if kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)) == drive_removable and os.path.isdir(root):
                    found.append(Path(root))
        return found
    finally:
        kernel32.SetErrorMode(old_mode)


def _mounted_removable() -> list[Path]:
    user = os.environ.get("USER") or os.environ.get("LOGNAME") or ""
    bases = [Path("/mnt")]
    if user:
        bases = [Path("/media") / user, Path("/run/media") / user, *bases]
    found: list[Path] = []
    for base in bases:
        try:
            children = sorted(base.iterdir())
        except OSError:  # no such folder, or not ours to read
            continue
        found.extend(child for child in children if child.is_dir() and not child.name.startswith("."))
    return found
