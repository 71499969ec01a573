"""星级评定 (授旗评星): every branch scored on the 五个好, its stars proposed, adjusted and confirmed by the office.

The county's scoring table is a setting (``star_points``: the full points of each of ``vocab.STAR_ITEMS``) and
so are the star lines (``star_thresholds``: 90/80/70/60 → 五星 from 90 points … 一星 below 60). Three items are
proposed from the ledger's own figures (``vocab.STAR_ITEMS_FROM_LEDGER``, see :func:`ledger_scores`); the office
scores the other two by marking down from full points (扣分制: a new rating starts them at full points).

A confirmed rating (``stars`` set) is the office's decision: proposing again never touches it; the office may
still correct a score (the proposal follows) and confirm again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from pledgebook.models.appraisal.units import branch_ids
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import NotFound, ValidationError
from pledgebook.models.ledger.figures import FigureBook
from pledgebook.models.store import audit, settings
from pledgebook.models.store.lifecycle import apply_changes, stamp, transaction
from pledgebook.models.store.tables import Org, StarRating, database, fetch_all, new_uid, utcnow
from pledgebook.models.store.years import ensure_year_open

__all__ = [
    "DEDUCT_OVERDUE",
    "DEDUCT_RECTIFICATION",
    "ProposalResult",
    "confirm_all",
    "confirm_stars",
    "ledger_scores",
    "propose_stars",
    "rating_of",
    "score",
    "star_history",
    "star_levels",
    "stars_for",
    "total_of",
]

DEDUCT_OVERDUE = 1.0  # points off 工作业绩好 for each 逾期 pledge of the branch
DEDUCT_RECTIFICATION = 1.0  # points off 群众反映好 for each open rectification (待整改) of the branch
ITEMS = tuple(vocab.STAR_ITEMS)
COLUMNS = tuple(f"score_{item}" for item in ITEMS)


@dataclass(frozen=True)
class ProposalResult:
    """What :func:`propose_stars` did: ratings created, updated, left as they were, and confirmed ones kept."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    confirmed: int = 0  # already confirmed by the office: never touched

    @property
    def text(self) -> str:
        return (f"新建 {self.created} 个、更新 {self.updated} 个、未变 {self.unchanged} 个星级建议；"
                f"已确定星级的 {self.confirmed} 个未改动")


def star_levels() -> list[int]:
    """The star levels the county's lines allow: 1 … one more than the number of lines (1–5 by default)."""
    return list(range(1, max(settings.star_thresholds()) + 1))


def stars_for(total: float, lines: Mapping[int, int] | None = None) -> int:
    """The star level of ``total`` points by the county's lines (90/80/70/60: ≥ 90 五星 … < 60 一星); ``lines``
    (``settings.star_thresholds()``) read once by a caller that asks for many."""
    for level, least in sorted((lines or settings.star_thresholds()).items(), reverse=True):
        if total >= least:
            return level
    return 1


def total_of(scores: Mapping[str, float | None]) -> float:
    """The total of a rating's item points (a missing item counts 0), rounded to 0.1 as the table prints it."""
    return round(sum(v or 0.0 for v in scores.values()), 1)


@dataclass
class _Counts:
    """A branch's appraisal counts, summable up the tree: members graded, of them 合格 or better."""

    graded: int = 0
    good: int = 0

    def add(self, other: _Counts) -> None:
        self.graded += other.graded
        self.good += other.good


