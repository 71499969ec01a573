"""Real township files, right the first time (issue 15).

The spreadsheets under tests/fixtures/ were saved by LibreOffice (see make_fixtures.py); the
web-system exports were written as those systems write them. The ledger is conftest's
``county``: 墨江哈尼族自治县 › 中共联珠镇委员会 › 新华村党支部 (张三, 李四), 碧溪村党支部 (王五).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import xlsxwriter

from pledgebook.importers.apply import import_file
from pledgebook.importers.inbox import run_inbox
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import ImportBatch, Org, Pledge

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copy(FIXTURES / name, target)
    return target


def org(name: str) -> Org:
    return Org.get(Org.name == name, Org.deleted_at.is_null())


def workbook(path: Path, header: list[str], rows: list[list], sheet: str = "联珠镇") -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    ws.write(0, 0, "墨江县2011年党员公开承诺台账")
    ws.write_row(1, 0, header)
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    wb.close()
    return path


def ledger_rows() -> list[tuple]:
    """(org, person, content, due, term) of every pledge, in the order of the file."""
    query = Pledge.select().where(Pledge.deleted_at.is_null()).order_by(Pledge.source_row)
    return [(p.org.name, p.person.name if p.person_id else None, p.content, p.due_date, p.term) for p in query]


# ----------------------------------------------------------------- 1. the county committee row


def test_roster_with_the_county_committee_row_and_parents_further_down(county, tmp_path):
    result = import_file(copy("roster_office.xlsx", tmp_path))
    root = Org.get_by_id(county["root"].id)
    assert root.name == "中共墨江哈尼族自治县委员会" and root.kind == "county" and root.parent_id is None
    assert root.code == "530822", "the root keeps its administrative code"
    town = org("中共通关镇委员会")
    assert town.parent_id == root.id and town.kind == "committee" and town.code == "53082202"
    # the branches came before their 党委 in the file, and name it by its full and its short name
    assert org("团结村党支部").parent_id == town.id and org("联合村党支部").parent_id == town.id
    assert org("团结村党支部").township == "通关镇"
    organ = org("县直机关工委")
    assert organ.parent_id == root.id and org("县财政局机关党支部").parent_id == organ.id
    assert org("团结村党支部").path == f"{root.path}{town.id}/{org('团结村党支部').id}/"
    # the 龙潭乡 党委 is refused for its kind; its branch points at its row
    assert result.rejected == 2 and result.exit_code == 1
    first, second = result.problems
    assert (first.row, first.column, first.header, first.value) == (9, "C", "组织类别", "乡党支委")
    assert first.message.startswith("组织类别「乡党支委」不是可选的值")
    assert (second.row, second.column, second.value) == (10, "D", "中共龙潭乡委员会")
    assert second.message == "上级党组织「中共龙潭乡委员会」在本文件第 9 行，该行未能导入。请先改正该行"
    assert not Org.select().where(Org.name.contains("龙潭")).exists()
    assert (result.added, result.updated) == (5, 1)


@pytest.mark.parametrize("written", ["中共墨江县委", "中共墨江县委员会", "墨江县委", "墨江哈尼族自治县",
                                     "中共墨江哈尼族自治县委员会", "墨江县", "县委", "530822"])
def test_the_root_answers_to_every_name_a_clerk_writes(county, tmp_path, written):
    path = workbook(tmp_path / "名单.xlsx", ["党组织名称", "组织类别", "上级党组织"],
                    [["中共碧溪镇委员会", "党委", written]])
    result = import_file(path)
    assert result.exit_code == 0, [p.text() for p in result.problems]
    assert org("中共碧溪镇委员会").parent_id == county["root"].id


@pytest.mark.parametrize("no_parent", ["（无）", "无", None])
def test_the_county_row_with_no_parent_updates_the_root(county, tmp_path, no_parent):
    path = workbook(tmp_path / "名单.xlsx", ["党组织名称", "组织类别", "上级党组织"],
                    [["中共墨江县委", "县委", no_parent], ["中共碧溪镇委员会", "党委", "中共墨江县委"]])
    result = import_file(path)
    assert result.exit_code == 0 and (result.added, result.updated) == (1, 1)
    assert Org.get_by_id(county["root"].id).name == "中共墨江县委"
    again = import_file(workbook(tmp_path / "名单2.xlsx", ["党组织名称", "组织类别", "上级党组织"],
                                 [["中共墨江县委", "县委", no_parent], ["中共碧溪镇委员会", "党委", "墨江县委"]]))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_a_branch_without_parent_is_still_refused(county, tmp_path):
    path = workbook(tmp_path / "名单.xlsx", ["党组织名称", "组织类别", "上级党组织"], [["新村党支部", "党支部", "（无）"]])
    result = import_file(path)
    assert [p.message for p in result.problems] == ["请填写上级党组织"]


def test_parents_in_a_loop_are_refused_not_hung(county, tmp_path):
    path = workbook(tmp_path / "名单.xlsx", ["党组织名称", "组织类别", "上级党组织"],
                    [["甲村党支部", "党支部", "乙村党总支"], ["乙村党总支", "党总支", "甲村党支部"]])
    result = import_file(path)
    assert result.rejected == 2 and all("成环" in p.message for p in result.problems)


# ----------------------------------------------------------------- 2 + 4 + 5. merged cells, unit headers, deadlines

EXPECTED = [
    ("新华村党支部", None, "硬化村内道路2公里", dt.date(2011, 12, 31), "annual"),
    ("新华村党支部", None, "建成村级活动场所", dt.date(2011, 12, 31), "annual"),
    ("新华村党支部", "张三", "帮扶困难户3户", dt.date(2011, 6, 30), "annual"),
    ("新华村党支部", "张三", "带头发展核桃种植", dt.date(2011, 9, 30), "annual"),
    ("新华村党支部", "李四", "调解邻里纠纷", None, "immediate"),
    ("碧溪村党支部", "王五", "每月走访群众", None, "annual"),
    ("碧溪村党支部", "王五", "学习党章党规", dt.date(2011, 6, 30), "annual"),
]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_merged_cells_down_the_column_fill_every_row(county, tmp_path, fmt):
    # a second 张三 elsewhere: without the merged 所在党组织 his rows would be ambiguous
    rules.create_person("张三", county["b2"].id)
    path = copy(f"ledger_merged.{fmt}", tmp_path)
    dry = import_file(path, year=2011, dry_run=True)
    assert dry.exit_code == 0 and dry.added == 7, [p.text() for p in dry.problems]
    assert dry.readings["「年底前」→ 2011-12-31"] == [5]
    assert dry.readings["「2011年12月」→ 2011-12-31"] == [4]
    assert dry.readings["「上半年」→ 2011-06-30"] == [6]
    assert dry.readings["「三季度」→ 2011-09-30"] == [7]
    assert dry.readings["「即时」→ 即时承诺（无具体完成日期）"] == [8]
    assert "「年底前」→ 2011-12-31（第 5 行，共 1 行）" in dry.reading_lines()
    result = import_file(path, year=2011)
    assert result.exit_code == 0 and not result.header_problems
    assert ledger_rows() == EXPECTED


def test_a_key_column_not_understood_is_never_a_clean_success(county, tmp_path):
    path = workbook(tmp_path / "台账.xlsx", ["序号", "所在党组织", "承诺人", "承诺事项", "计划完成时限要求"],
                    [[1, "新华村党支部", "张三", "修路", "2011-12-31"]])
    result = import_file(path, year=2011)
    assert result.added == 1 and result.exit_code == 1
    assert [p.text() for p in result.header_problems] == [
        "「台账.xlsx」工作表「联珠镇」：E 列「计划完成时限要求」未能识别，可能是「完成时限」。本表缺少「完成时限」列，"
        "该列内容未导入。请把表头改为标准列名后再导入，或用 --mapping 列名映射文件说明"]
    assert "表头有未能识别的列" in result.summary()


@pytest.mark.parametrize("header", ["完成时限（年月日）", "时限(年.月)", "完成时限\n（年月日）", "完成时限【必填】"])
def test_headers_with_a_unit_or_a_note_are_recognised(county, tmp_path, header):
    path = workbook(tmp_path / "台账.xlsx", ["所在党组织", "承诺人", "承诺事项（内容）", header],
                    [["新华村党支部", "张三", "修路", "2011.12"]])
    result = import_file(path, year=2011)
    assert result.exit_code == 0 and not result.header_problems
    assert ledger_rows() == [("新华村党支部", "张三", "修路", dt.date(2011, 12, 31), "annual")]


def test_a_deadline_that_cannot_be_read_says_what_to_write(county, tmp_path):
    path = workbook(tmp_path / "台账.xlsx", ["所在党组织", "承诺事项", "完成时限"],
                    [["新华村党支部", "修路", "等上级通知"], ["新华村党支部", "建桥", 2011.1]])
    result = import_file(path, year=2011)
    assert [p.message for p in result.problems] == [
        "无法识别的完成时限「等上级通知」，请写成 2011-12-31、2011年12月、年底前、上半年、即时 或 长期",
        "完成时限「2011.1」是 2011年1月 还是 2011年10月？Excel 把 2011.10 存成了 2011.1，请写成 2011-10-31 这样的日期，"
        "或把该列设为文本格式"]


# ----------------------------------------------------------------- 6. refused rows are never forgotten


def _half_bad(path: Path) -> Path:
    return workbook(path, ["所在党组织", "承诺事项", "完成时限"],
                    [["新华村党支部", "修路", "2011-12-31"], ["不存在的支部", "建桥", "2011-12-31"]])


def test_reimporting_a_file_with_refused_rows_lists_them_again(county, tmp_path):
    path = _half_bad(tmp_path / "台账.xlsx")
    first = import_file(path, year=2011)
    assert (first.added, first.rejected, first.exit_code) == (1, 1, 1)
    again = import_file(path, year=2011)
    assert again.status == "done" and again.exit_code == 1 and (again.added, again.unchanged, again.rejected) == (0, 1, 1)
    assert [p.row for p in again.problems] == [4] and "未找到党组织「不存在的支部」" in again.problems[0].message
    assert "此文件已于" in again.summary() and "当时有 1 行未能导入；仍有 1 行未能导入，见下" in again.summary()
    assert Pledge.select().count() == 1 and ImportBatch.select().count() == 1
    from pledgebook.tui.screens.imports import render_result

    screen = render_result(again)
    assert "当时有 1 行未能导入" in screen and "不存在的支部" in screen and "第 4 行" in screen


def test_reimporting_the_same_bytes_never_undoes_later_changes_in_the_ledger(county, tmp_path):
    path = _half_bad(tmp_path / "台账.xlsx")
    import_file(path, year=2011)
    [pledge] = Pledge.select()
    rules.set_status(pledge.id, "fulfilled", on=dt.date(2011, 9, 1))
    rules.update_pledge(pledge.id, due_date=dt.date(2011, 10, 31))
    again = import_file(path, year=2011)
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 0, 1, 1)
    pledge = Pledge.get_by_id(pledge.id)
    assert pledge.status == "fulfilled" and pledge.due_date == dt.date(2011, 10, 31)


def test_a_refused_row_fixed_in_the_ledger_goes_in_on_reimport(county, tmp_path):
    path = _half_bad(tmp_path / "台账.xlsx")
    import_file(path, year=2011)
    rules.create_org("不存在的支部", "党支部", county["committee"].id)
    again = import_file(path, year=2011)
    assert again.exit_code == 0 and (again.added, again.unchanged) == (1, 1)
    assert "现已全部导入" in again.summary()
    assert import_file(path, year=2011).status == "already"


def test_inbox_keeps_a_file_with_refused_rows_in_errors(county, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    _half_bad(inbox / "台账.xlsx")
    run_inbox(inbox, year=2011)
    assert (inbox / "有错误" / "台账.xlsx").exists()
    shutil.copy(inbox / "有错误" / "台账.xlsx", inbox / "台账.xlsx")  # the same bytes, sent again
    [(result, moved)] = run_inbox(inbox, year=2011)
    assert result.exit_code == 1 and result.rejected == 1
    assert moved == inbox / "有错误" / "台账(2).xlsx" and (inbox / "有错误" / "台账(2)_错误清单.xlsx").exists()
    assert not (inbox / "已导入").exists()


# ----------------------------------------------------------------- 3. web-system exports


@pytest.mark.parametrize("name", ["web_roster_gbk.xls", "web_roster_2003.xml.xls"])
def test_web_system_exports_import_with_their_id_numbers(county, tmp_path, name):
    from pledgebook.models.store.tables import Person

    result = import_file(copy(name, tmp_path))
    assert result.exit_code == 0 and result.kind == "people" and result.added == 2, [p.text() for p in result.problems]
    people = {p.name: p for p in Person.select().where(Person.name.in_(["赵一", "钱二"]))}
    assert people["赵一"].id_number == "530822199001011235" and people["赵一"].org_id == county["b1"].id
    assert people["钱二"].id_number == "53082219850615101X" and people["钱二"].org_id == county["b2"].id
    assert people["钱二"].joined_date == dt.date(2008, 6, 30) and people["钱二"].gender == "female"
    # written in bulk, as rules.create_person writes one: state, pinyin for the search, an audit entry each
    from pledgebook.models.core.pinyin import pinyin_key
    from pledgebook.models.store.audit import history

    assert people["赵一"].state == "active" and people["赵一"].pinyin == pinyin_key("赵一")
    [entry] = history(people["赵一"].uid)
    assert entry["action"] == "create" and entry["changes"]["name"] == [None, "赵一"]
    assert entry["changes"]["org"] == [None, county["b1"].uid] and "id_number" not in entry["changes"]


def test_a_web_export_resaved_with_ids_as_numbers_is_refused_row_by_row(county, tmp_path):
    path = tmp_path / "导出.xls"
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="名册"><Table>'
                    '<Row><Cell><Data ss:Type="String">姓名</Data></Cell><Cell><Data ss:Type="String">所在党组织</Data>'
                    '</Cell><Cell><Data ss:Type="String">身份证号</Data></Cell></Row>'
                    '<Row><Cell><Data ss:Type="String">赵一</Data></Cell><Cell><Data ss:Type="String">新华村党支部</Data>'
                    '</Cell><Cell><Data ss:Type="Number">5.30822199001011E+17</Data></Cell></Row>'
                    '</Table></Worksheet></Workbook>', encoding="utf-8")
    result = import_file(path)
    assert [p.message for p in result.problems] == [
        "身份证号被 Excel 转成了科学计数法/末尾被改成 0，请把该列设为文本格式后重新填写"]


# ----------------------------------------------------------------- the command, as a clerk runs it


def _cli(county, *args: str):
    from typer.testing import CliRunner

    from pledgebook.cli import app
    from pledgebook.models.store.db import close_database, open_database

    close_database()
    try:
        out = CliRunner().invoke(app, ["import", *args, "--db", str(county["path"])])
    finally:
        open_database(county["path"])
    return out.exit_code, out.output.replace("\n", "")  # the console wraps long lines


def test_cli_dry_run_shows_how_each_deadline_was_read(county, tmp_path):
    code, output = _cli(county, str(copy("ledger_merged.xlsx", tmp_path)), "--year", "2011", "--dry-run")
    assert code == 0, output
    assert "完成时限的读法：" in output
    assert "「年底前」→ 2011-12-31（第 5 行，共 1 行）" in output
    assert "「长期」→ 年度承诺（无具体完成日期）（第 9 行，共 1 行）" in output


def test_cli_unclear_header_exits_1_and_says_what_it_probably_is(county, tmp_path):
    path = workbook(tmp_path / "台账.xlsx", ["所在党组织", "承诺事项", "计划完成时限要求"], [["新华村党支部", "修路", "年底"]])
    code, output = _cli(county, str(path), "--year", "2011")
    assert code == 1
    assert "表头：「台账.xlsx」工作表「联珠镇」：C 列「计划完成时限要求」未能识别，可能是「完成时限」" in output


def test_cli_reimport_of_refused_rows_exits_1_and_lists_them(county, tmp_path):
    path = _half_bad(tmp_path / "台账.xlsx")
    assert _cli(county, str(path), "--year", "2011")[0] == 1
    code, output = _cli(county, str(path), "--year", "2011")
    assert code == 1 and "当时有 1 行未能导入；仍有 1 行未能导入" in output
    assert "第 4 行 A 列（所在党组织） 值「不存在的支部」：未找到党组织「不存在的支部」" in output


def test_html_rowspan_down_the_org_column_fills_every_row(county, tmp_path):
    path = tmp_path / "系统导出.xls"
    page = ('<html><head><meta charset="gbk"></head><body><table>'
            "<tr><td>所在党组织</td><td>承诺人</td><td>承诺事项</td><td>完成时限</td></tr>"
            "<tr><td rowspan=3>新华村党支部</td><td rowspan=2>张三</td><td>修路</td><td>2011-12</td></tr>"
            "<tr><td>建桥</td><td>下半年</td></tr>"
            "<tr><td>李四</td><td>植树</td><td>第四季度</td></tr></table></body></html>")
    path.write_bytes(page.encode("gbk"))
    rules.create_person("张三", county["b2"].id)  # a namesake elsewhere: only the filled org tells them apart
    result = import_file(path, year=2011)
    assert result.exit_code == 0, [p.text() for p in result.problems]
    assert ledger_rows() == [("新华村党支部", "张三", "修路", dt.date(2011, 12, 31), "annual"),
                             ("新华村党支部", "张三", "建桥", dt.date(2011, 12, 31), "annual"),
                             ("新华村党支部", "李四", "植树", dt.date(2011, 12, 31), "annual")]


def test_the_pledger_written_as_the_org_itself_is_the_orgs_own_pledge(county, tmp_path):
    path = workbook(tmp_path / "台账.xlsx", ["所在党组织", "承诺人", "承诺事项", "完成时限"],
                    [["新华村党支部", "新华村党支部", "修路", "12月31日"], [None, "联珠镇党委", "建站", "年底"],
                     ["新华村党支部", "张三", "植树", "今年年底"]])
    result = import_file(path, year=2011)
    assert result.exit_code == 0, [p.text() for p in result.problems]
    assert ledger_rows() == [("新华村党支部", None, "修路", dt.date(2011, 12, 31), "annual"),
                             ("中共联珠镇委员会", None, "建站", dt.date(2011, 12, 31), "annual"),
                             ("新华村党支部", "张三", "植树", dt.date(2011, 12, 31), "annual")]


def test_spreadsheetml_in_gbk_is_read(county, tmp_path):
    path = tmp_path / "导出.xls"
    xml = ('<?xml version="1.0" encoding="GB2312"?>\n<?mso-application progid="Excel.Sheet"?>\n'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="名册"><Table>'
           '<Row><Cell><Data ss:Type="String">姓名</Data></Cell><Cell><Data ss:Type="String">所在党组织</Data></Cell>'
           '<Cell><Data ss:Type="String">身份证号</Data></Cell></Row>'
           '<Row><Cell><Data ss:Type="String">赵一</Data></Cell><Cell><Data ss:Type="String">新华村党支部</Data></Cell>'
           '<Cell><Data ss:Type="String">530822199001011235</Data></Cell></Row></Table></Worksheet></Workbook>')
    path.write_bytes(xml.encode("gbk"))
    result = import_file(path)
    assert result.exit_code == 0 and result.added == 1, result.message or [p.text() for p in result.problems]


def test_a_roster_whose_kind_column_is_headed_just_leibie(county, tmp_path):
    """「类别」 alone in an org list is the org's kind (elsewhere it is a pledge's category)."""
    from pledgebook.importers.apply import import_file
    from pledgebook.models.store.tables import Org

    path = tmp_path / "组织名单.csv"
    path.write_bytes("序号,党组织名称,类别,上级党组织\n1,中共墨江哈尼族自治县委员会,县委,（无）\n"
                     "2,中共通关镇委员会,党委,中共墨江县委\n3,通关村党支部,党支部,通关镇党委\n".encode("gbk"))
    result = import_file(path, backup_folder=tmp_path / "bk")
    assert result.rejected == 0, [p.text() for p in result.problems]
    branch = Org.get(Org.name == "通关村党支部")
    assert branch.kind == "branch" and branch.parent.name == "中共通关镇委员会"
    assert branch.parent.parent_id == county["root"].id


def test_a_rosters_xueli_goes_into_the_ledger_and_the_bundle(county, tmp_path):
    """学历 (or 文化程度) from the roster is kept, shown in the person form's record and carried upward."""
    from pledgebook.bundle.format import TABLE_BY_NAME
    from pledgebook.importers.apply import import_file
    from pledgebook.models.ledger import queries
    from pledgebook.models.store.tables import Person

    path = tmp_path / "党员名册.csv"
    path.write_bytes("姓名,所在党组织,性别,民族,文化程度,出生日期\n赵六,新华村党支部,男,哈尼族,大学本科,1985-03-02\n"
                     "钱七,碧溪村党支部,女,汉族,,1990-01-01\n".encode("gbk"))
    result = import_file(path, backup_folder=tmp_path / "bk")
    assert result.rejected == 0 and result.added == 2, [p.text() for p in result.problems]
    zhao, qian = Person.get(Person.name == "赵六"), Person.get(Person.name == "钱七")
    assert (zhao.education, qian.education) == ("大学本科", None)
    assert queries.person_info(zhao.id).education == "大学本科"
    assert "education" in [f.name for f in TABLE_BY_NAME["person"].fields]
