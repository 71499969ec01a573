"""Members (党员/干部): add and change them. A member is never deleted: their state says 转出, 死亡 ….

Personal data (ID number, phone) is audited as changed, never with its values.
"""

from __future__ import annotations

from typing import Any

from pledgebook.models.core.errors import ValidationError
from pledgebook.models.ledger import validate
from pledgebook.models.ledger.rules.orgs import ensure_active_org
from pledgebook.models.store import audit
from pledgebook.models.store.lifecycle import apply_changes, get_record, transaction
from pledgebook.models.store.tables import Person, utcnow


def create_person(name: str, org_id: int, **fields: Any) -> Person:
    values = validate.person_values({"name": name, "org_id": org_id, **fields})
    ensure_active_org(values["org"], "再添加人员")
    if values.get("id_number") and Person.get_or_none(
        (Person.id_number == values["id_number"]) & Person.deleted_at.is_null()
    ):
        raise ValidationError("该身份证号已登记在另一名人员名下，请核对", "id_number")
    with transaction():
        person = Person.create(**values)
        audit.record("create", "person", person.uid, {k: (None, v) for k, v in values.items() if k not in ("pinyin", "id_number", "phone")})
    return person


def update_person(person_id: int, **fields: Any) -> Person:
    person = get_record(Person, person_id, "人员")
    values = validate.person_values(fields)
    if "org" in values and values["org"].id != person.org_id:
        ensure_active_org(values["org"], "把人员转入")
    if values.get("id_number") and Person.get_or_none(
        (Person.id_number == values["id_number"]) & (Person.id != person.id) & Person.deleted_at.is_null()
    ):
        raise ValidationError("该身份证号已登记在另一名人员名下，请核对", "id_number")
    with transaction():
        changes = apply_changes(person, values)
        if changes:
            person.updated_at = utcnow()
            person.save()
            # personal data is recorded as changed, never its values
            safe = {k: (("***", "***") if k in ("id_number", "phone") else v) for k, v in changes.items() if k != "pinyin"}
            audit.record("update", "person", person.uid, safe)
    return person
