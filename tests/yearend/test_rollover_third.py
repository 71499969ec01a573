"""The rollover and the third ledger (奖诺): a closed year's appraisals, stars and honours are read-only; its
open 组织处置 are listed, counted, carried and still closed in the next year; the archive holds the third
ledger's figures; reopening still works; a refused or failed rollover leaves nothing half-applied."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from pledgebook import yearend
from pledgebook.models.appraisal import rules as awards
from pledgebook.models.appraisal.figures import appraisal_table
from pledgebook.models.core.errors import YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import (
    Appraisal,
    AuditLog,
    Disposal,
    Honour,
    StarRating,
    WorkYear,
    database,
)
from pledgebook.yearend.appraisal import has_records

CLOSED = "年度已关闭，只能查看，不能修改"


def open_year() -> int:
    return max(wy.year for wy in WorkYear.select() if not wy.closed)


@pytest.fixture
def december(demo_path):
    """The demo county's last year but one, reopened (so that a 处置 carried out of it can be closed in the
    next year on a day that has already come): every member appraised (a 处置 for each 基本合格/不合格, some
    still open), every branch's stars, the honours. Returns the year."""
    year = open_year() - 1
    if rules.year_state(year).closed:
        yearend.reopen(year, take_backup=False)
    for table in (Appraisal, StarRating, Honour):
        assert table.select().where(table.year == year).exists(), table.__name__
    return year


def _state() -> str:
    """Every record of both ledgers the rollover could touch, and the years and settings: one digest."""
    h = hashlib.sha256()
    for table in ("work_year", "pledge", "appraisal", "disposal", "star_rating", "honour", "setting", "audit_log"):
        for row in database.execute_sql(f"SELECT * FROM {table} ORDER BY 1").fetchall():
            h.update(repr(row).encode())
    return h.hexdigest()


def test_the_plan_lists_the_open_disposals_and_the_rollover_carries_them(december):
    year = december
    open_ones = awards.open_disposals(year)
    assert open_ones, "the demo carries some 处置 into the next year"
    pv = yearend.preview(year)
    assert [(d.disposal_id, d.due_date) for d in pv.disposals] == [(d.disposal_id, d.due_date) for d in open_ones]
    assert [d.due_date for d in pv.disposals] == sorted(d.due_date for d in pv.disposals)
    assert pv.notes == [f"组织处置未销号 {len(open_ones)} 项，结转下一年度继续办理"]
    assert not {p.kind for p in pv.problems} - set(yearend.PROBLEM_KINDS)  # not a problem: they do not block
    listed = pv.as_dict()
    assert listed["disposals_open"] == len(open_ones) and listed["notes"] == pv.notes
    assert listed["disposals"][0]["due_date"] == open_ones[0].due_date.isoformat() and listed["disposals"][0]["person"]

    result = yearend.rollover(year, force=True, planned=pv)
    assert result.disposals_carried == len(open_ones) and result.as_dict()["notes"] == pv.notes
    note = AuditLog.select().where(AuditLog.action == "close_year").order_by(AuditLog.id.desc()).get().note
    assert f"组织处置未销号 {len(open_ones)} 项，结转下一年度继续办理" in note

    # after the rollover: the closed year's 处置 is closed in the next year, and no longer listed as open
    first = open_ones[0]
    closed = awards.close_disposal(first.disposal_id, date(year + 1, 1, 20), "已按期改正")
    assert closed.closed_on == date(year + 1, 1, 20)
    assert [d.disposal_id for d in awards.open_disposals(year)] == [d.disposal_id for d in open_ones[1:]]
    # but nothing else of it changes, and it cannot be closed on a day of the closed year
    with pytest.raises(YearClosed, match=CLOSED):
        awards.save_disposal({"note": "补记"}, appraisal_id=first.appraisal_id, disposal_id=first.disposal_id)
    with pytest.raises(YearClosed):
        awards.close_disposal(open_ones[1].disposal_id, date(year, 12, 30), "已改正")