def ledger_scores(year: int) -> dict[int, dict[str, float]]:
    """Every branch's proposed points for ``vocab.STAR_ITEMS_FROM_LEDGER`` in ``year``, all branches at once.

    A branch's figures are its subtree's (a 党总支 counts its 党支部 too), from the first ledger's
    :class:`FigureBook` (one GROUP BY per table) and one GROUP BY of the appraisals; P is the item's full points
    (setting ``star_points``), each result rounded to 0.1:

    - 工作业绩好 = P × 兑现率 − 1 point (``DEDUCT_OVERDUE``) per 逾期 pledge, not below 0;
    - 群众反映好 = P × 满意率 − 1 point (``DEDUCT_RECTIFICATION``) per open rectification (待整改), not below 0;
      满意率 by the county's formula (setting ``satisfaction_formula``, as the FigureBook applies it);
    - 党员队伍好 = P × (members appraised 优秀 or 合格) / (members appraised with a grade); the exempt and the
      not yet decided are not counted.

    A branch with nothing to measure gets 0 for that item: no pledges of the year (no 兑现率) → 工作业绩好 0; no
    群众评议 ballots (no 满意率) → 群众反映好 0; nobody appraised → 党员队伍好 0 — the office raises it with
    :func:`score` if it judges otherwise.
    """
    points = settings.star_points()
    book = FigureBook(year, by_category=False, people=False)
    figures = book.rolled()
    own: dict[int, _Counts] = {}
    for org_id, graded, good in fetch_all(
        "SELECT org_id, count(*), sum(grade IN ('excellent', 'qualified')) FROM appraisal "
        "WHERE year = ? AND deleted_at IS NULL AND grade IS NOT NULL GROUP BY org_id", [year]
    ):
        own[org_id] = _Counts(graded, good or 0)
    counts = book.tree.roll_up(own, _Counts)
    result: dict[int, dict[str, float]] = {}
    for oid in branch_ids(book.tree):
        fig, n = figures[oid], counts[oid]
        rate, satisfied = fig.fulfilment_rate, fig.satisfaction_rate
        perf = 0.0 if rate is None else max(0.0, points["performance"] * rate - DEDUCT_OVERDUE * fig.overdue)
        public = 0.0 if satisfied is None else max(
            0.0, points["public"] * satisfied - DEDUCT_RECTIFICATION * fig.rectification_open)
        members = points["members"] * n.good / n.graded if n.graded else 0.0
        result[oid] = {"members": round(members, 1), "performance": round(perf, 1), "public": round(public, 1)}
    return result


def _scores(rating: StarRating) -> dict[str, float | None]:
    return {item: getattr(rating, f"score_{item}") for item in ITEMS}


def _proposed_row(old: dict[str, float | None] | None, ledger: dict[str, float], points: dict[str, int]) -> dict[str, float]:
    """A rating's items after a proposal: the ledger's items from the figures; the office's as they were (full
    points for a new rating or an item never scored)."""
    row: dict[str, float] = {}
    for item in ITEMS:
        if item in ledger:
            row[item] = ledger[item]
        else:
            kept = old.get(item) if old else None
            row[item] = float(points[item]) if kept is None else kept
    return row


_INSERT = ("uid", "created_at", "updated_at", "year", "org_id", *COLUMNS, "proposed_stars", "stars", "confirmed_by", "note")
_UPDATE = f"UPDATE star_rating SET {', '.join(f'{c} = ?' for c in COLUMNS)}, proposed_stars = ?, updated_at = ? WHERE id = ?"


def propose_stars(year: int) -> ProposalResult:
    """Propose stars for every branch of ``year`` in one transaction (one ``executemany`` each for the new
    ratings, the changed ones and their audit entries): the ledger's items from :func:`ledger_scores`, the
    office's items kept (full points on a new rating), ``proposed_stars`` from the total. A rating the office
    has confirmed is left as it is. Refused in a closed year."""
    ensure_year_open(year)
    points, lines = settings.star_points(), settings.star_thresholds()
    with transaction():
        ledger = ledger_scores(year)
        org_uids: dict[int, str] = dict(fetch_all("SELECT id, uid FROM org WHERE deleted_at IS NULL"))
        existing = {row[2]: row for row in fetch_all(
            f"SELECT id, uid, org_id, {', '.join(COLUMNS)}, proposed_stars, stars FROM star_rating "
            "WHERE year = ? AND deleted_at IS NULL", [year])}
        now = str(utcnow())
        inserts: list[tuple[object, ...]] = []
        updates: list[tuple[object, ...]] = []
        entries: list[tuple[str, str, str | None, str, str]] = []
        unchanged = confirmed = 0
        for oid, items in ledger.items():
            old_row = existing.get(oid)
            if old_row is not None and old_row[-1] is not None:
                confirmed += 1
                continue
            old = dict(zip(ITEMS, old_row[3:3 + len(ITEMS)], strict=True)) if old_row else None
            row = _proposed_row(old, items, points)
            stars = stars_for(total_of(row), lines)
            if old_row is None:
                uid = new_uid()
                inserts.append((uid, now, now, year, oid, *row.values(), stars, None, "", ""))
                changes = ({"org": (None, org_uids[oid]), "year": (None, year)}
                           | {f"score_{k}": (None, v) for k, v in row.items()} | {"proposed_stars": (None, stars)})
                entries.append(("create", "star_rating", uid, audit.changes_json(changes), "星级建议"))
                continue
            changes = {f"score_{k}": (old[k], v) for k, v in row.items() if old and old[k] != v}
            if old_row[-2] != stars:
                changes["proposed_stars"] = (old_row[-2], stars)
            if not changes:
                unchanged += 1
                continue
            updates.append((*row.values(), stars, now, old_row[0]))
            entries.append(("update", "star_rating", old_row[1], audit.changes_json(changes), "星级建议"))
        cursor = database.cursor()
        if inserts:
            cursor.executemany(
                f"INSERT INTO star_rating ({', '.join(_INSERT)}) VALUES ({', '.join('?' * len(_INSERT))})", inserts)
        if updates:
            cursor.executemany(_UPDATE, updates)
        audit.record_many(entries, cursor=cursor)
    return ProposalResult(len(inserts), len(updates), unchanged, confirmed)


