"""Read a written file back from the device itself, not from the system's cache.

A fake-capacity stick (sold as 64 GB, 8 GB inside) wraps around and overwrites what it stored first; a
worn one garbles it. Read back from the page cache, either still looks perfect. So:

- Linux and other POSIX systems: the file's clean pages are dropped (``posix_fadvise(DONTNEED)`` after
  fsync) before the read-back, which then comes from the stick.
- Windows: after ``FlushFileBuffers`` (``os.fsync``), the file is opened again with
  ``FILE_FLAG_NO_BUFFERING`` through ctypes and read in sector-aligned blocks into page-aligned memory
  (``VirtualAlloc``), which bypasses the cache.

Where neither can be done, :func:`read_back` says so (``from_device`` False) and the caller must not
claim that the stick itself was verified (:func:`claim`). No UI here.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 20  # a multiple of every sector size (512, 4096): aligned offsets and lengths

GENERIC_READ = 0x80000000
FILE_SHARE_READ = 0x00000001
OPEN_EXISTING = 3
FILE_FLAG_NO_BUFFERING = 0x20000000
FILE_FLAG_SEQUENTIAL_SCAN = 0x08000000
MEM_COMMIT = 0x1000
MEM_RESERVE = 0x2000
MEM_RELEASE = 0x8000
PAGE_READWRITE = 0x04


def windows() -> bool:
    return sys.platform == "win32"


def claim(from_device: bool) -> str:
    """The words for what the read-back proved: only a read from the stick itself is a verified read-back."""
    if from_device:
        return "已写入并读回校验"
    return "已写入并校验（本系统无法绕过缓存直接从U盘读回，不能确认U盘本身完好；重要数据请在另一台电脑上运行 pledgebook verify 核对）"


def drop_cache(path: Path) -> bool:
    """Forget the file's pages (clean after fsync) so the next read comes from the device; True if done."""
    if windows() or not hasattr(os, "posix_fadvise"):
        return False  # Windows reads unbuffered instead (see read_back)
    try:
        with open(path, "rb") as fh:
            os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError:  # a file system without it
        return False
    return True


def read_back(path: Path, check: Callable[[Path], tuple[str, int]], *, dropped: bool) -> tuple[str, int, bool]:
    """(SHA-256, size, from_device) of ``path`` as the device holds it.

    ``check`` reads and checks the file the ordinary way (its structure, its hash); ``dropped`` tells
    whether :func:`drop_cache` emptied the cache before, so that this ordinary read came from the device.
    On Windows the hash is taken from an unbuffered read, and ``check`` still looks at the structure.
    """
    if windows():
        device = unbuffered_sha(path)
        sha, size = check(path)
        if device is None:
            return sha, size, False
        return device[0], device[1], True
    sha, size = check(path)
    return sha, size, dropped


def kernel32_api():  # pragma: no cover - Windows only; tests hand in a stand-in
    """kernel32 with the signatures of the calls the unbuffered read-back makes (a stand-in in the tests)."""
    import ctypes
    from ctypes import wintypes

    k = ctypes.WinDLL("kernel32", use_last_error=True)
    k.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, ctypes.c_void_p,
                              wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
    k.CreateFileW.restype = wintypes.HANDLE
    k.ReadFile.argtypes = [wintypes.HANDLE, ctypes.c_void_p, wintypes.DWORD,
                           ctypes.POINTER(wintypes.DWORD), ctypes.c_void_p]
    k.ReadFile.restype = wintypes.BOOL
    k.CloseHandle.argtypes = [wintypes.HANDLE]
    k.VirtualAlloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t, wintypes.DWORD, wintypes.DWORD]
    k.VirtualAlloc.restype = ctypes.c_void_p
    k.VirtualFree.argtypes = [ctypes.c_void_p, ctypes.c_size_t, wintypes.DWORD]
    return k


def unbuffered_sha(path: Path) -> tuple[str, int] | None:
    """SHA-256 and size of ``path`` read with FILE_FLAG_NO_BUFFERING; None when Windows refuses that.

    The buffer comes from VirtualAlloc (page-aligned), every read asks for CHUNK bytes at a multiple of
    CHUNK, as unbuffered I/O requires; the last read returns what is left before the end of the file,
    and is the last (another read from that unaligned position would be refused).
    """
    import ctypes

    kernel32 = kernel32_api()
    invalid = ctypes.c_void_p(-1).value
    handle = kernel32.CreateFileW(str(path), GENERIC_READ, FILE_SHARE_READ, None, OPEN_EXISTING,
                                  FILE_FLAG_NO_BUFFERING | FILE_FLAG_SEQUENTIAL_SCAN, None)
    if handle is None or handle == invalid or handle == -1:
        return None
    buffer = None
    try:
        buffer = kernel32.VirtualAlloc(None, CHUNK, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE)
        if not buffer:
            return None
        digest = hashlib.sha256()
        size = 0
        got = ctypes.c_ulong(0)
        while True:
            if not kernel32.ReadFile(handle, buffer, CHUNK, ctypes.byref(got), None):
                error = ctypes.get_last_error() if hasattr(ctypes, "get_last_error") else 0
                raise OSError(0, f"从U盘读回时出错（Windows 错误 {error}）", str(path))
            digest.update(ctypes.string_at(buffer, got.value))
            size += got.value
            if got.value < CHUNK:  # the end of the file: the file pointer is no longer aligned, stop
                break
        return digest.hexdigest(), size
    finally:
        if buffer:
            kernel32.VirtualFree(buffer, 0, MEM_RELEASE)
        kernel32.CloseHandle(handle)
