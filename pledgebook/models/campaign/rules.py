"""Rules of the second ledger (四帮四促 / 帮联驻): contact points, pairings, stationing, help logs.

Same shape as :mod:`pledgebook.models.ledger.rules`: validate first (Chinese messages
naming the field), write in one ``IMMEDIATE`` transaction, record the change
in the audit log, soft delete and restore.

Contact points, pairings and stationings are **not per year**: they run from
their start date until they are ended, and every year's figures read them as
they stood on that year's date. So a year-end rollover copies nothing; see
:func:`year_end_summary`. What keeps a closed year frozen:

- a help log dated in a closed year cannot be written, changed, deleted or
  restored (like a pledge of that year);
- a contact point, pairing or stationing cannot start or end inside a closed
  year, and one that was running during a closed year cannot be deleted,
  restored or moved to another kind, org or village (end it instead):
  any of those would change the closed year's figures. Its name and note
  can still be corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from peewee import Model

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors, YearClosed
from pledgebook.models.ledger.rules import (
    MAX_NAME,
    _apply,
    _code,
    _count,
    _date,
    _get,
    _text,
    ensure_year_open,
    mark_deleted,
    transaction,
)
from pledgebook.models.store import audit
from pledgebook.models.store.tables import (
    ContactPoint,
    HelpLog,
    Org,
    Pairing,
    Person,
    Stationing,
    database,
    utcnow,
)

STATION_YEARS = 3  # the usual term of a stationed cadre
MAX_QUANTITY = 100_000  # per log and measure: more is a typo (an ID number in a count column)
MAX_FUNDS = 100_000.0  # 万元 per log (10 亿元)
VILLAGE_KINDS = ("branch", "general_branch")


# ----------------------------------------------------------------- helpers


def closed_years() -> set[int]:
    return {y for (y,) in database.execute_sql("SELECT year FROM work_year WHERE closed = 1").fetchall()}


def _ensure_not_closed(when: date | None) -> None:
    if when is not None and when.year in closed_years():
        raise YearClosed(when.year)


def _ensure_span_open(start: date, end: date | None) -> None:
    """Refuse a change to a record that was running during a closed year."""
    last = (end or date.today()).year
    touched = sorted(y for y in closed_years() if start.year <= y <= last)
    if touched:
        raise YearClosed(touched[0])


def _live_person(person_id: Any, field: str, label: str) -> Person:
    if person_id in (None, ""):
        raise ValidationError(f"请选择{label}", field)
    person = Person.get_or_none(Person.id == int(person_id)) if str(person_id).isdigit() else Person.get_or_none(
        Person.uid == str(person_id)
    )
    if person is None or person.deleted_at is not None:
        raise ValidationError(f"未找到{label}（编号 {person_id}）", field)
    if person.state != "active":
        raise ValidationError(f"{label}「{person.name}」不是在册人员（{vocab.label(vocab.PERSON_STATES, person.state)}）", field)
    return person


def _live_org(org_id: Any, field: str, label: str) -> Org:
    if org_id in (None, ""):
        raise ValidationError(f"请选择{label}", field)
    org = Org.get_or_none(Org.id == int(org_id)) if str(org_id).isdigit() else Org.get_or_none(Org.uid == str(org_id))
    if org is None or org.deleted_at is not None:
        raise ValidationError(f"未找到{label}（编号 {org_id}）", field)
    return org


def _start(value: Any, field: str = "start_date") -> date:
    when = _date(value, field, "开始日期") or date.today()
    if not (date(2000, 1, 1) <= when <= date.today() + timedelta(days=366)):
        raise ValidationError(f"开始日期 {when.isoformat()} 不在合理范围内，请检查是否输错年份", field)
    return when


def _end(value: Any, start: date, field: str, label: str) -> date:
    when = _date(value, field, label) or date.today()
    if when < start:
        raise ValidationError(f"{label} {when.isoformat()} 不能早于开始日期 {start.isoformat()}", field)
    if when > date.today() + timedelta(days=366):
        raise ValidationError(f"{label} {when.isoformat()} 不在合理范围内，请检查是否输错年份", field)
    return when


def _collect(checks: list[tuple[str, Any]]) -> tuple[list[Any], dict[str, str]]:
    """Run (field, thunk) pairs; return results and the errors by field."""
    results, errors = [], {}
    for field, thunk in checks:
        try:
            results.append(thunk())
        except ValidationError as exc:
            errors[exc.field or field] = exc.message
            results.append(None)
    return results, errors


def _stamp(obj: Model, table: str, changes: dict[str, tuple[Any, Any]], action: str = "update") -> None:
    if changes:
        obj.updated_at = utcnow()
        obj.save()
        audit.record(action, table, obj.uid, changes)


def _add_years(when: date, years: int) -> date:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28)


def default_planned_end(start: date) -> date:
    """A stationing's planned end when none is given: three years after its start."""
    return _add_years(start, STATION_YEARS)


