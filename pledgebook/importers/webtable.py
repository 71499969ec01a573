""""Excel" files that web 党建 systems export and that are not Excel: an HTML table, or Excel 2003 XML.

Excel and WPS open both, so a clerk cannot tell them from a workbook. They are
read here with the standard library alone, in the sandbox child like every
workbook (:mod:`.sandbox` calls :func:`read_html` and :func:`read_spreadsheetml`):

- HTML: the encoding from a byte order mark or the ``<meta charset>`` (GBK and
  GB2312 are read as GB18030, their superset), else UTF-8 or GB18030, whichever
  decodes; every ``<table>`` that is not inside another one is a sheet; ``colspan``
  and ``rowspan`` become merged ranges, as in a workbook; every cell stays text,
  which is what ``mso-number-format:"\\@"`` asks for (an 18-digit ID number
  survives: Excel itself would have turned an unmarked one into a float).
- SpreadsheetML (``<?mso-application progid="Excel.Sheet"?>``): refused when it
  has a DTD or an entity declaration (no entity is ever expanded, nothing
  external is fetched); ``ss:Type="String"`` cells stay text, Number becomes a
  number, DateTime a date; ``ss:Index`` gaps, ``ss:MergeAcross`` and
  ``ss:MergeDown`` are honoured.

Rows and columns are capped as for workbooks; what does not fit raises
:class:`Refused` with a Chinese reason. Returns the same plain dicts as
:func:`.sandbox.read_workbook`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path


class Refused(Exception):
    """The file must not be parsed; ``args[0]`` is the Chinese reason (the sandbox passes it on)."""


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_WIDE = {"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "hz-gb-2312"}


def _too_big(max_rows: int, max_cols: int) -> Refused:
    return Refused(f"超出可导入的范围（最多 {max_rows} 行、{max_cols} 列）。请拆分成几个文件，或在 Excel/WPS 中打开后"
                   "只保留数据表格再导入")


# --------------------------------------------------------------------------- HTML


def decode_html(data: bytes) -> str:
    """The page's text: BOM, then <meta charset>, then UTF-8, then GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    declared = _META_CHARSET.search(data[:8192])
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        name = "gb18030" if name in _WIDE else name
        try:
            return data.decode(name)
        except LookupError:
            pass
        except UnicodeDecodeError:
            if name != "utf-8":
                return data.decode(name, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


class _Tables(HTMLParser):
    """Collects the cells of every outermost <table>: [(rows of (row, col, text, rowspan, colspan))]."""

    def __init__(self, max_rows: int, max_cols: int):
        super().__init__(convert_charrefs=True)
        self.max_rows, self.max_cols = max_rows, max_cols
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self.depth = 0
        self.rows: list[list[tuple[str, int, int]]] | None = None
        self.cell: list[str] | None = None
        self.span: tuple[int, int] = (1, 1)  # (rowspan, colspan) of the open cell
        self.skip = 0  # inside <style> or <script>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.skip += 1
        elif tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.rows = []
                self.tables.append(self.rows)
        elif self.depth != 1 or self.rows is None:
            if tag == "br" and self.cell is not None:
                self.cell.append("\n")
        elif tag == "tr":
            self.close_cell()
            if len(self.rows) >= self.max_rows:
                raise _too_big(self.max_rows, self.max_cols)
            self.rows.append([])
        elif tag in ("td", "th"):
            self.close_cell()
            if not self.rows:
                self.rows.append([])
            values = dict(attrs)
            self.span = (_span(values.get("rowspan")), _span(values.get("colspan")))
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip = max(0, self.skip - 1)
        elif tag == "table":
            if self.depth == 1:
                self.close_cell()
                self.rows = None
            self.depth = max(0, self.depth - 1)
        elif self.depth == 1 and tag in ("td", "th", "tr"):
            self.close_cell()

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.skip:
            self.cell.append(data)

    def close_cell(self) -> None:
        if self.cell is None or self.rows is None:
            return
        text = "".join(self.cell)
        lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in re.split(r"\n", text)]
        value = "\n".join(line for line in lines if line) if "\n" in text else lines[0] if lines else ""
        row = self.rows[-1]
        if len(row) >= self.max_cols:
            if value:
                raise _too_big(self.max_rows, self.max_cols)
        else:
            row.append((value, *self.span))
        self.cell = None


