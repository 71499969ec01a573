"""The demo county's December: 民主评议党员 for every branch, 组织处置 for the few 基本合格/不合格, and (through
the third ledger's own rules) stars proposed and confirmed and honours chosen within the quota.

Drawn from its own seeded generator, so that adding it changes nothing of the rest of the demo. Rows go in
with raw ``executemany`` like the rest of the demo (13,700 members a year).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from sqlite3 import Connection

from pledgebook.demo.county import Gen, OrgRow, PersonRow
from pledgebook.models.appraisal import rules
from pledgebook.models.appraisal.units import committee_map
from pledgebook.models.core import vocab
from pledgebook.models.store import settings
from pledgebook.models.store.orgtree import OrgTree

SELF_REVIEWS = [
    "认真学习党的理论，按时参加组织生活，带头履行承诺",
    "能够发挥先锋模范作用，积极参与村里公益事业",
    "理论学习还不够深入，联系群众有待加强",
    "按时交纳党费，参加三会一课，帮助困难群众",
    "带头发展产业，带动周边群众增收",
]
COMMENTS = {
    "excellent": ["先锋模范作用突出，群众公认", "承诺事项全部兑现，带动作用明显"],
    "qualified": ["能履行党员义务", "表现较好", ""],
    "basic": ["组织生活参加不够经常，需加强教育", "承诺兑现不够到位"],
    "unqualified": ["长期不参加组织生活，经教育仍无改进", "理想信念淡薄，群众意见较大"],
}
EXEMPT_MIX = [("流动党员", 70), ("长期病休", 20), ("年老体弱", 10)]

APPRAISAL_SQL = (
    "INSERT INTO appraisal (uid, created_at, updated_at, year, person_id, org_id, self_review, ballots_issued, "
    "ballots_valid, votes_excellent, votes_qualified, votes_basic_qualified, votes_unqualified, grade, "
    "exempt_reason, decided_on, comment, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'demo')"
)
DISPOSAL_SQL = (
    "INSERT INTO disposal (uid, created_at, updated_at, appraisal_id, kind, decided_on, due_date, closed_on, "
    "result, note) VALUES (?,?,?,?,?,?,?,?,?,'')"
)


@dataclass
class _Branch:
    org_id: int
    members: list[int]


def _pick(r: random.Random, mix: Sequence[tuple[str, int]]) -> str:
    return r.choices([m[0] for m in mix], weights=[m[1] for m in mix])[0]


def _grades(r: random.Random, appraised: int) -> list[str]:
    """A branch's grades: about a fifth 优秀 (never beyond ⌊n/3⌋), a rare 基本合格 or 不合格, the rest 合格."""
    limit = appraised // 3
    excellent = min(limit, round(appraised * r.uniform(0.12, 0.3)))
    grades = ["excellent"] * excellent
    for _ in range(appraised - excellent):
        x = r.random()
        grades.append("unqualified" if x < 0.004 else "basic" if x < 0.02 else "qualified")
    r.shuffle(grades)
    return grades


def _votes(r: random.Random, grade: str, valid: int) -> tuple[int, int, int, int]:
    """民主测评 votes out of ``valid`` that fit the grade the branch then decided."""
    share = {"excellent": (0.55, 0.9), "qualified": (0.05, 0.35), "basic": (0.0, 0.05), "unqualified": (0.0, 0.02)}[grade]
    excellent = int(valid * r.uniform(*share))
    rest = valid - excellent
    if grade == "basic":
        basic = int(rest * r.uniform(0.3, 0.6))
        unqualified = int((rest - basic) * r.uniform(0.0, 0.2))
    elif grade == "unqualified":
        unqualified = int(rest * r.uniform(0.4, 0.7))
        basic = int((rest - unqualified) * r.uniform(0.2, 0.5))
    else:
        basic = int(rest * r.uniform(0.0, 0.05))
        unqualified = 0
    return excellent, rest - basic - unqualified, basic, unqualified


def _branches(orgs: Sequence[OrgRow], people: Sequence[PersonRow]) -> list[_Branch]:
    kinds = {o[0]: o[2] for o in orgs}
    members: dict[int, list[int]] = {}
    for pid, org_id, _name, _post, state in people:
        if state == "active" and kinds.get(org_id) in vocab.BRANCH_KINDS:
            members.setdefault(org_id, []).append(pid)
    return [_Branch(org_id, pids) for org_id, pids in sorted(members.items())]


