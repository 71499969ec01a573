"""pledgebook.importers.reader/table/columns: ugly and hostile files, built here in tmp_path."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from pledgebook.importers.columns import (
    MappingFileError,
    canonical,
    guess_kind,
    load_aliases,
    normalize_header,
)
from pledgebook.importers.errors import FileUnreadable, NoTable
from pledgebook.importers.reader import decode_text, read_file, sniff_delimiter
from pledgebook.importers.sheet import Sheet, column_letter
from pledgebook.importers.table import find_table
from pledgebook.models.core.errors import PledgebookError

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------- builders


def ledger_xlsx(path: Path, *, rows: int = 3, date1904: bool = False) -> Path:
    """A township's monthly ledger: title, 填报单位 line, two-row merged header, data, 合计, footer."""
    workbook = xlsxwriter.Workbook(str(path), {"date_1904": date1904})
    sheet = workbook.add_worksheet("联珠镇")
    date_format = workbook.add_format({"num_format": "yyyy年m月d日"})
    sheet.merge_range("A1:J1", "XX县2011年党员公开承诺台账")
    sheet.write("A2", "填报单位：联珠镇党委")
    sheet.write("G2", "填报日期：2011年12月31日")
    for col, name in enumerate(["序号", "所属乡镇", "所在支部", "党员姓名", "身份证号", "承诺内容", "完成时限（格式：2011-12-31）"]):
        sheet.merge_range(3, col, 4, col, name)
    sheet.merge_range("H4:J4", "群众评议")
    sheet.write_row("H5", ["满意（票）", "基本满意\n(票)", "不满意 (票)"])
    for i in range(rows):
        r = 5 + i
        sheet.write_number(r, 0, i + 1)
        sheet.write_row(r, 1, ["联珠镇", "第一党支部", f"张三{i}"])
        sheet.write_string(r, 4, "53082219900101123X")
        sheet.write(r, 5, f"帮助群众修路{i}公里")
        sheet.write_datetime(r, 6, dt.datetime(2011, 12, 31), date_format)
        sheet.write_row(r, 7, [12, 3, 0])
    total = 5 + rows
    sheet.write(total, 0, "合  计")
    sheet.write_row(total, 7, [12 * rows, 3 * rows, 0])
    sheet.write(total + 2, 0, "填报人：李四")
    sheet.write(total + 2, 4, "审核人：王五")
    sheet.write(total + 2, 7, "联系电话：13812345678")
    workbook.close()
    return path


def rewrite_zip(src: Path, dst: Path, member: str, change) -> Path:
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == member:
                data = change(data)
            new.writestr(info.filename, data)
    return dst


# ----------------------------------------------------------------- xlsx


def test_a_text_repeated_on_many_rows_comes_back_as_one_object(tmp_path):
    """The org named on 200 rows is held (and sent by the child) once: the memory of a 20,000-row file."""
    [sheet] = read_file(ledger_xlsx(tmp_path / "台账.xlsx", rows=200))
    data = [row for row in sheet.rows if row[3] and str(row[3]).startswith("张三")]
    assert len(data) == 200
    assert len({id(row[2]) for row in data}) == 1 and data[0][2] == "第一党支部"
    assert len({id(row[3]) for row in data}) == 200  # distinct names stay distinct


def test_ledger_xlsx_table(tmp_path):
    sheets = read_file(ledger_xlsx(tmp_path / "台账.xlsx"))
    assert [s.name for s in sheets] == ["联珠镇"]
    table = find_table(sheets[0])
    assert table.header_rows == [4, 5]
    assert table.header == ["序号", "所属乡镇", "所在支部", "党员姓名", "身份证号", "承诺内容", "完成时限",
                            "群众评议/满意", "群众评议/基本满意", "群众评议/不满意"]
    assert table.canonical == ["序号", "乡镇", "党组织", "姓名", "公民身份号码", "承诺事项", "完成时限",
                               "群众评议/满意", "群众评议/基本满意", "群众评议/不满意"]
    assert [number for number, _ in table.data] == [6, 7, 8]
    first = table.data[0][1]
    assert first[3] == "张三0"
    assert first[4] == "53082219900101123X"
    assert first[6] == dt.date(2011, 12, 31)
    assert first[7:] == [12, 3, 0]
    assert [reason for _, reason in table.dropped] == ["合计/小计行", "表尾（填报人、审核人等）"]
    assert guess_kind(table.header) == "pledges"
    assert table.unknown_columns() == []


