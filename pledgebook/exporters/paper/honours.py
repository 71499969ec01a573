"""评选表彰 on paper, per kind of honour: the 公示 of the confirmed candidates and the final 表彰名单.

Both list the live honours of the year whose status is 确定表彰 (``confirmed``) under one org, one sheet per
kind (先进基层党组织, 优秀共产党员, 优秀党务工作者), grouped by 乡镇（党委） in tree order. Read straight
from the ``honour`` table (one query); each print run is one entry in the audit log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pledgebook.exporters.paper.listing import Listing, publicity_line, record_print, write_listings
from pledgebook.exporters.paper.notice import check_published_on
from pledgebook.exporters.paper.roster import committees
from pledgebook.exporters.paper.sheets import PaperResult, Progress
from pledgebook.exporters.paper.units import scope, tree_order
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError
from pledgebook.models.store.tables import Org, database


@dataclass
class HonourLine:
    """One confirmed honour as printed: the member (none for 先进基层党组织), their post, the org."""

    kind: str
    person: str
    gender: str
    post: str
    org: str
    committee: str


def _kinds(kind: str | None) -> list[str]:
    if kind is None:
        return list(vocab.HONOUR_KINDS)
    code = kind if kind in vocab.HONOUR_KINDS else vocab.code_for(vocab.HONOUR_KINDS, kind)
    if code is None:
        raise ValidationError(f"表彰类别只能是：{'、'.join(vocab.HONOUR_KINDS.values())}，收到「{kind}」", "kind")
    return [code]


def honour_lines(root: Org, year: int, kinds: list[str]) -> list[HonourLine]:
    """The confirmed honours of ``year`` under ``root`` of these kinds: by kind, then in tree order."""
    rows = database.execute_sql(
        "SELECT h.kind, h.org_id, pe.name, pe.gender, pe.post FROM honour h JOIN org o ON o.id = h.org_id "
        "LEFT JOIN person pe ON pe.id = h.person_id "
        "WHERE h.year = ? AND h.deleted_at IS NULL AND h.status = 'confirmed' AND o.deleted_at IS NULL "
        "AND o.path >= ? AND o.path < ? ORDER BY h.id",
        [year, root.path, root.path[:-1] + "0"]).fetchall()
    if not rows:
        return []
    rank = {oid: (i, name) for i, (oid, name) in enumerate(tree_order(root))}
    township = committees()
    order = {code: i for i, code in enumerate(vocab.HONOUR_KINDS)}
    lines = [(order[kind], rank[oid][0],
              HonourLine(kind, person or "", vocab.label(vocab.GENDERS, gender), post or "", rank[oid][1],
                         township.get(oid, "")))
             for kind, oid, person, gender, post in rows if kind in kinds and oid in rank]
    lines.sort(key=lambda entry: (entry[0], entry[1]))
    return [line for *_, line in lines]


def _columns(kind: str) -> list[tuple[str, float]]:
    if kind == "advanced_org":
        return [("党组织", 34.0), ("乡镇（党委）", 24.0)]
    return [("姓名", 12.0), ("性别", 6.0), ("职务", 18.0), ("所在党组织", 26.0), ("乡镇（党委）", 20.0)]


def _row(line: HonourLine) -> list[str | int | float]:
    if line.kind == "advanced_org":
        return [line.org, line.committee]
    return [line.person, line.gender, line.post, line.org, line.committee]


def _listings(root: Org, year: int, kind: str | None,
              what: str) -> tuple[list[HonourLine], list[tuple[str, list[HonourLine]]]]:
    lines = honour_lines(root, year, _kinds(kind))
    if not lines:
        which = vocab.HONOUR_KINDS[_kinds(kind)[0]] if kind is not None else "任何类别"
        raise PledgebookError(f"「{root.name}」{year}年度{which}还没有确定表彰的对象，无法打印{what}。"
                              "请先在评选表彰中确定表彰对象。")
    groups: dict[str, list[HonourLine]] = {}
    for line in lines:
        groups.setdefault(line.kind, []).append(line)
    return lines, list(groups.items())


def print_honour_notice(path: str | Path, *, org: str | None = None, org_id: int | None = None,
                        year: int | None = None, kind: str | None = None, published_on: date | str,
                        progress: Progress | None = None) -> PaperResult:
    """The 评选表彰公示 of the confirmed candidates under ``org``: one sheet per kind (or only ``kind``)."""
    started = time.perf_counter()
    path = Path(path)
    root, year = scope(org, org_id, year)
    when = check_published_on(published_on, year)
    lines, groups = _listings(root, year, kind, "评选表彰公示")
    listings = [Listing(vocab.HONOUR_KINDS[code], f"{root.name}{year}年度{vocab.HONOUR_KINDS[code]}拟表彰对象公示",
                        _columns(code), [_row(line) for line in group],
                        [publicity_line(when),
                         f"经推荐、审核，拟表彰{vocab.HONOUR_KINDS[code]} {len(group)} 名（个），现予公示。"],
                        signer=root.name, signed_on=when, complaint=True)
                for code, group in groups]
    size = write_listings(path, listings, progress)
    record_print("honour", "评选表彰公示", path, {"sheets": len(listings), "honours": len(lines)}, when)
    return PaperResult(path, len(listings), 0, size, time.perf_counter() - started, published_on=when,
                       members=len(lines))


def print_honour_list(path: str | Path, *, org: str | None = None, org_id: int | None = None,
                      year: int | None = None, kind: str | None = None,
                      progress: Progress | None = None) -> PaperResult:
    """The final 表彰名单 under ``org``: one sheet per kind (or only ``kind``), grouped by 乡镇（党委）."""
    started = time.perf_counter()
    path = Path(path)
    root, year = scope(org, org_id, year)
    lines, groups = _listings(root, year, kind, "表彰名单")
    listings = [Listing(vocab.HONOUR_KINDS[code], f"{root.name}{year}年度{vocab.HONOUR_KINDS[code]}表彰名单",
                        _columns(code), [_row(line) for line in group],
                        [f"共 {len(group)} 名（个）"], signer=root.name)
                for code, group in groups]
    size = write_listings(path, listings, progress)
    record_print("honour", "表彰名单", path, {"sheets": len(listings), "honours": len(lines)})
    return PaperResult(path, len(listings), 0, size, time.perf_counter() - started, members=len(lines))
