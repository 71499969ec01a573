"""What the three sheets of the second ledger (四帮四促: contacts, stationing, helplogs) share:
who a row names, which org, the default start, and the validators' errors as a row's errors."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Row
from pledgebook.importers.resolve import OrgRef, PersonRef, Unresolved, normalize_text
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors
from pledgebook.models.core.values import normalize_id_number


def person(ctx: Context, row: Row, col: str, c: Collector,
           fits: Callable[[PersonRef], bool] | None = None) -> PersonRef | None:
    """The person named in ``col`` (ID number first); among namesakes, the one ``fits``."""
    name = row.raw(col)
    if name is None:
        c.add(col if row.has(col) else None, "请填写姓名")
        return None
    number = c.run("公民身份号码", normalize_id_number, row.raw("公民身份号码")) if row.raw("公民身份号码") else None
    if number and number in ctx.people.by_number:
        return ctx.people.by_number[number]
    pool = ctx.people.by_name.get(cells.content_key(name), [])
    if len(pool) > 1 and fits is not None:
        narrowed = [p for p in pool if fits(p)]
        pool = narrowed or pool
    if len(pool) == 1:
        found = pool[0]
        if found.state != "active":
            c.add(col, f"{found.name}已{vocab.label(vocab.PERSON_STATES, found.state)}，不是在册人员")
            return None
        return found
    if pool:
        where = "、".join(ctx.orgs.by_id[p.org_id].name for p in pool[:3] if p.org_id in ctx.orgs.by_id)
        c.add(col, f"台账中有 {len(pool)} 名「{normalize_text(name)}」（{where}），请填写公民身份号码区分")
        return None
    near = difflib.get_close_matches(cells.content_key(name), list(ctx.people.by_name), n=1, cutoff=0.6)
    hint = f"，是否为「{near[0]}」？" if near else "。"
    c.add(col, f"台账中没有名为「{normalize_text(name)}」的人员{hint}请核对姓名，或先导入党员名册")
    return None


def org(ctx: Context, row: Row, col: str, c: Collector, label: str) -> OrgRef | None:
    """The org named in ``col``; its error names it as ``label`` (所在村, 临时党支部 …)."""
    try:
        return ctx.orgs.resolve(row.raw(col), row.raw("乡镇"))
    except Unresolved as exc:
        c.add(col, str(exc).replace("党组织", label, 1))
        return None


def default_start(ctx: Context) -> dt.date:
    """The start of a place the file gives none for: 1 January of the import's year."""
    return dt.date(ctx.year or ctx.today.year, 1, 1)


def refusals(check: Callable[[], object]) -> list[tuple[str | None, str]]:
    """The errors a validator raises, as a row's errors (no column); [] when it passes."""
    try:
        check()
    except ValidationErrors as exc:
        return [(None, m) for m in exc.errors.values()]
    except ValidationError as exc:
        return [(None, exc.message)]
    return []


def closed_span(ctx: Context, start: dt.date | None, end: dt.date | None) -> tuple[bool, int] | None:
    """(whether the start, else the end, is the date) and the year, when either falls in a closed year."""
    if start is not None and ctx.closed(start):
        return True, start.year
    if end is not None and ctx.closed(end):
        return False, end.year
    return None