def test_xlsx_1904_dates_flagged(tmp_path):
    sheet = read_file(ledger_xlsx(tmp_path / "mac.xlsx", date1904=True))[0]
    assert sheet.date1904
    assert find_table(sheet).data[0][1][6] == dt.date(2011, 12, 31)


def test_openpyxl_workbook_with_several_sheets(tmp_path):
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "党组织"
    first.append(["党组织名称", "组织类别", "上级党组织", "所属乡镇"])
    first.append(["第一党支部", "党支部", "联珠镇党委", "联珠镇"])
    empty = workbook.create_sheet("空表")
    assert empty.max_row == 1
    hidden = workbook.create_sheet("下拉选项")
    hidden.append(["党支部"])
    hidden.sheet_state = "hidden"
    roster = workbook.create_sheet("花名册")
    roster.append(["姓名", "性别", "民族", "出生年月", "入党时间", "所在党支部", "联系电话"])
    roster.append(["张三", "男", "彝族", "1990.01", dt.datetime(2010, 7, 1), "第一党支部", "13812345678"])
    path = tmp_path / "名单.xlsx"
    workbook.save(path)
    sheets = {s.name: s for s in read_file(path)}
    assert sheets["空表"].skipped == "空白工作表"
    assert "隐藏" in sheets["下拉选项"].skipped
    assert guess_kind(find_table(sheets["党组织"]).header) == "orgs"
    people = find_table(sheets["花名册"])
    assert guess_kind(people.header) == "people"
    assert people.data == [(2, ["张三", "男", "彝族", "1990.01", dt.date(2010, 7, 1), "第一党支部", "13812345678"])]


def test_cell_issues_control_chars_and_too_long(tmp_path):
    path = tmp_path / "脏.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "承诺事项"])
    sheet.write_row(1, 0, ["张\x07三", "正常"])
    sheet.write_row(2, 0, ["李四", "长" * 40])
    workbook.close()
    sheet = read_file(path, max_cell_chars=30)[0]
    kinds = {(i.row, i.column, i.kind) for i in sheet.issues}
    assert kinds == {(2, "A", "control_chars"), (3, "B", "too_long")}
    assert sheet.rows[1][0] == "张\x07三"  # kept for the caller to report
    assert sheet.rows[2][1] is None  # too long: not passed on


def test_html_named_xlsx_is_read_as_the_table_it_holds(tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_text("<html><head><meta charset='utf-8'></head><body><table><tr><td>姓名</td></tr></table></body></html>",
                    encoding="utf-8")
    [sheet] = read_file(path)
    assert (sheet.name, sheet.rows) == ("台账", [["姓名"]])


def test_html_page_without_a_table_says_so(tmp_path):
    path = tmp_path / "导出.xls"
    path.write_text("<html><head><title>登录</title></head><body>会话已过期，请重新登录</body></html>", encoding="utf-8")
    with pytest.raises(FileUnreadable, match=r"文件「导出.xls」实际上是网页\(HTML\)文件，其中没有数据表格.*重新从系统导出"):
        read_file(path)


def test_html_spans_and_nested_layout_tables(tmp_path):
    path = tmp_path / "导出.xls"
    page = ("<table><tr><td>外层布局</td></tr></table>"
            "<table><tr><th rowspan=2>乡镇</th><th colspan=2>承诺情况</th></tr>"
            "<tr><th>承诺事项</th><th>完成时限</th></tr>"
            "<tr><td rowspan='3'>联珠镇</td><td>修路<br>建桥</td><td>年底</td></tr>"
            "<tr><td>&lt;植树&gt;&nbsp;</td><td>2011-6</td></tr>"
            "<tr><td colspan=99999 rowspan=99999>x</td></tr></table>")
    path.write_text(page, encoding="utf-8")
    first, second = read_file(path)
    assert first.rows == [["外层布局"]]
    assert second.rows[:4] == [["乡镇", "承诺情况", None], [None, "承诺事项", "完成时限"], ["联珠镇", "修路\n建桥", "年底"],
                               [None, "<植树>", "2011-6"]]
    assert (1, 0, 2, 0) in second.merges and (3, 0, 5, 0) in second.merges and (1, 1, 1, 2) in second.merges


def test_spreadsheetml_with_entities_is_refused_unparsed(tmp_path):
    path = tmp_path / "导出.xls"
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="a"><Table>'
                    '<Row><Cell><Data ss:Type="String">&lol2;</Data></Cell></Row></Table></Worksheet></Workbook>',
                    encoding="utf-8")
    with pytest.raises(FileUnreadable, match=r"文件「导出.xls」含有 XML 文档类型定义"):
        read_file(path)


