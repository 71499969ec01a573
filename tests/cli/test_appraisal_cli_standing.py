"""``pledgebook stars …``, ``pledgebook honours …`` and the third ledger's ``pledgebook print …`` commands, on the
county of ``standing_util.build`` (2011; proposals: 新华村 4 stars at 89.3, 碧溪村 1 star, 龙坝村党总支 and its
一组 4 stars, 勐先村 5 stars; 张三 meets 优秀共产党员 and 优秀党务工作者, 勐先村 先进基层党组织)."""

from __future__ import annotations

import json

import openpyxl
import pytest
from appraisal_util import december
from rich.cells import cell_len
from standing_util import build
from typer.testing import CliRunner

from pledgebook.cli import app
from pledgebook.models.store.db import close_database, open_database
from pledgebook.models.store.tables import Honour, StarRating

runner = CliRunner()


class Said:
    """A command's result; ``output`` with the console's line wrapping taken out (a message is one line)."""

    def __init__(self, result):
        self.exit_code, self.lines = result.exit_code, result.output
        self.output = result.output.replace("\n", "")


def run(db: str, *args: str) -> Said:
    result = runner.invoke(app, [*args, "--db", db], terminal_width=80)
    close_database()
    return Said(result)


def data(db: str, *args: str) -> dict:
    said = run(db, *args, "--json")
    assert said.exit_code == 0, said.output
    return json.loads(said.output)


@pytest.fixture
def town(county):
    t = build(county)
    close_database()
    return {**t, "db": str(t["path"])}


def test_stars_from_proposal_to_confirmation(town):
    db = town["db"]
    assert data(db, "stars", "propose", "--year", "2011") == {
        "ok": True, "year": 2011, "created": 5, "updated": 0, "unchanged": 0, "confirmed": 0}
    listed = data(db, "stars", "list", "--year", "2011")
    rows = {r["name"]: r for r in listed["ratings"]}
    assert rows["新华村党支部"]["scores"] == {"leadership": 20.0, "members": 20.0, "mechanism": 20.0,
                                           "performance": 12.3, "public": 17.0}
    assert (rows["新华村党支部"]["total"], rows["新华村党支部"]["proposed_stars"], rows["勐先村党支部"]["proposed_stars"]) == (
        89.3, 4, 5)
    assert listed["unrated"] == 0 and rows["新华村党支部"]["committee"] == "中共联珠镇委员会"
    fours = data(db, "stars", "list", "--level", "4", "--under", "中共联珠镇委员会", "--year", "2011")
    assert [r["name"] for r in fours["ratings"]] == ["新华村党支部", "龙坝村党总支", "龙坝村一组党支部"]
    human = run(db, "stars", "list", "--year", "2011")
    assert human.exit_code == 0 and all(cell_len(line) <= 80 for line in human.lines.splitlines())
    assert "新华村党支部" in human.output and "四星" in human.output

    beyond = run(db, "stars", "score", "新华村党支部", "--item", "领导班子好=21", "--year", "2011")
    assert beyond.exit_code == 2 and "领导班子好的得分应在 0 到 20 分之间" in beyond.output
    shape = run(db, "stars", "score", "新华村党支部", "--item", "领导班子好", "--year", "2011")
    assert shape.exit_code == 2 and "评分项=得分" in shape.output
    scored = data(db, "stars", "score", "新华村党支部", "--item", "领导班子好=15", "--item", "工作机制好=18",
                  "--year", "2011")["rating"]
    assert (scored["scores"]["leadership"], scored["total"], scored["proposed_stars"]) == (15.0, 82.3, 4)
    refused = run(db, "stars", "confirm", "新华村党支部", "--stars", "6", "--year", "2011")
    assert refused.exit_code == 2 and "星级只能是 1–5 星" in refused.output
    confirmed = data(db, "stars", "confirm", "新华村党支部", "--stars", "三星", "--note", "班子调整", "--year", "2011")
    assert (confirmed["rating"]["stars"], confirmed["rating"]["note"]) == (3, "班子调整")
    not_branch = run(db, "stars", "confirm", "中共联珠镇委员会", "--year", "2011")
    assert not_branch.exit_code == 2 and "是党委" in not_branch.output
    assert data(db, "stars", "confirm-all", "--under", "中共通关镇委员会", "--yes", "--year", "2011")["confirmed"] == 1
    assert data(db, "stars", "confirm-all", "--yes", "--year", "2011")["confirmed"] == 3
    assert data(db, "stars", "history", "新华村党支部")["history"] == [{"year": 2011, "stars": 3}]
    open_database(town["path"])
    assert StarRating.select().where(StarRating.stars.is_null()).count() == 0
    close_database()


def test_confirm_all_asks_and_a_script_must_say_yes(town):
    run(town["db"], "stars", "propose", "--year", "2011")
    asked = run(town["db"], "stars", "confirm-all", "--year", "2011")
    assert asked.exit_code == 2 and "--yes" in asked.output
    open_database(town["path"])
    assert StarRating.select().where(StarRating.stars.is_null(False)).count() == 0
    close_database()


