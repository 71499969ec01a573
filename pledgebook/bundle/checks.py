"""What a bundle's records must be beyond their field types: the rules between fields and between tables.

The same bounds a clerk's own entry keeps (:mod:`pledgebook.models.ledger.rules`,
:mod:`pledgebook.models.campaign.rules`), every reference within the bundle, one uid for one record, the
org tree (one root, the county itself, no cycles, not too deep). Each rule looks at whole columns first
(cheap); only when one fails is the first bad record looked for, to name its line. No database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from operator import itemgetter

from pledgebook.bundle.format import TABLE_BY_NAME, TABLES, BundleError, field_index
from pledgebook.bundle.parse import bad
from pledgebook.models.campaign.rules import MAX_FUNDS, MAX_QUANTITY
from pledgebook.models.core import vocab
from pledgebook.models.core.values import normalize_id_number
from pledgebook.models.ledger.rules import MAX_NAME
from pledgebook.models.ledger.rules import MAX_TEXT as MAX_ENTRY

MAX_TREE_DEPTH = 12  # levels of a county's org tree, root included (a real county has about 5)
_CATEGORY_CODE = re.compile(r"[A-Za-z0-9_]{1,40}")

Rows = dict[str, list[tuple]]  # table name → its parsed records, fields in TableSpec order
Digests = dict[str, list[bytes]]  # table name → each record's line digest (parse.line_digests), in the same order


def check_rules(parsed: Rows) -> None:
    """What the second ledger's own rules and the schema's CHECKs ask of a record, beyond its field types.

    A pairing helps a member or a household (exactly one); a help log is recorded against exactly one
    place, and its quantities are counts in the measures its kind of work is counted in, within the limits
    the entry form keeps (so the prefecture's sums mean what the county's do). Checked a column at a time;
    the first bad record is looked for only when there is one.
    """

    def first_bad(member: str, rows: list[tuple], problem: Callable[[tuple], str | None]) -> None:
        for n, row in enumerate(rows, 1):
            if (text := problem(row)) is not None:
                raise bad(member, n, text)

    rows = parsed["pairing"]
    spec = TABLE_BY_NAME["pairing"]
    person_i, household_i = field_index(spec, "helped_person_uid"), field_index(spec, "household")
    if any((r[person_i] is None) is (r[household_i] is None) for r in rows):
        first_bad("pairing.jsonl", rows, lambda r: None if (r[person_i] is None) is not (r[household_i] is None) else
                  "帮扶对象应是一名党员（helped_person_uid）或一户困难户（household），二者只能有一个")
    rows = parsed["help_log"]
    if not rows:
        return
    spec = TABLE_BY_NAME["help_log"]
    places = [field_index(spec, f"{place}_uid") for place in vocab.HELP_PLACES]
    if any(((r[places[0]] is None) + (r[places[1]] is None) + (r[places[2]] is None)) != 2 for r in rows):
        first_bad("help_log.jsonl", rows, lambda r: None if sum(r[i] is not None for i in places) == 1 else
                  "帮扶记录应属于且只属于一个联系点、结对帮扶或驻村（contact_point_uid、pairing_uid、stationing_uid 恰好填一个）")
    kind_i = field_index(spec, "kind")

    def measure(m: str) -> None:
        i, limit = field_index(spec, m), (MAX_FUNDS if m == "funds" else MAX_QUANTITY)
        col = [r[i] for r in rows]
        if min(col) < 0 or max(col) > limit:
            first_bad("help_log.jsonl", rows, lambda r: None if 0 <= r[i] <= limit else
                      f"字段「{m}」的数量 {r[i]} 不在 0–{limit:g} 之间")
        counted_in = {k for k, ms in vocab.WORK_MEASURES.items() if m in ms}
        if {r[kind_i] for r in rows if r[i]} - counted_in:
            first_bad("help_log.jsonl", rows, lambda r: None if not r[i] or r[kind_i] in counted_in else
                      f"「{vocab.WORK_KINDS[r[kind_i]]}」不按{vocab.MEASURES[m]}计，字段「{m}」应为 0")

    for m in vocab.MEASURES:
        measure(m)


def check_refs(parsed: Rows, code: str, held: dict[str, list[str]] | None = None) -> None:
    """Every reference names a record of the bundle; one uid, one record; the org tree is the county's.

    ``held``: per table, the uids of the bundle's lines left unparsed because the prefecture holds them.
    """
    held = held or {}
    uids = {name: {r[0] for r in rows}.union(held.get(name, ())) for name, rows in parsed.items()}
    for spec in TABLES:
        member = f"{spec.name}.jsonl"
        for i, f in enumerate(spec.fields):
            if f.kind != "ref":
                continue
            known = uids[f.ref]
            for n, row in enumerate(parsed[spec.name], 1):
                v = row[i]
                if v is not None and v not in known:
                    raise bad(member, n, f"字段「{f.name}」引用的记录「{v}」不在数据包中")
    # one uid, one record: the owner table (and the merge's id maps) take a uid for one table only
    total = sum(len(u) for u in uids.values())
    if total != len(set().union(*uids.values())):
        seen: dict[str, str] = {}
        for spec in TABLES:
            for n, row in enumerate(parsed[spec.name], 1):
                if row[0] in seen:
                    raise bad(f"{spec.name}.jsonl", n, f"uid「{row[0]}」已用于 {seen[row[0]]}.jsonl 中的另一条记录")
                seen[row[0]] = spec.name
        # the other record is one of the lines held (unparsed): the bundle is read in full, to name both
        raise BundleError("uid 在数据包中重复")
    _check_tree(parsed["org"], code)


def _check_tree(orgs: list[tuple], code: str) -> None:
    """The org tree: one root, the county itself, no cycles, and no deeper than MAX_TREE_DEPTH."""
    spec = TABLE_BY_NAME["org"]
    p_i, code_i, kind_i = field_index(spec, "parent_uid"), field_index(spec, "code"), field_index(spec, "kind")
    roots = [(n, r) for n, r in enumerate(orgs, 1) if r[p_i] is None]
    if len(roots) != 1:
        raise BundleError(f"org.jsonl 应只有一个根组织（县委），实有 {len(roots)} 个。数据包无效，已拒绝。")
    n, root = roots[0]
    if root[kind_i] != "county" or root[code_i] != code:
        raise bad("org.jsonl", n, f"根组织应为行政区划代码 {code} 的县（区），实为「{root[code_i]}」（{root[kind_i]}）：清单与数据不属于同一个县")
    for n, r in enumerate(orgs, 1):
        if r[p_i] is not None and r[kind_i] in ("county", "prefecture"):
            raise bad("org.jsonl", n, f"字段「kind」：只有根组织可以是{vocab.ORG_KINDS[r[kind_i]]}，下级组织不能是")
    tree_depths(orgs, p_i)


def tree_depths(orgs: Sequence[tuple], p_i: int, limit: int = MAX_TREE_DEPTH) -> dict[str, int]:
    """Each org's level (the root is 1), walked without recursion, in any order of the lines.

    Raises :class:`BundleError` naming the line of an org in a cycle, or one deeper than ``limit``.
    """
    parent = {r[0]: r[p_i] for r in orgs}
    line = {r[0]: n for n, r in enumerate(orgs, 1)}
    depth: dict[str, int] = {}
    for r in orgs:
        chain, cur = [], r[0]
        on_chain: set[str] = set()
        while cur is not None and cur not in depth:
            if cur in on_chain:
                raise bad("org.jsonl", line[cur], "党组织的上下级关系构成了循环")
            on_chain.add(cur)
            chain.append(cur)
            if len(chain) > limit:
                raise bad("org.jsonl", line[r[0]], f"党组织的层级超过 {limit} 级（一个县通常约 5 级）：数据包无效")
            cur = parent[cur]
        level = 0 if cur is None else depth[cur]
        for uid in reversed(chain):
            level += 1
            if level > limit:
                raise bad("org.jsonl", line[uid], f"党组织的层级超过 {limit} 级（一个县通常约 5 级）：数据包无效")
            depth[uid] = level
    return depth


# ------------------------------------------------------------------ the rules of a clerk's own entry


class Columns:
    """One bundle's parsed tables, and the two ways of checking a rule over them."""

    def __init__(self, parsed: Rows):
        self.parsed = parsed
        today = date.today()
        self.tomorrow = (today + timedelta(days=1)).isoformat()
        self.in_a_year = (today + timedelta(days=366)).isoformat()

    def rule(self, table: str, problem: Callable[..., str | None], *names: str) -> None:
        """``problem`` of the named fields, record by record; the first that has one is refused."""
        rows = self.parsed[table]
        if not rows:
            return
        idx = [field_index(TABLE_BY_NAME[table], name) for name in names]
        for n, row in enumerate(rows, 1):
            text = problem(*(row[i] for i in idx))
            if text is not None:
                raise bad(f"{table}.jsonl", n, text)

    def fast(self, table: str, names: Sequence[str], ok: Callable[..., bool], problem: Callable[..., str | None]) -> None:
        """``ok`` over whole columns first (cheap); only when it fails, ``problem`` row by row for the message."""
        rows = self.parsed[table]
        if not rows:
            return
        spec = TABLE_BY_NAME[table]
        cols = [list(map(itemgetter(field_index(spec, name)), rows)) for name in names]
        if not ok(*cols):
            self.rule(table, problem, *names)

    def texts(self, table: str, *specs: tuple[str, str, int, bool]) -> None:
        """Texts (field, label, longest, required): present when required, never too long."""
        for field_, label, limit, required in specs:
            ok, problem = text_rule(field_, label, limit, required)
            self.fast(table, [field_], ok, problem)


