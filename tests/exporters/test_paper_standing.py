"""星级评定 and 评选表彰 on paper: the star table, the 授旗名单, the star 公示, the honours' 公示 and 表彰名单."""

from __future__ import annotations

import json

import openpyxl
import pytest

from pledgebook.exporters import paper
from pledgebook.models.core.errors import PledgebookError, ValidationError
from pledgebook.models.ledger import rules
from pledgebook.models.store import settings
from pledgebook.models.store.tables import AuditLog, Honour, StarRating


@pytest.fixture
def standing(county):
    c = county
    town2 = rules.create_org("中共通关镇委员会", "党委", c["root"].id, township="通关镇")
    c["b3"] = rules.create_org("联合村党支部", "党支部", town2.id)
    StarRating.create(year=2011, org=c["b1"].id, score_leadership=20, score_members=18, score_mechanism=19,
                      score_performance=17.5, score_public=20, proposed_stars=5, stars=5, confirmed_on="2011-12-28")
    StarRating.create(year=2011, org=c["b2"].id, score_leadership=15, score_members=14, score_mechanism=16,
                      score_performance=12, score_public=15, proposed_stars=2)
    StarRating.create(year=2011, org=c["b3"].id, score_leadership=18, score_members=16, score_mechanism=16,
                      score_performance=16, score_public=17, proposed_stars=4, stars=4, confirmed_on="2011-12-28")
    settings.set_value("publicity_days", "5")
    return c


def test_star_table_per_township_with_points_total_and_stars(standing, tmp_path):
    result = paper.print_star_table(tmp_path / "星级.xlsx", year=2011)
    assert (result.units, result.members) == (2, 3)
    wb = openpyxl.load_workbook(result.path)
    assert wb.sheetnames == ["联珠镇委员会", "通关镇委员会"]
    ws = wb["联珠镇委员会"]
    assert ws["A1"].value == "中共联珠镇委员会2011年度党支部星级评定表"
    assert "参评党支部 2 个，已确定星级 1 个" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["序号", "党支部", "领导班子好", "党员队伍好", "工作机制好", "工作业绩好",
                                        "群众反映好", "总分", "星级"]
    assert [c.value for c in ws[4]] == [1, "新华村党支部", 20, 18, 19, 17.5, 20, 94.5, "五星"]
    assert [c.value for c in ws[5]][-2:] == [72, "二星（拟）"]  # proposed, not yet confirmed
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9


def test_flag_list_and_notice_only_the_confirmed(standing, tmp_path):
    flags = paper.print_flag_list(tmp_path / "授旗.xlsx", year=2011)
    ws = openpyxl.load_workbook(flags.path)["联珠镇委员会"]
    assert ws["A1"].value == "中共联珠镇委员会2011年度星级党支部授旗名单"
    assert ws["A2"].value == "共 1 个党支部：五星 1 个。"
    assert [c.value for c in ws[4]] == [1, "五星", "新华村党支部", 94.5]
    assert ws["B5"].value is None  # 碧溪村 is only proposed: not on the list
    notice = paper.print_star_notice(tmp_path / "星级公示.xlsx", year=2011, published_on="2011-12-29")
    wb = openpyxl.load_workbook(notice.path)
    assert notice.members == 2 and wb["通关镇委员会"]["A1"].value == "中共通关镇委员会2011年度党支部星级评定结果公示"
    assert "2011年12月29日至2012年1月2日（5天）" in wb["通关镇委员会"]["A2"].value
    entries = AuditLog.select().where(AuditLog.action == "print", AuditLog.table == "star_rating")
    assert [e.note.split()[0] for e in entries] == ["打印授旗名单", "打印星级评定结果公示"]


def test_star_printing_refused_with_nothing_to_print(standing, tmp_path):
    StarRating.update(stars=None).execute()
    with pytest.raises(PledgebookError, match="还没有确定的星级"):
        paper.print_flag_list(tmp_path / "x.xlsx", year=2011)
    StarRating.delete().execute()
    with pytest.raises(PledgebookError, match="还没有星级评定记录"):
        paper.print_star_table(tmp_path / "x.xlsx", year=2011)
    assert not (tmp_path / "x.xlsx").exists()


@pytest.fixture
def honours(standing):
    c = standing
    Honour.create(year=2011, kind="excellent_member", org=c["b1"].id, person=c["zhang"].id, status="confirmed")
    Honour.create(year=2011, kind="excellent_member", org=c["b1"].id, person=c["li"].id, status="candidate")
    Honour.create(year=2011, kind="advanced_org", org=c["b3"].id, status="confirmed")
    Honour.create(year=2011, kind="advanced_org", org=c["b1"].id, status="confirmed")
    return c


def test_honour_notice_one_sheet_per_kind_confirmed_only(honours, tmp_path):
    result = paper.print_honour_notice(tmp_path / "表彰公示.xlsx", year=2011, published_on="2011-12-30")
    assert (result.units, result.members) == (2, 3)
    wb = openpyxl.load_workbook(result.path)
    assert wb.sheetnames == ["先进基层党组织", "优秀共产党员"]
    orgs = wb["先进基层党组织"]
    assert orgs["A1"].value == "墨江哈尼族自治县2011年度先进基层党组织拟表彰对象公示"
    assert [orgs.cell(r, 2).value for r in (5, 6)] == ["新华村党支部", "联合村党支部"]  # tree order
    assert orgs["C5"].value == "中共联珠镇委员会"
    members = wb["优秀共产党员"]
    assert [c.value for c in members[4]] == ["序号", "姓名", "性别", "职务", "所在党组织", "乡镇（党委）"]
    assert [c.value for c in members[5]] == [1, "张三", "男", "党支部书记", "新华村党支部", "中共联珠镇委员会"]
    assert members["B6"].value is None  # 李四 is still a candidate
    entry = AuditLog.select().where(AuditLog.action == "print", AuditLog.table == "honour").get()
    assert json.loads(entry.changes)["honours"] == [None, 3]


def test_honour_list_per_kind_and_refusals(honours, tmp_path):
    result = paper.print_honour_list(tmp_path / "名单.xlsx", year=2011, kind="优秀共产党员")
    ws = openpyxl.load_workbook(result.path).worksheets[0]
    assert ws["A1"].value == "墨江哈尼族自治县2011年度优秀共产党员表彰名单" and ws["A2"].value == "共 1 名（个）"
    with pytest.raises(ValidationError, match="表彰类别只能是"):
        paper.print_honour_list(tmp_path / "x.xlsx", year=2011, kind="劳动模范")
    with pytest.raises(PledgebookError, match="优秀党务工作者还没有确定表彰的对象"):
        paper.print_honour_list(tmp_path / "x.xlsx", year=2011, kind="excellent_worker")
