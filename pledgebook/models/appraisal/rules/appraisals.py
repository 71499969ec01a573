"""民主评议党员: one appraisal per member and year, and the 优秀 quota of each branch.

**The quota.** In each branch and year at most ⌊appraised × share⌋ members are graded 优秀, where
share is the county setting 优秀比例上限 (``appraisal_excellent_max``, default 1/3, read by
:func:`pledgebook.models.store.settings.excellent_share`) and **appraised** (参评党员) counts the live
(not deleted) appraisals of that year whose ``org`` is the branch and which have no ``exempt_reason``:
graded or not yet decided alike. A member not appraised (``exempt_reason``: 流动党员, 长期病休 …) never
counts; a member with no appraisal record at all does not count either; a member whose record is there
(votes in from the tally, grade not decided yet) counts from the start, so a branch whose ballots are in
can decide its 优秀 first. The branch is the appraisal's own ``org`` (the member's branch when the
record was made). 3 appraised → 1 优秀 allowed, a second refused.

A change is refused (:class:`QuotaError`) when it leaves the branch over its quota *and* makes it worse
(more 优秀, or a lower limit); a change that does not worsen a branch already over (an import, a changed
setting) goes through, so the clerk can put it right one record at a time. ``pledgebook doctor`` lists
the branches over their quota (:mod:`pledgebook.models.appraisal.checks`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from pledgebook.models.appraisal.validate import APPRAISAL_FIELDS, appraisal_values
from pledgebook.models.campaign.validate import live_person
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.store import audit, settings
from pledgebook.models.store.lifecycle import (
    Deletable,
    SoftDelete,
    apply_changes,
    live_record,
    stamp,
    transaction,
)
from pledgebook.models.store.tables import Appraisal, Disposal, Person, fetch_all
from pledgebook.models.store.years import ensure_year_open

__all__ = [
    "EXEMPT",
    "Quota",
    "QuotaError",
    "delete_appraisal",
    "excellent_limit",
    "quota",
    "quota_problems",
    "restore_appraisal",
    "save_appraisal",
]


def excellent_limit(appraised: int, share: Fraction | None = None) -> int:
    """⌊appraised × share⌋: how many 优秀 a branch with ``appraised`` 参评党员 may have (share: the setting)."""
    return math.floor(appraised * (settings.excellent_share() if share is None else share))


@dataclass(frozen=True)
class Quota:
    """One branch's 优秀 quota in one year: ``appraised`` 参评党员 (not exempt, see the module), ``excellent``
    graded 优秀, ``limit`` = ⌊appraised × share⌋; ``share`` is the setting as the county wrote it."""

    org_id: int
    org_name: str
    appraised: int
    excellent: int
    limit: int
    share: str = "1/3"

    @property
    def over(self) -> bool:
        return self.excellent > self.limit

    @property
    def fact(self) -> str:
        """「XX党支部参评党员 12 人，优秀最多 4 人（比例上限 1/3），现为 5 人」."""
        return (f"{self.org_name}参评党员 {self.appraised} 人，优秀最多 {self.limit} 人"
                f"（比例上限 {self.share}），现为 {self.excellent} 人")

    @property
    def message(self) -> str:
        """:attr:`fact`, and what to do when the branch is over."""
        if not self.over:
            return self.fact
        return (self.fact + "。请把多出的优秀改评为其他等次；若本支部还有参评党员未录入，可先录入他们的测评票数或等次；"
                "确需调整比例的，在「设置」中修改「优秀比例上限」（appraisal_excellent_max）")


class QuotaError(ValidationError):
    """A grade beyond the branch's 优秀 quota; ``quota`` is the branch's quota as the change would leave it."""

    def __init__(self, found: Quota):
        super().__init__(found.message, "grade")
        self.quota = found


EXEMPT = "exempt"  # in ``quota_problems``' plan: the member is not appraised (not counted)


def _quotas(rows: Iterable[tuple[int, str | None]]) -> dict[int, tuple[int, int]]:
    """(org id, grade or EXEMPT) per appraisal → org id → (appraised, excellent)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for org_id, grade in rows:
        if grade == EXEMPT:
            continue
        counts[org_id][0] += 1
        counts[org_id][1] += grade == "excellent"
    return {oid: (n, ex) for oid, (n, ex) in counts.items()}


