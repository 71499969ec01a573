"""The figures, defined once: used by the TUI, the CLI, the reports and the tests.

- 兑现率 = 已兑现 / (all pledges − 已撤销): a pledge carried into the next year (已结转) stays in
  its own year's denominator as not fulfilled there, so closing a year never changes its figures;
  已结转 is a column of its own (``Figures.carried``)
- 满意率 = (满意 + 基本满意) / 有效票 of 群众评议 (or 满意 alone: a county setting)
- 参与率 = 有效票 / 发放票数
- 逾期 = due date passed, status not final
- 待整改 = rectification due set, not done

SQL aggregates per (org, category) in a handful of GROUP BY queries; the
org tree (:class:`pledgebook.models.store.orgtree.OrgTree`, shared by every
ledger) then rolls those up to any subtree in Python, so one pass serves the
county total, every 党委 row and every tree node.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

from pledgebook.models.core import vocab
from pledgebook.models.store.db import fetch_packed, get_setting
from pledgebook.models.store.orgtree import OrgNode, TreeBook
from pledgebook.models.store.tables import Org, database


@dataclass
class Figures:
    pledges: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    rectification_open: int = 0
    evaluations: int = 0
    ballots_issued: int = 0
    ballots_valid: int = 0
    votes_satisfied: int = 0
    votes_basic: int = 0
    votes_unsatisfied: int = 0
    valid_where_issued: int = 0  # 有效票 of the evaluations that say how many were issued
    orgs_pledged: int = 0
    people_pledged: int = 0
    formula: str = "satisfied_plus_basic"

    # ---- derived
    @property
    def fulfilled(self) -> int:
        return self.by_status.get("fulfilled", 0)

    @property
    def carried(self) -> int:
        """已结转: carried into the next year at its rollover (counted in 兑现率's denominator, not fulfilled)."""
        return self.by_status.get("carried", 0)

    @property
    def rate_base(self) -> int:
        return self.pledges - sum(self.by_status.get(s, 0) for s in vocab.EXCLUDED_FROM_RATE)

    @property
    def fulfilment_rate(self) -> float | None:
        return self.fulfilled / self.rate_base if self.rate_base else None

    @property
    def satisfaction_rate(self) -> float | None:
        if not self.ballots_valid:
            return None
        top = self.votes_satisfied + (self.votes_basic if self.formula != "satisfied_only" else 0)
        return top / self.ballots_valid

    @property
    def participation_rate(self) -> float | None:
        return self.valid_where_issued / self.ballots_issued if self.ballots_issued else None

    def add(self, other: Figures) -> None:
        # through the instance dicts, not getattr/setattr: the home figures add ~3,000 of these at
        # launch, while Textual imports on the other thread and both want the GIL
        mine, theirs = self.__dict__, other.__dict__
        for name in SUMMED:
            mine[name] += theirs[name]
        counts = self.by_status
        for status, n in other.by_status.items():
            counts[status] = counts.get(status, 0) + n

    def as_dict(self) -> dict:
        """Plain JSON-able form with English snake_case keys (rates rounded to 4 places)."""
        data = asdict(self)
        data.pop("formula")
        data.pop("valid_where_issued")
        data["by_status"] = {s: self.by_status.get(s, 0) for s in vocab.PLEDGE_STATUSES}
        data["fulfilled"] = self.fulfilled
        data["carried"] = self.carried
        for name in ("fulfilment_rate", "satisfaction_rate", "participation_rate"):
            value = getattr(self, name)
            data[name] = None if value is None else round(value, 4)
        return data


SUMMED = ("pledges", "overdue", "rectification_open", "evaluations", "ballots_issued", "ballots_valid",
          "votes_satisfied", "votes_basic", "votes_unsatisfied", "valid_where_issued", "orgs_pledged", "people_pledged")


def percent(value: float | None, digits: int = 1) -> str:
    """A rate as people write it: 87.5%, or — when there is nothing to divide."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def counted_on(year: int, today: date | None = None) -> date:
    """The day a year's 逾期 is counted on: today, or a closed year's closing day (its figures stay
    as they were at closing)."""
    today = today or date.today()
    row = database.execute_sql(
        "SELECT closed_at FROM work_year WHERE year = ? AND closed = 1 AND closed_at IS NOT NULL", [year]
    ).fetchone()
    if row and row[0]:
        today = min(today, date.fromisoformat(str(row[0])[:10]))
    return today


@dataclass
class YearInfo:
    year: int
    closed: bool


def years() -> list[YearInfo]:
    """Every work year, oldest first, open or closed (here, not in ``queries``, so that the first
    screen finds its year without importing the list, detail and search readers)."""
    rows = database.execute_sql("SELECT year, closed FROM work_year ORDER BY year").fetchall()
    return [YearInfo(int(y), bool(c)) for y, c in rows]


def current_year(known: list[YearInfo] | None = None) -> int | None:
    """The latest open year, else the latest year (``rules.current_year``); ``known``: ``years()``."""
    known = years() if known is None else known
    open_years = [y.year for y in known if not y.closed]
    if open_years:
        return open_years[-1]
    return known[-1].year if known else None


ROLLOVER_RECORD = "rollover.{year}"  # the setting rollover.py (RECORD_KEY) writes: what a rollover did


def open_when_carried(year: int) -> list[int]:
    """The pledges of a closed year that were still open (拟定, 践诺中) when its rollover carried them
    (read from the rollover's record); those carried from 部分兑现/未兑现 were final already."""
    text = get_setting(ROLLOVER_RECORD.format(year=year))
    if not text:
        return []
    try:
        statuses = json.loads(text).get("statuses", {})
    except (ValueError, AttributeError):
        return []
    return [int(pid) for s in vocab.OPEN_STATUSES for pid in statuses.get(s, ()) if str(pid).isdigit()]


def overdue_sql(year: int, day: date, alias: str = "p") -> tuple[str, list]:
    """逾期 as SQL over pledge ``alias``, with its parameters: the due date passed by ``day``, status
    still open — or carried while still open (so closing a year leaves its 逾期 as it was)."""
    opened = ",".join(f"'{s}'" for s in vocab.OPEN_STATUSES)
    sql = f"({alias}.due_date IS NOT NULL AND {alias}.due_date < ? AND ({alias}.status IN ({opened})"
    carried = open_when_carried(year)
    if not carried:
        return sql + "))", [day.isoformat()]
    sql += f" OR ({alias}.status = 'carried' AND {alias}.id IN (SELECT value FROM json_each(?)))))"
    return sql, [day.isoformat(), json.dumps(carried)]


def overdue_check(year: int, day: date) -> Callable[[int, str, object], bool]:
    """逾期 of one row in Python, the same rule as :func:`overdue_sql`: ``late(id, status, due)``."""
    carried = set(open_when_carried(year))
    day_text = day.isoformat()

    def late(pledge_id: int, status: str, due: object) -> bool:
        if due is None or str(due)[:10] >= day_text:
            return False
        return status in vocab.OPEN_STATUSES or (status == "carried" and pledge_id in carried)

    return late


class FigureBook(TreeBook[Figures]):
    """The figures of one year (optionally one category), per org, ready to roll up."""

    def __init__(
        self,
        year: int,
        *,
        category: str | None = None,
        today: date | None = None,
        by_category: bool = True,
        people: bool = True,
    ):
        """``by_category=False`` adds the categories up in SQL (``by_category()`` and
        ``subtree(…, category)`` are then refused); ``people=False`` skips the two
        queries behind ``people_pledged`` and ``orgs_pledged`` (left at 0). The home
        screen needs neither, and both make the book smaller and quicker."""
        super().__init__()
        self.year = year
        self.category = category
        self.split_categories = by_category
        self.counts_people = people
        self._own: dict[int, Figures] = {}
        self.today = counted_on(year, today)
        self.formula = get_setting("satisfaction_formula", "satisfied_plus_basic") or "satisfied_plus_basic"
        self.people_by_org: dict[int, int] = {}
        # raw[(org_id, category)] -> Figures
        self.raw: dict[tuple[int, str], Figures] = {}
        self._load_figures()

    # ------------------------------------------------------------- loading
    def _fig(self, org_id: int, category: str) -> Figures:
        key = (org_id, category)
        fig = self.raw.get(key)
        if fig is None:
            fig = self.raw[key] = Figures(formula=self.formula)
        return fig

    def _load_figures(self) -> None:
        cat_sql, params = "", [self.year]
        if self.category:
            cat_sql, params = " AND p.category = ?", [self.year, self.category]
        # the category column, or one bucket ('') for all of them
        cat, by_cat = ("p.category", ", p.category") if self.split_categories else ("''", "")
        late_sql, late_params = overdue_sql(self.year, self.today)
        # one row per org (and category), a count per status: grouped in the order of the
        # pledge_figures index (year, org_id, category …), SQLite sorts nothing (a third quicker)
        statuses = list(vocab.PLEDGE_STATUSES)
        counts = ", ".join(f"count(CASE p.status WHEN '{s}' THEN 1 END)" for s in statuses)
        rows = fetch_packed(
            f"SELECT p.org_id, {cat}, count(*), count(CASE WHEN {late_sql} THEN 1 END), {counts} "
            f"FROM pledge p WHERE p.year = ? AND p.deleted_at IS NULL{cat_sql} "
            f"GROUP BY p.org_id{by_cat}",
            4 + len(statuses), [*late_params, *params],
        )
        odd = False
        for org_id, category, count, overdue, *per_status in rows:
            fig = self._fig(org_id, category)
            fig.pledges += count
            fig.overdue += overdue
            by_status = fig.by_status
            for status, n in zip(statuses, per_status):
                if n:
                    by_status[status] = by_status.get(status, 0) + n
            odd = odd or sum(per_status) != count
        if odd:  # a status outside the vocabulary (doctor reports it): counted as stored, as ever
            self._odd_statuses(params, cat, by_cat, cat_sql)
        if self.counts_people:
            rows = fetch_packed(
                f"SELECT p.org_id, {cat}, count(DISTINCT p.person_id), max(p.person_id IS NULL) "
                f"FROM pledge p WHERE p.year = ? AND p.deleted_at IS NULL{cat_sql} AND p.status != 'withdrawn' "
                f"GROUP BY p.org_id{by_cat}",
                4, params,
            )
            for org_id, category, people, org_pledged in rows:
                fig = self._fig(org_id, category)
                fig.people_pledged += people or 0
                fig.orgs_pledged += 1 if org_pledged else 0
            # a member who pledged in two categories is one member who pledged
            self.people_by_org = {
                org_id: people
                for org_id, people in fetch_packed(
                    "SELECT p.org_id, count(DISTINCT p.person_id) "
                    f"FROM pledge p WHERE p.year = ? AND p.deleted_at IS NULL{cat_sql} AND p.status != 'withdrawn' "
                    "GROUP BY p.org_id",
                    2, params,
                )
            }
        rows = fetch_packed(
            f"SELECT p.org_id, {cat}, count(*), "
            # NULLs left out rather than read as 0 (the same sums; an all-NULL one is None, read as 0 below)
            "sum(CASE e.kind WHEN 'public' THEN e.ballots_issued END), "
            "sum(CASE e.kind WHEN 'public' THEN e.ballots_valid END), "
            "sum(CASE e.kind WHEN 'public' THEN e.votes_satisfied END), "
            "sum(CASE e.kind WHEN 'public' THEN e.votes_basic END), "
            "sum(CASE e.kind WHEN 'public' THEN e.votes_unsatisfied END), "
            "count(CASE WHEN e.rect_due IS NOT NULL AND e.rect_done IS NULL THEN 1 END), "
            "sum(CASE WHEN e.kind = 'public' AND e.ballots_issued IS NOT NULL THEN e.ballots_valid END) "
            "FROM evaluation e JOIN pledge p ON p.id = e.pledge_id "
            f"WHERE p.year = ? AND p.deleted_at IS NULL AND e.deleted_at IS NULL{cat_sql} "
            f"GROUP BY p.org_id{by_cat}",
            10, params,
        )
        for org_id, category, count, issued, valid, sat, basic, unsat, rect, valid_issued in rows:
            fig = self._fig(org_id, category)
            fig.evaluations += count
            fig.ballots_issued += issued or 0
            fig.ballots_valid += valid or 0
            fig.votes_satisfied += sat or 0
            fig.votes_basic += basic or 0
            fig.votes_unsatisfied += unsat or 0
            fig.rectification_open += rect or 0
            fig.valid_where_issued += valid_issued or 0

    def _odd_statuses(self, params: list, cat: str, by_cat: str, cat_sql: str) -> None:
        """The pledges whose status the vocabulary does not know, under that status."""
        known = ", ".join(f"'{s}'" for s in vocab.PLEDGE_STATUSES)
        for org_id, category, status, count in fetch_packed(
            f"SELECT p.org_id, {cat}, p.status, count(*) FROM pledge p "
            f"WHERE p.year = ? AND p.deleted_at IS NULL{cat_sql} AND p.status NOT IN ({known}) "
            f"GROUP BY p.org_id{by_cat}, p.status",
            4, params,
        ):
            by_status = self._fig(org_id, category).by_status
            by_status[status] = by_status.get(status, 0) + count

    # ------------------------------------------------------------- queries
    def zero(self) -> Figures:
        return Figures(formula=self.formula)

    def subtree(self, org_id: int | None = None, category: str | None = None) -> Figures:
        """Figures of an org and everything under it (the whole file when org_id is None)."""
        if category is not None and not self.split_categories:
            raise ValueError("this FigureBook adds the categories up (by_category=False)")
        if category is None:
            totals = self._rolled_up()
            if totals is not None:
                total = Figures(formula=self.formula)
                if org_id is None:
                    for fig in self._own.values():
                        total.add(fig)
                elif org_id in self.orgs:
                    total.add(totals[org_id])
                return total
        ids = set(self.orgs) if org_id is None else set(self.descendants(org_id))
        total = Figures(formula=self.formula)
        for (oid, cat), fig in self.raw.items():
            if oid in ids and (category is None or cat == category):
                total.add(fig)
        # orgs_pledged counts organizations, not (org, category) pairs; likewise people
        if category is None:
            total.people_pledged = sum(self.people_by_org.get(oid, 0) for oid in ids)
        total.orgs_pledged = len(
            {oid for (oid, cat), fig in self.raw.items() if oid in ids and fig.orgs_pledged and (category is None or cat == category)}
        )
        return total

    def _rolled_up(self) -> dict[int, Figures] | None:
        """Per live org: the figures of its subtree, all categories (one bottom-up pass).

        ``self._own`` keeps each org's own figures (their sum is the whole file's).
        Same rows as the path-prefix rule of ``descendants``; None (use that rule) when a
        path is not of the form ``/1/5/23/``.
        """
        if self._totals is not None:
            return self._totals
        if not self.tree.paths_well_formed():
            return None
        return self.rolled()

    def own(self) -> dict[int, Figures]:
        """Each live org's own figures, all categories (their sum is the whole file's)."""
        own: dict[int, Figures] = {}
        for (oid, _cat), fig in self.raw.items():
            if oid in self.orgs:
                mine = own.get(oid)
                if mine is None:
                    mine = own[oid] = Figures(formula=self.formula)
                pledged = mine.orgs_pledged or fig.orgs_pledged
                mine.add(fig)
                mine.orgs_pledged = 1 if pledged else 0
        for oid, people in self.people_by_org.items():
            if oid in self.orgs:
                own.setdefault(oid, Figures(formula=self.formula)).people_pledged = people
        self._own = own
        return own

    def level(self, org_id: int) -> tuple[Figures, list[tuple[OrgNode, Figures]]]:
        """``subtree(org_id)`` and ``children(org_id)`` in one pass: what one level of the home screen shows.

        Each org's own figures are added once, into the child subtree its path lies in (and the
        total), instead of into every ancestor of the whole tree (``rolled``): a third of the
        additions, the figures of every other level not computed. Same figures as ``subtree`` and
        ``children``; those answer when a path is not of the form ``/1/5/23/``.
        """
        node = self.orgs.get(org_id)
        if node is None or not self.tree.paths_well_formed():
            return self.subtree(org_id), self.children(org_id)
        own = self._own_figures()
        base = node.path
        start = len(base)
        child_ids = self.tree.child_ids(org_id)
        buckets = {str(c): self.zero() for c in child_ids}
        total = self.zero()
        for oid, fig in own.items():
            path = self.orgs[oid].path
            if not path.startswith(base):
                continue
            bucket = buckets.get(path[start:path.find("/", start)]) if len(path) > start else None
            (total if bucket is None else bucket).add(fig)  # org_id's own, or under a deleted child
        for bucket in buckets.values():
            total.add(bucket)
        return total, [(self.orgs[c], buckets[str(c)]) for c in child_ids]

    def _own_figures(self) -> dict[int, Figures]:
        """Each live org's own figures: ``own()``, or with the categories added up in SQL the rows as read
        (one per org, already what ``own()`` would make of them)."""
        if self.split_categories:
            return self.own()
        return {oid: fig for (oid, _cat), fig in self.raw.items() if oid in self.orgs}

    def by_category(self, org_id: int | None = None) -> list[tuple[str, Figures]]:
        if not self.split_categories:
            raise ValueError("this FigureBook adds the categories up (by_category=False)")
        cats = sorted({cat for (_o, cat) in self.raw})
        return [(cat, self.subtree(org_id, cat)) for cat in cats]


def year_figures(year: int, org_id: int | None = None, category: str | None = None) -> Figures:
    """The figures of one subtree for one year (the whole file by default)."""
    return FigureBook(year, category=category).subtree(org_id)


def org_counts() -> dict[str, int]:
    """How many organizations of each kind and members there are (not per year)."""
    counts = dict(
        database.execute_sql("SELECT kind, count(*) FROM org WHERE deleted_at IS NULL GROUP BY kind").fetchall()
    )
    people = database.execute_sql(
        "SELECT count(*) FROM person WHERE deleted_at IS NULL AND state = 'active'"
    ).fetchone()[0]
    counts["people"] = people
    return counts


def committees() -> list[Org]:
    """The 党委-level rows: the root's direct children."""
    root = Org.select().where(Org.parent.is_null(), Org.deleted_at.is_null()).order_by(Org.id).first()
    if root is None:
        return []
    return list(Org.select().where((Org.parent == root.id) & Org.deleted_at.is_null()).order_by(Org.sort, Org.id))


@dataclass
class EvaluationKindFigures:
    """评议结果汇总 of one kind of evaluation: count, ballots, 满意率 and grades."""

    kind: str
    figures: Figures
    grades: dict[str, int] = field(default_factory=dict)


def evaluation_summary(year: int, org_id: int | None = None) -> list[EvaluationKindFigures]:
    """Per kind of evaluation (自评, 党员评议, 群众评议 …): count, ballots, 满意率, grades.

    Same rows as FigureBook (live pledges of live orgs in the subtree); the
    群众评议 row's ballots and 满意率 equal ``FigureBook(year).subtree(org_id)``.
    """
    formula = get_setting("satisfaction_formula", "satisfied_plus_basic") or "satisfied_plus_basic"
    where, params = "", [year]
    if org_id is not None:
        path = database.execute_sql("SELECT path FROM org WHERE id = ?", [org_id]).fetchone()
        if path is None:
            return []
        where, params = " AND substr(o.path, 1, ?) = ?", [year, len(path[0]), path[0]]
    rows = database.execute_sql(
        "SELECT e.kind, e.grade, count(*), sum(coalesce(e.ballots_issued, 0)), sum(coalesce(e.ballots_valid, 0)), "
        "sum(coalesce(e.votes_satisfied, 0)), sum(coalesce(e.votes_basic, 0)), sum(coalesce(e.votes_unsatisfied, 0)), "
        "sum(e.rect_due IS NOT NULL AND e.rect_done IS NULL), "
        "sum(CASE WHEN e.ballots_issued IS NOT NULL THEN coalesce(e.ballots_valid, 0) ELSE 0 END) "
        "FROM evaluation e JOIN pledge p ON p.id = e.pledge_id JOIN org o ON o.id = p.org_id "
        "WHERE p.year = ? AND p.deleted_at IS NULL AND e.deleted_at IS NULL AND o.deleted_at IS NULL"
        f"{where} GROUP BY e.kind, e.grade",
        params,
    ).fetchall()
    result: dict[str, EvaluationKindFigures] = {}
    for kind, grade, count, issued, valid, sat, basic, unsat, rect, valid_issued in rows:
        item = result.get(kind)
        if item is None:
            item = result[kind] = EvaluationKindFigures(kind, Figures(formula=formula))
        fig = item.figures
        fig.evaluations += count
        fig.ballots_issued += issued or 0
        fig.ballots_valid += valid or 0
        fig.votes_satisfied += sat or 0
        fig.votes_basic += basic or 0
        fig.votes_unsatisfied += unsat or 0
        fig.rectification_open += rect or 0
        fig.valid_where_issued += valid_issued or 0
        if grade:
            item.grades[grade] = item.grades.get(grade, 0) + count
    order = list(vocab.EVAL_KINDS)
    return sorted(result.values(), key=lambda k: order.index(k.kind) if k.kind in order else len(order))
