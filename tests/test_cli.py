"""The command line as a script and a person use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from pledgebook.cli import app
from pledgebook.models.db import close_database

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
