"""Find the table in a sheet: the header row(s) and the data rows under it.

Township workbooks put a title or two above the header ("XX县2011年党员公开承
诺台账", "填报单位：… 填报日期：…"), merge cells, use a two-row header
(群众评议 over 满意 / 基本满意 / 不满意), and end with 合计/小计 rows and
footer lines (填报人, 审核人, 联系电话). :func:`find_table` recognises all of
them and returns only the data rows, each with its Excel row number.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pledgebook.importers.columns import BRACKETS, canonical, is_group, normalize_header
from pledgebook.importers.errors import NoTable
from pledgebook.importers.sheet import CellValue, Sheet

__all__ = ["Table", "find_table", "normalize_header"]

HEADER_SCAN = 15  # the header must start within this many non-blank rows
MAX_HEADER_ROWS = 3


@dataclass
class Table:
    """The table found in one sheet.

    ``header[j]`` is the normalized name of column j (0-based, A = 0), a
    path joined with '/' for a multi-row header ('群众评议/满意'), '' for a
    column without a name. ``canonical[j]`` is its canonical name or None
    when unknown (see :mod:`.columns`). ``header_rows`` are the Excel row
    numbers of the header. ``data`` holds (Excel row number, values) with as
    many values as header names. ``dropped`` lists (Excel row number, reason)
    for the total, footer and repeated-header rows that were left out.
    """

    sheet: str
    header: list[str]
    canonical: list[str | None]
    header_rows: list[int]
    data: list[tuple[int, list[CellValue]]]
    dropped: list[tuple[int, str]] = field(default_factory=list)
    date1904: bool = False
    # the header as written, units kept ('走访(户)', '走访(人次)' both normalize to '走访'):
    # the help-log columns are told apart by it (see importers.measures)
    raw_header: list[str] = field(default_factory=list)

    def unknown_columns(self) -> list[str]:
        """Named columns whose names are not known (listed in the report, not fatal)."""
        return [name for name, canon in zip(self.header, self.canonical, strict=True) if name and canon is None]

    def index(self, name: str) -> int | None:
        """The first column whose canonical name is ``name``, or None."""
        try:
            return self.canonical.index(name)
        except ValueError:
            return None


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # str.split() splits at exactly the characters regex \s matches (both ask Py_UNICODE_ISSPACE), 40% sooner
        return "".join(unicodedata.normalize("NFKC", value).split())
    return str(value)


def _is_blank(row: list[CellValue]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in row)


_NUMERIC = re.compile(r"[+-]?\d+(?:\.\d+)?%?")


def _is_label(value: CellValue) -> bool:
    """A cell that can be part of a header: text that is not a number or a date."""
    if not isinstance(value, str):
        return False
    text = _text(value)
    return bool(text) and not _NUMERIC.fullmatch(text) and len(text) <= 40


def _known(text: str, aliases: Mapping[str, str] | None) -> bool:
    return canonical(text, aliases) is not None or is_group(text)


def _header_score(row: list[CellValue], aliases: Mapping[str, str] | None) -> int:
    return sum(1 for value in row if _is_label(value) and _known(normalize_header(value), aliases))


def _table_width(header: list[str], data_rows: Sequence[Sequence[CellValue]]) -> int:
    """The table is as wide as its last named column or its last column with data."""
    last = max((j for j, name in enumerate(header) if name), default=-1)
    for row in data_rows:
        for j in range(len(row) - 1, last, -1):
            value = row[j]
            if value is not None and not (isinstance(value, str) and not value.strip()):
                last = j
                break
    return last + 1


def find_table(sheet: Sheet, *, aliases: Mapping[str, str] | None = None) -> Table:
    """Locate the header and return the data rows under it.

    The header is the row among the first :data:`HEADER_SCAN` non-blank rows
    with the most known column names (at least two); failing that, the first
    row of at least two text cells that is as wide as the table. The rows
    right under it join the header when they hold only labels and sit under
    a merged or empty parent (a two- or three-row header). Raises
    :class:`NoTable` when there is no header.
    """
    rows, numbers = sheet.rows, sheet.row_numbers
    if sheet.skipped:
        raise NoTable(f"工作表「{sheet.name}」未读取：{sheet.skipped}", sheet.name)
    top = rows[:HEADER_SCAN]
    scores = [_header_score(row, aliases) for row in top]
    best = max(scores, default=0)
    if best >= 2:
        start = scores.index(best)
    else:
        start = _fallback_header(top)
        if start is None:
            raise NoTable(
                f"工作表「{sheet.name}」前 {HEADER_SCAN} 行中找不到表头（如「姓名」「党组织」「承诺事项」等列名）。"
                "请确认表头在数据上方；如本县使用不同的列名，请在列名映射文件中说明。",
                sheet.name,
            )

    # a header cell merged down into the best-scoring row means the header starts above it
    while start > 0 and numbers[start - 1] == numbers[start] - 1 and any(
        r1 == numbers[start - 1] and r2 >= numbers[start] for r1, _c1, r2, _c2 in sheet.merges
    ):
        start -= 1

    header_end = start + 1
    while header_end - start < MAX_HEADER_ROWS and header_end < len(rows) and _continues_header(
        sheet, start, header_end, aliases
    ):
        header_end += 1

    header = _compose_header(sheet, start, header_end, max((len(row) for row in rows[start:]), default=0))
    width = _table_width(header, rows[header_end:])
    header = header[:width]
    raw_header = _compose_header(sheet, start, header_end, width, _plain)
    canon = [canonical(name, aliases) if name else None for name in header]

    data: list[tuple[int, list[CellValue]]] = []
    dropped: list[tuple[int, str]] = []
    header_values = list(rows[start][:width]) + [None] * (width - len(rows[start]))
    for row, number in zip(rows[header_end:], numbers[header_end:], strict=True):
        # the sheet's own row when it has the table's width (no copy of 20,000 rows)
        values = row if len(row) == width else list(row[:width]) + [None] * (width - len(row))
        reason = _not_data(values, header_values)
        if reason == "":
            continue  # blank
        if reason:
            dropped.append((number, reason))
            continue
        data.append((number, values))
    _fill_merged_down(data, sheet.merges, width)
    return Table(
        sheet=sheet.name,
        header=header,
        canonical=canon,
        header_rows=list(numbers[start:header_end]),
        data=data,
        dropped=dropped,
        date1904=sheet.date1904,
        raw_header=raw_header,
    )


def _fill_merged_down(data: list[tuple[int, list[CellValue]]], merges: list[tuple[int, int, int, int]],
                      width: int) -> None:
    """A cell merged down over several data rows (乡镇, 所在党组织, 承诺人) holds its value only in
    the top row: give it to every row the merge covers. Only ranges that start in the data area."""
    if not merges or not data:
        return
    at = {number: values for number, values in data}
    for r1, c1, r2, _c2 in merges:
        if r2 <= r1 or c1 >= width:
            continue
        top = at.get(r1)
        if top is None or top[c1] is None:
            continue
        value = top[c1]
        for number in range(r1 + 1, r2 + 1):
            below = at.get(number)
            if below is not None and below[c1] is None:
                below[c1] = value


def _fallback_header(top: list[list[CellValue]]) -> int | None:
    widest = max((sum(1 for v in row if not _blankish(v)) for row in top), default=0)
    for index, row in enumerate(top):
        filled = [v for v in row if not _blankish(v)]
        if len(filled) >= max(2, widest // 2) and all(_is_label(v) for v in filled) and not _is_meta_line(filled):
            return index
    return None


def _blankish(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_meta_line(filled: list[CellValue]) -> bool:
    """'填报单位：… 填报日期：…' and similar label:value lines above a table."""
    return any(":" in _text(v) for v in filled)


def _continues_header(sheet: Sheet, start: int, candidate: int, aliases: Mapping[str, str] | None) -> bool:
    """Does row ``candidate`` belong to the header that starts at row ``start``?"""
    rows, numbers = sheet.rows, sheet.row_numbers
    if numbers[candidate] != numbers[candidate - 1] + 1:
        return False
    row, above = rows[candidate], rows[candidate - 1]
    filled = [j for j, v in enumerate(row) if not _blankish(v)]
    if not filled or not all(_is_label(row[j]) for j in filled):
        return False
    header_numbers = set(numbers[start:candidate])
    # merged cells tell for sure: a header cell merged down into this row, or across above a cell of it
    for r1, c1, r2, c2 in sheet.merges:
        if r1 in header_numbers and r2 >= numbers[candidate]:
            return True
        if r1 == numbers[candidate - 1] == r2 and c2 > c1 and any(c1 <= j <= c2 for j in filled):
            return True
    # no merge information (CSV, ods): labels under empty cells that follow a parent label
    under_gap = 0
    for j in filled:
        if j < len(above) and _blankish(above[j]) and any(not _blankish(v) for v in above[:j]):
            under_gap += 1
    if under_gap == 0:
        return False
    known_leaves = sum(1 for j in filled if _known(normalize_header(row[j]), aliases))
    return under_gap + known_leaves >= len(filled) / 2 or under_gap >= 2


def _plain(value: CellValue) -> str:
    """A header cell with its unit kept: NFKC, no whitespace, () brackets, no '*'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).translate(BRACKETS)
    return re.sub(r"\s+", "", text).strip("*:")


