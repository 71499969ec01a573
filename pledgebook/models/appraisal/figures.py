"""The third ledger's figures, defined once for the reports, ``stats``, the home screen and the tests.

民主评议党员情况统计表 (:func:`appraisal_table`), one row per 党委 (the root's children, as every report of
the county groups them: :func:`pledgebook.models.store.statrows.rows_by`; in a prefecture file, per
county) and a total row:

- 党员 (members): people 在册 (live, state active) in the subtree, wherever they stand in the tree;
- 参评 (appraised): live appraisals of the year without an exempt reason (graded or undecided), counted
  at the appraisal's branch; 不参评 (exempt): those with one; 优秀/合格/基本合格/不合格 by the grade,
  未评定 (undecided): appraised with no grade yet;
- 组织处置 (disposals): live 处置 of those appraisals; 未销号 (disposals_open): of them not closed.

A2's 星级评定 and 评选表彰 tables live in :mod:`pledgebook.models.appraisal.standing`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, fields

from pledgebook.models.core import vocab
from pledgebook.models.store import settings
from pledgebook.models.store.orgtree import OrgTree, TreeBook
from pledgebook.models.store.statrows import rows_by
from pledgebook.models.store.tables import fetch_all, fetch_one

__all__ = ["AppraisalBook", "AppraisalFigures", "AppraisalRow", "appraisal_table", "summary"]

TOTAL = "合计"


@dataclass
class AppraisalFigures:
    """The appraisal counts of one subtree and year; ``add`` sums two."""

    members: int = 0
    appraised: int = 0
    exempt: int = 0
    excellent: int = 0
    qualified: int = 0
    basic: int = 0
    unqualified: int = 0
    undecided: int = 0
    disposals: int = 0
    disposals_open: int = 0

    def add(self, other: AppraisalFigures) -> None:
        """Sum the counts (only these: a subclass's own fields, a row's name, are not summed); by name, not by
        ``asdict``, which deep-copies and cost half a second per roll-up of a county's tree."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


_COUNTS = tuple(f.name for f in fields(AppraisalFigures))


class AppraisalBook(TreeBook[AppraisalFigures]):
    """One year's appraisal figures per org, rolled up the tree (three GROUP BY queries)."""

    def __init__(self, year: int, tree: OrgTree | None = None):
        self.year = year
        super().__init__(tree)
        self.raw: dict[int, AppraisalFigures] = defaultdict(AppraisalFigures)
        for oid, n in fetch_all("SELECT org_id, count(*) FROM person WHERE deleted_at IS NULL AND state = 'active' "
                                "GROUP BY org_id"):
            self.raw[oid].members += n
        for oid, grade, exempt, n in fetch_all(
                "SELECT org_id, grade, exempt_reason IS NOT NULL, count(*) FROM appraisal "
                "WHERE year = ? AND deleted_at IS NULL GROUP BY 1, 2, 3", (year,)):
            fig = self.raw[oid]
            if exempt:
                fig.exempt += n
                continue
            fig.appraised += n
            if grade in vocab.APPRAISAL_GRADES:
                setattr(fig, grade, getattr(fig, grade) + n)
            else:
                fig.undecided += n
        for oid, n, still_open in fetch_all(
                "SELECT a.org_id, count(*), sum(d.closed_on IS NULL) FROM disposal d JOIN appraisal a "
                "ON a.id = d.appraisal_id WHERE a.year = ? AND a.deleted_at IS NULL AND d.deleted_at IS NULL "
                "GROUP BY 1", (year,)):
            self.raw[oid].disposals += n
            self.raw[oid].disposals_open += still_open or 0

    def zero(self) -> AppraisalFigures:
        return AppraisalFigures()

    def own(self) -> dict[int, AppraisalFigures]:
        return self.raw


@dataclass
class AppraisalRow(AppraisalFigures):
    """One row of 民主评议党员情况统计表: a 党委 (``org_id``) or the total (``org_id`` None, name 「合计」)."""

    org_id: int | None = None
    name: str = ""
    code: str | None = None
    kind: str = ""


def _row(figures: AppraisalFigures, org_id: int | None, name: str, code: str | None, kind: str) -> AppraisalRow:
    return AppraisalRow(**asdict(figures), org_id=org_id, name=name, code=code, kind=kind)


def appraisal_table(year: int, root_id: int | None = None, by: str = "committee") -> list[AppraisalRow]:
    """民主评议党员情况统计表 of ``year``: a row per 党委 under ``root_id`` (the county by default; ``by``
    'county' in a prefecture file: per county), then the total row 「合计」 of the whole subtree."""
    book = AppraisalBook(year)
    root = root_id if root_id is not None else book.root_id()
    if root is None:
        return [_row(AppraisalFigures(), None, TOTAL, None, "")]
    rows = [_row(fig, node.id, node.name, node.code, node.kind) for node, fig in rows_by(book, root, by)]
    return [*rows, _row(book.subtree(root), None, TOTAL, None, "")]


def summary(year: int) -> dict[str, int]:
    """The headline numbers for ``stats`` and the home screen: appraised, excellent, unqualified,
    disposals_open (of ``year``'s appraisals), five_star (branches whose confirmed stars are the top level of
    the setting 星级分数线, five by default), honours_confirmed (honours of ``year`` 确定表彰)."""
    fig = AppraisalBook(year).subtree()
    top = max(settings.star_thresholds(), default=1)
    five = fetch_one("SELECT count(*) FROM star_rating s JOIN org o ON o.id = s.org_id WHERE s.year = ? "
                     "AND s.deleted_at IS NULL AND o.deleted_at IS NULL AND s.stars = ?", (year, top))
    honours = fetch_one("SELECT count(*) FROM honour WHERE year = ? AND deleted_at IS NULL AND status = 'confirmed'",
                        (year,))
    return {"appraised": fig.appraised, "excellent": fig.excellent, "unqualified": fig.unqualified,
            "disposals_open": fig.disposals_open, "five_star": int(five[0]) if five else 0,
            "honours_confirmed": int(honours[0]) if honours else 0}
