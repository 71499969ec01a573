"""The 民主评议计票表 round trip: printed, filled in with openpyxl as a branch would, imported back; every
impossible count refused with its cell named and nothing written; the same sheet again changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from pledgebook.exporters import paper
from pledgebook.importers.apply import import_file
from pledgebook.importers.columns import guess_kind
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Appraisal, AuditLog, WorkYear


@pytest.fixture
def tally(county, tmp_path):
    """The county's 计票表 for 2011 (新华村: 张三, 赵六, 李四; 碧溪村: 王五)."""
    county["zhao"] = rules.create_person("赵六", county["b1"].id, gender="男", post="党支部委员")
    result = paper.print_appraisal_ballots(tmp_path / "测评票.xlsx", year=2011)
    assert result.tally_path is not None
    county["tally"] = result.tally_path
    return county


GOOD = {"张三": (30, 29, 20, 9, 0, 0, "优秀"), "赵六": (30, 28, 5, 20, 3, 0, "合格"),
        "李四": (30, 30, 0, 10, 15, 5, "基本合格")}


def _fill(src: Path, out: Path, rows: dict[str, tuple], *, on: str | None = "2011-12-20",
          extra: dict[tuple[str, str], object] | None = None) -> Path:
    """Fill the tally as a branch would: per member (发放, 有效, 优秀, 合格, 基本合格, 不合格, 组织评定)."""
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        header = [cell.value for cell in ws[3]]
        col = {name: j + 1 for j, name in enumerate(header)}
        for r in range(4, ws.max_row + 1):
            name = ws.cell(r, col["姓名"]).value
            if name in rows:
                for h, value in zip(("发放票数", "有效票", "优秀", "合格", "基本合格", "不合格", "组织评定等次"),
                                    rows[name], strict=True):
                    ws.cell(r, col[h]).value = value
                if on:
                    ws.cell(r, col["评定日期"]).value = dt.datetime.fromisoformat(on)
            for (who, h), value in (extra or {}).items():
                if name == who:
                    ws.cell(r, col[h]).value = value
    wb.save(out)
    return out


def _stored() -> dict[str, tuple]:
    return {a.person.name: (a.ballots_issued, a.ballots_valid, a.votes_excellent, a.votes_qualified,
                            a.votes_basic_qualified, a.votes_unqualified, a.grade)
            for a in Appraisal.select().where(Appraisal.deleted_at.is_null())}


def test_filled_tally_imports_the_votes_and_grades(tally, tmp_path):
    filled = _fill(tally["tally"], tmp_path / "已填.xlsx", GOOD)
    result = import_file(filled)
    assert result.kind == "appraisals" and result.status == "done", result.message
    assert (result.added, result.rejected) == (3, 0)
    assert "1 行尚未计票" in result.message  # 王五's row left blank: not zero votes
    assert _stored() == {"张三": (30, 29, 20, 9, 0, 0, "excellent"), "赵六": (30, 28, 5, 20, 3, 0, "qualified"),
                         "李四": (30, 30, 0, 10, 15, 5, "basic")}
    zhang = Appraisal.get(Appraisal.person == tally["zhang"].id)
    assert (zhang.year, zhang.org_id, zhang.decided_on, zhang.source) == (2011, tally["b1"].id, dt.date(2011, 12, 20),
                                                                          "import")
    entry = AuditLog.get(AuditLog.record_uid == zhang.uid)
    assert entry.action == "create" and json.loads(entry.changes)["grade"] == [None, "excellent"]


def test_the_same_sheet_again_changes_nothing(tally, tmp_path):
    filled = _fill(tally["tally"], tmp_path / "已填.xlsx", GOOD)
    import_file(filled)
    before = [(a.id, a.updated_at) for a in Appraisal.select()]
    assert import_file(filled).status == "already"
    resaved = _fill(filled, tmp_path / "另存.xlsx", {})  # the same values, other bytes
    again = import_file(resaved)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert [(a.id, a.updated_at) for a in Appraisal.select()] == before


