"""The report workbook (XlsxWriter): one sheet per table, A4 landscape, a native chart on the first.

XlsxWriter runs in ``constant_memory`` mode (rows go straight to disk, in
order), so a 20,000-row listing stays fast and small in memory. Text is
always written as text (see :mod:`pledgebook.exporters.safety`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pledgebook.exporters.report.data import Progress, ReportData, Sheet, cn_date, sheet_title
from pledgebook.exporters.safety import DANGEROUS_START, XLSX_OPTIONS, display_width
from pledgebook.models.core.errors import PledgebookError

MAX_COL_WIDTH = 60
LISTING_SAMPLE = 400  # rows looked at to size the listing's columns


def _widths(sheet: Sheet) -> list[float]:
    widths = [max(display_width(line) for line in h.split("\n")) + 2 for h in sheet.headers]
    sample = sheet.rows[:LISTING_SAMPLE]
    if sheet.total:
        sample = [*sample, sheet.total]
    for row in sample:
        for i, v in enumerate(row):
            if v is None:
                continue
            kind = sheet.kinds[i]
            w = 10 if kind in ("date", "pct") else display_width(str(v)) + 2
            if w > widths[i]:
                widths[i] = w
    return [min(w, 40 if sheet.kinds[i] == "wrap" else MAX_COL_WIDTH) for i, w in enumerate(widths)]


def _formats(wb) -> dict:
    """Every cell format of the workbook, made once."""
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    cell = {**base, "border": 1}
    total = {**cell, "bold": True}
    f = {
        "title": wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"}),
        "sub": wb.add_format({**base}),
        "head": wb.add_format({**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7"}),
        "text": wb.add_format(cell),
        "quoted": wb.add_format({**cell, "quote_prefix": True}),
        "wrap": wb.add_format({**cell, "text_wrap": True}),
        "wrap_quoted": wb.add_format({**cell, "text_wrap": True, "quote_prefix": True}),
        "int": wb.add_format({**cell, "num_format": "0"}),
        "pct": wb.add_format({**cell, "num_format": "0.0%"}),
        "money": wb.add_format({**cell, "num_format": "0.00"}),
        "date": wb.add_format({**cell, "align": "center"}),
        "total_text": wb.add_format(total),
        "total_int": wb.add_format({**total, "num_format": "0"}),
        "total_pct": wb.add_format({**total, "num_format": "0.0%"}),
        "total_money": wb.add_format({**total, "num_format": "0.00"}),
    }
    f["num"] = {"int": f["int"], "pct": f["pct"], "money": f["money"]}
    f["totals"] = {"int": f["total_int"], "pct": f["total_pct"], "money": f["total_money"]}
    return f


def write_xlsx(data: ReportData, path: Path, progress: Progress | None = None) -> dict[str, int]:
    """Write the workbook (to ``path``); returns data rows per sheet."""
    import xlsxwriter

    report = progress or (lambda stage, frac: None)
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, **XLSX_OPTIONS})
    wb.set_properties({"title": f"{data.county['name']}{data.year}年度承诺情况", "author": data.unit, "company": data.unit})
    f = _formats(wb)
    counts: dict[str, int] = {}
    n_sheets = len(data.sheets)
    for s_index, sheet in enumerate(data.sheets):
        report(sheet.name, s_index / n_sheets)
        ws = wb.add_worksheet(sheet.name)
        _write_head(ws, data, sheet, f)

        def step(frac: float, s_index: int = s_index, name: str = sheet.name) -> None:
            report(name, (s_index + frac) / n_sheets)

        r = _write_body(ws, sheet, f, step)
        counts[sheet.name] = len(sheet.rows)
        if sheet.chart and sheet.rows:
            _insert_chart(wb, ws, sheet, r)
    report("保存", 0.99)
    try:
        wb.close()
    except OSError as exc:
        raise PledgebookError(f"无法写入报表文件 {path}：{exc.strerror or exc}。请检查文件是否正被 Excel/WPS 打开，或换一个位置。") from exc
    report("完成", 1.0)
    return counts


def _write_head(ws, data: ReportData, sheet: Sheet, f: dict) -> None:
    """Column widths, page setup, the title, the line under it and the header row."""
    ncols = len(sheet.headers)
    for i, w in enumerate(_widths(sheet)):
        ws.set_column(i, i, w)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(2)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.freeze_panes(3, 0)
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, max(ncols - 1, 1), sheet_title(data, sheet), f["title"])
    sub = f"填报单位：{data.unit}　　填报日期：{cn_date(data.made_on)}　　{sheet.units}"
    if sheet.note:
        sub += "　　" + sheet.note
    ws.merge_range(1, 0, 1, max(ncols - 1, 1), sub, f["sub"])
    lines = max(h.count("\n") for h in sheet.headers) + 1
    if lines > 1:
        ws.set_row(2, 13.5 * lines + 1.5)
    for c, h in enumerate(sheet.headers):
        ws.write_string(2, c, h, f["head"])


def _write_body(ws, sheet: Sheet, f: dict, step: Callable[[float], None]) -> int:
    """The rows (in twenty steps, for progress), the total row, or the empty note; returns the next row."""
    from pledgebook.exporters import fastrows  # imports xlsxwriter: only when a workbook is written
    kinds = sheet.kinds
    every = max(1, len(sheet.rows) // 20)
    # formats per column, chosen once (not per cell)
    plain = [f["wrap"] if k == "wrap" else f["date"] if k == "date" else f["text"] for k in kinds]
    quoted = [f["wrap_quoted"] if k == "wrap" else f["quoted"] for k in kinds]
    numeric = [f["num"].get(k, f["int"]) for k in kinds]
    r = 3
    for start in range(0, len(sheet.rows), every):
        # text starting with = + - @ tab CR gets the quote-prefixed format (see safety.is_dangerous)
        r = fastrows.write_rows(ws, r, sheet.rows[start:start + every], plain, numeric, quoted, DANGEROUS_START)
        step(start / max(1, len(sheet.rows)))
    if sheet.total:
        for c, v in enumerate(sheet.total):
            if isinstance(v, str):
                ws.write_string(r, c, v, f["total_text"])
            else:
                ws.write_number(r, c, v, f["totals"].get(kinds[c], f["total_int"]))
        r += 1
    if not sheet.rows:
        ws.write_string(r, 0, sheet.empty, f["text"])
    return r


def _insert_chart(wb, ws, sheet: Sheet, r: int) -> None:
    """A column chart of the sheet's first rate column, by its first column, under the table."""
    pct_col = sheet.kinds.index("pct")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({
        "name": "兑现率",
        "categories": [sheet.name, 3, 0, 2 + len(sheet.rows), 0],
        "values": [sheet.name, 3, pct_col, 2 + len(sheet.rows), pct_col],
        "data_labels": {"value": True, "num_format": "0%"},
    })
    chart.set_title({"name": sheet.chart, "name_font": {"name": "宋体", "size": 12}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
    chart.set_x_axis({"num_font": {"name": "宋体", "size": 9, "rotation": -45}})
    chart.set_size({"width": 960, "height": 400})
    ws.insert_chart(r + 1, 0, chart)
