"""民主评议党员 on paper: the 民主测评票, the 计票表 beside them and the 结果公示, as a clerk reads them."""

from __future__ import annotations

import json

import openpyxl
import pytest

from pledgebook.exporters import paper
from pledgebook.models.core.errors import PledgebookError, ValidationError
from pledgebook.models.ledger import rules
from pledgebook.models.store import settings
from pledgebook.models.store.tables import Appraisal, AuditLog


@pytest.fixture
def branches(county):
    c = county
    c["zhao"] = rules.create_person("赵六", c["b1"].id, gender="男", post="党支部委员")
    c["away"] = rules.create_person("钱七", c["b2"].id)
    Appraisal.create(year=2011, person=c["away"].id, org=c["b2"].id, exempt_reason="流动党员")
    settings.set_value("publicity_days", "7")
    settings.set_value("supervision_phone", "0879-2222222")
    return c


def _texts(ws) -> list[str]:
    return [cell.value for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]


def test_ballots_one_sheet_per_branch_every_member_with_four_grades(branches, tmp_path):
    result = paper.print_appraisal_ballots(tmp_path / "测评票.xlsx", year=2011)
    assert (result.units, result.members, result.copies) == (2, 4, 2)
    wb = openpyxl.load_workbook(result.path)
    assert wb.sheetnames == ["新华村党支部", "碧溪村党支部"]
    ws = wb["新华村党支部"]
    assert ws["A1"].value == "新华村党支部2011年度民主评议党员民主测评票"
    assert "评为「优秀」的不得超过 1 人（参评党员 3 人）" in ws["A2"].value and "不记名" in ws["A2"].value
    assert [cell.value for cell in ws[3]] == ["序号", "姓名", "性别", "职务", "优秀", "合格", "基本合格", "不合格"]
    # the 书记 first, then the 委员, then the others
    assert [ws.cell(r, 2).value for r in (4, 5, 6)] == ["张三", "赵六", "李四"]
    assert ws["C4"].value == "男"
    # 钱七 is recorded as not appraised (流动党员): not on the ballot
    assert "钱七" not in _texts(wb["碧溪村党支部"])
    setup = ws.page_setup
    assert setup.paperSize == 9 and setup.orientation == "portrait" and ws.print_title_rows == "$3:$3"


def test_ballot_copies_each_on_a_page_of_its_own(branches, tmp_path):
    result = paper.print_appraisal_ballots(tmp_path / "票.xlsx", org="新华村党支部", year=2011, copies=3)
    assert (result.units, result.copies) == (1, 3)
    ws = openpyxl.load_workbook(result.path)["新华村党支部"]
    assert _texts(ws).count("新华村党支部2011年度民主评议党员民主测评票") == 3
    assert len(ws.row_breaks.brk) == 2
    # None: one copy per member taking part
    assert paper.print_appraisal_ballots(tmp_path / "每人一份.xlsx", year=2011, copies=None).copies == 4
    with pytest.raises(ValidationError, match="份数应为 1–300 的整数"):
        paper.print_appraisal_ballots(tmp_path / "x.xlsx", year=2011, copies=0)


def test_tally_has_hidden_keys_protected_cells_and_the_members(branches, tmp_path):
    c = branches
    result = paper.print_appraisal_ballots(tmp_path / "票.xlsx", year=2011)
    assert result.tally_path is not None and result.tally_path.name == "票_计票表.xlsx"
    wb = openpyxl.load_workbook(result.tally_path)
    assert wb.sheetnames == ["民主评议计票表"]
    ws = wb.worksheets[0]
    assert ws["A1"].value == "墨江哈尼族自治县2011年度民主评议党员计票表"
    assert "各支部评为「优秀」的不得超过参评党员的 1/3" in ws["A2"].value
    header = [cell.value for cell in ws[3]]
    assert header == [h for h, _ in paper.APPRAISAL_TALLY_COLUMNS]
    assert ws.column_dimensions["A"].hidden and ws.column_dimensions["B"].hidden  # 党员编号, 评议年度
    assert ws.protection.sheet and ws.print_title_rows == "$3:$3"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    # every 在册 member, the branches in tree order; the member already recorded as not appraised shows
    # the reason, to be confirmed
    assert [(r[0], r[1], r[2], r[3], r[12]) for r in rows] == [
        (c["zhang"].uid, 2011, "新华村党支部", "张三", None), (c["zhao"].uid, 2011, "新华村党支部", "赵六", None),
        (c["li"].uid, 2011, "新华村党支部", "李四", None), (c["wang"].uid, 2011, "碧溪村党支部", "王五", None),
        (c["away"].uid, 2011, "碧溪村党支部", "钱七", "流动党员")]
    assert ws["D4"].protection.locked and not ws["F4"].protection.locked and not ws["L4"].protection.locked
    grade_list = [dv for dv in ws.data_validations.dataValidation if dv.type == "list" and "L4" in str(dv.sqref)]
    assert grade_list and "优秀" in grade_list[0].formula1
    assert [b.id for b in ws.row_breaks.brk] == [6]  # 碧溪村 starts a page of its own
    assert '"✗ 本支部优秀多于 1 人"' in ws["O4"].value and "$L$4:$L$6" in ws["O4"].value