def test_spreadsheetml_index_gaps_merges_and_types(tmp_path):
    path = tmp_path / "导出.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="名册"><Table>'
                    '<Row><Cell ss:MergeDown="1"><Data ss:Type="String">乡镇</Data></Cell>'
                    '<Cell ss:Index="3"><Data ss:Type="Number">12</Data></Cell></Row>'
                    '<Row><Cell><Data ss:Type="DateTime">2011-12-31T00:00:00.000</Data></Cell></Row>'
                    '<Row ss:Index="60000"><Cell><Data ss:Type="String">530822199001011235</Data></Cell></Row>'
                    '</Table></Worksheet><Worksheet ss:Name="隐藏"><Table/><WorksheetOptions '
                    'xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible></WorksheetOptions>'
                    '</Worksheet></Workbook>', encoding="utf-8")
    sheet, hidden = read_file(path)
    assert sheet.row_numbers == [1, 2, 60000]
    assert sheet.rows == [["乡镇", None, 12.0], [None, dt.datetime(2011, 12, 31), None],
                          ["530822199001011235", None, None]]
    assert sheet.merges == [(1, 0, 2, 0)] and hidden.skipped.startswith("隐藏的工作表")


def test_csv_named_xlsx_is_read_as_csv(tmp_path):
    path = tmp_path / "导出.xlsx"
    path.write_bytes("姓名,性别,民族\n张三,男,汉族\n".encode("gb18030"))
    sheet = read_file(path)[0]
    assert sheet.rows == [["姓名", "性别", "民族"], ["张三", "男", "汉族"]]


