"""Contact points (联系点) and pairings (结对帮扶): create, change, end; and the change rule all three
running records (these and stationings) share: what changes figures must not touch a closed year."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pledgebook.models.campaign import validate as V
from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors
from pledgebook.models.core.fields import MAX_NAME, collect
from pledgebook.models.store import audit
from pledgebook.models.store.lifecycle import apply_changes, live_record, stamp, transaction
from pledgebook.models.store.tables import ContactPoint, HelpLog, Pairing, Stationing, Tracked, utcnow
from pledgebook.models.store.years import ensure_not_closed

STATION_YEARS = 3  # the usual term of a stationed cadre

A = TypeVar("A", ContactPoint, Pairing, Stationing)


def _add_years(when: date, years: int) -> date:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28)


def default_planned_end(start: date) -> date:
    """A stationing's planned end when none is given: three years after its start."""
    return _add_years(start, STATION_YEARS)


def update_assignment(
    obj: A, table: str, values: dict[str, Any], frozen: tuple[str, ...], start: date, end: date | None
) -> A:
    """Apply values to a contact point, pairing or stationing (running from ``start`` to ``end``);
    fields in ``frozen`` change figures, so a closed year must not be touched. Its logs follow a new org.
    A record among ``values`` (an org, a person) is a new link: compared and set by id."""
    changes_figures = any(
        k in values and (getattr(obj, k + "_id", None) if isinstance(values[k], Tracked) else getattr(obj, k))
        != (values[k].id if isinstance(values[k], Tracked) else values[k])
        for k in frozen
    )
    if changes_figures:
        V.ensure_span_open(start, end)
        if "start_date" in values:
            V.ensure_span_open(values["start_date"], end)
            if end is not None and values["start_date"] > end:
                raise ValidationError("开始日期不能晚于结束日期", "start_date")
    related = {k: v for k, v in values.items() if isinstance(v, Tracked)}
    plain = {k: v for k, v in values.items() if not isinstance(v, Tracked)}
    with transaction():
        changes = apply_changes(obj, plain)
        for key, new in related.items():
            old = getattr(obj, key)
            if old.id != new.id:
                changes[key] = (old, new)
                setattr(obj, key, new)
        stamp(obj, table, changes)
        # the logs count under the place's org: they follow it (all in open years, checked above)
        new_org = changes.get("org", changes.get("village", (None, None)))[1]
        if new_org is not None:
            column = {"contact_point": HelpLog.contact_point, "pairing": HelpLog.pairing, "stationing": HelpLog.stationing}[table]
            HelpLog.update(org=new_org.id, updated_at=utcnow()).where(column == obj.id).execute()
    return obj


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
    (leader, kind_code, name, org, start, note), errors = collect(
        [
            ("leader", lambda: V.live_person(leader_id, "leader", "联系领导")),
            ("kind", lambda: F.code(vocab.CONTACT_KINDS, kind, "kind", "联系点类型")),
            ("name", lambda: F.text(name, "name", "联系点名称", limit=MAX_NAME)),
            ("org", lambda: V.live_org(org_id, "org", "联系点所属组织或村")),
            ("start_date", lambda: V.start_date(start_date)),
            ("note", lambda: F.text(note, "note", "备注", required=False)),
        ]
    )
    if errors:
        raise ValidationErrors(errors)
    ensure_not_closed(start)
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


def update_contact_point(cp_id: int | str, **fields: Any) -> ContactPoint:
    """Change name, note, leader_id; or kind, org_id, start_date (only while no closed year is touched)."""
    cp = live_record(ContactPoint, cp_id, "联系点")
    values: dict[str, Any] = {}
    checks = []
    if "name" in fields:
        checks.append(("name", lambda: values.__setitem__("name", F.text(fields["name"], "name", "联系点名称", limit=MAX_NAME))))
    if "note" in fields:
        checks.append(("note", lambda: values.__setitem__("note", F.text(fields["note"], "note", "备注", required=False))))
    if "leader_id" in fields:
        checks.append(("leader", lambda: values.__setitem__("leader", V.live_person(fields["leader_id"], "leader", "联系领导"))))
    if "kind" in fields:
        checks.append(("kind", lambda: values.__setitem__("kind", F.code(vocab.CONTACT_KINDS, fields["kind"], "kind", "联系点类型"))))
    if "org_id" in fields:
        checks.append(("org", lambda: values.__setitem__("org", V.live_org(fields["org_id"], "org", "联系点所属组织或村"))))
    if "start_date" in fields:
        checks.append(("start_date", lambda: values.__setitem__("start_date", V.start_date(fields["start_date"]))))
    _, errors = collect(checks)
    if errors:
        raise ValidationErrors(errors)
    return update_assignment(cp, "contact_point", values, ("kind", "org", "start_date"), cp.start_date, cp.end_date)


