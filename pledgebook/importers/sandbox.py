"""Parse a workbook in a child process, so that a crash there cannot end the program.

python-calamine is native code: a hostile workbook (a single cell at ZZ200000,
a zip bomb, malformed records) can make it allocate gigabytes or abort the
whole process, which no ``except`` catches. :mod:`pledgebook.importers.reader`
therefore runs ``python -m pledgebook.importers.sandbox`` with a time limit,
sends the request as JSON on stdin and reads the pickled result from stdout.
A child that dies, hangs or prints garbage becomes a FileUnreadable there.

Before calamine sees an xlsx, this module checks it with the standard library
alone: declared member sizes and compression ratios, no DTD (XML entity
bombs), and a streaming scan of every worksheet for its <dimension> and the
last row and column that hold a value.

This module is the child's whole world: it imports only the standard library
and python_calamine (not the rest of pledgebook, not textual), so the child
starts fast. Its messages are plain Chinese strings; the parent wraps them.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import pickle
import posixpath
import re
import sys
import zipfile

PROTOCOL = 4

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_REF = re.compile(r"\$?([A-Z]{1,4})\$?(\d{1,9})")
_CARRY_LIMIT = 1024 * 1024


class Refused(Exception):
    """The file must not be parsed; ``args[0]`` is the Chinese reason."""


def col_number(letters: str) -> int:
    """'A' → 1, 'ZZ' → 702."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _too_big(where: str, max_rows: int, max_cols: int) -> str:
    return (
        f"在 {where} 处有内容，超出可导入的范围（最多 {max_rows} 行、{max_cols} 列）。"
        "请删除表格以外多余的单元格（或把数据复制到新的工作表）后再导入"
    )


# --------------------------------------------------------------------------- pre-checks


