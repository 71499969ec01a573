"""星级评定: the ledger's items against hand-computed values, the proposal for every branch, the office's scores
and confirmation, and every refusal with its message."""

from __future__ import annotations

from datetime import date

import pytest

from pledgebook.models.appraisal import rules as A
from pledgebook.models.core.errors import ValidationError, YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit, settings
from pledgebook.models.store.tables import AuditLog, StarRating
from tests.standing_util import YEAR, build


@pytest.fixture
def town(county):
    return build(county)


def _rating(org) -> StarRating:
    rating = A.rating_of(org.id, YEAR)
    assert rating is not None
    return rating


def _items(rating: StarRating) -> tuple[float | None, ...]:
    return (rating.score_leadership, rating.score_members, rating.score_mechanism, rating.score_performance,
            rating.score_public)


def test_levels_follow_the_county_lines(db_path):
    assert A.star_levels() == [1, 2, 3, 4, 5]
    assert [A.stars_for(t) for t in (100, 90, 89.9, 80, 70, 60, 59.9, 0)] == [5, 5, 4, 4, 3, 2, 1, 1]
    settings.set_value("star_thresholds", "95/85/75")
    assert A.star_levels() == [1, 2, 3, 4]
    assert A.stars_for(90) == 3


def test_ledger_items_against_hand_computed_values(town):
    scores = A.ledger_scores(YEAR)
    assert scores[town["b1"].id] == {"members": 20.0, "performance": 12.3, "public": 17.0}
    assert scores[town["b2"].id] == {"members": 0.0, "performance": 0.0, "public": 0.0}
    assert scores[town["g"].id] == {"members": 20.0, "performance": 20.0, "public": 0.0}
    assert scores[town["grp"].id] == {"members": 20.0, "performance": 20.0, "public": 0.0}
    assert scores[town["b3"].id] == {"members": 20.0, "performance": 20.0, "public": 20.0}
    # branches only: not the county, not the 党委
    assert set(scores) == {town[k].id for k in ("b1", "b2", "g", "grp", "b3")}


def test_satisfaction_follows_the_county_formula(town):
    settings.set_value("satisfaction_formula", "satisfied_only")
    # 满意 alone: 15 / 20 = 0.75 → 20 × 0.75 − 1 = 14.0
    assert A.ledger_scores(YEAR)[town["b1"].id]["public"] == 14.0


def test_propose_for_every_branch(town):
    result = A.propose_stars(YEAR)
    assert (result.created, result.updated, result.unchanged, result.confirmed) == (5, 0, 0, 0)
    b1 = _rating(town["b1"])
    assert _items(b1) == (20.0, 20.0, 20.0, 12.3, 17.0)  # office items start at full points (扣分制)
    assert (b1.proposed_stars, b1.stars) == (4, None)
    assert {k: _rating(town[k]).proposed_stars for k in ("b2", "g", "grp", "b3")} == {"b2": 1, "g": 4, "grp": 4, "b3": 5}
    assert AuditLog.select().where((AuditLog.table == "star_rating") & (AuditLog.action == "create")).count() == 5
    assert audit.history(b1.uid)[0]["changes"] == {
        "org": [None, town["b1"].uid], "year": [None, 2011], "score_leadership": [None, 20.0],
        "score_members": [None, 20.0], "score_mechanism": [None, 20.0], "score_performance": [None, 12.3],
        "score_public": [None, 17.0], "proposed_stars": [None, 4]}
    # again: nothing changed
    again = A.propose_stars(YEAR)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_proposal_keeps_office_scores_and_follows_the_figures(town):
    A.propose_stars(YEAR)
    A.score(town["b1"].id, YEAR, {"领导班子好": 15, "mechanism": "18.5"})
    rules.set_status(town["pledges"][2].id, "已兑现", on="2011-12-01")  # 李四's pledge: now 3 of 3, none overdue
    result = A.propose_stars(YEAR)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    b1 = _rating(town["b1"])
    assert _items(b1) == (15.0, 20.0, 18.5, 20.0, 17.0)
    assert b1.proposed_stars == 5  # 15 + 20 + 18.5 + 20 + 17.0 = 90.5


def test_score_recomputes_the_proposal_and_is_audited(town):
    A.propose_stars(YEAR)
    rating = A.score(town["b1"].id, YEAR, {"leadership": 10})
    assert (rating.score_leadership, rating.proposed_stars) == (10.0, 3)  # 79.3
    entry = audit.history(rating.uid)[-1]
    assert entry["changes"] == {"score_leadership": [20.0, 10.0], "proposed_stars": [4, 3]}


def test_score_before_any_proposal_makes_the_rating(town):
    rating = A.score(town["b3"].id, YEAR, {"群众反映好": 5})
    assert _items(rating) == (20.0, 20.0, 20.0, 20.0, 5.0)  # the ledger's items, full points, then the office's
    assert rating.proposed_stars == 4  # 85


@pytest.mark.parametrize(("scores", "message"), [
    ({"leadership": 25}, "新华村党支部2011年度星级评分：领导班子好的得分应在 0 到 20 分之间（星级评定计分表的满分），收到 25"),
    ({"工作机制好": -1}, "工作机制好的得分应在 0 到 20 分之间"),
    ({"public": "很好"}, "群众反映好的得分应是数字，收到「很好」"),
    ({"作风好": 10}, "没有「作风好」这一评分项（可选：领导班子好、党员队伍好、工作机制好、工作业绩好、群众反映好）"),
])
def test_score_refuses_points_beyond_the_table(town, scores, message):
    A.propose_stars(YEAR)
    before = _items(_rating(town["b1"]))
    with pytest.raises(ValidationError, match=message):
        A.score(town["b1"].id, YEAR, scores)
    assert _items(_rating(town["b1"])) == before


