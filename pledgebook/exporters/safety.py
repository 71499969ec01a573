"""Formula injection and friendly files, in one place.

Any text cell we write (xlsx or csv) that begins with = + - @, a tab or a
carriage return could be read by Excel/WPS as a formula (or DDE). In xlsx we
always write text with ``write_string`` and give such cells the
``quote_prefix`` format, so they stay text even after someone edits them; in
CSV the cell is prefixed with an apostrophe, the convention Excel and WPS
show as plain text.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

# Options for every xlsxwriter.Workbook we create: never turn text into formulas/links/numbers.
XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet program could treat this text as a formula."""
    return bool(text) and text[0] in DANGEROUS_START


def csv_cell(value: object) -> str:
    """One CSV cell: text as text; dangerous text neutralised with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if is_dangerous(text) else text


def write_csv(path: Path, rows: Iterable[Iterable[object]]) -> int:
    """Write rows as UTF-8-with-BOM CSV (Excel opens it as UTF-8), atomically. Returns rows written."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            for row in rows:
                writer.writerow([csv_cell(v) for v in row])
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


def display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK and full-width characters count double."""
    width = 0
    for ch in text:
        width += 2 if ord(ch) >= 0x2E80 else 1
    return width


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
