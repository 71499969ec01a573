"""The figures against values computed by hand on a small county."""

from __future__ import annotations

from datetime import date

import pytest

from pledgebook.models.ledger import rules
from pledgebook.models.ledger.figures import FigureBook, percent
from pledgebook.models.store.db import set_setting


@pytest.fixture
def ledger(county):
    """b1: 张三 ×3 pledges, 李四 ×1; b2: 王五 ×1 and one org pledge; another committee with one pledge."""
    c = county
    zhang, li, wang = c["zhang"].id, c["li"].id, c["wang"].id
    p1 = rules.create_pledge(2011, "办实事10件", person_id=zhang, category="服务人民群众", due_date="2011-06-30")
    p2 = rules.create_pledge(2011, "种茶50亩", person_id=zhang, category="推动科学发展", due_date="2011-12-31")
    p3 = rules.create_pledge(2011, "调解纠纷5起", person_id=zhang, category="促进社会和谐", due_date="2011-03-31")
    p4 = rules.create_pledge(2011, "学习40学时", person_id=li, category="加强自身建设", due_date="2011-12-31")
    p5 = rules.create_pledge(2011, "带动10户", person_id=wang, category="推动科学发展", due_date="2011-05-01")
    p6 = rules.create_pledge(2011, "建活动室", org_id=c["b2"].id, category="加强基层组织", due_date="2011-12-31")
    other = rules.create_org("县直机关工委", "党工委", c["root"].id)
    p7 = rules.create_pledge(2011, "办结诉求", org_id=other.id, category="服务人民群众", due_date="2011-04-01")
    rules.set_status(p1.id, "已兑现", on="2011-06-01")
    rules.set_status(p2.id, "部分兑现", on="2011-10-01")
    rules.set_status(p4.id, "已撤销")
    rules.set_status(p6.id, "已兑现", on="2011-09-01")
    # p3 (due 03-31), p5 (due 05-01), p7 (due 04-01) stay 践诺中
    rules.record_evaluation(p1.id, "群众评议", date="2011-07-01", ballots_issued=40, votes_satisfied=30, votes_basic=6, votes_unsatisfied=2)
    e2 = rules.record_evaluation(p5.id, "群众评议", date="2011-07-01", ballots_issued=20, votes_satisfied=10, votes_basic=5, votes_unsatisfied=5, rect_due="2011-08-01")
    e3 = rules.record_evaluation(p6.id, "群众评议", date="2011-09-10", votes_satisfied=9, votes_basic=1, rect_due="2011-10-01")
    rules.close_rectification(e3.id, "2011-09-20")
    rules.record_evaluation(p7.id, "组织评定", date="2011-07-01", grade="合格", rect_due="2011-08-01")
    return {**c, "other": other, "e2": e2, "p": [p1, p2, p3, p4, p5, p6, p7]}


def test_county_totals(ledger):
    fig = FigureBook(2011, today=date(2011, 7, 15)).subtree()
    assert fig.pledges == 7
    assert fig.by_status == {"fulfilled": 2, "partly": 1, "in_progress": 3, "withdrawn": 1}
    assert fig.rate_base == 6 and fig.fulfilment_rate == pytest.approx(2 / 6)
    # 群众评议 votes: valid 38 + 20 + 10 = 68; satisfied+basic 36 + 15 + 10 = 61
    assert fig.ballots_valid == 68 and fig.ballots_issued == 40 + 20
    assert fig.satisfaction_rate == pytest.approx(61 / 68)
    # 参与率 only over the evaluations that say how many ballots were issued
    assert fig.participation_rate == pytest.approx((38 + 20) / 60)
    # overdue on 07-15: p3 (03-31), p5 (05-01), p7 (04-01) — all still 践诺中
    assert fig.overdue == 3
    # open rectifications: e2 and the 组织评定 of p7 (e3 was closed)
    assert fig.rectification_open == 2
    assert fig.people_pledged == 2  # 张三 and 王五 (李四 withdrew)
    assert fig.orgs_pledged == 2  # b2 and the 机关工委


