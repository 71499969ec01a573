"""The units the third ledger counts in: its branches, and the 乡镇（党委） each org belongs to.

"branch" = a live, active org of one of :data:`BRANCH_KINDS` (the orgs that have members and hold appraisals
and stars). This module is the bottom of the package (it imports nothing of it), so that the rules, the
criteria, the figures and the queries can all use it without an import cycle.

"乡镇（党委）" is an org's nearest ancestor (or itself) whose kind is in ``vocab.COMMITTEE_KINDS`` (党委, 党工委):
the unit of the honour quota and of the report rows. An org with none on its path (a branch straight under the
county) counts under the top-level org of its path below the root — the same row the reports' 党委 tables put
it in (:func:`pledgebook.models.store.statrows.rows_by`: the root's children).
"""

from __future__ import annotations

from pledgebook.models.core import vocab
from pledgebook.models.store.orgtree import OrgTree

__all__ = ["BRANCH_KINDS", "branch_ids", "committee_map", "committees"]

# the orgs that have members and hold appraisals and stars: 党支部, 党总支, 临时党支部
BRANCH_KINDS = vocab.BRANCH_KINDS


def committee_map(tree: OrgTree) -> dict[int, int]:
    """Every live org's id → the id of its 乡镇（党委） (see the module's docstring); the root maps to itself."""
    found: dict[int, int] = {}
    for oid in tree.orgs:
        path = [a for a in tree.ancestor_ids(oid) if a in tree.orgs]
        unit = next((a for a in reversed(path) if tree.orgs[a].kind in vocab.COMMITTEE_KINDS), None)
        if unit is None:
            unit = path[1] if len(path) > 1 else path[0]
        found[oid] = unit
    return found


def committees(tree: OrgTree, units: dict[int, int]) -> list[int]:
    """The 乡镇（党委） rows in tree order: every org some live org counts under — the root only when another
    org counts under it (a file whose root is itself a 党委)."""
    rows = {u for o, u in units.items() if o != u or tree.orgs[u].parent_id is not None}
    return [oid for oid in tree.orgs if oid in rows]


def branch_ids(tree: OrgTree, under: int | None = None) -> list[int]:
    """The live, active branches (``vocab.BRANCH_KINDS``) in tree order, within ``under``'s subtree if given."""
    return [oid for oid, node in tree.orgs.items()
            if node.kind in vocab.BRANCH_KINDS and node.active and tree.contains(under, oid)]
