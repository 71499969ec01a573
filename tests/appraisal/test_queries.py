"""The branch list, a branch's members with their appraisals, a member's pledges beside the appraisal."""

from __future__ import annotations

import pytest
from appraisal_util import december

from pledgebook.models.appraisal.queries import BRANCH_KINDS, branches, member_pledges, members
from pledgebook.models.appraisal.units import committee_map
from pledgebook.models.ledger import rules
from pledgebook.models.store.orgtree import OrgTree


@pytest.fixture
def made(county):
    return december(county)


def test_branch_kinds():
    assert BRANCH_KINDS == ("branch", "general_branch", "temp_branch")


def test_branches(made):
    rows = branches(2011)
    assert [r.name for r in rows] == ["新华村党支部", "碧溪村党支部", "通关村党支部", "通关社区党总支"]
    b1, b2, b3, b4 = rows
    assert (b1.committee, b1.members, b1.appraised, b1.exempt, b1.undecided, b1.limit) == ("中共联珠镇委员会", 4, 3, 1, 0, 1)
    assert b1.grades() == {"excellent": 1, "qualified": 1, "basic": 1, "unqualified": 0}
    assert (b1.disposals_open, b1.stars, b1.proposed_stars, b1.over, b1.not_started) == (1, 5, 4, False, 0)
    assert (b2.members, b2.appraised, b2.undecided, b2.limit, b2.stars, b2.not_started) == (1, 1, 1, 0, None, 0)
    assert (b3.committee, b3.members, b3.appraised, b3.unqualified, b3.disposals_open, b3.proposed_stars) == (
        "中共通关镇委员会", 3, 3, 1, 0, 3)
    assert (b4.kind, b4.members, b4.appraised, b4.not_started) == ("general_branch", 2, 1, 1)
    assert [r.name for r in branches(2011, under=made["town2"].id)] == ["通关村党支部", "通关社区党总支"]
    assert [(r.name, r.appraised) for r in branches(2012, under=made["committee"].id)] == [
        ("新华村党支部", 1), ("碧溪村党支部", 0)]


def test_committee_of(made):
    tree = OrgTree.load()
    units = committee_map(tree)
    assert tree.orgs[units[made["b3"].id]].name == "中共通关镇委员会"
    assert tree.orgs[units[made["town2"].id]].name == "中共通关镇委员会"
    assert units[made["root"].id] == made["root"].id  # the root counts under itself


def test_members_with_their_appraisals(made):
    rows = {r.name: r for r in members(made["b1"].id, 2011)}
    assert set(rows) == {"张三", "李四", "甲", "乙"}
    assert (rows["张三"].grade, rows["张三"].grade_label, rows["张三"].on_roll) == ("excellent", "优秀", True)
    assert (rows["甲"].grade_label, rows["甲"].disposals_open) == ("基本合格", 1)
    assert rows["乙"].grade_label == "不参评（流动党员）"
    wang = members(made["b2"].id, 2011)[0]
    assert (wang.grade_label, wang.ballots_valid, wang.votes["votes_qualified"]) == ("未评定", 5, 5)
    tong = {r.name: r for r in members(made["b3"].id, 2011)}
    assert set(tong) == {"丙", "丁", "戊"}  # 辛 转出, not appraised
    geng = next(r for r in members(made["b4"].id, 2011) if r.name == "庚")
    assert (geng.appraisal_id, geng.grade_label) == (None, "")  # the deleted appraisal is not shown
    assert members(made["town2"].id, 2011) == []  # nobody in the 党委 itself


def test_a_moved_member_stays_where_appraised(made):
    rules.update_person(made["li"].id, org_id=made["b2"].id)
    assert {r.name: r.on_roll for r in members(made["b1"].id, 2011)}["李四"] is False
    assert {r.name for r in members(made["b2"].id, 2011)} == {"王五", "李四"}


def test_pledges_beside_the_appraisal(made):
    zhang = made["zhang"]
    done = rules.create_pledge(2011, "帮助两户困难群众发展茶叶种植", person_id=zhang.id)
    rules.set_status(done.id, "已兑现", "2011-10-01")
    rules.record_evaluation(done.id, "群众评议", date="2011-11-01", votes_satisfied=20, votes_basic=3,
                            votes_unsatisfied=0)
    rules.record_evaluation(done.id, "领导点评", date="2011-11-02", grade="好")
    late = rules.create_pledge(2011, "修缮村组道路一公里", person_id=zhang.id)
    rules.record_evaluation(late.id, "党员评议", date="2011-11-03", grade="不合格")
    rules.create_pledge(2012, "下一年的承诺", person_id=zhang.id)
    lines = member_pledges(zhang.id, 2011)
    assert [(p.content, p.status_label, p.evaluations, p.rectification_open) for p in lines] == [
        ("帮助两户困难群众发展茶叶种植", "已兑现", [("群众评议", "有效票 23，满意 20，基本满意 3"), ("领导点评", "好")], False),
        ("修缮村组道路一公里", "践诺中", [("党员评议", "不合格")], True),
    ]
    row = next(r for r in members(made["b1"].id, 2011) if r.name == "张三")
    assert (row.pledges, row.fulfilled, row.rectifications_open) == (2, 1, 1)
