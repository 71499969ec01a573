"""联系点名单: contact points by leader + point name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.places import Place
from pledgebook.importers.plan import Collector, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import OrgRef, Unresolved, vocab_code
from pledgebook.importers.sheets import campaign
from pledgebook.models.campaign import rules as campaign_rules
from pledgebook.models.campaign import validate as campaign_validate
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import YearClosed


def _validate(start: dt.date, end: dt.date | None) -> None:
    campaign_validate.start_date(start)
    if end is not None:
        campaign_validate.end_date(end, start, "end_date", "结束日期")


class Contacts(SheetKind):
    name = "contacts"
    label = "联系点名单"
    table = "contact_point"
    required = (("联系领导",), ("联系点名称",))
    COMMON = frozenset()
    reads = frozenset({"联系领导", "联系点名称", "联系点类型", "所在村", "党组织", "开始日期", "结束日期", "公民身份号码",
                       "乡镇", "备注", "序号"})

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        c = Collector()
        name = cells.text(row, "联系点名称", "联系点名称", c, required=True, limit=100)
        leader = campaign.person(ctx, row, "联系领导", c)
        kind = None
        if row.raw("联系点类型") is None:
            c.add("联系点类型" if row.has("联系点类型") else None,
                  f"请填写联系点类型（{'、'.join(vocab.CONTACT_KINDS.values())}）")
        else:
            try:
                kind = vocab_code(vocab.CONTACT_KINDS, row.raw("联系点类型"))
            except Unresolved as exc:
                c.add("联系点类型", f"联系点类型{exc}")
        org_col = "所在村" if row.raw("所在村") is not None else "党组织"
        org = self._org(ctx, row, c, org_col, name, kind)
        start = cells.date(row, "开始日期", c, ctx.date1904)
        end = cells.date(row, "结束日期", c, ctx.date1904)
        note = cells.text(row, "备注", "备注", c)
        c.raise_if_any()
        assert leader is not None and org is not None and kind is not None
        existing = next((p for p in ctx.places.of(leader.id, "contact_point")
                         if cells.content_key(p.name) == cells.content_key(name)), None)
        dup = ctx.duplicate(("contact_point", leader.id, cells.content_key(name)), row.number)
        if dup:
            raise RowErrors([("联系点名称", dup)])
        label = f"{leader.name}·{name}"
        if existing is None:
            start = start or campaign.default_start(ctx)
            closed = campaign.closed_span(ctx, start, end)
            if closed:
                raise RowErrors([("开始日期" if closed[0] else "结束日期", cells.closed_message(closed[1]))])
            problem = campaign.refusals(lambda: _validate(start, end))
            if problem:
                raise RowErrors(problem)
            values = {"leader_id": leader.id, "kind": kind, "name": name, "org_id": org.id, "start_date": start,
                      "end_date": end, "note": note}
            # later rows of this file (and a help-log sheet in the same workbook) find it
            ctx.places.add(Place("contact_point", -row.number, leader.id, name, org.id, start, end, kind))
            return [Planned("contact_point", "add", row.number, values, label=label)]
        found = self._changes(ctx, row, existing, kind, org, note, start, end, org_col)
        return [Planned("contact_point", "update" if found else "unchanged", row.number,
                        {k: v for k, (_o, v) in found.items()}, found, existing.id, label)]

    @staticmethod
    def _org(ctx: Context, row: Row, c: Collector, org_col: str, name: str, kind: str | None) -> OrgRef | None:
        if row.raw(org_col) is not None:
            return campaign.org(ctx, row, org_col, c, "所在村或党组织")
        if name and kind == "village":
            try:
                return ctx.orgs.resolve(name, row.raw("乡镇"))
            except Unresolved:
                c.add("所在村" if row.has("所在村") else None, f"请填写联系点「{name}」所在的村（村党组织名称）")
                return None
        c.add("所在村" if row.has("所在村") else None, "请填写联系点所在的村或所属党组织，以便按组织统计")
        return None

    @staticmethod
    def _changes(ctx: Context, row: Row, existing: Place, kind: str, org: OrgRef, note: str, start: dt.date | None, end: dt.date | None,
                 org_col: str) -> dict[str, tuple[Any, Any]]:
        old = {"kind": existing.kind, "org_id": existing.org_id, "note": existing.extra.get("note", "")}
        new: dict[str, Any] = {"kind": kind, "org_id": org.id}
        if row.has("备注"):
            new["note"] = note
        found = cells.changes(old, new)
        if start is not None and start != existing.start:
            found["start_date"] = (existing.start, start)
        if end is not None and end != existing.end:
            found["end_date"] = (existing.end, end)
        if {"kind", "org_id", "start_date"} & set(found):
            try:
                campaign_validate.ensure_span_open(existing.start, existing.end)
            except YearClosed as exc:
                raise RowErrors([("联系点类型" if "kind" in found else org_col,
                                  f"{exc.message}；该联系点在已关闭年度中已有统计，不能再改类型、所属组织或开始日期，"
                                  "如已调整请先结束原联系点再新建")]) from None
        closed = campaign.closed_span(ctx, end, existing.end) if "end_date" in found else None
        if closed:
            raise RowErrors([("结束日期", cells.closed_message(closed[1]))])
        return found

    def write(self, p: Planned, w: Writer) -> None:
        v = p.values
        if p.action == "add":
            cp = campaign_rules.create_contact_point(v["leader_id"], v["kind"], v["name"], v["org_id"],
                                                     start_date=v["start_date"], note=v["note"])
            w.new_places[("contact_point", -p.row)] = cp.id
            if v["end_date"] is not None:
                campaign_rules.end_contact_point(cp.id, v["end_date"])
            return
        assert p.target is not None
        fields = {k: v[k] for k in ("kind", "note", "start_date", "org_id") if k in v}
        if fields:
            campaign_rules.update_contact_point(p.target, **fields)
        if v.get("end_date") is not None:
            campaign_rules.end_contact_point(p.target, v["end_date"])


SHEET = Contacts()