# ------------------------------------------------------------ contact points


def create_contact_point(
    leader_id: int | str,
    kind: str,
    name: str,
    org_id: int | str,
    *,
    start_date: date | str | None = None,
    note: str = "",
) -> ContactPoint:
    """A leader's 联系点. ``org_id``: the org (for a village, its branch) the point belongs to."""
    (leader, kind_code, name, org, start, note), errors = _collect(
        [
            ("leader", lambda: _live_person(leader_id, "leader", "联系领导")),
            ("kind", lambda: _code(vocab.CONTACT_KINDS, kind, "kind", "联系点类型")),
            ("name", lambda: _text(name, "name", "联系点名称", limit=MAX_NAME)),
            ("org", lambda: _live_org(org_id, "org", "联系点所属组织或村")),
            ("start_date", lambda: _start(start_date)),
            ("note", lambda: _text(note, "note", "备注", required=False)),
        ]
    )
    if errors:
        raise ValidationErrors(errors)
    _ensure_not_closed(start)
    with transaction():
        cp = ContactPoint.create(leader=leader, kind=kind_code, name=name, org=org, start_date=start, note=note)
        audit.record(
            "create",
            "contact_point",
            cp.uid,
            {"leader": (None, leader.uid), "kind": (None, kind_code), "name": (None, name), "org": (None, org.uid),
             "start_date": (None, start)},
        )
    return cp


def _live_contact_point(cp_id: int | str) -> ContactPoint:
    cp = _get(ContactPoint, cp_id, "联系点")
    if cp.deleted_at is not None:
        raise ValidationError("该联系点已被删除；如需修改请先恢复", "contact_point")
    return cp


def update_contact_point(cp_id: int | str, **fields: Any) -> ContactPoint:
    """Change name, note, leader_id; or kind, org_id, start_date (only while no closed year is touched)."""
    cp = _live_contact_point(cp_id)
    values: dict[str, Any] = {}
    checks = []
    if "name" in fields:
        checks.append(("name", lambda: values.__setitem__("name", _text(fields["name"], "name", "联系点名称", limit=MAX_NAME))))
    if "note" in fields:
        checks.append(("note", lambda: values.__setitem__("note", _text(fields["note"], "note", "备注", required=False))))
    if "leader_id" in fields:
        checks.append(("leader", lambda: values.__setitem__("leader", _live_person(fields["leader_id"], "leader", "联系领导"))))
    if "kind" in fields:
        checks.append(("kind", lambda: values.__setitem__("kind", _code(vocab.CONTACT_KINDS, fields["kind"], "kind", "联系点类型"))))
    if "org_id" in fields:
        checks.append(("org", lambda: values.__setitem__("org", _live_org(fields["org_id"], "org", "联系点所属组织或村"))))
    if "start_date" in fields:
        checks.append(("start_date", lambda: values.__setitem__("start_date", _start(fields["start_date"]))))
    _, errors = _collect(checks)
    if errors:
        raise ValidationErrors(errors)
    return _update_assignment(cp, "contact_point", values, ("kind", "org", "start_date"), cp.start_date, cp.end_date)


