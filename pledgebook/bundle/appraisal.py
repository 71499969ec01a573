"""What a bundle's third-ledger records (奖诺: appraisal, disposal, star_rating, honour) must be, beyond
their field types and codes (the codes themselves — grades, kinds, sources, statuses — are checked against
the vocabulary by :mod:`.parse`).

The bounds a clerk's own entry keeps in :mod:`pledgebook.models.appraisal` (years, texts, ballots that add up,
a grade or an exempt reason but not both, a 处置 closed after it was decided, a 先进基层党组织 without a member
and the other honours with one, a candidate outside the criteria only with a reason, star levels), and the two
rules between records that the schema enforces by partial unique indexes: one live appraisal per member and
year, one live star rating per org and year. A re-merge counts the records the prefecture holds unchanged
(:func:`pledgebook.bundle.known.held_live`) in those. Each rule looks at whole columns first; only when one
fails is the first bad record looked for, to name its line. No database.
"""

from __future__ import annotations

from collections.abc import Mapping

from pledgebook.bundle.checks import Columns, Rows, ordered, year_ok, year_problem
from pledgebook.bundle.format import APPRAISAL_COUNTS, TABLE_BY_NAME, field_index
from pledgebook.bundle.parse import bad
from pledgebook.models.core import vocab
from pledgebook.models.core.fields import MAX_NAME
from pledgebook.models.core.fields import MAX_TEXT as MAX_ENTRY

# the tables with one live record per (owner, year), and the field naming the owner
ONE_PER_YEAR: dict[str, tuple[str, str]] = {
    "appraisal": ("person_uid", "同一党员每个年度只能有一条有效的民主评议"),
    "star_rating": ("org_uid", "同一党组织每个年度只能有一条有效的星级评定"),
}
LiveKeys = Mapping[str, Mapping[str, tuple[str, int]]]  # table → held record's uid → (owner uid, year), live ones


def check_third(parsed: Rows, held_live: LiveKeys | None = None) -> None:
    """The third ledger's records: each one's own rules, then one live record per owner and year.

    ``held_live``: per table of :data:`ONE_PER_YEAR`, the live records the prefecture holds unchanged (a
    re-merge: their lines were not parsed) by uid, as (owner uid, year).
    """
    c = Columns(parsed)
    _appraisal_values(c)
    _disposal_values(c)
    _star_values(c)
    _honour_values(c)
    for table in ONE_PER_YEAR:
        _one_per_year(parsed, table, (held_live or {}).get(table, {}))


def _years(c: Columns, table: str) -> None:
    c.fast(table, ["year"], year_ok, year_problem)


def _counts(issued: int | None, valid: int | None, *votes: int | None) -> str | None:
    """发放 ≥ 有效 ≥ the votes per grade together; no count below zero."""
    for name, v in zip(APPRAISAL_COUNTS, (issued, valid, *votes)):
        if v is not None and v < 0:
            return f"字段「{name}」：票数 {v} 不能为负数"
    if issued is not None and valid is not None and valid > issued:
        return f"字段「ballots_valid」：有效票 {valid} 不能多于发放票数 {issued}"
    cast = sum(v or 0 for v in votes)
    if valid is not None and cast > valid:
        return f"字段「ballots_valid」：优秀＋合格＋基本合格＋不合格＝{cast}，多于有效票 {valid}"
    return None


def _counts_ok(issued: list, valid: list, *votes: list) -> bool:
    """:func:`_counts` over whole columns (a few C-level passes; the rows only when one fails)."""
    if min((v for col in (issued, valid, *votes) for v in col if v is not None), default=0) < 0:
        return False
    if any(v > i for i, v in zip(issued, valid) if i is not None and v is not None):
        return False
    cast = map(sum, zip(*([0 if v is None else v for v in col] for col in votes)))
    return not any(n > v for n, v in zip(cast, valid) if v is not None)


