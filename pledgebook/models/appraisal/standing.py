"""The star and honour figures of a year, per 乡镇（党委） plus a total row: 星级评定情况 and the 表彰 counts.

Rows are the 乡镇（党委） of :mod:`pledgebook.models.appraisal.units` in tree order, then 「合计」 (its
``committee_id`` None). Counted in one GROUP BY per table over live records of live orgs:

- :func:`star_table`: ``branches`` (live, active branches now), ``rated`` (branches with a live rating of the
  year), ``confirmed`` (of them with stars confirmed), ``levels`` (confirmed stars → how many branches, every
  level of the county's lines present), ``pending`` (rated, not yet confirmed);
- :func:`honour_table`: per honour kind ``candidates`` (every live honour put forward, whatever its status) and
  ``confirmed`` (确定表彰).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from pledgebook.models.appraisal.units import branch_ids, committee_map, committees
from pledgebook.models.core import vocab
from pledgebook.models.store import settings
from pledgebook.models.store.orgtree import OrgTree
from pledgebook.models.store.tables import fetch_all

__all__ = ["TOTAL", "HonourRow", "StarRow", "honour_counts", "honour_table", "star_table"]

TOTAL = "合计"


@dataclass
class StarRow:
    """星级评定情况 of one 乡镇（党委） (or the total: ``committee_id`` None)."""

    committee_id: int | None
    committee: str
    branches: int = 0
    rated: int = 0
    confirmed: int = 0
    levels: dict[int, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.rated - self.confirmed

    def add(self, other: StarRow) -> None:
        self.branches += other.branches
        self.rated += other.rated
        self.confirmed += other.confirmed
        for level, n in other.levels.items():
            self.levels[level] = self.levels.get(level, 0) + n

    def as_dict(self) -> dict[str, object]:
        return {"committee": self.committee, "branches": self.branches, "rated": self.rated,
                "confirmed": self.confirmed, "pending": self.pending,
                "levels": {str(k): v for k, v in sorted(self.levels.items(), reverse=True)}}


@dataclass
class HonourRow:
    """The 表彰 counts of one 乡镇（党委） (or the total): per kind, put forward and confirmed."""

    committee_id: int | None
    committee: str
    candidates: dict[str, int] = field(default_factory=lambda: dict.fromkeys(vocab.HONOUR_KINDS, 0))
    confirmed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(vocab.HONOUR_KINDS, 0))

    def add(self, other: HonourRow) -> None:
        for kind in vocab.HONOUR_KINDS:
            self.candidates[kind] += other.candidates[kind]
            self.confirmed[kind] += other.confirmed[kind]

    def as_dict(self) -> dict[str, object]:
        return {"committee": self.committee, "candidates": dict(self.candidates), "confirmed": dict(self.confirmed)}


def star_table(year: int) -> list[StarRow]:
    """星级评定情况 of ``year``: one row per 乡镇（党委） and the total (see the module's docstring)."""
    tree = OrgTree.load()
    units = committee_map(tree)
    levels = range(max(settings.star_thresholds()), 0, -1)  # the county's levels, highest first
    rows = {u: StarRow(u, tree.orgs[u].name, levels=dict.fromkeys(levels, 0)) for u in committees(tree, units)}
    branches = branch_ids(tree)
    for oid in branches:
        rows[units[oid]].branches += 1
    counted = set(branches)
    for org_id, stars in fetch_all(
            "SELECT org_id, stars FROM star_rating WHERE year = ? AND deleted_at IS NULL", [year]):
        if org_id not in counted:
            continue
        row = rows[units[org_id]]
        row.rated += 1
        if stars is not None:
            row.confirmed += 1
            row.levels[stars] = row.levels.get(stars, 0) + 1
    return _with_total(list(rows.values()), StarRow(None, TOTAL, levels=dict.fromkeys(levels, 0)))


def honour_counts(year: int, tree: OrgTree, units: dict[int, int]) -> dict[int, HonourRow]:
    """Per 乡镇（党委） id: the live honours of ``year`` put forward and confirmed, per kind (every row present)."""
    rows = {u: HonourRow(u, tree.orgs[u].name) for u in committees(tree, units)}
    for org_id, kind, status, n in fetch_all(
            "SELECT org_id, kind, status, count(*) FROM honour WHERE year = ? AND deleted_at IS NULL "
            "GROUP BY org_id, kind, status", [year]):
        unit = units.get(org_id)
        if unit is None or kind not in vocab.HONOUR_KINDS:
            continue
        row = rows[unit]
        row.candidates[kind] += n
        if status == "confirmed":
            row.confirmed[kind] += n
    return rows


def honour_table(year: int) -> list[HonourRow]:
    """The 表彰 counts of ``year``: one row per 乡镇（党委） and the total (see the module's docstring)."""
    tree = OrgTree.load()
    return _with_total(list(honour_counts(year, tree, committee_map(tree)).values()), HonourRow(None, TOTAL))


R = TypeVar("R", StarRow, HonourRow)


def _with_total(rows: list[R], total: R) -> list[R]:
    for row in rows:
        total.add(row)
    return [*rows, total]
