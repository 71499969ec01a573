"""帮扶工作月报: one leader or cadre per row, the place, the month, and many measure columns.

Each kind of work with a number becomes one help log in the right measure (see
:mod:`pledgebook.importers.measures`). Natural key: person + place + month + kind (or the 记录编号
uid of a one-log-per-row sheet with a 工作类别 column). A corrected file updates those logs; a kind
set back to 0 removes the log an earlier import wrote.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.measures import CANON_MEASURE, PERSON_COLUMNS, UID_COLUMN
from pledgebook.importers.places import Place
from pledgebook.importers.plan import Collector, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import PersonRef, Unresolved, normalize_text, vocab_code
from pledgebook.importers.sheets import campaign
from pledgebook.models.campaign import rules as campaign_rules
from pledgebook.models.campaign import validate as campaign_validate
from pledgebook.models.core import vocab
from pledgebook.models.core.values import parse_number
from pledgebook.models.store.tables import HelpLog

_MONTH_ONLY = re.compile(r"^(\d{1,2})月?(?:份)?$")
Quantities = dict[str | None, dict[str, float]]  # {kind: {measure: number}}


def _month(ctx: Context, row: Row, c: Collector) -> tuple[dt.date, bool] | None:
    """(date, exact) of the row: an exact 帮扶日期, or the first day of its 月份."""
    if row.raw("帮扶日期") is not None:
        when = cells.date(row, "帮扶日期", c, ctx.date1904)
        return (when, True) if when else None
    raw = row.raw("月份")
    if raw is None:
        c.add("月份" if row.has("月份") else None, "请填写月份（例如 2025-03 或 2025年3月）")
        return None
    text = normalize_text(raw).replace(" ", "") if isinstance(raw, str) else ""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw <= 12 and float(raw).is_integer():
        text = str(int(raw))
    match = _MONTH_ONLY.match(text)
    if match and 1 <= int(match.group(1)) <= 12:
        return dt.date(ctx.year or ctx.today.year, int(match.group(1)), 1), False
    when = c.run("月份", cells.parse_date, raw, date1904=ctx.date1904)
    return (when.replace(day=1), False) if when else None


def _quantities(row: Row, c: Collector) -> tuple[Quantities, set[str | None]]:
    """{kind: {measure: number}} of the non-zero cells; and the kinds whose columns the sheet has."""
    found: Quantities = {}
    present: set[str | None] = set()
    for name in row.columns:
        spec = CANON_MEASURE.get(name)
        if spec is None:
            continue
        kind, measure = spec
        present.add(kind)
        raw = row.raw(name)
        number = c.run(name, parse_number, raw) if raw is not None else None
        if number is None:
            continue
        if number < 0:
            c.add(name, "数量不能为负数")
            continue
        if measure == "yuan":
            measure, number = "funds", number / 10_000
        elif measure != "funds":
            if not float(number).is_integer():
                c.add(name, f"「{name.split('/')[0]}」的{vocab.MEASURES[measure]}数应为整数，收到「{raw}」")
                continue
            number = int(number)
        if number:
            bucket = found.setdefault(kind, {})
            bucket[measure] = bucket.get(measure, 0) + number
    return found, present


def _one_kind(row: Row, c: Collector, quantities: Quantities) -> tuple[Quantities, set[str | None]]:
    """A sheet with a 工作类别 column: one kind of work per row, whatever its measure columns are called."""
    try:
        kind = vocab_code(vocab.WORK_KINDS, row.raw("工作类别"))
    except Unresolved as exc:
        c.add("工作类别", f"工作类别{exc}")
        kind = None
    if kind is None and not c.has_error("工作类别"):
        c.add("工作类别", f"请填写工作类别（{'、'.join(vocab.WORK_KINDS.values())}）")
    merged: dict[str, float] = {}
    for k, bucket in quantities.items():
        if k is None or k == kind:
            for m, v in bucket.items():
                merged[m] = merged.get(m, 0) + v
        else:
            c.add(None, f"本行工作类别是「{row.text('工作类别')}」，却填了「{vocab.WORK_KINDS[k]}」的数量；一行只记一类工作")
    return ({kind: merged} if kind else {}), ({kind} if kind else set())


def _running(p: Place, when: dt.date) -> bool:
    last = calendar.monthrange(when.year, when.month)[1]
    return p.start <= when.replace(day=last) and (p.end is None or p.end >= when.replace(day=1))


def _latest(hits: list[Place], when: dt.date) -> Place:
    return max(hits, key=lambda p: (_running(p, when), p.start))


def _named_place(ctx: Context, row: Row, person: PersonRef, when: dt.date, c: Collector) -> Place | None:
    """The place a row names by 联系点名称 or 结对对象."""
    mine = ctx.places.of(person.id)
    if row.raw("联系点名称") is not None:
        name = cells.content_key(row.raw("联系点名称"))
        hits = [p for p in mine if p.table == "contact_point" and cells.content_key(p.name) == name]
        if hits:
            return _latest(hits, when)
        names = [p.name for p in mine if p.table == "contact_point"]
        near = difflib.get_close_matches(normalize_text(row.raw("联系点名称")), names, n=1, cutoff=0.5)
        hint = (f"是否为「{near[0]}」？" if near else
                f"{person.name}的联系点有：{'、'.join(names[:5])}。" if names else f"{person.name}在台账中还没有联系点，")
        c.add("联系点名称", f"{person.name}没有名为「{normalize_text(row.raw('联系点名称'))}」的联系点；{hint}"
                         "请核对，或先导入联系点名单")
        return None
    name = cells.content_key(row.raw("结对对象"))
    hits = [p for p in mine if p.table == "pairing" and cells.content_key(p.name) == name]
    if hits:
        return _latest(hits, when)
    c.add("结对对象", f"{person.name}没有与「{normalize_text(row.raw('结对对象'))}」的结对帮扶记录，请核对")
    return None


def _find_place(ctx: Context, row: Row, person: PersonRef, when: dt.date, c: Collector) -> Place | None:
    """The contact point, pairing or stationing a row's work was done at."""
    if row.raw("联系点名称") is not None or row.raw("结对对象") is not None:
        return _named_place(ctx, row, person, when, c)
    mine = ctx.places.of(person.id)
    if row.raw("所在村") is not None:
        org = campaign.org(ctx, row, "所在村", c, "所在村")
        if org is None:
            return None
        hits = [p for p in mine if p.table == "stationing" and p.org_id == org.id]
        if hits:
            return _latest(hits, when)
        cps = [p for p in mine if p.table == "contact_point" and p.org_id == org.id]
        if len(cps) == 1:
            return cps[0]
        c.add("所在村", f"{person.name}没有在「{org.name}」驻村的记录（也没有该村的联系点），请核对，或先导入驻村干部名单")
        return None
    live = [p for p in mine if _running(p, when)]
    if row.raw("驻村干部") is not None:
        live = [p for p in live if p.table == "stationing"] or live
    if len(live) == 1:
        return live[0]
    if not live and len(mine) == 1:
        return mine[0]  # its span check says what is wrong with the month
    if not live:
        c.add(None, f"{person.name}在 {when.year}年{when.month}月没有在期的联系点、结对帮扶或驻村记录；"
                    "请填写联系点名称或所在村，或先导入联系点名单、驻村干部名单")
    else:
        c.add(None, f"{person.name}有 {len(live)} 处联系点或驻村，请填写「联系点名称」或「所在村」说明记在哪一处")
    return None