def test_a_corrected_grade_updates_with_audit(tally, tmp_path):
    import_file(_fill(tally["tally"], tmp_path / "一.xlsx", GOOD))
    fixed = _fill(tally["tally"], tmp_path / "二.xlsx", {**GOOD, "李四": (30, 30, 0, 10, 15, 5, "不合格")})
    result = import_file(fixed)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 2)
    li = Appraisal.get(Appraisal.person == tally["li"].id)
    assert li.grade == "unqualified"
    entry = AuditLog.select().where(AuditLog.record_uid == li.uid, AuditLog.action == "update").get()
    assert json.loads(entry.changes) == {"grade": ["basic", "unqualified"]}


def _refused(path: Path, column: str, header: str, text: str) -> None:
    result = import_file(path)
    assert result.status == "aborted" and "一行也没有写入" in result.message
    assert any(p.column == column and p.header == header and text in p.message for p in result.problems), \
        [(p.column, p.header, p.message) for p in result.problems]
    assert Appraisal.select().count() == 0


@pytest.mark.parametrize(("change", "column", "header", "text"), [
    ((30, 31, 20, 9, 0, 0, "优秀"), "G", "有效票", "有效票 31 不能多于发放票数 30"),
    ((30, 29, 20, 9, 1, 0, "优秀"), "H", "优秀", "优秀＋合格＋基本合格＋不合格票＝30，多于有效票 29"),
    ((30, 29, 20, 9, 0, -1, "优秀"), "K", "不合格", "不能为负数"),
    ((30, 29, 20, 9, 0, 0, "良好"), "L", "组织评定等次", "组织评定等次「良好」不在可选范围内"),
    ((30, 29, "二十", 9, 0, 0, "优秀"), "H", "优秀", ""),
])
def test_impossible_counts_refused_with_the_cell_named(tally, tmp_path, change, column, header, text):
    _refused(_fill(tally["tally"], tmp_path / "错.xlsx", {**GOOD, "张三": change}), column, header, text)


def test_a_grade_beyond_the_quota_refuses_the_whole_sheet(tally, tmp_path):
    # 新华村: 3 members appraised → at most 1 优秀 (1/3)
    two = {**GOOD, "赵六": (30, 28, 25, 3, 0, 0, "优秀")}
    result = import_file(_fill(tally["tally"], tmp_path / "超额.xlsx", two))
    assert result.status == "aborted" and Appraisal.select().count() == 0
    assert sorted(p.row for p in result.problems) == [4, 5]  # both 优秀 rows, named in 组织评定等次
    assert {p.column for p in result.problems} == {"L"}
    assert "新华村党支部参评党员 3 人，优秀最多 1 人" in result.problems[0].message


def test_an_exempt_member_with_a_grade_and_a_changed_key_are_refused(tally, tmp_path):
    exempt = _fill(tally["tally"], tmp_path / "不参评.xlsx", GOOD, extra={("李四", "不参评原因"): "长期病休"})
    _refused(exempt, "L", "组织评定等次", "不参评的党员（原因：长期病休）不评定等次")
    wrong = _fill(tally["tally"], tmp_path / "改编号.xlsx", GOOD, extra={("赵六", "党员编号"): "不是编号"})
    _refused(wrong, "A", "党员编号", "党员编号「不是编号」在台账中不存在")


def test_an_exempt_member_imports_with_the_reason(tally, tmp_path):
    # 新华村 then has 2 members appraised: no 优秀 (⌊2/3⌋ = 0)
    rows = {"张三": (30, 29, 9, 20, 0, 0, "合格"), "赵六": GOOD["赵六"]}
    result = import_file(_fill(tally["tally"], tmp_path / "不参评.xlsx", rows, extra={("李四", "不参评原因"): "长期病休"}))
    assert result.added == 3, [p.message for p in result.problems]
    li = Appraisal.get(Appraisal.person == tally["li"].id)
    assert (li.exempt_reason, li.grade) == ("长期病休", None)