def end_contact_point(cp_id: int | str, on: date | str | None = None) -> ContactPoint:
    """The leader no longer keeps this point (from ``on``, default today)."""
    cp = live_record(ContactPoint, cp_id, "联系点")
    when = V.end_date(on, cp.start_date, "end_date", "结束日期")
    ensure_not_closed(when)
    if cp.end_date is not None:
        ensure_not_closed(cp.end_date)
    with transaction():
        stamp(cp, "contact_point", apply_changes(cp, {"end_date": when, "active": False}), "end")
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
            helped = V.live_person(helped_person_id, "helped_person", "帮扶对象")
        except ValidationError as exc:
            errors["helped_person"] = exc.message
    else:
        try:
            household_name = F.text(household, "household", "帮扶对象（困难户）", limit=MAX_NAME)
        except ValidationError as exc:
            errors["household"] = "请填写帮扶对象：选择一名党员，或填写困难户名称" if not (household or "").strip() else exc.message
    (helper, start, note), more = collect(
        [
            ("helper", lambda: V.live_person(helper_id, "helper", "帮扶责任人")),
            ("start_date", lambda: V.start_date(start_date)),
            ("note", lambda: F.text(note, "note", "备注", required=False)),
        ]
    )
    errors.update(more)
    org = None
    if org_id not in (None, ""):
        try:
            org = V.live_org(org_id, "org", "帮扶对象所在组织或村")
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
    assert helper is not None and org is not None  # collect() and the checks above leave None only beside an error
    ensure_not_closed(start)
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


def update_pairing(pairing_id: int | str, **fields: Any) -> Pairing:
    """Change note, household (name), helper_id; or org_id, start_date (no closed year touched)."""
    pairing = live_record(Pairing, pairing_id, "结对帮扶")
    values: dict[str, Any] = {}
    checks = []
    if "note" in fields:
        checks.append(("note", lambda: values.__setitem__("note", F.text(fields["note"], "note", "备注", required=False))))
    if "household" in fields and pairing.household is not None:
        checks.append(("household", lambda: values.__setitem__(
            "household", F.text(fields["household"], "household", "帮扶对象（困难户）", limit=MAX_NAME))))
    if "helper_id" in fields:
        checks.append(("helper", lambda: values.__setitem__("helper", V.live_person(fields["helper_id"], "helper", "帮扶责任人"))))
    if "org_id" in fields:
        checks.append(("org", lambda: values.__setitem__("org", V.live_org(fields["org_id"], "org", "帮扶对象所在组织或村"))))
    if "start_date" in fields:
        checks.append(("start_date", lambda: values.__setitem__("start_date", V.start_date(fields["start_date"]))))
    _, errors = collect(checks)
    if errors:
        raise ValidationErrors(errors)
    return update_assignment(pairing, "pairing", values, ("org", "start_date"), pairing.start_date, pairing.end_date)


def end_pairing(pairing_id: int | str, on: date | str | None = None) -> Pairing:
    """结对 ended (脱贫, 对象迁出, 责任人调整 …) from ``on``, default today."""
    pairing = live_record(Pairing, pairing_id, "结对帮扶")
    when = V.end_date(on, pairing.start_date, "end_date", "结束日期")
    ensure_not_closed(when)
    if pairing.end_date is not None:
        ensure_not_closed(pairing.end_date)
    with transaction():
        stamp(pairing, "pairing", apply_changes(pairing, {"end_date": when}), "end")
    return pairing
