"""Stationing (驻村): a cadre sent to a village; create, change, end."""

from __future__ import annotations

from datetime import date
from typing import Any

from pledgebook.models.campaign import validate as V
from pledgebook.models.campaign.rules.places import default_planned_end, update_assignment
from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors
from pledgebook.models.core.fields import MAX_NAME, collect
from pledgebook.models.store import audit
from pledgebook.models.store.lifecycle import apply_changes, live_record, stamp, transaction
from pledgebook.models.store.tables import Stationing
from pledgebook.models.store.years import ensure_not_closed


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
    (cadre, village, unit, branch, role_code, start, note), errors = collect(
        [
            ("cadre", lambda: V.live_person(cadre_id, "cadre", "驻村干部")),
            ("village", lambda: V.village(village_id)),
            ("sending_unit", lambda: F.text(sending_unit, "sending_unit", "派出单位", limit=MAX_NAME)),
            ("branch", lambda: V.temp_branch(branch_id)),
            ("role", lambda: F.code(vocab.STATION_ROLES, role, "role", "驻村身份")),
            ("start_date", lambda: V.start_date(start_date)),
            ("note", lambda: F.text(note, "note", "备注", required=False)),
        ]
    )
    planned = None
    if start is not None:
        try:
            planned = V.end_date(planned_end, start, "planned_end", "计划结束日期") if planned_end not in (None, "") else None
        except ValidationError as exc:
            errors["planned_end"] = exc.message
        planned = planned or default_planned_end(start)
    if errors:
        raise ValidationErrors(errors)
    ensure_not_closed(start)
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


def update_stationing(stationing_id: int | str, **fields: Any) -> Stationing:
    """Change note, sending_unit, role, branch_id, planned_end; or village_id, start_date (no closed year touched)."""
    st = live_record(Stationing, stationing_id, "驻村记录")
    values: dict[str, Any] = {}
    checks = []
    if "note" in fields:
        checks.append(("note", lambda: values.__setitem__("note", F.text(fields["note"], "note", "备注", required=False))))
    if "sending_unit" in fields:
        checks.append(("sending_unit", lambda: values.__setitem__(
            "sending_unit", F.text(fields["sending_unit"], "sending_unit", "派出单位", limit=MAX_NAME))))
    if "role" in fields:
        checks.append(("role", lambda: values.__setitem__("role", F.code(vocab.STATION_ROLES, fields["role"], "role", "驻村身份"))))
    if "planned_end" in fields:
        checks.append(("planned_end", lambda: values.__setitem__(
            "planned_end", V.end_date(fields["planned_end"], st.start_date, "planned_end", "计划结束日期"))))
    if "village_id" in fields:
        checks.append(("village", lambda: values.__setitem__("village", V.village(fields["village_id"]))))
    if "start_date" in fields:
        checks.append(("start_date", lambda: values.__setitem__("start_date", V.start_date(fields["start_date"]))))
    branch_change = "branch_id" in fields
    if branch_change:
        checks.append(("branch", lambda: values.__setitem__("branch", V.temp_branch(fields["branch_id"]))))
    _, errors = collect(checks)
    if errors:
        raise ValidationErrors(errors)
    branch = values.pop("branch", None) if branch_change else None
    update_assignment(st, "stationing", values, ("village", "start_date"), st.start_date, st.actual_end)
    if branch_change and (st.branch_id or None) != (branch.id if branch else None):
        with transaction():
            old = st.branch
            st.branch = branch
            stamp(st, "stationing", {"branch": (old, branch)})
    return st


def end_stationing(stationing_id: int | str, on: date | str | None = None) -> Stationing:
    """The cadre leaves the village (期满, 召回, 轮换) on ``on``, default today."""
    st = live_record(Stationing, stationing_id, "驻村记录")
    when = V.end_date(on, st.start_date, "actual_end", "实际结束日期")
    ensure_not_closed(when)
    if st.actual_end is not None:
        ensure_not_closed(st.actual_end)
    with transaction():
        stamp(st, "stationing", apply_changes(st, {"actual_end": when}), "end")
    return st
