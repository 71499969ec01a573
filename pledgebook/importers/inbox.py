"""The monthly drop folder: import every new file, then file it away.

``DIR/已导入`` receives the files that went in whole; ``DIR/有错误`` the
files with refused rows or that could not be used, each beside its error
workbook (``<name>_错误清单.xlsx``). A file whose bytes were imported before
counts as imported. A scheduled task can run this unattended every month.

A file someone has open in WPS/Excel (Windows refuses to move it) is left where it is, not imported,
and the run goes on with the rest; it is taken on the next run. Files are renamed, never copied, into
the subfolders, so no copy can stay behind in 已导入 beside the original still in the inbox.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pledgebook.importers.apply import import_file
from pledgebook.importers.errorbook import write_error_workbook
from pledgebook.importers.result import ImportResult
from pledgebook.models.core import sharing
from pledgebook.models.core.errors import PledgebookError

DONE = "已导入"
FAILED = "有错误"
SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".ods", ".xlsb", ".pledgebook", ".xml", ".htm", ".html"}


def inbox_files(folder: Path) -> list[Path]:
    """The files waiting in ``folder`` (not its subfolders, not temp files of Excel/WPS)."""
    if not folder.is_dir():
        raise PledgebookError(f"收件文件夹「{folder}」不存在或不是文件夹。请检查路径。")
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", ".~", "."))
    )


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix, n = Path(name).stem, Path(name).suffix, 2
    while target.exists():
        target = folder / f"{stem}({n}){suffix}"
        n += 1
    return target


def file_away(result: ImportResult, folder: Path) -> Path:
    """Move the imported file into 已导入 or 有错误 (with its error workbook); return where it went.

    A file that cannot be moved (open in WPS/Excel since it was read) stays in the inbox, and the
    result's message says so.
    """
    ok = result.exit_code == 0 and result.status in ("done", "already")
    dest_dir = folder / (DONE if ok else FAILED)
    dest_dir.mkdir(exist_ok=True)
    target = _free_name(dest_dir, result.path.name)
    try:
        os.rename(result.path, target)  # the same folder tree: a rename, which never leaves a copy behind
    except OSError as exc:
        why = sharing.IN_USE if sharing.held_open(exc) is not None else f"无法移动：{exc.strerror or exc}"
        note = f"文件未能移入「{dest_dir.name}」（{why}），仍在收件文件夹中；下次运行时会认出已导入过"
        result.message = f"{result.message}；{note}" if result.message else note
        return result.path
    if not ok:
        errors = _free_name(dest_dir, f"{target.stem}_错误清单.xlsx")
        if result.rejected_rows:
            write_error_workbook([result], errors)
        else:
            text = _free_name(dest_dir, f"{target.stem}_错误说明.txt")
            lines = [result.summary(), *(p.text() for p in result.header_problems)]
            text.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return target


def take(path: Path, folder: Path, import_one: Callable[[Path], ImportResult]) -> tuple[ImportResult, Path]:
    """One file of the inbox: import it with ``import_one`` and file it away; returns (result, its place now).

    A file open in WPS/Excel is neither imported nor moved: it may be half edited, and Windows would
    refuse to move it anyway.
    """
    if sharing.in_use(path):
        message = f"「{path.name}」{sharing.IN_USE}：本次未导入，文件仍留在收件文件夹中；关闭后下次运行时导入。"
        return ImportResult(path, status="unusable", message=message), path
    result = import_one(path)
    if result.dry_run:
        return result, path
    return result, file_away(result, folder)


def run_inbox(
    folder: str | Path,
    *,
    import_one: Callable[[Path], ImportResult] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    **options,
) -> list[tuple[ImportResult, Path]]:
    """Import each waiting file of ``folder`` and file it away; returns (result, new place) per file.

    ``import_one`` lets the caller route some files elsewhere (bundles);
    by default :func:`import_file` with ``options``.
    """
    folder = Path(folder)
    files = inbox_files(folder)
    done: list[tuple[ImportResult, Path]] = []
    for index, path in enumerate(files):
        if progress:
            progress(f"导入 {path.name}", index, len(files))
        done.append(take(path, folder, import_one or (lambda p: import_file(p, **options))))
    return done