def _span(text: str | None) -> int:
    try:
        return min(max(1, int(str(text).strip())), 65536)
    except (TypeError, ValueError):
        return 1


class _Covered:
    """Cells covered by a merge from a row above (rowspan, ss:MergeDown), kept as ranges, not cells."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, int, int]] = []  # first row, last row, first col, last col

    def add(self, r1: int, r2: int, c1: int, c2: int) -> None:
        if r2 > r1:
            self.spans.append((r1, r2, c1, c2))

    def free(self, row: int, col: int) -> int:
        """The first column at or after ``col`` in ``row`` that no merge from above covers."""
        if self.spans and self.spans[0][1] < row:
            self.spans = [span for span in self.spans if span[1] >= row]
        moved = True
        while moved:
            moved = False
            for r1, r2, c1, c2 in self.spans:
                if r1 < row <= r2 and c1 <= col <= c2:
                    col, moved = c2 + 1, True
        return col


def _grid(rows: list[list[tuple[str, int, int]]], max_rows: int, max_cols: int) -> tuple[list[list], list]:
    """Place cells on a grid as a browser does (rowspan pushes later cells right); merges as in xlsx."""
    grid: list[list] = []
    merges: list[tuple[int, int, int, int]] = []
    covered = _Covered()
    for r, cells in enumerate(rows):
        line: list = []
        grid.append(line)
        c = 0
        for value, rowspan, colspan in cells:
            c = covered.free(r, c)
            if c >= max_cols:
                if value:
                    raise _too_big(max_rows, max_cols)
                break
            line.extend([""] * (c + 1 - len(line)))
            line[c] = value
            rowspan = min(rowspan, max(1, len(rows) - r))
            colspan = min(colspan, max_cols - c)
            if rowspan > 1 or colspan > 1:
                merges.append((r + 1, c, r + rowspan, c + colspan - 1))
                covered.add(r, r + rowspan - 1, c, c + colspan - 1)
            c += colspan
    width = max((len(line) for line in grid), default=0)
    return [line + [""] * (width - len(line)) for line in grid], merges


def read_html(path: str, max_rows: int, max_cols: int) -> list[dict]:
    """Every outermost table of an HTML page as a sheet: {name, rows (raw grid), merges}."""
    data = Path(path).read_bytes()
    parser = _Tables(max_rows, max_cols)
    try:
        parser.feed(decode_html(data))
        parser.close()
    except (AssertionError, ValueError) as exc:  # the standard parser's word for markup it cannot follow
        raise Refused(f"是网页(HTML)文件，但格式有误，无法读出表格（{str(exc)[:80]}）。请重新从系统导出，"
                      "或在 Excel/WPS 中打开后另存为 .xlsx 再导入") from None
    parser.close_cell()  # the last cell of a file cut short
    stem = Path(path).stem
    tables = [rows for rows in parser.tables if any(any(v for v, _, _ in line) for line in rows)]
    if not tables:
        raise Refused("实际上是网页(HTML)文件，其中没有数据表格（可能是系统的登录页或错误页，而不是导出的数据）。"
                      "请重新从系统导出，或在 Excel/WPS 中打开后「另存为」Excel 工作簿（.xlsx）再导入")
    sheets = []
    for index, rows in enumerate(tables, start=1):
        grid, merges = _grid(rows, max_rows, max_cols)
        sheets.append({"name": stem if len(tables) == 1 else f"{stem}-表{index}", "raw": grid,
                       "numbers": list(range(1, len(grid) + 1)), "merges": merges})
    return sheets


# --------------------------------------------------------------------------- SpreadsheetML

_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_\-]+)["']""")
_EXPAT_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "iso-8859-1", "latin-1", "us-ascii", "ascii"}


