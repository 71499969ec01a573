"""驻村干部名单: stationed cadres by cadre + village."""

from __future__ import annotations

from typing import Any

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.places import Place
from pledgebook.importers.plan import Collector, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import OrgRef, PersonRef, Unresolved, vocab_code
from pledgebook.importers.sheets import campaign
from pledgebook.models.campaign import rules as campaign_rules
from pledgebook.models.campaign import validate as campaign_validate
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import YearClosed


class _Fields:
    """The cells of one stationing row, read and checked."""

    def __init__(self, ctx: Context, row: Row, c: Collector):
        self.cadre = campaign.person(ctx, row, "驻村干部", c)
        self.village: OrgRef | None = None
        if row.raw("所在村") is None:
            c.add("所在村" if row.has("所在村") else None, "请填写驻村所在的村（村党组织名称）")
        else:
            self.village = campaign.org(ctx, row, "所在村", c, "所在村")
        if self.village is not None and self.village.kind not in campaign_rules.VILLAGE_KINDS:
            c.add("所在村", f"「{self.village.name}」不是村党支部或党总支，请填写驻村所在的村")
        self.unit = cells.text(row, "派出单位", "派出单位", c, limit=100)
        self.role = "member"
        if row.raw("驻村身份") is not None:
            try:
                self.role = vocab_code(vocab.STATION_ROLES, row.raw("驻村身份")) or "member"
            except Unresolved as exc:
                c.add("驻村身份", f"驻村身份{exc}")
        self.branch: OrgRef | None = None
        if row.raw("临时党支部") is not None:
            self.branch = campaign.org(ctx, row, "临时党支部", c, "临时党支部")
            if self.branch is not None and self.branch.kind != "temp_branch":
                c.add("临时党支部", f"「{self.branch.name}」不是临时党支部")
        self.start = cells.date(row, "驻村时间", c, ctx.date1904)
        self.planned_end = cells.date(row, "计划结束", c, ctx.date1904)
        self.end = cells.date(row, "结束日期", c, ctx.date1904)
        self.note = cells.text(row, "备注", "备注", c)


class Stationing(SheetKind):
    name = "stationing"
    label = "驻村干部名单"
    table = "stationing"
    required = (("驻村干部",), ("所在村",))
    COMMON = frozenset()
    reads = frozenset({"驻村干部", "所在村", "派出单位", "驻村时间", "计划结束", "结束日期", "驻村身份", "临时党支部",
                       "公民身份号码", "乡镇", "备注", "序号"})

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        c = Collector()
        f = _Fields(ctx, row, c)
        c.raise_if_any()
        cadre, village = f.cadre, f.village
        assert cadre is not None and village is not None
        mine = ctx.places.of(cadre.id, "stationing")
        existing = max((p for p in mine if p.org_id == village.id), key=lambda p: p.start, default=None)
        dup = ctx.duplicate(("stationing", cadre.id, village.id), row.number)
        if dup:
            raise RowErrors([("驻村干部", dup)])
        label = f"{cadre.name}·{village.name}"
        if existing is None:
            return [self._plan_add(ctx, row, f, cadre, village, mine, label)]
        found = self._changes(ctx, row, f, existing)
        return [Planned("stationing", "update" if found else "unchanged", row.number,
                        {k: v for k, (_o, v) in found.items()}, found, existing.id, label)]

    @staticmethod
    def _plan_add(ctx: Context, row: Row, f: _Fields, cadre: PersonRef, village: OrgRef, mine: list[Place],
                  label: str) -> Planned:
        if not f.unit:
            raise RowErrors([("派出单位" if row.has("派出单位") else None, "请填写派出单位")])
        start = f.start or campaign.default_start(ctx)
        closed = campaign.closed_span(ctx, start, f.end)
        if closed:
            raise RowErrors([("驻村时间" if closed[0] else "结束日期", cells.closed_message(closed[1]))])
        running = next((p for p in mine if p.end is None or p.end >= start), None)
        if running is not None:
            where = ctx.orgs.by_id[running.org_id].name if running.org_id in ctx.orgs.by_id else "其他村"
            raise RowErrors([("驻村干部", f"{cadre.name} 已在「{where}」驻村（自 {running.start.isoformat()}），"
                              "请先在台账中结束原驻村记录，或在本表填写原驻村的结束日期")])
        problem = campaign.refusals(lambda: campaign_validate.start_date(start))
        planned_end = f.planned_end
        if not problem and planned_end is not None:
            problem = campaign.refusals(
                lambda: campaign_validate.end_date(planned_end, start, "planned_end", "计划结束日期"))
        if problem:
            raise RowErrors([("驻村时间", m) for _c, m in problem])
        values = {"cadre_id": cadre.id, "village_id": village.id, "sending_unit": f.unit, "role": f.role,
                  "branch_id": f.branch.id if f.branch else None, "start_date": start, "planned_end": planned_end,
                  "actual_end": f.end, "note": f.note}
        ctx.places.add(Place("stationing", -row.number, cadre.id, "", village.id, start, f.end, f.role))
        return Planned("stationing", "add", row.number, values, label=label)

    @staticmethod
    def _changes(ctx: Context, row: Row, f: _Fields, existing: Place) -> dict[str, tuple[Any, Any]]:
        old = {"sending_unit": existing.extra["sending_unit"], "role": existing.kind,
               "branch_id": existing.extra["branch_id"], "note": existing.extra["note"]}
        new: dict[str, Any] = {}
        if f.unit:
            new["sending_unit"] = f.unit
        if row.raw("驻村身份") is not None:
            new["role"] = f.role
        if f.branch is not None:
            new["branch_id"] = f.branch.id
        if row.has("备注"):
            new["note"] = f.note
        found = cells.changes(old, new)
        if f.planned_end is not None and f.planned_end != existing.extra["planned_end"]:
            found["planned_end"] = (existing.extra["planned_end"], f.planned_end)
        if f.start is not None and f.start != existing.start:
            try:
                campaign_validate.ensure_span_open(existing.start, existing.end)
            except YearClosed as exc:
                raise RowErrors([("驻村时间", f"{exc.message}；该驻村记录在已关闭年度中已有统计，不能再改驻村时间")]) from None
            found["start_date"] = (existing.start, f.start)
        if f.end is not None and f.end != existing.end:
            closed = campaign.closed_span(ctx, f.end, existing.end)
            if closed:
                raise RowErrors([("结束日期", cells.closed_message(closed[1]))])
            found["actual_end"] = (existing.end, f.end)
        return found

    def write(self, p: Planned, w: Writer) -> None:
        v = p.values
        if p.action == "add":
            st = campaign_rules.create_stationing(
                v["cadre_id"], v["village_id"], v["sending_unit"], branch_id=v["branch_id"], role=v["role"],
                start_date=v["start_date"], planned_end=v["planned_end"], note=v["note"])
            w.new_places[("stationing", -p.row)] = st.id
            if v["actual_end"] is not None:
                campaign_rules.end_stationing(st.id, v["actual_end"])
            return
        assert p.target is not None
        fields = {k: v[k] for k in ("sending_unit", "role", "branch_id", "planned_end", "note", "start_date") if k in v}
        if fields:
            campaign_rules.update_stationing(p.target, **fields)
        if v.get("actual_end") is not None:
            campaign_rules.end_stationing(p.target, v["actual_end"])


SHEET = Stationing()
