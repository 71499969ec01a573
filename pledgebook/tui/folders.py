"""Where the user's files are: the usual folders, and USB sticks to write a bundle to.

The usual folders come from platformdirs (on Windows the shell's known folders, so a 桌面 or 文档 moved
to D: is found; on Linux the XDG user dirs, 桌面 on a Chinese desktop), then from the usual names.

No Textual here, so tests can fake :func:`removable_drives` (it is always
called through the module: ``folders.removable_drives()``).
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


def _known(kind: str) -> Path | None:
    """platformdirs' ``user_<kind>_dir`` when that folder exists."""
    import platformdirs

    try:
        path = Path(getattr(platformdirs, f"user_{kind}_dir")())
    except (OSError, ValueError, KeyError):  # a broken user-dirs file or registry entry: use the names
        return None
    return path if path.is_dir() else None


def _folder(kind: str, names: tuple[str, ...]) -> Path | None:
    return _known(kind) or _first(names)


def desktop() -> Path | None:
    return _folder("desktop", _DESKTOP)


def documents() -> Path | None:
    return _folder("documents", _DOCUMENTS)


def start_folders() -> list[tuple[str, Path]]:
    """(label, folder) to start browsing from: 桌面, 下载, 文档, the home folder — those that exist."""
    found: list[tuple[str, Path]] = []
    for label, kind, names in (("桌面", "desktop", _DESKTOP), ("下载", "downloads", _DOWNLOADS),
                               ("文档", "documents", _DOCUMENTS)):
        path = _folder(kind, names)
        if path is not None:
            found.append((label, path))
    found.append(("个人文件夹", Path.home()))
    return found


def save_folder() -> Path:
    """Where a report goes by default: 文档, else 桌面, else the home folder."""
    return documents() or desktop() or Path.home()


def removable_drives() -> list[Path]:
    """USB sticks and other drives a bundle can go to, plugged in now; USB sticks first."""
    if sys.platform == "win32":
        return _windows_drives()
    return _mounted_removable()


DRIVE_REMOVABLE = 2  # GetDriveTypeW
DRIVE_FIXED = 3
BUS_USB = 7  # STORAGE_BUS_TYPE: BusTypeUsb


def _kernel32():  # pragma: no cover - Windows only; tests hand in a stand-in
    import ctypes

    return ctypes.windll.kernel32  # type: ignore[attr-defined]


def _windows_drives() -> list[Path]:
    """Removable drives and USB disks first, then every other local disk that is not the system drive.

    Many USB sticks (and every USB hard disk) report as fixed disks (DRIVE_FIXED), so the drive type
    alone misses them: the bus type tells a USB disk, and any disk that is not the system drive is
    offered too. Network drives, CD drives and RAM disks are not.
    """
    import ctypes

    kernel32 = _kernel32()
    system = (os.environ.get("SystemDrive") or "C:").rstrip("\\").upper()
    # no "insert a disk" dialog for an empty card reader
    old_mode = kernel32.SetErrorMode(1)  # SEM_FAILCRITICALERRORS
    try:
        mask = kernel32.GetLogicalDrives()
        usb: list[Path] = []
        other: list[Path] = []
        for i in range(26):
            if not mask & (1 << i):
                continue
            letter = f"{chr(ord('A') + i)}:"
            root = letter + "\\"
            kind = kernel32.GetDriveTypeW(ctypes.c_wchar_p(root))
            if kind not in (DRIVE_REMOVABLE, DRIVE_FIXED) or letter == system or not _ready(root):
                continue
            if kind == DRIVE_REMOVABLE or _bus_type(letter) == BUS_USB:
                usb.append(Path(root))
            else:
                other.append(Path(root))
        return usb + other
    finally:
        kernel32.SetErrorMode(old_mode)


def _ready(root: str) -> bool:
    return os.path.isdir(root)


def _bus_type(letter: str) -> int | None:  # pragma: no cover - Windows only
    """The storage bus of drive ``letter`` ("E:") by IOCTL_STORAGE_QUERY_PROPERTY; None if it cannot be asked."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateFileW.restype = wintypes.HANDLE
    kernel32.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, ctypes.c_void_p,
                                     wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
    kernel32.DeviceIoControl.argtypes = [wintypes.HANDLE, wintypes.DWORD, ctypes.c_void_p, wintypes.DWORD,
                                         ctypes.c_void_p, wintypes.DWORD, ctypes.POINTER(wintypes.DWORD),
                                         ctypes.c_void_p]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    handle = kernel32.CreateFileW(f"\\\\.\\{letter}", 0, 3, None, 3, 0, None)  # no access needed: a query
    if handle in (None, ctypes.c_void_p(-1).value):
        return None
    try:
        query = (ctypes.c_ulong * 3)(0, 0, 0)  # StorageDeviceProperty, PropertyStandardQuery
        out = (ctypes.c_ubyte * 1024)()
        got = wintypes.DWORD(0)
        if not kernel32.DeviceIoControl(handle, 0x2D1400, query, ctypes.sizeof(query), out, ctypes.sizeof(out),
                                        ctypes.byref(got), None):
            return None
        if got.value < 32:
            return None
        return int.from_bytes(bytes(out[28:32]), "little")  # STORAGE_DEVICE_DESCRIPTOR.BusType
    finally:
        kernel32.CloseHandle(handle)


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
