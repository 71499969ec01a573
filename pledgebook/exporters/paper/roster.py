"""What the third ledger prints: the branches under one org, in tree order, each with its 在册 members and
their appraisal of the year, and the 乡镇（党委） each branch belongs to.

One query per table (orgs, members with their appraisal), so a whole county (620 branches, 13,724 members)
is collected in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pledgebook.exporters.paper.units import post_rank, tree_order
from pledgebook.models.appraisal.units import committee_map
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.store.orgtree import OrgTree
from pledgebook.models.store.tables import Org, database


@dataclass
class Member:
    """One 在册 member as printed, with their appraisal of the year (all None when there is none)."""

    id: int
    uid: str
    name: str
    gender: str
    post: str
    appraisal_id: int | None = None
    ballots_issued: int | None = None
    ballots_valid: int | None = None
    votes: tuple[int | None, int | None, int | None, int | None] = (None, None, None, None)
    grade: str | None = None  # a code of vocab.APPRAISAL_GRADES
    exempt_reason: str | None = None
    decided_on: date | None = None
    comment: str = ""

    @property
    def grade_label(self) -> str:
        return vocab.label(vocab.APPRAISAL_GRADES, self.grade) if self.grade else ""


@dataclass
class Branch:
    """One branch: its name, its 乡镇（党委）, its 在册 members (书记 first, then by post and roster order)."""

    org_id: int
    name: str
    committee: str
    members: list[Member] = field(default_factory=list)

    @property
    def appraised(self) -> list[Member]:
        """The members that take part (no 不参评原因)."""
        return [m for m in self.members if not m.exempt_reason]


def committees() -> dict[int, str]:
    """org id → the name of its 乡镇（党委） (:func:`pledgebook.models.appraisal.units.committee_map`)."""
    tree = OrgTree.load()
    return {oid: tree.orgs[unit].name for oid, unit in committee_map(tree).items()}


def branches(root: Org, year: int) -> list[Branch]:
    """The live, active branches under ``root`` (itself included) in tree order, each with its 在册 members
    and their live appraisal of ``year``; branches without members are left out."""
    kinds = {oid: (kind, active) for oid, kind, active in database.execute_sql(
        "SELECT id, kind, active FROM org WHERE deleted_at IS NULL AND path >= ? AND path < ?",
        [root.path, root.path[:-1] + "0"]).fetchall()}
    order = [(oid, name) for oid, name in tree_order(root)
             if kinds.get(oid, ("", 0))[0] in vocab.BRANCH_KINDS and kinds[oid][1]]
    if not order:
        return []
    township = committees()
    by_org: dict[int, list[tuple[tuple[int, int], Member]]] = {}
    rows = database.execute_sql(
        "SELECT p.id, p.uid, p.name, p.gender, p.post, p.org_id, a.id, a.ballots_issued, a.ballots_valid, "
        "a.votes_excellent, a.votes_qualified, a.votes_basic_qualified, a.votes_unqualified, a.grade, "
        "a.exempt_reason, a.decided_on, a.comment "
        "FROM person p JOIN org o ON o.id = p.org_id "
        "LEFT JOIN appraisal a ON a.person_id = p.id AND a.year = ? AND a.deleted_at IS NULL "
        "WHERE p.deleted_at IS NULL AND p.state = 'active' AND o.path >= ? AND o.path < ?",
        [year, root.path, root.path[:-1] + "0"]).fetchall()
    for (pid, uid, name, gender, post, oid, aid, issued, valid, v1, v2, v3, v4, grade, exempt, decided,
         comment) in rows:
        member = Member(pid, uid, name, vocab.label(vocab.GENDERS, gender), post or "", aid, issued, valid,
                        (v1, v2, v3, v4), grade, exempt or None, date.fromisoformat(str(decided)[:10]) if decided else None, comment or "")
        by_org.setdefault(oid, []).append(((post_rank(member.post), pid), member))
    out = []
    for oid, name in order:
        entries = sorted(by_org.get(oid, []), key=lambda e: e[0])
        if entries:
            out.append(Branch(oid, name, township.get(oid, ""), [m for _, m in entries]))
    return out


def need_branches(root: Org, year: int, what: str) -> list[Branch]:
    """:func:`branches`, refused with a Chinese message when there is none to print ``what`` for."""
    found = branches(root, year)
    if not found:
        raise PledgebookError(f"「{root.name}」下没有有在册党员的党支部，无法打印{what}。请先导入党员名册。")
    return found
