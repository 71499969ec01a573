"""The third ledger's tables in the report workbook, against the hand-counted county of ``appraisal_util.december``."""

from __future__ import annotations

from datetime import date

from appraisal_util import december

from pledgebook.exporters.report.sheets import build_report


def _sheet(data, name):
    return next(s for s in data.sheets if s.name == name)


def test_the_appraisal_table_per_committee(county):
    december(county)
    sheet = _sheet(build_report(2011, today=date(2012, 1, 10)), "民主评议党员")
    assert sheet.title == "民主评议党员情况统计表"
    # 党委, 党员, 参评, 不参评, 优秀, 合格, 基本合格, 不合格, 未评定, 优秀率, 组织处置, 处置未销号
    assert sheet.rows == [
        ["中共联珠镇委员会", 5, 4, 1, 1, 1, 1, 0, 1, 0.25, 1, 1],  # 乙 流动党员; 王五 votes in, no grade
        ["中共通关镇委员会", 5, 4, 0, 0, 3, 0, 1, 0, 0.0, 1, 0],  # 辛 转出, 庚's appraisal deleted
    ]
    assert sheet.total == ["合计", 10, 8, 1, 1, 4, 1, 1, 1, 0.125, 2, 1]


def test_the_star_and_honour_tables(county):
    december(county)
    data = build_report(2011, today=date(2012, 1, 10))
    stars = _sheet(data, "星级评定")
    assert stars.headers[3:8] == ["五星\n（个）", "四星\n（个）", "三星\n（个）", "二星\n（个）", "一星\n（个）"]
    # 党委, 党支部, 已评定, 五星 … 一星, 待确定, 五星占比
    assert stars.rows == [
        ["中共联珠镇委员会", 2, 1, 1, 0, 0, 0, 0, 0, 1.0],  # 新华村 five stars confirmed; 碧溪村 not rated
        ["中共通关镇委员会", 2, 0, 0, 0, 0, 0, 0, 1, "—"],  # 通关村 three stars proposed, not confirmed
    ]
    assert stars.total == ["合计", 4, 1, 1, 0, 0, 0, 0, 1, 1.0]
    honours = _sheet(data, "评选表彰")
    assert honours.rows[0] == ["中共联珠镇委员会", 0, 0, 1, 1, 0, 0]  # 张三 优秀共产党员, confirmed
    assert honours.total == ["合计", 0, 0, 1, 1, 0, 0]


def test_another_year_has_its_own_figures(county):
    december(county)
    data = build_report(2012, today=date(2012, 12, 10))
    assert _sheet(data, "民主评议党员").total[:5] == ["合计", 10, 1, 0, 0]  # only 张三 in 2012, 合格
    assert _sheet(data, "星级评定").total[1:3] == [4, 0]
