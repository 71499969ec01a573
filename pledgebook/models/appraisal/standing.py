"""The star and honour figures of a year: 星级评定情况 and the 表彰 counts, one row per 党委 plus a total row.

The rows are those of every report of the county (:func:`pledgebook.models.store.statrows.rows_by`: the root's
children, the 党委; in a prefecture file ``by='county'`` gives one row per county), so the workbook puts these
tables beside 民主评议党员情况统计表 (:func:`pledgebook.models.appraisal.figures.appraisal_table`) row for row.
Each is a :class:`~pledgebook.models.store.orgtree.TreeBook`: one GROUP BY per table, per org, rolled up the tree.

- :class:`StarBook`: ``branches`` (live, active branches now), ``rated`` (of them with a live rating of the
  year), ``confirmed`` (rated with stars confirmed), ``levels`` (confirmed stars → branches, every level of the
  county's lines present, highest first), ``pending`` (rated, not yet confirmed);
- :class:`HonourBook`: per honour kind ``candidates`` (every live honour put forward, whatever its status) and
  ``confirmed`` (确定表彰), counted at the honour's org.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from pledgebook.models.appraisal.units import branch_ids
from pledgebook.models.core import vocab
from pledgebook.models.store import settings
from pledgebook.models.store.orgtree import OrgNode, OrgTree, TreeBook
from pledgebook.models.store.statrows import rows_by
from pledgebook.models.store.tables import fetch_all

__all__ = ["TOTAL", "HonourBook", "HonourFigures", "HonourRow", "StarBook", "StarFigures", "StarRow",
           "honour_table", "star_table"]

TOTAL = "合计"


@dataclass
class StarFigures:
    """星级评定情况 of one subtree and year; ``add`` sums two."""

    branches: int = 0
    rated: int = 0
    confirmed: int = 0
    levels: dict[int, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.rated - self.confirmed

    def add(self, other: StarFigures) -> None:
        self.branches += other.branches
        self.rated += other.rated
        self.confirmed += other.confirmed
        for level, n in other.levels.items():
            self.levels[level] = self.levels.get(level, 0) + n

    def as_dict(self) -> dict[str, object]:
        return {"branches": self.branches, "rated": self.rated, "confirmed": self.confirmed, "pending": self.pending,
                "levels": {str(k): v for k, v in self.levels.items()}}


@dataclass
class HonourFigures:
    """The 表彰 counts of one subtree and year: per kind, put forward and confirmed."""

    candidates: dict[str, int] = field(default_factory=lambda: dict.fromkeys(vocab.HONOUR_KINDS, 0))
    confirmed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(vocab.HONOUR_KINDS, 0))

    def add(self, other: HonourFigures) -> None:
        for kind in vocab.HONOUR_KINDS:
            self.candidates[kind] += other.candidates[kind]
            self.confirmed[kind] += other.confirmed[kind]

    def as_dict(self) -> dict[str, object]:
        return {"candidates": dict(self.candidates), "confirmed": dict(self.confirmed)}


class StarBook(TreeBook[StarFigures]):
    """One year's star figures per org (each branch counts at itself), rolled up the tree."""

    def __init__(self, year: int, tree: OrgTree | None = None):
        super().__init__(tree)
        self.year = year
        self.levels = range(max(settings.star_thresholds()), 0, -1)  # the county's levels, highest first
        self.raw: dict[int, StarFigures] = {}
        branches = set(branch_ids(self.tree))
        for oid in branches:
            self._fig(oid).branches += 1
        for org_id, stars in fetch_all(
                "SELECT org_id, stars FROM star_rating WHERE year = ? AND deleted_at IS NULL", [year]):
            if org_id not in branches:
                continue
            fig = self._fig(org_id)
            fig.rated += 1
            if stars is not None:
                fig.confirmed += 1
                fig.levels[stars] = fig.levels.get(stars, 0) + 1

    def _fig(self, org_id: int) -> StarFigures:
        found = self.raw.get(org_id)
        if found is None:
            found = self.raw[org_id] = self.zero()
        return found

    def zero(self) -> StarFigures:
        return StarFigures(levels=dict.fromkeys(self.levels, 0))

    def own(self) -> dict[int, StarFigures]:
        return self.raw


class HonourBook(TreeBook[HonourFigures]):
    """One year's honours per org (at the honour's org: the member's org, or the org honoured), rolled up."""

    def __init__(self, year: int, tree: OrgTree | None = None):
        super().__init__(tree)
        self.year = year
        self.raw: dict[int, HonourFigures] = {}
        for org_id, kind, status, n in fetch_all(
                "SELECT org_id, kind, status, count(*) FROM honour WHERE year = ? AND deleted_at IS NULL "
                "GROUP BY org_id, kind, status", [year]):
            if org_id not in self.orgs or kind not in vocab.HONOUR_KINDS:
                continue
            fig = self.raw.setdefault(org_id, HonourFigures())
            fig.candidates[kind] += n
            if status == "confirmed":
                fig.confirmed[kind] += n

    def zero(self) -> HonourFigures:
        return HonourFigures()

    def own(self) -> dict[int, HonourFigures]:
        return self.raw


@dataclass
class _Labelled:
    """A table row's org: a 党委 (``org_id``) or the total (``org_id`` None, name 「合计」); ``as_dict`` puts
    these before the figures of the class it is mixed into."""

    org_id: int | None = None
    name: str = ""
    code: str | None = None
    kind: str = ""

    def as_dict(self) -> dict[str, object]:
        figures: dict[str, object] = super().as_dict()  # pyright: ignore[reportAttributeAccessIssue] - the figures class after this one
        return {"org_id": self.org_id, "name": self.name, "code": self.code, "kind": self.kind, **figures}


@dataclass
class StarRow(_Labelled, StarFigures):
    """One row of 星级评定情况."""


@dataclass
class HonourRow(_Labelled, HonourFigures):
    """One row of the 表彰 counts."""


F = TypeVar("F", StarFigures, HonourFigures)
R = TypeVar("R", StarRow, HonourRow)


def _rows(book: TreeBook[F], root_id: int | None, by: str) -> list[tuple[OrgNode | None, F]]:
    """(node, figures) of each row under ``root_id`` (the first root by default), then (None, the total)."""
    root = root_id if root_id is not None else book.root_id()
    if root is None:
        return [(None, book.zero())]
    return [*rows_by(book, root, by), (None, book.subtree(root))]


def _named(row: R, node: OrgNode | None) -> R:
    """``row`` labelled as a 党委 (or county) row, or as the total 「合计」."""
    if node is None:
        row.name = TOTAL
    else:
        row.org_id, row.name, row.code, row.kind = node.id, node.name, node.code, node.kind
    return row


def star_table(year: int, root_id: int | None = None, by: str = "committee") -> list[StarRow]:
    """星级评定情况 of ``year``: a row per 党委 under ``root_id`` (the county by default; ``by='county'`` in a
    prefecture file: per county), then the total 「合计」 of the whole subtree."""
    book = StarBook(year)
    rows: list[StarRow] = []
    for node, fig in _rows(book, root_id, by):
        row = _named(StarRow(levels=dict.fromkeys(book.levels, 0)), node)
        row.add(fig)
        rows.append(row)
    return rows


def honour_table(year: int, root_id: int | None = None, by: str = "committee") -> list[HonourRow]:
    """The 表彰 counts of ``year``: a row per 党委 under ``root_id`` (as :func:`star_table`), then the total."""
    rows: list[HonourRow] = []
    for node, fig in _rows(HonourBook(year), root_id, by):
        row = _named(HonourRow(), node)
        row.add(fig)
        rows.append(row)
    return rows