def _names(org_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(org_ids))
    names: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        names.update({oid: name for oid, name in fetch_all(
            f"SELECT id, name FROM org WHERE id IN ({','.join('?' * len(chunk))})", chunk)})
    return names


_GRADE = f"CASE WHEN exempt_reason IS NOT NULL THEN '{EXEMPT}' ELSE grade END"


def quota(org_id: int, year: int) -> Quota:
    """The branch's 优秀 quota in ``year`` as the stored records stand."""
    share = settings.excellent_share()
    rows = fetch_all(f"SELECT org_id, {_GRADE} FROM appraisal WHERE org_id = ? AND year = ? AND deleted_at IS NULL",
                     (org_id, year))
    appraised, excellent = _quotas((int(o), g) for o, g in rows).get(org_id, (0, 0))
    name = _names([org_id]).get(org_id, f"编号 {org_id} 的党组织")
    return Quota(org_id, name, appraised, excellent, excellent_limit(appraised, share),
                 settings.get("appraisal_excellent_max"))


def quota_problems(year: int, planned: Mapping[int, str | None] | None = None) -> list[Quota]:
    """The branches over their 优秀 quota in ``year``, by name.

    ``planned`` (person id → grade code; None = no grade: undecided, or exempt when the stored record is;
    :data:`EXEMPT` = not appraised) is laid over the stored records first, so an import can check a whole
    sheet before it writes. A person with a live appraisal keeps its branch, one without gets their
    current org; a planned person with neither a stored record nor a grade counts as undecided (appraised):
    an importer passes EXEMPT for the rows with a 不参评原因."""
    planned = planned or {}
    share = settings.excellent_share()
    plan: dict[int, tuple[int, str | None]] = {
        int(pid): (int(oid), grade) for pid, oid, grade in fetch_all(
            f"SELECT person_id, org_id, {_GRADE} FROM appraisal WHERE year = ? AND deleted_at IS NULL", (year,))
    }
    new = [pid for pid in planned if pid not in plan]
    for start in range(0, len(new), 500):
        chunk = new[start:start + 500]
        for pid, oid in fetch_all(f"SELECT id, org_id FROM person WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            plan[int(pid)] = (int(oid), None)
    for pid, grade in planned.items():
        if pid in plan:
            stored = plan[pid][1]
            plan[pid] = (plan[pid][0], stored if grade is None and stored == EXEMPT else grade)
    counts = _quotas(plan.values())
    over = {oid: c for oid, c in counts.items() if c[1] > excellent_limit(c[0], share)}
    names = _names(over)
    text = settings.get("appraisal_excellent_max")
    found = [Quota(oid, names.get(oid, f"编号 {oid} 的党组织"), n, ex, excellent_limit(n, share), text)
             for oid, (n, ex) in over.items()]
    return sorted(found, key=lambda q: (q.org_name, q.org_id))


# ------------------------------------------------------------------ writes


def _ensure_one_per_year(person: Person, year: int, appraisal_id: int | None) -> None:
    other = Appraisal.select().where(
        (Appraisal.person == person.id) & (Appraisal.year == year) & Appraisal.deleted_at.is_null()
        & (Appraisal.id != (appraisal_id or 0))).first()
    if other is not None:
        raise ValidationError(
            f"{person.name} {year}年度已有民主评议记录（编号 {other.id}）：每名党员每年只评议一次，"
            "请修改原记录，不要另建", "person")


def _ensure_disposals_fit(obj: Appraisal, grade: object) -> None:
    """A member with a live 处置 keeps a grade that asks for one (基本合格/不合格)."""
    if grade in vocab.DISPOSAL_GRADES:
        return
    live = Disposal.select().where((Disposal.appraisal == obj.id) & Disposal.deleted_at.is_null()).count()
    if live:
        raise ValidationError(
            f"该党员已有 {live} 条组织处置记录，不能改评为「{vocab.label(vocab.APPRAISAL_GRADES, str(grade), '未评定')}」："
            "如确属评定有误，请先删除组织处置记录", "grade")


def _check_quota(before: Quota, org_id: int, year: int) -> None:
    after = quota(org_id, year)
    if after.over and (after.excellent > before.excellent or after.limit < before.limit):
        raise QuotaError(after)


def save_appraisal(values: Mapping[str, object], *, person_id: int, year: int,
                   appraisal_id: int | None = None) -> Appraisal:
    """Create (``appraisal_id`` None; the branch is the member's org) or change one member's appraisal.

    ``values``: the fields of :func:`pledgebook.models.appraisal.validate.appraisal_values` (on a change,
    only those to change; a field given blank is cleared). Refused, changing nothing: a year closed or
    never opened; a member not 在册 (on create); a second live appraisal of the member in the year; a grade
    together with an exempt reason; a grade beyond the branch's quota (:class:`QuotaError`); a grade that
    no longer asks for the member's live 处置. Audited."""
    ensure_year_open(year)
    if appraisal_id is None:
        person = live_person(person_id, "person", "参评党员")
        clean = appraisal_values(values)
        obj = Appraisal(year=year, person=person, org=person.org_id)
    else:
        obj = live_record(Appraisal, appraisal_id, "民主评议记录")
        if obj.person_id != person_id or obj.year != year:
            raise ValidationError(
                f"民主评议记录（编号 {obj.id}）是 {obj.person.name} {obj.year}年度的，不能改到别的党员或年度", "person")
        person = obj.person
        stored = {f: getattr(obj, f) for f in APPRAISAL_FIELDS}
        clean = {k: v for k, v in appraisal_values({**stored, **values}).items() if k in values}
        if "grade" in clean:
            _ensure_disposals_fit(obj, clean["grade"])
    with transaction():
        _ensure_one_per_year(person, year, appraisal_id)
        before = quota(obj.org_id, year)
        if appraisal_id is None:
            for field, value in clean.items():
                setattr(obj, field, value)
            obj.save()
            audit.record("create", "appraisal", obj.uid,
                         {"person": (None, person.uid), "year": (None, year), "org": (None, obj.org.uid)}
                         | {k: (None, v) for k, v in clean.items() if v not in (None, "")})
        else:
            stamp(obj, "appraisal", apply_changes(obj, dict(clean)))
        _check_quota(before, obj.org_id, year)
    return obj


# ------------------------------------------------------------------ delete / restore


def _year_open(obj: Appraisal) -> None:
    ensure_year_open(obj.year)


def _without(obj: Appraisal, sign: int) -> tuple[Quota, Quota]:
    """The branch's quota now, and as it would be with ``obj`` taken away (sign -1) or brought back (+1)."""
    before = quota(obj.org_id, obj.year)
    counted = sign * (obj.exempt_reason is None)
    appraised = before.appraised + counted
    after = Quota(before.org_id, before.org_name, appraised, before.excellent + sign * (obj.grade == "excellent"),
                  excellent_limit(appraised), before.share)
    return before, after


def _may_go(obj: Appraisal) -> None:
    live = Disposal.select().where((Disposal.appraisal == obj.id) & Disposal.deleted_at.is_null()).count()
    if live:
        raise ValidationError(f"该民主评议记录下还有 {live} 条组织处置记录，请先删除组织处置记录", "appraisal")
    before, after = _without(obj, -1)
    if after.over and after.limit < before.limit:
        raise QuotaError(after)


def _may_come_back(obj: Appraisal) -> None:
    _ensure_one_per_year(obj.person, obj.year, obj.id)
    before, after = _without(obj, +1)
    if after.over and after.excellent > before.excellent:
        raise QuotaError(after)


APPRAISALS = SoftDelete({
    "appraisal": Deletable(Appraisal, "民主评议记录", frozen=_year_open, before_delete=_may_go,
                           before_restore=_may_come_back),
})


def delete_appraisal(appraisal_id: int | str) -> None:
    """Soft-delete an appraisal (its year open, no live 处置 under it, the branch's quota still kept: one
    参评党员 fewer may lower the limit); undo with :func:`restore_appraisal`."""
    APPRAISALS.delete("appraisal", appraisal_id)


def restore_appraisal(appraisal_id: int | str) -> None:
    """Bring a deleted appraisal back: refused when the member has another live one that year, or when its
    优秀 would put the branch over the quota."""
    APPRAISALS.restore("appraisal", appraisal_id)