def text_rule(field: str, label: str, limit: int, required: bool) -> tuple[Callable[..., bool], Callable[..., str | None]]:
    def ok(col: list) -> bool:
        return (not required or all(v is not None and v.strip() for v in col)) and \
            max((len(v) for v in col if v is not None), default=0) <= limit

    def problem(v: str | None) -> str | None:
        if required and (v is None or not v.strip()):
            return f"字段「{field}」（{label}）不能为空"
        if v is not None and len(v) > limit:
            return f"字段「{field}」（{label}）过长（{len(v)} 字，上限 {limit} 字）"
        return None

    return ok, problem


def not_after(field: str, label: str, latest: str) -> tuple[Callable[..., bool], Callable[..., str | None]]:
    return (lambda col: max((v for v in col if v is not None), default="") <= latest,
            lambda v: None if v is None or v <= latest else f"字段「{field}」：{label} {v} 晚于今天")


def ordered(first: str, then: str, label: str) -> tuple[Callable[..., bool], Callable[..., str | None]]:
    return (lambda a, b: all(y is None or x is None or y >= x for x, y in zip(a, b)),
            lambda x, y: None if y is None or x is None or y >= x else f"字段「{then}」：{label} {y} 早于 {first} {x}")


def year_ok(col: list[int]) -> bool:
    return 2000 <= min(col) and max(col) <= 2100


