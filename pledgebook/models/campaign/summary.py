"""The 四帮四促 figures as ``pledgebook stats`` prints them beside the pledges: contact points, pairings,
stationed cadres and coverage per 党委 (or county), the villages not covered, the people who logged
nothing lately — and the same as plain JSON data. Both faces call this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pledgebook.models.campaign.figures import (
    CampaignBook,
    CampaignFigures,
    IdlePerson,
    Village,
    idle_people,
)
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.store.orgtree import OrgNode
from pledgebook.models.store.statrows import row_dicts, rows_by, rows_key


@dataclass
class CampaignSummary:
    as_of: date
    by: str
    rows: list[tuple[OrgNode, CampaignFigures]]
    total: CampaignFigures
    uncovered: list[Village]
    idle_months: int
    idle: list[IdlePerson]
    idle_counties: list[str]  # the county each idle person lies in, in the order of ``idle``

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "totals": self.total.as_dict(),
            rows_key(self.by): row_dicts(self.rows),
            "uncovered_villages": [
                {"name": v.name, "code": v.code, "township": v.township, "committee": v.committee, "county": v.county}
                for v in self.uncovered
            ],
            "idle_months": self.idle_months,
            "idle_people": [
                {"name": p.name, "org": p.org, "county": county, "roles": list(p.roles),
                 "last_log": p.last_log.isoformat() if p.last_log else None}
                for p, county in zip(self.idle, self.idle_counties)
            ],
        }


def summarise(year: int, root_id: int | None, by: str = "committee", idle_months: int = 3) -> CampaignSummary:
    """The 四帮四促 figures of ``year`` under ``root_id`` (the pledge figures' root), as of today or the
    year's end; ``idle_months``: who has logged nothing in that many months (1-24)."""
    if not 1 <= idle_months <= 24:
        raise PledgebookError("--idle-months 应在 1 到 24 之间")
    book = CampaignBook(year)
    idle = idle_people(idle_months, today=book.as_of, org_id=root_id)
    return CampaignSummary(
        as_of=book.as_of, by=by, rows=rows_by(book, root_id, by), total=book.subtree(root_id),
        uncovered=book.uncovered_villages(root_id), idle_months=idle_months, idle=idle,
        idle_counties=[book.county_of(p.org_id) for p in idle],
    )
