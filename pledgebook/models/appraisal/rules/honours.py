"""评选表彰: candidates for 先进基层党组织, 优秀共产党员 and 优秀党务工作者, and the office's decision within
each 乡镇（党委）'s quota.

Candidates come from the records (:func:`propose_candidates`: whoever meets the county's criteria, see
:mod:`pledgebook.models.appraisal.criteria`), from the townships' recommendations and from the office
(:func:`add_candidate`: one who does not meet the criteria only with a recorded reason). One live honour per
kind, year and member (or org, for 先进基层党组织). The office then confirms or declines each (:func:`decide`):
no more confirmed per 乡镇（党委） and kind than the setting ``honour_quota`` allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pledgebook.models.appraisal.criteria import ORG_KINDS, PERSON_KINDS, Criteria
from pledgebook.models.appraisal.standing import HonourBook, HonourFigures
from pledgebook.models.appraisal.units import committee_map, committees
from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import NotFound, ValidationError
from pledgebook.models.store import audit, settings
from pledgebook.models.store.lifecycle import (
    Deletable,
    SoftDelete,
    apply_changes,
    live_record,
    stamp,
    transaction,
)
from pledgebook.models.store.orgtree import OrgTree
from pledgebook.models.store.tables import Honour, Org, Person, database, fetch_all, new_uid, utcnow
from pledgebook.models.store.years import ensure_year_open

__all__ = [
    "DELETABLE",
    "ORG_KINDS",
    "PERSON_KINDS",
    "QuotaUse",
    "add_candidate",
    "decide",
    "delete_honour",
    "propose_candidates",
    "quota_usage",
    "restore_honour",
]


@dataclass(frozen=True)
class QuotaUse:
    """One 乡镇（党委）'s use of one kind's quota in a year."""

    committee_id: int
    committee: str
    kind: str
    candidates: int  # every live honour put forward, whatever its status
    confirmed: int
    quota: int

    @property
    def left(self) -> int:
        return max(0, self.quota - self.confirmed)

    @property
    def over(self) -> bool:
        return self.confirmed > self.quota


def _who(honour: Honour) -> str:
    person: Person | None = honour.person
    return person.name if person is not None else honour.org.name


def _existing(kind: str, year: int, org_id: int, person_id: int | None, *, but: int | None = None) -> Honour | None:
    """The live honour of the same kind, year and member (or org), other than ``but``."""
    query = Honour.select().where((Honour.kind == kind) & (Honour.year == year) & Honour.deleted_at.is_null())
    query = query.where(Honour.person == person_id) if person_id else query.where(
        (Honour.org == org_id) & Honour.person.is_null())
    if but is not None:
        query = query.where(Honour.id != but)
    return query.first()


def _ensure_single(kind: str, year: int, org_id: int, person_id: int | None, who: str, *, but: int | None = None) -> None:
    found = _existing(kind, year, org_id, person_id, but=but)
    if found is not None:
        raise ValidationError(
            f"{who}已是{year}年度{vocab.HONOUR_KINDS[kind]}的{vocab.label(vocab.HONOUR_STATUSES, found.status)}"
            "（同一类表彰每年只能提名一次），不能重复提名；如需修改请在原记录上修改", "person" if person_id else "org")


def _target(kind: str, org_id: int, person_id: int | None) -> tuple[Org, Person | None]:
    """The org (and member) honoured: live; a member 在册 and in ``org_id``."""
    org = Org.get_or_none(Org.id == org_id)
    if org is None or org.deleted_at is not None:
        raise NotFound(f"未找到该党组织（编号 {org_id}），可能已被删除。")
    if kind in ORG_KINDS:
        if person_id:
            raise ValidationError(f"{vocab.HONOUR_KINDS[kind]}表彰的是党组织，不要填写党员", "person")
        return org, None
    if not person_id:
        raise ValidationError(f"{vocab.HONOUR_KINDS[kind]}表彰的是党员，请选择党员", "person")
    person = Person.get_or_none(Person.id == person_id)
    if person is None or person.deleted_at is not None:
        raise NotFound(f"未找到该党员（编号 {person_id}），可能已被删除。")
    if person.state != "active":
        raise ValidationError(f"{person.name}已{vocab.label(vocab.PERSON_STATES, person.state)}，不能提名表彰", "person")
    if person.org_id != org.id:
        raise ValidationError(f"{person.name}是{person.org.name}的党员，不是{org.name}的；请核对所在党组织", "org")
    return org, person


def add_candidate(
    kind: str,
    year: int,
    *,
    org_id: int,
    person_id: int | None = None,
    source: str = "manual",
    reason: str = "",
    note: str = "",
    batch_id: int | None = None,
    source_row: int | None = None,
) -> Honour:
    """Put forward a candidate (status 候选). Refused: a closed year; an unknown kind or source; a member not
    在册 or not in ``org_id``; a second live candidate of the same kind, year and member (or org); and one who
    does not meet the county's criteria when ``reason`` is blank (the message lists what is not met). With a
    reason it is allowed and recorded (``meets_criteria`` False). An import of the townships' recommendations
    passes its batch and row. Audited."""
    code = str(F.code(vocab.HONOUR_KINDS, kind, "kind", "表彰类别"))
    origin = str(F.code(vocab.HONOUR_SOURCES, source, "source", "提名来源"))
    reason = F.text(reason, "reason", "理由", required=False)
    note = F.text(note, "note", "备注", required=False)
    ensure_year_open(year)
    org, person = _target(code, org_id, person_id)
    who = person.name if person else org.name
    with transaction():
        _ensure_single(code, year, org.id, person.id if person else None, who)
        unmet = Criteria(year, person_id=person.id if person else None).unmet(
            code, org_id=org.id, person_id=person.id if person else None)
        if unmet and not reason:
            raise ValidationError(
                f"{who}不符合{vocab.HONOUR_KINDS[code]}的条件：{'；'.join(unmet)}。如确需提名，请填写理由", "reason")
        honour = Honour.create(year=year, kind=code, org=org, person=person, source=origin, status="candidate",
                               meets_criteria=not unmet, reason=reason, note=note, batch=batch_id,
                               source_row=source_row)
        audit.record("create", "honour", honour.uid, {
            "kind": (None, code), "year": (None, year), "org": (None, org.uid),
            "person": (None, person.uid if person else None), "source": (None, origin),
            "meets_criteria": (None, not unmet), "reason": (None, reason)})
    return honour


_INSERT = ("uid", "created_at", "updated_at", "year", "kind", "org_id", "person_id", "source", "status",
           "meets_criteria", "reason", "note")


def propose_candidates(year: int) -> dict[str, int]:
    """Add as candidates (source 台账推荐) everyone who meets the county's criteria in ``year`` and is not put
    forward yet for that kind: per kind how many were added (proposing again adds nothing new). One transaction;
    refused in a closed year."""
    ensure_year_open(year)
    added: dict[str, int] = dict.fromkeys(vocab.HONOUR_KINDS, 0)
    with transaction():
        criteria = Criteria(year)
        orgs: dict[int, str] = dict(fetch_all("SELECT id, uid FROM org WHERE deleted_at IS NULL"))
        people: dict[int, str] = dict(fetch_all("SELECT id, uid FROM person WHERE deleted_at IS NULL"))
        taken = {(kind, person or org) for kind, org, person in fetch_all(
            "SELECT kind, org_id, person_id FROM honour WHERE year = ? AND deleted_at IS NULL", [year])}
        now = str(utcnow())
        rows: list[tuple[object, ...]] = []
        entries: list[tuple[str, str, str | None, str, str]] = []
        for kind in vocab.HONOUR_KINDS:
            for org_id, person_id in criteria.meeting(kind):
                if (kind, person_id or org_id) in taken or org_id not in orgs:
                    continue
                uid = new_uid()
                rows.append((uid, now, now, year, kind, org_id, person_id, "proposed", "candidate", 1, "", ""))
                changes = {"kind": (None, kind), "year": (None, year), "org": (None, orgs[org_id]),
                           "person": (None, people.get(person_id) if person_id else None),
                           "source": (None, "proposed"), "meets_criteria": (None, True)}
                entries.append(("create", "honour", uid, audit.changes_json(changes), "按评选条件推荐"))
                added[kind] += 1
        cursor = database.cursor()
        cursor.executemany(f"INSERT INTO honour ({', '.join(_INSERT)}) VALUES ({', '.join('?' * len(_INSERT))})", rows)
        audit.record_many(entries, cursor=cursor)
    return added


def _ensure_quota(honour: Honour) -> None:
    """Refuse confirming ``honour`` when its 乡镇（党委） has used its quota of that kind."""
    tree = OrgTree.load()
    units = committee_map(tree)
    unit = units.get(honour.org_id)
    if unit is None:
        raise ValidationError(f"{honour.org.name}已被删除，不能确定表彰", "org")
    quota = settings.honour_quota()[honour.kind]
    same = [oid for oid, u in units.items() if u == unit]
    others = [name for (name,) in fetch_all(
        "SELECT coalesce(p.name, o.name) FROM honour h JOIN org o ON o.id = h.org_id "
        "LEFT JOIN person p ON p.id = h.person_id WHERE h.year = ? AND h.kind = ? AND h.status = 'confirmed' "
        f"AND h.deleted_at IS NULL AND h.id != ? AND h.org_id IN ({', '.join('?' * len(same))}) ORDER BY h.id",
        [honour.year, honour.kind, honour.id, *same])]
    if len(others) >= quota:
        listed = f"（{'、'.join(others)}）" if others else ""
        raise ValidationError(
            f"{tree.orgs[unit].name}{honour.year}年度{vocab.HONOUR_KINDS[honour.kind]}名额为 {quota} 名，"
            f"已确定 {len(others)} 名{listed}，不能再确定「{_who(honour)}」。"
            "如需调整，请先把其中一名改为「未通过」或「候选」，或在设置中调整评选表彰名额", "status")


def decide(honour_id: int, status: str, *, decided_on: date | str | None = None) -> Honour:
    """The office's decision on a candidate: 确定表彰 (``confirmed``), 未通过 (``declined``) or back to 候选.
    Confirming is refused beyond the 乡镇（党委）'s quota of the kind (setting ``honour_quota``), with a
    message naming the township and the quota. ``decided_on`` defaults to today (cleared back at 候选).
    Refused in a closed year. Audited."""
    code = str(F.code(vocab.HONOUR_STATUSES, status, "status", "表彰结果"))
    when = F.parse_date(decided_on, "decided_on", "决定日期")
    honour = live_record(Honour, honour_id, "表彰记录")
    ensure_year_open(honour.year)
    if when is not None and when > date.today():
        raise ValidationError("决定日期不能晚于今天", "decided_on")
    with transaction():
        if code == "confirmed" and honour.status != "confirmed":
            _ensure_quota(honour)
        values: dict[str, object] = {"status": code,
                                     "decided_on": None if code == "candidate" else (when or date.today())}
        stamp(honour, "honour", apply_changes(honour, values))
    return honour


def quota_usage(year: int) -> list[QuotaUse]:
    """Per 乡镇（党委） (tree order) and kind: candidates, confirmed and the quota (setting ``honour_quota``)."""
    tree = OrgTree.load()
    units = committee_map(tree)
    per: dict[int, HonourFigures] = {unit: HonourFigures() for unit in committees(tree, units)}
    for org_id, fig in HonourBook(year, tree).own().items():
        per.setdefault(units[org_id], HonourFigures()).add(fig)
    quota = settings.honour_quota()
    return [QuotaUse(unit, tree.orgs[unit].name, kind, fig.candidates[kind], fig.confirmed[kind], quota[kind])
            for unit, fig in per.items() for kind in vocab.HONOUR_KINDS]


def _year_open(honour: Honour) -> None:
    ensure_year_open(honour.year)


def _may_return(honour: Honour) -> None:
    """A deleted honour comes back only when no other live one took its place and its quota still has room."""
    _ensure_single(honour.kind, honour.year, honour.org_id, honour.person_id, _who(honour), but=honour.id)
    if honour.status == "confirmed":
        _ensure_quota(honour)


DELETABLE = SoftDelete({"honour": Deletable(Honour, "表彰记录", frozen=_year_open, before_restore=_may_return)})


def delete_honour(honour_id: int | str) -> None:
    """Remove a candidate or an award (soft delete: the removal travels upward); refused in a closed year."""
    DELETABLE.delete("honour", honour_id)


def restore_honour(honour_id: int | str) -> None:
    """Bring a deleted honour back, unless another live one of the same kind, year and member (or org) took its
    place, or (confirmed) its 乡镇（党委）'s quota is full."""
    DELETABLE.restore("honour", honour_id)