def test_a_closed_year_is_refused(tally, tmp_path):
    filled = _fill(tally["tally"], tmp_path / "已填.xlsx", GOOD)
    WorkYear.update(closed=True).where(WorkYear.year == 2011).execute()
    result = import_file(filled)
    assert result.status == "aborted" and "2011年度已关闭" in result.problems[0].message
    assert Appraisal.select().count() == 0


def test_a_townships_own_results_sheet_imports_by_name(tally, tmp_path):
    path = tmp_path / "联珠镇民主评议结果.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["序号", "党支部", "党员姓名", "发放票数", "有效票", "优秀票", "合格票", "基本合格票", "不合格票",
                        "组织评定等次"])
    ws.write_row(1, 0, [1, "新华村党支部", "张三", 30, 29, 9, 20, 0, 0, "合格"])
    ws.write_row(2, 0, [2, "碧溪村党支部", "王五", 12, 12, 2, 10, 0, 0, "合格"])
    wb.close()
    assert guess_kind(["党员姓名", "优秀票", "不合格票"]) == "appraisals"
    result = import_file(path)
    assert result.kind == "appraisals" and result.added == 2, [p.message for p in result.problems]
    assert _stored()["王五"] == (12, 12, 2, 10, 0, 0, "qualified")


def test_the_quota_counts_the_stored_grades_and_a_swap_in_one_sheet_passes(tally, tmp_path):
    import_file(_fill(tally["tally"], tmp_path / "一.xlsx", GOOD))  # 张三 优秀
    swap = {**GOOD, "张三": (30, 29, 9, 20, 0, 0, "合格"), "赵六": (30, 28, 25, 3, 0, 0, "优秀")}
    result = import_file(_fill(tally["tally"], tmp_path / "对调.xlsx", swap))
    assert (result.updated, result.rejected) == (2, 0)  # checked over the whole sheet, not row by row
    assert _stored()["赵六"][-1] == "excellent" and _stored()["张三"][-1] == "qualified"
    # the branch's only 优秀 is stored: a sheet naming one more 优秀 (李四 alone) is refused
    only_li = {"李四": (30, 30, 25, 5, 0, 0, "优秀")}
    result = import_file(_fill(tally["tally"], tmp_path / "再加.xlsx", only_li))
    assert result.status == "aborted" and [p.row for p in result.problems] == [6]
    assert _stored()["李四"][-1] == "basic"


def test_a_results_sheet_without_a_column_leaves_that_field_alone(tally, tmp_path):
    import_file(_fill(tally["tally"], tmp_path / "一.xlsx", GOOD))
    path = tmp_path / "只有等次.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["党组织", "姓名", "组织评定等次"])
    ws.write_row(1, 0, ["新华村党支部", "李四", "不合格"])
    wb.close()
    result = import_file(path, kind="appraisals")
    assert (result.updated, result.rejected) == (1, 0), [p.message for p in result.problems]
    li = Appraisal.get(Appraisal.person == tally["li"].id)
    assert (li.grade, li.ballots_valid, li.decided_on) == ("unqualified", 30, dt.date(2011, 12, 20))


def test_a_branch_left_over_its_quota_by_an_exemption_is_refused(tally, tmp_path):
    import_file(_fill(tally["tally"], tmp_path / "一.xlsx", GOOD))  # 3 appraised, 张三 优秀: at the limit
    # 李四 not appraised after all: 2 appraised leave no 优秀 — the sheet grades nobody 优秀, its rows are refused
    exempt = _fill(tally["tally"], tmp_path / "改不参评.xlsx", {},
                   extra={("李四", "不参评原因"): "长期病休", ("李四", "组织评定等次"): None})
    result = import_file(exempt)
    assert result.status == "aborted" and [p.row for p in result.problems] == [6]
    assert "优秀最多 0 人" in result.problems[0].message
    assert Appraisal.get(Appraisal.person == tally["li"].id).exempt_reason is None
