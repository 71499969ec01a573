"""The campaign ledger at the year-end rollover: nothing to copy, only what continues, counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pledgebook.models.store.tables import database


@dataclass
class CampaignYearEnd:
    """What the campaign ledger looks like when ``year`` closes."""

    year: int
    contact_points_continuing: int
    pairings_continuing: int
    stationings_continuing: int
    stationings_past_planned_end: int  # still running on 12-31 although their planned end has passed
    logs_frozen: int  # live logs dated in the year: read-only once it is closed


def year_end_summary(year: int) -> CampaignYearEnd:
    """For the year-end rollover: **nothing has to be copied or changed**.

    Contact points, pairings and stationings are not per year; those still
    running on 31 December simply continue into the next year (the figures of
    any year read them as they stood on its date). Closing the year (``rules.
    close_year``) is all it takes to freeze the year's help logs: every write
    path here checks the log's year. This function only counts what continues,
    for the rollover's summary to the user.
    """
    last = date(year, 12, 31).isoformat()

    def scalar(sql: str, params: tuple[str, ...] = ()) -> int:
        return int(database.execute_sql(sql, params).fetchone()[0] or 0)

    return CampaignYearEnd(
        year=year,
        contact_points_continuing=scalar(
            "SELECT count(*) FROM contact_point WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (end_date IS NULL OR end_date > ?)", (last, last)),
        pairings_continuing=scalar(
            "SELECT count(*) FROM pairing WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (end_date IS NULL OR end_date > ?)", (last, last)),
        stationings_continuing=scalar(
            "SELECT count(*) FROM stationing WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (actual_end IS NULL OR actual_end > ?)", (last, last)),
        stationings_past_planned_end=scalar(
            "SELECT count(*) FROM stationing WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (actual_end IS NULL OR actual_end > ?) AND planned_end IS NOT NULL AND planned_end <= ?",
            (last, last, last)),
        logs_frozen=scalar(
            "SELECT count(*) FROM help_log WHERE deleted_at IS NULL AND date BETWEEN ? AND ?",
            (date(year, 1, 1).isoformat(), last)),
    )

