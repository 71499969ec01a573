"""The closed year's archive: its copy made beside its summary; a failing summary leaves the rollover done."""

from __future__ import annotations

import peewee

from pledgebook import yearend
from pledgebook.models.ledger import rules
from pledgebook.models.store import backup
from pledgebook.models.store.tables import WorkYear
from pledgebook.yearend import archive


def open_year() -> int:
    return max(wy.year for wy in WorkYear.select() if not wy.closed)


def test_a_failing_summary_query_is_reported_and_the_year_stays_closed(demo_path, monkeypatch):
    year = open_year()

    def failing(*_a, **_k):
        raise peewee.OperationalError("disk I/O error")

    monkeypatch.setattr(archive, "write_year_summary", failing)
    result = yearend.rollover(year, force=True)
    assert rules.year_state(year).closed and result.carried > 0
    assert result.archive is not None and result.archive.error is not None
    assert "归档失败" in result.archive.error and "disk I/O error" in result.archive.error
    monkeypatch.undo()
    again = yearend.rollover(year)  # already closed: writes what is missing
    assert again.already_closed and again.archive is not None and again.archive.error is None
    assert any(f.name.endswith("_summary.csv") for f in again.archive.files)


def test_the_archive_copy_and_summary_are_both_written(demo_path):
    year = open_year()
    result = yearend.rollover(year, force=True)
    assert result.archive is not None and result.archive.error is None
    copy, summary = result.archive.files[:2]
    assert copy.name.endswith(f"_closed-{year}.db") and backup.verify_backup(copy) >= 1
    assert summary.read_text(encoding="utf-8-sig").splitlines()[-1].startswith("合计")


def test_the_preview_just_shown_is_not_read_again_before_the_backup(demo_path, monkeypatch):
    from pledgebook.yearend import close

    year = open_year()
    pv = yearend.preview(year)
    calls = []
    real = close.carry_plan
    monkeypatch.setattr(close, "carry_plan", lambda *a, **k: calls.append(a) or real(*a, **k))
    result = yearend.rollover(year, force=True, planned=pv)
    assert len(calls) == 1  # only under the write lock
    assert result.carried == pv.to_carry and result.problems == len(pv.problems)
