"""Where the hand-off screen looks: USB sticks that call themselves fixed disks, folders moved to D:."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from pledgebook.tui import folders


class FakeDrives:
    """GetLogicalDrives / GetDriveTypeW of a Windows PC: C: system, D: data, E: USB stick as fixed disk,
    F: card reader (removable), G: network drive, H: CD."""

    TYPES = {"C": 3, "D": 3, "E": 3, "F": 2, "G": 4, "H": 5}

    def __init__(self) -> None:
        self.modes: list[int] = []

    def SetErrorMode(self, mode):  # noqa: N802
        self.modes.append(mode)
        return 0

    def GetLogicalDrives(self):  # noqa: N802
        return sum(1 << (ord(letter) - ord("A")) for letter in self.TYPES)

    def GetDriveTypeW(self, root):  # noqa: N802
        return self.TYPES[root.value[0]]


def test_usb_sticks_reporting_as_fixed_disks_are_offered_first(monkeypatch):
    fake = FakeDrives()
    monkeypatch.setattr(folders.sys, "platform", "win32")
    monkeypatch.setenv("SystemDrive", "C:")
    monkeypatch.setattr(folders, "_kernel32", lambda: fake)
    monkeypatch.setattr(folders, "_ready", lambda root: True)
    monkeypatch.setattr(folders, "_bus_type", lambda letter: {"E:": folders.BUS_USB}.get(letter, 11))  # 11: SATA
    drives = folders.removable_drives()
    assert [str(d) for d in drives] == [str(Path("E:\\")), str(Path("F:\\")), str(Path("D:\\"))]
    assert fake.modes == [1, 0]  # no "insert a disk" dialog, and the mode put back


def test_an_empty_card_reader_and_the_system_drive_are_not_offered(monkeypatch):
    monkeypatch.setattr(folders.sys, "platform", "win32")
    monkeypatch.setenv("SystemDrive", "D:")  # Windows installed on D:
    monkeypatch.setattr(folders, "_kernel32", lambda: FakeDrives())
    monkeypatch.setattr(folders, "_ready", lambda root: root != "F:\\")  # no card in the reader
    monkeypatch.setattr(folders, "_bus_type", lambda letter: None)  # the query refused: still offered
    assert [str(d) for d in folders.removable_drives()] == [str(Path("C:\\")), str(Path("E:\\"))]


def test_documents_moved_to_another_drive_are_found(tmp_path, monkeypatch):
    moved = tmp_path / "D盘" / "我的文档"
    moved.mkdir(parents=True)
    (Path.home() / "Documents").mkdir()  # the old place still exists, empty
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(moved))
    assert folders.documents() == moved
    assert folders.save_folder() == moved
    assert ("文档", moved) in folders.start_folders()


def test_a_chinese_linux_desktop_is_found_from_the_xdg_user_dirs(monkeypatch):
    home = Path.home()
    (home / "桌面").mkdir()
    config = home / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    (config / "user-dirs.dirs").write_text('XDG_DESKTOP_DIR="$HOME/桌面"\n', encoding="utf-8")
    assert folders.desktop() == home / "桌面"


def test_a_missing_known_folder_falls_back_to_the_usual_names(monkeypatch, tmp_path):
    monkeypatch.setattr(platformdirs, "user_desktop_dir", lambda: str(tmp_path / "gone"))
    (Path.home() / "Desktop").mkdir()
    assert folders.desktop() == Path.home() / "Desktop"
