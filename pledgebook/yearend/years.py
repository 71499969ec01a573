"""The years overview: each year with its state and headline figures (for the year screen)."""

from __future__ import annotations

from datetime import datetime

from pledgebook.models.ledger.figures import FigureBook
from pledgebook.models.store.tables import WorkYear
from pledgebook.yearend.common import rollover_record


def years_overview() -> list[dict]:
    """Each year with its state and headline figures (for a year screen)."""
    out = []
    for wy in WorkYear.select().order_by(WorkYear.year):
        book = FigureBook(wy.year)
        fig = book.subtree(book.root_id())
        out.append(
            {
                "year": wy.year,
                "closed": bool(wy.closed),
                "closed_at": wy.closed_at.isoformat(" ", "seconds") if isinstance(wy.closed_at, datetime) else wy.closed_at,
                "rolled_over": rollover_record(wy.year) is not None,
                "pledges": fig.pledges,
                "fulfilment_rate": fig.fulfilment_rate,
                "satisfaction_rate": fig.satisfaction_rate,
                "carried": fig.by_status.get("carried", 0),
            }
        )
    return out