def test_full_points_come_from_the_setting(town):
    settings.set_value("star_points", "10/30/10/30/20")
    with pytest.raises(ValidationError, match="领导班子好的得分应在 0 到 10 分之间"):
        A.score(town["b1"].id, YEAR, {"leadership": 15})
    # 党员队伍 30 × 2/2; 工作业绩 30 × 2/3 − 1 = 19.0; 群众反映 20 × 0.9 − 1 = 17.0
    assert A.ledger_scores(YEAR)[town["b1"].id] == {"members": 30.0, "performance": 19.0, "public": 17.0}


def test_score_refuses_an_org_that_is_not_a_branch(town):
    with pytest.raises(ValidationError, match="中共联珠镇委员会是党委，星级评定只对党支部、党总支、临时党支部进行"):
        A.score(town["committee"].id, YEAR, {"leadership": 15})


def test_confirm_takes_the_proposal_or_the_office_choice(town):
    A.propose_stars(YEAR)
    rating = A.confirm_stars(town["b1"].id, YEAR)
    assert (rating.stars, rating.confirmed_on, rating.confirmed_by) == (4, date.today(), audit.os_user())
    rating = A.confirm_stars(town["b2"].id, YEAR, "三星", note="班子调整后工作明显改进")
    assert (rating.stars, rating.proposed_stars, rating.note) == (3, 1, "班子调整后工作明显改进")
    assert audit.history(rating.uid)[-1]["changes"]["stars"] == [None, 3]


@pytest.mark.parametrize("stars", [0, 6, "六星", "很多"])
def test_confirm_refuses_stars_outside_the_levels(town, stars):
    A.propose_stars(YEAR)
    with pytest.raises(ValidationError, match="星级只能是 1–5 星"):
        A.confirm_stars(town["b1"].id, YEAR, stars)
    assert _rating(town["b1"]).stars is None


def test_levels_follow_a_changed_setting(town):
    A.propose_stars(YEAR)
    settings.set_value("star_thresholds", "95/85/75")
    with pytest.raises(ValidationError, match="星级只能是 1–4 星"):
        A.confirm_stars(town["b1"].id, YEAR, 5)


def test_confirm_needs_a_rating(town):
    with pytest.raises(ValidationError, match="新华村党支部2011年度还没有星级评定记录，请先生成星级建议或为它评分"):
        A.confirm_stars(town["b1"].id, YEAR)


def test_proposal_never_touches_confirmed_stars(town):
    A.propose_stars(YEAR)
    A.confirm_stars(town["b1"].id, YEAR, 3)
    rules.set_status(town["pledges"][2].id, "已兑现", on="2011-12-01")
    result = A.propose_stars(YEAR)
    assert result.confirmed == 1
    b1 = _rating(town["b1"])
    assert (b1.stars, b1.proposed_stars, b1.score_performance) == (3, 4, 12.3)


def test_a_confirmed_rating_can_be_rescored_and_confirmed_again(town):
    A.propose_stars(YEAR)
    A.confirm_stars(town["b1"].id, YEAR)
    rating = A.score(town["b1"].id, YEAR, {"mechanism": 10})
    assert (rating.proposed_stars, rating.stars) == (3, 4)  # 79.3: the proposal follows, the decision stands
    assert A.confirm_stars(town["b1"].id, YEAR).stars == 3


def test_confirm_all_within_a_subtree(town):
    A.propose_stars(YEAR)
    A.confirm_stars(town["b1"].id, YEAR, 3)
    assert A.confirm_all(YEAR, under=town["committee"].id) == 3  # b2, g, grp: b1 is confirmed already
    assert _rating(town["b3"]).stars is None
    assert A.confirm_all(YEAR) == 1
    assert [_rating(town[k]).stars for k in ("b1", "b2", "g", "grp", "b3")] == [3, 1, 4, 4, 5]
    assert A.confirm_all(YEAR) == 0
    assert audit.history(_rating(town["b3"]).uid)[-1]["changes"]["stars"] == [None, 5]


def test_star_history_over_the_years(town):
    A.propose_stars(YEAR)
    A.confirm_stars(town["b1"].id, YEAR)
    rules.open_year(YEAR + 1)
    A.propose_stars(YEAR + 1)
    assert A.star_history(town["b1"].id) == [(2011, 4), (2012, None)]
    assert A.star_history(town["committee"].id) == []


def test_closed_year_is_read_only(town):
    A.propose_stars(YEAR)
    rules.close_year(YEAR)
    count = AuditLog.select().count()
    for call in (lambda: A.propose_stars(YEAR), lambda: A.score(town["b1"].id, YEAR, {"leadership": 10}),
                 lambda: A.confirm_stars(town["b1"].id, YEAR), lambda: A.confirm_all(YEAR)):
        with pytest.raises(YearClosed, match="2011年度已关闭"):
            call()
    assert AuditLog.select().count() == count
    assert _rating(town["b1"]).stars is None
