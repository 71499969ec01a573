"""星级评定 and 评选表彰 figures of a year over the org tree, rolled up like the other ledgers' books.

:class:`AwardBook` counts per org in two GROUP BY queries and rolls them up the tree (store.orgtree.TreeBook),
so any report row — a 党委 of a county, a county of a prefecture file, an org given with ``--org`` — is one
subtree's figures:

- ``branches``: live, active branches (``vocab.BRANCH_KINDS``) in the subtree, as they stand now;
- ``rated``: of them, those with a live star rating of the year; ``confirmed``: rated with stars confirmed;
  ``levels``: confirmed stars → how many branches (every level of the county's lines present);
- ``candidates`` per honour kind: every live honour of the year put forward (whatever its status), counted at
  its org; ``honoured``: those confirmed (确定表彰).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pledgebook.models.core import vocab
from pledgebook.models.store import settings
from pledgebook.models.store.orgtree import OrgTree, TreeBook
from pledgebook.models.store.statrows import rows_by
from pledgebook.models.store.tables import fetch_all

__all__ = ["AwardBook", "AwardFigures", "award_rows", "star_levels_high_first"]

TOTAL = "合计"


def star_levels_high_first() -> list[int]:
    """The county's star levels, highest first (setting ``star_thresholds``: 4 lines → 五星 … 一星)."""
    return list(range(max(settings.star_thresholds()), 0, -1))


def _kinds() -> dict[str, int]:
    return dict.fromkeys(vocab.HONOUR_KINDS, 0)


@dataclass
class AwardFigures:
    """Stars and honours of one subtree in one year (see the module's docstring)."""

    branches: int = 0
    rated: int = 0
    confirmed: int = 0
    levels: dict[int, int] = field(default_factory=dict)
    candidates: dict[str, int] = field(default_factory=_kinds)
    honoured: dict[str, int] = field(default_factory=_kinds)

    @property
    def pending(self) -> int:
        """Rated, stars not confirmed yet."""
        return self.rated - self.confirmed

    def add(self, other: AwardFigures) -> None:
        self.branches += other.branches
        self.rated += other.rated
        self.confirmed += other.confirmed
        for level, n in other.levels.items():
            self.levels[level] = self.levels.get(level, 0) + n
        for kind in vocab.HONOUR_KINDS:
            self.candidates[kind] += other.candidates[kind]
            self.honoured[kind] += other.honoured[kind]

    def as_dict(self) -> dict[str, object]:
        return {"branches": self.branches, "rated": self.rated, "confirmed": self.confirmed, "pending": self.pending,
                "levels": {str(k): v for k, v in sorted(self.levels.items(), reverse=True)},
                "candidates": dict(self.candidates), "honoured": dict(self.honoured)}


class AwardBook(TreeBook[AwardFigures]):
    """One year's star and honour figures per org, rolled up the tree (two GROUP BY queries)."""

    def __init__(self, year: int, tree: OrgTree | None = None):
        super().__init__(tree)
        self.year = year
        self.levels = star_levels_high_first()
        raw: dict[int, AwardFigures] = defaultdict(self.zero)
        for oid, node in self.orgs.items():
            if node.kind in vocab.BRANCH_KINDS and node.active:
                raw[oid].branches = 1
        for oid, stars, rated in self.tree_rows(
                "SELECT org_id, stars, count(*) FROM star_rating WHERE year = ? AND deleted_at IS NULL GROUP BY 1, 2"):
            fig = raw[oid]
            fig.rated += rated
            if stars is not None:
                fig.confirmed += rated
                fig.levels[stars] = fig.levels.get(stars, 0) + rated
        for oid, kind, status, n in self.tree_rows(
                "SELECT org_id, kind, status, count(*) FROM honour WHERE year = ? AND deleted_at IS NULL "
                "GROUP BY 1, 2, 3"):
            if kind in vocab.HONOUR_KINDS:
                raw[oid].candidates[kind] += n
                if status == "confirmed":
                    raw[oid].honoured[kind] += n
        self.raw = raw

    def tree_rows(self, sql: str) -> list[tuple]:
        """The rows of ``sql`` (first column an org id) for the live orgs of the tree only."""
        return [row for row in fetch_all(sql, [self.year]) if row[0] in self.orgs]

    def zero(self) -> AwardFigures:
        return AwardFigures(levels=dict.fromkeys(self.levels, 0))

    def own(self) -> dict[int, AwardFigures]:
        return self.raw


def award_rows(year: int, root_id: int | None = None, by: str = "committee") -> list[tuple[str, AwardFigures]]:
    """The rows of the 星级评定情况 and 评选表彰 tables: one per child of ``root_id`` (the county's 党委; the
    counties of a prefecture file with ``by='county'``), then 「合计」 of the whole subtree."""
    book = AwardBook(year)
    root = root_id if root_id is not None else book.root_id()
    if root is None:
        return [(TOTAL, book.zero())]
    return [*((node.name, fig) for node, fig in rows_by(book, root, by)), (TOTAL, book.subtree(root))]