def _update_assignment(
    obj: Any, table: str, values: dict[str, Any], frozen: tuple[str, ...], start: date, end: date | None
) -> Any:
    """Apply values; fields in ``frozen`` change figures, so a closed year must not be touched."""
    changes_figures = any(
        k in values and (getattr(obj, k + "_id", None) if isinstance(values[k], Model) else getattr(obj, k))
        != (values[k].id if isinstance(values[k], Model) else values[k])
        for k in frozen
    )
    if changes_figures:
        _ensure_span_open(start, end)
        if "start_date" in values:
            _ensure_span_open(values["start_date"], end)
            if end is not None and values["start_date"] > end:
                raise ValidationError("开始日期不能晚于结束日期", "start_date")
    related = {k: v for k, v in values.items() if isinstance(v, Model)}
    plain = {k: v for k, v in values.items() if not isinstance(v, Model)}
    with transaction():
        changes = _apply(obj, plain)
        for key, new in related.items():
            old = getattr(obj, key)
            if old.id != new.id:
                changes[key] = (old, new)
                setattr(obj, key, new)
        _stamp(obj, table, changes)
        # the logs count under the place's org: they follow it (all in open years, checked above)
        new_org = changes.get("org", changes.get("village", (None, None)))[1]
        if new_org is not None:
            column = {"contact_point": HelpLog.contact_point, "pairing": HelpLog.pairing, "stationing": HelpLog.stationing}[table]
            HelpLog.update(org=new_org.id, updated_at=utcnow()).where(column == obj.id).execute()
    return obj


def end_contact_point(cp_id: int | str, on: date | str | None = None) -> ContactPoint:
    """The leader no longer keeps this point (from ``on``, default today)."""
    cp = _live_contact_point(cp_id)
    when = _end(on, cp.start_date, "end_date", "结束日期")
    _ensure_not_closed(when)
    if cp.end_date is not None:
        _ensure_not_closed(cp.end_date)
    with transaction():
        _stamp(cp, "contact_point", _apply(cp, {"end_date": when, "active": False}), "end")
    return cp


# ------------------------------------------------------------ pairings


def create_pairing(
    helper_id: int | str,
    *,
    helped_person_id: int | str | None = None,
    household: str | None = None,
    org_id: int | str | None = None,
    start_date: date | str | None = None,
    note: str = "",
) -> Pairing:
    """结对帮扶: a helper and either a member (``helped_person_id``) or a household (its name,
    e.g. 「李小红户」, with ``org_id`` the village it lives in). For a member the org
    defaults to the member's own."""
    errors: dict[str, str] = {}
    helped = None
    household_name = None
    if helped_person_id not in (None, "") and (household or "").strip():
        errors["household"] = "帮扶对象只能填一个：党员（人员）或困难户名称"
    elif helped_person_id not in (None, ""):
        try:
            helped = _live_person(helped_person_id, "helped_person", "帮扶对象")
        except ValidationError as exc:
            errors["helped_person"] = exc.message
    else:
        try:
            household_name = _text(household, "household", "帮扶对象（困难户）", limit=MAX_NAME)
        except ValidationError as exc:
            errors["household"] = "请填写帮扶对象：选择一名党员，或填写困难户名称" if not (household or "").strip() else exc.message
    (helper, start, note), more = _collect(
        [
            ("helper", lambda: _live_person(helper_id, "helper", "帮扶责任人")),
            ("start_date", lambda: _start(start_date)),
            ("note", lambda: _text(note, "note", "备注", required=False)),
        ]
    )
    errors.update(more)
    org = None
    if org_id not in (None, ""):
        try:
            org = _live_org(org_id, "org", "帮扶对象所在组织或村")
        except ValidationError as exc:
            errors["org"] = exc.message
    elif helped is not None:
        org = helped.org
    elif "household" not in errors:
        errors["org"] = "请选择困难户所在的村（党组织）"
    if helper is not None and helped is not None and helper.id == helped.id:
        errors["helped_person"] = "帮扶责任人和帮扶对象不能是同一人"
    if errors:
        raise ValidationErrors(errors)
    _ensure_not_closed(start)
    with transaction():
        pairing = Pairing.create(
            helper=helper, helped_person=helped, household=household_name, org=org, start_date=start, note=note
        )
        audit.record(
            "create",
            "pairing",
            pairing.uid,
            {"helper": (None, helper.uid), "helped": (None, helped.uid if helped else household_name),
             "org": (None, org.uid), "start_date": (None, start)},
        )
    return pairing


def _live_pairing(pairing_id: int | str) -> Pairing:
    pairing = _get(Pairing, pairing_id, "结对帮扶")
    if pairing.deleted_at is not None:
        raise ValidationError("该结对帮扶已被删除；如需修改请先恢复", "pairing")
    return pairing


