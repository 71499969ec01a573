"""The command line as a script and a person use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from pledgebook.cli import app
from pledgebook.models.store.db import close_database

runner = CliRunner()


def invoke(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    close_database()
    return result


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.startswith("pledgebook ")


def test_init_from_a_script_then_stats_json(tmp_path):
    db = str(tmp_path / "c.db")
    result = invoke("init", "--db", db, "--name", "墨江哈尼族自治县", "--code", "530822", "--year", "2011", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["county"]["code"] == "530822"
    result = invoke("stats", "--db", db, "--json")
    data = json.loads(result.output)
    assert data["county"]["name"] == "墨江哈尼族自治县" and data["year"] == 2011
    assert data["totals"]["pledges"] == 0 and data["totals"]["orgs"] == 1


def test_init_without_terminal_and_missing_values_fails_clearly(tmp_path):
    result = invoke("init", "--db", str(tmp_path / "c.db"), "--name", "某县")
    assert result.exit_code == 2
    assert "缺少 --code、--year" in result.output


def test_init_refuses_a_bad_code_and_writes_nothing(tmp_path):
    db = tmp_path / "c.db"
    result = invoke("init", "--db", str(db), "--name", "某县", "--code", "12", "--year", "2011")
    assert result.exit_code == 2 and "6位数字" in result.output
    result = invoke("stats", "--db", str(db), "--json")
    assert result.exit_code == 2 and "pledgebook init" in json.loads(result.output)["error"]


def test_demo_then_stats_per_committee(tmp_path):
    db = str(tmp_path / "demo.db")
    result = invoke("demo", "--db", db, "--scale", "1000", "--seed", "5", "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)["counts"]
    assert counts["pledges"] == 1000 and counts["orgs"] > 700
    data = json.loads(invoke("stats", "--db", db, "--json").output)
    rows = data["by_committee"]
    assert len(rows) == 24
    assert sum(r["pledges"] for r in rows) == data["totals"]["pledges"]
    assert {"fulfilment_rate", "satisfaction_rate", "overdue", "rectification_open"} <= set(data["totals"])
    # the closed earlier year is there too
    older = json.loads(invoke("stats", "--db", db, "--json", "--year", str(data["year"] - 1)).output)
    assert older["year_closed"] is True
    human = invoke("stats", "--db", db)
    assert "合计" in human.output and "兑现率" in human.output


def test_demo_is_deterministic_for_a_seed(tmp_path):
    outputs = []
    for name in ("a.db", "b.db"):
        db = str(tmp_path / name)
        invoke("demo", "--db", db, "--scale", "500", "--seed", "9", "--json")
        outputs.append(json.loads(invoke("stats", "--db", db, "--json").output))
    assert outputs[0] == outputs[1]


def test_demo_refuses_a_file_with_data(tmp_path):
    db = str(tmp_path / "c.db")
    invoke("init", "--db", db, "--name", "某县", "--code", "530822", "--year", "2011")
    result = invoke("demo", "--db", db, "--scale", "500")
    assert result.exit_code == 2 and "空数据库" in result.output


def test_doctor_reports_ok_and_version(tmp_path):
    db = str(tmp_path / "d.db")
    invoke("demo", "--db", db, "--scale", "500", "--json")
    result = invoke("doctor", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["schema_version"] >= 2


def test_doctor_finds_unknown_codes(tmp_path):
    import sqlite3

    db = tmp_path / "d.db"
    invoke("demo", "--db", str(db), "--scale", "500", "--json")
    con = sqlite3.connect(db)
    con.execute("UPDATE pledge SET status = 'bogus' WHERE id = 1")
    con.commit()
    con.close()
    result = invoke("doctor", "--db", str(db))
    assert result.exit_code == 1 and "pledge.status=bogus" in result.output


def test_env_var_selects_the_database(tmp_path, monkeypatch):
    db = tmp_path / "env.db"
    monkeypatch.setenv("PLEDGEBOOK_DB", str(db))
    assert invoke("init", "--name", "某县", "--code", "530822", "--year", "2011").exit_code == 0
    assert db.exists()


def test_no_command_without_terminal_does_not_hang(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pledgebook", "--db", str(tmp_path / "x.db")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and "终端" in result.stderr


def test_python_m_pledgebook_help_runs_in_a_subprocess():
    result = subprocess.run([sys.executable, "-m", "pledgebook", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "承诺台账" in result.stdout


def test_newer_database_is_refused_by_every_command(tmp_path):
    import sqlite3

    db = tmp_path / "n.db"
    invoke("init", "--db", str(db), "--name", "某县", "--code", "530822", "--year", "2011")
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    before = Path(db).read_bytes()
    result = invoke("stats", "--db", str(db))
    assert result.exit_code == 2 and "更新版本" in result.output
    assert Path(db).read_bytes() == before


def test_config_lists_and_changes_settings(tmp_path):
    db = str(tmp_path / "c.db")
    invoke("init", "--db", db, "--name", "某县", "--code", "530822", "--year", "2011")
    listing = invoke("config", "--db", db)
    assert listing.exit_code == 0 and "监督电话" in listing.output
    assert invoke("config", "监督电话", "0879-2222222", "--db", db).exit_code == 0
    data = json.loads(invoke("config", "supervision_phone", "--db", db, "--json").output)
    assert data["settings"] == {"supervision_phone": "0879-2222222"}
    bad = invoke("config", "公示期", "abc", "--db", db)
    assert bad.exit_code == 2 and "整数" in bad.output


def test_db_before_the_command_name_is_honoured(tmp_path):
    db = tmp_path / "front.db"
    result = invoke("--db", str(db), "init", "--name", "某县", "--code", "530822", "--year", "2011")
    assert result.exit_code == 0, result.output
    data = json.loads(invoke("--db", str(db), "stats", "--json").output)
    assert data["county"]["name"] == "某县"


def test_stats_by_county_shows_the_second_ledger_per_county(prefecture):
    """A prefecture file: both ledgers per county, in JSON and text, the same rows as the report's."""
    db = str(prefecture["path"])
    close_database()
    data = json.loads(invoke("stats", "--db", db, "--by", "county", "--json").output)
    assert [c["name"] for c in data["by_county"]] == ["墨江县", "宁洱县"]
    help_ = data["help"]
    assert help_["as_of"] == "2011-12-31"
    rows = {r["name"]: r for r in help_["by_county"]}
    assert list(rows) == ["墨江县", "宁洱县"] and rows["墨江县"]["kind"] == "county"
    mojiang, ninger = rows["墨江县"], rows["宁洱县"]
    assert (mojiang["contact_points"], mojiang["stationed_cadres"], mojiang["logs"]) == (1, 0, 2)
    assert mojiang["work"]["visit"] == {"households": 12, "person_times": 30} and mojiang["measures"]["funds"] == 2.5
    assert (mojiang["villages"], mojiang["villages_covered"], mojiang["coverage_rate"]) == (2, 1, 0.5)
    assert (ninger["contact_points"], ninger["stationed_cadres"], ninger["logs"]) == (1, 1, 2)
    assert ninger["work"]["solve"] == {"units": 3} and ninger["work"]["mediate"] == {"cases": 2}
    assert ninger["contact_points_by_kind"]["school"] == 1 and ninger["coverage_rate"] == 1.0
    totals = help_["totals"]
    assert (totals["contact_points"], totals["stationed_cadres"], totals["logs"], totals["villages_covered"]) == (2, 1, 4, 3)
    for key in ("contact_points", "stationed_cadres", "logs", "villages", "villages_covered"):
        assert sum(r[key] for r in rows.values()) == totals[key]
    assert help_["uncovered_villages"] == [
        {"name": "碧溪村党支部", "code": None, "township": "联珠镇", "committee": "墨江县", "county": "墨江县"}
    ]
    # nothing logged since 2011-09-30: all three holders, each with their county
    assert sorted((p["name"], p["county"]) for p in help_["idle_people"]) == [
        ("张三", "墨江县"), ("李四", "宁洱县"), ("王五", "宁洱县")]
    # CampaignBook's figures, as the report's 四帮四促 sheet has them
    from pledgebook.models.campaign.figures import CampaignBook
    from pledgebook.models.store.db import open_database

    open_database(prefecture["path"])
    book = CampaignBook(2011)
    assert totals == book.subtree(book.root_id()).as_dict()
    close_database()

    human = invoke("stats", "--db", db, "--by", "county")
    assert human.exit_code == 0, human.output
    assert "县（区）" in human.output and "┃ 党委" not in human.output
    assert "墨江县·碧溪村党支部" in human.output
    # without --by the rows are the counties still, and labelled so
    plain = invoke("stats", "--db", db)
    assert "县（区）" in plain.output and "┃ 党委" not in plain.output
    data = json.loads(invoke("stats", "--db", db, "--json").output)
    assert [r["name"] for r in data["help"]["by_committee"]] == ["墨江县", "宁洱县"]


def test_stats_by_county_in_a_county_file_is_the_county(county):
    close_database()
    data = json.loads(invoke("stats", "--db", str(county["path"]), "--by", "county", "--json").output)
    assert [r["name"] for r in data["by_county"]] == ["墨江哈尼族自治县"]
    assert [r["name"] for r in data["help"]["by_county"]] == ["墨江哈尼族自治县"]
    assert data["help"]["by_county"][0]["villages"] == data["help"]["totals"]["villages"] == 2
    human = invoke("stats", "--db", str(county["path"]), "--by", "county")
    assert "县（区）" in human.output and "墨江哈尼族自治县" in human.output