def test_truncated_workbook(tmp_path):
    whole = ledger_xlsx(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "半截.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(FileUnreadable, match="文件「半截.xlsx」已损坏或不完整"):
        read_file(path)


@pytest.mark.parametrize("content", [b"", b"   \r\n  "])
def test_empty_file(tmp_path, content):
    path = tmp_path / "空.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileUnreadable, match="文件「空.xlsx」是空的"):
        read_file(path)


def test_missing_file_and_other_formats(tmp_path):
    with pytest.raises(FileUnreadable, match="不存在"):
        read_file(tmp_path / "没有.xlsx")
    pdf = tmp_path / "a.xls"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(FileUnreadable, match="PDF"):
        read_file(pdf)
    docx = tmp_path / "b.xlsx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileUnreadable, match="Word"):
        read_file(docx)
    binary = tmp_path / "c.csv"
    binary.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(FileUnreadable, match="无法识别"):
        read_file(binary)


def test_unreadable_is_a_pledgebook_error():
    assert issubclass(FileUnreadable, PledgebookError)
    assert FileUnreadable("x").exit_code == 2


def test_zip_bomb_declared_size(tmp_path):
    """A member that declares 2 GB uncompressed is refused before anything is inflated."""
    src = ledger_xlsx(tmp_path / "ok.xlsx")
    path = tmp_path / "bomb.xlsx"
    shutil.copy(src, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("xl/media/huge.bin")
        archive.writestr(info, b"x")
    data = bytearray(path.read_bytes())
    name = b"xl/media/huge.bin"
    # patch the declared uncompressed size (offset 24 in the central directory entry)
    central = data.rfind(name) - 46
    assert data[central:central + 4] == b"PK\x01\x02"
    data[central + 24:central + 28] = (2 * 1024**3 - 1).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(FileUnreadable, match="解压后体积过大") as info:
        read_file(path)
    assert "bomb.xlsx" in str(info.value)


def test_zip_bomb_real_ratio(tmp_path):
    src = ledger_xlsx(tmp_path / "ok.xlsx")
    path = tmp_path / "ratio.xlsx"
    shutil.copy(src, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(FileUnreadable, match="解压后体积过大"):
        read_file(path)


def test_xml_entity_bomb_refused(tmp_path):
    src = ledger_xlsx(tmp_path / "ok.xlsx")
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(1, 10))
           + b"]>")

    def poison(data: bytes) -> bytes:
        return lol + data.split(b"?>", 1)[1]

    path = rewrite_zip(src, tmp_path / "lol.xlsx", "xl/sharedStrings.xml", poison)
    with pytest.raises(FileUnreadable, match="DOCTYPE"):
        read_file(path)


def test_far_cell_zz200000_is_skipped_not_fatal(tmp_path):
    src = ledger_xlsx(tmp_path / "ok.xlsx")
    far = b'<row r="200000"><c r="ZZ200000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    path = rewrite_zip(src, tmp_path / "far.xlsx", "xl/worksheets/sheet1.xml", lambda d: d.replace(b"</sheetData>", far))
    started = time.perf_counter()
    sheets = read_file(path)
    assert time.perf_counter() - started < 10
    assert sheets[0].rows == []
    assert "ZZ200000" in sheets[0].skipped


def test_absurd_dimension_is_skipped(tmp_path):
    src = ledger_xlsx(tmp_path / "ok.xlsx")
    path = rewrite_zip(src, tmp_path / "dim.xlsx", "xl/worksheets/sheet1.xml",
                       lambda d: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:ZZ200000"/>', d))
    sheet = read_file(path)[0]
    assert "ZZ200000" in sheet.skipped and sheet.rows == []


def test_row_and_column_caps(tmp_path):
    path = ledger_xlsx(tmp_path / "ok.xlsx", rows=30)
    assert "超出可导入的范围" in read_file(path, max_rows=20)[0].skipped
    assert "超出可导入的范围" in read_file(path, max_cols=5)[0].skipped


def test_formatting_far_away_does_not_count(tmp_path):
    """Empty formatted cells (<c r="XFD9" s="1"/>) and tall rows hold nothing: not a reason to skip."""
    src = ledger_xlsx(tmp_path / "ok.xlsx")
    extra = b'<row r="900000" ht="30" customHeight="1"><c r="XFD900000" s="1"/></row></sheetData>'
    path = rewrite_zip(src, tmp_path / "fmt.xlsx", "xl/worksheets/sheet1.xml", lambda d: d.replace(b"</sheetData>", extra))
    sheet = read_file(path)[0]
    assert sheet.skipped is None and len(find_table(sheet).data) == 3


def _child_with_sitecustomize(monkeypatch, folder: Path, code: str) -> None:
    """Make the parser child run ``code`` first, through a sitecustomize module on its path."""
    from pledgebook.importers import reader

    (folder / "sitecustomize.py").write_text(code)
    real = reader.child_env
    monkeypatch.setattr(reader, "child_env", lambda: {**real(), "PYTHONPATH": str(folder) + os.pathsep + real()["PYTHONPATH"]})


def test_crash_in_child_becomes_file_unreadable(tmp_path, monkeypatch):
    """If the parser process dies (as calamine aborts on a hostile file), the caller gets FileUnreadable."""
    path = ledger_xlsx(tmp_path / "ok.xlsx")
    _child_with_sitecustomize(monkeypatch, tmp_path, "import os\nos.abort()\n")
    with pytest.raises(FileUnreadable, match="异常退出") as info:
        read_file(path)
    assert "ok.xlsx" in str(info.value)


def test_timeout_becomes_file_unreadable(tmp_path, monkeypatch):
    path = ledger_xlsx(tmp_path / "ok.xlsx")
    _child_with_sitecustomize(monkeypatch, tmp_path, "import time\ntime.sleep(30)\n")
    started = time.perf_counter()
    with pytest.raises(FileUnreadable, match="读取超时"):
        read_file(path, timeout=2)
    assert time.perf_counter() - started < 10


def test_sandbox_child_stays_light():
    code = ("import sys, pledgebook.importers.sandbox as s; "
            "print(sorted(m for m in ('textual', 'rich', 'typer', 'peewee', 'pypinyin', 'pledgebook.models') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_reader_imports_no_ui():
    code = ("import sys, pledgebook.importers.reader, pledgebook.importers.table; "
            "print(sorted(m for m in ('textual', 'rich', 'typer', 'peewee', 'pypinyin', 'python_calamine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------- ods

ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 office:version="1.2"><office:body><office:spreadsheet><table:table table:name="台账">
<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>承诺事项</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>完成时限</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>张三</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>修路</text:p></table:table-cell>
<table:table-cell office:value-type="date" office:date-value="2011-12-31"><text:p>2011-12-31</text:p></table:table-cell>
</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>""".replace("\n<", "<")  # calamine wants no whitespace between cells


def test_ods(tmp_path):
    path = tmp_path / "台账.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", ODS_CONTENT)
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest '
                         'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    table = find_table(read_file(path)[0])
    assert table.header == ["姓名", "承诺事项", "完成时限"]
    assert table.data[0][1][:2] == ["张三", "修路"]
    assert table.data[0][1][2] in (dt.date(2011, 12, 31), dt.datetime(2011, 12, 31))


# ----------------------------------------------------------------- xls


def test_xls(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("no .xls writer here (xlwt is not a dependency and LibreOffice is not installed); "
                    "xls goes through the same calamine path as xlsx")
    src = ledger_xlsx(tmp_path / "台账.xlsx")
    subprocess.run([soffice, "--headless", "--convert-to", "xls", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=120)
    table = find_table(read_file(tmp_path / "台账.xls")[0])
    assert table.canonical[3] == "姓名" and len(table.data) == 3


def test_encrypted_cfb_is_refused(tmp_path):
    path = tmp_path / "密码.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 500)
    with pytest.raises(FileUnreadable, match="密码"):
        read_file(path)


def test_garbage_cfb_becomes_file_unreadable(tmp_path):
    path = tmp_path / "坏.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40)
    with pytest.raises(FileUnreadable, match="坏.xls"):
        read_file(path)


# ----------------------------------------------------------------- csv / text

CSV_TEXT = "XX县2011年党员公开承诺台账\n序号,姓名,承诺事项,发放票数\n１,张三,修路,１２\n2,李四,\"种树,护林\",3\n合计,,,15\n填报人：王五\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings(tmp_path, encoding):
    path = tmp_path / "承诺.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    sheet = read_file(path)[0]
    assert sheet.name == "承诺"
    table = find_table(sheet)
    assert table.header == ["序号", "姓名", "承诺事项", "发放票数"]
    assert table.data == [(3, ["１", "张三", "修路", "１２"]), (4, ["2", "李四", "种树,护林", "3"])]
    assert [r for _, r in table.dropped] == ["合计/小计行", "表尾（填报人、审核人等）"]


def test_utf16_tab_separated_unicode_text(tmp_path):
    """Excel's 'Unicode text': UTF-16 LE with BOM, tab separated, CRLF."""
    path = tmp_path / "导出.txt"
    path.write_bytes(CSV_TEXT.replace(",", "\t").replace('"种树\t护林"', "种树，护林").replace("\n", "\r\n").encode("utf-16"))
    table = find_table(read_file(path)[0])
    assert table.header == ["序号", "姓名", "承诺事项", "发放票数"]
    assert table.data[1] == (4, ["2", "李四", "种树，护林", "3"])


def test_semicolon_csv(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("姓名;性别;民族\n张三;男;汉族\n", encoding="utf-8")
    assert read_file(path)[0].rows[1] == ["张三", "男", "汉族"]


def test_gbk_that_happens_to_be_valid_utf8_is_not_taken_for_utf8():
    text = "姓名,民族\n"
    data = text.encode("gb18030")
    decoded, codec = decode_text(data)
    assert decoded == text and codec == "gb18030"


def test_sniff_delimiter_ignores_commas_in_text():
    assert sniff_delimiter("标题，说明\n姓名\t承诺事项\t时限\n张三\t修路,种树\t2011-12-31\n") == "\t"


def test_csv_caps(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("姓名,性别\n" + "张三,男\n" * 50, encoding="utf-8")
    with pytest.raises(FileUnreadable, match="超过 20 行"):
        read_file(path, max_rows=20)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"列{i}" for i in range(300)) + "\n", encoding="utf-8")
    with pytest.raises(FileUnreadable, match="列"):
        read_file(wide)


def test_csv_rows_as_the_cell_by_cell_reading_gives_them(tmp_path):
    """Blank rows left out with their numbers kept, short rows padded with None, '' read as None, a
    cell over the limit dropped and reported; a blank tail past the column limit cut off, text there
    refused with its line."""
    path = tmp_path / "t.csv"
    path.write_text("姓名,性别,承诺事项\n\n张三,男\n,,\n李四,," + "长" * 40 + "\n王五,女,修路\n", encoding="utf-8")
    sheet = read_file(path, max_cell_chars=30)[0]
    assert sheet.row_numbers == [1, 3, 5, 6]
    assert sheet.rows == [["姓名", "性别", "承诺事项"], ["张三", "男", None], ["李四", None, None], ["王五", "女", "修路"]]
    assert [(i.row, i.column, i.kind) for i in sheet.issues] == [(5, "C", "too_long")]
    wide = tmp_path / "w.csv"
    wide.write_text("姓名,性别\n张三,男" + "," * 250 + "\n", encoding="utf-8")
    assert read_file(wide)[0].rows == [["姓名", "性别"] + [None] * 198, ["张三", "男"] + [None] * 198]
    wide.write_text("姓名,性别\n张三,男\n\"李\n四\"" + ",x" * 201 + "\n", encoding="utf-8")
    with pytest.raises(FileUnreadable, match="第 4 行有 202 列"):
        read_file(wide)


def test_csv_control_chars_reported(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("姓名,性别\n张\x01三,男\n", encoding="utf-8")
    sheet = read_file(path)[0]
    assert [(i.row, i.column, i.kind) for i in sheet.issues] == [(2, "A", "control_chars")]


# ----------------------------------------------------------------- find_table on plain sheets


def make_sheet(rows, merges=()):
    numbers = list(range(1, len(rows) + 1))
    kept = [(n, r) for n, r in zip(numbers, rows, strict=True) if any(v not in (None, "") for v in r)]
    return Sheet(name="表", rows=[r for _, r in kept], row_numbers=[n for n, _ in kept], merges=list(merges))


def test_two_row_header_without_merge_info():
    sheet = make_sheet([
        ["XX县承诺评议汇总表", None, None, None, None, None, None],
        ["序号", "姓名", "党员评议", None, "群众评议", None, "备注"],
        [None, None, "满意", "不满意", "满意", "不满意", None],
        [1, "张三", 10, 1, 20, 2, None],
    ])
    table = find_table(sheet)
    assert table.header == ["序号", "姓名", "党员评议/满意", "党员评议/不满意", "群众评议/满意", "群众评议/不满意", "备注"]
    assert table.canonical[2] == "党员评议/满意" and table.canonical[4] == "群众评议/满意"
    assert table.data == [(4, [1, "张三", 10, 1, 20, 2, None])]
    assert guess_kind(table.header) == "evaluations"


def test_data_row_is_not_taken_for_a_second_header_row():
    sheet = make_sheet([["姓名", "承诺事项", "备注"], ["张三", "修路", None], ["李四", "种树", "已完成"]])
    table = find_table(sheet)
    assert table.header_rows == [1] and len(table.data) == 2


def test_unknown_columns_and_extra_cells():
    sheet = make_sheet([["姓名", "承诺事项", "乱七八糟"], ["张三", "修路", "x", "多出来的"]])
    table = find_table(sheet)
    assert table.header == ["姓名", "承诺事项", "乱七八糟", ""]
    assert table.unknown_columns() == ["乱七八糟"]
    assert table.data[0][1][3] == "多出来的"


def test_repeated_header_rows_dropped():
    sheet = make_sheet([["姓名", "承诺事项"], ["张三", "修路"], ["姓名", "承诺事项"], ["李四", "种树"]])
    table = find_table(sheet)
    assert [n for n, _ in table.data] == [2, 4] and table.dropped == [(3, "重复的表头")]


def test_fallback_header_with_unknown_names():
    sheet = make_sheet([["本县自定义表"], ["填报单位：某镇"], ["甲", "乙", "丙"], ["1", "2", "3"]])
    table = find_table(sheet)
    assert table.header == ["甲", "乙", "丙"] and table.header_rows == [3]


def test_no_table():
    with pytest.raises(NoTable, match="找不到表头"):
        find_table(make_sheet([[1, 2, 3], [4, 5, 6]]))
    with pytest.raises(NoTable, match="未读取"):
        find_table(Sheet(name="x", skipped="空白工作表"))


def test_aliases_extend_header_detection(tmp_path):
    mapping = tmp_path / "列名.csv"
    mapping.write_text("本县列名,标准列名\n帮扶对象,承诺事项\n党员名字,姓名\n", encoding="utf-8-sig")
    aliases = load_aliases(mapping)
    table = find_table(make_sheet([["党员名字", "帮扶对象"], ["张三", "五保户"]]), aliases=aliases)
    assert table.canonical == ["姓名", "承诺事项"]


# ----------------------------------------------------------------- columns


@pytest.mark.parametrize(
    "raw, expected",
    [("  *身份证号 ", "身份证号"), ("满意（票）", "满意"), ("有效票\n(张)", "有效票"), ("发放票数 (票)", "发放票数"),
     ("满意率(%)", "满意率"), ("资金（万元）", "资金"), ("乡（镇）", "乡(镇)"), ("完成时限(必填)", "完成时限"),
     ("ＡＢ　Ｃ", "ABC"), (None, ""), ("户数(户)", "户数"), ("人数（单位：人）", "人数")],
)
def test_normalize_header(raw, expected):
    assert normalize_header(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [("乡（镇）", "乡镇"), ("镇名称", "乡镇"), ("所在党组织", "党组织"), ("单位", "党组织"), ("承诺人", "姓名"),
     ("身份证号码", "公民身份号码"), ("类别", "承诺类别"), ("承诺内容", "承诺事项"), ("措施", "践诺措施"),
     ("时限", "完成时限"), ("公开日期", "公示时间"), ("落实情况", "践诺情况"), ("状态", "践诺情况"),
     ("评议结果", "评定等次"), ("点评意见", "评定意见"), ("评议日期", "评定日期"), ("表格填写日期", "填报日期"),
     ("出生年月", "出生日期"), ("*满意票", "满意"), ("群众测评/满意票", "群众评议/满意"), ("基本信息/姓名", "姓名"),
     ("群众评议/备注", "备注"), ("乱七八糟", None), ("群众评议/乱七八糟", None), ("", None)],
)
def test_canonical(raw, expected):
    assert canonical(raw) == expected


def test_guess_kind():
    assert guess_kind(["党组织名称", "组织类别", "上级党组织"]) == "orgs"
    assert guess_kind(["姓名", "性别", "所在党支部"]) == "people"
    assert guess_kind(["姓名", "承诺内容", "完成时限", "群众评议/满意"]) == "pledges"
    assert guess_kind(["姓名", "承诺内容", "有效票", "满意", "评议结果"]) == "evaluations"
    assert guess_kind(["姓名", "承诺内容", "进展情况", "践诺日期"]) == "progress"
    assert guess_kind(["甲", "乙"]) is None


def test_load_aliases_json_and_errors(tmp_path):
    good = tmp_path / "a.json"
    good.write_text(json.dumps({"党员名字": "姓名", "民评/满意票": "群众评议/满意"}, ensure_ascii=False), encoding="utf-8")
    aliases = load_aliases(good)
    assert aliases == {"党员名字": "姓名", "民评/满意票": "群众评议/满意"}
    assert canonical("民评/满意票", aliases) == "群众评议/满意"
    bad = tmp_path / "b.csv"
    bad.write_text("帮扶对象,不存在的列\n", encoding="gb18030")
    with pytest.raises(MappingFileError, match="第 1 行.*不是已知的标准列名"):
        load_aliases(bad)
    broken = tmp_path / "c.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(MappingFileError, match="JSON"):
        load_aliases(broken)


def test_column_letter():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


# ----------------------------------------------------------------- speed


def test_20000_rows_read_in_full(tmp_path):
    """A county-sized workbook comes through the sandbox whole (its speed is in benchmarks/)."""
    path = tmp_path / "big.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("台账")
    sheet.write_row(0, 0, ["序号", "乡镇", "党组织", "姓名", "公民身份号码", "承诺类别", "承诺事项", "践诺措施",
                           "完成时限", "践诺情况", "发放票数", "有效票", "满意", "基本满意", "不满意", "备注"])
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r in range(1, 20_001):
        sheet.write_row(r, 0, [r, "联珠镇", f"第{r % 600}党支部", f"党员{r}", "53082219900101123X", "服务人民群众",
                               f"为群众办实事第{r}件，修路架桥，扶贫济困", "走访入户，建立台账", ])
        sheet.write_datetime(r, 8, dt.datetime(2011, 12, 31), date_format)
        sheet.write_row(r, 9, ["践诺中", 30, 28, 20, 6, 2, None])
    workbook.close()

    table = find_table(read_file(path)[0])
    assert len(table.data) == 20_000
    first_row, values = table.data[0]
    assert first_row == 2 and values[3] == "党员1" and values[8] == dt.date(2011, 12, 31)