def _compose_header(sheet: Sheet, start: int, end: int, width: int, norm=normalize_header) -> list[str]:
    """Name each column by its path through the header rows, filling merged parents."""
    grid = [[norm(v) for v in sheet.rows[r]][:width] + [""] * (width - len(sheet.rows[r]))
            for r in range(start, end)]
    numbers = sheet.row_numbers[start:end]
    position = {number: k for k, number in enumerate(numbers)}
    merged_fill = False
    for r1, c1, r2, c2 in sheet.merges:
        top = position.get(r1)
        if top is None:
            continue
        merged_fill = True
        value = grid[top][c1] if c1 < width else ""
        for number in range(r1, r2 + 1):
            k = position.get(number)
            if k is None:
                continue
            for j in range(c1, min(c2, width - 1) + 1):
                if not grid[k][j]:
                    grid[k][j] = value
    if not merged_fill:
        # without merge information a parent label stands over the empty cells to its right
        # as long as the row below has labels there
        for k in range(len(grid) - 1):
            current = ""
            for j in range(width):
                if grid[k][j]:
                    current = grid[k][j]
                elif current and grid[k + 1][j]:
                    grid[k][j] = current
                else:
                    current = ""
    names: list[str] = []
    for j in range(width):
        parts: list[str] = []
        for k in range(len(grid)):
            part = grid[k][j]
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        names.append("/".join(parts))
    return names


