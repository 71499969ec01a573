"""星级评定 (授旗评星) on paper, per 乡镇（党委）: the star table, the 授旗名单 and the 星级评定结果公示.

* :func:`print_star_table` — one sheet per 乡镇（党委）: each branch with its points on the 五个好, the total
  and its stars (the confirmed stars; a proposal not yet confirmed is marked 「（拟）」).
* :func:`print_flag_list` — the 授旗名单: the branches whose stars are confirmed, highest first, per 乡镇（党委）.
* :func:`print_star_notice` — the 公示 of the confirmed stars, per 乡镇（党委）.

Read straight from the ``star_rating`` table (one query); each print run is one entry in the audit log.
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
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.store.tables import Org, database

_SCORES = tuple(f"score_{item}" for item in vocab.STAR_ITEMS)


@dataclass
class StarLine:
    """One branch's rating as printed."""

    org_id: int
    name: str
    committee: str
    scores: tuple[float | None, ...]  # in the order of vocab.STAR_ITEMS
    proposed: int | None
    stars: int | None  # confirmed; None until then

    @property
    def total(self) -> float:
        return sum(s for s in self.scores if s is not None)

    def stars_text(self) -> str:
        if self.stars is not None:
            return vocab.STAR_LABELS.get(self.stars, str(self.stars))
        if self.proposed is not None:
            return vocab.STAR_LABELS.get(self.proposed, str(self.proposed)) + "（拟）"
        return ""


def star_lines(root: Org, year: int) -> list[StarLine]:
    """The live star ratings of ``year`` of the branches under ``root``, in tree order."""
    found = {row[0]: row[1:] for row in database.execute_sql(
        f"SELECT s.org_id, o.kind, o.active, {', '.join('s.' + c for c in _SCORES)}, s.proposed_stars, s.stars "
        "FROM star_rating s JOIN org o ON o.id = s.org_id "
        "WHERE s.year = ? AND s.deleted_at IS NULL AND o.deleted_at IS NULL AND o.path >= ? AND o.path < ?",
        [year, root.path, root.path[:-1] + "0"]).fetchall()}
    if not found:
        return []
    township = committees()
    lines = []
    for oid, name in tree_order(root):
        row = found.get(oid)
        if row is None or row[0] not in vocab.BRANCH_KINDS:
            continue
        scores = tuple(row[2:2 + len(_SCORES)])
        lines.append(StarLine(oid, name, township.get(oid, ""), scores, row[-2], row[-1]))
    return lines


def _by_committee(lines: list[StarLine]) -> dict[str, list[StarLine]]:
    groups: dict[str, list[StarLine]] = {}
    for line in lines:
        groups.setdefault(line.committee, []).append(line)
    return groups


def _points(value: float | None) -> str | float:
    return "" if value is None else (int(value) if float(value).is_integer() else round(value, 1))


def _need(root: Org, year: int, lines: list[StarLine], confirmed: bool) -> list[StarLine]:
    chosen = [line for line in lines if line.stars is not None] if confirmed else lines
    if not lines:
        raise PledgebookError(f"「{root.name}」{year}年度还没有星级评定记录。请先生成星级评定建议（评星）。")
    if not chosen:
        raise PledgebookError(f"「{root.name}」{year}年度还没有确定的星级。请先确定星级后再打印。")
    return chosen


def print_star_table(path: str | Path, *, org: str | None = None, org_id: int | None = None,
                     year: int | None = None, progress: Progress | None = None) -> PaperResult:
    """The 星级评定 table of the branches under ``org``, one sheet per 乡镇（党委）. Returns the path, the sheets
    (``units``) and the branches (``members``)."""
    started = time.perf_counter()
    path = Path(path)
    root, year = scope(org, org_id, year)
    lines = _need(root, year, star_lines(root, year), confirmed=False)
    columns = [("党支部", 24.0), *((label, 9.0) for label in vocab.STAR_ITEMS.values()), ("总分", 8.0), ("星级", 10.0)]
    listings = []
    for committee, group in _by_committee(lines).items():
        rows: list[list[str | int | float]] = [
            [line.name, *(_points(s) for s in line.scores), _points(line.total), line.stars_text()] for line in group]
        done = sum(1 for line in group if line.stars is not None)
        listings.append(Listing(committee, f"{committee}{year}年度党支部星级评定表", columns, rows,
                                [f"参评党支部 {len(group)} 个，已确定星级 {done} 个；标「（拟）」的为建议星级，尚未确定。"],
                                landscape=True))
    size = write_listings(path, listings, progress)
    record_print("star_rating", "星级评定表", path, {"sheets": len(listings), "branches": len(lines)})
    return PaperResult(path, len(listings), 0, size, time.perf_counter() - started, members=len(lines))


def _ranked(group: list[StarLine]) -> list[StarLine]:
    return sorted(group, key=lambda line: -(line.stars or 0))


def print_flag_list(path: str | Path, *, org: str | None = None, org_id: int | None = None,
                    year: int | None = None, progress: Progress | None = None) -> PaperResult:
    """The 授旗名单: the branches under ``org`` with confirmed stars, highest first, one sheet per 乡镇（党委）."""
    started = time.perf_counter()
    path = Path(path)
    root, year = scope(org, org_id, year)
    lines = _need(root, year, star_lines(root, year), confirmed=True)
    columns = [("星级", 10.0), ("党支部", 30.0), ("总分", 10.0)]
    listings = []
    for committee, group in _by_committee(lines).items():
        counts = "、".join(f"{vocab.STAR_LABELS.get(level, level)} {n} 个" for level, n in _level_counts(group))
        listings.append(Listing(committee, f"{committee}{year}年度星级党支部授旗名单", columns,
                                [[line.stars_text(), line.name, _points(line.total)] for line in _ranked(group)],
                                [f"共 {len(group)} 个党支部：{counts}。"], signer=committee))
    size = write_listings(path, listings, progress)
    record_print("star_rating", "授旗名单", path, {"sheets": len(listings), "branches": len(lines)})
    return PaperResult(path, len(listings), 0, size, time.perf_counter() - started, members=len(lines))


def _level_counts(group: list[StarLine]) -> list[tuple[int, int]]:
    levels: dict[int, int] = {}
    for line in group:
        if line.stars is not None:
            levels[line.stars] = levels.get(line.stars, 0) + 1
    return sorted(levels.items(), reverse=True)


def print_star_notice(path: str | Path, *, org: str | None = None, org_id: int | None = None,
                      year: int | None = None, published_on: date | str,
                      progress: Progress | None = None) -> PaperResult:
    """The 星级评定结果公示 of the confirmed stars under ``org``, one sheet per 乡镇（党委）."""
    started = time.perf_counter()
    path = Path(path)
    root, year = scope(org, org_id, year)
    when = check_published_on(published_on, year)
    lines = _need(root, year, star_lines(root, year), confirmed=True)
    columns = [("党支部", 30.0), ("总分", 10.0), ("星级", 12.0)]
    listings = [Listing(committee, f"{committee}{year}年度党支部星级评定结果公示", columns,
                        [[line.name, _points(line.total), line.stars_text()] for line in _ranked(group)],
                        [publicity_line(when)], signer=committee, signed_on=when, complaint=True)
                for committee, group in _by_committee(lines).items()]
    size = write_listings(path, listings, progress)
    record_print("star_rating", "星级评定结果公示", path, {"sheets": len(listings), "branches": len(lines)}, when)
    return PaperResult(path, len(listings), 0, size, time.perf_counter() - started, published_on=when,
                       members=len(lines))
