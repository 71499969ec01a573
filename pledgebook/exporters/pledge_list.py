"""「导出当前列表」: exactly the rows the ledger shows — its filter, its sort — into one .xlsx.

Read a page at a time from SQL, as the list itself is (:func:`queries.pledge_page`),
written to a temporary name and renamed, so a half-written file is never left
under the clerk's name. Every cell is written as text or a number, never a formula.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger import queries

HEADERS = ["编号", "承诺人", "党组织", "类别", "状态", "完成时限", "逾期", "承诺事项"]
WIDTHS = [8, 14, 24, 12, 10, 12, 6, 60]
CHUNK = 2_000


@dataclass(frozen=True)
class ListExport:
    path: Path
    rows: int


def export_pledge_list(
    f: queries.PledgeFilter, path: str | os.PathLike[str], today: date | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> ListExport:
    """Write the list as ``f`` filters and sorts it to ``path`` (.xlsx); the rows written."""
    import xlsxwriter

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        target = target.with_name(target.name + ".xlsx")
    total = max(queries.pledge_summary(f, today, cap=10**9).total, 1)
    tmp = target.with_name(target.stem + ".part.xlsx")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("承诺台账")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for col, (header, width) in enumerate(zip(HEADERS, WIDTHS)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, header, bold)
    ws.freeze_panes(1, 0)
    written = 0
    try:
        while True:
            rows = queries.pledge_page(f, written, CHUNK, today)
            for row in rows:
                r = written + 1
                ws.write_number(r, 0, row.id)
                for col, value in enumerate((row.pledger, row.org, row.category, row.status, row.due,
                                             "逾期" if row.overdue else "", row.content), start=1):
                    if value:
                        ws.write_string(r, col, value)
                written += 1
            if progress is not None:
                progress("写入", min(written / total, 1.0))
            if len(rows) < CHUNK:
                break
        ws.autofilter(0, 0, written, len(HEADERS) - 1)
        wb.close()
        os.replace(tmp, target)
    except OSError as exc:
        if tmp.exists():
            tmp.unlink()
        raise PledgebookError(f"无法写入 {target}：{exc.strerror or exc}。请检查文件是否正被 Excel/WPS 打开，或换一个位置。") from exc
    return ListExport(target, written)