_TOTAL = re.compile(r"^.{0,12}(?:合计|小计|总计|共计|累计)(?::.*)?$")
_FOOTER_LABEL = (
    r"(?:填报人|填表人|审核人|审核|审批人|制表人|制表|负责人|单位负责人|主要负责人|分管领导|联系电话|联系人|"
    r"统计人|经办人|填报单位|填报日期|填表日期|单位\(盖章\)|盖章|说明|注|备注|附注)"
)
_FOOTER_WITH_COLON = re.compile(_FOOTER_LABEL + r":")
_FOOTER_START = re.compile(r"^" + _FOOTER_LABEL + r"(?::.*)?$")
_NOTE = re.compile(r"^(?:注|说明|备注)\d*[:.、]")


def _not_data(values: list[CellValue], header_values: list[CellValue]) -> str | None:
    """Why a row under the header is not data: '' when blank, a reason for a total, a
    footer or the header again, None for data. Looks at few cells: it runs on every row."""
    filled_count = len(values) - values.count(None)
    if filled_count == 0:
        return ""
    first: list[str] = []
    for value in values:
        if value is not None:
            text = _text(value)
            if text:
                first.append(text)
                if len(first) == 3:
                    break
    if not first:
        return ""
    if any(_TOTAL.match(t) for t in first if "计" in t):  # every total word ends in 计 (a number has none)
        return "合计/小计行"
    if filled_count <= 6:
        texts = [_text(v) for v in values if v is not None]
        all_text = all(v is None or isinstance(v, (str, dt.date)) for v in values)
        if _FOOTER_START.match(first[0]) or _NOTE.match(first[0]) or (
            all_text and any(_FOOTER_WITH_COLON.match(t) for t in texts)
        ):
            return "表尾（填报人、审核人等）"
    if values == header_values:
        return "重复的表头"
    return None
