"""A DirectoryTree that shows only folders and the files we can use."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.widgets import DirectoryTree


class FileTree(DirectoryTree):
    """Folders, and files whose suffix is in ``suffixes`` (folders only when it is empty)."""

    def __init__(self, path: str | Path, suffixes: Iterable[str] = (), **kwargs) -> None:
        self.suffixes = {s.lower() for s in suffixes}
        super().__init__(path, **kwargs)

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        shown = []
        for path in paths:
            if path.name.startswith((".", "~$", "$")):  # hidden files, Office lock files, $RECYCLE.BIN
                continue
            try:
                is_dir = path.is_dir()
            except OSError:  # unreadable entry (a broken link, a locked system file)
                continue
            if is_dir or path.suffix.lower() in self.suffixes:
                shown.append(path)
        return shown
