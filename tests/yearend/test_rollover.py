"""Year-end rollover: preview, carry forward, idempotence, the closed year, reopen, crashes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pledgebook import yearend
from pledgebook.cli import app
from pledgebook.models.core.errors import YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.ledger.figures import FigureBook
from pledgebook.models.store.db import close_database, open_database
from pledgebook.models.store.tables import AuditLog, Pledge

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("rollover_driver.py")  # a rollover that waits at a named point, to be killed there
TODAY = date(2030, 6, 1)  # a fixed "today" so that 逾期 does not move while a test runs
runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    close_database()
    return result


def open_year() -> int:
    return rules.open_years()[-1]


def book_dict(year: int) -> dict:
    """Every figure of a year, per org and category, as plain data."""
    book = FigureBook(year, today=TODAY)
    return {f"{k[0]}/{k[1]}": v.as_dict() for k, v in sorted(book.raw.items())}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------ the demo county


def test_rollover_on_the_demo_county(demo_path):
    year = open_year()
    pv = yearend.preview(year)
    assert pv.to == year + 1 and not pv.to_exists and not pv.already_closed
    assert pv.blocked and pv.to_carry > 0
    assert pv.total == pv.to_carry + pv.already_final + pv.staying
    assert set(pv.problem_counts) <= set(yearend.PROBLEM_KINDS)
    assert all(p.org and p.pledger and p.committee for p in pv.problems)
    with pytest.raises(yearend.RolloverBlocked) as blocked:
        yearend.rollover(year)
    assert "--force" in blocked.value.message
    assert not rules.year_state(year).closed

    before = FigureBook(year, today=TODAY).subtree()
    old_open = {p.id: p for p in Pledge.select().where((Pledge.year == year) & Pledge.status.in_(pv.carry))}
    result = yearend.rollover(year, force=True)
    assert result.carried == pv.to_carry and result.opened_next and result.forced
    assert result.backup is not None and result.backup.exists()
    assert result.archive is not None and result.archive.error is None
    assert rules.year_state(year).closed and not rules.year_state(year + 1).closed

    # counts carried equal the preview, per 党委 and category
    new = list(Pledge.select().where((Pledge.year == year + 1) & Pledge.carried_from.is_null(False)))
    assert len(new) == pv.to_carry
    _orgs, committee = yearend.org_lookup()
    got = Counter((committee[p.org_id][0], p.category) for p in new)
    assert got == {(r.committee_id, r.category): r.count for r in pv.rows}

    # the links point back; the old ones are 已结转; same pledger, category, content, measures
    for p in new:
        old = Pledge.get_by_id(p.carried_from_id)
        assert old.year == year and old.status == "carried" and old.id in old_open
        assert (p.org_id, p.person_id, p.category, p.content, p.measures, p.scope) == (
            old.org_id, old.person_id, old.category, old.content, old.measures, old.scope
        )
        assert p.status == "in_progress" and p.deleted_at is None
        assert p.due_date == yearend.new_due(old.due_date, year + 1, "keep-month-day")
    statuses_left = Counter(p.status for p in Pledge.select().where(Pledge.id.in_(list(old_open))))
    assert statuses_left["carried"] == pv.to_carry
    assert sum(statuses_left.values()) - pv.to_carry == pv.problem_counts.get("pledger_gone", 0)

    # the closed year's figures: nothing but the carried statuses moved
    after = FigureBook(year, today=TODAY).subtree()
    for name in ("pledges", "evaluations", "ballots_issued", "ballots_valid", "votes_satisfied", "votes_basic",
                 "votes_unsatisfied", "rectification_open", "orgs_pledged", "people_pledged"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.fulfilled == before.fulfilled
    assert after.by_status.get("carried", 0) - before.by_status.get("carried", 0) == pv.to_carry

    # everything went to the audit log
    assert AuditLog.select().where(AuditLog.action == "carry").count() == pv.to_carry
    assert AuditLog.select().where((AuditLog.action == "create") & (AuditLog.table == "pledge")).count() >= pv.to_carry
    assert AuditLog.select().where(AuditLog.action == "close_year").count() == 1

    # the archive: the closed year's backup and its CSV summary (UTF-8 with BOM)
    files = result.archive.files
    assert any(f.suffix == ".db" for f in files)
    csv_file = next(f for f in files if f.suffix == ".csv")
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("党委,承诺数") and "合计" in text


def test_the_closed_year_is_read_only_and_its_figures_stay(demo_path):
    year = open_year()
    yearend.rollover(year, force=True)
    at_closing = book_dict(year)
    old = Pledge.select().where((Pledge.year == year) & (Pledge.status == "fulfilled")).first()
    carried_old = Pledge.select().where((Pledge.year == year) & (Pledge.status == "carried")).first()
    some_org = old.org_id
    for attempt in (
        lambda: rules.create_pledge(year, "新承诺", org_id=some_org),
        lambda: rules.update_pledge(old.id, content="改写"),
        lambda: rules.set_status(carried_old.id, "已兑现"),
        lambda: rules.add_progress(old.id, "补记"),
        lambda: rules.record_evaluation(old.id, "自评", grade="好"),
        lambda: rules.soft_delete("pledge", old.id),
    ):
        with pytest.raises(YearClosed):
            attempt()
    # rolling into a closed year is refused too
    rules.open_year(year + 3)
    rules.close_year(year + 3)
    with pytest.raises(YearClosed):
        yearend.rollover(year + 1, to=year + 3, force=True)
    # life goes on in the new year without touching the closed one
    new = Pledge.select().where(Pledge.year == year + 1).first()
    rules.update_pledge(new.id, content="新年度改写")
    rules.add_progress(new.id, "一季度进展")
    rules.create_pledge(year + 1, "新年度的新承诺", org_id=some_org)
    from pledgebook.models.store import backup

    backup.backup()
    assert book_dict(year) == at_closing


def test_rollover_is_idempotent(demo_path):
    year = open_year()
    first = yearend.rollover(year, force=True)
    pledges = Pledge.select().count()
    audits = AuditLog.select().count()
    again = yearend.rollover(year, force=True)
    assert again.already_closed and again.carried == 0 and again.backup is None
    assert Pledge.select().count() == pledges and AuditLog.select().count() == audits
    assert first.carried > 0
    result = invoke("rollover", str(year), "--db", str(demo_path), "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["already_closed"] is True and data["carried"] == 0


def test_dry_run_leaves_the_file_byte_for_byte(demo_path):
    year = open_year()
    close_database()
    for side in ("-wal", "-shm"):
        assert not Path(str(demo_path) + side).exists()
    digest = sha(demo_path)
    result = invoke("rollover", str(year), "--db", str(demo_path), "--dry-run", "--json")
    assert result.exit_code == 1  # problems block a real rollover: scripts can tell
    data = json.loads(result.output)
    assert data["dry_run"] and data["blocked"] and data["preview"]["to_carry"] > 0
    result = invoke("rollover", str(year), "--db", str(demo_path), "--dry-run", "--force")
    assert result.exit_code == 0 and "未作任何改动" in result.output
    assert sha(demo_path) == digest
    assert not (demo_path.parent / "backups").exists() and not (demo_path.parent / "archive").exists()


def test_without_a_terminal_the_cli_needs_yes(demo_path):
    year = open_year()
    close_database()
    result = invoke("rollover", str(year), "--db", str(demo_path), "--force")
    assert result.exit_code == 2 and "--yes" in result.output
    open_database(demo_path)
    assert not rules.year_state(year).closed
    close_database()
    result = invoke("rollover", str(year), "--db", str(demo_path), "--yes")
    assert result.exit_code == 1 and "--force" in result.output
    result = invoke("rollover", str(year), "--db", str(demo_path), "--yes", "--force", "--due", "year-end")
    assert result.exit_code == 0, result.output
    assert "已结转" in result.output or "结转到" in result.output


# ------------------------------------------------------------------ a hand-made county


def _small_year(county):
    y = county["year"]
    p1 = rules.create_pledge(y, "带头发展核桃种植20亩", person_id=county["zhang"].id, category="development",
                             measures="引进良种", due_date=date(y, 2, 28))
    rules.record_evaluation(p1.id, "自评", grade="好", date=date(y, 6, 1))
    p2 = rules.create_pledge(y, "调解纠纷10起", person_id=county["li"].id, category="harmony", due_date=date(y, 9, 30))
    rules.set_status(p2.id, "部分兑现", on=date(y, 11, 1))
    ev = rules.record_evaluation(p2.id, "群众评议", votes_satisfied=5, votes_basic=2, votes_unsatisfied=3,
                                 date=date(y, 11, 2))
    rules.set_rectification(ev.id, date(y, 12, 20))
    p3 = rules.create_pledge(y, "规范活动室", org_id=county["b1"].id, category="grassroots")
    rules.set_status(p3.id, "已兑现", on=date(y, 10, 1))
    rules.record_evaluation(p3.id, "组织评定", grade="优秀", date=date(y, 10, 2))
    p4 = rules.create_pledge(y, "还在拟定的承诺", person_id=county["wang"].id, status="拟定")
    p5 = rules.create_pledge(y, "代办事项50件", person_id=county["wang"].id, due_date=date(y, 12, 1))
    return p1, p2, p3, p4, p5


def test_preview_lists_the_blocking_problems_by_org_and_pledger(county):
    p1, p2, p3, p4, p5 = _small_year(county)
    pv = yearend.preview(county["year"])
    assert pv.to_carry == 3 and pv.already_final == 1 and pv.staying == 1
    kinds = {(p.kind, p.pledge_id) for p in pv.problems}
    assert kinds == {("rectification_open", p2.id), ("draft", p4.id), ("never_evaluated", p5.id)}
    by_id = {p.pledge_id: p for p in pv.problems}
    assert by_id[p5.id].pledger == "王五" and by_id[p5.id].org == "碧溪村党支部"
    assert by_id[p5.id].committee == "中共联珠镇委员会"
    assert by_id[p2.id].detail.endswith(f"{county['year']}-12-20")
    # a member transferred away cannot carry a pledge forward
    rules.update_person(county["wang"].id, state="转出")
    pv = yearend.preview(county["year"])
    assert pv.to_carry == 2 and ("pledger_gone", p5.id) in {(p.kind, p.pledge_id) for p in pv.problems}


def test_overdue_of_a_closed_year_is_counted_as_of_closing(county):
    y = county["year"]
    _small_year(county)
    yearend.rollover(y, carry="unfulfilled", force=True)  # p1 and p5 stay open in the closed year
    database = Pledge._meta.database
    database.execute_sql("UPDATE work_year SET closed_at = ? WHERE year = ?", [f"{y}-11-15 10:00:00", y])
    # p5 is due on 12-01: not overdue when the year was closed on 11-15, whatever today is
    assert FigureBook(y).subtree().overdue == FigureBook(y, today=date(y, 11, 15)).subtree().overdue
    # …and whatever day a caller (the report, the pledge list) counts on: a closed year's 逾期 never grows
    assert FigureBook(y).subtree().overdue == FigureBook(y, today=date(y + 1, 1, 1)).subtree().overdue
    assert FigureBook(y, today=date(y, 2, 1)).subtree().overdue < FigureBook(y).subtree().overdue


def test_due_rules_and_carry_choice(county):
    y = county["year"]
    p1, p2, p3, p4, p5 = _small_year(county)
    assert yearend.new_due(date(2011, 2, 28), 2012, "keep-month-day") == date(2012, 2, 28)
    assert yearend.new_due(date(2012, 2, 29), 2013, "keep-month-day") == date(2013, 2, 28)
    assert yearend.new_due(date(2013, 3, 1), 2012, "keep-month-day") == date(2013, 3, 1)
    assert yearend.new_due(None, 2012, "keep-month-day") is None
    assert yearend.new_due(None, 2012, "year-end") == date(2012, 12, 31)
    with pytest.raises(rules.ValidationError):
        yearend.preview(y, carry="fulfilled")
    with pytest.raises(rules.ValidationError):
        yearend.preview(y, to=y)
    result = yearend.rollover(y, carry="践诺中,draft", due_rule="year-end", force=True)
    assert result.carried == 3  # p1, p4 (拟定), p5; p2 (部分兑现) stays
    new = {p.carried_from_id: p for p in Pledge.select().where(Pledge.year == y + 1)}
    assert set(new) == {p1.id, p4.id, p5.id}
    assert all(p.due_date == date(y + 1, 12, 31) and p.status == "in_progress" for p in new.values())
    assert Pledge.get_by_id(p2.id).status == "partly"


# ------------------------------------------------------------------ reopen


def test_reopen_restores_the_state_before(county):
    y = county["year"]
    _small_year(county)
    before = book_dict(y)
    statuses = {p.id: p.status for p in Pledge.select()}
    result = yearend.rollover(y, force=True)
    assert result.carried == 3
    check = yearend.reopen_check(y)
    assert check.ok and check.has_record and check.carried == 3
    undone = yearend.reopen(y)
    assert undone.undone == 3 and undone.backup is not None
    assert not rules.year_state(y).closed
    assert {p.id: p.status for p in Pledge.select().where(Pledge.deleted_at.is_null())} == statuses
    assert book_dict(y) == before
    assert FigureBook(y + 1, today=TODAY).subtree().pledges == 0
    assert AuditLog.select().where(AuditLog.action == "reopen_year").count() == 1
    # and again: a second rollover of the reopened year works
    assert yearend.rollover(y, force=True).carried == 3


def test_reopen_refuses_when_carried_pledges_changed(county):
    y = county["year"]
    _small_year(county)
    yearend.rollover(y, force=True)
    carried = Pledge.select().where(Pledge.year == y + 1).order_by(Pledge.id)
    rules.update_pledge(carried[0].id, measures="新的措施")
    rules.add_progress(carried[1].id, "已开始")
    check = yearend.reopen_check(y)
    assert not check.ok and len(check.blockers) == 2
    assert any("已被修改" in b.text for b in check.blockers)
    assert any("践诺记录" in b.text for b in check.blockers)
    with pytest.raises(yearend.ReopenBlocked) as exc:
        yearend.reopen(y)
    assert "不能重新开启" in exc.value.message
    assert rules.year_state(y).closed
    close_database()
    result = invoke("reopen", str(y), "--db", str(county["path"]), "--yes")
    assert result.exit_code == 1 and "已被修改" in result.output
    result = invoke("reopen", str(y), "--db", str(county["path"]))
    assert result.exit_code == 1  # the blockers are reported before any question


def test_reopen_needs_yes_without_a_terminal_and_refuses_an_open_year(county):
    y = county["year"]
    _small_year(county)
    with pytest.raises(rules.ValidationError):
        yearend.reopen_check(y)
    yearend.rollover(y, force=True)
    close_database()
    result = invoke("reopen", str(y), "--db", str(county["path"]))
    assert result.exit_code == 2 and "--yes" in result.output
    result = invoke("reopen", str(y), "--db", str(county["path"]), "--yes", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["undone"] == 3


# ------------------------------------------------------------------ kill -9 in the middle

POINTS = ["after-open-year", "after-insert", "after-update", "before-commit", "after-commit"]


def _state(path: Path) -> tuple:
    con = sqlite3.connect(str(path))
    try:
        return (
            tuple(con.execute("SELECT year, closed FROM work_year ORDER BY year")),
            tuple(con.execute("SELECT year, status, count(*) FROM pledge GROUP BY 1, 2 ORDER BY 1, 2")),
            con.execute("SELECT count(*) FROM pledge WHERE source = 'carried'").fetchone(),
            con.execute("SELECT count(*) FROM audit_log").fetchone(),
            con.execute("SELECT count(*) FROM setting WHERE key LIKE 'rollover.%'").fetchone(),
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from pledgebook.demo.pledges import build_demo

    path = tmp_path_factory.mktemp("kill") / "template.db"
    open_database(path)
    build_demo(total_pledges=2_000, seed=11)
    year = open_year()
    close_database()
    before = _state(path)
    done = path.with_name("done.db")
    shutil.copyfile(path, done)
    cmd = [sys.executable, "-m", "pledgebook", "rollover", str(year), "--force", "--yes", "--db", str(done)]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    return path, year, before, _state(done)


def _fresh_copy(template_path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "ledger.db"
    shutil.copyfile(template_path, target)
    return target


def _doctor_passes(path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pledgebook", "doctor", "--db", str(path), "--json"],
        capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["ok"]


def test_the_caller_is_told_each_point_in_order(county):
    """The points the kill test stops at are reached in this order, once each (the driver relies on it)."""
    y = county["year"]
    _small_year(county)
    seen: list[str] = []
    result = yearend.rollover(y, force=True, take_backup=False, on_point=seen.append)
    assert result.carried == 3 and seen == POINTS
    seen.clear()
    yearend.rollover(y, force=True, take_backup=False, on_point=seen.append)  # already closed: no writes, no points
    assert seen == []


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("point", POINTS)
def test_a_kill_at_any_point_leaves_before_or_after(template, tmp_path, point):
    path, year, before, after = template
    db = _fresh_copy(path, tmp_path / point)
    marker = tmp_path / f"{point}.reached"
    path_env = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path_env, "PYTHONUTF8": "1"}
    driver = [sys.executable, str(DRIVER), str(db), str(year), point, str(marker)]
    proc = subprocess.Popen(driver, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the hook was never reached"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state = _state(db)
    assert state == (after if point == "after-commit" else before)
    _doctor_passes(db)
    # and a new run of the command finishes the job (or says it is done)
    cmd = [sys.executable, "-m", "pledgebook", "rollover", str(year), "--force", "--yes", "--db", str(db)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stdout + out.stderr
    assert _state(db) == after


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_kills_at_random_moments(template, tmp_path):
    from crashkit import kill_loop

    path, year, before, after = template

    def check(db: Path) -> str:
        state = _state(db)
        _doctor_passes(db)
        return "after" if state == after else "before" if state == before else repr(state)

    outcomes = kill_loop(
        lambda target: shutil.copyfile(path, target),
        lambda db: [sys.executable, "-m", "pledgebook", "rollover", str(year), "--force", "--yes", "--db", str(db)],
        check,
        tmp_path,
        max_delay=1.2,
        seed=2011,
    )
    assert sum(outcomes.values()) >= 1


def test_on_a_terminal_the_preview_is_shown_and_confirmed(county, monkeypatch):
    import pledgebook.cli.yearend as yearend

    y = county["year"]
    _small_year(county)
    close_database()
    monkeypatch.setattr(yearend, "interactive", lambda: True)
    db = str(county["path"])
    result = runner.invoke(app, ["rollover", str(y), "--db", db, "--force"], input="n\n")
    close_database()
    assert result.exit_code == 0, result.output
    assert "结转预览" in result.output and "王五" in result.output and "已取消" in result.output
    open_database(county["path"])
    assert not rules.year_state(y).closed
    close_database()
    result = runner.invoke(app, ["rollover", str(y), "--db", db, "--force"], input="y\n")
    close_database()
    assert result.exit_code == 0, result.output
    assert f"已关闭{y}年度，3 条承诺已结转到{y + 1}年度" in result.output
    result = runner.invoke(app, ["reopen", str(y), "--db", db], input="y\n")
    close_database()
    assert result.exit_code == 0 and "撤销了 3 条结转承诺" in result.output