def test_ballots_refused_with_nothing_to_print(county, tmp_path):
    rules.create_org("空支部", "党支部", county["committee"].id)
    with pytest.raises(PledgebookError, match="没有有在册党员的党支部"):
        paper.print_appraisal_ballots(tmp_path / "x.xlsx", org="空支部", year=2011)
    assert not (tmp_path / "x.xlsx").exists()


def test_print_runs_are_in_the_audit_log(branches, tmp_path):
    paper.print_appraisal_ballots(tmp_path / "票.xlsx", year=2011)
    entry = AuditLog.select().where(AuditLog.action == "print", AuditLog.table == "appraisal").get()
    assert json.loads(entry.changes)["members"] == [None, 4] and "票.xlsx" in entry.note


def _decide(c):
    for person, grade in ((c["zhang"], "excellent"), (c["zhao"], "qualified"), (c["li"], "basic")):
        Appraisal.create(year=2011, person=person.id, org=c["b1"].id, grade=grade, decided_on="2011-12-20")


def test_notice_per_branch_lists_the_graded_with_counts(branches, tmp_path):
    _decide(branches)
    result = paper.print_appraisal_notice(tmp_path / "公示.xlsx", year=2011, published_on="2011-12-25")
    assert (result.units, result.members) == (2, 4)
    wb = openpyxl.load_workbook(result.path)
    ws = wb["新华村党支部"]
    assert ws["A1"].value == "新华村党支部2011年度民主评议党员结果公示"
    assert "2011年12月25日至2011年12月31日（7天）" in ws["A2"].value
    assert ws["A3"].value == "在册党员 3 人，参加评议 3 人，评定优秀 1 人、合格 1 人、基本合格 1 人、不合格 0 人。"
    assert [cell.value for cell in ws[4]] == ["序号", "姓名", "性别", "职务", "评定等次", "备注"]
    assert [(ws.cell(r, 2).value, ws.cell(r, 5).value) for r in (5, 6, 7)] == [
        ("张三", "优秀"), ("赵六", "合格"), ("李四", "基本合格")]
    assert any("监督电话：0879-2222222" in t for t in _texts(ws))
    other = wb["碧溪村党支部"]
    assert (other["B5"].value, other["F5"].value) == ("钱七", "不参评：流动党员")
    assert "王五" not in _texts(other)  # not yet decided: not published


def test_notice_per_township_and_its_refusals(branches, tmp_path):
    _decide(branches)
    result = paper.print_appraisal_notice(tmp_path / "镇.xlsx", year=2011, published_on="2011-12-25", by="township")
    ws = openpyxl.load_workbook(result.path).worksheets[0]
    assert result.units == 1 and ws["A1"].value == "中共联珠镇委员会2011年度民主评议党员结果公示"
    assert ws["B4"].value == "党组织" and ws["B5"].value == "新华村党支部"
    with pytest.raises(ValidationError, match="公示范围只能是"):
        paper.print_appraisal_notice(tmp_path / "x.xlsx", year=2011, published_on="2011-12-25", by="county")
    Appraisal.delete().execute()
    with pytest.raises(PledgebookError, match="还没有评定等次的党员"):
        paper.print_appraisal_notice(tmp_path / "x.xlsx", year=2011, published_on="2011-12-25")