def _appraisal_values(c: Columns) -> None:
    """An appraisal: its year, texts, ballots that add up, and a grade or an exempt reason (not both)."""
    _years(c, "appraisal")
    c.texts("appraisal", ("self_review", "个人自评", MAX_ENTRY, False), ("comment", "评定意见", MAX_ENTRY, False),
            ("exempt_reason", "不参评原因", MAX_NAME, False))
    c.fast("appraisal", APPRAISAL_COUNTS, _counts_ok, _counts)
    c.fast("appraisal", ["grade", "exempt_reason"],
           lambda grades, reasons: not any(g is not None and r for g, r in zip(grades, reasons)),
           lambda g, r: None if g is None or not r else
           f"字段「exempt_reason」：不参评（{r[:20]}）的党员不能有评定等次「{vocab.APPRAISAL_GRADES.get(g, g)}」")


def _disposal_values(c: Columns) -> None:
    """A 组织处置: due and closed no earlier than decided; texts."""
    c.texts("disposal", ("result", "处置结果", MAX_ENTRY, False), ("note", "备注", MAX_ENTRY, False))
    c.fast("disposal", ["decided_on", "due_date"], *ordered("decided_on", "due_date", "整改期限"))
    c.fast("disposal", ["decided_on", "closed_on"], *ordered("decided_on", "closed_on", "销号日期"))


def _stars_problem(field: str):
    levels = set(vocab.STAR_LABELS)
    top = max(levels)

    def ok(col: list) -> bool:
        return set(col) - {None} <= levels

    def problem(v: int | None) -> str | None:
        return None if v is None or v in levels else f"字段「{field}」：星级 {v} 不在 1–{top} 星之间"

    return ok, problem


def _star_values(c: Columns) -> None:
    """A star rating: its year, points not below zero, star levels the settings can give."""
    _years(c, "star_rating")
    for item in vocab.STAR_ITEMS:
        name = f"score_{item}"
        c.fast("star_rating", [name], lambda col: all(v is None or v >= 0 for v in col),
               lambda v, name=name: None if v is None or v >= 0 else f"字段「{name}」：得分 {v} 不能为负数")
    for name in ("proposed_stars", "stars"):
        c.fast("star_rating", [name], *_stars_problem(name))
    c.texts("star_rating", ("confirmed_by", "确定人", MAX_NAME, False), ("note", "备注", MAX_ENTRY, False))


def _honour_problem(kind: str, person: str | None, meets: object, reason: str) -> str | None:
    label = vocab.HONOUR_KINDS.get(kind, kind)
    if kind == "advanced_org" and person is not None:
        return f"字段「person_uid」：{label}表彰的是党组织，不应填党员"
    if kind != "advanced_org" and person is None:
        return f"字段「person_uid」：{label}应填写被表彰的党员"
    if not meets and not reason.strip():
        return "字段「reason」：不符合表彰条件的候选人必须写明推荐理由"
    return None


def _honour_values(c: Columns) -> None:
    """An honour: its year, a member for the members' honours only, a reason where the criteria are unmet."""
    _years(c, "honour")
    c.texts("honour", ("reason", "理由", MAX_ENTRY, False), ("note", "备注", MAX_ENTRY, False))
    c.fast("honour", ["kind", "person_uid", "meets_criteria", "reason"],
           lambda kinds, people, meets, reasons: all((k == "advanced_org") is (p is None) for k, p in zip(kinds, people))
           and all(m or r.strip() for m, r in zip(meets, reasons)),
           _honour_problem)


def _one_per_year(parsed: Rows, table: str, held: Mapping[str, tuple[str, int]]) -> None:
    """One live record per owner and year, over the records parsed and those held; names the second line."""
    rows = parsed[table]
    if not rows:
        return
    spec = TABLE_BY_NAME[table]
    owner_name, rule = ONE_PER_YEAR[table]
    owner_i, year_i, del_i = field_index(spec, owner_name), field_index(spec, "year"), field_index(spec, "deleted_at")
    live = [(r[0], (r[owner_i], r[year_i])) for r in rows if r[del_i] is None]
    keys = [key for _uid, key in live] + list(held.values())
    if len(set(keys)) == len(keys):
        return
    seen: dict[tuple[str, int], str] = {key: uid for uid, key in held.items()}
    line = {r[0]: n for n, r in enumerate(rows, 1)}
    for uid, key in live:
        if key in seen:
            raise bad(f"{table}.jsonl", line[uid],
                      f"{rule}：{key[1]} 年度已有记录（uid {seen[key]}），本条（uid {uid}）重复")
        seen[key] = uid
