"""The bundle's read-back on Windows reads the stick itself: FILE_FLAG_NO_BUFFERING, aligned reads.

Linux has no kernel32, so a stand-in plays it, backed by the real file (or by what a fake-capacity stick
would give back); it checks the calls as Windows would refuse them (unaligned buffer, length, offset).
"""

from __future__ import annotations

import ctypes
import json

import pytest
from handoff_util import make_county
from typer.testing import CliRunner

from pledgebook.bundle import readback
from pledgebook.bundle.format import BundleError
from pledgebook.bundle.write import write_bundle
from pledgebook.cli import app
from pledgebook.models.store.db import close_database

SECTOR = 4096


class FakeKernel32:
    """CreateFileW / ReadFile / VirtualAlloc as Windows does them for unbuffered I/O."""

    def __init__(self, *, refuse_open: bool = False, garble: bool = False) -> None:
        self.refuse_open = refuse_open
        self.garble = garble
        self.opened: list[tuple[str, int]] = []
        self.reads: list[tuple[int, int, int]] = []  # (buffer address, length, file offset)
        self.closed = 0
        self.freed = 0
        self._files: dict[int, tuple[bytes, list[int]]] = {}
        self._memory: dict[int, ctypes.Array] = {}

    def CreateFileW(self, name, access, share, security, disposition, flags, template):  # noqa: N802
        self.opened.append((name, flags))
        if self.refuse_open:
            return ctypes.c_void_p(-1).value  # INVALID_HANDLE_VALUE
        with open(name, "rb") as fh:
            data = fh.read()
        if self.garble:  # a fake-capacity stick: the second half wrapped onto the first
            half = len(data) // 2
            data = data[half:] + data[half:]
        handle = 100 + len(self._files)
        self._files[handle] = (data, [0])
        return handle

    def VirtualAlloc(self, address, size, kind, protect):  # noqa: N802
        raw = ctypes.create_string_buffer(size + SECTOR)
        aligned = (ctypes.addressof(raw) + SECTOR - 1) // SECTOR * SECTOR
        self._memory[aligned] = raw
        return aligned

    def VirtualFree(self, address, size, kind):  # noqa: N802
        self.freed += 1
        self._memory.pop(address)
        return 1

    def ReadFile(self, handle, buffer, length, got, overlapped):  # noqa: N802
        data, position = self._files[handle]
        self.reads.append((buffer, length, position[0]))
        if buffer % SECTOR or length % SECTOR or position[0] % SECTOR:
            return 0  # ERROR_INVALID_PARAMETER: unbuffered I/O must be sector-aligned
        chunk = data[position[0]:position[0] + length]
        ctypes.memmove(buffer, chunk, len(chunk))
        position[0] += len(chunk)
        got._obj.value = len(chunk)
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        self.closed += 1
        return 1


@pytest.fixture
def on_windows(monkeypatch):
    def install(**kw) -> FakeKernel32:
        fake = FakeKernel32(**kw)
        monkeypatch.setattr(readback, "windows", lambda: True)
        monkeypatch.setattr(readback, "kernel32_api", lambda: fake)
        return fake

    return install


def test_the_read_back_opens_the_file_unbuffered_and_reads_aligned(tmp_path, on_windows):
    make_county(tmp_path / "a.db", pledges=200)
    fake = on_windows()
    stick = tmp_path / "stick"
    stick.mkdir()
    result = write_bundle(stick)
    assert result.verified
    assert [flags & readback.FILE_FLAG_NO_BUFFERING for _, flags in fake.opened] == [readback.FILE_FLAG_NO_BUFFERING]
    assert fake.opened[0][0] == str(result.path)
    assert len(fake.reads) >= 2 and all(length == readback.CHUNK for _, length, _ in fake.reads)
    assert fake.closed == 1 and fake.freed == 1
    close_database()


def test_a_fake_capacity_stick_fails_the_read_back_and_leaves_nothing(tmp_path, on_windows):
    make_county(tmp_path / "a.db", pledges=200)
    on_windows(garble=True)
    stick = tmp_path / "stick"
    stick.mkdir()
    with pytest.raises(BundleError, match="读回的数据包与写入的不一致"):
        write_bundle(stick)
    assert list(stick.iterdir()) == []
    close_database()


def test_where_unbuffered_reading_is_refused_no_verified_read_back_is_claimed(tmp_path, on_windows):
    db = make_county(tmp_path / "a.db", pledges=200)
    close_database()
    on_windows(refuse_open=True)
    stick = tmp_path / "stick"
    stick.mkdir()
    result = CliRunner().invoke(app, ["export", "bundle", "--db", str(db), "--to", str(stick)])
    close_database()
    assert result.exit_code == 0, result.output
    assert "已写入并读回校验" not in result.output
    assert "无法绕过缓存直接从U盘读回" in result.output.replace("\n", "")
    result = CliRunner().invoke(app, ["export", "bundle", "--db", str(db), "--to", str(stick), "--json"])
    close_database()
    assert json.loads(result.output)["verified"] is False


def test_on_linux_the_dropped_cache_makes_the_read_back_verified(tmp_path):
    make_county(tmp_path / "a.db", pledges=200)
    result = write_bundle(tmp_path)
    assert result.verified is readback.drop_cache(result.path)
    close_database()