def read_spreadsheetml(path: str, max_rows: int, max_cols: int) -> list[dict]:
    """Every worksheet of an Excel 2003 XML file: {name, grid, merges, skipped}."""
    import xml.etree.ElementTree as ET

    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    if _DTD.search(head):
        raise Refused("含有 XML 文档类型定义（DOCTYPE/ENTITY），正常的 Excel 文件不会有，可能是恶意构造的文件")
    source: object = path
    declared = _XML_ENCODING.match(head)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _EXPAT_ENCODINGS:
        # expat reads UTF-8/UTF-16/Latin-1 only: a GBK export is decoded here and handed over as UTF-8
        import io

        name = declared.group(1).decode("ascii", "replace").lower()
        name = "gb18030" if name in _WIDE else name
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            text = data.decode(name, "replace")
        except LookupError:
            raise Refused(f"声明的文字编码「{name}」无法识别。请在 Excel/WPS 中打开后另存为 .xlsx 再导入") from None
        if _DTD.search(text.encode("utf-8", "replace")):
            raise Refused("含有 XML 文档类型定义（DOCTYPE/ENTITY），正常的 Excel 文件不会有，可能是恶意构造的文件")
        body = text[text.index("?>") + 2:] if text.lstrip().startswith("<?xml") else text
        source = io.BytesIO(('<?xml version="1.0" encoding="UTF-8"?>' + body).encode("utf-8"))
    sheets: list[dict] = []
    sheet: dict | None = None
    cells: dict[tuple[int, int], object] = {}
    merges: list[tuple[int, int, int, int]] = []
    covered = _Covered()
    row = col = -1
    hidden = False
    try:
        for event, element in ET.iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == _SS + "Worksheet":
                    sheet = {"name": element.get(_SS + "Name", f"Sheet{len(sheets) + 1}")}
                    cells, merges, covered, row, hidden = {}, [], _Covered(), -1, False
                elif tag == _SS + "Row" and sheet is not None:
                    row = _index(element, row + 1)
                    col = -1
                    if row >= max_rows:
                        raise _too_big(max_rows, max_cols)
                continue
            if tag == _SS + "Cell" and sheet is not None and row >= 0:
                col = covered.free(row, _index(element, col + 1))
                if col >= max_cols:
                    raise _too_big(max_rows, max_cols)
                data = element.find(_SS + "Data")
                if data is not None:
                    cells[(row, col)] = _typed(data)
                down, across = _int(element.get(_SS + "MergeDown")), _int(element.get(_SS + "MergeAcross"))
                if down or across:
                    last_row, last_col = min(row + down, max_rows - 1), min(col + across, max_cols - 1)
                    merges.append((row + 1, col, last_row + 1, last_col))
                    covered.add(row, last_row, col, last_col)
                    col = last_col
                element.clear()
            elif tag.endswith("}Visible") and (element.text or "").strip() in ("SheetHidden", "SheetVeryHidden"):
                hidden = True
            elif tag == _SS + "Worksheet" and sheet is not None:
                sheet["merges"] = merges
                sheet["raw"], sheet["numbers"] = _rows(cells)
                if hidden:
                    sheet["skipped"] = "隐藏的工作表，未读取（如需导入，请在 Excel/WPS 中取消隐藏）"
                sheets.append(sheet)
                sheet = None
                element.clear()
    except ET.ParseError as exc:
        raise Refused(f"是「XML 电子表格 2003」格式，但内容已损坏或不完整（{str(exc)[:80]}）。"
                      "请重新从系统导出，或在 Excel/WPS 中打开后另存为 .xlsx 再导入") from None
    if not sheets:
        raise Refused("不是可用的「XML 电子表格 2003」文件，里面没有工作表")
    return sheets


def _index(element, default: int) -> int:
    given = element.get(_SS + "Index")
    if given is None:
        return default
    try:
        return max(int(given) - 1, default)
    except ValueError:
        return default


def _int(text: str | None) -> int:
    try:
        return max(0, int(text)) if text is not None else 0
    except ValueError:
        return 0


def _typed(data) -> object:
    kind = data.get(_SS + "Type", "String")
    text = "".join(data.itertext())
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            return text
        return number
    if kind == "DateTime":
        try:
            return dt.datetime.fromisoformat(text.strip()[:19])
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    return text


def _rows(cells: dict[tuple[int, int], object]) -> tuple[list[list], list[int]]:
    """The rows that hold cells (a cell at row 60,000 makes one row, not 60,000) and their numbers."""
    if not cells:
        return [], []
    width = max(c for _, c in cells) + 1
    by_row: dict[int, list] = {}
    for (r, c), value in cells.items():
        by_row.setdefault(r, [""] * width)[c] = value
    numbers = sorted(by_row)
    return [by_row[r] for r in numbers], [r + 1 for r in numbers]
