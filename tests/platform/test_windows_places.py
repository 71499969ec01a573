"""Where the hand-off screen looks: USB sticks that call themselves fixed disks, folders moved to D:."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from pledgebook.tui import places


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
    monkeypatch.setattr(places.sys, "platform", "win32")
    monkeypatch.setenv("SystemDrive", "C:")
    monkeypatch.setattr(places, "_kernel32", lambda: fake)
    monkeypatch.setattr(places, "_ready", lambda root: True)
    monkeypatch.setattr(places, "_bus_type", lambda letter: {"E:": places.BUS_USB}.get(letter, 11))  # 11: SATA
    drives = places.removable_drives()
    assert [str(d) for d in drives] == [str(Path("E:\\")), str(Path("F:\\")), str(Path("D:\\"))]
    assert fake.modes == [1, 0]  # no "insert a disk" dialog, and the mode put back


def test_an_empty_card_reader_and_the_system_drive_are_not_offered(monkeypatch):
    monkeypatch.setattr(places.sys, "platform", "win32")
    monkeypatch.setenv("SystemDrive", "D:")  # Windows installed on D:
    monkeypatch.setattr(places, "_kernel32", lambda: FakeDrives())
    monkeypatch.setattr(places, "_ready", lambda root: root != "F:\\")  # no card in the reader
    monkeypatch.setattr(places, "_bus_type", lambda letter: None)  # the query refused: still offered
    assert [str(d) for d in places.removable_drives()] == [str(Path("C:\\")), str(Path("E:\\"))]


def test_documents_moved_to_another_drive_are_found(tmp_path, monkeypatch):
    moved = tmp_path / "D盘" / "我的文档"
    moved.mkdir(parents=True)
    (Path.home() / "Documents").mkdir()  # the old place still exists, empty
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(moved))
    assert places.documents() == moved
    assert places.save_folder() == moved
    assert ("文档", moved) in places.start_folders()


def test_a_chinese_linux_desktop_is_found_from_the_xdg_user_dirs(monkeypatch):
    home = Path.home()
    (home / "桌面").mkdir()
    config = home / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    (config / "user-dirs.dirs").write_text('XDG_DESKTOP_DIR="$HOME/桌面"\n', encoding="utf-8")
    assert places.desktop() == home / "桌面"


def test_a_missing_known_folder_falls_back_to_the_usual_names(monkeypatch, tmp_path):
    monkeypatch.setattr(platformdirs, "user_desktop_dir", lambda: str(tmp_path / "gone"))
    (Path.home() / "Desktop").mkdir()
    assert places.desktop() == Path.home() / "Desktop"