def test_honours_from_candidates_to_decision(town):
    db = town["db"]
    run(db, "stars", "propose", "--year", "2011")
    assert data(db, "honours", "propose", "--year", "2011")["added"] == {
        "advanced_org": 1, "excellent_member": 1, "excellent_worker": 1}
    listed = data(db, "honours", "list", "--year", "2011")["honours"]
    assert {(h["kind"], h["person"] or h["org"], h["committee"], h["status"]) for h in listed} == {
        ("advanced_org", "勐先村党支部", "中共通关镇委员会", "candidate"),
        ("excellent_member", "张三", "中共联珠镇委员会", "candidate"),
        ("excellent_worker", "张三", "中共联珠镇委员会", "candidate")}
    unmet = run(db, "honours", "add", "优秀党务工作者", "赵六", "--year", "2011")
    assert unmet.exit_code == 2 and "赵六不符合优秀党务工作者的条件：未担任职务" in unmet.output
    added = data(db, "honours", "add", "优秀党务工作者", "赵六", "--reason", "长期负责党费收缴", "--year", "2011")
    assert (added["honour"]["meets_criteria"], added["honour"]["reason"]) == (False, "长期负责党费收缴")
    org = data(db, "honours", "add", "先进基层党组织", "新华村党支部", "--reason", "抗洪抢险", "--year", "2011")
    assert org["honour"]["org"] == "新华村党支部" and org["honour"]["person"] is None
    several = run(db, "honours", "confirm", "张三", "--year", "2011")
    assert several.exit_code == 2 and "「张三」有 2 条表彰候选" in several.output and "--kind" in several.output
    done = data(db, "honours", "confirm", "张三", "--kind", "优秀党务工作者", "--year", "2011")["honour"]
    assert (done["kind"], done["status"]) == ("excellent_worker", "confirmed")
    assert data(db, "honours", "confirm", "勐先村党支部", "--year", "2011")["honour"]["status"] == "confirmed"
    assert data(db, "honours", "confirm", str(org["honour"]["id"]), "--year", "2011")["honour"]["status"] == "confirmed"
    declined = data(db, "honours", "decline", "赵六", "--year", "2011")["honour"]
    assert declined["status"] == "declined"
    usage = {(q["committee"], q["kind"]): q for q in data(db, "honours", "quota", "--year", "2011")["quotas"]}
    worker = usage[("中共联珠镇委员会", "excellent_worker")]
    assert (worker["confirmed"], worker["quota"], worker["left"]) == (1, 1, 0)
    human = run(db, "honours", "quota", "--year", "2011")
    assert human.exit_code == 0 and "中共联珠镇委员会" in human.output
    nobody = run(db, "honours", "confirm", "钱七", "--year", "2011")
    assert nobody.exit_code == 2 and "没有「钱七」的表彰候选" in nobody.output


def test_a_confirmation_beyond_the_township_quota_changes_nothing(town):
    db = town["db"]
    data(db, "honours", "add", "优秀党务工作者", "张三", "--year", "2011")
    li = data(db, "honours", "add", "优秀党务工作者", "李四", "--reason", "组织委员，工作扎实", "--year", "2011")
    data(db, "honours", "confirm", "张三", "--year", "2011")
    over = run(db, "honours", "confirm", str(li["honour"]["id"]), "--year", "2011")
    assert over.exit_code == 2
    assert "中共联珠镇委员会2011年度优秀党务工作者名额为 1 名，已确定 1 名（张三），不能再确定「李四」" in over.output
    open_database(town["path"])
    assert Honour.get_by_id(li["honour"]["id"]).status == "candidate"
    close_database()


@pytest.fixture
def decided(county):
    c = december(county)
    close_database()
    return {**c, "db": str(c["path"])}


def test_print_the_third_ledgers_papers(decided, tmp_path):
    db = decided["db"]
    out = tmp_path / "打印"  # the ledger is in tmp_path too
    out.mkdir()
    ballots = data(db, "print", "appraisal-ballots", "-o", str(out / "测评票.xlsx"), "--year", "2011",
                   "--org", "中共联珠镇委员会", "--per-member")
    assert (ballots["sheets"], ballots["members"], ballots["copies"]) == (2, 4, 4)
    assert ballots["tally"].endswith("测评票_计票表.xlsx") and (out / "测评票_计票表.xlsx").exists()
    tally = data(db, "print", "appraisal-tally", "-o", str(out / "计票表.xlsx"), "--year", "2011",
                 "--org", "新华村党支部")
    assert tally["file"] == str(out / "计票表.xlsx") and tally["members"] == 3
    assert openpyxl.load_workbook(tally["file"]).sheetnames  # the 计票表 alone, its layout is the printing's
    assert sorted(p.name for p in out.iterdir()) == ["测评票.xlsx", "测评票_计票表.xlsx", "计票表.xlsx"]
    notice = data(db, "print", "appraisal-notice", "-o", str(out / "公示.xlsx"), "--year", "2011",
                  "--published-on", "2011-12-25", "--by", "township")
    assert (notice["sheets"], notice["published_on"]) == (2, "2011-12-25")
    for command, name in (("star-table", "星级.xlsx"), ("flag-list", "授旗.xlsx"), ("honour-list", "名单.xlsx")):
        said = data(db, "print", command, "-o", str(out / name), "--year", "2011")
        assert said["ok"] and (out / name).exists()
    star_notice = data(db, "print", "star-notice", "-o", str(out / "星级公示.xlsx"), "--year", "2011",
                       "--published-on", "2011-12-26")
    assert star_notice["members"] == 1  # only 新华村's stars are confirmed
    honour = data(db, "print", "honour-notice", "-o", str(out / "表彰公示.xlsx"), "--year", "2011",
                  "--kind", "优秀共产党员", "--published-on", "2011-12-26")
    assert (honour["sheets"], honour["members"]) == (1, 1)
    human = run(db, "print", "honour-list", "-o", str(out / "名单2.xlsx"), "--year", "2011")
    assert human.exit_code == 0 and "已写入表彰名单" in human.output and "1 名（个）表彰对象" in human.output
    none = run(db, "print", "honour-notice", "-o", str(out / "x.xlsx"), "--kind", "先进基层党组织",
               "--year", "2011", "--published-on", "2011-12-26")
    assert none.exit_code == 2 and "还没有确定表彰的对象" in none.output and not (out / "x.xlsx").exists()
