"""Pledges (承诺) and their progress entries (践诺记录): create, change, move along their statuses."""

from __future__ import annotations

from datetime import date
from typing import Any

from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.core.fields import parse_date
from pledgebook.models.ledger import validate
from pledgebook.models.ledger.rules.orgs import ensure_active_org
from pledgebook.models.store import audit
from pledgebook.models.store.lifecycle import (
    apply_changes,
    ensure_live,
    get_record,
    transaction,
    update_record,
)
from pledgebook.models.store.tables import Org, Person, Pledge, Progress, utcnow
from pledgebook.models.store.years import ensure_year_open


def _pledger(org_id: int | None, person_id: int | None) -> tuple[Org, Person | None]:
    if person_id:
        person = Person.get_or_none(Person.id == person_id)
        if person is None or person.deleted_at is not None:
            raise ValidationError("承诺人不存在，请重新选择", "pledger")
        if person.state != "active":
            raise ValidationError(f"{person.name}已{vocab.label(vocab.PERSON_STATES, person.state)}，不能新建承诺", "pledger")
        return person.org, person
    if org_id:
        org = Org.get_or_none(Org.id == org_id)
        if org is None or org.deleted_at is not None:
            raise ValidationError("承诺的党组织不存在，请重新选择", "pledger")
        return org, None
    raise ValidationError("请选择承诺人（党组织或党员）", "pledger")


def create_pledge(
    year: int,
    content: str,
    *,
    org_id: int | None = None,
    person_id: int | None = None,
    scope: str | None = None,
    category: str = "service",
    status: str = "in_progress",
    **fields: Any,
) -> Pledge:
    ensure_year_open(year)
    org, person = _pledger(org_id, person_id)
    ensure_active_org(org, "新建承诺")
    scope = scope or ("personal" if person else "org")
    values = validate.pledge_values({"content": content, "scope": scope, "category": category, **fields}, year)
    status_code = F.code(vocab.PLEDGE_STATUSES, status, "status", "状态")
    if status_code not in ("draft", "in_progress"):
        raise ValidationError("新建的承诺只能是「拟定」或「践诺中」", "status")
    with transaction():
        pledge = Pledge.create(year=year, org=org, person=person, status=status_code, **values)
        audit.record(
            "create",
            "pledge",
            pledge.uid,
            {"content": (None, values["content"]), "pledger": (None, (person or org).uid), "year": (None, year)},
        )
    return pledge


def live_pledge(pledge_id: int | str) -> Pledge:
    pledge = get_record(Pledge, pledge_id, "承诺")
    ensure_year_open(pledge.year)
    ensure_live(pledge, "承诺")
    return pledge


def update_pledge(pledge_id: int | str, **fields: Any) -> Pledge:
    pledge = live_pledge(pledge_id)
    if "org_id" in fields or "person_id" in fields:
        org, person = _pledger(fields.pop("org_id", None), fields.pop("person_id", None))
        fields["org"] = org
        fields["person"] = person
    pledger = {k: fields.pop(k) for k in ("org", "person") if k in fields}
    values = validate.pledge_values(fields, pledge.year)
    with transaction():
        changes = apply_changes(pledge, values)
        for key, new in pledger.items():
            old = getattr(pledge, key)
            if (old.id if old else None) != (new.id if new else None):
                changes[key] = (old, new)
                setattr(pledge, key, new)
        if changes:
            pledge.updated_at = utcnow()
            pledge.save()
            audit.record("update", "pledge", pledge.uid, changes)
    return pledge


def set_status(pledge_id: int | str, status: str, on: date | str | None = None) -> Pledge:
    """Move a pledge along 拟定 → 践诺中 → 已兑现/部分兑现/未兑现, or 已撤销."""
    pledge = live_pledge(pledge_id)
    code = F.code(vocab.PLEDGE_STATUSES, status, "status", "状态")
    if code == "carried":
        raise ValidationError("「已结转」只能由年终结转设置", "status")
    when = parse_date(on, "fulfilled_on", "兑现日期")
    values: dict[str, Any] = {"status": code}
    if code in vocab.RESULT_STATUSES:
        when = when or date.today()
        if when < date(pledge.year - 1, 1, 1) or when > date.today():
            raise ValidationError("兑现日期不能晚于今天，也不能早于承诺年度", "fulfilled_on")
        values["fulfilled_on"] = when
    else:
        values["fulfilled_on"] = None
    update_record(pledge, "pledge", values)
    return pledge


def add_progress(pledge_id: int | str, note: str, on: date | str | None = None, percent: int | str | None = None) -> Progress:
    pledge = live_pledge(pledge_id)
    values = validate.progress_values(note, on, percent)
    note = values["note"]
    with transaction():
        entry = Progress.create(pledge=pledge, **values)
        audit.record("create", "progress", entry.uid, {"note": (None, note), "pledge": (None, pledge.uid)})
        if pledge.status == "draft":
            pledge.status = "in_progress"
            pledge.updated_at = utcnow()
            pledge.save()
            audit.record("update", "pledge", pledge.uid, {"status": ("draft", "in_progress")})
    return entry