def test_a_closed_years_appraisals_stars_and_honours_are_read_only(december):
    year = december
    yearend.rollover(year, force=True)
    appraisal = Appraisal.select().where(Appraisal.year == year, Appraisal.grade == "qualified").first()
    with pytest.raises(YearClosed, match=CLOSED):
        awards.save_appraisal({"comment": "补充意见"}, person_id=appraisal.person_id, year=year,
                              appraisal_id=appraisal.id)
    with pytest.raises(YearClosed, match=CLOSED):
        awards.delete_appraisal(appraisal.id)
    rating = StarRating.select().where(StarRating.year == year).first()
    with pytest.raises(YearClosed, match=CLOSED):
        awards.confirm_stars(rating.org_id, year, 3)
    with pytest.raises(YearClosed, match=CLOSED):
        awards.score(rating.org_id, year, {"leadership": 10})
    honour = Honour.select().where(Honour.year == year).first()
    with pytest.raises(YearClosed, match=CLOSED):
        awards.decide(honour.id, "declined")
    with pytest.raises(YearClosed, match=CLOSED):
        awards.add_candidate("advanced_org", year, org_id=rating.org_id, reason="补报")


def test_the_archive_holds_the_third_ledgers_figures(december):
    year = december
    total = appraisal_table(year)[-1]
    result = yearend.rollover(year, force=True)
    assert result.archive is not None and result.archive.error is None
    [csv] = [f for f in result.archive.files if f.name.endswith(f"_{year}_appraisal.csv")]
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == f"{year}年度民主评议党员情况统计表"
    total_line = next(line for line in lines if line.startswith("合计,"))
    assert total_line.split(",")[1:4] == [str(total.members), str(total.appraised), str(total.exempt)]
    assert f"{year}年度星级评定情况" in lines and f"{year}年度评选表彰情况" in lines
    # a year without any record of the third ledger gets no such table
    assert not has_records(year - 10)


def test_reopening_still_works_after_a_disposal_was_closed_in_the_next_year(december):
    year = december
    yearend.rollover(year, force=True)
    first = awards.open_disposals(year)[0]
    awards.close_disposal(first.disposal_id, date(year + 1, 2, 1), "已改正")
    yearend.reopen(year)
    assert not rules.year_state(year).closed
    assert Disposal.get_by_id(first.disposal_id).closed_on == date(year + 1, 2, 1)
    awards.score(StarRating.select().where(StarRating.year == year).first().org_id, year, {"leadership": 15})


def test_a_refused_rollover_changes_nothing(december):
    year = december
    before = _state()
    with pytest.raises(yearend.RolloverBlocked):
        yearend.rollover(year)  # the demo has problems: refused without --force
    assert _state() == before and not rules.year_state(year).closed


@pytest.mark.parametrize("point", ["after-open-year", "after-insert", "after-update", "before-commit"])
def test_a_rollover_failing_midway_leaves_nothing_half_applied(december, point):
    """A failure between the writes (as a full disk would): the one transaction rolls back whole."""
    year = december
    before = _state()

    def fail(name: str) -> None:
        if name == point:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        yearend.rollover(year, force=True, on_point=fail, take_backup=False)
    assert _state() == before
    assert not rules.year_state(year).closed and awards.open_disposals(year)


def test_the_rollover_command_shows_the_open_disposals(december, demo_path):
    from typer.testing import CliRunner

    from pledgebook.cli import app
    from pledgebook.models.store.db import close_database, open_database

    first = awards.open_disposals(december)[0]
    close_database()
    try:
        shown = CliRunner().invoke(app, ["rollover", str(december), "--dry-run", "--db", str(demo_path)])
    finally:
        close_database()
        open_database(demo_path)
    assert "组织处置未销号" in shown.output and "结转下一年度继续办理" in shown.output
    assert f"{first.person_name} 整改期限 {first.due_date}" in shown.output