def update_pairing(pairing_id: int | str, **fields: Any) -> Pairing:
    """Change note, household (name), helper_id; or org_id, start_date (no closed year touched)."""
    pairing = _live_pairing(pairing_id)
    values: dict[str, Any] = {}
    checks = []
    if "note" in fields:
        checks.append(("note", lambda: values.__setitem__("note", _text(fields["note"], "note", "备注", required=False))))
    if "household" in fields and pairing.household is not None:
        checks.append(("household", lambda: values.__setitem__(
            "household", _text(fields["household"], "household", "帮扶对象（困难户）", limit=MAX_NAME))))
    if "helper_id" in fields:
        checks.append(("helper", lambda: values.__setitem__("helper", _live_person(fields["helper_id"], "helper", "帮扶责任人"))))
    if "org_id" in fields:
        checks.append(("org", lambda: values.__setitem__("org", _live_org(fields["org_id"], "org", "帮扶对象所在组织或村"))))
    if "start_date" in fields:
        checks.append(("start_date", lambda: values.__setitem__("start_date", _start(fields["start_date"]))))
    _, errors = _collect(checks)
    if errors:
        raise ValidationErrors(errors)
    return _update_assignment(pairing, "pairing", values, ("org", "start_date"), pairing.start_date, pairing.end_date)


def end_pairing(pairing_id: int | str, on: date | str | None = None) -> Pairing:
    """结对 ended (脱贫, 对象迁出, 责任人调整 …) from ``on``, default today."""
    pairing = _live_pairing(pairing_id)
    when = _end(on, pairing.start_date, "end_date", "结束日期")
    _ensure_not_closed(when)
    if pairing.end_date is not None:
        _ensure_not_closed(pairing.end_date)
    with transaction():
        _stamp(pairing, "pairing", _apply(pairing, {"end_date": when}), "end")
    return pairing


# ------------------------------------------------------------ stationing


def _village(org_id: Any) -> Org:
    org = _live_org(org_id, "village", "驻村所在村")
    if org.kind not in VILLAGE_KINDS:
        raise ValidationError(
            f"「{org.name}」是{vocab.label(vocab.ORG_KINDS, org.kind)}，驻村所在村应选择村（社区）的党支部或党总支", "village"
        )
    return org


def _temp_branch(org_id: Any) -> Org | None:
    if org_id in (None, ""):
        return None
    org = _live_org(org_id, "branch", "临时党支部")
    if org.kind != "temp_branch":
        raise ValidationError(f"「{org.name}」不是临时党支部，请选择驻村工作队的临时党支部", "branch")
    return org


def create_stationing(
    cadre_id: int | str,
    village_id: int | str,
    sending_unit: str,
    *,
    branch_id: int | str | None = None,
    role: str = "member",
    start_date: date | str | None = None,
    planned_end: date | str | None = None,
    note: str = "",
) -> Stationing:
    """驻村: a cadre sent by ``sending_unit`` to ``village_id``; ``branch_id`` the 临时党支部.
    The planned end defaults to three years after the start."""
    (cadre, village, unit, branch, role_code, start, note), errors = _collect(
        [
            ("cadre", lambda: _live_person(cadre_id, "cadre", "驻村干部")),
            ("village", lambda: _village(village_id)),
            ("sending_unit", lambda: _text(sending_unit, "sending_unit", "派出单位", limit=MAX_NAME)),
            ("branch", lambda: _temp_branch(branch_id)),
            ("role", lambda: _code(vocab.STATION_ROLES, role, "role", "驻村身份")),
            ("start_date", lambda: _start(start_date)),
            ("note", lambda: _text(note, "note", "备注", required=False)),
        ]
    )
    planned = None
    if start is not None:
        try:
            planned = _end(planned_end, start, "planned_end", "计划结束日期") if planned_end not in (None, "") else None
        except ValidationError as exc:
            errors["planned_end"] = exc.message
        planned = planned or default_planned_end(start)
    if errors:
        raise ValidationErrors(errors)
    _ensure_not_closed(start)
    overlapping = Stationing.select().where(
        (Stationing.cadre == cadre.id) & Stationing.deleted_at.is_null()
        & (Stationing.actual_end.is_null() | (Stationing.actual_end >= start))
    ).first()
    if overlapping is not None:
        raise ValidationError(
            f"{cadre.name} 已在「{overlapping.village.name}」驻村（自 {overlapping.start_date.isoformat()}），"
            "请先结束原驻村记录", "cadre")
    with transaction():
        st = Stationing.create(
            cadre=cadre, sending_unit=unit, role=role_code, village=village, branch=branch,
            start_date=start, planned_end=planned, note=note,
        )
        audit.record(
            "create",
            "stationing",
            st.uid,
            {"cadre": (None, cadre.uid), "sending_unit": (None, unit), "village": (None, village.uid),
             "branch": (None, branch.uid if branch else None), "start_date": (None, start), "planned_end": (None, planned)},
        )
    return st


