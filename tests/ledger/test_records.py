"""Records a clerk can trust: every rectification can be closed, wrong entries can be corrected."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta

import pytest

from pledgebook import yearend as rollover
from pledgebook.models.core.errors import ValidationError, ValidationErrors, YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.ledger.figures import FigureBook
from pledgebook.models.store import settings
from pledgebook.models.store.tables import AuditLog, Evaluation, Progress, database


@pytest.fixture
def pledge(county):
    return rules.create_pledge(2011, "为群众办实事10件", person_id=county["zhang"].id, due_date="2011-12-31")


# --------------------------------------------------------------------------- item 1: rectifications


def test_a_result_that_needs_rectification_gets_the_countys_term_by_default(pledge):
    settings.set_value("rectification_days", "45")
    ev = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-01", votes_satisfied=5, votes_basic=2,
                                 votes_unsatisfied=3)
    assert ev.rect_due == date(2011, 11, 1) + timedelta(days=45)
    poor = rules.record_evaluation(pledge.id, "组织评定", date="2011-11-02", grade="不合格")
    assert poor.rect_due == date(2011, 12, 17)
    given = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-03", votes_satisfied=1, votes_unsatisfied=9,
                                    rect_due="2011-11-30")
    assert given.rect_due == date(2011, 11, 30)  # a date typed is kept
    fine = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-04", votes_satisfied=10)
    assert fine.rect_due is None
    assert FigureBook(2011).subtree().rectification_open == 3
    assert rules.undated_rectifications() == []


def _legacy(pledge) -> int:
    """An evaluation as an older version saved it: needs rectification, no due date."""
    ev = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-01", votes_satisfied=5, votes_basic=2,
                                 votes_unsatisfied=3)
    database.execute_sql("UPDATE evaluation SET rect_due = NULL WHERE id = ?", [ev.id])
    return ev.id


def test_a_legacy_undated_rectification_is_flagged_and_can_be_closed(county, pledge):
    from pledgebook.models.ledger import queries
    from pledgebook.models.ledger.rectification import undated_check
    from pledgebook.models.store import health

    ev_id = _legacy(pledge)
    assert rules.undated_rectifications() == [(ev_id, pledge.id, 2011, date(2011, 11, 1))]
    detail = queries.pledge_detail(pledge.id)
    assert [e.id for e in detail.open_rectifications] == [ev_id]  # what r offers
    assert detail.evaluations[0].rect_state.startswith("需整改，未定时限")
    report = health.check(county["path"], ledger_checks=[undated_check])
    check = next(c for c in report["checks"] if c["name"] == "整改时限")
    assert not check["ok"] and check["level"] == "warning"
    assert check["items"] == [f"2011年度第 {pledge.id} 号承诺：2011-11-01的评议"] and "按 r 销号" in check["detail"]
    pv = rollover.preview(2011)
    assert ("rectification_undated", pledge.id) in {(p.kind, p.pledge_id) for p in pv.problems}
    assert pv.blocked
    rules.close_rectification(ev_id, "2011-11-20", "已整改")
    ev = Evaluation.get_by_id(ev_id)
    assert ev.rect_done == date(2011, 11, 20) and ev.rect_due == date(2011, 12, 1)  # the county's 30 days
    assert rules.undated_rectifications() == []
    assert next(c for c in health.check(county["path"], ledger_checks=[undated_check])["checks"] if c["name"] == "整改时限")["ok"]
    entry = AuditLog.select().where(AuditLog.record_uid == ev.uid).order_by(AuditLog.id.desc()).first()
    assert set(json.loads(entry.changes)) >= {"rect_due", "rect_done"}


@pytest.mark.parametrize("rule", ["unsatisfied_over_threshold", "any_unsatisfied", "basic_or_unsatisfied"])
def test_the_sql_rule_for_rectification_is_the_python_one(pledge, rule):
    settings.set_value("rectification_rule", rule)
    settings.set_value("rectification_threshold", "20")
    cases = [("public", None, 5, 3, 10), ("public", None, 8, 0, 10), ("public", None, 0, 1, 10),
             ("public", None, 0, 0, 10), ("public", "basic", None, None, None), ("public", None, 0, 3, 10),
             ("member", "basic_qualified", None, None, None), ("leader", "good", None, None, None),
             ("self", "poor", None, None, None), ("member", None, 3, 3, 6)]
    expected = []
    for kind, grade, basic, unsat, valid in cases:
        ev = Evaluation.create(pledge=pledge, kind=kind, date=date(2011, 5, 1), grade=grade, votes_basic=basic,
                               votes_unsatisfied=unsat, ballots_valid=valid,
                               votes_satisfied=None if valid is None else valid - (basic or 0) - (unsat or 0))
        expected.append((ev.id, rules.needs_rectification(kind, grade, basic, unsat, valid)))
    found = {r[0] for r in rules.undated_rectifications()}
    assert [(i, i in found) for i, _ in expected] == expected
    assert any(need for _, need in expected) and not all(need for _, need in expected)


# --------------------------------------------------------------------------- item 2: corrections


def test_an_evaluation_corrected_is_counted_once_with_its_new_numbers(pledge):
    ev = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-01", ballots_issued=60, votes_satisfied=40,
                                 votes_basic=5, votes_unsatisfied=5)
    rules.update_evaluation(ev.id, kind="群众评议", date="2011-11-01", ballots_issued="60", votes_satisfied="50",
                            votes_basic="5", votes_unsatisfied="0", ballots_valid="", grade=None, score="",
                            comment="更正票数", evaluator="", rect_due="", rect_note="")
    fig = FigureBook(2011).subtree()
    assert (fig.evaluations, fig.ballots_valid, fig.votes_satisfied, fig.votes_unsatisfied) == (1, 55, 50, 0)
    ev = Evaluation.get_by_id(ev.id)
    assert ev.comment == "更正票数" and ev.ballots_valid == 55
    entry = AuditLog.select().where((AuditLog.record_uid == ev.uid) & (AuditLog.action == "update")).get()
    assert json.loads(entry.changes)["votes_satisfied"] == [40, 50]
    with pytest.raises(ValidationErrors) as err:
        rules.update_evaluation(ev.id, kind="群众评议", votes_satisfied="10", ballots_valid="99")
    assert "与有效票 99 不符" in err.value.errors["ballots_valid"]


def test_an_evaluation_deleted_leaves_every_figure_and_comes_back_with_undo(pledge):
    first = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-01", votes_satisfied=9, votes_unsatisfied=1)
    again = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-01", votes_satisfied=8, votes_unsatisfied=2)
    assert FigureBook(2011).subtree().ballots_valid == 20  # entered twice: counted twice
    rules.soft_delete("evaluation", first.id)
    fig = FigureBook(2011).subtree()
    assert (fig.evaluations, fig.ballots_valid, fig.votes_satisfied) == (1, 10, 8)
    assert AuditLog.select().where((AuditLog.record_uid == first.uid) & (AuditLog.action == "delete")).count() == 1
    with pytest.raises(ValidationError, match="已被删除"):
        rules.update_evaluation(first.id, kind="群众评议", votes_satisfied="1")
    rules.restore("evaluation", first.id)
    assert FigureBook(2011).subtree().ballots_valid == 20
    rules.soft_delete("evaluation", again.id)
    assert FigureBook(2011).subtree().ballots_valid == 10


def test_progress_corrected_and_deleted(pledge):
    entry = rules.add_progress(pledge.id, "走访30户", "2011-05-01", 30)
    rules.update_progress(entry.id, "走访32户", "2011-05-02", "40")
    entry = Progress.get_by_id(entry.id)
    assert (entry.note, entry.date, entry.percent) == ("走访32户", date(2011, 5, 2), 40)
    with pytest.raises(ValidationErrors) as err:
        rules.update_progress(entry.id, "", "2011-05-02", "400")
    assert set(err.value.errors) == {"note", "percent"}
    rules.soft_delete("progress", entry.id)
    assert rules.stage(pledge) == "pledged"
    rules.restore("progress", entry.id)
    assert rules.stage(pledge) == "fulfilling"
    actions = [a.action for a in AuditLog.select().where(AuditLog.record_uid == entry.uid).order_by(AuditLog.id)]
    assert actions == ["create", "update", "delete", "restore"]


def test_a_closed_years_entries_cannot_be_corrected(pledge):
    ev = rules.record_evaluation(pledge.id, "组织评定", date="2011-11-01", grade="合格")
    entry = rules.add_progress(pledge.id, "走访30户", "2011-05-01")
    rules.open_year(2012)
    rules.close_year(2011)
    for attempt in (lambda: rules.update_evaluation(ev.id, kind="组织评定", grade="优秀"),
                    lambda: rules.update_progress(entry.id, "改", "2011-05-01"),
                    lambda: rules.soft_delete("evaluation", ev.id), lambda: rules.soft_delete("progress", entry.id)):
        with pytest.raises(YearClosed):
            attempt()


def test_the_bundle_carries_a_deleted_evaluation_as_a_deletion(pledge, tmp_path):
    from pledgebook.bundle.write import write_bundle

    kept = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-01", votes_satisfied=9, votes_unsatisfied=1)
    wrong = rules.record_evaluation(pledge.id, "群众评议", date="2011-11-01", votes_satisfied=1, votes_unsatisfied=9)
    rules.soft_delete("evaluation", wrong.id)
    with zipfile.ZipFile(write_bundle(tmp_path).path) as zf:
        name = next(n for n in zf.namelist() if n.startswith("evaluation"))
        rows = {r["uid"]: r for r in map(json.loads, zf.read(name).decode().splitlines())}
    assert rows[kept.uid]["deleted_at"] is None
    assert rows[wrong.uid]["deleted_at"] is not None


# --------------------------------------------------------------------------- item 8: templates


@pytest.mark.parametrize("name, kind", [("党组织名单", "orgs"), ("党员名册", "people"), ("承诺台账", "pledges"),
                                        ("公开承诺台账", "pledges"), ("践诺记录", "progress"), ("评诺结果", "evaluations"),
                                        ("联系点名单", "contacts"), ("驻村干部名单", "stationing"),
                                        ("帮扶工作月报", "helplogs"), ("PEOPLE", "people"), ("党员名册模板", "people")])
def test_template_takes_the_chinese_names_it_prints(county, tmp_path, name, kind):
    from typer.testing import CliRunner

    from pledgebook.cli import app

    out = tmp_path / "模板.xlsx"
    r = CliRunner().invoke(app, ["template", name, "-o", str(out), "--db", str(county["path"]), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["kind"] == kind and out.exists()


def test_template_of_an_unknown_kind_lists_every_name(county, tmp_path):
    from typer.testing import CliRunner

    from pledgebook.cli import app

    r = CliRunner().invoke(app, ["template", "花名册", "-o", str(tmp_path / "x.xlsx"), "--db", str(county["path"])])
    assert r.exit_code == 2
    said = r.output.replace("\n", "")
    assert "没有「花名册」这种模板" in said and "people（党员名册）" in said and "helplogs（帮扶工作月报）" in said
    assert "Traceback" not in r.output


# --------------------------------------------------------------------------- item 7: organizations


def test_an_org_moves_with_its_subtree_and_its_figures_follow(county):
    c = county
    other = rules.create_org("中共通关镇委员会", "党委", c["root"].id, township="通关镇")
    group = rules.create_org("新华村第一党小组党支部", "党支部", c["b1"].id)
    rules.create_pledge(2011, "修路一公里", org_id=group.id)
    rules.create_pledge(2011, "建活动室", org_id=c["b1"].id)
    moved = rules.move_org(c["b1"].id, other.id)
    assert moved.parent_id == other.id and moved.path == f"{other.path}{moved.id}/" and moved.depth == other.depth + 1
    from pledgebook.models.store.tables import Org

    assert Org.get_by_id(group.id).path == f"{moved.path}{group.id}/"
    book = FigureBook(2011)
    assert book.subtree(other.id).pledges == 2 and book.subtree(c["committee"].id).pledges == 0
    entry = AuditLog.select().where((AuditLog.record_uid == moved.uid) & (AuditLog.action == "update")).get()
    assert json.loads(entry.changes) == {"parent": [c["committee"].uid, other.uid]}


def test_an_org_cannot_move_under_itself_nor_when_a_closed_year_counts_it(county):
    c = county
    with pytest.raises(ValidationError, match="它自己或它的下级"):
        rules.move_org(c["committee"].id, c["b1"].id)
    with pytest.raises(ValidationError, match="它自己或它的下级"):
        rules.move_org(c["b1"].id, c["b1"].id)
    with pytest.raises(ValidationError, match="根组织不能移动"):
        rules.move_org(c["root"].id, c["b1"].id)
    other = rules.create_org("中共通关镇委员会", "党委", c["root"].id)
    rules.create_pledge(2011, "建活动室", org_id=c["b1"].id)
    rules.open_year(2012)
    rules.close_year(2011)
    with pytest.raises(ValidationError, match=r"已关闭的年度有承诺（2011年度 1 条）"):
        rules.move_org(c["b1"].id, other.id)
    rules.move_org(c["b2"].id, other.id)  # nothing of b2 in the closed year


def test_deactivating_says_what_stays_and_refuses_new_records(county):
    c = county
    rules.create_pledge(2011, "建活动室", org_id=c["b1"].id)
    rules.create_pledge(2011, "帮扶十户", person_id=c["zhang"].id)
    impact = rules.org_impact(c["b1"].id)
    assert (impact.children, impact.people, impact.open_pledges) == (0, 2, 2)
    text = impact.text()
    assert "在册党员 2 名仍记在该组织名下" in text and "未完成的承诺 2 条仍计入本年度统计" in text
    rules.set_org_active(c["b1"].id, False)
    with pytest.raises(ValidationError, match="已停用，不能新建承诺"):
        rules.create_pledge(2011, "新承诺", org_id=c["b1"].id)
    with pytest.raises(ValidationError, match="已停用，不能再添加人员"):
        rules.create_person("赵六", c["b1"].id)
    with pytest.raises(ValidationError, match="已停用，请选择其他上级"):
        rules.create_org("新党支部", "党支部", c["b1"].id)
    rules.update_person(c["zhang"].id, org_id=c["b1"].id, post="党支部书记")  # his own record can still be corrected
    rules.update_person(c["zhang"].id, org_id=c["b2"].id)  # and moved out
    assert FigureBook(2011).subtree().pledges == 2  # the records stay counted
    with pytest.raises(ValidationError, match="根组织不能停用"):
        rules.set_org_active(c["root"].id, False)
    rules.set_org_active(c["committee"].id, False)
    with pytest.raises(ValidationError, match="请先启用上级"):
        rules.set_org_active(c["b1"].id, True)
    rules.set_org_active(c["committee"].id, True)
    rules.set_org_active(c["b1"].id, True)
    rules.create_pledge(2011, "新承诺", org_id=c["b1"].id)


def test_cli_org_add_rename_move_deactivate(county):
    from typer.testing import CliRunner

    from pledgebook.cli import app
    from pledgebook.models.store.tables import Org

    db = ["--db", str(county["path"])]
    run = CliRunner().invoke
    r = run(app, ["org", "add", "联珠镇城东社区党支部", "--parent", "中共联珠镇委员会", "--sector", "社区", *db, "--json"])
    assert r.exit_code == 0, r.output
    new_id = json.loads(r.stdout)["id"]
    assert Org.get_by_id(new_id).parent_id == county["committee"].id
    r = run(app, ["org", "rename", "联珠镇城东社区党支部", "城东社区党支部", *db])
    assert r.exit_code == 0 and "改名为「城东社区党支部」" in r.output
    r = run(app, ["org", "move", "中共联珠镇委员会", "--to", "城东社区党支部", *db])
    assert r.exit_code == 2 and "它自己或它的下级" in r.output.replace("\n", "")
    r = run(app, ["org", "move", "城东社区党支部", "--to", "新华村党支部", *db])
    assert r.exit_code == 0 and Org.get_by_id(new_id).parent_id == county["b1"].id
    r = run(app, ["org", "deactivate", "新华村党支部", *db])
    assert r.exit_code == 2 and "--yes" in r.output and "在册党员 2 名" in r.output.replace("\n", "")
    assert Org.get_by_id(county["b1"].id).active
    r = run(app, ["org", "deactivate", "新华村党支部", "--yes", *db])
    assert r.exit_code == 0 and not Org.get_by_id(county["b1"].id).active
    r = run(app, ["org", "rename", "没有这个支部", "新名", *db])
    assert r.exit_code == 2 and "未找到" in r.output and "Traceback" not in r.output
