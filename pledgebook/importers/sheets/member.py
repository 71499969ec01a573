"""Which member a row of the third ledger's sheets names: shared by the appraisal results and the honours.

A township names a member by 姓名 in their 党组织, and tells namesakes apart by 公民身份号码. The ID number
decides when it is in the ledger — but only when the 姓名 beside it is that member's (a number typed on the
wrong row must not put one member's grade onto another's record), and the 党组织 written is the member's (by
name or code: two orgs of the same name do not stop a row whose number says which one).
"""

from __future__ import annotations

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Row
from pledgebook.importers.resolve import OrgRef, PersonRef, Unresolved, normalize_text
from pledgebook.importers.sheets.people import org_of
from pledgebook.models.core.values import mask_id_number


def find_member(ctx: Context, row: Row, c: Collector) -> PersonRef | None:
    """The member the row names (not checked for 在册), or None with the problems collected (by column)."""
    raw = row.raw("公民身份号码")
    # a number as the ledger stores it is valid: only the others are checked and normalized (13,724 rows a county)
    number = raw if type(raw) is str and raw in ctx.people.by_number else (
        cells.id_number(row, c) if raw is not None else None)
    if row.raw("姓名") is None:
        c.add("姓名" if row.has("姓名") else None, "请填写姓名")
        return None
    found = ctx.people.by_number.get(number) if number else None
    org_problems = Collector()
    org = org_of(ctx, row, org_problems, required=False)
    if found is not None:
        return _by_number(ctx, row, c, found, org, org_problems)
    c.errors.extend(org_problems.errors)
    if org_problems.errors:
        return None
    try:
        return ctx.people.resolve(row.raw("姓名"), org, number, ctx.orgs)
    except Unresolved as exc:
        c.add("姓名", str(exc))
        return None


def _by_number(ctx: Context, row: Row, c: Collector, found: PersonRef, org: OrgRef | None,
               org_problems: Collector) -> PersonRef | None:
    """The member whose ID number the row gives: their name must be the row's, their org the one written."""
    written = normalize_text(row.raw("姓名")).replace(" ", "")
    if written != normalize_text(found.name).replace(" ", ""):
        c.add("公民身份号码", f"公民身份号码「{mask_id_number(found.id_number)}」登记在「{found.name}」名下，"
                        f"与本行姓名「{written}」不符。请核对身份证号是否抄错行")
        return None
    home = ctx.orgs.by_id.get(found.org_id)
    raw_org = row.raw("党组织")
    if raw_org is None or home is None:
        return found
    if org is not None and org.id != found.org_id:
        c.add("党组织", f"{found.name}是「{home.name}」的党员，不是「{org.name}」的，请核对")
        return None
    if org is None and normalize_text(raw_org).replace(" ", "") not in {
            normalize_text(home.name).replace(" ", ""), home.code or ""}:
        c.errors.extend(org_problems.errors)  # an org that is not found at all: say so
        return None
    return found