def scan_xlsx(path: str, max_rows: int, max_cols: int) -> tuple[bool, dict[str, str]]:
    """Check an xlsx with the standard library before calamine touches it.

    Returns (date1904, {sheet name: why it must be skipped}). Raises Refused
    when the whole file must not be parsed.
    """
    problems: dict[str, str] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            return False, problems  # xlsb: binary parts, no XML to scan
        workbook = _read_small(archive, "xl/workbook.xml")
        date1904 = bool(re.search(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"', workbook))
        targets = _sheet_targets(archive, workbook, names)
        for member in sorted(names):
            if member.endswith((".xml", ".rels", ".vml")) and member not in targets.values():
                if _DTD.search(_read_head(archive, member)):
                    raise Refused("含有 XML 文档类型定义（DOCTYPE），正常的 Excel 文件不会有，可能是恶意构造的文件")
        for sheet, member in targets.items():
            reason = _scan_sheet(archive, member, max_rows, max_cols)
            if reason:
                problems[sheet] = reason
    return date1904, problems


def _read_small(archive: zipfile.ZipFile, member: str, limit: int = 16 * 1024 * 1024) -> bytes:
    with archive.open(member) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"内部文件 {member} 大小异常")
    if _DTD.search(data[:65536]):
        raise Refused("含有 XML 文档类型定义（DOCTYPE），正常的 Excel 文件不会有，可能是恶意构造的文件")
    return data


def _read_head(archive: zipfile.ZipFile, member: str) -> bytes:
    with archive.open(member) as handle:
        return handle.read(65536)


def _attrs(tag: bytes) -> dict[str, str]:
    found = re.findall(rb'([\w:]+)\s*=\s*"([^"]*)"', tag)
    return {key.decode("utf-8", "replace"): html.unescape(value.decode("utf-8", "replace")) for key, value in found}


def _sheet_targets(archive: zipfile.ZipFile, workbook: bytes, names: set[str]) -> dict[str, str]:
    """Sheet name → the worksheet XML member that holds it."""
    rels_name = "xl/_rels/workbook.xml.rels"
    rels: dict[str, str] = {}
    if rels_name in names:
        for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", _read_small(archive, rels_name)):
            attrs = _attrs(tag)
            target = attrs.get("Target", "")
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            rels[attrs.get("Id", "")] = member
    targets: dict[str, str] = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        attrs = _attrs(tag)
        rel = next((v for k, v in attrs.items() if k == "id" or k.endswith(":id")), "")
        member = rels.get(rel, "")
        if member in names:
            targets[attrs.get("name", "")] = member
    return targets


def _content_cells(max_rows: int, max_cols: int) -> re.Pattern[bytes]:
    """Cells that hold something (not self-closing) and MAY lie outside the limits: a column with
    more letters than ``max_cols`` has, or as many starting at its first letter or later, or a row
    number with as many digits as ``max_rows`` or more. Captures the column letters and the row.
    A normal sheet has no such cell, so the scan makes no match object per cell."""
    letters = _letters(max_cols)
    digits = len(str(max_rows))
    wide = rb"[A-Z]{" + str(len(letters) + 1).encode() + rb",4}"
    wide += rb"|[" + letters[0].encode() + rb"-Z][A-Z]{" + str(len(letters) - 1).encode() + rb"}"
    return re.compile(rb'r="(?:(' + wide + rb')(\d{1,9})|([A-Z]{1,4})(\d{' + str(digits).encode() + rb',9}))"[^>/]*>')


def _scan_sheet(archive: zipfile.ZipFile, member: str, max_rows: int, max_cols: int) -> str | None:
    """Stream one worksheet's XML: DTD, <dimension>, and the farthest cell with content."""
    pattern = _content_cells(max_rows, max_cols)
    max_row = max_col = 0
    carry = b""
    first = True
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(1 << 22)
            if not chunk:
                break
            buffer = carry + chunk
            if first:
                first = False
                if _DTD.search(buffer[:65536]):
                    raise Refused("含有 XML 文档类型定义（DOCTYPE），正常的 Excel 文件不会有，可能是恶意构造的文件")
                dimension = _DIMENSION.search(buffer[:65536])
                if dimension:
                    reason = _check_dimension(dimension.group(1).decode("ascii", "replace"), max_rows, max_cols)
                    if reason:
                        return reason
            # an unfinished tag at the end waits for the next chunk
            last_open = buffer.rfind(b"<")
            if last_open >= 0 and buffer.find(b">", last_open) < 0:
                buffer, carry = buffer[:last_open], buffer[last_open:]
                if len(carry) > _CARRY_LIMIT:
                    raise Refused(f"内部文件 {member} 含有异常巨大的标记")
            else:
                carry = b""
            for wide_col, wide_row, col, row in set(pattern.findall(buffer)):
                max_col = max(max_col, col_number((wide_col or col).decode()))
                max_row = max(max_row, int(wide_row or row))
            if max_row > max_rows or max_col > max_cols:
                letters = _letters(max_col)
                if max_row <= max_rows:  # too wide: name one such cell
                    cell = re.search(rb'r="' + letters.encode() + rb'(\d{1,9})"[^>/]*>', buffer)
                    max_row = int(cell.group(1)) if cell else max_row
                return _too_big(f"{letters}{max_row}", max_rows, max_cols)
    return None


def _check_dimension(ref: str, max_rows: int, max_cols: int) -> str | None:
    last = ref.split(":")[-1]
    match = _REF.fullmatch(last)
    if not match:
        return None  # a malformed dimension is ignored by readers; the cell scan decides
    if int(match.group(2)) > max_rows or col_number(match.group(1)) > max_cols:
        return (
            f"声明的已用区域达到 {last.replace('$', '')}，超出可导入的范围（最多 {max_rows} 行、{max_cols} 列），"
            "文件可能已损坏或是恶意构造的。请在 Excel/WPS 中把数据复制到新的工作表，保存后再导入"
        )
    return None


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def scan_ods_merges(path: str, max_rows: int, max_cols: int) -> dict[str, list[tuple[int, int, int, int]]]:
    """The merged ranges of every sheet of an ods (calamine does not report them), streamed
    from content.xml with the standard library: {sheet: [(first_row, first_col, last_row, last_col)]},
    rows as 1-based numbers, columns 0-based, like the xlsx ones. Refuses a DTD first."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as archive:
        if "content.xml" not in archive.namelist():
            return {}
        with archive.open("content.xml") as handle:
            if _DTD.search(handle.read(65536)):
                raise Refused("含有 XML 文档类型定义（DOCTYPE），正常的表格文件不会有，可能是恶意构造的文件")
        merges: dict[str, list[tuple[int, int, int, int]]] = {}
        t = _ODS_TABLE
        sheet: list[tuple[int, int, int, int]] | None = None
        depth = row = col = 0
        row_repeat = 1
        with archive.open("content.xml") as handle:
            for event, element in ET.iterparse(handle, events=("start", "end")):
                tag = element.tag
                if tag == t + "table":
                    if event == "start":
                        depth += 1
                        if depth == 1:
                            sheet = merges.setdefault(element.get(t + "name", ""), [])
                            row = 0
                    else:
                        depth -= 1
                        element.clear()
                    continue
                if depth != 1 or sheet is None:
                    continue
                if tag == t + "table-row":
                    if event == "start":
                        col = 0
                        row_repeat = _int_attr(element, t + "number-rows-repeated")
                    else:
                        row += row_repeat
                        element.clear()
                elif tag in (t + "table-cell", t + "covered-table-cell") and event == "start":
                    rows_spanned = _int_attr(element, t + "number-rows-spanned")
                    cols_spanned = _int_attr(element, t + "number-columns-spanned")
                    if (rows_spanned > 1 or cols_spanned > 1) and row < max_rows and col < max_cols:
                        sheet.append((row + 1, col, min(row + rows_spanned, max_rows), min(col + cols_spanned - 1,
                                                                                           max_cols - 1)))
                    col += _int_attr(element, t + "number-columns-repeated")
    return {name: found for name, found in merges.items() if found}


def _int_attr(element, name: str) -> int:
    try:
        return max(1, int(element.get(name, "1")))
    except ValueError:
        return 1


# --------------------------------------------------------------------------- calamine


def read_workbook(path: str, kind: str, max_rows: int, max_cols: int, max_cell_chars: int) -> list[dict]:
    """Every sheet of the workbook as plain dicts (see Sheet in sheet.py)."""
    if kind in ("html", "xml2003"):
        return _read_web(path, kind, max_rows, max_cols, max_cell_chars)
    import python_calamine as calamine

    date1904, problems = (False, {})
    if kind == "xlsx":
        date1904, problems = scan_xlsx(path, max_rows, max_cols)

    try:
        workbook = calamine.load_workbook(path)
    except calamine.PasswordError:
        raise Refused("设置了打开密码。请在 Excel/WPS 中取消密码后保存，再导入") from None
    except calamine.CalamineError as exc:
        raise Refused(f"已损坏或格式不对，无法打开（{_short(exc)}）。请在 Excel/WPS 中打开后重新保存，再导入") from None

    ods_merges: dict[str, list[tuple[int, int, int, int]]] = {}
    if kind == "ods":
        ods_merges = scan_ods_merges(path, max_rows, max_cols)

    sheets: list[dict] = []
    with workbook:
        for meta in workbook.sheets_metadata:
            result = {"name": meta.name, "date1904": date1904, "skipped": None}
            sheets.append(result)
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                result["skipped"] = "图表或宏表，没有数据表格"
            elif meta.visible != calamine.SheetVisibleEnum.Visible:
                result["skipped"] = "隐藏的工作表，未读取（如需导入，请在 Excel/WPS 中取消隐藏）"
            elif meta.name in problems:
                result["skipped"] = problems[meta.name]
            else:
                try:
                    result.update(_read_sheet(workbook.get_sheet_by_name(meta.name), max_rows, max_cols, max_cell_chars))
                except calamine.CalamineError as exc:
                    result["skipped"] = f"无法读取（{_short(exc)}）。请在 Excel/WPS 中打开后重新保存"
                if kind == "ods" and not result.get("merges"):
                    result["merges"] = ods_merges.get(meta.name, [])
    return sheets


def _read_sheet(sheet, max_rows: int, max_cols: int, max_cell_chars: int) -> dict:
    end = sheet.end
    if end is None:
        return {"skipped": "空白工作表"}
    if end[0] + 1 > max_rows or end[1] + 1 > max_cols:
        return {"skipped": _too_big(f"{_letters(end[1] + 1)}{end[0] + 1}", max_rows, max_cols)}
    merges = [(r1 + 1, c1, r2 + 1, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
    rows, numbers, issues = clean_rows(sheet.to_python(skip_empty_area=False), max_cell_chars)
    if not rows:
        return {"skipped": "空白工作表"}
    return {"rows": rows, "row_numbers": numbers, "issues": issues, "merges": merges}


def _read_web(path: str, kind: str, max_rows: int, max_cols: int, max_cell_chars: int) -> list[dict]:
    """A web system's "Excel" export (see :mod:`.webtable`), as the same plain dicts."""
    from pledgebook.importers import webtable

    try:
        found = (webtable.read_html if kind == "html" else webtable.read_spreadsheetml)(path, max_rows, max_cols)
    except webtable.Refused as exc:
        raise Refused(str(exc)) from None
    sheets = []
    for item in found:
        result = {"name": item["name"], "date1904": False, "skipped": item.get("skipped")}
        if result["skipped"] is None:
            rows, index, issues = clean_rows(item["raw"], max_cell_chars)
            numbers = item["numbers"]
            result.update(rows=rows, row_numbers=[numbers[i - 1] for i in index], merges=item["merges"],
                          issues=[(numbers[r - 1], *rest) for r, *rest in issues])
            if not rows:
                result["skipped"] = "空白工作表"
        sheets.append(result)
    return sheets


_ODD_TYPES = (dt.time, dt.timedelta)


def clean_rows(raw: list[list], max_cell_chars: int, first_row: int = 1) -> tuple[list, list, list]:
    """Drop blank rows, turn '' into None, flag long cells and control characters.

    Returns (rows, Excel row numbers, issues as (row, col, kind, message)).
    Times of day and durations become text. Kept cheap: the per-cell work runs
    only on rows that need it.
    """
    rows: list[list] = []
    numbers: list[int] = []
    issues: list[tuple[int, int, str, str]] = []
    # one object per distinct text: a column of 20,000 rows names a few hundred orgs. Pickled once each
    # (half the bytes to send), held once in the parent, and their hash, computed once, serves every lookup
    same: dict = {}
    one = same.setdefault
    for index, row in enumerate(raw):
        width = len(row)
        blanks = row.count("") + row.count(None)
        if blanks == width:
            continue
        number = index + first_row
        row = [None if value == "" else one(value, value) if value.__class__ is str else value for value in row]
        kinds = set(map(type, row))
        if dt.time in kinds or dt.timedelta in kinds:  # their text (digits and colons) needs no checking
            row = [value.isoformat() if isinstance(value, dt.time) else str(value) if isinstance(value, dt.timedelta)
                   else value for value in row]
        rows.append(row)
        numbers.append(number)
    # each distinct text is checked once, all together: a sheet seldom has a cell to flag
    if same and (max(map(len, same)) > max_cell_chars or _CONTROL.search("\n".join(same))):
        bad = {text for text in same if len(text) > max_cell_chars or _CONTROL.search(text)}
        for at, row in enumerate(rows):
            if not bad.isdisjoint(row):
                rows[at] = _flag_cells(row, numbers[at], max_cell_chars, issues)
    return rows, numbers, issues


def clean_text_rows(raw: list[list[str]], width: int, max_cell_chars: int) -> tuple[list, list, list]:
    """:func:`clean_rows` for the rows of a text file that has no control character anywhere (the
    caller checked the whole text at once): every cell a str, rows padded to ``width`` with None.

    The same result as padding with '' and calling clean_rows, at a third of its cost: no types to
    sort out, and a row's cells are measured one by one only when together they are over the limit."""
    rows: list[list] = []
    numbers: list[int] = []
    issues: list[tuple[int, int, str, str]] = []
    same: dict = {}
    one = same.setdefault
    for number, row in enumerate(raw, start=1):
        if not any(row):
            continue
        long = sum(map(len, row)) > max_cell_chars
        row = [one(value, value) if value else None for value in row]
        if len(row) < width:
            row += [None] * (width - len(row))
        if long:
            row = _flag_cells(row, number, max_cell_chars, issues)
        rows.append(row)
        numbers.append(number)
    return rows, numbers, issues


def _flag_cells(row: list, number: int, max_cell_chars: int, issues: list) -> list:
    row = list(row)
    for col, value in enumerate(row):
        if type(value) is not str:
            continue
        if len(value) > max_cell_chars:
            issues.append((number, col, "too_long",
                           f"单元格内容有 {len(value)} 个字符，超过上限 {max_cell_chars}，未读取。请精简内容"))
            row[col] = None
        elif _CONTROL.search(value):
            issues.append((number, col, "control_chars",
                           "单元格含有不可见的控制字符（常见于从网页或其他系统复制的内容）。请删除后重新输入"))
    return row


def _short(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ")
    return text[:120]


# --------------------------------------------------------------------------- child entry point


def main() -> int:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    try:
        import python_calamine  # noqa: F401  (loaded here, so that a missing or broken DLL is told apart)
    except (ImportError, OSError) as exc:
        # not the file's fault: the install lacks a working parser (Wine 8 cannot load calamine's DLL)
        result: dict = {"ok": False, "broken": True, "message": f"表格解析组件 python-calamine 无法加载：{_short(exc)}"}
        sys.stdout.buffer.write(pickle.dumps(result, protocol=PROTOCOL))
        sys.stdout.buffer.flush()
        return 0
    try:
        sheets = read_workbook(
            request["path"], request["kind"], request["max_rows"], request["max_cols"], request["max_cell_chars"]
        )
        result = {"ok": True, "sheets": sheets}
    except Refused as exc:
        result = {"ok": False, "message": str(exc)}
    except zipfile.BadZipFile as exc:
        result = {"ok": False, "message": f"已损坏或不完整（{_short(exc)}），可能没有下载或复制完整。请重新获取该文件"}
    payload = pickle.dumps(result, protocol=PROTOCOL)
    sys.stdout.buffer.write(payload)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