def year_problem(y: int) -> str | None:
    return None if 2000 <= y <= 2100 else f"字段「year」：年度 {y} 不在 2000–2100 之间"


def check_values(parsed: Rows, held_years: dict[str, int] | None = None) -> None:
    """What the rules of a clerk's own entry ask of each record, beyond its field types and codes.

    The same bounds as :mod:`pledgebook.models.ledger.rules` and :mod:`pledgebook.models.campaign.rules` (years, texts
    required and their lengths, percents and scores, ballots that add up, a grade that fits its kind of
    evaluation, dates in order and not in the future where the entry form refuses that, ID numbers by their
    check digit, a pledge carried from an earlier year's pledge). Each rule is looked at a column at a time;
    the first bad record is looked for only when there is one.
    """
    c = Columns(parsed)
    _people_values(c)
    _pledge_values(c, held_years or {})
    _evaluation_values(c)
    _campaign_values(c)


def _id_problem(v: str | None) -> str | None:
    if v is None:
        return None
    try:
        ok = normalize_id_number(v) == v
    except ValueError as exc:
        return f"字段「id_number」：{exc}"
    return None if ok else "字段「id_number」：公民身份号码格式不对（应为18位，末位为校验码）"


def _people_values(c: Columns) -> None:
    """Years, categories, orgs and people."""
    c.fast("work_year", ["year"], year_ok, year_problem)
    c.rule("category", lambda code: None if _CATEGORY_CODE.fullmatch(code) else
           f"字段「code」：类别代码「{code[:40]}」应为字母、数字或下划线", "code")
    c.texts("category", ("label", "类别名称", MAX_NAME, True))
    c.texts("org", ("name", "党组织名称", MAX_NAME, True), ("code", "组织代码", 40, False),
            ("township", "乡镇", MAX_NAME, False))
    c.texts("person", ("name", "姓名", MAX_NAME, True), ("post", "职务", MAX_NAME, False),
            ("ethnicity", "民族", MAX_NAME, False), ("education", "学历", MAX_NAME, False),
            ("cadre_level", "干部级别", MAX_NAME, False))
    c.fast("person", ["birth_date"], *not_after("birth_date", "出生日期", c.tomorrow))
    c.fast("person", ["joined_date"], *not_after("joined_date", "入党日期", c.tomorrow))
    c.rule("person", _id_problem, "id_number")
    c.rule("person", lambda v: None if v is None or (v.isascii() and v.isdigit() and 7 <= len(v) <= 12)
           else "字段「phone」：联系电话应为7–12位半角数字", "phone")


def _due_problem(y: int, due: str | None) -> str | None:
    if due is None:
        return None
    lo, hi = f"{y - 1:04d}-01-01", f"{y + 5:04d}-12-31"
    return None if lo <= due <= hi else f"字段「due_date」：完成时限 {due} 不在合理范围内（应在 {y - 1} 年至 {y + 5} 年之间）"


