"""What the paper side prints: the organizations under one org, in tree order, each with its pledges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Org, database


@dataclass
class Line:
    """One pledge as printed."""

    id: int
    uid: str
    pledger: str
    post: str
    content: str
    measures: str
    due: str
    published_on: date | None


@dataclass
class Unit:
    """One organization's notice / ballot: its own pledges and its members'."""

    org_id: int
    name: str
    lines: list[Line] = field(default_factory=list)


def find_org(code_or_name: str | None) -> Org:
    """The org named by its code (or exact name); the county root when None."""
    if not code_or_name:
        return rules.root_org()
    text = code_or_name.strip()
    org = Org.get_or_none((Org.code == text) & Org.deleted_at.is_null())
    if org is None:
        matches = list(Org.select().where((Org.name == text) & Org.deleted_at.is_null()).limit(2))
        if len(matches) > 1:
            raise ValidationError(f"名为「{text}」的党组织不止一个，请用组织代码指定", "org")
        org = matches[0] if matches else None
    if org is None:
        raise ValidationError(f"未找到组织代码或名称为「{text}」的党组织", "org")
    return org


def scope(org: str | None, org_id: int | None, year: int | None) -> tuple[Org, int]:
    """The org printed for (by id, code or exact name; the county when none) and the year (the current one)."""
    root = Org.get_by_id(org_id) if org_id is not None else find_org(org)
    year = year or rules.current_year()
    if year is None:
        raise ValidationError("台账中还没有工作年度", "year")
    return root, year


def tree_order(root: Org) -> list[tuple[int, str]]:
    """(id, name) of the live orgs under ``root`` (itself included), depth first, by sort then id."""
    low, high = root.path, root.path[:-1] + "0"
    rows = database.execute_sql(
        "SELECT id, name, parent_id FROM org WHERE deleted_at IS NULL AND path >= ? AND path < ? ORDER BY sort, id",
        [low, high],
    ).fetchall()
    children: dict[int | None, list[tuple[int, str]]] = {}
    for oid, name, parent in rows:
        children.setdefault(parent, []).append((oid, name))
    order: list[tuple[int, str]] = []
    stack = [(root.id, root.name)]
    while stack:
        oid, name = stack.pop()
        order.append((oid, name))
        stack.extend(reversed(children.get(oid, [])))
    return order


def post_rank(post: str) -> int:
    if "书记" in post:
        return 1 if "副" in post else 0
    if "委员" in post:
        return 2
    return 3


def _due_text(due: str | None, term: str) -> str:
    if due:
        d = date.fromisoformat(str(due)[:10])
        return f"{d.year}年{d.month}月{d.day}日"
    return vocab.label(vocab.TERMS, term)


def collect(org: Org, year: int) -> list[Unit]:
    """The organizations under ``org`` that have pledges in ``year``, in tree order, each with its pledges.

    In a unit the organization's own pledges come first (组织, 班子, 服务 in
    that order), then the members' by post (书记, 副书记, 委员, others), then
    roster order; withdrawn and carried-over pledges are left out.
    """
    low, high = org.path, org.path[:-1] + "0"
    scope_rank = {code: i for i, code in enumerate(vocab.SCOPES)}
    rows = database.execute_sql(
        "SELECT p.id, p.uid, p.org_id, p.person_id, pe.name, pe.post, o.name, p.scope, p.content, p.measures, "
        "p.due_date, p.term, p.published_on "
        "FROM pledge p JOIN org o ON o.id = p.org_id LEFT JOIN person pe ON pe.id = p.person_id "
        "WHERE p.year = ? AND p.deleted_at IS NULL AND p.status NOT IN ('withdrawn', 'carried') "
        "AND o.path >= ? AND o.path < ?",
        [year, low, high],
    ).fetchall()
    by_org: dict[int, list[tuple[tuple, Line]]] = {}
    for pid, uid, oid, person_id, person, post, org_name, scope, content, measures, due, term, published in rows:
        post = post or ""
        if person_id is None:
            key: tuple = (0, scope_rank.get(scope, 9), 0, pid)
            pledger, post_text = org_name, vocab.label(vocab.SCOPES, scope)
        else:
            key = (1, post_rank(post), person_id, pid)
            pledger, post_text = person or "", post
        published_on = date.fromisoformat(str(published)[:10]) if published else None
        line = Line(pid, uid, pledger, post_text, " ".join(str(content).split()), str(measures or "").strip(),
                    _due_text(due, term), published_on)
        by_org.setdefault(oid, []).append((key, line))
    units = []
    for oid, name in tree_order(org):
        entries = by_org.get(oid)
        if entries:
            entries.sort(key=lambda e: e[0])
            units.append(Unit(oid, name, [line for _, line in entries]))
    return units
