"""Read queries for the faces (TUI, reports): plain dataclasses, no ORM objects.

Everything a screen shows comes from here, so no widget holds a peewee model
or runs SQL. The pledge list is paged: :func:`pledge_summary` counts and sums
the filtered set in one aggregate, :func:`pledge_page` fetches one window of
rows. Free text matches Chinese substrings of the content and the pledger's
name, and the pinyin keys of people and organizations (``zs``/``zhs`` finds
张三, ``lzz`` finds 联珠镇). Three characters or more of content go through the
trigram index ``pledge_search`` (the pledge content only, kept in step by
triggers: :mod:`pledgebook.models.store.search`); names and pinyin keys are
matched in the person and org tables; one or two characters, which a trigram
cannot index, scan the year with LIKE. A search counts at most
:data:`SEARCH_CAP` matches ("1000+ 条"): nobody reads further, and counting a
huge set would cost every keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pledgebook.models.core import vocab
from pledgebook.models.core.values import mask_id_number, mask_phone
from pledgebook.models.ledger.categories import categories, category_labels
from pledgebook.models.ledger.detail import (
    FIELD_LABELS,
    EvaluationItem,
    HistoryItem,
    PledgeDetail,
    ProgressItem,
    is_overdue,
    pledge_detail,
    stage,
)
from pledgebook.models.ledger.figures import (
    YearInfo,
    counted_on,
    current_year,
    overdue_check,
    overdue_sql,
    years,
)
from pledgebook.models.store.pickers import PledgerChoice, like_pattern, search_pledgers
from pledgebook.models.store.search import match_sql
from pledgebook.models.store.tables import Person, database, fetch_all

__all__ = [  # the detail, the categories and the pickers are re-exported: the faces read them all here
    "FIELD_LABELS",
    "PAGE_SIZE",
    "SEARCH_CAP",
    "SORTS",
    "VIEWS",
    "EvaluationItem",
    "HistoryItem",
    "ListSummary",
    "PersonInfo",
    "PersonRow",
    "PledgeDetail",
    "PledgeFilter",
    "PledgeRow",
    "PledgerChoice",
    "ProgressItem",
    "TreeNode",
    "YearInfo",
    "categories",
    "category_labels",
    "current_year",
    "data_version",
    "is_overdue",
    "org_tree",
    "people_count",
    "people_page",
    "person_info",
    "pledge_detail",
    "pledge_page",
    "pledge_summary",
    "search_pledgers",
    "search_text",
    "stage",
    "summarize",
    "years",
]

PAGE_SIZE = 64
SEARCH_CAP = 1000

SORTS: dict[str, tuple[str, str]] = {
    # key: (SQL expression, Chinese label)
    "id": ("p.id", "编号"),
    # Chinese names by pinyin (the pinyin column, filled on every write): 丁 among the d's, not first
    "pledger": ("coalesce(pe.pinyin, o.pinyin)", "承诺人"),
    "org": ("o.pinyin", "党组织"),
    "category": ("p.category", "类别"),
    "status": ("p.status", "状态"),
    "due": ("coalesce(p.due_date, '9999')", "时限"),
}

VIEWS: dict[str, str] = {"all": "全部", "overdue": "仅逾期", "rectification": "待整改"}


@dataclass(frozen=True)
class PledgeFilter:
    year: int
    org_path: str | None = None  # the subtree's materialized path ("/1/5/")
    text: str = ""
    status: str | None = None
    category: str | None = None
    overdue: bool = False
    rectification: bool = False
    sort: str = "id"
    descending: bool = False


@dataclass
class PledgeRow:
    id: int
    pledger: str
    org: str
    category: str
    status: str
    status_code: str
    due: str
    overdue: bool
    content: str


@dataclass
class ListSummary:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    capped: bool = False  # a search matched more than ``total`` (= SEARCH_CAP): counts are partial

    @property
    def fulfilled(self) -> int:
        return self.by_status.get("fulfilled", 0)

    @property
    def fulfilment_rate(self) -> float | None:
        if self.capped:
            return None
        base = self.total - sum(self.by_status.get(s, 0) for s in vocab.EXCLUDED_FROM_RATE)
        return self.fulfilled / base if base else None

    @property
    def total_text(self) -> str:
        return f"{self.total}+" if self.capped else str(self.total)


def search_text(text: str) -> str:
    """A typed query as it is matched: lowercase, runs of blanks as one space."""
    return " ".join(text.split()).lower()


def _path_range(path: str) -> tuple[str, str]:
    """Paths under ``/1/5/`` lie in [``/1/5/``, ``/1/50``): '0' follows '/'."""
    return path, path[:-1] + "0"


def _where(f: PledgeFilter, today: date) -> tuple[str, list[object]]:
    sql = ["p.year = ?", "p.deleted_at IS NULL"]
    params: list[object] = [f.year]
    if f.org_path:
        low, high = _path_range(f.org_path)
        sql.append("p.org_id IN (SELECT id FROM org WHERE path >= ? AND path < ?)")
        params += [low, high]
    if f.status:
        sql.append("p.status = ?")
        params.append(f.status)
    if f.category:
        sql.append("p.category = ?")
        params.append(f.category)
    if f.overdue:
        late_sql, late_params = overdue_sql(f.year, today)
        sql.append(late_sql)
        params += late_params
    if f.rectification:
        sql.append(
            "p.id IN (SELECT pledge_id FROM evaluation "
            "WHERE rect_due IS NOT NULL AND rect_done IS NULL AND deleted_at IS NULL)"
        )
    text = search_text(f.text)
    if text:
        if len(text) >= 3:
            match, extra = match_sql(text)
            params += extra
        else:
            like = like_pattern(text)
            names = "name LIKE ? ESCAPE '\\' OR pinyin LIKE ? ESCAPE '\\'"
            match = (
                "p.content LIKE ? ESCAPE '\\'"
                f" OR p.org_id IN (SELECT id FROM org WHERE {names})"
                f" OR p.person_id IN (SELECT id FROM person WHERE {names})"
            )
            params += [like] * 5
        if text.isdigit():
            match += " OR p.id = ?"
            params.append(int(text))
        sql.append(f"({match})")
    return " AND ".join(sql), params


def pledge_summary(f: PledgeFilter, today: date | None = None, cap: int = SEARCH_CAP) -> ListSummary:
    """How many pledges the filter selects, by status, and how many are overdue.

    With search text, at most ``cap`` matches are counted (``capped`` says
    there were more); without, the whole filtered set, from the indexes.
    """
    today = counted_on(f.year, today)  # a closed year: 逾期 as at closing, as the figures count it
    where, params = _where(f, today)
    late_sql, late_params = overdue_sql(f.year, today)
    if search_text(f.text):
        rows = database.execute_sql(
            f"SELECT p.status, {late_sql} FROM pledge p WHERE {where} LIMIT ?",
            [*late_params, *params, int(cap) + 1],
        ).fetchall()
        summary = ListSummary(capped=len(rows) > cap)
        for status, overdue in rows[:cap]:
            summary.total += 1
            summary.by_status[status] = summary.by_status.get(status, 0) + 1
            summary.overdue += overdue or 0
        return summary
    rows = database.execute_sql(
        f"SELECT p.status, count(*), sum({late_sql}) FROM pledge p WHERE {where} GROUP BY p.status",
        [*late_params, *params],
    ).fetchall()
    summary = ListSummary()
    for status, count, overdue in rows:
        summary.total += count
        summary.by_status[status] = count
        summary.overdue += overdue or 0
    return summary


def summarize(rows: list[PledgeRow]) -> ListSummary:
    """The summary of a list that is all here (a page shorter than the page size)."""
    summary = ListSummary(total=len(rows))
    for r in rows:
        summary.by_status[r.status_code] = summary.by_status.get(r.status_code, 0) + 1
        summary.overdue += r.overdue
    return summary


def pledge_page(f: PledgeFilter, offset: int, limit: int = PAGE_SIZE, today: date | None = None) -> list[PledgeRow]:
    """One window of the filtered, sorted list."""
    today = counted_on(f.year, today)  # a closed year: 逾期 as at closing, as the figures count it
    where, params = _where(f, today)
    expr = SORTS.get(f.sort, SORTS["id"])[0]
    order = "DESC" if f.descending else "ASC"
    rows = fetch_all(
        "SELECT p.id, pe.name, o.name, p.category, p.status, p.due_date, p.content "
        "FROM pledge p JOIN org o ON o.id = p.org_id LEFT JOIN person pe ON pe.id = p.person_id "
        f"WHERE {where} ORDER BY {expr} {order}, p.id {order} LIMIT ? OFFSET ?",
        [*params, int(limit), int(offset)],
    )
    cats = category_labels()
    is_late = overdue_check(f.year, today)
    result = []
    for pid, person, org, category, status, due, content in rows:
        due_text = str(due or "")
        overdue = is_late(pid, status, due)
        result.append(
            PledgeRow(
                id=pid,
                pledger=person or org,
                org=org,
                category=vocab.label(cats, category),
                status=vocab.label(vocab.PLEDGE_STATUSES, status),
                status_code=status,
                due=due_text[:10],
                overdue=overdue,
                content=" ".join(str(content).split()),
            )
        )
    return result


# ------------------------------------------------------------------ years, orgs


@dataclass
class TreeNode:
    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str
    count: int  # pledges of the year in this subtree
    children: list[int] = field(default_factory=list)


def org_tree(year: int) -> dict[int, TreeNode]:
    """Every live org with the pledge count of its subtree for ``year``; keyed by id, in tree order."""
    nodes: dict[int, TreeNode] = {}
    for oid, name, kind, parent, path in database.execute_sql(
        "SELECT id, name, kind, parent_id, path FROM org WHERE deleted_at IS NULL ORDER BY sort, id"
    ).fetchall():
        nodes[oid] = TreeNode(oid, name, kind, parent, path, 0)
    for oid, count in database.execute_sql(
        "SELECT org_id, count(*) FROM pledge WHERE year = ? AND deleted_at IS NULL GROUP BY org_id", [year]
    ).fetchall():
        if oid in nodes:
            nodes[oid].count += count
    # roll up: deepest first (path length orders depth)
    for node in sorted(nodes.values(), key=lambda n: -n.path.count("/")):
        if node.parent_id in nodes:
            nodes[node.parent_id].count += node.count
    for node in nodes.values():
        if node.parent_id in nodes:
            nodes[node.parent_id].children.append(node.id)
    return nodes


# ------------------------------------------------------------------ people


@dataclass
class PersonRow:
    id: int
    name: str
    org: str
    gender: str
    post: str
    id_number: str  # masked
    phone: str  # masked
    state: str


def _people_where(text: str, org_path: str | None) -> tuple[str, list]:
    sql, params = ["pe.deleted_at IS NULL"], []
    if org_path:
        low, high = _path_range(org_path)
        sql.append("o.path >= ? AND o.path < ?")
        params += [low, high]
    text = " ".join(text.split()).lower()
    if text:
        like = like_pattern(text)
        sql.append("(pe.name LIKE ? ESCAPE '\\' OR pe.pinyin LIKE ? ESCAPE '\\' OR o.name LIKE ? ESCAPE '\\')")
        params += [like, like, like]
    return " AND ".join(sql), params


def people_count(text: str = "", org_path: str | None = None) -> int:
    where, params = _people_where(text, org_path)
    return database.execute_sql(
        f"SELECT count(*) FROM person pe JOIN org o ON o.id = pe.org_id WHERE {where}", params
    ).fetchone()[0]


def people_page(text: str = "", org_path: str | None = None, offset: int = 0, limit: int = PAGE_SIZE) -> list[PersonRow]:
    where, params = _people_where(text, org_path)
    rows = database.execute_sql(
        "SELECT pe.id, pe.name, o.name, pe.gender, pe.post, pe.id_number, pe.phone, pe.state "
        f"FROM person pe JOIN org o ON o.id = pe.org_id WHERE {where} ORDER BY pe.org_id, pe.id LIMIT ? OFFSET ?",
        [*params, int(limit), int(offset)],
    ).fetchall()
    return [
        PersonRow(
            pid, name, org, vocab.label(vocab.GENDERS, gender), post or "", mask_id_number(idn), mask_phone(phone),
            vocab.label(vocab.PERSON_STATES, state),
        )
        for pid, name, org, gender, post, idn, phone, state in rows
    ]


@dataclass
class PersonInfo:
    id: int
    name: str
    org_id: int
    org: str
    gender: str
    ethnicity: str
    birth_date: str
    joined_date: str
    post: str
    id_number: str  # masked
    phone: str  # masked
    state: str
    education: str = ""  # 学历


def person_info(person_id: int) -> PersonInfo | None:
    pe = Person.get_or_none(Person.id == person_id)
    if pe is None:
        return None
    return PersonInfo(
        pe.id, pe.name, pe.org_id, pe.org.name, vocab.label(vocab.GENDERS, pe.gender), pe.ethnicity or "",
        _day(pe.birth_date), _day(pe.joined_date), pe.post or "", mask_id_number(pe.id_number), mask_phone(pe.phone),
        vocab.label(vocab.PERSON_STATES, pe.state), pe.education or "",
    )


def _day(value: object) -> str:
    return "" if value is None else str(value)[:10]


def data_version() -> int:
    """Changes whenever another connection commits to the file (PRAGMA data_version)."""
    return int(database.execute_sql("PRAGMA data_version").fetchone()[0])
