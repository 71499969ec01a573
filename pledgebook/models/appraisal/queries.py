"""What the third ledger's screens show, as plain dataclasses (no widget runs SQL): the branch list with its
appraisal progress and stars, a branch's members with their appraisals, a member's pledges of the year.

Reads only; the writes are in :mod:`pledgebook.models.appraisal.rules`. Each list is one query per table
(fast for a county's 620 branches and 13,724 members), put together in Python over the org tree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date

from pledgebook.models.appraisal.figures import AppraisalBook, AppraisalFigures
from pledgebook.models.appraisal.rules.appraisals import excellent_limit
from pledgebook.models.appraisal.units import branch_ids, committee_map
from pledgebook.models.core import vocab
from pledgebook.models.store.orgtree import OrgTree
from pledgebook.models.store.tables import fetch_all

__all__ = [
    "BRANCH_KINDS",
    "BranchRow",
    "MemberRow",
    "PledgeLine",
    "branches",
    "member_pledges",
    "members",
]

# the orgs that have members and hold appraisals and stars
BRANCH_KINDS = vocab.BRANCH_KINDS


@dataclass
class BranchRow(AppraisalFigures):
    """One branch in one year: its members and how far their appraisal has come (the counts of
    :class:`pledgebook.models.appraisal.figures.AppraisalFigures`, of the branch itself), its 处置 and stars.

    ``appraised`` (参评党员) = live appraisals without an exempt reason, graded or ``undecided``; ``limit``
    the 优秀 quota (⌊appraised × 优秀比例上限⌋); ``stars`` the confirmed stars, ``proposed_stars`` the
    ledger's proposal (None: no rating yet)."""

    org_id: int = 0
    name: str = ""
    kind: str = ""
    committee: str = ""  # the 乡镇（党委） name, "" when none
    limit: int = 0
    stars: int | None = None
    proposed_stars: int | None = None

    @property
    def over(self) -> bool:
        """More 优秀 than the quota allows."""
        return self.excellent > self.limit

    @property
    def not_started(self) -> int:
        """在册 members with no appraisal record yet (never below 0: moved members keep theirs)."""
        return max(self.members - self.appraised - self.exempt, 0)

    def grades(self) -> dict[str, int]:
        """Grade code → members graded so, in ``vocab.APPRAISAL_GRADES`` order."""
        return {g: getattr(self, g) for g in vocab.APPRAISAL_GRADES}


def branches(year: int, under: int | None = None) -> list[BranchRow]:
    """Every live, active branch (``BRANCH_KINDS``) in ``under``'s subtree (the whole file by default), in
    tree order, with ``year``'s appraisal progress, open 处置 and stars. One query per table: the org tree,
    the counts of :class:`AppraisalBook` (people, appraisals, 处置), the star ratings."""
    tree = OrgTree.load()
    if under is not None and under not in tree.orgs:
        return []
    book = AppraisalBook(year, tree)
    units = committee_map(tree)
    rows: dict[int, BranchRow] = {}
    for oid in branch_ids(tree, under):
        node, unit = tree.orgs[oid], units[oid]
        own = book.raw.get(oid) or AppraisalFigures()
        rows[oid] = BranchRow(**asdict(own), org_id=oid, name=node.name, kind=node.kind,
                              committee=tree.orgs[unit].name if unit != oid else "", limit=excellent_limit(own.appraised))
    for oid, stars, proposed in fetch_all(
            "SELECT org_id, stars, proposed_stars FROM star_rating WHERE year = ? AND deleted_at IS NULL", (year,)):
        if oid in rows:
            rows[oid].stars, rows[oid].proposed_stars = stars, proposed
    return list(rows.values())


