"""fastrows writes the same worksheet XML as XlsxWriter's own write_string/write_number."""

from __future__ import annotations

import zipfile

import pytest
import xlsxwriter

from pledgebook.exporters import fastrows
from pledgebook.exporters.safety import DANGEROUS_START

ROWS = [
    [1, "联珠镇党委", "张三", "为群众办实事", 3.5, "2026-03-01", None, ""],
    [2, "a & b < c > d", "  前后空格  ", "换行\n第二行", -7, "=HYPERLINK(\"x\")", "+1", "@cmd"],
    [3, "控制\x01字符\x1f", "回车\r", "_x0041_ 字面转义", 1e20, "-5", "\t制表", "\u3000全角空格"],
    [4, "", None, "", 0, "", None, ""],  # one number: still a row
    [None, None, None, None, None, None, None, None],  # an empty row: nothing written
    [5, "x" * 20_000, "长文本交给 XlsxWriter 截断", "", 2, "", "", ""],
    [6, "非数", "NaN 交给 XlsxWriter", "", float("nan"), "", "", ""],
    [7, "<b>不是标签</b>", "'单引号", '"双引号"', 123456789012, "0.1", "", "末尾"],
]


def _sheet_xml(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def _book(path, fill) -> bytes:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": True})
    ws = wb.add_worksheet("表")
    text = wb.add_format({"border": 1})
    wrap = wb.add_format({"border": 1, "text_wrap": True})
    quoted = wb.add_format({"border": 1, "quote_prefix": True})
    number = wb.add_format({"border": 1, "num_format": "0.00"})
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, 7, "标题", text)
    ws.set_row(2, 30)
    for c in range(8):
        ws.write_string(2, c, f"列{c}", text)
    ws.set_row(7, 40)  # a data row with its own height: XlsxWriter must write it
    fill(ws, [text, text, text, wrap, text, text, text, text], [number] * 8, [quoted] * 8)
    ws.write_string(20, 0, "合计", text)
    wb.close()
    return _sheet_xml(path)


def _by_cell(ws, plain, numeric, quoted) -> None:
    for i, row in enumerate(ROWS):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(3 + i, c, v, quoted[c] if v[0] in DANGEROUS_START else plain[c])
            else:
                ws.write_number(3 + i, c, v, numeric[c])


def _fast(ws, plain, numeric, quoted) -> None:
    assert fastrows.usable(ws)
    end = fastrows.write_rows(ws, 3, ROWS[:3], plain, numeric, quoted, DANGEROUS_START)
    assert fastrows.write_rows(ws, end, ROWS[3:], plain, numeric, quoted, DANGEROUS_START) == 3 + len(ROWS)


def test_same_xml_as_xlsxwriter(tmp_path, monkeypatch):
    expected = _book(tmp_path / "slow.xlsx", _by_cell)
    slow_rows = []
    real = fastrows._slow_row
    monkeypatch.setattr(fastrows, "_slow_row", lambda ws, r, *a: (slow_rows.append(r), real(ws, r, *a)))
    got = _book(tmp_path / "fast.xlsx", _fast)
    assert got == expected
    assert slow_rows == [7, 8, 9]  # its own row height, a string to truncate, a NaN; the rest went direct
    assert "为群众办实事".encode() in got and b"_x0001_" in got and b"&amp;" in got


def test_rows_the_sheet_already_passed_are_ignored_like_xlsxwriter(tmp_path):
    def late(ws, plain, numeric, quoted):
        _fast(ws, plain, numeric, quoted)
        fastrows.write_rows(ws, 4, [["晚到的行"]], plain, numeric, quoted)  # row 4 is already on disk

    assert _book(tmp_path / "late.xlsx", late) == _book(tmp_path / "slow.xlsx", _by_cell)


@pytest.mark.parametrize("options", [{}, {"constant_memory": False}])
def test_falls_back_without_constant_memory(tmp_path, options):
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), options)
    ws = wb.add_worksheet()
    f = wb.add_format()
    assert not fastrows.usable(ws)
    assert fastrows.write_rows(ws, 0, [["甲", 1], ["乙", 2.5]], [f, f], [f, f], [f, f]) == 2
    wb.close()
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "x.xlsx").active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["甲", 1], ["乙", 2.5]]
