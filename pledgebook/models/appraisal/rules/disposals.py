"""组织处置 of a member appraised 基本合格 or 不合格: decided with a due date (整改期限), closed (销号) like a
rectification.

A 处置 belongs to its appraisal's year, with one exception to the closed-year lock: an open 处置 is
carried into the next year's work, so while its year is closed it can still be closed (销号: ``closed_on``
and ``result``), and nothing else. The closing date itself may not fall in a closed year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from pledgebook.models.appraisal.validate import DISPOSAL_FIELDS, disposal_values
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, YearClosed
from pledgebook.models.store import audit, settings
from pledgebook.models.store.lifecycle import (
    Deletable,
    SoftDelete,
    apply_changes,
    live_record,
    stamp,
    transaction,
)
from pledgebook.models.store.tables import Appraisal, Disposal, fetch_all
from pledgebook.models.store.years import closed_years, ensure_not_closed, ensure_year_open

__all__ = [
    "CLOSING_FIELDS",
    "DisposalRow",
    "close_disposal",
    "default_due",
    "delete_disposal",
    "open_disposals",
    "restore_disposal",
    "save_disposal",
]

CLOSING_FIELDS = ("closed_on", "result")  # what may change while the appraisal's year is closed


def default_due(decided_on: date) -> date:
    """The due date a form offers: ``decided_on`` + the county's 处置期限 (setting ``disposal_days``)."""
    return decided_on + timedelta(days=settings.get_int("disposal_days"))


def _appraisal_needing_disposal(appraisal_id: int | str) -> Appraisal:
    appraisal = live_record(Appraisal, appraisal_id, "民主评议记录")
    if appraisal.grade not in vocab.DISPOSAL_GRADES:
        grade = vocab.label(vocab.APPRAISAL_GRADES, appraisal.grade, "未评定等次")
        raise ValidationError(
            f"{appraisal.person.name} {appraisal.year}年度民主评议为「{grade}」，不需要组织处置："
            "只有评定为基本合格、不合格的党员才作组织处置", "appraisal")
    return appraisal


def _closing_only(appraisal: Appraisal, obj: Disposal | None, values: Mapping[str, object]) -> None:
    """In a closed year only an open 处置 may be closed, and only its closing fields change."""
    if appraisal.year not in closed_years():
        ensure_year_open(appraisal.year)  # a year never opened is refused too
        return
    others = [k for k in values if k not in CLOSING_FIELDS]
    if obj is None or obj.closed_on is not None or others or not values.get("closed_on"):
        raise YearClosed(appraisal.year)


def save_disposal(values: Mapping[str, object], *, appraisal_id: int, disposal_id: int | None = None) -> Disposal:
    """Create (``disposal_id`` None) or change a 组织处置 of the appraisal ``appraisal_id``.

    ``values``: the fields of :func:`pledgebook.models.appraisal.validate.disposal_values` (on a change,
    only those to change). No default due date here: the form offers :func:`default_due`. Refused,
    changing nothing: an appraisal whose grade is not 基本合格/不合格; no due date; the appraisal's year
    closed (unless closing an open 处置); a closing date in a closed year. Audited."""
    appraisal = _appraisal_needing_disposal(appraisal_id)
    obj = None if disposal_id is None else live_record(Disposal, disposal_id, "组织处置记录")
    if obj is not None and obj.appraisal_id != appraisal.id:
        raise ValidationError(f"组织处置记录（编号 {obj.id}）不属于该民主评议记录", "appraisal")
    _closing_only(appraisal, obj, values)
    stored = {} if obj is None else {f: getattr(obj, f) for f in DISPOSAL_FIELDS}
    clean = disposal_values({**stored, **values})
    closed = clean.get("closed_on")
    ensure_not_closed(closed if isinstance(closed, date) else None)
    with transaction():
        if obj is None:
            obj = Disposal.create(appraisal=appraisal, **clean)
            audit.record("create", "disposal", obj.uid, {"appraisal": (None, appraisal.uid)}
                         | {k: (None, v) for k, v in clean.items() if v not in (None, "")})
        else:
            changes = apply_changes(obj, {k: v for k, v in clean.items() if k in values})
            closing = "closed_on" in changes and changes["closed_on"][0] is None
            stamp(obj, "disposal", changes, "end" if closing else "update")
    return obj


def close_disposal(disposal_id: int, closed_on: date, result: str) -> Disposal:
    """销号: the 处置 is done on ``closed_on`` with ``result``; allowed also while its year is closed."""
    obj = live_record(Disposal, disposal_id, "组织处置记录")
    if obj.closed_on is not None:
        raise ValidationError(f"该组织处置已于 {obj.closed_on.isoformat()} 销号", "closed_on")
    if not closed_on:
        raise ValidationError("请填写销号日期", "closed_on")
    return save_disposal({"closed_on": closed_on, "result": result}, appraisal_id=obj.appraisal_id, disposal_id=obj.id)


@dataclass(frozen=True)
class DisposalRow:
    """An open 处置 as the lists show it; ``overdue``: its due date has passed."""

    disposal_id: int
    appraisal_id: int
    year: int
    person_id: int
    person_name: str
    org_id: int
    org_name: str
    grade: str
    kind: str
    decided_on: date
    due_date: date
    overdue: bool


def open_disposals(year: int | None = None, *, today: date | None = None) -> list[DisposalRow]:
    """Live, not closed 处置 of live appraisals (of ``year``, or every year), the earliest due first."""
    today = today or date.today()
    where, params = ("AND a.year = ? ", [year]) if year is not None else ("", [])
    rows = fetch_all(
        "SELECT d.id, a.id, a.year, p.id, p.name, o.id, o.name, a.grade, d.kind, d.decided_on, d.due_date "
        "FROM disposal d JOIN appraisal a ON a.id = d.appraisal_id JOIN person p ON p.id = a.person_id "
        "JOIN org o ON o.id = a.org_id WHERE d.deleted_at IS NULL AND d.closed_on IS NULL "
        f"AND a.deleted_at IS NULL {where}ORDER BY d.due_date, d.id", params)
    found = []
    for did, aid, yr, pid, pname, oid, oname, grade, kind, decided, due in rows:
        due_date = date.fromisoformat(str(due)[:10])
        found.append(DisposalRow(did, aid, yr, pid, pname, oid, oname, grade, kind,
                                 date.fromisoformat(str(decided)[:10]), due_date, due_date < today))
    return found


# ------------------------------------------------------------------ delete / restore


def _year_open(obj: Disposal) -> None:
    ensure_year_open(obj.appraisal.year)


def _appraisal_asks(obj: Disposal) -> None:
    _appraisal_needing_disposal(obj.appraisal_id)


DISPOSALS = SoftDelete({
    "disposal": Deletable(Disposal, "组织处置记录", frozen=_year_open, before_restore=_appraisal_asks),
})


def delete_disposal(disposal_id: int | str) -> None:
    """Soft-delete a 处置 (its appraisal's year open); undo with :func:`restore_disposal`."""
    DISPOSALS.delete("disposal", disposal_id)


def restore_disposal(disposal_id: int | str) -> None:
    """Bring a deleted 处置 back: its appraisal live and still 基本合格/不合格."""
    DISPOSALS.restore("disposal", disposal_id)
