"""The third ledger's headline numbers per org subtree: :func:`pledgebook.models.appraisal.figures.summary`'s
six numbers (参评, 优秀, 不合格, 处置未销号, 五星支部, 确定表彰) for every row of a table at once — per 党委 at a
county, per county at a prefecture (the rows of :func:`pledgebook.models.store.statrows.rows_by`).

:class:`HeadlineBook` is a :class:`~pledgebook.models.store.orgtree.TreeBook`: the appraisal counts are
:class:`~pledgebook.models.appraisal.figures.AppraisalBook`'s own, the five-star branches and the confirmed
honours one GROUP BY each, rolled up the tree once (a province of 88 counties: one pass, not one per county).
Its whole-file subtree is ``summary(year)`` (tested).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from pledgebook.models.appraisal.figures import AppraisalBook
from pledgebook.models.store import settings
from pledgebook.models.store.orgtree import OrgNode, OrgTree, TreeBook
from pledgebook.models.store.statrows import rows_by
from pledgebook.models.store.tables import fetch_all

__all__ = ["Headline", "HeadlineBook", "headline_rows"]


@dataclass
class Headline:
    """The headline numbers of one subtree and year (the keys of ``figures.summary``)."""

    appraised: int = 0
    excellent: int = 0
    unqualified: int = 0
    disposals_open: int = 0
    five_star: int = 0
    honours_confirmed: int = 0

    def add(self, other: Headline) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, object]:  # statrows.Figured: the row's JSON object
        return asdict(self)


class HeadlineBook(TreeBook[Headline]):
    """One year's headline numbers per org, rolled up the tree."""

    def __init__(self, year: int, tree: OrgTree | None = None):
        super().__init__(tree)
        self.year = year
        self.raw: dict[int, Headline] = defaultdict(Headline)
        for oid, fig in AppraisalBook(year, self.tree).own().items():
            own = self.raw[oid]
            own.appraised, own.excellent, own.unqualified, own.disposals_open = (
                fig.appraised, fig.excellent, fig.unqualified, fig.disposals_open)
        top = max(settings.star_thresholds(), default=1)  # the highest level the county's lines give
        for oid, n in fetch_all("SELECT org_id, count(*) FROM star_rating WHERE year = ? AND deleted_at IS NULL "
                                "AND stars = ? GROUP BY org_id", (year, top)):
            self.raw[oid].five_star += n
        for oid, n in fetch_all("SELECT org_id, count(*) FROM honour WHERE year = ? AND deleted_at IS NULL "
                                "AND status = 'confirmed' GROUP BY org_id", (year,)):
            self.raw[oid].honours_confirmed += n

    def zero(self) -> Headline:
        return Headline()

    def own(self) -> dict[int, Headline]:
        return self.raw


def headline_rows(year: int, root_id: int | None = None, by: str = "committee") -> list[tuple[OrgNode, Headline]]:
    """The headline numbers of ``year`` per row of a stats table under ``root_id`` (the file's root by
    default): per 党委, or with ``by='county'`` per county of a prefecture file."""
    book = HeadlineBook(year)
    return rows_by(book, root_id if root_id is not None else book.root_id(), by)
