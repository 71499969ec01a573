"""The report as files: :func:`export_report` (the workbook, or the same tables as CSV files)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pledgebook.exporters.report.data import Progress, ReportData, ReportResult, sheet_title
from pledgebook.exporters.report.sheets import build_report
from pledgebook.exporters.report.xlsx import write_xlsx
from pledgebook.exporters.safety import write_csv
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger.figures import percent


def _csv_number(value, kind: str):
    """A cell as the workbook shows it: 67.8% for a rate, 2.50 for 万元."""
    if isinstance(value, str) or value is None:
        return value
    return percent(value) if kind == "pct" else f"{value:.2f}" if kind == "money" else value


def write_csv_files(data: ReportData, path: Path) -> tuple[list[Path], dict[str, int]]:
    """The same tables as UTF-8-with-BOM CSV files: ``<stem>_<sheet>.csv`` beside ``path``."""
    path = Path(path)
    stem = path.stem if path.suffix.lower() == ".csv" else path.name
    paths, counts = [], {}
    for sheet in data.sheets:
        target = path.parent / f"{stem}_{sheet.name}.csv"
        rows: list[Sequence] = [
            [sheet_title(data, sheet)],
            [f"填报单位：{data.unit}", f"填报日期：{data.made_on.isoformat()}", sheet.units, *([sheet.note] if sheet.note else [])],
            [h.replace("\n", "") for h in sheet.headers],
        ]
        for row in [*sheet.rows, *([sheet.total] if sheet.total else [])]:
            rows.append([_csv_number(v, k) for v, k in zip(row, sheet.kinds)])
        if not sheet.rows:
            rows.append([sheet.empty])
        write_csv(target, rows)
        paths.append(target)
        counts[sheet.name] = len(sheet.rows)
    return paths, counts


def _check_target(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        raise PledgebookError(f"文件夹 {parent} 不存在。请先建立该文件夹，或换一个保存位置。")
    if not os.access(parent, os.W_OK):
        raise PledgebookError(f"文件夹 {parent} 不能写入（只读）。请换一个保存位置。")


def export_report(
    path: str | os.PathLike[str],
    *,
    year: int | None = None,
    org_code: str | None = None,
    fmt: str = "xlsx",
    today: date | None = None,
    progress: Progress | None = None,
) -> ReportResult:
    """Write the report workbook (or CSV files) for one year; the core of ``pledgebook export report``."""
    started = time.perf_counter()
    report = progress or (lambda stage, frac: None)
    path = Path(path)
    if fmt not in ("xlsx", "csv"):
        raise PledgebookError("--format 只能是 xlsx 或 csv")
    _check_target(path)
    report("统计", 0.0)
    data = build_report(year, org_code, today=today)
    if fmt == "csv":
        paths, counts = write_csv_files(data, path)
    else:
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        tmp = path.with_name(path.stem + ".part.xlsx")
        try:
            counts = write_xlsx(data, tmp, lambda stage, frac: report(stage, 0.1 + 0.9 * frac))
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        paths = [path]
    return ReportResult(paths, data.year, data.org_name, counts, data.total.as_dict(), time.perf_counter() - started)
