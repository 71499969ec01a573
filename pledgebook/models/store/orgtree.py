"""The org tree, loaded once, and the roll-up every ledger's figures use.

Every ledger counts per org in SQL (a handful of GROUP BY queries) and then adds
those counts up to any subtree in Python: the tree is a few hundred to a few
thousand rows, so one pass serves the county total, every 党委 row and every tree
node. :class:`OrgTree` is that tree (live orgs only); :meth:`OrgTree.roll_up`
adds each org's own figures into itself and every live ancestor, for any
figures type with an ``add`` method (:class:`Summable`); :class:`TreeBook` is
the shape every ledger's book of figures takes on top of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pledgebook.models.store.db import fetch_packed

__all__ = ["OrgNode", "OrgTree", "Summable", "TreeBook"]


@dataclass
class OrgNode:
    """One live org as the figures and reports need it."""

    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str  # materialized: "/1/5/23/"
    township: str | None
    code: str | None
    active: bool
    sector: str | None = None


class Summable(Protocol):
    """Figures that can add another of their kind into themselves."""

    def add(self, other: Any, /) -> None: ...


F = TypeVar("F", bound=Summable)


@dataclass
class OrgTree:
    """Live orgs by id (in tree order: sort, id) and their children."""

    orgs: dict[int, OrgNode] = field(default_factory=dict)
    children_of: dict[int | None, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls) -> OrgTree:
        rows = fetch_packed(
            "SELECT id, name, kind, parent_id, path, township, code, active, sector, sort FROM org "
            "WHERE deleted_at IS NULL", 10
        )
        rows.sort(key=lambda r: (r[9], r[0]))  # ORDER BY sort, id (a packed query keeps no order)
        tree = cls()
        for row in rows:
            node = OrgNode(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8])
            tree.orgs[node.id] = node
            tree.children_of[node.parent_id].append(node.id)
        return tree

    # ------------------------------------------------------------- shape
    def root_id(self) -> int | None:
        """The first root (the county; in a prefecture file, the prefecture)."""
        roots = self.children_of.get(None, [])
        return roots[0] if roots else None

    def roots(self) -> list[int]:
        return list(self.children_of.get(None, []))

    def child_ids(self, org_id: int | None = None) -> list[int]:
        """The children of ``org_id`` (of the root by default: the 党委 rows)."""
        parent = org_id if org_id is not None else self.root_id()
        return list(self.children_of.get(parent, []))

    def descendants(self, org_id: int) -> list[int]:
        """``org_id`` and every live org under it (by path); [] for an unknown org."""
        node = self.orgs.get(org_id)
        if node is None:
            return []
        return [oid for oid, n in self.orgs.items() if n.path.startswith(node.path)]

    def contains(self, org_id: int | None, oid: int) -> bool:
        """Whether ``oid`` lies in the subtree of ``org_id`` (everything lies in the whole file's, None)."""
        return org_id is None or self.orgs[oid].path.startswith(self.orgs[org_id].path)

    def ancestor_ids(self, oid: int) -> Iterator[int]:
        """The ids on ``oid``'s path, root first, itself last (ids of deleted orgs included)."""
        for part in self.orgs[oid].path.strip("/").split("/"):
            if part:
                yield int(part)

    def paths_well_formed(self) -> bool:
        return all(n.path.startswith("/") and n.path.endswith("/") for n in self.orgs.values())

    # ------------------------------------------------------------- figures
    def roll_up(self, own: Mapping[int, F], zero: Callable[[], F]) -> dict[int, F]:
        """Per live org: the sum of ``own`` over its subtree (one pass: each org's own figures are
        added into itself and every live ancestor on its path). Orgs not in the tree are skipped."""
        by_path: dict[str, list[int]] = defaultdict(list)
        for node in self.orgs.values():
            by_path[node.path].append(node.id)
        rolled = {oid: zero() for oid in self.orgs}
        for oid, fig in own.items():
            node = self.orgs.get(oid)
            if node is None:
                continue
            path = node.path
            for i, ch in enumerate(path):
                if ch == "/" and i:
                    for ancestor in by_path.get(path[: i + 1], ()):
                        rolled[ancestor].add(fig)
        return rolled


class TreeBook(Generic[F]):
    """The shape of every ledger's figures: own figures per live org, rolled up the tree once.

    A ledger's book subclasses this, counts per org in SQL and answers :meth:`own` (each org's own
    figures) and :meth:`zero` (empty figures); :meth:`subtree`, :meth:`children` and :meth:`root_id`
    come from here. The pledge ledger's :class:`FigureBook`, the campaign's :class:`CampaignBook`
    and any later ledger's book are instances of it.
    """

    def __init__(self, tree: OrgTree | None = None):
        self.tree = tree if tree is not None else OrgTree.load()
        self.orgs: dict[int, OrgNode] = self.tree.orgs
        self.children_of: dict[int | None, list[int]] = self.tree.children_of
        self._totals: dict[int, F] | None = None

    def zero(self) -> F:
        raise NotImplementedError

    def own(self) -> Mapping[int, F]:
        """Each live org's own figures (not its subtree's)."""
        raise NotImplementedError

    def rolled(self) -> dict[int, F]:
        """Per live org: the figures of its subtree (computed once)."""
        if self._totals is None:
            self._totals = self.tree.roll_up(self.own(), self.zero)
        return self._totals

    def root_id(self) -> int | None:
        return self.tree.root_id()

    def descendants(self, org_id: int) -> list[int]:
        return self.tree.descendants(org_id)

    def subtree(self, org_id: int | None = None) -> F:
        """An org and everything under it (every root together when org_id is None)."""
        totals = self.rolled()
        if org_id is not None:
            found = totals.get(org_id)
            return found if found is not None else self.zero()
        total = self.zero()
        for root in self.tree.roots():
            total.add(totals[root])
        return total

    def children(self, org_id: int | None = None) -> list[tuple[OrgNode, F]]:
        """One row per child subtree of ``org_id`` (the root's children by default: the 党委 rows)."""
        return [(self.orgs[c], self.subtree(c)) for c in self.tree.child_ids(org_id)]
