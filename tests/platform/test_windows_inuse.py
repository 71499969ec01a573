"""A workbook open in WPS/Excel on Windows: the inbox leaves it alone, a report over it says so.

Linux has no mandatory file locks, so Windows' refusal is played here: for the files in ``locked``,
opening for writing and renaming fail with PermissionError winerror 32 (ERROR_SHARING_VIOLATION), as
Windows raises them while Excel or WPS has the file open.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from handoff_util import make_county
from typer.testing import CliRunner
from workbook_util import ledger

from pledgebook.cli import app
from pledgebook.models.core import sharing
from pledgebook.models.store.db import close_database

IN_USE = "文件正在被 WPS/Excel 使用，请先关闭"


def _refusal(path, winerror: int = 32) -> PermissionError:
    exc = PermissionError(13, "另一个程序正在使用此文件，进程无法访问。", str(path))
    exc.winerror = winerror  # what Windows sets; POSIX has no such attribute
    return exc


@pytest.fixture
def locked(monkeypatch):
    """Paths held open by "WPS": writes and renames of them are refused as on Windows."""
    held: set[str] = set()
    real_open, real_rename, real_replace = open, os.rename, os.replace

    def fake_open(path, mode="r", *args, **kwargs):
        if str(path) in held and any(flag in mode for flag in "wa+"):
            raise _refusal(path)
        return real_open(path, mode, *args, **kwargs)

    def fake_rename(src, dst, *args, **kwargs):
        if str(src) in held or str(dst) in held:
            raise _refusal(src)
        return real_rename(src, dst, *args, **kwargs)

    def fake_replace(src, dst, *args, **kwargs):
        if str(dst) in held:  # MoveFileEx over a file open elsewhere: access denied, winerror 5
            exc = _refusal(src, winerror=5)
            exc.filename2 = str(dst)
            raise exc
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(sharing, "windows", lambda: True)
    monkeypatch.setattr(sharing, "open", fake_open, raising=False)
    monkeypatch.setattr(os, "rename", fake_rename)
    monkeypatch.setattr(os, "replace", fake_replace)
    return held


def _rows(name: str) -> list[list]:
    return [[1, "联珠镇", "新华村党支部", "张三", f"{name}修路1公里", "组织施工", dt.date(2011, 12, 31), "践诺中"]]


def _inbox(county, tmp_path, locked, *, lock_after_import: bool = False) -> tuple[Path, dict]:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    ledger(inbox / "1-联珠镇.xlsx", _rows("联珠镇"))
    open_one = ledger(inbox / "2-正在编辑.xlsx", _rows("正在编辑"))
    ledger(inbox / "3-碧溪.xlsx", _rows("碧溪"))
    if not lock_after_import:
        locked.add(str(open_one))
    else:  # opened in WPS between the import and the move: the rename is refused
        real = os.rename

        def rename(src, dst, *a, **k):
            if str(src) == str(open_one):
                raise _refusal(src)
            return real(src, dst, *a, **k)

        os.rename = rename  # undone by the fixture's monkeypatch of os.rename
    close_database()
    result = CliRunner().invoke(app, ["import", "--db", str(county["path"]), "--inbox", str(inbox), "--year", "2011",
                                      "--json"])
    close_database()
    return inbox, {"exit": result.exit_code, **json.loads(result.output)}


def test_the_inbox_leaves_a_workbook_open_in_wps_where_it_is_and_goes_on(county, tmp_path, locked):
    inbox, out = _inbox(county, tmp_path, locked)
    files = {Path(f["path"]).name: f for f in out["files"]}
    assert sorted(p.name for p in (inbox / "已导入").iterdir()) == ["1-联珠镇.xlsx", "3-碧溪.xlsx"]
    assert (inbox / "2-正在编辑.xlsx").exists()
    assert not (inbox / "有错误").exists() or not list((inbox / "有错误").iterdir())
    assert IN_USE in files["2-正在编辑.xlsx"]["message"] and "本次未导入" in files["2-正在编辑.xlsx"]["message"]
    assert files["2-正在编辑.xlsx"]["added"] == 0 and files["2-正在编辑.xlsx"]["moved_to"] is None
    assert files["1-联珠镇.xlsx"]["added"] == 1 and files["3-碧溪.xlsx"]["added"] == 1
    assert out["exit"] == 2  # the scheduled task's result shows something was left


def test_a_file_opened_after_its_import_stays_in_the_inbox_without_a_copy_in_done(county, tmp_path, locked):
    inbox, out = _inbox(county, tmp_path, locked, lock_after_import=True)
    files = {Path(f["path"]).name: f for f in out["files"]}
    assert (inbox / "2-正在编辑.xlsx").exists()
    assert sorted(p.name for p in (inbox / "已导入").iterdir()) == ["1-联珠镇.xlsx", "3-碧溪.xlsx"]
    assert files["2-正在编辑.xlsx"]["added"] == 1
    assert IN_USE in files["2-正在编辑.xlsx"]["message"] and "仍在收件文件夹中" in files["2-正在编辑.xlsx"]["message"]


@pytest.fixture
def demo(tmp_path):
    db = make_county(tmp_path / "县.db", pledges=200)
    close_database()
    return db


def _say(result) -> str:
    return result.output.replace("\n", "")


@pytest.mark.parametrize("command", [
    ["export", "report"],
    ["print", "notice", "--published-on", dt.date.today().isoformat()],
])
def test_writing_over_a_workbook_open_in_wps_says_close_it_not_write_protect(demo, tmp_path, locked, command):
    target = tmp_path / "报表.xlsx"
    target.write_bytes(b"the old workbook, open in WPS")
    locked.add(str(target))
    result = CliRunner().invoke(app, [*command, "--db", str(demo), "-o", str(target)])
    close_database()
    assert result.exit_code == 2, result.output
    assert IN_USE in _say(result) and "写保护" not in _say(result)
    assert target.read_bytes() == b"the old workbook, open in WPS"
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name] == []


def test_a_read_only_workbook_is_still_told_as_a_permission_problem(demo, tmp_path, monkeypatch):
    """winerror 5 with nobody holding the file (a read-only file): not "in use"."""
    target = tmp_path / "报表.xlsx"
    real = os.replace

    def replace(src, dst, *a, **k):
        if str(dst) == str(target):
            exc = _refusal(src, winerror=5)
            exc.filename2 = str(dst)
            raise exc
        return real(src, dst, *a, **k)

    monkeypatch.setattr(sharing, "windows", lambda: True)
    monkeypatch.setattr(os, "replace", replace)
    result = CliRunner().invoke(app, ["export", "report", "--db", str(demo), "-o", str(target)])
    close_database()
    assert result.exit_code == 2
    assert IN_USE not in _say(result) and "写保护" in _say(result)


def test_on_linux_nothing_is_ever_in_use(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    assert not sharing.in_use(path)
    assert sharing.held_open(PermissionError(13, "Permission denied", str(path))) is None
