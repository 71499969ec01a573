"""评选表彰推荐: the townships' recommendations imported as candidates (source 乡镇推荐).

The county is ``tests/standing_util.build`` with its stars proposed (2011): 张三 (新华村, 党支部书记, 优秀, his
pledge 已兑现) meets both member criteria; 李四 (新华村) meets none; 赵六 (勐先村) is 优秀 without a post or a
pledge; 勐先村党支部 has five stars, 新华村 four.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from pledgebook.exporters.template import write_template
from pledgebook.importers.apply import import_file
from pledgebook.models.appraisal.rules import honours, stars
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import AuditLog, Honour, ImportBatch, WorkYear
from tests.standing_util import YEAR, build

HEADER = ["序号", "所属乡镇", "推荐类别", "党组织", "姓名", "公民身份号码", "推荐理由"]


@pytest.fixture
def town(county):
    t = build(county)
    stars.propose_stars(YEAR)
    return t


def recommendations(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    """A township's recommendation list as Excel saves it: a merged title, the header, 乡镇 merged down over
    its rows, a footer."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "推荐名单"
    ws.cell(1, 1, "2011年度评选表彰推荐对象汇总表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    town_col = header.index("所属乡镇") + 1 if "所属乡镇" in header else None
    if town_col and len(rows) > 1 and all(r[town_col - 1] == rows[0][town_col - 1] for r in rows):
        for r in range(4, 3 + len(rows)):
            ws.cell(r, town_col).value = None
        ws.merge_cells(start_row=3, start_column=town_col, end_row=2 + len(rows), end_column=town_col)
    ws.append([])
    ws.append(["填表人：李文", None, None, "联系电话：0879-1234567"])
    wb.save(path)
    return path


def candidates() -> dict[tuple[str, str], tuple]:
    """(kind, who) → (source, status, meets_criteria, reason) of every live honour."""
    return {(h.kind, h.person.name if h.person_id else h.org.name): (h.source, h.status, h.meets_criteria, h.reason)
            for h in Honour.select().where(Honour.deleted_at.is_null())}


def test_recommendations_become_candidates_and_the_unmet_need_a_reason(town, tmp_path):
    rows = [[1, "联珠镇", "优秀共产党员", "新华村党支部", "张三", None, None],
            [2, "联珠镇", "优秀党务工作者", "勐先村党支部", "赵六", None, "长期负责村党支部党务工作，群众公认"],
            [3, "联珠镇", "先进基层党组织", "勐先村党支部", None, None, None],
            [4, "联珠镇", "优秀共产党员", "新华村党支部", "李四", None, None]]
    result = import_file(recommendations(tmp_path / "推荐名单.xlsx", rows))
    assert result.kind == "honours" and (result.added, result.rejected) == (3, 1), [p.text() for p in result.problems]
    assert candidates() == {
        ("excellent_member", "张三"): ("recommended", "candidate", True, ""),
        ("excellent_worker", "赵六"): ("recommended", "candidate", False, "长期负责村党支部党务工作，群众公认"),
        ("advanced_org", "勐先村党支部"): ("recommended", "candidate", True, ""),
    }
    [refused] = result.problems
    assert (refused.row, refused.column, refused.header) == (6, "G", "推荐理由")
    assert refused.message == ("李四不符合优秀共产党员的条件：2011年度 1 项承诺中 0 项已兑现，未全部兑现；还有 1 项承诺的整改未完成；"
                               "2011年度民主评议为「合格」，不是「优秀」。如确需推荐，请在「推荐理由」中写明理由")
    zhang = Honour.get(Honour.person == town["zhang"].id)
    batch = ImportBatch.get(ImportBatch.uid == result.batch_uid)
    assert (zhang.batch_id, zhang.source_row, zhang.year) == (batch.id, 3, YEAR)
    entry = AuditLog.get(AuditLog.record_uid == zhang.uid, AuditLog.action == "create")
    assert json.loads(entry.changes)["source"] == [None, "recommended"]


def test_the_reason_given_lets_an_unmet_candidate_in(town, tmp_path):
    rows = [[1, "联珠镇", "优秀共产党员", "新华村党支部", "李四", None, "抗洪抢险中表现突出"]]
    result = import_file(recommendations(tmp_path / "推荐.xlsx", rows))
    assert result.added == 1
    assert candidates() == {("excellent_member", "李四"): ("recommended", "candidate", False, "抗洪抢险中表现突出")}


@pytest.mark.parametrize(("row", "header", "text"), [
    ([1, "联珠镇", "优秀干部", "新华村党支部", "张三", None, None], "推荐类别", "推荐类别「优秀干部」不是可选的值"),
    ([1, "联珠镇", None, "新华村党支部", "张三", None, None], "推荐类别", "请填写推荐类别"),
    ([1, "联珠镇", "先进基层党组织", "勐先村党支部", "赵六", None, None], "姓名", "表彰的是党组织，「姓名」请留空"),
    ([1, "联珠镇", "优秀共产党员", "新华村党支部", None, None, "理由"], "姓名", "表彰的是党员，请填写姓名"),
    ([1, "联珠镇", "优秀共产党员", "新华村党支部", "查无此人", None, "理由"], "姓名", "中没有名为「查无此人」的人员"),
    ([1, "联珠镇", "优秀共产党员", "勐先村党支部", "张三", None, "理由"], "姓名", "「勐先村党支部」中没有名为「张三」的人员"),
    ([1, "联珠镇", "先进基层党组织", "不存在村党支部", None, None, "理由"], "党组织", "不存在村党支部"),
    ([1, "联珠镇", "优秀共产党员", "新华村党支部", "张三", "53082219800101001X", None], "公民身份号码", ""),
])
def test_refusals_name_the_cell(town, tmp_path, row, header, text):
    result = import_file(recommendations(tmp_path / "错.xlsx", [row]))
    assert result.rejected == 1 and Honour.select().count() == 0
    [problem] = result.problems
    assert problem.header == header and text in problem.message, (problem.header, problem.message)


def test_a_member_not_on_the_roll_and_one_of_another_branch_by_id_number(town, tmp_path):
    rules.update_person(town["sun"].id, state="转出")
    number = "530822198001010019"
    rules.update_person(town["zhao"].id, id_number=number)
    rows = [[1, "联珠镇", "优秀共产党员", "碧溪村党支部", "孙八", None, "理由"],
            [2, "通关镇", "优秀党务工作者", "新华村党支部", "赵六", number, "理由"],
            [3, "联珠镇", "优秀党务工作者", "新华村党支部", "李四", number, "理由"]]  # 赵六's number on 李四's row
    result = import_file(recommendations(tmp_path / "错.xlsx", rows))
    assert result.rejected == 3 and Honour.select().count() == 0
    first, second, third = sorted(result.problems, key=lambda p: p.row)
    assert first.header == "姓名" and "孙八已转出，不是在册党员" in first.message
    assert second.header == "党组织" and "赵六是「勐先村党支部」的党员，不是「新华村党支部」的" in second.message
    assert third.header == "公民身份号码" and "登记在「赵六」名下，与本行姓名「李四」不符" in third.message


def test_twice_in_the_file_and_a_closed_year(town, tmp_path):
    rows = [[1, "联珠镇", "优秀共产党员", "新华村党支部", "张三", None, None],
            [2, "联珠镇", "优秀共产党员", "新华村党支部", "张三 ", None, None]]
    result = import_file(recommendations(tmp_path / "重复.xlsx", rows))
    assert (result.added, result.rejected) == (1, 1)
    assert "与本表第 3 行重复" in result.problems[0].message
    WorkYear.update(closed=True).where(WorkYear.year == YEAR).execute()
    closed = import_file(recommendations(tmp_path / "关闭.xlsx", rows[:1] + [
        [2, "联珠镇", "先进基层党组织", "勐先村党支部", None, None, None]]))
    assert closed.added == 0 and "2011年度已关闭" in closed.problems[0].message


def test_gbk_csv_from_wps_with_short_kind_names(town, tmp_path):
    text = ("序号,推荐类型,党支部,姓名,身份证号,推荐原因\r\n"
            "1,优秀党员,新华村党支部,张三,,\r\n"
            "2,先进党支部,勐先村党支部,,,\r\n"
            "3,优秀党务干部,新华村党支部,张三,,\r\n")
    path = tmp_path / "推荐.csv"
    path.write_bytes(text.encode("gbk"))
    result = import_file(path)
    assert result.kind == "honours" and result.added == 3, [p.text() for p in result.problems]
    assert set(candidates()) == {("excellent_member", "张三"), ("advanced_org", "勐先村党支部"),
                                 ("excellent_worker", "张三")}


def test_again_changes_nothing_a_new_reason_updates_and_others_candidates_are_left(town, tmp_path):
    honours.add_candidate("excellent_member", YEAR, org_id=town["b3"].id, person_id=town["zhao"].id,
                          reason="县委组织部提名")
    rows = [[1, "联珠镇", "优秀共产党员", "新华村党支部", "李四", None, "抗洪抢险中表现突出"],
            [2, "通关镇", "优秀共产党员", "勐先村党支部", "赵六", None, "乡镇推荐"]]
    first = import_file(recommendations(tmp_path / "一.xlsx", rows))
    assert (first.added, first.unchanged) == (1, 1)
    assert any("已是本年度的候选（县委组织部提名），本行未作改动" in w.message for w in first.warnings), first.warnings
    again = import_file(recommendations(tmp_path / "二.xlsx", rows + [[3, None, None, None, None, None, None]]))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    rows[0][-1] = "抗洪抢险中表现突出，救出群众 3 人"
    fixed = import_file(recommendations(tmp_path / "三.xlsx", rows))
    assert (fixed.added, fixed.updated) == (0, 1)
    li = Honour.get(Honour.person == town["li"].id)
    assert li.reason == "抗洪抢险中表现突出，救出群众 3 人"
    entry = AuditLog.get(AuditLog.record_uid == li.uid, AuditLog.action == "update")
    assert json.loads(entry.changes)["reason"][1] == "抗洪抢险中表现突出，救出群众 3 人"
    assert Honour.get(Honour.person == town["zhao"].id).reason == "县委组织部提名"


def test_template_filled_and_imported(town, tmp_path):
    path = write_template("评选表彰推荐", tmp_path / "推荐模板.xlsx", year=YEAR)
    blank = import_file(path)
    assert blank.kind == "honours" and blank.rows_read == 0 and not blank.sheets[0].unknown_columns
    wb = openpyxl.load_workbook(path)
    ws = wb["评选表彰推荐名单"]
    assert [c.value for c in ws[2]] == ["序号", "所属乡镇", "推荐类别", "党组织", "姓名", "公民身份号码", "推荐理由", "备注"]
    ws.append([1, "联珠镇", "优秀共产党员", "新华村党支部", "张三", None, None, None])
    ws.append([2, "通关镇", "先进基层党组织", "勐先村党支部", None, None, None, "五星党支部"])
    wb.save(tmp_path / "已填.xlsx")
    result = import_file(tmp_path / "已填.xlsx")
    assert (result.added, result.rejected) == (2, 0), [p.text() for p in result.problems]
    assert Honour.get(Honour.org == town["b3"].id).note == "五星党支部"


def test_old_xls_with_a_title_and_the_kind_under_another_name(town, tmp_path):
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the old .xls format for this test")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("通关镇")
    sheet.write_merge(0, 0, 0, 4, "通关镇2011年度评选表彰推荐对象")
    for j, name in enumerate(["序号", "表彰类别", "所在党组织", "党员姓名", "推荐事由"]):
        sheet.write(1, j, name)
    for i, row in enumerate([[1, "先进基层党组织", "勐先村党支部", "", ""],
                             [2, "优秀共产党员", "勐先村党支部", "赵六", "带头调解邻里纠纷 20 余起"]], start=2):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    sheet.write(5, 0, "填表人：岩温")
    book.save(str(tmp_path / "通关镇.xls"))
    result = import_file(tmp_path / "通关镇.xls")
    assert result.kind == "honours" and result.added == 2, [p.text() for p in result.problems]
    assert candidates() == {("advanced_org", "勐先村党支部"): ("recommended", "candidate", True, ""),
                            ("excellent_member", "赵六"): ("recommended", "candidate", False, "带头调解邻里纠纷 20 余起")}
