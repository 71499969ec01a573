"""The second ledger (四帮四促 / 帮联驻): rules, figures against hand-computed values,
coverage and "nothing logged" lists, closed years, migration 4 on a populated file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pledgebook.models.campaign import rules as campaign_rules
from pledgebook.models.campaign.figures import (
    CampaignBook,
    campaign_figures,
    idle_people,
    monthly,
    months_before,
)
from pledgebook.models.core.errors import ValidationError, ValidationErrors, YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import AuditLog, HelpLog

# ------------------------------------------------------------ figures


def test_year_figures_by_hand(campaign):
    book = CampaignBook(2011, today=date(2026, 1, 1))
    assert book.as_of == date(2011, 12, 31)
    fig = book.subtree()
    # running on 12-31: cp1 村, cp3 困难户, cp4 学校, cp5 园区 (cp2 ended 06-30)
    assert fig.contact_points == 4
    assert fig.contact_points_by_kind == {"village": 1, "household": 1, "school": 1, "park": 1}
    assert (fig.pairings, fig.pairings_members, fig.pairings_households) == (1, 1, 0)  # pa2 ended 05-31
    assert fig.stationed_cadres == 1  # 赵六; 钱七 left 03-31
    assert fig.logs == 7  # the deleted log does not count
    assert fig.measures == {"households": 12, "person_times": 70, "items": 4, "units": 4, "cases": 2,
                            "funds": 102.5, "sessions": 1}
    assert fig.worked("solve", "units") == 3 and fig.worked("project", "funds") == 100
    assert fig.worked("visit", "households") == 12 and fig.worked("training", "person_times") == 40
    assert (fig.villages, fig.villages_covered) == (4, 3)
    assert fig.coverage_rate == pytest.approx(0.75)


def test_month_figures_and_subtrees(campaign):
    c = campaign
    may = CampaignBook(2011, 5, today=date(2026, 1, 1))
    assert may.as_of == date(2011, 5, 31)
    fig = may.subtree()
    assert fig.contact_points == 4 and fig.contact_points_by_kind == {
        "village": 1, "enterprise": 1, "household": 1, "school": 1}
    assert (fig.pairings, fig.pairings_members, fig.pairings_households) == (2, 1, 1)  # the end day still counts
    assert fig.stationed_cadres == 1
    assert fig.logs == 3 and fig.measures["units"] == 3 and fig.measures["funds"] == 2.5 and fig.measures["cases"] == 2

    year = CampaignBook(2011, today=date(2026, 1, 1))
    assert year.subtree(c["b1"].id).logs == 2 and year.subtree(c["b1"].id).contact_points == 1
    b2 = year.subtree(c["b2"].id)
    assert (b2.logs, b2.measures["funds"], b2.stationed_cadres, b2.pairings) == (3, 2.5, 1, 1)
    b3 = year.subtree(c["b3"].id)  # the household point sits in the 一组 branch, inside 龙坝村
    assert (b3.logs, b3.contact_points, b3.villages, b3.villages_covered) == (1, 1, 1, 1)
    rows = {node.name: f for node, f in year.children()}
    assert rows["中共联珠镇委员会"].logs == 7 and rows["中共联珠镇委员会"].villages == 4
    assert rows["县直机关工委"].logs == 0 and rows["县直机关工委"].coverage_rate is None
    # the month series of one subtree
    series = dict(monthly(2011, c["b2"].id))
    assert series[5].logs == 2 and series[7].measures["sessions"] == 1 and series[1].logs == 0
    assert sum(f.logs for _m, f in monthly(2011)) == 7


def test_uncovered_villages_and_coverage_on_a_date(campaign):
    c = campaign
    book = CampaignBook(2011, today=date(2026, 1, 1))
    assert [v.name for v in book.uncovered_villages()] == ["坝溜村党支部"]
    assert book.uncovered_villages()[0].committee == "中共联珠镇委员会"
    assert book.uncovered_villages(c["b1"].id) == []
    # in February 2011 龙坝村 had nothing yet (its point starts 03-01)
    feb = CampaignBook(2011, 2, today=date(2026, 1, 1))
    assert sorted(v.name for v in feb.uncovered_villages()) == ["坝溜村党支部", "龙坝村党总支"]
    # a stationed cadre covers a village too
    campaign_rules.create_stationing(c["li"].id, c["b4"].id, "县财政局", start_date="2011-09-01")
    assert campaign_figures(2011, today=date(2026, 1, 1)).villages_covered == 4


def test_nothing_logged_lately(campaign):
    c = campaign
    idle = idle_people(3, today=date(2011, 11, 15))
    # 王五 never logged; 赵六 last 07-01; 张三 last 08-01. 李四's park started 10-01: not yet behind
    assert [p.name for p in idle] == ["王五", "赵六", "张三"]
    assert idle[0].last_log is None and idle[0].roles == ("contact_point",) and idle[0].places == ("碧溪小学",)
    assert idle[1].last_log == date(2011, 7, 1) and set(idle[1].roles) == {"pairing", "stationing"}
    assert [p.name for p in idle_people(3, today=date(2011, 11, 15), roles=("contact_point",))] == ["王五", "张三"]
    assert [p.name for p in idle_people(3, today=date(2011, 11, 15), org_id=c["b2"].id)] == ["王五", "赵六"]
    # a shorter window on 2011-09-15: 赵六 (07-01) and 张三 (08-01) logged in it
    assert [p.name for p in idle_people(3, today=date(2011, 9, 15))] == ["王五"]
    assert months_before(date(2011, 5, 31), 3) == date(2011, 2, 28)


# ------------------------------------------------------------ rules


def test_validation_messages(campaign):
    c = campaign
    cp1 = c["cp"][0]
    with pytest.raises(ValidationErrors) as exc:
        campaign_rules.add_help_log("走访", "2011-03-05", contact_point_id=cp1.id, quantities={"万元": 5})
    assert "funds" in exc.value.errors and "走访" in exc.value.errors["funds"]
    with pytest.raises(ValidationErrors, match="只选一个"):
        campaign_rules.add_help_log("走访", "2011-03-05", quantities={"户": 1})
    with pytest.raises(ValidationErrors, match="只选一个"):
        campaign_rules.add_help_log("走访", "2011-03-05", contact_point_id=cp1.id, pairing_id=c["pa"][0].id, quantities={"户": 1})
    with pytest.raises(ValidationErrors, match="不在.*期间"):
        campaign_rules.add_help_log("走访", "2010-12-05", contact_point_id=cp1.id, quantities={"户": 1})
    with pytest.raises(ValidationErrors, match="晚于今天"):
        campaign_rules.add_help_log("走访", date(date.today().year + 1, 1, 1), contact_point_id=cp1.id, quantities={"户": 1})
    with pytest.raises(ValidationErrors, match="至少一项数量"):
        campaign_rules.add_help_log("走访", "2011-03-05", contact_point_id=cp1.id)
    with pytest.raises(ValidationErrors, match="过大"):
        campaign_rules.add_help_log("走访", "2011-03-05", contact_point_id=cp1.id, quantities={"户": 530822198001011234})
    with pytest.raises(ValidationErrors, match="工作类别"):
        campaign_rules.add_help_log("喝茶", "2011-03-05", contact_point_id=cp1.id, quantities={"户": 1})
    with pytest.raises(ValidationErrors, match="联系点类型"):
        campaign_rules.create_contact_point(c["zhang"].id, "茶馆", "x", c["b1"].id)
    with pytest.raises(ValidationErrors, match="驻村所在村"):
        campaign_rules.create_stationing(c["li"].id, c["committee"].id, "县财政局", start_date="2011-01-01")
    with pytest.raises(ValidationErrors, match="不是临时党支部"):
        campaign_rules.create_stationing(c["li"].id, c["b4"].id, "县财政局", branch_id=c["b1"].id, start_date="2011-01-01")
    with pytest.raises(ValidationError, match="请先结束原驻村记录"):
        campaign_rules.create_stationing(c["zhao"].id, c["b4"].id, "县财政局", start_date="2011-06-01")
    with pytest.raises(ValidationErrors, match="只能填一个"):
        campaign_rules.create_pairing(c["zhao"].id, helped_person_id=c["li"].id, household="某户", org_id=c["b1"].id)
    with pytest.raises(ValidationErrors, match="所在的村"):
        campaign_rules.create_pairing(c["zhao"].id, household="某户")
    with pytest.raises(ValidationError, match="不能早于开始日期"):
        campaign_rules.end_contact_point(cp1.id, "2010-01-01")


def test_stationing_defaults_and_person_of_a_log(campaign):
    st1 = campaign["st"][0]
    assert st1.planned_end == date(2013, 6, 1) and st1.role == "first_secretary"
    log = campaign["logs"][3]
    assert log.person_id == campaign["zhao"].id and log.org_id == campaign["b2"].id
    other = campaign_rules.add_help_log("接访", "2011-05-02", stationing_id=st1.id, person_id=campaign["qian"].id,
                                 quantities={"人次": 5})
    assert other.person_id == campaign["qian"].id


def test_places_list_pairings_and_take_their_months(campaign):
    from pledgebook.models.campaign import queries as hq

    c = campaign
    may = hq.places(None, 2011, 5)
    pairings = [(r.person, r.what, r.name, r.logged) for r in may if r.table == "pairing"]
    assert pairings == [("赵六", "结对帮扶", "王五", 1), ("钱七", "结对帮扶", "李小红户", 0)]
    assert [r.table for r in hq.places(None, 2011, 6) if r.table == "pairing"] == ["pairing"]  # 李小红户 ended 05-31
    pa = c["pa"][0]
    assert campaign_rules.save_month("pairing", pa.id, 2011, 6, {("visit", "households"): 2}, today=date(2011, 7, 1)) == 1
    june = HelpLog.get((HelpLog.pairing == pa.id) & (HelpLog.date == date(2011, 6, 1)))
    assert (june.households, june.org_id) == (2, c["b2"].id)
    with pytest.raises(ValidationError, match="期间"):
        campaign_rules.save_month("pairing", c["pa"][1].id, 2011, 6, {("visit", "households"): 1}, today=date(2011, 7, 1))
    # what the edit forms start from
    detail = hq.place_detail("pairing", pa.id)
    assert (detail.holder.label, detail.helped.person_id, detail.org.org_id, detail.name) == (
        "赵六 · 县财政局机关党支部", c["wang"].id, c["b2"].id, "")
    st = hq.place_detail("stationing", c["st"][0].id)
    assert (st.kind, st.sending_unit, st.branch.org_id, st.planned_end) == (
        "first_secretary", "县财政局", c["temp"].id, date(2013, 6, 1))
    assert hq.place_detail("contact_point", c["cp"][0].id).kind == "village"
    assert hq.place_detail("contact_point", 999) is None
    assert campaign_rules.default_planned_end(date(2012, 2, 29)) == date(2015, 2, 28)


def test_audit_soft_delete_and_restore(campaign):
    log = campaign["logs"][0]
    campaign_rules.update_help_log(log.id, quantities={"户": 13, "人次": 30}, note="补记")
    assert HelpLog.get_by_id(log.id).households == 13
    assert campaign_rules.add_help_log  # the write paths all audit:
    actions = [a.action for a in AuditLog.select().where(AuditLog.record_uid == log.uid)]
    assert actions == ["create", "update"]
    campaign_rules.soft_delete("help_log", log.id)
    assert campaign_figures(2011, today=date(2026, 1, 1)).measures["households"] == 0
    campaign_rules.restore("help_log", log.id)
    assert campaign_figures(2011, today=date(2026, 1, 1)).measures["households"] == 13
    # a place with live logs is ended, not deleted
    with pytest.raises(ValidationError, match="结束"):
        campaign_rules.soft_delete("contact_point", campaign["cp"][0].id)
    campaign_rules.soft_delete("contact_point", campaign["cp"][4].id)  # the park: no logs
    assert campaign_figures(2011, today=date(2026, 1, 1)).contact_points == 3


def test_moving_a_contact_point_moves_its_logs(campaign):
    c = campaign
    campaign_rules.update_contact_point(c["cp"][0].id, org_id=c["b4"].id, name="坝溜村")
    book = CampaignBook(2011, today=date(2026, 1, 1))
    assert book.subtree(c["b4"].id).logs == 2 and book.subtree(c["b1"].id).logs == 0
    assert [v.name for v in book.uncovered_villages()] == ["新华村党支部"]


def test_closed_year_refuses_new_logs_and_changes(campaign):
    c = campaign
    cp1, log = c["cp"][0], c["logs"][0]
    rules.open_year(2012)
    rules.close_year(2011)
    with pytest.raises(YearClosed):
        campaign_rules.add_help_log("走访", "2011-12-01", contact_point_id=cp1.id, quantities={"户": 1})
    with pytest.raises(YearClosed):
        campaign_rules.update_help_log(log.id, note="改")
    with pytest.raises(YearClosed):
        campaign_rules.soft_delete("help_log", log.id)
    with pytest.raises(YearClosed):
        campaign_rules.restore("help_log", c["gone"].id)
    with pytest.raises(YearClosed):
        campaign_rules.end_contact_point(cp1.id, "2011-12-01")
    with pytest.raises(YearClosed):
        campaign_rules.update_contact_point(cp1.id, kind="企业")
    with pytest.raises(YearClosed):
        campaign_rules.soft_delete("contact_point", c["cp"][4].id)
    with pytest.raises(YearClosed):
        campaign_rules.create_contact_point(c["li"].id, "村", "坝溜村", c["b4"].id, start_date="2011-12-01")
    # the points simply continue into 2012: no copies, and new work is logged there
    campaign_rules.update_contact_point(cp1.id, name="新华村（示范点）")
    entry = campaign_rules.add_help_log("走访", "2012-01-05", contact_point_id=cp1.id, quantities={"户": 2})
    assert entry.date.year == 2012
    fig2012 = CampaignBook(2012, today=date(2012, 3, 1)).subtree()
    assert fig2012.contact_points == 4 and fig2012.stationed_cadres == 1 and fig2012.logs == 1
    campaign_rules.end_contact_point(cp1.id, "2012-02-01")
    assert CampaignBook(2012, today=date(2012, 3, 1)).subtree().contact_points == 3
    assert CampaignBook(2011, today=date(2026, 1, 1)).subtree().contact_points == 4  # 2011 unchanged


def test_year_end_summary_needs_no_copies(campaign):
    s = campaign_rules.year_end_summary(2011)
    assert (s.contact_points_continuing, s.pairings_continuing, s.stationings_continuing) == (4, 1, 1)
    assert s.stationings_past_planned_end == 0 and s.logs_frozen == 7


# ------------------------------------------------------------ migration and hygiene


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def test_migration_4_on_a_populated_version_2_file(tmp_path):
    from pledgebook.demo.pledges import build_demo
    from pledgebook.models.store import migrations
    from pledgebook.models.store.db import APPLICATION_ID, close_database, open_database
    from pledgebook.models.store.tables import database

    path = tmp_path / "v2.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.commit()
    con.close()
    database.init(str(path), pragmas=(("foreign_keys", 1),))
    migrations.migrate(database, target=2)
    build_demo(total_pledges=1_000, seed=3)  # fills only the tables a version-2 file has
    database.close()
    before = _counts(path)
    assert before["pledge"] == 1_000 and "help_log" not in before

    open_database(path)
    try:
        assert migrations.schema_version(database) == migrations.LATEST >= 4
        after = _counts(path)
        assert {t: after[t] for t in before} == before
        assert after["help_log"] == after["contact_point"] == after["stationing"] == 0
        assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the new tables work on the upgraded file, CHECK included
        with pytest.raises(Exception, match="CHECK"):
            database.execute_sql(
                "INSERT INTO help_log (uid, created_at, updated_at, date, person_id, org_id, kind, households, "
                "person_times, items, units, cases, funds, sessions, note, source) "
                "VALUES ('x', '2011-01-01', '2011-01-01', '2011-01-01', 1, 1, 'visit', 1, 0, 0, 0, 0, 0, 0, '', 'manual')"
            )
    finally:
        close_database()


def test_demo_campaign_is_realistic_and_consistent(demo_path):
    from pledgebook.models.store.tables import database

    counts = dict(database.execute_sql(
        "SELECT 'cp', count(*) FROM contact_point UNION ALL SELECT 'pa', count(*) FROM pairing "
        "UNION ALL SELECT 'st', count(*) FROM stationing UNION ALL SELECT 'log', count(*) FROM help_log").fetchall())
    assert counts["cp"] > 50 and counts["pa"] > 50 and counts["st"] > 10 and counts["log"] > 1_000
    assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    # every log lies inside its place's period and counts under its place's org
    bad = database.execute_sql(
        "SELECT count(*) FROM help_log h LEFT JOIN contact_point c ON c.id = h.contact_point_id "
        "LEFT JOIN pairing p ON p.id = h.pairing_id LEFT JOIN stationing s ON s.id = h.stationing_id "
        "WHERE h.org_id != coalesce(c.org_id, p.org_id, s.village_id) "
        "OR h.date < coalesce(c.start_date, p.start_date, s.start_date) "
        "OR h.date > coalesce(c.end_date, p.end_date, s.actual_end, '9999-12-31')"
    ).fetchone()[0]
    assert bad == 0
    # every log's measures fit its kind of work
    from pledgebook.models.core import vocab

    for kind, measures in vocab.WORK_MEASURES.items():
        others = [m for m in vocab.MEASURES if m not in measures]
        n = database.execute_sql(
            f"SELECT count(*) FROM help_log WHERE kind = ? AND ({' OR '.join(f'{m} != 0' for m in others)})", (kind,)
        ).fetchone()[0]
        assert n == 0, kind
    year = rules.current_year()
    fig = CampaignBook(year).subtree()
    assert 0 < fig.coverage_rate < 1 and fig.stationed_cadres > 0
    assert CampaignBook(year).uncovered_villages()
    assert idle_people(3)


def test_core_modules_import_no_ui():
    probe = (
        "import sys, pledgebook.models.campaign.rules, pledgebook.models.campaign.figures, pledgebook.demo.pledges\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich', 'typer'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------ the stats command


def test_stats_shows_the_second_ledger(tmp_path):
    import json

    from typer.testing import CliRunner

    from pledgebook.cli import app
    from pledgebook.models.store.db import close_database

    runner = CliRunner()
    db = str(tmp_path / "demo.db")
    result = runner.invoke(app, ["demo", "--db", db, "--scale", "2000", "--seed", "5", "--json"])
    close_database()
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)["counts"]
    assert counts["contact_points"] > 0 and counts["help_logs"] > 0
    result = runner.invoke(app, ["stats", "--db", db, "--json", "--idle-months", "2"])
    close_database()
    data = json.loads(result.output)["help"]
    assert {"as_of", "totals", "by_committee", "uncovered_villages", "idle_months", "idle_people"} <= set(data)
    totals = data["totals"]
    assert sum(r["contact_points"] for r in data["by_committee"]) == totals["contact_points"]
    assert sum(r["logs"] for r in data["by_committee"]) == totals["logs"] > 0
    assert set(totals["measures"]) == {"households", "person_times", "items", "units", "cases", "funds", "sessions"}
    assert totals["work"]["solve"]["units"] >= 0 and set(totals["contact_points_by_kind"]) >= {"village", "household"}
    assert len(data["uncovered_villages"]) == totals["villages"] - totals["villages_covered"]
    assert data["idle_months"] == 2
    human = runner.invoke(app, ["stats", "--db", db])
    close_database()
    assert "四帮四促" in human.output and "覆盖率" in human.output and "未覆盖的村" in human.output
    bad = runner.invoke(app, ["stats", "--db", db, "--idle-months", "0"])
    close_database()
    assert bad.exit_code == 2 and "--idle-months" in bad.output


def test_stats_on_a_ledger_without_a_campaign(county):
    from typer.testing import CliRunner

    from pledgebook.cli import app
    from pledgebook.models.store.db import close_database

    close_database()
    human = CliRunner().invoke(app, ["stats", "--db", str(county["path"])])
    close_database()
    assert human.exit_code == 0, human.output
    assert "尚无联系点" in human.output
