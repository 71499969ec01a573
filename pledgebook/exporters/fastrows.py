"""Writing many plain rows into an XlsxWriter worksheet in ``constant_memory`` mode, fast.

XlsxWriter's ``write_string``/``write_number`` go through a decorator, a
dimension check, a cell tuple, a per-cell attribute list and three regular
expressions for every cell: about 30 µs a cell here, so the 20,000-row
承诺台账 listing (260,000 cells) took most of the report's time. In
``constant_memory`` mode a finished row is just XML appended to the sheet's
row file; :func:`write_rows` appends the same XML itself, one string per row,
with the same escaping and the same cell styles. A test compares its output
with XlsxWriter's own, byte for byte.

Anything unusual in a row (a string Excel would need truncated, a NaN or an
infinity, a bool, a date object) sends that whole row through XlsxWriter's
own methods, and so does a worksheet that is not in ``constant_memory`` mode
or a version of XlsxWriter whose internals look different.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# a string that needs more than a copy: XML escapes, control characters (Excel's _xHHHH_ escapes,
# and a literal _xHHHH_ escaped in turn), or whitespace at either end (xml:space="preserve")
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_PLAIN_MAX = 16_383  # below half of Excel's 32,767 UTF-16 units, no length check is needed
_INTERNALS = ("row_data_fh", "previous_row", "_write_single_row", "_escape_control_characters", "_escape_data",
              "dim_rowmin", "dim_rowmax", "dim_colmin", "dim_colmax", "xls_rowmax", "row_info")


def usable(ws: Worksheet) -> bool:
    """True when rows can be appended directly: constant_memory and the internals this module relies on."""
    return bool(getattr(ws, "constant_memory", False)) and all(hasattr(ws, a) for a in _INTERNALS)


def _text_xml(ws: Worksheet, ref: str, style: int, text: str) -> str:
    if _SPECIAL.search(text):
        text = ws._escape_control_characters(text)
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        text = ws._escape_data(text)
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_rows(
    ws: Worksheet,
    first_row: int,
    rows: Iterable[Sequence],
    text_formats: Sequence,
    number_formats: Sequence,
    quoted_formats: Sequence,
    quoted_start: tuple[str, ...] = (),
) -> int:
    """Write ``rows`` from ``first_row`` down; returns the next free row.

    A cell is skipped when it is ``None`` or ``""``; a ``str`` gets ``text_formats[col]``, or
    ``quoted_formats[col]`` when it starts with one of ``quoted_start``; an ``int``/``float`` gets
    ``number_formats[col]``. The same as calling ``write_string``/``write_number`` cell by cell.
    Every column needs a format in each of the three lists.
    """
    r = first_row
    if not usable(ws):
        for row in rows:
            _slow_row(ws, r, row, text_formats, number_formats, quoted_formats, quoted_start)
            r += 1
        return r
    width = max(len(text_formats), len(number_formats), len(quoted_formats))
    letters = [xl_col_to_name(c) for c in range(width)]
    # a format's style index is given on its first use, as XlsxWriter does, so styles.xml comes out the same
    t_style: list[int | None] = [None] * width
    n_style: list[int | None] = [None] * width
    q_style: list[int | None] = [None] * width
    for row in rows:
        if r >= ws.xls_rowmax or r < ws.previous_row or (r == ws.previous_row and ws.table) or r in ws.row_info \
                or not _plain(row):
            _slow_row(ws, r, row, text_formats, number_formats, quoted_formats, quoted_start)
            r += 1
            continue
        if r > ws.previous_row:
            ws._write_single_row(r)  # flush a row XlsxWriter still holds (the headers), as it would
        n = r + 1
        parts = [f'<row r="{n}">']
        lo = hi = -1
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if lo < 0:
                lo = c
            hi = c
            ref = f"{letters[c]}{n}"
            if isinstance(v, str):
                if quoted_start and v[0] in quoted_start:
                    style = q_style[c]
                    if style is None:
                        style = q_style[c] = quoted_formats[c]._get_xf_index()
                else:
                    style = t_style[c]
                    if style is None:
                        style = t_style[c] = text_formats[c]._get_xf_index()
                parts.append(_text_xml(ws, ref, style, v))
            else:
                style = n_style[c]
                if style is None:
                    style = n_style[c] = number_formats[c]._get_xf_index()
                parts.append(f'<c r="{ref}" s="{style}"><v>{v:.16G}</v></c>')
        if lo < 0:
            r += 1  # an empty row: XlsxWriter writes nothing for it either
            continue
        parts.append("</row>")
        ws.fh.write("".join(parts))
        # the bookkeeping XlsxWriter's _check_dimensions and _write_single_row would have done
        ws.previous_row = r
        if ws.dim_rowmin is None or r < ws.dim_rowmin:
            ws.dim_rowmin = r
        if ws.dim_rowmax is None or r > ws.dim_rowmax:
            ws.dim_rowmax = r
        if ws.dim_colmin is None or lo < ws.dim_colmin:
            ws.dim_colmin = lo
        if ws.dim_colmax is None or hi > ws.dim_colmax:
            ws.dim_colmax = hi
        r += 1
    return r


def _plain(row: Sequence) -> bool:
    for v in row:
        t = type(v)
        if t is str:
            if len(v) > _PLAIN_MAX:
                return False
        elif t is int:
            continue
        elif t is float:
            if not math.isfinite(v):
                return False
        elif v is not None:
            return False  # bool, date, Decimal…: XlsxWriter decides
    return True


def _slow_row(ws: Worksheet, r: int, row: Sequence, text_formats, number_formats, quoted_formats, quoted_start) -> None:
    for c, v in enumerate(row):
        if v is None or v == "":
            continue
        if isinstance(v, str):
            ws.write_string(r, c, v, quoted_formats[c] if quoted_start and v[0] in quoted_start else text_formats[c])
        else:
            ws.write(r, c, v, number_formats[c])
