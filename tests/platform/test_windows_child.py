"""The workbook parser's child process: when it cannot start, the message blames the install, not the file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import xlsxwriter

from pledgebook.importers import reader
from pledgebook.importers.errors import FileUnreadable
from pledgebook.importers.reader import read_file


def _workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("党组织名单")
    sheet.write_row(0, 0, ["党组织名称", "组织类别", "上级党组织"])
    sheet.write_row(1, 0, ["新华村党支部", "党支部", "中共联珠镇委员会"])
    book.close()
    return path


def _not_the_file(message: str) -> None:
    assert "无法启动表格解析子进程" in message
    assert "这不是文件的问题" in message
    assert "恶意构造" not in message and "已损坏" not in message


def test_a_frozen_build_says_the_install_lacks_an_interpreter(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "名单.xlsx")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(FileUnreadable) as info:
        read_file(path)
    _not_the_file(info.value.message)
    assert "名单.xlsx" in info.value.message and "没有可启动的 Python 解释器" in info.value.message


def test_a_child_that_cannot_find_the_program_is_not_a_damaged_file(tmp_path, monkeypatch):
    """``python -m pledgebook.importers.sandbox`` where the package is not importable (a broken copy)."""
    path = _workbook(tmp_path / "名单.xlsx")
    monkeypatch.setattr(reader, "_child_command", lambda p: [sys.executable, "-I", "-m", "pledgebook_missing.sandbox"])
    with pytest.raises(FileUnreadable) as info:
        read_file(path)
    _not_the_file(info.value.message)
    assert "No module named" in info.value.message


def test_an_interpreter_that_is_gone_is_not_a_damaged_file(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "名单.xlsx")
    monkeypatch.setattr(reader, "_child_command", lambda p: [str(tmp_path / "python.exe"), "-m", "x"])
    with pytest.raises(FileUnreadable) as info:
        read_file(path)
    _not_the_file(info.value.message)


def test_a_parser_dll_that_does_not_load_is_told_as_such(tmp_path, monkeypatch):
    """Wine 8 cannot load python-calamine's DLL: the child starts, and says its parser is missing."""
    path = _workbook(tmp_path / "名单.xlsx")
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "python_calamine.py").write_text("raise ImportError('DLL load failed while importing _python_calamine')\n")
    real = reader.child_env
    monkeypatch.setattr(reader, "child_env", lambda: {**real(), "PYTHONPATH": str(fake) + os.pathsep + real()["PYTHONPATH"]})
    with pytest.raises(FileUnreadable) as info:
        read_file(path)
    _not_the_file(info.value.message)
    assert "python-calamine 无法加载" in info.value.message and "DLL load failed" in info.value.message


def test_the_real_child_still_reads_the_workbook(tmp_path):
    sheet = read_file(_workbook(tmp_path / "名单.xlsx"))[0]
    assert sheet.rows[1][:2] == ["新华村党支部", "党支部"]
