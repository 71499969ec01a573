"""Help logs (帮扶记录): what was done, when, against one contact point, pairing or stationing; and
a month of them for one place at once (the monthly form)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pledgebook.models.campaign import validate as V
from pledgebook.models.campaign.queries import PLACE_SPANS, month_bounds, month_logs
from pledgebook.models.campaign.rules.deletion import soft_delete
from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors
from pledgebook.models.core.fields import collect, parse_date
from pledgebook.models.store import audit
from pledgebook.models.store.lifecycle import apply_changes, ensure_live, get_record, stamp, transaction
from pledgebook.models.store.tables import ContactPoint, HelpLog, Pairing, Stationing
from pledgebook.models.store.years import ensure_year_open


def _place(contact_point_id: Any, pairing_id: Any, stationing_id: Any) -> tuple[str, ContactPoint | Pairing | Stationing]:
    given = [
        (name, value)
        for name, value in (("contact_point", contact_point_id), ("pairing", pairing_id), ("stationing", stationing_id))
        if value not in (None, "")
    ]
    if len(given) != 1:
        raise ValidationError("帮扶记录须记在一个联系点、一项结对帮扶或一条驻村记录下（只选一个）", "place")
    name, value = given[0]
    model = {"contact_point": ContactPoint, "pairing": Pairing, "stationing": Stationing}[name]
    obj = get_record(model, value, vocab.HELP_PLACES[name])
    if obj.deleted_at is not None:
        raise ValidationError(f"该{vocab.HELP_PLACES[name]}已被删除", "place")
    return name, obj


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
    (place, kind_code, when, note), errors = collect(
        [
            ("place", lambda: _place(contact_point_id, pairing_id, stationing_id)),
            ("kind", lambda: F.code(vocab.WORK_KINDS, kind, "kind", "工作类别")),
            ("date", lambda: parse_date(on, "date", "日期") or date.today()),
            ("note", lambda: F.text(note, "note", "备注", required=False)),
        ]
    )
    values, q_errors = V.quantities(kind_code, quantities or {})
    errors.update(q_errors)
    person = None
    org = None
    if place is not None:
        start, end, org, holder = V.place_span(place[1])
        if person_id not in (None, ""):
            try:
                person = V.live_person(person_id, "person", "记录人")
            except ValidationError as exc:
                errors["person"] = exc.message
        else:
            person = holder
        if when is not None and (when < start or (end is not None and when > end)):
            span = f"{start.isoformat()} 至 {end.isoformat() if end else '今'}"
            errors["date"] = f"日期 {when.isoformat()} 不在{V.place_label(place[1])}的期间（{span}）内"
    if when is not None and when > date.today():
        errors["date"] = "帮扶记录的日期不能晚于今天"
    if not errors and not any(values.values()) and not note:
        errors["quantities"] = "请填写至少一项数量，或在备注中写明做了什么"
    if errors:
        raise ValidationErrors(errors)
    assert place is not None and when is not None  # collect() leaves None only beside an error
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
    log = get_record(HelpLog, log_id, "帮扶记录")
    ensure_year_open(log.date.year)
    ensure_live(log, "帮扶记录")
    return log


def update_help_log(log_id: int | str, **fields: Any) -> HelpLog:
    """Change kind, date (``on``), quantities (all measures given replace the old ones) or note."""
    log = _live_log(log_id)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    kind_code = log.kind
    if "kind" in fields:
        try:
            kind_code = values["kind"] = F.code(vocab.WORK_KINDS, fields["kind"], "kind", "工作类别")
        except ValidationError as exc:
            errors["kind"] = exc.message
    if "on" in fields:
        try:
            when = parse_date(fields["on"], "date", "日期")
            if when is None:
                raise ValidationError("请填写日期", "date")
            place = next(p for p in ("contact_point", "pairing", "stationing") if getattr(log, p + "_id"))
            start, end, _org, _holder = V.place_span(getattr(log, place))
            if when < start or (end is not None and when > end) or when > date.today():
                raise ValidationError(f"日期 {when.isoformat()} 不在{V.place_label(getattr(log, place))}的期间内或晚于今天", "date")
            values["date"] = when
        except ValidationError as exc:
            errors["date"] = exc.message
    if "note" in fields:
        try:
            values["note"] = F.text(fields["note"], "note", "备注", required=False)
        except ValidationError as exc:
            errors["note"] = exc.message
    if "quantities" in fields:
        quantities, q_errors = V.quantities(kind_code, fields["quantities"] or {})
        errors.update(q_errors)
        values.update(quantities)
    elif "kind" in values:
        _, q_errors = V.quantities(kind_code, {m: getattr(log, m) for m in vocab.MEASURES})
        errors.update(q_errors)
    if errors:
        raise ValidationErrors(errors)
    if "date" in values:
        ensure_year_open(values["date"].year)
    with transaction():
        stamp(log, "help_log", apply_changes(log, values))
    return log


def save_month(table: str, place_id: int, year: int, month: int, values: dict[tuple[str, str], float],
               *, today: date | None = None, note: str = "") -> int:
    """Make the place's logs of the month say ``values``: one log per kind of work, added,
    changed or removed through the rules here, all in one transaction. Returns the logs now there.

    Refuses a closed year (``YearClosed``) and a month outside the place's span."""
    today = today or date.today()
    ensure_year_open(year)
    first, last = month_bounds(year, month)
    model, end_field = PLACE_SPANS[table]
    place = model.get_by_id(place_id)
    start = place.start_date
    end = getattr(place, end_field)
    when = max(first, start)
    if when > min(last, today) or (end is not None and when > end):
        span = f"{start.isoformat()} 至 {end.isoformat() if end else '今'}"
        raise ValidationError(f"{year}年{month}月不在该{vocab.HELP_PLACES[table]}的期间（{span}）内，"
                              "或晚于今天", "month")
    by_kind: dict[str, dict[str, float]] = {}
    for (kind, measure), number in values.items():
        by_kind.setdefault(kind, {})[measure] = number
    existing: dict[str, list[HelpLog]] = {}
    for log in month_logs(table, place_id, year, month):
        existing.setdefault(log.kind, []).append(log)
    count = 0
    with transaction():
        for kind in vocab.WORK_KINDS:
            given = {m: v for m, v in by_kind.get(kind, {}).items() if v}
            logs = existing.get(kind, [])
            if not given:
                for log in logs:
                    soft_delete("help_log", log.id)
                continue
            count += 1
            if not logs:
                add_help_log(kind, when, quantities=given, note=note, **{f"{table}_id": place_id})
                continue
            update_help_log(logs[0].id, quantities=given)
            for log in logs[1:]:  # the form shows the month's sum: it now stands in one log
                soft_delete("help_log", log.id)
    return count