def _pledge_values(c: Columns, held_years: dict[str, int]) -> None:
    """Pledges (a year, a due date near it, carried from an earlier year's pledge) and their progress."""
    c.fast("pledge", ["year"], year_ok, year_problem)
    c.texts("pledge", ("content", "承诺事项", MAX_ENTRY, True), ("measures", "践诺措施", MAX_ENTRY, False),
            ("approved_by", "审定人", MAX_NAME, False))
    c.rule("pledge", _due_problem, "year", "due_date")
    spec = TABLE_BY_NAME["pledge"]
    year_of = dict(held_years)  # the pledges the prefecture holds unchanged (a re-merge), and the bundle's
    year_of.update((r[0], r[field_index(spec, "year")]) for r in c.parsed["pledge"])
    c.rule("pledge", lambda uid, y, src: None if src is None or (src != uid and year_of[src] < y) else
           ("字段「carried_from_uid」：承诺不能结转自它自己" if src == uid else
            f"字段「carried_from_uid」：结转来源应是更早年度的承诺（来源为 {year_of[src]} 年，本条为 {y} 年）"),
           "uid", "year", "carried_from_uid")
    c.texts("progress", ("note", "践诺情况", MAX_ENTRY, True))
    c.fast("progress", ["date"], *not_after("date", "践诺日期", c.tomorrow))
    c.fast("progress", ["percent"], lambda col: all(v is None or 0 <= v <= 100 for v in col),
           lambda v: None if v is None or 0 <= v <= 100 else f"字段「percent」：完成进度 {v} 不在 0–100 之间")


def _ballots(issued: int | None, valid: int | None, sat: int | None, basic: int | None,
             unsat: int | None) -> str | None:
    counts = {"ballots_issued": issued, "ballots_valid": valid, "votes_satisfied": sat, "votes_basic": basic,
              "votes_unsatisfied": unsat}
    for name, v in counts.items():
        if v is not None and v < 0:
            return f"字段「{name}」：票数 {v} 不能为负数"
    votes = [sat, basic, unsat]
    if any(v is not None for v in votes) and valid is not None and sum(v or 0 for v in votes) != valid:
        return f"字段「ballots_valid」：满意＋基本满意＋不满意＝{sum(v or 0 for v in votes)}，与有效票 {valid} 不符"
    if issued is not None and valid is not None and valid > issued:
        return f"字段「ballots_valid」：有效票 {valid} 不能多于发放票数 {issued}"
    return None


def _evaluation_values(c: Columns) -> None:
    """Evaluations: texts, dates in order, a score, a grade that fits the kind, ballots that add up."""
    c.texts("evaluation", ("evaluator", "评议人", MAX_NAME, False), ("comment", "评定意见", MAX_ENTRY, False),
            ("rect_note", "整改措施", MAX_ENTRY, False))
    c.fast("evaluation", ["date"], *not_after("date", "评议日期", c.tomorrow))
    c.fast("evaluation", ["date", "rect_due"], *ordered("date", "rect_due", "整改时限"))
    c.fast("evaluation", ["score"], lambda col: all(v is None or 0 <= v <= 100 for v in col),
           lambda v: None if v is None or 0 <= v <= 100 else f"字段「score」：分数 {v} 不在 0–100 之间")
    fits = {kind: {g for s_ in sets for g in vocab.GRADE_SETS[s_]} for kind, sets in vocab.GRADES_FOR_KIND.items()}
    c.rule("evaluation", lambda k, g: None if g is None or g in fits.get(k, ()) else
           f"字段「grade」：评定等次「{vocab.ALL_GRADES.get(g, g)}」不适用于{vocab.EVAL_KINDS.get(k, k)}", "kind", "grade")
    c.rule("evaluation", _ballots, "ballots_issued", "ballots_valid", "votes_satisfied", "votes_basic",
           "votes_unsatisfied")


def _campaign_values(c: Columns) -> None:
    """The second ledger: spans as campaign.rules keeps them, names, and help logs not in the future."""
    in_a_year = c.in_a_year
    for table, ends in (("contact_point", ("end_date",)), ("pairing", ("end_date",)),
                        ("stationing", ("planned_end", "actual_end"))):
        c.fast(table, ["start_date"], lambda col: min(col) >= "2000-01-01" and max(col) <= in_a_year,
               lambda v: None if "2000-01-01" <= v <= in_a_year else f"字段「start_date」：开始日期 {v} 不在合理范围内")
        for end in ends:
            c.fast(table, ["start_date", end], *ordered("start_date", end, "结束日期"))
            if end != "planned_end":
                c.fast(table, [end], *not_after(end, "结束日期", in_a_year))
    c.texts("contact_point", ("name", "联系点名称", MAX_NAME, True))
    c.texts("stationing", ("sending_unit", "派出单位", MAX_NAME, True))
    c.texts("pairing", ("household", "困难户", MAX_NAME, False))
    c.fast("help_log", ["date"], *not_after("date", "帮扶日期", c.tomorrow))
