"""The error workbook: the refused rows as the township wrote them, plus 错误原因.

A township fixes the rows in this workbook and sends it back; the importer
reads it like any other file (the 错误原因 column is ignored as unknown).
Cells that begin with = + - @ (or a tab or CR) are written as text so that a
hostile or odd value never becomes a formula. (A private helper: the shared
one in ``pledgebook.exporters`` lives on another branch.)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from pledgebook.importers.result import ImportResult
from pledgebook.models.core.errors import PledgebookError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REASON_HEADER = "错误原因"


def _write_cell(sheet, row: int, col: int, value, fmt_date, fmt_text) -> None:
    if value is None:
        return
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, fmt_date)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt_date)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    else:
        text = str(value)
        if text.startswith(_FORMULA_START):
            sheet.write_string(row, col, text, fmt_text)  # never a formula
        else:
            sheet.write_string(row, col, text)


def write_error_workbook(results: Iterable[ImportResult], target: str | Path) -> Path | None:
    """Write the refused rows of ``results`` into ``target`` (.xlsx); None when nothing was refused.

    One worksheet per source sheet (per file when several files), the
    original header, the original values, and 错误原因 last. Written to a
    temporary name and renamed, so a half-written workbook never stays.
    """
    import xlsxwriter

    target = Path(target)
    groups: dict[tuple[str, str], list] = {}
    for result in results:
        for rejected in result.rejected_rows:
            groups.setdefault((result.file, rejected.sheet), []).append(rejected)
    if not groups:
        return None
    several_files = len({f for f, _ in groups}) > 1
    partial = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        workbook = xlsxwriter.Workbook(str(partial), {"strings_to_formulas": False, "strings_to_urls": False})
        fmt_head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        fmt_reason = workbook.add_format({"font_color": "#C00000", "text_wrap": True})
        fmt_date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        fmt_text = workbook.add_format({"num_format": "@"})
        used: set[str] = set()
        for (file_name, sheet_name), rows in groups.items():
            title = f"{Path(file_name).stem}-{sheet_name}" if several_files else sheet_name
            title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "错误行"
            base, n = title, 2
            while title in used:
                title = f"{base[:28]}_{n}"
                n += 1
            used.add(title)
            sheet = workbook.add_worksheet(title)
            header = list(rows[0].header)
            for j, name in enumerate(header):
                sheet.write_string(0, j, name or "", fmt_head)
            sheet.write_string(0, len(header), REASON_HEADER, fmt_head)
            sheet.write_string(0, len(header) + 1, "原行号", fmt_head)
            for i, rejected in enumerate(rows, start=1):
                for j, value in enumerate(rejected.values[: len(header)]):
                    _write_cell(sheet, i, j, value, fmt_date, fmt_text)
                sheet.write_string(i, len(header), "；".join(rejected.reasons), fmt_reason)
                sheet.write_number(i, len(header) + 1, rejected.row)
            sheet.set_column(0, len(header) - 1, 14)
            sheet.set_column(len(header), len(header), 60)
            sheet.freeze_panes(1, 0)
        workbook.close()
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise PledgebookError(f"无法写入错误清单「{target}」（{exc.strerror or exc}）。请检查文件夹是否存在、文件是否正在 Excel 中打开。") from exc
    return target
