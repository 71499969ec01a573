"""Reading one cell of a row for a sheet kind: text, dates, deadlines, vocabulary, with the errors collected.

Every function takes the :class:`~pledgebook.importers.plan.Collector` of the row and returns the
clean value, or None with the problem added to it (named by the canonical column).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pledgebook.importers.plan import Collector, Row
from pledgebook.importers.resolve import Unresolved, normalize_text, vocab_code
from pledgebook.models.core import values
from pledgebook.models.core.values import Deadline, has_control_chars, normalize_id_number, parse_deadline
from pledgebook.models.ledger import validate

if TYPE_CHECKING:  # (context.py reads its messages and keys from here)
    from pledgebook.importers.context import Context

MAX_CELL = 2000  # characters in any one imported text cell (a pledge's content is limited to this)

# the value parsers are pure: a column of 20,000 rows holds a few dozen distinct dates, so each is parsed once
# (typed: the cells 1, 1.0 and True are different values)
parse_date = lru_cache(maxsize=4096, typed=True)(values.parse_date)
_parse_deadline = lru_cache(maxsize=4096, typed=True)(parse_deadline)
_normalize_id_number = lru_cache(maxsize=65536, typed=True)(normalize_id_number)
check_due = lru_cache(maxsize=4096)(validate.check_due)


def closed_message(year: int) -> str:
    """The one message for a row that would change a closed year."""
    return f"{year}年度已关闭，只能查看，不能导入。如确需修改，请先由管理员重新开启该年度"


def content_key(text: object) -> str:
    """How texts are compared for a natural key: normalized, without spaces."""
    return normalize_text(text).replace(" ", "")


def changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """field -> (old, new) for every value of ``new`` that differs from ``old``."""
    return {k: (old.get(k), v) for k, v in new.items() if old.get(k) != v}


def text(row: Row, col: str, label: str, c: Collector, *, required: bool = False, limit: int = MAX_CELL) -> str:
    value = row.text(col)
    if required and not value:
        c.add(col, f"{label}不能为空，请填写")
    elif len(value) > limit:
        c.add(col, f"{label}过长（{len(value)}字），请控制在{limit}字以内")
    elif has_control_chars(value):
        c.add(col, f"{label}中含有不可见的控制字符，请删除后重新填写（可在 Excel 中用 CLEAN 函数清除）")
    return value


def date(row: Row, col: str, c: Collector, date1904: bool) -> dt.date | None:
    """The date in ``col``; None when the cell is empty or not a date (then the problem is collected)."""
    raw = row.raw(col)
    if raw is None:
        return None
    return c.run(col, parse_date, raw, date1904=date1904)


def deadline(ctx: Context, row: Row, col: str, c: Collector) -> Deadline | None:
    """A 完成时限 as written (年底前, 2011年12月, 即时 …); how words were read is kept for the report."""
    found = c.run(col, _parse_deadline, row.raw(col), ctx.year, date1904=ctx.date1904)
    if found is not None and found.reading:
        ctx.readings.setdefault(found.reading, []).append(row.number)
    return found


def id_number(row: Row, c: Collector) -> str | None:
    return c.run("公民身份号码", _normalize_id_number, row.raw("公民身份号码"))


def vocabulary(row: Row, col: str, label: str, words: dict[str, str], synonyms: str | None, c: Collector,
               memo: dict[tuple, Any] | None = None) -> str | None:
    """The code of the cell in ``words``; with ``memo`` (a Context's), each distinct value is looked up once."""
    raw = row.raw(col)
    key = (col, id(words), type(raw), raw)
    hit = memo.get(key) if memo is not None else None
    if hit is None:
        try:
            hit = (vocab_code(words, raw, synonyms), None)
        except Unresolved as exc:
            hit = (None, f"{label}{exc}")
        if memo is not None:
            memo[key] = hit
    if hit[1] is not None:
        c.add(col, hit[1])
    return hit[0]
