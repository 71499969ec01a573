"""What the TUI's third-ledger forms and lists read beyond :mod:`.queries`, as plain dataclasses: the 乡镇（党委）
to filter by, one appraisal's fields (to edit it), its 处置, a branch's star rating, the year's honour candidates.

Reads only, a query or two each; the writes are in :mod:`pledgebook.models.appraisal.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pledgebook.models.appraisal.rules.honours import QuotaUse, quota_usage
from pledgebook.models.appraisal.validate import APPRAISAL_FIELDS
from pledgebook.models.core import vocab
from pledgebook.models.store.orgtree import OrgTree
from pledgebook.models.store.tables import fetch_all

__all__ = [
    "DisposalLine",
    "HonourLine",
    "RatingView",
    "appraisal_fields",
    "committees",
    "disposals_of",
    "honour_lines",
    "honour_quotas",
    "rating_view",
]

STAR_COLUMNS = tuple(f"score_{item}" for item in vocab.STAR_ITEMS)


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def committees() -> list[tuple[int, str]]:
    """The live 乡镇（党委） (kinds ``vocab.COMMITTEE_KINDS``), in tree order: (id, name)."""
    tree = OrgTree.load()
    return [(oid, node.name) for oid, node in tree.orgs.items() if node.kind in vocab.COMMITTEE_KINDS]


def appraisal_fields(appraisal_id: int) -> dict[str, object] | None:
    """The stored fields (``validate.APPRAISAL_FIELDS``) of a live appraisal, or None when it is gone."""
    rows = fetch_all(f"SELECT {', '.join(APPRAISAL_FIELDS)} FROM appraisal WHERE id = ? AND deleted_at IS NULL",
                     (appraisal_id,))
    if not rows:
        return None
    found = dict(zip(APPRAISAL_FIELDS, rows[0], strict=True))
    found["decided_on"] = _day(found["decided_on"])
    return found


@dataclass(frozen=True)
class DisposalLine:
    """One live 处置 of an appraisal, open or closed."""

    disposal_id: int
    kind: str
    decided_on: date | None
    due_date: date | None
    closed_on: date | None
    result: str
    note: str

    @property
    def kind_label(self) -> str:
        return vocab.label(vocab.DISPOSAL_KINDS, self.kind)

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


def disposals_of(appraisal_id: int) -> list[DisposalLine]:
    """The live 处置 of one appraisal, the open ones first, then by due date."""
    return [DisposalLine(did, kind, _day(decided), _day(due), _day(closed), result or "", note or "")
            for did, kind, decided, due, closed, result, note in fetch_all(
                "SELECT id, kind, decided_on, due_date, closed_on, result, note FROM disposal "
                "WHERE appraisal_id = ? AND deleted_at IS NULL ORDER BY closed_on IS NOT NULL, due_date, id",
                (appraisal_id,))]


@dataclass(frozen=True)
class RatingView:
    """A branch's star rating of one year: the item points (None: not scored), the proposal and the stars."""

    org_id: int
    year: int
    scores: dict[str, float | None] = field(default_factory=dict)
    proposed_stars: int | None = None
    stars: int | None = None
    confirmed_on: date | None = None
    note: str = ""

    @property
    def total(self) -> float:
        return round(sum(v or 0.0 for v in self.scores.values()), 1)


def rating_view(org_id: int, year: int) -> RatingView | None:
    """The branch's live rating of ``year``, or None when it has none yet."""
    rows = fetch_all(
        f"SELECT {', '.join(STAR_COLUMNS)}, proposed_stars, stars, confirmed_on, note FROM star_rating "
        "WHERE org_id = ? AND year = ? AND deleted_at IS NULL", (org_id, year))
    if not rows:
        return None
    row = rows[0]
    scores = dict(zip(vocab.STAR_ITEMS, row[:len(STAR_COLUMNS)], strict=True))
    proposed, stars, confirmed, note = row[len(STAR_COLUMNS):]
    return RatingView(org_id, year, scores, proposed, stars, _day(confirmed), note or "")


@dataclass(frozen=True)
class HonourLine:
    """One live honour of a year as the candidates' list shows it."""

    honour_id: int
    kind: str
    org_id: int
    org_name: str
    person_id: int | None
    person_name: str
    source: str
    status: str
    meets_criteria: bool
    reason: str
    decided_on: date | None

    @property
    def who(self) -> str:
        return self.person_name or self.org_name


def honour_lines(year: int, under: int | None = None) -> list[HonourLine]:
    """The live honours of ``year`` (of orgs in ``under``'s subtree if given), by kind, then as put forward (a
    decision leaves a candidate where it was in the list)."""
    tree = OrgTree.load() if under is not None else None
    found = []
    for hid, kind, oid, oname, pid, pname, source, status, meets, reason, decided in fetch_all(
            "SELECT h.id, h.kind, h.org_id, o.name, h.person_id, coalesce(p.name, ''), h.source, h.status, "
            "h.meets_criteria, h.reason, h.decided_on FROM honour h JOIN org o ON o.id = h.org_id "
            "LEFT JOIN person p ON p.id = h.person_id WHERE h.year = ? AND h.deleted_at IS NULL "
            "ORDER BY h.id", (year,)):
        if tree is not None and not (oid in tree.orgs and tree.contains(under, oid)):
            continue
        found.append(HonourLine(hid, kind, oid, oname, pid, pname, source, status, bool(meets), reason or "",
                                _day(decided)))
    kinds = list(vocab.HONOUR_KINDS)
    return sorted(found, key=lambda h: (kinds.index(h.kind) if h.kind in kinds else len(kinds), h.honour_id))


def honour_quotas(year: int, lines: list[HonourLine]) -> dict[int, QuotaUse]:
    """Each honour's id → the quota use of its 乡镇（党委） and kind (:func:`quota_usage`): the deepest
    乡镇（党委） row whose subtree holds the honour's org."""
    tree = OrgTree.load()
    usage = quota_usage(year)
    found: dict[int, QuotaUse] = {}
    for line in lines:
        for use in usage:  # tree order: a deeper row comes after the one above it
            if use.kind == line.kind and use.committee_id in tree.orgs and line.org_id in tree.orgs \
                    and tree.contains(use.committee_id, line.org_id):
                found[line.honour_id] = use
    return found
