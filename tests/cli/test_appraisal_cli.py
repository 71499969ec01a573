"""``pledgebook appraise …`` and the third ledger in ``stats``, as a clerk and a script use them: on the hand-made
county of ``appraisal_util.december`` (2011: 联珠镇 — 新华村 张三 优秀, 李四 合格, 甲 基本合格 with an open 处置,
乙 不参评; 碧溪村 王五 undecided; 通关镇 — 丙 合格, 丁 不合格 (处置 closed), 戊 合格; 己 合格)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest
from appraisal_util import december
from rich.cells import cell_len
from typer.testing import CliRunner

from pledgebook.cli import app
from pledgebook.models.core.values import id_check_digit
from pledgebook.models.ledger import rules
from pledgebook.models.store.db import close_database, open_database
from pledgebook.models.store.tables import Appraisal, Disposal

runner = CliRunner()


class Said:
    """A command's result; ``output`` with the console's line wrapping taken out (a message is one line)."""

    def __init__(self, result):
        self.exit_code, self.lines = result.exit_code, result.output
        self.output = result.output.replace("\n", "")


def invoke(*args: str, width: int = 80) -> Said:
    result = runner.invoke(app, list(args), terminal_width=width)
    close_database()
    return Said(result)


def id_number(serial: str) -> str:
    first17 = "53082219900101" + serial
    return first17 + id_check_digit(first17)


@pytest.fixture
def made(county):
    c = december(county)
    close_database()
    return {**c, "db": str(c["path"])}


def fits_80(text: str) -> bool:
    return all(cell_len(line) <= 80 for line in text.splitlines())


def test_list_shows_every_branch_with_its_progress(made):
    data = json.loads(invoke("appraise", "list", "--db", made["db"], "--year", "2011", "--json").output)
    rows = {r["name"]: r for r in data["branches"]}
    assert data["year"] == 2011 and set(rows) == {"新华村党支部", "碧溪村党支部", "通关村党支部", "通关社区党总支"}
    xinhua = rows["新华村党支部"]
    assert (xinhua["members"], xinhua["appraised"], xinhua["exempt"], xinhua["excellent"], xinhua["basic"]) == (4, 3, 1, 1, 1)
    assert (xinhua["limit"], xinhua["over"], xinhua["disposals_open"], xinhua["stars"]) == (1, False, 1, 5)
    assert xinhua["committee"] == "中共联珠镇委员会"
    assert (rows["碧溪村党支部"]["undecided"], rows["通关村党支部"]["proposed_stars"]) == (1, 3)
    assert data["totals"]["appraised"] == 8 and data["totals"]["unqualified"] == 1
    under = json.loads(invoke("appraise", "list", "--db", made["db"], "--year", "2011", "--under", "中共通关镇委员会",
                              "--json").output)
    assert [r["name"] for r in under["branches"]] == ["通关村党支部", "通关社区党总支"]
    human = invoke("appraise", "list", "--db", made["db"], "--year", "2011")
    assert human.exit_code == 0 and fits_80(human.lines)
    assert "中共联珠镇委员会" in human.output and "新华村党支部" in human.output and "五星" in human.output


def test_show_puts_each_members_pledges_beside_the_appraisal(made):
    open_database(made["path"])
    pledge = rules.create_pledge(2011, "带头发展茶叶产业", person_id=made["zhang"].id, due_date="2011-09-30")
    rules.set_status(pledge.id, "已兑现", on="2011-09-01")
    close_database()
    data = json.loads(invoke("appraise", "show", "新华村党支部", "--db", made["db"], "--year", "2011", "--json").output)
    members = {m["name"]: m for m in data["members"]}
    assert set(members) == {"张三", "李四", "甲", "乙"}
    assert members["张三"]["grade_label"] == "优秀" and members["乙"]["grade_label"] == "不参评（流动党员）"
    assert members["甲"]["disposals_open"] == 1
    assert (members["张三"]["pledges"], members["张三"]["fulfilled"]) == (1, 1)
    assert members["张三"]["pledge_lines"][0]["content"] == "带头发展茶叶产业"
    assert members["张三"]["pledge_lines"][0]["status_label"] == "已兑现"
    assert data["quota"] == {"appraised": 3, "excellent": 1, "limit": 1, "over": False,
                             "text": "新华村党支部参评党员 3 人，优秀最多 1 人（比例上限 1/3），现为 1 人"}
    human = invoke("appraise", "show", "新华村党支部", "--db", made["db"], "--year", "2011")
    assert human.exit_code == 0 and fits_80(human.lines) and "带头发展茶叶产业（已兑现" in human.output
    not_a_branch = invoke("appraise", "show", "中共联珠镇委员会", "--db", made["db"])
    assert not_a_branch.exit_code == 2 and "是党委" in not_a_branch.output and "--under" in not_a_branch.output


def test_set_records_a_grade_and_refuses_one_over_the_quota(made):
    db = made["db"]
    over = invoke("appraise", "set", "李四", "--grade", "优秀", "--year", "2011", "--db", db)
    assert over.exit_code == 2
    assert "新华村党支部参评党员 3 人，优秀最多 1 人（比例上限 1/3），现为 2 人" in over.output
    changed = invoke("appraise", "set", "王五", "--grade", "合格", "--votes", "5/5/0/5/0/0", "--comment", "按时参加组织生活",
                     "--year", "2011", "--db", db, "--json")
    assert changed.exit_code == 0, changed.output
    data = json.loads(changed.output)
    assert data["created"] is False and data["appraisal"]["grade"] == "qualified"
    assert (data["appraisal"]["ballots_valid"], data["appraisal"]["votes_qualified"]) == (5, 5)
    assert data["appraisal"]["decided_on"] == date.today().isoformat()
    bad = invoke("appraise", "set", "王五", "--votes", "5/5/0", "--year", "2011", "--db", db)
    assert bad.exit_code == 2 and "发放/有效/优秀/合格/基本合格/不合格" in bad.output
    too_many = invoke("appraise", "set", "王五", "--votes", "5/4/0/5/0/0", "--year", "2011", "--db", db, "--json")
    assert too_many.exit_code == 2 and "多于有效票" in json.loads(too_many.output)["error"]
    nothing = invoke("appraise", "set", "王五", "--year", "2011", "--db", db)
    assert nothing.exit_code == 2 and "--grade" in nothing.output
    open_database(made["path"])
    assert Appraisal.get_by_id(made["li_a"].id).grade == "qualified"  # the refused change wrote nothing
    assert Appraisal.get(Appraisal.person == made["wang"].id).ballots_valid == 5
    close_database()


def test_namesakes_are_never_guessed(made):
    open_database(made["path"])
    rules.update_person(made["zhang"].id, id_number=id_number("123"))
    other = rules.create_person("张三", made["b2"].id, id_number=id_number("456"))
    close_database()
    db = made["db"]
    asked = invoke("appraise", "set", "张三", "--grade", "合格", "--year", "2011", "--db", db)
    assert asked.exit_code == 2
    text = asked.output
    assert "台账中有 2 名「张三」" in text and "新华村党支部（5308**********" in text and "碧溪村党支部" in text
    assert "公民身份号码" in text and "--org" in text
    by_branch = invoke("appraise", "set", "张三", "--org", "碧溪村党支部", "--grade", "合格", "--year", "2011",
                       "--db", db, "--json")
    data = json.loads(by_branch.output)
    assert data["created"] is True and data["appraisal"]["person_id"] == other.id
    by_number = invoke("appraise", "set", id_number("123"), "--comment", "带头作用好", "--year", "2011", "--db", db,
                       "--json")
    assert json.loads(by_number.output)["appraisal"]["person_id"] == made["zhang"].id
    missing = invoke("appraise", "set", "张四", "--grade", "合格", "--db", db)
    assert missing.exit_code == 2 and "没有名为「张四」" in missing.output


def test_dispose_needs_a_due_date_and_is_closed_later(made):
    db = made["db"]
    assert invoke("appraise", "set", "戊", "--grade", "不合格", "--decided-on", "2011-12-20", "--year", "2011",
                  "--db", db).exit_code == 0
    no_due = invoke("appraise", "dispose", "戊", "--kind", "限期改正", "--decided-on", "2011-12-20", "--year", "2011",
                    "--db", db)
    assert no_due.exit_code == 2 and "--due 2012-" in no_due.output and "整改期限" in no_due.output
    later = (date.today() + timedelta(days=30)).isoformat()
    made_one = invoke("appraise", "dispose", "戊", "--kind", "限期改正", "--decided-on", "2011-12-20", "--due", later,
                      "--year", "2011", "--db", db, "--json")
    assert made_one.exit_code == 0, made_one.output
    disposal = json.loads(made_one.output)["disposal"]
    assert (disposal["kind"], disposal["due_date"]) == ("correct", later)
    listed = json.loads(invoke("appraise", "disposals", "--db", db, "--json").output)
    assert [d["person_name"] for d in listed["disposals"]] == ["甲", "戊"]  # 甲's is overdue: first
    assert [d["overdue"] for d in listed["disposals"]] == [True, False] and listed["overdue"] == 1
    mine = json.loads(invoke("appraise", "disposals", "--under", "中共通关镇委员会", "--db", db, "--json").output)
    assert [d["person_name"] for d in mine["disposals"]] == ["戊"]
    closed = invoke("appraise", "close-disposal", "戊", "--result", "已按期改正", "--db", db, "--json")
    assert json.loads(closed.output)["disposal"]["closed_on"] == date.today().isoformat()
    by_id = invoke("appraise", "close-disposal", str(made["open_disposal"].id), "--on", "2012-03-01", "--db", db)
    assert by_id.exit_code == 0 and "甲" in by_id.output
    again = invoke("appraise", "close-disposal", "甲", "--db", db)
    assert again.exit_code == 2 and "没有未销号的组织处置" in again.output
    open_database(made["path"])
    assert Disposal.select().where(Disposal.closed_on.is_null()).count() == 0
    close_database()
    human = invoke("appraise", "disposals", "--db", db)
    assert human.exit_code == 0 and "没有未销号的组织处置" in human.output


def test_quota_lists_the_branches_over_it(made):
    db = made["db"]
    fine = invoke("appraise", "quota", "--year", "2011", "--db", db)
    assert fine.exit_code == 0 and "都没有超过比例上限" in fine.output
    assert invoke("config", "appraisal_excellent_max", "1/4", "--db", db).exit_code == 0
    data = json.loads(invoke("appraise", "quota", "--year", "2011", "--db", db, "--json").output)
    assert [(q["org_name"], q["limit"], q["excellent"], q["over"]) for q in data["quotas"]] == [
        ("新华村党支部", 0, 1, True)]
    one = json.loads(invoke("appraise", "quota", "通关村党支部", "--year", "2011", "--db", db, "--json").output)
    assert one["quotas"][0]["appraised"] == 3 and one["quotas"][0]["over"] is False


def test_stats_carries_the_third_ledger(made):
    data = json.loads(invoke("stats", "--db", made["db"], "--year", "2011", "--json").output)
    third = data["appraisal"]
    rows = {r["name"]: r for r in third["by_committee"]}
    assert list(rows) == ["中共联珠镇委员会", "中共通关镇委员会"]
    assert (rows["中共联珠镇委员会"]["members"], rows["中共联珠镇委员会"]["appraised"], rows["中共联珠镇委员会"]["exempt"]) == (5, 4, 1)
    assert (rows["中共通关镇委员会"]["qualified"], rows["中共通关镇委员会"]["unqualified"]) == (3, 1)
    assert (third["totals"]["appraised"], third["totals"]["disposals"], third["totals"]["disposals_open"]) == (8, 2, 1)
    stars = third["stars"]["totals"]
    assert (stars["branches"], stars["rated"], stars["confirmed"], stars["levels"]["5"]) == (4, 2, 1, 1)
    assert third["honours"]["totals"]["confirmed"]["excellent_member"] == 1
    human = invoke("stats", "--db", made["db"], "--year", "2011")
    assert human.exit_code == 0 and fits_80(human.lines)
    for words in ("民主评议党员情况", "星级评定情况", "基本合格", "评选表彰（确定/候选）：先进基层党组织 0/0，优秀共产党员 1/1"):
        assert words in human.output


def test_stats_of_a_ledger_without_appraisals_says_so(county):
    close_database()
    human = invoke("stats", "--db", str(county["path"]))
    assert human.exit_code == 0 and "民主评议党员、星级评定、评选表彰：尚无记录" in human.output
    data = json.loads(invoke("stats", "--db", str(county["path"]), "--json").output)
    assert data["appraisal"]["totals"]["members"] == 3 and data["appraisal"]["stars"]["totals"]["rated"] == 0


def test_stats_by_county_in_a_prefecture(prefecture):
    from pledgebook.models.appraisal import rules as appraising
    from pledgebook.models.store.tables import Person

    zhang = Person.get(Person.name == "张三")  # 墨江县 › 新华村党支部
    appraising.save_appraisal({"grade": "合格"}, person_id=zhang.id, year=2011)
    close_database()
    data = json.loads(invoke("stats", "--db", str(prefecture["path"]), "--by", "county", "--json").output)
    rows = data["appraisal"]["by_county"]
    assert [(r["name"], r["appraised"]) for r in rows] == [("墨江县", 1), ("宁洱县", 0)]
    human = invoke("stats", "--db", str(prefecture["path"]), "--by", "county")
    assert human.exit_code == 0 and fits_80(human.lines) and "星级评定情况" in human.output
    assert [r["name"] for r in data["appraisal"]["stars"]["by_county"]] == ["墨江县", "宁洱县"]


def test_without_a_terminal_nothing_waits(made, tmp_path):
    """stdin closed: a command that would ask says what to add instead and exits 2."""
    for args, says in ((["stars", "confirm-all", "--year", "2011"], "--yes"),
                       (["appraise", "dispose", "甲", "--kind", "限期改正", "--year", "2011"], "--due"),
                       (["print", "appraisal-notice", "-o", str(tmp_path / "n.xlsx")], "--published-on")):
        result = subprocess.run([sys.executable, "-m", "pledgebook", "--db", made["db"], *args],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        assert says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "n.xlsx").exists()


def test_a_closed_year_is_read_only_but_its_open_disposal_can_be_closed(made):
    db = made["db"]
    closing = invoke("rollover", "2011", "--yes", "--force", "--db", db, "--json")
    assert closing.exit_code == 0, closing.output
    refused = invoke("appraise", "set", "李四", "--comment", "补记", "--year", "2011", "--db", db)
    assert refused.exit_code == 2 and "2011" in refused.output and "关闭" in refused.output
    stars = invoke("stars", "propose", "--year", "2011", "--db", db)
    assert stars.exit_code == 2 and "关闭" in stars.output
    closed = invoke("appraise", "close-disposal", "甲", "--on", "2012-03-01", "--result", "已改正", "--db", db, "--json")
    assert closed.exit_code == 0, closed.output
    assert json.loads(closed.output)["disposal"]["closed_on"] == "2012-03-01"


def test_each_group_runs_in_a_fresh_process(made):
    """A fresh interpreter imports the third ledger in the order a command asks for it (no import cycle)."""
    for args in (["stats", "--year", "2011"], ["appraise", "list"], ["stars", "list"], ["honours", "list"]):
        result = subprocess.run([sys.executable, "-m", "pledgebook", "--db", made["db"], *args, "--json"],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)
