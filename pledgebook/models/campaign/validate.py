"""Validation of the campaign ledger's values: public functions that return clean values or raise
:class:`ValidationError` / report errors by field. They write nothing: the writes in :mod:`.rules`
(transaction, audit) and the importers call them. Some read what the check needs: the person or org
named, the closed years.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from pledgebook.models.campaign.figures import VILLAGE_KINDS
from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, YearClosed
from pledgebook.models.core.fields import parse_date
from pledgebook.models.store.tables import ContactPoint, Org, Pairing, Person, Stationing
from pledgebook.models.store.years import closed_years

__all__ = [
    "MAX_FUNDS",
    "MAX_QUANTITY",
    "end_date",
    "ensure_span_open",
    "live_org",
    "live_person",
    "place_label",
    "place_span",
    "quantities",
    "start_date",
    "temp_branch",
    "village",
]

MAX_QUANTITY = 100_000  # per log and measure: more is a typo (an ID number in a count column)
MAX_FUNDS = 100_000.0  # 万元 per log (10 亿元)

def ensure_span_open(start: date, end: date | None) -> None:
    """Refuse a change to a record that was running during a closed year."""
    last = (end or date.today()).year
    touched = sorted(y for y in closed_years() if start.year <= y <= last)
    if touched:
        raise YearClosed(touched[0])


def live_person(person_id: object, field: str, label: str) -> Person:
    """A member on the roll (在册), by id or uid; ``field``/``label`` name the form field."""
    if person_id in (None, ""):
        raise ValidationError(f"请选择{label}", field)
    person = Person.get_or_none(Person.id == int(str(person_id))) if str(person_id).isdigit() else Person.get_or_none(
        Person.uid == str(person_id)
    )
    if person is None or person.deleted_at is not None:
        raise ValidationError(f"未找到{label}（编号 {person_id}）", field)
    if person.state != "active":
        raise ValidationError(f"{label}「{person.name}」不是在册人员（{vocab.label(vocab.PERSON_STATES, person.state)}）", field)
    return person


def live_org(org_id: object, field: str, label: str) -> Org:
    """A live org by id or uid; ``field``/``label`` name the form field."""
    if org_id in (None, ""):
        raise ValidationError(f"请选择{label}", field)
    org = Org.get_or_none(Org.id == int(str(org_id))) if str(org_id).isdigit() else Org.get_or_none(Org.uid == str(org_id))
    if org is None or org.deleted_at is not None:
        raise ValidationError(f"未找到{label}（编号 {org_id}）", field)
    return org


def start_date(value: object, field: str = "start_date") -> date:
    """A start date (today when blank) from 2000 to a year ahead."""
    when = parse_date(value, field, "开始日期") or date.today()
    if not (date(2000, 1, 1) <= when <= date.today() + timedelta(days=366)):
        raise ValidationError(f"开始日期 {when.isoformat()} 不在合理范围内，请检查是否输错年份", field)
    return when


def end_date(value: object, start: date, field: str, label: str) -> date:
    """An end date (today when blank), not before ``start``, at most a year ahead."""
    when = parse_date(value, field, label) or date.today()
    if when < start:
        raise ValidationError(f"{label} {when.isoformat()} 不能早于开始日期 {start.isoformat()}", field)
    if when > date.today() + timedelta(days=366):
        raise ValidationError(f"{label} {when.isoformat()} 不在合理范围内，请检查是否输错年份", field)
    return when


def village(org_id: object) -> Org:
    """A village: a branch or general branch (stationing goes to villages)."""
    org = live_org(org_id, "village", "驻村所在村")
    if org.kind not in VILLAGE_KINDS:
        raise ValidationError(
            f"「{org.name}」是{vocab.label(vocab.ORG_KINDS, org.kind)}，驻村所在村应选择村（社区）的党支部或党总支", "village"
        )
    return org


def temp_branch(org_id: object) -> Org | None:
    """A stationing's 临时党支部, or None when blank."""
    if org_id in (None, ""):
        return None
    org = live_org(org_id, "branch", "临时党支部")
    if org.kind != "temp_branch":
        raise ValidationError(f"「{org.name}」不是临时党支部，请选择驻村工作队的临时党支部", "branch")
    return org


def quantities(kind: str | None, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Measures by code (households …) or by unit (户 …) → column values, errors."""
    values: dict[str, Any] = {m: 0 for m in vocab.MEASURES}
    errors: dict[str, str] = {}
    for key, raw in given.items():
        measure = vocab.code_for(vocab.MEASURES, str(key))
        if measure is None:
            errors[str(key)] = f"未知的计量单位「{key}」（可选：{'、'.join(vocab.MEASURES.values())}）"
            continue
        unit = vocab.MEASURES[measure]
        if raw is None or str(raw).strip() == "":
            continue
        if measure == "funds":
            try:
                number = round(float(str(raw).strip()), 4)
            except ValueError:
                errors[measure] = f"资金（万元）应为数字，收到「{raw}」"
                continue
            if number != number or number < 0 or number > MAX_FUNDS:  # NaN, negative, absurd
                errors[measure] = f"资金（万元）应在 0–{MAX_FUNDS:.0f} 之间，收到「{raw}」；注意单位是万元"
                continue
        else:
            try:
                number = F.count(str(raw).strip(), measure, f"数量（{unit}）")
            except ValidationError as exc:
                errors[measure] = exc.message
                continue
            if number is not None and number > MAX_QUANTITY:
                errors[measure] = f"数量（{unit}）{number} 过大，请核对"
                continue
        values[measure] = number or 0
    if kind is not None:
        allowed = vocab.WORK_MEASURES[kind]
        for measure, number in values.items():
            if number and measure not in allowed and measure not in errors:
                units = "、".join(vocab.MEASURES[m] for m in allowed)
                errors[measure] = (
                    f"「{vocab.WORK_KINDS[kind]}」按{units}计，不按{vocab.MEASURES[measure]}计；"
                    "请把这项数量记在相应的工作类别下"
                )
    return values, errors


def place_span(obj: ContactPoint | Pairing | Stationing) -> tuple[date, date | None, Org, Person]:
    """A place's start, end (None: still running), org and holder (leader, helper or cadre)."""
    if isinstance(obj, ContactPoint):
        return obj.start_date, obj.end_date, obj.org, obj.leader
    if isinstance(obj, Pairing):
        return obj.start_date, obj.end_date, obj.org, obj.helper
    return obj.start_date, obj.actual_end, obj.village, obj.cadre


def place_label(obj: ContactPoint | Pairing | Stationing) -> str:
    if isinstance(obj, ContactPoint):
        return f"联系点「{obj.name}」"
    if isinstance(obj, Pairing):
        # a pairing names a household or a helped member (rules.places.create_pairing)
        return f"结对帮扶「{obj.household or cast(Person, obj.helped_person).name}」"
    return f"驻村「{obj.village.name}」"
