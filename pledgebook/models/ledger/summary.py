"""The county's pledge figures as ``pledgebook stats`` prints them: one row per 党委 (or per county of a
prefecture file), the total, the org and member counts, and the same as plain JSON data.

Both faces call this: the CLI renders it as a table or JSON; a screen could show it as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger import rules
from pledgebook.models.ledger.figures import FigureBook, Figures, org_counts
from pledgebook.models.store import db
from pledgebook.models.store.orgtree import OrgNode
from pledgebook.models.store.statrows import BY, row_dicts, rows_by, rows_key


@dataclass
class LedgerSummary:
    county: dict[str, str]
    year: int
    closed: bool
    by: str
    root_id: int | None
    rows: list[tuple[OrgNode, Figures]]
    total: Figures
    orgs: int  # party organizations in the file
    people: int  # members on the roll

    def as_json(self) -> dict[str, object]:
        totals: dict[str, object] = {"orgs": self.orgs, "people": self.people}
        totals.update(self.total.as_dict())
        return {"county": self.county, "year": self.year, "year_closed": self.closed, "totals": totals,
                rows_key(self.by): row_dicts(self.rows)}


def summarise(year: int | None, by: str = "committee") -> LedgerSummary:
    """The figures of ``year`` (default: the current open year) by 党委 or by county."""
    if by not in BY:
        raise PledgebookError("--by 只能是 committee 或 county")
    county = db.county()
    year = year or rules.current_year()
    if year is None:
        raise PledgebookError("台账中还没有任何年度。")
    closed = rules.year_state(year).closed
    book = FigureBook(year)
    root_id = book.root_id()
    counts = org_counts()
    return LedgerSummary(
        county=county, year=year, closed=closed, by=by, root_id=root_id,
        rows=rows_by(book, root_id, by), total=book.subtree(root_id),
        orgs=sum(v for k, v in counts.items() if k != "people"), people=counts.get("people", 0),
    )