def test_per_committee_rows_and_subtrees(ledger):
    book = FigureBook(2011, today=date(2011, 7, 15))
    rows = {node.name: fig for node, fig in book.children()}
    assert set(rows) == {"中共联珠镇委员会", "县直机关工委"}
    town = rows["中共联珠镇委员会"]
    assert town.pledges == 6 and town.fulfilled == 2 and town.fulfilment_rate == pytest.approx(2 / 5)
    assert town.overdue == 2 and town.rectification_open == 1
    b1 = book.subtree(ledger["b1"].id)
    assert b1.pledges == 4 and b1.satisfaction_rate == pytest.approx(36 / 38)
    assert book.subtree(ledger["b2"].id).satisfaction_rate == pytest.approx(25 / 30)
    organ = rows["县直机关工委"]
    assert organ.satisfaction_rate is None and percent(organ.satisfaction_rate) == "—"


@pytest.mark.parametrize("light", [False, True])
def test_one_level_at_a_time_is_the_subtree_and_its_children(ledger, light):
    """``level`` (the home screen's: one pass, this level only) says what ``subtree`` and ``children`` say."""
    kind = {"by_category": False, "people": False} if light else {}
    book = FigureBook(2011, today=date(2011, 7, 15), **kind)
    for org_id in (ledger["root"].id, ledger["committee"].id, ledger["b1"].id, ledger["other"].id):
        total, children = book.level(org_id)
        assert total == book.subtree(org_id)
        assert [(node.id, fig) for node, fig in children] == [(node.id, fig) for node, fig in book.children(org_id)]
    total, children = book.level(ledger["root"].id)
    assert total.pledges == 7 and [fig.pledges for _node, fig in children] == [6, 1]


def test_a_status_outside_the_vocabulary_is_counted_as_stored(ledger):
    """A status no vocabulary knows (an old file, a hand edit; doctor reports it) stays in the counts."""
    from pledgebook.models.store.tables import database

    database.execute_sql("UPDATE pledge SET status = 'pending' WHERE id = ?", [ledger["p"][2].id])
    for book in (FigureBook(2011, today=date(2011, 7, 15)), FigureBook(2011, by_category=False, people=False)):
        fig = book.subtree()
        assert fig.pledges == 7
        assert fig.by_status == {"fulfilled": 2, "partly": 1, "in_progress": 2, "withdrawn": 1, "pending": 1}


def test_category_filter(ledger):
    fig = FigureBook(2011, category="development", today=date(2011, 7, 15)).subtree()
    assert fig.pledges == 2 and fig.by_status == {"partly": 1, "in_progress": 1}
    by_cat = dict(FigureBook(2011, today=date(2011, 7, 15)).by_category())
    assert by_cat["service"].pledges == 2 and by_cat["service"].fulfilled == 1


def test_satisfied_only_formula_is_a_setting(ledger):
    set_setting("satisfaction_formula", "satisfied_only")
    fig = FigureBook(2011).subtree()
    assert fig.satisfaction_rate == pytest.approx((30 + 10 + 9) / 68)


def test_deleted_pledges_do_not_count(ledger):
    rules.soft_delete("pledge", ledger["p"][4].id)
    fig = FigureBook(2011, today=date(2011, 7, 15)).subtree()
    assert fig.pledges == 6 and fig.overdue == 2 and fig.rectification_open == 1
    assert fig.ballots_valid == 48


def test_as_dict_uses_snake_case_and_all_statuses(ledger):
    data = FigureBook(2011, today=date(2011, 7, 15)).subtree().as_dict()
    assert data["fulfilment_rate"] == round(2 / 6, 4)
    assert data["by_status"]["carried"] == 0 and data["by_status"]["draft"] == 0
    assert {"pledges", "fulfilled", "satisfaction_rate", "overdue", "rectification_open"} <= set(data)


def test_adding_figures_adds_every_count():
    """A rolled-up 党委 must carry every count of its branches (add() names them in SUMMED)."""
    import dataclasses

    from pledgebook.models.ledger.figures import Figures

    counts = [f.name for f in dataclasses.fields(Figures) if f.type in ("int", int)]
    a, b = Figures(by_status={"fulfilled": 1}), Figures(by_status={"fulfilled": 2, "overdue": 1})
    for i, name in enumerate(counts, 1):
        setattr(a, name, i)
        setattr(b, name, 10 * i)
    a.add(b)
    assert {name: getattr(a, name) for name in counts} == {name: 11 * i for i, name in enumerate(counts, 1)}
    assert a.by_status == {"fulfilled": 3, "overdue": 1}


