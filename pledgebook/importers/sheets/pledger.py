"""Who pledged, and which pledge a row means: shared by the pledge, progress and evaluation sheets."""

from __future__ import annotations

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Row
from pledgebook.importers.resolve import OrgRef, Unresolved, normalize_text, suffix_kind
from pledgebook.importers.sheets.people import org_of
from pledgebook.models.core import vocab

UID_COLUMN = "承诺编号"


def pledger(ctx: Context, row: Row, c: Collector) -> tuple[OrgRef | None, int | None]:
    """(org, person id) of the pledger named in a row; errors go to the collector.

    Resolved once per distinct (ID number, name, org, township) of the table: a township's
    sheet names the same few hundred pledgers on thousands of rows."""
    key = ("pledger", row.raw("公民身份号码"), row.raw("姓名"), row.raw("党组织"), row.raw("乡镇"))
    hit = ctx.memo.get(key)
    if hit is None:
        sub = Collector()
        hit = ctx.memo[key] = (_resolve_pledger(ctx, row, sub), sub.errors)
    c.errors.extend(hit[1])
    return hit[0]


def _resolve_pledger(ctx: Context, row: Row, c: Collector) -> tuple[OrgRef | None, int | None]:
    number = cells.id_number(row, c) if row.raw("公民身份号码") is not None else None
    name = row.raw("姓名")
    if name is None and number is None:
        return org_of(ctx, row, c), None
    org = org_of(ctx, row, c, required=False)
    if row.raw("党组织") is not None and org is None:
        return None, None
    if number is None and suffix_kind(normalize_text(name)) is not None:
        # 承诺人 written as the org itself (新华村党支部, 联珠镇党委): the org's own pledge
        try:
            named = ctx.orgs.resolve(name, row.raw("乡镇"))
        except Unresolved:
            named = None
        if named is not None and (org is None or named.id == org.id):
            return named, None
    try:
        person = ctx.people.resolve(name, org, number, ctx.orgs)
    except Unresolved as exc:
        c.add("姓名" if name is not None else "公民身份号码", str(exc))
        return org, None
    if person.state != "active":
        c.add("姓名", f"{person.name}已{vocab.label(vocab.PERSON_STATES, person.state)}，不能登记新的承诺")
    return ctx.orgs.by_id.get(person.org_id), person.id


def find_pledge(ctx: Context, row: Row, c: Collector) -> dict | None:
    """The pledge a progress or evaluation row is about: by its 承诺编号, else by pledger and content."""
    uid = normalize_text(row.raw(UID_COLUMN)) or None
    if uid:
        found = ctx.pledge_by_uid(uid)
        if found is None:
            c.add(UID_COLUMN, f"承诺编号「{uid}」在台账中不存在，请核对（不要修改表中的承诺编号列）")
        return found
    content = row.text("承诺事项")
    if not content:
        c.add("承诺事项" if row.has("承诺事项") else None, "请填写承诺事项（或承诺编号），以便找到对应的承诺")
        return None
    org, person_id = pledger(ctx, row, c)
    if org is None:
        return None
    found = ctx.pledge_by_key(org.id, person_id, content, ctx.year)
    if found is None:
        found = ctx.pledge_by_key(org.id, person_id, content, None) if ctx.year is None else None
    if found is None:
        who = org.name + ("" if person_id is None else f" {row.text('姓名')}")
        c.add("承诺事项", f"在{ctx.year or ''}年度台账中未找到「{who}」的承诺「{content[:30]}」。请核对承诺事项，"
                      "或先导入承诺台账")
        return None
    if found.get("id") is None:
        c.add("承诺事项", "该承诺在本次导入中才新增，请先导入承诺台账后再导入本表")
        return None
    return found