def _live_stationing(stationing_id: int | str) -> Stationing:
    st = _get(Stationing, stationing_id, "驻村记录")
    if st.deleted_at is not None:
        raise ValidationError("该驻村记录已被删除；如需修改请先恢复", "stationing")
    return st


def update_stationing(stationing_id: int | str, **fields: Any) -> Stationing:
    """Change note, sending_unit, role, branch_id, planned_end; or village_id, start_date (no closed year touched)."""
    st = _live_stationing(stationing_id)
    values: dict[str, Any] = {}
    checks = []
    if "note" in fields:
        checks.append(("note", lambda: values.__setitem__("note", _text(fields["note"], "note", "备注", required=False))))
    if "sending_unit" in fields:
        checks.append(("sending_unit", lambda: values.__setitem__(
            "sending_unit", _text(fields["sending_unit"], "sending_unit", "派出单位", limit=MAX_NAME))))
    if "role" in fields:
        checks.append(("role", lambda: values.__setitem__("role", _code(vocab.STATION_ROLES, fields["role"], "role", "驻村身份"))))
    if "planned_end" in fields:
        checks.append(("planned_end", lambda: values.__setitem__(
            "planned_end", _end(fields["planned_end"], st.start_date, "planned_end", "计划结束日期"))))
    if "village_id" in fields:
        checks.append(("village", lambda: values.__setitem__("village", _village(fields["village_id"]))))
    if "start_date" in fields:
        checks.append(("start_date", lambda: values.__setitem__("start_date", _start(fields["start_date"]))))
    branch_change = "branch_id" in fields
    if branch_change:
        checks.append(("branch", lambda: values.__setitem__("branch", _temp_branch(fields["branch_id"]))))
    _, errors = _collect(checks)
    if errors:
        raise ValidationErrors(errors)
    branch = values.pop("branch", None) if branch_change else None
    _update_assignment(st, "stationing", values, ("village", "start_date"), st.start_date, st.actual_end)
    if branch_change and (st.branch_id or None) != (branch.id if branch else None):
        with transaction():
            old = st.branch
            st.branch = branch
            _stamp(st, "stationing", {"branch": (old, branch)})
    return st


def end_stationing(stationing_id: int | str, on: date | str | None = None) -> Stationing:
    """The cadre leaves the village (期满, 召回, 轮换) on ``on``, default today."""
    st = _live_stationing(stationing_id)
    when = _end(on, st.start_date, "actual_end", "实际结束日期")
    _ensure_not_closed(when)
    if st.actual_end is not None:
        _ensure_not_closed(st.actual_end)
    with transaction():
        _stamp(st, "stationing", _apply(st, {"actual_end": when}), "end")
    return st


# ------------------------------------------------------------ help logs


