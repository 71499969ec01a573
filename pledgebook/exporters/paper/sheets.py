"""Workbook helpers shared by the notices, the ballots and the tally: formats, page setup, safe text, saving."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from pledgebook.exporters.safety import XLSX_OPTIONS, display_width, is_dangerous
from pledgebook.models.core import sharing
from pledgebook.models.core.errors import PledgebookError

Progress = Callable[[str, int, int], None]

_INVALID_SHEET = re.compile(r"[\[\]:*?/\\]")


@dataclass
class PaperResult:
    path: Path
    units: int
    pledges: int
    size: int = 0
    seconds: float = 0.0
    tally_path: Path | None = None
    tally_size: int = 0
    published: int = 0  # pledges whose 公示 date changed
    published_on: date | None = None
    kept: int = 0  # pledges that already had another 公示 date and kept it (printed without --overwrite-published)
    members: int = 0  # the third ledger's sheets: members on the ballots / notices / lists
    copies: int = 0  # 民主测评票: the copies printed in all

    def published_text(self) -> str:
        """What printing did to the 公示 dates, in one sentence (the CLI and the TUI say the same)."""
        when = self.published_on.isoformat() if self.published_on else ""
        text = f"{self.published} 项承诺的公示日期已设为 {when}（已记入修改日志）"
        if self.kept:
            text += f"；{self.kept} 项已有公示日期，保留原日期"
        return text + "。"


class Named(Protocol):
    """Anything printed on a sheet of its own: an organization's notice, a branch's ballot."""

    @property
    def name(self) -> str: ...


def sheet_names(units: Sequence[Named]) -> list[str]:
    """Excel sheet names: unique (case-insensitive), at most 31 characters, no []:*?/\\."""
    used: set[str] = set()
    names = []
    for unit in units:
        base = _INVALID_SHEET.sub("_", unit.name.removeprefix("中共")).strip("'") or "党组织"
        base = base[-31:]
        name, n = base, 2
        while name.lower() in used:
            suffix = f"({n})"
            name = base[: 31 - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        names.append(name)
    return names


def lines_needed(text: str, width: float) -> int:
    """Rows of wrapped text a cell of ``width`` characters needs (CJK counts double)."""
    if not text:
        return 1
    usable = max(width - 1.5, 4)
    return sum(max(1, -(-display_width(part) // int(usable))) for part in text.split("\n"))


def open_workbook(path: Path):
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {**XLSX_OPTIONS, "tmpdir": str(path.parent)})


def write_text(ws, row: int, col: int, value: str, fmt, quoted) -> None:
    """Text as text: never a formula, whatever the pledge says."""
    ws.write_string(row, col, value, quoted if is_dangerous(value) else fmt)


def page_setup(ws, *, landscape: bool = False, repeat_row: int | None = None) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.55, bottom=0.6)
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)
    ws.set_start_page(1)  # each organization's pages are numbered from 1
    ws.set_footer("&C第 &P 页", {"margin": 0.25})


def replace_into(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        if sharing.held_open(exc) is not None:  # Windows: a sharing violation, not a permission
            raise PledgebookError(f"无法写入「{path.name}」：{sharing.IN_USE}后重试。") from exc
        raise PledgebookError(f"无法写入「{path.name}」：没有写入权限（{exc.strerror or exc}）。"
                              "请检查文件是否只读、U盘是否写保护，或换一个位置。") from exc


def close_workbook(workbook, tmp: Path, path: Path) -> None:
    from xlsxwriter.exceptions import XlsxWriterException

    try:
        workbook.close()
    except (OSError, XlsxWriterException) as exc:
        tmp.unlink(missing_ok=True)
        raise PledgebookError(f"无法写入「{path.name}」：{exc}。请检查文件夹是否可写、磁盘是否已满。") from exc


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def formats(wb, big: int = 12) -> dict:
    base = {"font_name": "宋体", "font_size": big, "valign": "vcenter"}
    border = {"border": 1}
    return {
        "title": wb.add_format({**base, "font_name": "黑体", "font_size": 20, "bold": True, "align": "center"}),
        "sub": wb.add_format({**base, "align": "center"}),
        "head": wb.add_format({**base, **border, "bold": True, "align": "center", "text_wrap": True,
                               "bg_color": "#EDEDED"}),
        "cell": wb.add_format({**base, **border, "text_wrap": True, "align": "left"}),
        "center": wb.add_format({**base, **border, "text_wrap": True, "align": "center"}),
        "quoted": wb.add_format({**base, **border, "text_wrap": True, "quote_prefix": True}),
        "note": wb.add_format({**base, "text_wrap": True, "align": "left"}),
        "sign": wb.add_format({**base, "align": "right"}),
        "box": wb.add_format({**base, **border, "align": "center", "font_size": 16}),
    }
