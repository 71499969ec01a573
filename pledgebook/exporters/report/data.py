"""The report's tables as plain data: one :class:`Sheet` per table, the :class:`ReportData` of a year."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from pledgebook.models.ledger.figures import Figures

Progress = Callable[[str, float], None]

UNITS = "单位：个、名、条、%"
SHEET_ROWS = 1_048_576 - 4  # an Excel/WPS worksheet's rows, less the title, the line under it, the headers, a total


@dataclass
class Sheet:
    """One table: a sheet in the workbook, one file in the CSV variant."""

    name: str
    title: str
    headers: list[str]  # a "\n" breaks a header in two lines in the workbook (joined in CSV)
    kinds: list[str]  # text | wrap | int | money | pct | date
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    chart: str | None = None  # title of a column chart of the first pct column by the first column
    note: str = ""
    units: str = UNITS
    empty: str = "（无）"  # written under the headers when there are no rows


def fit_to_worksheets(sheets: list[Sheet], most: int | None = None) -> list[Sheet]:
    """Each sheet longer than a worksheet holds (a province's 承诺台账: 1.1 million pledges) as several:
    承诺台账, 承诺台账（2）, … each with the headers; 序号 runs on, the total row ends the last. A worksheet
    cuts off silently at row 1,048,576, so without this the rest of the pledges would be missing."""
    most = most or SHEET_ROWS
    fitted: list[Sheet] = []
    for sheet in sheets:
        if len(sheet.rows) <= most:
            fitted.append(sheet)
            continue
        starts = range(0, len(sheet.rows), most)
        fitted += [replace(sheet, name=sheet.name if not n else f"{sheet.name}（{n + 1}）",
                           title=sheet.title if not n else f"{sheet.title}（续{n}）", rows=sheet.rows[i:i + most],
                           total=sheet.total if i + most >= len(sheet.rows) else None, chart=None if n else sheet.chart)
                   for n, i in enumerate(starts)]
    return fitted


@dataclass
class ReportData:
    county: dict[str, str]
    year: int
    org_name: str
    unit: str
    made_on: date
    sheets: list[Sheet]
    total: Figures


@dataclass
class ReportResult:
    paths: list[Path]
    year: int
    org_name: str
    rows: dict[str, int]
    totals: dict
    seconds: float

    def as_dict(self) -> dict:
        return {
            "paths": [str(p) for p in self.paths],
            "year": self.year,
            "org": self.org_name,
            "rows": self.rows,
            "totals": self.totals,
            "seconds": round(self.seconds, 2),
        }


def rate(value: float | None) -> float | str:
    """A rate as a cell: the fraction, or — when there is none."""
    return "—" if value is None else value


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def sheet_title(data: ReportData, sheet: Sheet) -> str:
    """The title over a table: county, org (when not the county), year and the table's own title."""
    org = "" if data.org_name == data.county["name"] else data.org_name
    return f"{data.county['name']}{org}{data.year}年度{sheet.title}"