@dataclass
class MemberRow:
    """One member of a branch in one year: the appraisal (``appraisal_id`` None: none yet) and the year's
    pledges (how many, how many 已兑现, open rectifications) for the branch to decide on."""

    person_id: int
    name: str
    post: str
    on_roll: bool  # 在册 in this branch (False: moved or left since, appraised here)
    appraisal_id: int | None = None
    grade: str | None = None
    exempt_reason: str | None = None
    ballots_valid: int | None = None
    votes: dict[str, int | None] = field(default_factory=dict)  # votes_excellent … → count
    decided_on: date | None = None
    disposals_open: int = 0
    pledges: int = 0
    fulfilled: int = 0
    rectifications_open: int = 0

    @property
    def grade_label(self) -> str:
        if self.exempt_reason:
            return f"不参评（{self.exempt_reason}）"
        return vocab.label(vocab.APPRAISAL_GRADES, self.grade, "未评定" if self.appraisal_id else "")


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def members(org_id: int, year: int) -> list[MemberRow]:
    """The branch's 在册 members, and anyone appraised in it that year since moved, by name (pinyin)."""
    people = fetch_all(
        "SELECT id, name, coalesce(post, ''), org_id = ? AND state = 'active' FROM person WHERE deleted_at IS NULL "
        "AND ((org_id = ? AND state = 'active') OR id IN "
        "(SELECT person_id FROM appraisal WHERE org_id = ? AND year = ? AND deleted_at IS NULL)) ORDER BY pinyin, id",
        (org_id, org_id, org_id, year))
    rows = {pid: MemberRow(pid, name, post, bool(on_roll)) for pid, name, post, on_roll in people}
    marks = ",".join("?" * len(rows)) or "NULL"
    for (aid, pid, grade, exempt, valid, ex, qu, ba, un, decided, open_n) in fetch_all(
            "SELECT a.id, a.person_id, a.grade, a.exempt_reason, a.ballots_valid, a.votes_excellent, "
            "a.votes_qualified, a.votes_basic_qualified, a.votes_unqualified, a.decided_on, "
            "(SELECT count(*) FROM disposal d WHERE d.appraisal_id = a.id AND d.deleted_at IS NULL "
            "AND d.closed_on IS NULL) FROM appraisal a WHERE a.year = ? AND a.deleted_at IS NULL "
            f"AND a.person_id IN ({marks})", (year, *rows)):
        row = rows.get(pid)
        if row is not None:
            row.appraisal_id, row.grade, row.exempt_reason, row.ballots_valid = aid, grade, exempt, valid
            row.votes = dict(zip(("votes_excellent", "votes_qualified", "votes_basic_qualified", "votes_unqualified"),
                                 (ex, qu, ba, un)))
            row.decided_on, row.disposals_open = _day(decided), open_n
    for pid, n, done, rect in fetch_all(
            "SELECT p.person_id, count(*), sum(p.status = 'fulfilled'), sum((SELECT count(*) FROM evaluation e "
            "WHERE e.pledge_id = p.id AND e.deleted_at IS NULL AND e.rect_due IS NOT NULL AND e.rect_done IS NULL)) "
            "FROM pledge p WHERE p.year = ? AND p.deleted_at IS NULL AND p.status != 'withdrawn' AND p.person_id IN "
            f"({marks}) GROUP BY 1", (year, *rows)):
        rows[pid].pledges, rows[pid].fulfilled, rows[pid].rectifications_open = n, done or 0, rect or 0
    return list(rows.values())


@dataclass
class PledgeLine:
    """One pledge of a member's year and how it was judged (shown beside the appraisal)."""

    pledge_id: int
    content: str
    status: str
    due_date: date | None
    evaluations: list[tuple[str, str]] = field(default_factory=list)  # (kind label, grade label or votes)
    rectification_open: bool = False

    @property
    def status_label(self) -> str:
        return vocab.label(vocab.PLEDGE_STATUSES, self.status)


def member_pledges(person_id: int, year: int) -> list[PledgeLine]:
    """What the member pledged in ``year`` (live pledges, 已撤销 included) and each evaluation's result."""
    lines = {pid: PledgeLine(pid, content, status, _day(due)) for pid, content, status, due in fetch_all(
        "SELECT id, content, status, due_date FROM pledge WHERE person_id = ? AND year = ? AND deleted_at IS NULL "
        "ORDER BY id", (person_id, year))}
    judged: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for pid, kind, grade, valid, sat, basic, rect_open in fetch_all(
            "SELECT e.pledge_id, e.kind, e.grade, e.ballots_valid, e.votes_satisfied, e.votes_basic, "
            "e.rect_due IS NOT NULL AND e.rect_done IS NULL FROM evaluation e JOIN pledge p ON p.id = e.pledge_id "
            "WHERE p.person_id = ? AND p.year = ? AND p.deleted_at IS NULL AND e.deleted_at IS NULL "
            "ORDER BY e.date, e.id", (person_id, year)):
        if grade:
            result = vocab.label(vocab.ALL_GRADES, grade)
        elif valid:
            result = f"有效票 {valid}，满意 {sat or 0}，基本满意 {basic or 0}"
        else:
            result = "已评议"
        judged[pid].append((vocab.label(vocab.EVAL_KINDS, kind), result))
        if rect_open:
            lines[pid].rectification_open = True
    for pid, line in lines.items():
        line.evaluations = judged.get(pid, [])
    return list(lines.values())