def _check_month(ctx: Context, when: dt.date, exact: bool, place: Place) -> dt.date:
    """The log's date, checked against the year, today and the place's span."""
    col = "帮扶日期" if exact else "月份"
    if ctx.closed(when):
        raise RowErrors([(col, cells.closed_message(when.year))])
    last = min(dt.date(when.year, when.month, calendar.monthrange(when.year, when.month)[1]), ctx.today)
    if not exact:
        when = max(when, place.start)
    if when > ctx.today:
        raise RowErrors([(col, "帮扶记录的日期不能晚于今天")])
    if when < place.start or when > last or (place.end is not None and when > place.end):
        span = f"{place.start.isoformat()} 至 {place.end.isoformat() if place.end else '今'}"
        raise RowErrors([(col, f"{when.year}年{when.month}月不在该{vocab.HELP_PLACES[place.table]}的期间（{span}）内")])
    return when


@dataclass
class _Log:
    """What one row says, once read: who, where, when (shared by the kinds of work it plans)."""

    row: Row
    person: PersonRef
    place: Place
    when: dt.date
    note: str
    uid: str | None  # the 记录编号 of a one-log-per-row sheet


class HelpLogs(SheetKind):
    name = "helplogs"
    label = "帮扶工作月报"
    table = "help_log"
    required = (PERSON_COLUMNS, ("月份", "帮扶日期"))
    COMMON = frozenset()
    reads = frozenset({*PERSON_COLUMNS, "联系点名称", "所在村", "结对对象", "月份", "帮扶日期", "工作类别", UID_COLUMN,
                       "公民身份号码", "乡镇", "备注", "序号", "党组织", *CANON_MEASURE})

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        c = Collector()
        person_col = next((col for col in PERSON_COLUMNS if row.raw(col) is not None), None)
        if person_col is None:
            c.add(next((col for col in PERSON_COLUMNS if row.has(col)), None), "请填写联系领导或驻村干部的姓名")
            c.raise_if_any()
        assert person_col is not None
        place_name = cells.content_key(row.raw("联系点名称")) if row.raw("联系点名称") is not None else None

        def fits(p: PersonRef) -> bool:
            return any(place_name is None or cells.content_key(pl.name) == place_name for pl in ctx.places.of(p.id))

        person = campaign.person(ctx, row, person_col, c, fits)
        month = _month(ctx, row, c)
        quantities, present = _quantities(row, c)
        note = cells.text(row, "备注", "备注", c)
        if row.has("工作类别"):
            quantities, present = _one_kind(row, c, quantities)
        elif None in quantities:
            c.add(None, "表中有只写单位的数量列（如「户」「人次」），请加一列「工作类别」，或把列名写成「走访户数」这样")
        place = _find_place(ctx, row, person, month[0], c) if person is not None and month is not None else None
        c.raise_if_any()
        assert person is not None and month is not None and place is not None
        when = _check_month(ctx, month[0], month[1], place)
        uid = (normalize_text(row.raw(UID_COLUMN)) or None) if row.has(UID_COLUMN) else None
        log = _Log(row, person, place, when, note, uid)
        planned: list[Planned] = []
        errors: list[tuple[str | None, str]] = []
        warnings: list[tuple[str, str]] = []
        for kind in [k for k in vocab.WORK_KINDS if k in present]:
            try:
                planned.extend(self._plan_kind(ctx, log, kind, quantities.get(kind, {}), warnings))
            except RowErrors as exc:
                errors.extend(exc.errors)
        if errors:
            raise RowErrors(errors)
        if not planned and not warnings and not any(quantities.values()) and not row.has("工作类别") and not present:
            raise RowErrors([(None, "这一行没有任何帮扶数量列")])
        if planned:
            planned[0].warnings = warnings
        return planned

    @staticmethod
    def _plan_kind(ctx: Context, log: _Log, kind: str, given: dict[str, float],
                   warnings: list[tuple[str, str]]) -> list[Planned]:
        """The log of one kind of work in one row: add, update, remove (set back to 0) or unchanged."""
        row, when, place = log.row, log.when, log.place
        key = (log.person.id, (place.table, place.id), when.year, when.month, kind)
        dup = ctx.duplicate(("help_log", *key), row.number)
        if dup:
            raise RowErrors([(None, f"{vocab.WORK_KINDS[kind]}：{dup}")])
        if log.uid:
            hit = ctx.places.log_uids.get(log.uid)
            if hit is None:
                raise RowErrors([(UID_COLUMN, f"记录编号「{log.uid}」在台账中不存在；新记录请把记录编号留空")])
            existing = [hit]
        else:
            existing = ctx.places.logs.get(key, [])
        label = f"{log.person.name} {when.year}年{when.month}月 {vocab.WORK_KINDS[kind]}"
        q_values, q_errors = campaign_validate.quantities(kind, given)
        if q_errors:
            raise RowErrors([(next((n for n, spec in CANON_MEASURE.items() if spec[0] in (kind, None)
                                    and spec[1] == m and row.has(n)), None), msg) for m, msg in q_errors.items()])
        if not existing:
            values = {"kind": kind, "date": when, "place": place.table, "place_id": place.id,
                      "person_id": log.person.id, "quantities": q_values, "note": log.note}
            return [Planned("help_log", "add", row.number, values, label=label)] if given else []
        ours = [e for e in existing if e["source"] == "import"]
        target = ours[0] if ours else existing[0] if len(existing) == 1 else None
        if target is None:
            total = {m: sum(e[m] for e in existing) for m in vocab.MEASURES}
            if any(abs(total[m] - q_values[m]) > 1e-9 for m in vocab.MEASURES):
                warnings.append(("", f"{label}：该月已有 {len(existing)} 条手工录入的记录，数量与本表不同，未改动；"
                                     "请在台账中核对"))
            return [Planned("help_log", "unchanged", row.number, {}, target=existing[0]["id"], label=label)]
        if not given:
            if target["source"] == "import" and not log.uid:
                return [Planned("help_log", "update", row.number, {"delete": True}, {"deleted": (False, True)},
                                target["id"], label)]
            return []
        new: dict[str, Any] = dict(q_values)
        if row.has("备注"):
            new["note"] = log.note
        if log.uid and (target["date"].year, target["date"].month) != (when.year, when.month):
            new["date"] = when
        found = cells.changes(target, new)
        values = {"quantities": q_values, **({"note": log.note} if "note" in found else {}),
                  **({"on": when} if "date" in found else {})}
        return [Planned("help_log", "update" if found else "unchanged", row.number, values, found, target["id"], label)]

    def write(self, p: Planned, w: Writer) -> None:
        v = p.values
        if p.action == "add":
            place_id = v["place_id"]
            if place_id < 0:
                place_id = w.new_places[(v["place"], place_id)]
            log = campaign_rules.add_help_log(v["kind"], v["date"], person_id=v["person_id"],
                                              quantities=v["quantities"], note=v["note"],
                                              **{f"{v['place']}_id": place_id})
            HelpLog.update(source="import", batch=w.batch.id, source_row=p.row).where(HelpLog.id == log.id).execute()
        elif v.get("delete"):
            assert p.target is not None
            campaign_rules.soft_delete("help_log", p.target)
        else:
            assert p.target is not None
            campaign_rules.update_help_log(p.target, **v)


SHEET = HelpLogs()
