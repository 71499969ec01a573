"""星级评定情况 and the 表彰 counts per 乡镇（党委）, against hand-counted values."""

from __future__ import annotations

import pytest

from pledgebook.models.appraisal import rules as A
from pledgebook.models.appraisal.standing import honour_table, star_table
from pledgebook.models.ledger import rules
from pledgebook.models.store import settings
from pledgebook.models.store.tables import Honour
from tests.standing_util import YEAR, build


@pytest.fixture
def town(county):
    return build(county)


def _rows(table) -> dict[str, dict]:
    """Each row's figures by its name (the org fields left out)."""
    return {row.name: {k: v for k, v in row.as_dict().items() if k not in ("org_id", "name", "code", "kind")}
            for row in table}


def test_star_table_before_anything_is_rated(town):
    rows = _rows(star_table(YEAR))
    assert list(rows) == ["中共联珠镇委员会", "中共通关镇委员会", "合计"]
    assert rows["合计"] == {"branches": 5, "rated": 0, "confirmed": 0, "pending": 0,
                          "levels": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0}}


def test_star_table_per_township_and_total(town):
    A.propose_stars(YEAR)
    A.confirm_all(YEAR, under=town["committee"].id)  # b1 4, b2 1, g 4, grp 4
    rows = _rows(star_table(YEAR))
    assert rows["中共联珠镇委员会"] == {"branches": 4, "rated": 4, "confirmed": 4,
                                 "pending": 0, "levels": {"5": 0, "4": 3, "3": 0, "2": 0, "1": 1}}
    assert rows["中共通关镇委员会"] == {"branches": 1, "rated": 1, "confirmed": 0,
                                 "pending": 1, "levels": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0}}
    A.confirm_all(YEAR)
    assert _rows(star_table(YEAR))["合计"]["levels"] == {"5": 1, "4": 3, "3": 0, "2": 0, "1": 1}


def test_star_table_counts_live_active_branches_only(town):
    A.propose_stars(YEAR)
    rules.set_org_active(town["b3"].id, False)
    rows = _rows(star_table(YEAR))
    assert (rows["中共通关镇委员会"]["branches"], rows["中共通关镇委员会"]["rated"]) == (0, 0)
    assert rows["合计"]["branches"] == 4


def test_rows_are_the_reports_rows(town):
    A.propose_stars(YEAR)
    first = star_table(YEAR)[0]
    assert (first.org_id, first.name, first.kind) == (town["committee"].id, "中共联珠镇委员会", "committee")
    by_county = star_table(YEAR, by="county")
    assert [(r.name, r.branches, r.rated) for r in by_county] == [("墨江哈尼族自治县", 5, 5), ("合计", 5, 5)]
    under = honour_table(YEAR, root_id=town["committee"].id)
    assert [r.name for r in under] == ["新华村党支部", "碧溪村党支部", "龙坝村党总支", "合计"]


def test_star_table_levels_follow_the_setting(town):
    settings.set_value("star_thresholds", "95/85/75")
    assert list(star_table(YEAR)[-1].levels) == [4, 3, 2, 1]


def test_honour_table(town):
    A.propose_stars(YEAR)
    A.propose_candidates(YEAR)  # b3 先进基层党组织; 张三 优秀共产党员 and 优秀党务工作者
    A.add_candidate("excellent_member", YEAR, org_id=town["grp"].id, person_id=town["qian"].id, reason="带头致富")
    zhang = Honour.get((Honour.kind == "excellent_member") & (Honour.person == town["zhang"].id))
    A.decide(zhang.id, "confirmed")
    worker = Honour.get(Honour.kind == "excellent_worker")
    A.decide(worker.id, "declined")
    rows = _rows(honour_table(YEAR))
    assert rows["中共联珠镇委员会"] == {
        "candidates": {"advanced_org": 0, "excellent_member": 2, "excellent_worker": 1},
        "confirmed": {"advanced_org": 0, "excellent_member": 1, "excellent_worker": 0},
    }
    assert rows["合计"]["candidates"] == {"advanced_org": 1, "excellent_member": 2, "excellent_worker": 1}
    assert rows["合计"]["confirmed"] == {"advanced_org": 0, "excellent_member": 1, "excellent_worker": 0}
    assert _rows(honour_table(YEAR + 1))["合计"]["candidates"] == {"advanced_org": 0, "excellent_member": 0,
                                                                 "excellent_worker": 0}
