"""The county's criteria for the honours (评选表彰), read from the records: what a candidate must meet.

- 优秀共产党员 (``excellent_member``): the member's pledges of the year all 已兑现 (at least one; 已撤销 not
  counted, 已结转 counts as not fulfilled, as in 兑现率), no open rectification (待整改: a due date set, not
  done) on any of their pledges of the year or before, and appraised 优秀 in the year;
- 优秀党务工作者 (``excellent_worker``): appraised 优秀 in the year, holds a party-work post (职务: a 书记, a
  branch committee member — 组织委员, 宣传委员, 纪检委员 … —, a 组织员 or a 党务/党建 worker; not 党员 alone,
  and not a 村委会委员) and no open rectification;
- 先进基层党组织 (``advanced_org``): the org's stars of the year at the top level (confirmed; the proposal
  while not confirmed) and no open 组织处置 (not closed) of a member appraised in it or under it.

One reading (:class:`Criteria`) serves every member and branch of a year at once (``propose_candidates``) or
one candidate (:func:`unmet`: the same queries narrowed to one person). A candidate who does not meet them may
still be put forward with a recorded reason (``rules.honours.add_candidate``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pledgebook.models.core import vocab
from pledgebook.models.store import settings
from pledgebook.models.store.orgtree import OrgTree
from pledgebook.models.store.tables import fetch_all

__all__ = ["ORG_KINDS", "PARTY_WORK", "PERSON_KINDS", "Criteria", "party_work", "unmet"]

# what a 职务 must contain to be party work (党务工作者): a 村委会委员 or a plain 党员 is not
PARTY_WORK = ("书记", "党务", "党建", "组织员", "支委", "党委委员", "组织委员", "宣传委员", "纪检委员", "统战委员",
              "青年委员", "群工委员")


def party_work(post: str) -> bool:
    """Whether a 职务 is party work (see :data:`PARTY_WORK`)."""
    return any(word in post for word in PARTY_WORK)


PERSON_KINDS = ("excellent_member", "excellent_worker")  # honours of a member (``person`` set)
ORG_KINDS = ("advanced_org",)  # honours of an org (``person`` NULL)


@dataclass
class _Disposals:
    open: int = 0

    def add(self, other: _Disposals) -> None:
        self.open += other.open


class Criteria:
    """What the criteria look at in ``year``: per member their pledges, open rectifications, appraisal grade and
    post; per org its stars and open 处置 (its subtree's). ``person_id`` narrows the member queries to one."""

    def __init__(self, year: int, *, person_id: int | None = None):
        self.year = year
        one, params = ("", [year]) if person_id is None else (" AND p.person_id = ?", [year, person_id])
        self.pledges: dict[int, tuple[int, int]] = {
            pid: (n, done or 0) for pid, n, done in fetch_all(
                "SELECT p.person_id, count(*), sum(p.status = 'fulfilled') FROM pledge p "
                "WHERE p.year = ? AND p.deleted_at IS NULL AND p.person_id IS NOT NULL AND p.status != 'withdrawn'"
                f"{one} GROUP BY p.person_id", params)}
        self.rectifications: dict[int, int] = dict(fetch_all(
            "SELECT p.person_id, count(*) FROM evaluation e JOIN pledge p ON p.id = e.pledge_id "
            "WHERE p.year <= ? AND p.deleted_at IS NULL AND e.deleted_at IS NULL AND p.person_id IS NOT NULL "
            f"AND e.rect_due IS NOT NULL AND e.rect_done IS NULL{one} GROUP BY p.person_id", params))
        # every member: their grade of the year (None: not appraised or not decided), their org now, post, 在册
        who, params = ("", [year]) if person_id is None else (" AND p.id = ?", [year, person_id])
        self.members: dict[int, tuple[str | None, int, str, bool]] = {
            pid: (grade, org_id, (post or "").strip(), state == "active") for pid, grade, org_id, post, state in fetch_all(
                "SELECT p.id, a.grade, p.org_id, p.post, p.state FROM person p LEFT JOIN appraisal a "
                "ON a.person_id = p.id AND a.year = ? AND a.deleted_at IS NULL "
                f"WHERE p.deleted_at IS NULL{who}", params)}
        self.stars: dict[int, tuple[int | None, int | None]] = {
            oid: (stars, proposed) for oid, stars, proposed in fetch_all(
                "SELECT org_id, stars, proposed_stars FROM star_rating WHERE year = ? AND deleted_at IS NULL", [year])}
        self.top = max(settings.star_thresholds())
        self._disposals: dict[int, _Disposals] | None = None

    def open_disposals(self, org_id: int) -> int:
        """Open 处置 of members appraised in ``org_id`` or under it (any year: an open one is carried on)."""
        if self._disposals is None:
            own = {oid: _Disposals(n) for oid, n in fetch_all(
                "SELECT a.org_id, count(*) FROM disposal d JOIN appraisal a ON a.id = d.appraisal_id "
                "WHERE d.deleted_at IS NULL AND a.deleted_at IS NULL AND d.closed_on IS NULL GROUP BY a.org_id")}
            self._disposals = OrgTree.load().roll_up(own, _Disposals)
        found = self._disposals.get(org_id)
        return found.open if found else 0

    def _grade(self, person_id: int) -> list[str]:
        grade = self.members.get(person_id, (None,))[0]
        if grade is None:
            return [f"{self.year}年度未参加民主评议或尚未评定等次"]
        if grade != "excellent":
            return [f"{self.year}年度民主评议为「{vocab.label(vocab.APPRAISAL_GRADES, grade)}」，不是「优秀」"]
        return []

    def _rectifications(self, person_id: int) -> list[str]:
        n = self.rectifications.get(person_id, 0)
        return [f"还有 {n} 项承诺的整改未完成"] if n else []

    def unmet(self, kind: str, *, org_id: int, person_id: int | None = None) -> list[str]:
        """The criteria of ``kind`` (a ``vocab.HONOUR_KINDS`` code) not met, each a Chinese line; [] = all met."""
        if kind in ORG_KINDS:
            return self._org(org_id)
        if person_id is None:
            return [f"{vocab.HONOUR_KINDS.get(kind, kind)}须是一名党员"]
        lines: list[str] = []
        if kind == "excellent_member":
            pledged, fulfilled = self.pledges.get(person_id, (0, 0))
            if not pledged:
                lines.append(f"{self.year}年度没有作出个人承诺")
            elif fulfilled < pledged:
                lines.append(f"{self.year}年度 {pledged} 项承诺中 {fulfilled} 项已兑现，未全部兑现")
            lines += self._rectifications(person_id) + self._grade(person_id)
        else:
            lines += self._grade(person_id)
            post = self.members.get(person_id, (None, 0, "", False))[2]
            if not post:
                lines.append("未担任职务（党员信息中职务为空）")
            elif not party_work(post):
                lines.append(f"职务「{post}」不是党务工作职务（书记、支委、组织员等）")
            lines += self._rectifications(person_id)
        return lines

    def _org(self, org_id: int) -> list[str]:
        lines: list[str] = []
        stars, proposed = self.stars.get(org_id, (None, None))
        level = stars if stars is not None else proposed
        if level is None:
            lines.append(f"{self.year}年度没有星级评定")
        elif level < self.top:
            lines.append(f"{self.year}年度{'星级' if stars is not None else '建议星级'}为 {level} 星，不是最高的 {self.top} 星")
        n = self.open_disposals(org_id)
        if n:
            lines.append(f"本组织还有 {n} 项组织处置未销号")
        return lines

    def meeting(self, kind: str) -> list[tuple[int, int | None]]:
        """Who meets every criterion of ``kind`` in the year: (org id, person id or None), members by id, orgs
        (branches with a star rating of the year) by id. Only 在册 members."""
        if kind in ORG_KINDS:
            return [(oid, None) for oid in sorted(self.stars) if not self._org(oid)]
        return [(org_id, pid) for pid, (grade, org_id, _post, active) in sorted(self.members.items())
                if active and grade == "excellent" and not self.unmet(kind, org_id=org_id, person_id=pid)]


def unmet(kind: str, year: int, *, org_id: int, person_id: int | None) -> list[str]:
    """The county's criteria of honour ``kind`` that the candidate does not meet in ``year`` (Chinese lines of
    what is not met; [] when all are met). See the module's docstring for the criteria."""
    return Criteria(year, person_id=person_id).unmet(kind, org_id=org_id, person_id=person_id)
