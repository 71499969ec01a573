"""The plain result of reading a file: sheets of rows, no database, no widgets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Union

CellValue = Union[str, int, float, bool, dt.date, dt.datetime, None]


def column_letter(index: int) -> str:
    """0-based column index → Excel letters: 0 → 'A', 27 → 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class CellIssue:
    """A cell the reader would not pass on as it is.

    ``kind`` is 'too_long' (the value was over the cell limit and is replaced
    by None in the rows) or 'control_chars' (the value is kept; the caller
    must reject it). ``row`` is the Excel row number, ``col`` the 0-based
    column index.
    """

    row: int
    col: int
    kind: str
    message: str

    @property
    def column(self) -> str:
        return column_letter(self.col)


@dataclass
class Sheet:
    """One sheet (a CSV file is one sheet named after the file).

    ``rows[i]`` is the content of Excel row ``row_numbers[i]`` (1-based, as
    Excel shows it); blank rows are left out. ``rows[i][j]`` is column ``j``
    (0-based, so j=0 is column A). Values are str, int, float, bool,
    date, datetime or None (empty); a date-formatted cell arrives as a
    date/datetime, a number as a float. ``skipped`` says why the sheet was not
    read (its rows are then empty). ``date1904`` tells that serial numbers in
    this workbook count from 1904. ``merges`` lists merged ranges as
    (first_row, first_col, last_row, last_col), rows as Excel row numbers and
    columns 0-based (xlsx/xls only). ``issues`` lists the cells that were too
    long or hold control characters.
    """

    name: str
    rows: list[list[CellValue]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    skipped: str | None = None
    date1904: bool = False
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    issues: list[CellIssue] = field(default_factory=list)
