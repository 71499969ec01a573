"""One printed list on one A4 sheet — a title, a line or two under it, a bordered table with its header
repeated on every page, an optional 公示 footer and signature — shared by the third ledger's notices and
lists (民主评议结果公示, 星级评定 table and 公示, 授旗名单, 评选表彰公示 and 表彰名单)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pledgebook.exporters.paper.sheets import (
    Progress,
    close_workbook,
    cn_date,
    formats,
    lines_needed,
    open_workbook,
    page_setup,
    replace_into,
    sheet_names,
    write_text,
)
from pledgebook.models.store import audit, settings
from pledgebook.models.store.lifecycle import transaction


@dataclass
class Listing:
    """What one sheet shows. ``rows`` hold text or numbers, one value per column (the 序号 is added)."""

    name: str  # the sheet's tab (an org's name, a kind of honour)
    title: str
    columns: list[tuple[str, float]]  # (header, width), without 序号
    rows: Sequence[Sequence[str | int | float]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # under the title (公示时间, counts …)
    signer: str = ""  # the signature under the table (an org's name); none when empty
    signed_on: date | None = None
    complaint: bool = False  # the 公示 sentence with the supervision phone
    landscape: bool = False


def publicity_line(when: date) -> str:
    """「公示时间：2024年12月20日至2024年12月26日（7天）」 from the county's publicity_days setting."""
    days = settings.get_int("publicity_days")
    return f"公示时间：{cn_date(when)}至{cn_date(when + timedelta(days=days - 1))}（{days}天）"


def complaint_text() -> str:
    phone = settings.get("supervision_phone")
    return "公示期间，如有意见和建议，请向本组织或上级党组织反映" + (f"。监督电话：{phone}" if phone else "") + "。"


def write_listing(ws, f: dict, listing: Listing) -> None:
    """Write ``listing`` on ``ws`` with the shared formats ``f`` (:func:`sheets.formats`)."""
    columns = [("序号", 6.0), *listing.columns]
    last = len(columns) - 1
    for j, (_, width) in enumerate(columns):
        ws.set_column(j, j, width)
    ws.set_row(0, 36)
    ws.merge_range(0, 0, 0, last, listing.title, f["title"])
    row = 1
    for line in listing.lines:
        ws.set_row(row, max(24, 17 * lines_needed(line, sum(w for _, w in columns)) + 6))
        ws.merge_range(row, 0, row, last, line, f["sub"] if row == 1 else f["note"])
        row += 1
    header = row
    for j, (name, _) in enumerate(columns):
        ws.write_string(header, j, name, f["head"])
    ws.set_row(header, 24)
    row += 1
    for number, values in enumerate(listing.rows, start=1):
        ws.write_number(row, 0, number, f["center"])
        height = 1
        for j, value in enumerate(values, start=1):
            if isinstance(value, (int, float)):
                ws.write_number(row, j, value, f["center"])
            else:
                write_text(ws, row, j, value, f["center"], f["quoted"])
                height = max(height, lines_needed(value, columns[j][1]))
        ws.set_row(row, max(24, 17 * height + 6))
        row += 1
    if listing.complaint:
        row += 1
        ws.set_row(row, 36)
        ws.merge_range(row, 0, row, last, complaint_text(), f["note"])
    if listing.signer:
        row += 2
        ws.merge_range(row, max(1, last - 3), row, last, listing.signer, f["sign"])
        if listing.signed_on is not None:
            row += 1
            ws.merge_range(row, max(1, last - 3), row, last, cn_date(listing.signed_on), f["sign"])
    ws.print_area(0, 0, row, last)
    page_setup(ws, landscape=listing.landscape, repeat_row=header)


def write_listings(path: Path, listings: list[Listing], progress: Progress | None = None) -> int:
    """A workbook of ``listings``, one sheet each, written to a temporary name and renamed; returns its size."""
    report = progress or (lambda stage, done, total: None)
    tmp = path.with_name(path.name + ".part")
    wb = open_workbook(tmp)
    f = formats(wb)
    for i, (listing, name) in enumerate(zip(listings, sheet_names(listings), strict=True)):
        write_listing(wb.add_worksheet(name), f, listing)
        if i % 50 == 0:
            report("写入", i, len(listings))
    report("保存", len(listings), len(listings))
    close_workbook(wb, tmp, path)
    replace_into(tmp, path)
    return path.stat().st_size


def record_print(table: str, what: str, path: Path, counts: dict[str, int], when: date | None = None) -> None:
    """One audit entry for one print run: what was printed, where, how much (and the 公示 date)."""
    changes: dict[str, tuple[object, object]] = {key: (None, value) for key, value in counts.items()}
    if when is not None:
        changes["published_on"] = (None, when)
    with transaction():
        audit.record("print", table, None, changes, note=f"打印{what} {path.name}")
