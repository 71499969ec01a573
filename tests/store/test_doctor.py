"""``pledgebook doctor``: what it finds, its --json, and its exit codes."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PB = [sys.executable, "-m", "pledgebook"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("doctor")
    db = folder / "demo.db"
    subprocess.run([*PB, "demo", "--db", str(db), "--scale", "500", "--json"], check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    return db


@pytest.fixture
def ledger(template, tmp_path) -> Path:
    db = tmp_path / "ledger.db"
    shutil.copyfile(template, db)
    return db


def doctor(db: Path, *extra: str) -> tuple[int, dict | str]:
    """The command in process (fast); the first test also runs it as a process."""
    from typer.testing import CliRunner

    from pledgebook.cli import app
    from pledgebook.models.store.db import close_database

    try:
        result = CliRunner().invoke(app, ["doctor", "--db", str(db), *extra])
    finally:
        close_database()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if "--json" in extra:
        return result.exit_code, json.loads(result.output)
    return result.exit_code, result.output


def damage(db: Path, *sql: str) -> None:
    con = sqlite3.connect(db)
    con.execute("PRAGMA foreign_keys = OFF")  # what a hand edit or an old tool could do
    for statement in sql:
        con.execute(statement)
    con.commit()
    con.close()


def check(report: dict, name: str) -> dict:
    return next(c for c in report["checks"] if c["name"] == name)


def test_a_healthy_ledger_passes_and_json_says_what_it_checked(ledger):
    done = subprocess.run([*PB, "doctor", "--db", str(ledger), "--json"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    code, report = done.returncode, json.loads(done.stdout)
    assert code == 0 and report["ok"]
    assert {c["name"] for c in report["checks"]} >= {"完整性检查", "外键检查", "结构版本", "孤立记录", "代码表", "WAL 日志", "备份"}
    from pledgebook.models.store import migrations

    assert report["schema_version"] == migrations.LATEST
    assert isinstance(report["wal_bytes"], int)
    # no backup yet: a warning, not a failure
    assert report["backups"] == 0 and "备份" in report["warnings"]
    subprocess.run([*PB, "backup", "--db", str(ledger), "--json"], check=True, capture_output=True, stdin=subprocess.DEVNULL)
    code, report = doctor(ledger, "--json")
    assert code == 0 and report["backups"] == 1 and report["warnings"] == []


@pytest.mark.parametrize("sql, table", [
    ("DELETE FROM pledge WHERE id = (SELECT pledge_id FROM progress LIMIT 1)", "践诺记录"),
    ("DELETE FROM pledge WHERE id = (SELECT pledge_id FROM evaluation LIMIT 1)", "评诺"),
    ("UPDATE pledge SET person_id = 999999 WHERE id = (SELECT min(id) FROM pledge WHERE person_id IS NOT NULL)", "承诺"),
    ("UPDATE pledge SET org_id = 999999 WHERE id = 1", "承诺"),
    ("UPDATE person SET org_id = 999999 WHERE id = 1", "人员"),
    ("UPDATE help_log SET person_id = 999999 WHERE id = (SELECT min(id) FROM help_log)", "帮扶记录"),
])
def test_orphans_in_any_table_fail(ledger, sql, table):
    damage(ledger, sql)
    code, report = doctor(ledger, "--json")
    assert code == 1 and not report["ok"]
    lost = check(report, "孤立记录")
    assert not lost["ok"] and any(table in item for item in lost["items"]), lost


def test_live_records_under_a_deleted_org_are_reported(ledger):
    damage(ledger, "UPDATE org SET deleted_at = '2011-01-01' WHERE id = (SELECT org_id FROM pledge LIMIT 1)")
    code, report = doctor(ledger, "--json")
    assert code == 1 and any("已删除的党组织" in i for i in check(report, "孤立记录")["items"])


@pytest.mark.parametrize("sql, shown", [
    ("UPDATE help_log SET kind = 'dance' WHERE id = (SELECT min(id) FROM help_log)", "help_log.kind=dance"),
    ("UPDATE contact_point SET kind = 'moon' WHERE id = (SELECT min(id) FROM contact_point)", "contact_point.kind=moon"),
    ("UPDATE stationing SET role = 'king' WHERE id = (SELECT min(id) FROM stationing)", "stationing.role=king"),
    ("UPDATE pledge SET category = 'nonsense' WHERE id = 1", "pledge.category=nonsense"),
    ("UPDATE evaluation SET grade = 'meh' WHERE id = (SELECT min(id) FROM evaluation)", "evaluation.grade=meh"),
    ("UPDATE evaluation SET grade = 'excellent' WHERE id = (SELECT min(id) FROM evaluation WHERE kind = 'public')",
     "群众评议的等次不能是「优秀」"),
    ("UPDATE org SET sector = 'mars' WHERE id = 2", "org.sector=mars"),
    ("UPDATE person SET gender = 'x' WHERE id = 1", "person.gender=x"),
    ("UPDATE pledge SET term = 'forever' WHERE id = 1", "pledge.term=forever"),
])
def test_unknown_codes_fail_and_are_named(ledger, sql, shown):
    damage(ledger, sql)
    code, text = doctor(ledger)
    assert code == 1 and shown in text, text


def test_a_newer_file_is_refused_untouched(ledger):
    from pledgebook.models.store import migrations

    damage(ledger, f"PRAGMA user_version = {migrations.LATEST + 1}")
    before = ledger.read_bytes()
    code, text = doctor(ledger)
    assert code == 2 and "更新版本" in text
    assert ledger.read_bytes() == before


def test_a_big_wal_is_reported(ledger, monkeypatch):
    from pledgebook.models.store import health
    from pledgebook.models.store.db import close_database, open_database

    open_database(ledger)
    try:
        monkeypatch.setattr(health, "WAL_LIMIT", 0)
        report = health.check(ledger)
    finally:
        close_database()
    assert not report["ok"] and not check(report, "WAL 日志")["ok"]