def _branch(org_id: int) -> Org:
    org = Org.get_or_none(Org.id == org_id)
    if org is None or org.deleted_at is not None:
        raise NotFound(f"未找到该党组织（编号 {org_id}），可能已被删除。")
    if org.kind not in vocab.BRANCH_KINDS:
        kinds = "、".join(vocab.ORG_KINDS[k] for k in vocab.BRANCH_KINDS)
        raise ValidationError(f"{org.name}是{vocab.label(vocab.ORG_KINDS, org.kind)}，星级评定只对{kinds}进行", "org")
    return org


def rating_of(org_id: int, year: int) -> StarRating | None:
    """The live rating of a branch in a year, or None."""
    return StarRating.get_or_none(
        (StarRating.org == org_id) & (StarRating.year == year) & StarRating.deleted_at.is_null())


def _points(scores: Mapping[str, object], full: dict[str, int], where: str) -> dict[str, float]:
    """The office's item points, checked: item by code or Chinese label, a number from 0 to the item's full
    points. Every problem in one message, after ``where`` (the branch and year)."""
    values: dict[str, float] = {}
    problems: list[tuple[str, str]] = []
    for key, raw in scores.items():
        item = vocab.code_for(vocab.STAR_ITEMS, str(key))
        if item is None:
            problems.append(("scores", f"没有「{key}」这一评分项（可选：{'、'.join(vocab.STAR_ITEMS.values())}）"))
            continue
        label = vocab.STAR_ITEMS[item]
        try:
            value = float(str(raw).strip())
        except ValueError:
            problems.append((f"score_{item}", f"{label}的得分应是数字，收到「{raw}」"))
            continue
        if not 0 <= value <= full[item]:
            problems.append((f"score_{item}", f"{label}的得分应在 0 到 {full[item]} 分之间（星级评定计分表的满分），收到 {raw}"))
            continue
        values[item] = round(value, 1)
    if problems:
        raise ValidationError(f"{where}：" + "；".join(m for _f, m in problems), problems[0][0])
    return values


def score(org_id: int, year: int, scores: Mapping[str, object]) -> StarRating:
    """The office sets item points of a branch's rating (a new rating takes the ledger's proposal and full
    points for the rest first); ``proposed_stars`` follows the new total. Refused: an unknown item, points
    below 0 or beyond the item's full points, a closed year, an org that is not a branch. Audited."""
    ensure_year_open(year)
    org = _branch(org_id)
    full = settings.star_points()
    values = _points(scores, full, f"{org.name}{year}年度星级评分")
    with transaction():
        rating = rating_of(org.id, year)
        if rating is None:
            ledger = ledger_scores(year).get(org.id, {item: 0.0 for item in vocab.STAR_ITEMS_FROM_LEDGER})
            row = _proposed_row(None, ledger, full) | values
            rating = StarRating.create(year=year, org=org, proposed_stars=stars_for(total_of(row)),
                                       **{f"score_{k}": v for k, v in row.items()})
            audit.record("create", "star_rating", rating.uid, {"org": (None, org.uid), "year": (None, year)}
                         | {f"score_{k}": (None, v) for k, v in row.items()}
                         | {"proposed_stars": (None, rating.proposed_stars)})
            return rating
        row = _scores(rating) | values
        changes = apply_changes(rating, {f"score_{k}": v for k, v in values.items()}
                                | {"proposed_stars": stars_for(total_of(row))})
        stamp(rating, "star_rating", changes)
    return rating


