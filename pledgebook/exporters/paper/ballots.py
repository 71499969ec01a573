"""评议 ballots (one worksheet per organization, three boxes per pledge, no voter names) and the tally beside them."""

from __future__ import annotations

import time
from pathlib import Path

from pledgebook.exporters.paper.sheets import (
    PaperResult,
    Progress,
    close_workbook,
    formats,
    lines_needed,
    open_workbook,
    page_setup,
    replace_into,
    sheet_names,
    write_text,
)
from pledgebook.exporters.paper.tally import write_tally
from pledgebook.exporters.paper.units import Unit, collect, scope
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError

BALLOT_KINDS = {"public": "群众评议", "member": "党员评议"}


def ballot_kind(text: str) -> str:
    code = vocab.code_for(BALLOT_KINDS, text) if text not in BALLOT_KINDS else text
    if code not in BALLOT_KINDS:
        raise ValidationError(f"评议方式只能是：{'、'.join(BALLOT_KINDS.values())}，收到「{text}」", "kind")
    return code


def _write_ballot_sheet(ws, unit: Unit, f: dict, kind_label: str, year: int) -> None:
    columns = [("序号", 5), ("承诺人", 10), ("职务", 11), ("承诺事项", 44), ("满意", 8), ("基本满意", 8), ("不满意", 8)]
    ncol = len(columns)
    for j, (_, width) in enumerate(columns):
        ws.set_column(j, j, width)
    ws.set_row(0, 36)
    ws.merge_range(0, 0, 0, ncol - 1, f"{unit.name}党员公开承诺{kind_label}票", f["title"])
    who = "群众" if kind_label == "群众评议" else "党员"
    ws.set_row(1, 62)
    ws.merge_range(
        1, 0, 1, ncol - 1,
        f"说明：请{who}对以下{year}年度承诺的兑现情况进行评议，在每项承诺后「满意」「基本满意」「不满意」三栏中"
        "选一栏划「√」。每项只能划一栏，多划或不划的该项无效。本票不记名，请勿填写姓名。",
        f["note"],
    )
    for j, (header, _) in enumerate(columns):
        ws.write_string(2, j, header, f["head"])
    ws.set_row(2, 24)
    widths = [w for _, w in columns]
    row = 3
    for i, line in enumerate(unit.lines, start=1):
        ws.write_number(row, 0, i, f["center"])
        cells = (line.pledger, line.post, line.content)
        for j, value in enumerate(cells, start=1):
            write_text(ws, row, j, value, f["cell"] if j == 3 else f["center"], f["quoted"])
        for j in (4, 5, 6):
            ws.write_blank(row, j, None, f["box"])
        lines = max(lines_needed(v, widths[j]) for j, v in enumerate(cells, start=1))
        ws.set_row(row, max(26, 17 * lines + 6))
        row += 1
    row += 1
    ws.merge_range(row, 3, row, ncol - 1, "评议日期：　　　年　　月　　日", f["sign"])
    ws.print_area(0, 0, row, ncol - 1)
    page_setup(ws, repeat_row=2)


def tally_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}_计票表{path.suffix or '.xlsx'}")


def tally_beside(path: Path, tally_path: str | Path | None, what: str) -> Path:
    """Where the tally of the ballots at ``path`` goes: ``tally_path``, else ``<name>_计票表.xlsx`` beside them."""
    tally = Path(tally_path) if tally_path else tally_path_for(path)
    if tally.resolve() == path.resolve():
        raise ValidationError(f"计票表不能与{what}写入同一个文件", "tally")
    return tally


def print_ballots(
    path: str | Path,
    *,
    kind: str,
    org: str | None = None,
    org_id: int | None = None,
    year: int | None = None,
    tally_path: str | Path | None = None,
    progress: Progress | None = None,
) -> PaperResult:
    """Write the ballots (one sheet per organization) and the tally workbook beside them."""
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    path = Path(path)
    code = ballot_kind(kind)
    kind_label = BALLOT_KINDS[code]
    root, year = scope(org, org_id, year)
    units = collect(root, year)
    if not units:
        raise PledgebookError(f"「{root.name}」在{year}年度没有可评议的承诺")
    tally = tally_beside(path, tally_path, "选票")
    tmp = path.with_name(path.name + ".part")
    wb = open_workbook(tmp)
    f = formats(wb)
    for i, (unit, name) in enumerate(zip(units, sheet_names(units), strict=True)):
        _write_ballot_sheet(wb.add_worksheet(name), unit, f, kind_label, year)
        if i % 50 == 0:
            report("写入选票", i, len(units))
    close_workbook(wb, tmp, path)
    report("写入计票表", 0, 1)
    tally_tmp = tally.with_name(tally.name + ".part")
    write_tally(tally_tmp, tally, root, units, kind_label, year)
    replace_into(tmp, path)
    replace_into(tally_tmp, tally)
    report("写入计票表", 1, 1)
    pledges = sum(len(u.lines) for u in units)
    return PaperResult(path, len(units), pledges, path.stat().st_size, time.perf_counter() - started,
                       tally_path=tally, tally_size=tally.stat().st_size)