def _unchanged(fig) -> dict:
    """Every figure but the status breakdown (where 践诺中 → 已结转 is the point of the rollover)."""
    data = fig.as_dict()
    data.pop("by_status")
    data.pop("carried")
    return data


def test_a_years_figures_are_the_same_before_and_after_its_rollover(ledger):
    from pledgebook import yearend as rollover

    c = ledger
    before_book = FigureBook(2011)
    orgs = [None, c["root"].id, c["committee"].id, c["b1"].id, c["b2"].id, c["other"].id]
    before = {oid: before_book.subtree(oid) for oid in orgs}
    before_cats = {cat: _unchanged(fig) for cat, fig in before_book.by_category()}
    result = rollover.rollover(2011, force=True, take_backup=False)
    assert result.carried == 4  # p3, p5, p7: still 践诺中; p2: 部分兑现
    after_book = FigureBook(2011)
    for oid in orgs:
        fig = after_book.subtree(oid)
        assert _unchanged(fig) == _unchanged(before[oid]), oid
        assert fig.carried == before[oid].by_status.get("in_progress", 0) + before[oid].by_status.get("partly", 0)
    assert {cat: _unchanged(fig) for cat, fig in after_book.by_category()} == before_cats
    county = after_book.subtree()
    # 2 fulfilled of 6 (7 less the withdrawn one): the 4 carried stay in the denominator as not fulfilled
    assert (county.fulfilled, county.carried, county.rate_base) == (2, 4, 6)
    assert county.fulfilment_rate == pytest.approx(2 / 6)
    assert county.as_dict()["carried"] == 4
    # p3, p5, p7 were overdue when the year closed and still count so; p2 (部分兑现, due 12-31) was not
    assert county.overdue == 3
    from pledgebook.models.ledger import queries

    listed = queries.pledge_summary(queries.PledgeFilter(2011, overdue=True))
    assert (listed.total, listed.overdue) == (3, 3)
    # the archive CSV written at closing says the same: 已结转 as its own column, 兑现率 as before
    import csv

    summary = next(p for p in result.archive.files if p.name.endswith("_2011_summary.csv"))
    rows = list(csv.reader(summary.read_text(encoding="utf-8-sig").splitlines()))
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert (total["党委"], total["承诺数"], total["已结转"], total["兑现率"], total["逾期"]) == ("合计", "7", "4", "33.3%", "3")


def test_stats_shows_carried_as_its_own_column_before_and_after(ledger):
    import json

    from typer.testing import CliRunner

    from pledgebook import yearend as rollover
    from pledgebook.cli import app

    path = str(ledger["path"])
    runner = CliRunner()
    before = json.loads(runner.invoke(app, ["stats", "--db", path, "--year", "2011", "--json"]).stdout)
    rollover.rollover(2011, force=True, take_backup=False)
    after = runner.invoke(app, ["stats", "--db", path, "--year", "2011", "--json"])
    data = json.loads(after.stdout)
    assert data["totals"]["fulfilment_rate"] == before["totals"]["fulfilment_rate"] == round(2 / 6, 4)
    assert (before["totals"]["carried"], data["totals"]["carried"]) == (0, 4)
    assert [r["fulfilment_rate"] for r in data["by_committee"]] == [r["fulfilment_rate"] for r in before["by_committee"]]
    table = runner.invoke(app, ["stats", "--db", path, "--year", "2011"], terminal_width=80).output
    header = next(line for line in table.splitlines() if "兑现率" in line)
    assert "已结转" in header and header.index("已兑现") < header.index("已结转") < header.index("兑现率")
    total = next(line for line in table.splitlines() if "合计" in line)
    assert [cell for cell in total.replace("│", " ").split()][1:5] == ["7", "2", "4", "33.3%"]
