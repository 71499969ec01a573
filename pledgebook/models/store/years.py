"""Work years: which are open, which are closed. A closed year is read-only in every ledger.

Every write path of every ledger asks here before it changes a record dated in a year.
"""

from __future__ import annotations

from datetime import date

from pledgebook.models.core.errors import ValidationError, YearClosed
from pledgebook.models.store.tables import WorkYear, fetch_all

__all__ = ["closed_years", "ensure_not_closed", "ensure_year_open", "open_years", "year_state"]


def year_state(year: int) -> WorkYear:
    """The year's row; refused (``ValidationError``) when the year was never opened."""
    wy = WorkYear.get_or_none(WorkYear.year == year)
    if wy is None:
        raise ValidationError(f"{year}年度尚未建立。请先开启该年度。", "year")
    return wy


def ensure_year_open(year: int) -> None:
    """Refuse (:class:`YearClosed`) a write into a closed year."""
    if year_state(year).closed:
        raise YearClosed(year)


def open_years() -> list[int]:
    return [wy.year for wy in WorkYear.select().where(WorkYear.closed == False).order_by(WorkYear.year)]  # noqa: E712


def closed_years() -> set[int]:
    return {y for (y,) in fetch_all("SELECT year FROM work_year WHERE closed = 1")}


def ensure_not_closed(when: date | None) -> None:
    """Refuse (:class:`YearClosed`) a date that falls in a closed year; a year never opened is not closed."""
    if when is not None and when.year in closed_years():
        raise YearClosed(when.year)