def _quantities(kind: str | None, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
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
                number = _count(str(raw).strip(), measure, f"数量（{unit}）")
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


def _place(contact_point_id: Any, pairing_id: Any, stationing_id: Any) -> tuple[str, Any]:
    given = [
        (name, value)
        for name, value in (("contact_point", contact_point_id), ("pairing", pairing_id), ("stationing", stationing_id))
        if value not in (None, "")
    ]
    if len(given) != 1:
        raise ValidationError("帮扶记录须记在一个联系点、一项结对帮扶或一条驻村记录下（只选一个）", "place")
    name, value = given[0]
    model = {"contact_point": ContactPoint, "pairing": Pairing, "stationing": Stationing}[name]
    obj = _get(model, value, vocab.HELP_PLACES[name])
    if obj.deleted_at is not None:
        raise ValidationError(f"该{vocab.HELP_PLACES[name]}已被删除", "place")
    return name, obj


def _place_span(name: str, obj: Any) -> tuple[date, date | None, Org, Person]:
    if name == "contact_point":
        return obj.start_date, obj.end_date, obj.org, obj.leader
    if name == "pairing":
        return obj.start_date, obj.end_date, obj.org, obj.helper
    return obj.start_date, obj.actual_end, obj.village, obj.cadre


def _place_label(name: str, obj: Any) -> str:
    if name == "contact_point":
        return f"联系点「{obj.name}」"
    if name == "pairing":
        return f"结对帮扶「{obj.household or obj.helped_person.name}」"
    return f"驻村「{obj.village.name}」"


def add_help_log(
    kind: str,
    on: date | str | None = None,
    *,
    contact_point_id: int | str | None = None,
    pairing_id: int | str | None = None,
    stationing_id: int | str | None = None,
    person_id: int | str | None = None,
    quantities: dict[str, Any] | None = None,
    note: str = "",
) -> HelpLog:
    """帮扶记录: ``kind`` of work (code or 走访 …) on date ``on`` against exactly one place;
    ``quantities`` by measure code or unit ({"户": 12, "人次": 30}); ``person_id``
    defaults to the place's leader, helper or cadre."""
    errors: dict[str, str] = {}
    (place, kind_code, when, note), errors = _collect(
        [
            ("place", lambda: _place(contact_point_id, pairing_id, stationing_id)),
            ("kind", lambda: _code(vocab.WORK_KINDS, kind, "kind", "工作类别")),
            ("date", lambda: _date(on, "date", "日期") or date.today()),
            ("note", lambda: _text(note, "note", "备注", required=False)),
        ]
    )
    values, q_errors = _quantities(kind_code, quantities or {})
    errors.update(q_errors)
    person = None
    if place is not None:
        start, end, org, holder = _place_span(*place)
        if person_id not in (None, ""):
            try:
                person = _live_person(person_id, "person", "记录人")
            except ValidationError as exc:
                errors["person"] = exc.message
        else:
            person = holder
        if when is not None and (when < start or (end is not None and when > end)):
            span = f"{start.isoformat()} 至 {end.isoformat() if end else '今'}"
            errors["date"] = f"日期 {when.isoformat()} 不在{_place_label(*place)}的期间（{span}）内"
    if when is not None and when > date.today():
        errors["date"] = "帮扶记录的日期不能晚于今天"
    if not errors and not any(values.values()) and not note:
        errors["quantities"] = "请填写至少一项数量，或在备注中写明做了什么"
    if errors:
        raise ValidationErrors(errors)
    ensure_year_open(when.year)
    name, obj = place
    with transaction():
        log = HelpLog.create(
            date=when, person=person, org=org, kind=kind_code, note=note, **{name: obj}, **values
        )
        audit.record(
            "create",
            "help_log",
            log.uid,
            {"kind": (None, kind_code), "date": (None, when), name: (None, obj.uid)}
            | {m: (None, v) for m, v in values.items() if v},
        )
    return log


def _live_log(log_id: int | str) -> HelpLog:
    log = _get(HelpLog, log_id, "帮扶记录")
    ensure_year_open(log.date.year)
    if log.deleted_at is not None:
        raise ValidationError("该帮扶记录已被删除；如需修改请先恢复", "help_log")
    return log


def update_help_log(log_id: int | str, **fields: Any) -> HelpLog:
    """Change kind, date (``on``), quantities (all measures given replace the old ones) or note."""
    log = _live_log(log_id)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    kind_code = log.kind
    if "kind" in fields:
        try:
            kind_code = values["kind"] = _code(vocab.WORK_KINDS, fields["kind"], "kind", "工作类别")
        except ValidationError as exc:
            errors["kind"] = exc.message
    if "on" in fields:
        try:
            when = _date(fields["on"], "date", "日期")
            if when is None:
                raise ValidationError("请填写日期", "date")
            place = next(p for p in ("contact_point", "pairing", "stationing") if getattr(log, p + "_id"))
            start, end, _org, _holder = _place_span(place, getattr(log, place))
            if when < start or (end is not None and when > end) or when > date.today():
                raise ValidationError(f"日期 {when.isoformat()} 不在{_place_label(place, getattr(log, place))}的期间内或晚于今天", "date")
            values["date"] = when
        except ValidationError as exc:
            errors["date"] = exc.message
    if "note" in fields:
        try:
            values["note"] = _text(fields["note"], "note", "备注", required=False)
        except ValidationError as exc:
            errors["note"] = exc.message
    if "quantities" in fields:
        quantities, q_errors = _quantities(kind_code, fields["quantities"] or {})
        errors.update(q_errors)
        values.update(quantities)
    elif "kind" in values:
        _, q_errors = _quantities(kind_code, {m: getattr(log, m) for m in vocab.MEASURES})
        errors.update(q_errors)
    if errors:
        raise ValidationErrors(errors)
    if "date" in values:
        ensure_year_open(values["date"].year)
    with transaction():
        _stamp(log, "help_log", _apply(log, values))
    return log


# ------------------------------------------------------------ delete / restore

_DELETABLE: dict[str, tuple[type[Model], str]] = {
    "contact_point": (ContactPoint, "联系点"),
    "pairing": (Pairing, "结对帮扶"),
    "stationing": (Stationing, "驻村记录"),
    "help_log": (HelpLog, "帮扶记录"),
}


def _frozen_check(table: str, obj: Any) -> None:
    if table == "help_log":
        ensure_year_open(obj.date.year)
        return
    start, end, _org, _holder = _place_span(table, obj)
    _ensure_span_open(start, end)


def soft_delete(table: str, record_id: int | str) -> None:
    """Mark a second-ledger record deleted (it travels upward as a deletion); undo with :func:`restore`.

    A contact point, pairing or stationing that still has live logs cannot be
    deleted (delete the logs first, or end it instead).
    """
    model, label = _DELETABLE[table]
    obj = _get(model, record_id, label)
    _frozen_check(table, obj)
    if obj.deleted_at is not None:
        return
    if table != "help_log":
        column = getattr(HelpLog, table)
        logs = HelpLog.select().where((column == obj.id) & HelpLog.deleted_at.is_null()).count()
        if logs:
            raise ValidationError(f"该{label}下还有 {logs} 条帮扶记录，请先删除这些记录；如只是不再联系，请用「结束」", table)
    mark_deleted(table, obj)


def restore(table: str, record_id: int | str) -> None:
    model, label = _DELETABLE[table]
    obj = _get(model, record_id, label)
    _frozen_check(table, obj)
    if obj.deleted_at is None:
        return
    if table == "help_log":
        place = next(p for p in ("contact_point", "pairing", "stationing") if getattr(obj, p + "_id"))
        if getattr(obj, place).deleted_at is not None:
            raise ValidationError(f"该记录所属的{vocab.HELP_PLACES[place]}已被删除，请先恢复它", "help_log")
    with transaction():
        old = obj.deleted_at
        obj.deleted_at = None
        obj.updated_at = utcnow()
        obj.save()
        audit.record("restore", table, obj.uid, {"deleted_at": (old, None)})


# ------------------------------------------------------------ rollover


@dataclass
class HelpYearEnd:
    """What the second ledger looks like when ``year`` closes."""

    year: int
    contact_points_continuing: int
    pairings_continuing: int
    stationings_continuing: int
    stationings_past_planned_end: int  # still running on 12-31 although their planned end has passed
    logs_frozen: int  # live logs dated in the year: read-only once it is closed


def year_end_summary(year: int) -> HelpYearEnd:
    """For the year-end rollover: **nothing has to be copied or changed**.

    Contact points, pairings and stationings are not per year; those still
    running on 31 December simply continue into the next year (the figures of
    any year read them as they stood on its date). Closing the year (``rules.
    close_year``) is all it takes to freeze the year's help logs: every write
    path here checks the log's year. This function only counts what continues,
    for the rollover's summary to the user.
    """
    last = date(year, 12, 31).isoformat()

    def scalar(sql: str, params: tuple = ()) -> int:
        return int(database.execute_sql(sql, params).fetchone()[0] or 0)

    return HelpYearEnd(
        year=year,
        contact_points_continuing=scalar(
            "SELECT count(*) FROM contact_point WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (end_date IS NULL OR end_date > ?)", (last, last)),
        pairings_continuing=scalar(
            "SELECT count(*) FROM pairing WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (end_date IS NULL OR end_date > ?)", (last, last)),
        stationings_continuing=scalar(
            "SELECT count(*) FROM stationing WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (actual_end IS NULL OR actual_end > ?)", (last, last)),
        stationings_past_planned_end=scalar(
            "SELECT count(*) FROM stationing WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (actual_end IS NULL OR actual_end > ?) AND planned_end IS NOT NULL AND planned_end <= ?",
            (last, last, last)),
        logs_frozen=scalar(
            "SELECT count(*) FROM help_log WHERE deleted_at IS NULL AND date BETWEEN ? AND ?",
            (date(year, 1, 1).isoformat(), last)),
    )
