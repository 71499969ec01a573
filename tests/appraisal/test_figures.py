"""民主评议党员情况统计表 and the headline numbers, against values counted by hand on a small county."""

from __future__ import annotations

import pytest
from appraisal_util import december

from pledgebook.models.appraisal.figures import appraisal_table, summary

FIELDS = ("members", "appraised", "exempt", "excellent", "qualified", "basic", "unqualified", "undecided",
          "disposals", "disposals_open")


@pytest.fixture
def made(county):
    return december(county)


def test_appraisal_table_per_township_and_total(made):
    rows = appraisal_table(2011)
    assert [(r.name, r.org_id) for r in rows] == [
        ("中共联珠镇委员会", made["committee"].id), ("中共通关镇委员会", made["town2"].id), ("合计", None)]
    got = {r.name: tuple(getattr(r, f) for f in FIELDS) for r in rows}
    # 联珠镇: 在册 张三 李四 甲 乙 王五; 参评 张三 李四 甲 王五 (乙 不参评); 王五 not decided; 甲's 处置 open
    assert got["中共联珠镇委员会"] == (5, 4, 1, 1, 1, 1, 0, 1, 1, 1)
    # 通关镇: 在册 丙 丁 戊 己 庚 (辛 转出); 参评 丙 丁 戊 己 (庚's appraisal deleted); 丁's 处置 closed
    assert got["中共通关镇委员会"] == (5, 4, 0, 0, 3, 0, 1, 0, 1, 0)
    assert got["合计"] == (10, 8, 1, 1, 4, 1, 1, 1, 2, 1)
    assert rows[-1].as_dict()["members"] == 10


def test_another_year_and_a_subtree(made):
    rows = appraisal_table(2012)
    assert [(r.name, r.appraised, r.qualified) for r in rows] == [
        ("中共联珠镇委员会", 1, 1), ("中共通关镇委员会", 0, 0), ("合计", 1, 1)]
    rows = appraisal_table(2011, root_id=made["town2"].id)
    assert [(r.name, r.appraised) for r in rows] == [("通关村党支部", 3), ("通关社区党总支", 1), ("合计", 4)]


def test_summary(made):
    assert summary(2011) == {"appraised": 8, "excellent": 1, "unqualified": 1, "disposals_open": 1,
                             "five_star": 1, "honours_confirmed": 1}
    assert summary(2012) == {"appraised": 1, "excellent": 0, "unqualified": 0, "disposals_open": 0,
                             "five_star": 0, "honours_confirmed": 0}


def test_empty_ledger(db_path):
    assert [r.name for r in appraisal_table(2011)] == ["合计"]
