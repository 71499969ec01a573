"""The report's tables as plain data: one :class:`Sheet` per table, the :class:`ReportData` of a year."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pledgebook.models.ledger.figures import Figures

Progress = Callable[[str, float], None]

UNITS = "单位：个、名、条、%"


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