def build_appraisals(
    conn: Connection, *, seed: int, years: Sequence[int], today: date, orgs: Sequence[OrgRow],
    people: Sequence[PersonRow], closed: Sequence[int] = (),
) -> dict[str, int]:
    """Appraise every active member of every branch in each of ``years``; a 处置 for each 基本合格/不合格 (most
    of a closed year's closed, the rest carried; the open year's open). Returns counts."""
    r = random.Random(seed * 31 + 19)
    g = Gen(seed * 31 + 20)
    branches = _branches(orgs, people)
    appraisals = 0
    disposals: list[tuple] = []
    for year in years:
        decided_base = min(date(year, 12, 10), today)
        rows: list[tuple] = []
        for branch in branches:
            exempt = {pid for pid in branch.members if r.random() < 0.03}
            appraised = [pid for pid in branch.members if pid not in exempt]
            grades = dict(zip(appraised, _grades(r, len(appraised)), strict=True))
            decided = decided_base - timedelta(days=r.randint(0, 8))
            stamp = g.ts(decided)
            issued = max(1, len(appraised) - r.randint(0, max(1, len(appraised) // 8)))
            for pid in branch.members:
                if pid in exempt:
                    rows.append((g.uid(), stamp, stamp, year, pid, branch.org_id, "", None, None, None, None, None,
                                 None, None, _pick(r, EXEMPT_MIX), None, "", ))
                    continue
                grade = grades[pid]
                valid = issued - (1 if r.random() < 0.1 and issued > 1 else 0)
                rows.append((g.uid(), stamp, stamp, year, pid, branch.org_id, r.choice(SELF_REVIEWS), issued, valid,
                             *_votes(r, grade, valid), grade, None, decided.isoformat(), r.choice(COMMENTS[grade])))
        first = (conn.execute("SELECT coalesce(max(id), 0) FROM appraisal").fetchone()[0]) + 1
        conn.executemany(APPRAISAL_SQL, rows)
        appraisals += len(rows)
        for offset, row in enumerate(rows):
            if row[13] in ("basic", "unqualified"):
                disposals.append(_disposal(r, g, first + offset, row[13], date.fromisoformat(row[15]), year in closed, today))
    conn.executemany(DISPOSAL_SQL, disposals)
    return {"appraisals": appraisals, "disposals": len(disposals)}


def _disposal(r: random.Random, g: Gen, appraisal_id: int, grade: str, decided: date, closed_year: bool, today: date) -> tuple:
    if grade == "basic":
        kind, days = "educate", 30
    else:
        kind, days = ("persuade", 60) if r.random() < 0.15 else ("correct", 180)
    when = decided + timedelta(days=r.randint(1, 10))
    due = when + timedelta(days=days)
    done = None
    result = ""
    if closed_year and r.random() < 0.8:
        done_day = min(due - timedelta(days=r.randint(0, days // 2)), today)
        if done_day > when:
            done = done_day.isoformat()
            result = "经教育已改正，组织生活正常参加" if kind != "persuade" else "本人已申请退党，按程序办理"
    stamp = g.ts(min(when, today))
    return (g.uid(), stamp, stamp, appraisal_id, kind, min(when, today).isoformat(), due.isoformat(), done, result)


# the office's own two items (领导班子好, 工作机制好: 40 points between them) as a county marks them: most
# branches lose a few points, some many; with the ledger's three items this spreads the stars about
# 五星 1/8, 四星 1/3, 三星 1/3, the rest 二星 and 一星 (the share a real county reports)
OFFICE_MIX = [(38, 12), (31, 35), (22, 33), (12, 14), (4, 6)]


def _office_points(r: random.Random) -> tuple[float, float]:
    total = r.choices([m[0] for m in OFFICE_MIX], weights=[m[1] for m in OFFICE_MIX])[0] + r.randint(-2, 2)
    leadership = min(20, max(0, total // 2 + r.randint(-2, 2)))
    return float(leadership), float(min(20, max(0, total - leadership)))


def build_standing(conn: Connection, *, seed: int, years: Sequence[int], closed: Sequence[int], today: date) -> dict[str, int]:
    """Stars and honours of each year as the office would have made them in December, through the third
    ledger's own proposals (a closed year is opened for its December and closed again: the demo replays the
    year in order). The office's two items are marked down (扣分制, :data:`OFFICE_MIX`) and the proposals confirmed;
    the candidates the criteria propose confirmed within each 乡镇（党委）'s quota (the open year's still
    partly undecided). Returns counts."""

    r = random.Random(seed * 31 + 21)
    ratings = honours = 0
    tree = OrgTree.load()
    units = committee_map(tree)
    quota = settings.honour_quota()
    for year in years:
        was_closed = year in closed
        if was_closed:
            conn.execute("UPDATE work_year SET closed = 0 WHERE year = ?", (year,))
        rules.propose_stars(year)
        conn.executemany("UPDATE star_rating SET score_leadership = ?, score_mechanism = ? WHERE id = ?",
                         [(*_office_points(r), rid) for (rid,) in
                          conn.execute("SELECT id FROM star_rating WHERE year = ?", (year,))])
        rules.propose_stars(year)  # the totals again, with the office's marks
        if was_closed or today.month == 12:
            ratings += rules.confirm_all(year)
        day = min(date(year, 12, 28), today).isoformat()
        conn.execute("UPDATE star_rating SET confirmed_on = ? WHERE year = ? AND stars IS NOT NULL", (day, year))
        rules.propose_candidates(year)
        per_unit: dict[tuple[int, str], int] = {}
        confirmed: list[tuple[str, int]] = []
        for hid, kind, org_id in conn.execute("SELECT id, kind, org_id FROM honour WHERE year = ? ORDER BY id", (year,)).fetchall():
            key = (units.get(org_id, 0), kind)
            if per_unit.get(key, 0) < quota[kind] and (was_closed or r.random() < 0.6):
                per_unit[key] = per_unit.get(key, 0) + 1
                confirmed.append((day, hid))
        conn.executemany("UPDATE honour SET status = 'confirmed', decided_on = ? WHERE id = ?", confirmed)
        if was_closed:
            conn.execute("UPDATE honour SET status = 'declined', decided_on = ? WHERE year = ? AND status = 'candidate'", (day, year))
            conn.execute("UPDATE work_year SET closed = 1 WHERE year = ?", (year,))
        honours += len(confirmed)
    return {"star_ratings": ratings, "honours": honours}