def _level(stars: object) -> int:
    levels = star_levels()
    text = str(stars).strip()
    found = vocab.code_for({str(k): v for k, v in vocab.STAR_LABELS.items()}, text.removesuffix("级"))
    try:
        level = int(found if found is not None else text.removesuffix("星"))
    except ValueError:
        level = 0
    if level not in levels:
        raise ValidationError(f"星级只能是 {levels[0]}–{levels[-1]} 星（按本县星级分数线），收到「{stars}」", "stars")
    return level


def confirm_stars(org_id: int, year: int, stars: int | str | None = None, *, note: str = "") -> StarRating:
    """The office confirms a branch's stars: ``None`` takes the proposal. Refused outside :func:`star_levels`
    («星级只能是 1–5 星»), without a rating, in a closed year. Sets confirmed_on (today) and confirmed_by (the
    OS user); audited."""
    ensure_year_open(year)
    org = _branch(org_id)
    with transaction():
        rating = rating_of(org.id, year)
        if rating is None:
            raise ValidationError(f"{org.name}{year}年度还没有星级评定记录，请先生成星级建议或为它评分", "stars")
        chosen = rating.proposed_stars if stars is None or str(stars).strip() == "" else stars
        if chosen is None:
            raise ValidationError(f"{org.name}{year}年度还没有建议星级，请先评分或直接选定星级", "stars")
        values: dict[str, object] = {"stars": _level(chosen), "confirmed_on": date.today(), "confirmed_by": audit.os_user()}
        if note.strip():
            values["note"] = note.strip()
        stamp(rating, "star_rating", apply_changes(rating, values))
    return rating


def confirm_all(year: int, under: int | None = None) -> int:
    """Confirm the proposal of every rating of ``year`` not confirmed yet (of live orgs within ``under``'s
    subtree if given), in one transaction; audited. Returns how many were confirmed."""
    ensure_year_open(year)
    where, params = "", [year]
    if under is not None:
        where, params = " AND substr(o.path, 1, length(u.path)) = u.path AND u.id = ?", [year, under]
    with transaction():
        rows = fetch_all(
            "SELECT s.id, s.uid, s.proposed_stars FROM star_rating s JOIN org o ON o.id = s.org_id"
            f"{', org u' if under is not None else ''} WHERE s.year = ? AND s.deleted_at IS NULL AND s.stars IS NULL "
            f"AND s.proposed_stars IS NOT NULL AND o.deleted_at IS NULL{where}", params)
        today, user, now = date.today(), audit.os_user(), str(utcnow())
        cursor = database.cursor()
        cursor.executemany(
            "UPDATE star_rating SET stars = ?, confirmed_on = ?, confirmed_by = ?, updated_at = ? WHERE id = ?",
            [(stars, today.isoformat(), user, now, rid) for rid, _uid, stars in rows])
        audit.record_many(_confirmed(rows, today, user), cursor=cursor)
    return len(rows)


def _confirmed(rows: Iterable[tuple[object, ...]], today: date, user: str) -> Iterable[tuple[str, str, str | None, str, str]]:
    for _rid, uid, stars in rows:
        changes = {"stars": (None, stars), "confirmed_on": (None, today), "confirmed_by": ("", user)}
        yield ("update", "star_rating", str(uid), audit.changes_json(changes), "按建议确定星级")


def star_history(org_id: int) -> list[tuple[int, int | None]]:
    """A branch's stars over the years: (year, confirmed stars or None while unconfirmed), oldest first."""
    return [(year, stars) for year, stars in fetch_all(
        "SELECT year, stars FROM star_rating WHERE org_id = ? AND deleted_at IS NULL ORDER BY year", [org_id])]
