"""The second ledger through the importer: contact points, stationed cadres, monthly help logs.

Three kinds of sheet, recognised from their headers like the pledge sheets:

- ``contacts`` (联系点名单): 联系领导, 联系点名称, 联系点类型, 所在村 or 党组织, 开始日期 …
  Natural key: leader + point name.
- ``stationing`` (驻村干部名单): 驻村干部, 所在村, 派出单位, 驻村时间, 驻村身份, 临时党支部 …
  Natural key: cadre + village.
- ``helplogs`` (帮扶工作月报): one leader or cadre per row — 联系领导/驻村干部/姓名, the place
  (联系点名称, 所在村 or 结对对象), 月份 — and many measure columns (走访户数, 走访人次,
  解决问题(个), 帮扶资金(万元), 化解矛盾纠纷(起) …): each kind of work with a number becomes one
  :class:`HelpLog` in the right measure. Natural key: person + place + month + kind (or the
  记录编号 uid of a one-log-per-row sheet with a 工作类别 column). A corrected file updates
  those logs; a kind set back to 0 removes the log an earlier import wrote.

Measure columns are told apart by the header as written (``Table.raw_header``): the
ordinary header normalization drops the unit, and 走访(户) and 走访(人次) must stay apart.
Planning uses the rules' own validators (:mod:`pledgebook.models.campaign.rules`), so a dry run
refuses exactly what an import would; writing goes through the same functions.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from pledgebook.importers.resolve import OrgRef, PersonRef, Unresolved, normalize_text, vocab_code
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors, YearClosed
from pledgebook.models.core.values import parse_date, parse_number

KINDS: dict[str, str] = {"contacts": "联系点名单", "stationing": "驻村干部名单", "helplogs": "帮扶工作月报"}

UID_COLUMN = "记录编号"

# canonical name → variants (merged into importers.columns.COLUMNS)
COLUMNS: dict[str, tuple[str, ...]] = {
    "联系领导": ("联系领导姓名", "联系县领导", "挂钩领导", "联系领导干部", "县级联系领导", "领导姓名", "联系人姓名"),
    "联系点名称": ("联系点", "联系点单位", "联系点名", "联系单位", "联系点(村、企业、项目)"),
    "联系点类型": ("联系点类别", "联系点性质", "联系点种类"),
    "所在村": ("所属村", "驻村村名", "驻点村", "村(社区)", "所在村(社区)", "帮扶村", "驻村地点", "村名", "所驻村",
            "联系点所在村", "驻村名称"),
    "驻村干部": ("驻村干部姓名", "驻村队员", "驻村工作队员", "驻村人员", "驻村工作队员姓名"),
    "派出单位": ("选派单位", "原单位", "派驻单位", "原工作单位", "帮扶单位"),
    "驻村时间": ("驻村开始时间", "进驻时间", "驻村日期", "派驻时间", "进村时间"),
    "计划结束": ("计划结束时间", "驻村期满时间", "期满时间", "计划结束日期"),
    "结束日期": ("结束时间", "撤离时间", "实际结束时间", "终止时间"),
    "驻村身份": ("驻村职务", "驻村角色", "工作队职务"),
    "临时党支部": ("所在临时党支部", "临时党支部名称", "临时支部"),
    "开始日期": ("联系时间", "开始时间", "确定时间", "建立时间"),
    "月份": ("填报月份", "统计月份", "记录月份", "年月", "所属月份", "月度", "工作月份"),
    "帮扶日期": ("帮扶时间", "工作日期", "走访日期", "开展时间"),
    "工作类别": ("帮扶工作类别", "工作类型", "帮扶类别", "工作内容类别"),
    "结对对象": ("帮扶对象", "结对帮扶对象", "结对户", "帮扶户", "结对党员"),
    UID_COLUMN: ("帮扶记录编号",),
    # plain measure headers people write; the unit (kept in raw_header) decides the measure
    "走访/户": ("走访", "走访户数", "走访群众", "入户走访"),
    "走访/人次": ("走访人次",),
    "接访/人次": ("接访", "接访人次", "接待来访"),
    "解决问题/个": ("解决问题", "解决问题个数", "解决困难问题", "解决实际问题"),
    "制定规划/个": ("制定规划", "制定发展规划"),
    "化解矛盾纠纷/起": ("化解矛盾纠纷", "化解矛盾", "调解矛盾纠纷", "调处矛盾纠纷"),
    "引进项目/个": ("引进项目",),
    "协调资金/万元": ("协调资金", "帮扶资金", "争取资金", "协调帮扶资金"),
    "培训/期": ("培训", "培训期数", "举办培训"),
    "培训/人次": ("培训人次",),
    "办实事/件": ("办实事", "办实事件数", "为群众办实事"),
}

PERSON_COLUMNS = ("联系领导", "驻村干部", "姓名")

_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("project", ("引进项目", "招商引资", "引进", "项目")),
    ("mediate", ("矛盾", "纠纷", "调解", "调处")),
    ("receive", ("接访", "来访", "接待")),
    ("visit", ("走访", "入户")),
    ("solve", ("解决",)),
    ("plan", ("规划",)),
    ("training", ("培训",)),
    ("practical", ("实事",)),
    ("funds", ("资金", "经费")),
)
_UNIT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("funds", ("万元",)),
    ("yuan", ("元",)),
    ("person_times", ("人次", "人数", "人")),
    ("households", ("户",)),
    ("sessions", ("期",)),
    ("items", ("件",)),
    ("cases", ("起",)),
    ("units", ("个", "项")),
)
_COUNT_UNITS = {"items", "cases", "units"}


def measure_of(raw: str) -> tuple[str | None, str] | None:
    """(work kind or None, measure or 'yuan') a measure header names, or None.

    '走访(户)' → ('visit', 'households'); '走访/人次' → ('visit', 'person_times');
    '解决问题(件)' → ('solve', 'units') (a count kind takes its own unit); '帮扶资金(元)' →
    ('funds', 'yuan'); '人次' → (None, 'person_times') (a 工作类别 sheet)."""
    text = raw.replace("/", "")
    if not text or "合计" in text or "率" in text:
        return None
    kind = None
    rest = text
    for code, words in _KIND_WORDS:
        hit = next((w for w in words if w in text), None)
        if hit:
            kind = code
            rest = text.replace(hit, "", 1)
            break
    bracket = re.findall(r"\(([^()]*)\)", rest)
    places = [*bracket, re.sub(r"\([^()]*\)", "", rest)]
    unit = None
    for place in places:
        for code, words in _UNIT_WORDS:
            if any(w in place for w in words):
                unit = code
                break
        if unit:
            break
    if kind is None:
        if unit is None or len(text) > 4:  # a bare unit column: 户, 人次, 万元, 资金(万元)
            return None
        return None, unit
    allowed = vocab.WORK_MEASURES[kind]
    if unit is None:
        if "资金" in text and "funds" in allowed:
            unit = "funds"
        else:
            unit = allowed[0]
    if unit in _COUNT_UNITS and unit not in allowed:
        counts = [m for m in allowed if m in _COUNT_UNITS]
        if len(counts) == 1:
            unit = counts[0]
    if unit == "yuan" and "funds" not in allowed:
        return None
    return kind, unit


def measure_canonical(kind: str | None, measure: str) -> str:
    unit = "元" if measure == "yuan" else vocab.MEASURES[measure]
    return f"{vocab.WORK_KINDS[kind] if kind else '数量'}/{unit}"


_CANON_MEASURE: dict[str, tuple[str | None, str]] = {}
for _k in (None, *vocab.WORK_KINDS):
    for _m in (*vocab.MEASURES, "yuan"):
        _CANON_MEASURE[measure_canonical(_k, _m)] = (_k, _m)


def refine(table: Any) -> None:
    """Name the measure columns of ``table`` by their unit (see the module docstring)."""
    raw = getattr(table, "raw_header", None) or []
    for j, name in enumerate(table.canonical):
        if j >= len(raw) or not raw[j]:
            continue
        if name is not None and name not in _CANON_MEASURE:
            continue
        found = measure_of(raw[j])
        table.canonical[j] = measure_canonical(*found) if found else None


def guess(leaves: set[str]) -> str | None:
    """'contacts', 'stationing', 'helplogs' or None, from a sheet's canonical column names."""
    measures = any(n in _CANON_MEASURE for n in leaves) or "工作类别" in leaves
    if measures and leaves & {"月份", "帮扶日期", *PERSON_COLUMNS}:
        return "helplogs"
    if "驻村干部" in leaves and leaves & {"派出单位", "驻村时间", "所在村", "临时党支部", "驻村身份"}:
        return "stationing"
    if "联系点名称" in leaves and leaves & {"联系领导", "联系点类型"}:
        return "contacts"
    return None


REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "contacts": (("联系领导",), ("联系点名称",)),
    "stationing": (("驻村干部",), ("所在村",)),
    "helplogs": (PERSON_COLUMNS, ("月份", "帮扶日期")),
}

USED: dict[str, set[str]] = {
    "contacts": {"联系领导", "联系点名称", "联系点类型", "所在村", "党组织", "开始日期", "结束日期", "公民身份号码", "乡镇",
                 "备注", "序号"},
    "stationing": {"驻村干部", "所在村", "派出单位", "驻村时间", "计划结束", "结束日期", "驻村身份", "临时党支部",
                   "公民身份号码", "乡镇", "备注", "序号"},
    "helplogs": {*PERSON_COLUMNS, "联系点名称", "所在村", "结对对象", "月份", "帮扶日期", "工作类别", UID_COLUMN,
                 "公民身份号码", "乡镇", "备注", "序号", "党组织", *_CANON_MEASURE},
}


# --------------------------------------------------------------------------- what the rows need


@dataclass
class _Place:
    table: str  # contact_point | pairing | stationing
    id: int
    person_id: int
    name: str  # contact point name, household / helped name, village name
    org_id: int
    start: dt.date
    end: dt.date | None
    kind: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class HelpCache:
    """Every live contact point, pairing, stationing and help log, loaded once per import."""

    def __init__(self) -> None:
        from pledgebook.models.store.tables import ContactPoint, HelpLog, Pairing, Person, Stationing

        self.places: dict[tuple[str, int], _Place] = {}
        self.by_person: dict[int, list[_Place]] = {}
        for cp in ContactPoint.select().where(ContactPoint.deleted_at.is_null()):
            self._add(_Place("contact_point", cp.id, cp.leader_id, cp.name, cp.org_id, cp.start_date, cp.end_date,
                             cp.kind, {"note": cp.note}))
        names = dict(Person.select(Person.id, Person.name).tuples())
        for pa in Pairing.select().where(Pairing.deleted_at.is_null()):
            self._add(_Place("pairing", pa.id, pa.helper_id, pa.household or names.get(pa.helped_person_id, ""),
                             pa.org_id, pa.start_date, pa.end_date))
        for st in Stationing.select().where(Stationing.deleted_at.is_null()):
            self._add(_Place("stationing", st.id, st.cadre_id, "", st.village_id, st.start_date, st.actual_end,
                             st.role, {"sending_unit": st.sending_unit, "branch_id": st.branch_id,
                                       "planned_end": st.planned_end, "note": st.note}))
        self.logs: dict[tuple, list[dict]] = {}
        self.log_uids: dict[str, dict] = {}
        fields = ("id", "uid", "date", "person_id", "contact_point_id", "pairing_id", "stationing_id", "kind",
                  *vocab.MEASURES, "note", "source")
        for values in HelpLog.select(*[getattr(HelpLog, f) for f in fields]).where(
                HelpLog.deleted_at.is_null()).tuples().iterator():
            log = dict(zip(fields, values))
            if isinstance(log["date"], str):
                log["date"] = dt.date.fromisoformat(log["date"])
            place = next((t, log[t + "_id"]) for t in ("contact_point", "pairing", "stationing") if log[t + "_id"])
            key = (log["person_id"], place, log["date"].year, log["date"].month, log["kind"])
            self.logs.setdefault(key, []).append(log)
            self.log_uids[log["uid"]] = log

    def _add(self, place: _Place) -> None:
        self.places[(place.table, place.id)] = place
        self.by_person.setdefault(place.person_id, []).append(place)


def _cache(ctx: Any) -> HelpCache:
    cache = getattr(ctx, "help_cache", None)
    if cache is None:
        cache = ctx.help_cache = HelpCache()
    return cache


def _key(text: object) -> str:
    return normalize_text(text).replace(" ", "")


def _person(ctx: Any, row: Any, col: str, c: Any, fits=None) -> PersonRef | None:
    """The person named in ``col`` (ID number first); among namesakes, the one ``fits``."""
    from pledgebook.models.core.values import normalize_id_number

    name = row.raw(col)
    if name is None:
        c.add(col if row.has(col) else None, "请填写姓名")
        return None
    number = c.run("公民身份号码", normalize_id_number, row.raw("公民身份号码")) if row.raw("公民身份号码") else None
    if number and number in ctx.people.by_number:
        return ctx.people.by_number[number]
    pool = ctx.people.by_name.get(_key(name), [])
    if len(pool) > 1 and fits is not None:
        narrowed = [p for p in pool if fits(p)]
        pool = narrowed or pool
    if len(pool) == 1:
        person = pool[0]
        if person.state != "active":
            c.add(col, f"{person.name}已{vocab.label(vocab.PERSON_STATES, person.state)}，不是在册人员")
            return None
        return person
    if pool:
        where = "、".join(ctx.orgs.by_id[p.org_id].name for p in pool[:3] if p.org_id in ctx.orgs.by_id)
        c.add(col, f"台账中有 {len(pool)} 名「{normalize_text(name)}」（{where}），请填写公民身份号码区分")
        return None
    near = difflib.get_close_matches(_key(name), list(ctx.people.by_name), n=1, cutoff=0.6)
    hint = f"，是否为「{near[0]}」？" if near else "。"
    c.add(col, f"台账中没有名为「{normalize_text(name)}」的人员{hint}请核对姓名，或先导入党员名册")
    return None


def _org(ctx: Any, row: Any, col: str, c: Any, label: str) -> OrgRef | None:
    try:
        return ctx.orgs.resolve(row.raw(col), row.raw("乡镇"))
    except Unresolved as exc:
        c.add(col, str(exc).replace("党组织", label, 1))
        return None


def _date(row: Any, col: str, c: Any, date1904: bool) -> dt.date | None:
    if row.raw(col) is None:
        return None
    return c.run(col, parse_date, row.raw(col), date1904=date1904)


def _closed(ctx: Any, when: dt.date | None) -> bool:
    return when is not None and bool(ctx.years.get(when.year))


def _closed_message(year: int) -> str:
    return f"{year}年度已关闭，只能查看，不能导入。如确需修改，请先由管理员重新开启该年度"


def _default_start(ctx: Any) -> dt.date:
    return dt.date(ctx.year or ctx.today.year, 1, 1)


# --------------------------------------------------------------------------- contact points


def plan_contact(ctx: Any, row: Any, date1904: bool) -> list:
    from pledgebook.importers import kinds as K
    from pledgebook.models.campaign import validate as campaign_validate

    c = K._Collector()
    name = K._text(row, "联系点名称", "联系点名称", c, required=True, limit=100)
    leader = _person(ctx, row, "联系领导", c)
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
    org = None
    if row.raw(org_col) is not None:
        org = _org(ctx, row, org_col, c, "所在村或党组织")
    elif name and kind == "village":
        try:
            org = ctx.orgs.resolve(name, row.raw("乡镇"))
        except Unresolved:
            c.add("所在村" if row.has("所在村") else None, f"请填写联系点「{name}」所在的村（村党组织名称）")
    else:
        c.add("所在村" if row.has("所在村") else None, "请填写联系点所在的村或所属党组织，以便按组织统计")
    start = _date(row, "开始日期", c, date1904)
    end = _date(row, "结束日期", c, date1904)
    note = K._text(row, "备注", "备注", c)
    c.raise_if_any()
    assert leader is not None and org is not None and kind is not None
    cache = _cache(ctx)
    existing = next((p for p in cache.by_person.get(leader.id, []) if p.table == "contact_point"
                     and _key(p.name) == _key(name)), None)
    dup = ctx.duplicate(("contact_point", leader.id, _key(name)), row.number)
    if dup:
        raise K.RowErrors([("联系点名称", dup)])
    label = f"{leader.name}·{name}"
    if existing is None:
        start = start or _default_start(ctx)
        if _closed(ctx, start) or _closed(ctx, end):
            raise K.RowErrors([("开始日期" if _closed(ctx, start) else "结束日期",
                                _closed_message((start if _closed(ctx, start) else end).year))])  # type: ignore[union-attr]
        problem = _check(lambda: _validate_contact(leader.id, kind, name, org.id, start, end))
        if problem:
            raise K.RowErrors(problem)
        values = {"leader_id": leader.id, "kind": kind, "name": name, "org_id": org.id, "start_date": start,
                  "end_date": end, "note": note}
        # later rows of this file (and a help-log sheet in the same workbook) find it
        cache._add(_Place("contact_point", -row.number, leader.id, name, org.id, start, end, kind))
        return [K.Planned("contact_point", "add", row.number, values, label=label)]
    old = {"kind": existing.kind, "org_id": existing.org_id, "note": existing.extra.get("note", "")}
    new: dict[str, Any] = {"kind": kind, "org_id": org.id}
    if row.has("备注"):
        new["note"] = note
    changes = K._changes(old, new)
    if start is not None and start != existing.start:
        changes["start_date"] = (existing.start, start)
    if end is not None and end != existing.end:
        changes["end_date"] = (existing.end, end)
    if {"kind", "org_id", "start_date"} & set(changes):
        try:

            campaign_validate.ensure_span_open(existing.start, existing.end)
        except YearClosed as exc:
            raise K.RowErrors([("联系点类型" if "kind" in changes else org_col,
                                f"{exc.message}；该联系点在已关闭年度中已有统计，不能再改类型、所属组织或开始日期，"
                                "如已调整请先结束原联系点再新建")]) from None
    if "end_date" in changes and (_closed(ctx, end) or _closed(ctx, existing.end)):
        raise K.RowErrors([("结束日期", _closed_message((end if _closed(ctx, end) else existing.end).year))])  # type: ignore[union-attr]
    return [K.Planned("contact_point", "update" if changes else "unchanged", row.number,
                      {k: v for k, (_o, v) in changes.items()}, changes, existing.id, label)]


def _check(fn) -> list[tuple[str | None, str]]:
    try:
        fn()
    except ValidationErrors as exc:
        return [(None, m) for m in exc.errors.values()]
    except ValidationError as exc:
        return [(None, exc.message)]
    return []


def _validate_contact(leader_id: int, kind: str, name: str, org_id: int, start: dt.date, end: dt.date | None) -> None:

    from pledgebook.models.campaign import validate as campaign_validate
    campaign_validate.start_date(start)
    if end is not None:
        campaign_validate.end_date(end, start, "end_date", "结束日期")


# --------------------------------------------------------------------------- stationing


def plan_stationing(ctx: Any, row: Any, date1904: bool) -> list:
    from pledgebook.importers import kinds as K
    from pledgebook.models.campaign import rules as helping
    from pledgebook.models.campaign import validate as campaign_validate

    c = K._Collector()
    cadre = _person(ctx, row, "驻村干部", c)
    village = _org(ctx, row, "所在村", c, "所在村") if row.raw("所在村") is not None else None
    if row.raw("所在村") is None:
        c.add("所在村" if row.has("所在村") else None, "请填写驻村所在的村（村党组织名称）")
    if village is not None and village.kind not in helping.VILLAGE_KINDS:
        c.add("所在村", f"「{village.name}」不是村党支部或党总支，请填写驻村所在的村")
    unit = K._text(row, "派出单位", "派出单位", c, limit=100)
    role = "member"
    if row.raw("驻村身份") is not None:
        try:
            role = vocab_code(vocab.STATION_ROLES, row.raw("驻村身份")) or "member"
        except Unresolved as exc:
            c.add("驻村身份", f"驻村身份{exc}")
    branch = None
    if row.raw("临时党支部") is not None:
        branch = _org(ctx, row, "临时党支部", c, "临时党支部")
        if branch is not None and branch.kind != "temp_branch":
            c.add("临时党支部", f"「{branch.name}」不是临时党支部")
    start = _date(row, "驻村时间", c, date1904)
    planned = _date(row, "计划结束", c, date1904)
    end = _date(row, "结束日期", c, date1904)
    note = K._text(row, "备注", "备注", c)
    c.raise_if_any()
    assert cadre is not None and village is not None
    cache = _cache(ctx)
    mine = [p for p in cache.by_person.get(cadre.id, []) if p.table == "stationing"]
    existing = max((p for p in mine if p.org_id == village.id), key=lambda p: p.start, default=None)
    dup = ctx.duplicate(("stationing", cadre.id, village.id), row.number)
    if dup:
        raise K.RowErrors([("驻村干部", dup)])
    label = f"{cadre.name}·{village.name}"
    if existing is None:
        if not unit:
            raise K.RowErrors([("派出单位" if row.has("派出单位") else None, "请填写派出单位")])
        start = start or _default_start(ctx)
        if _closed(ctx, start) or _closed(ctx, end):
            raise K.RowErrors([("驻村时间" if _closed(ctx, start) else "结束日期",
                                _closed_message((start if _closed(ctx, start) else end).year))])  # type: ignore[union-attr]
        running = next((p for p in mine if p.end is None or p.end >= start), None)
        if running is not None:
            where = ctx.orgs.by_id[running.org_id].name if running.org_id in ctx.orgs.by_id else "其他村"
            raise K.RowErrors([("驻村干部", f"{cadre.name} 已在「{where}」驻村（自 {running.start.isoformat()}），"
                                "请先在台账中结束原驻村记录，或在本表填写原驻村的结束日期")])
        problem = _check(lambda: campaign_validate.start_date(start))
        if not problem and planned is not None:
            problem = _check(lambda: campaign_validate.end_date(planned, start, "planned_end", "计划结束日期"))
        if problem:
            raise K.RowErrors([("驻村时间", m) for _c, m in problem])
        values = {"cadre_id": cadre.id, "village_id": village.id, "sending_unit": unit, "role": role,
                  "branch_id": branch.id if branch else None, "start_date": start, "planned_end": planned,
                  "actual_end": end, "note": note}
        cache._add(_Place("stationing", -row.number, cadre.id, "", village.id, start, end, role))
        return [K.Planned("stationing", "add", row.number, values, label=label)]
    old = {"sending_unit": existing.extra["sending_unit"], "role": existing.kind,
           "branch_id": existing.extra["branch_id"], "note": existing.extra["note"]}
    new: dict[str, Any] = {}
    if unit:
        new["sending_unit"] = unit
    if row.raw("驻村身份") is not None:
        new["role"] = role
    if branch is not None:
        new["branch_id"] = branch.id
    if row.has("备注"):
        new["note"] = note
    changes = K._changes(old, new)
    if planned is not None and planned != existing.extra["planned_end"]:
        changes["planned_end"] = (existing.extra["planned_end"], planned)
    if start is not None and start != existing.start:
        try:
            campaign_validate.ensure_span_open(existing.start, existing.end)
        except YearClosed as exc:
            raise K.RowErrors([("驻村时间", f"{exc.message}；该驻村记录在已关闭年度中已有统计，不能再改驻村时间")]) from None
        changes["start_date"] = (existing.start, start)
    if end is not None and end != existing.end:
        if _closed(ctx, end) or _closed(ctx, existing.end):
            raise K.RowErrors([("结束日期", _closed_message((end if _closed(ctx, end) else existing.end).year))])  # type: ignore[union-attr]
        changes["actual_end"] = (existing.end, end)
    return [K.Planned("stationing", "update" if changes else "unchanged", row.number,
                      {k: v for k, (_o, v) in changes.items()}, changes, existing.id, label)]


# --------------------------------------------------------------------------- help logs

_MONTH_ONLY = re.compile(r"^(\d{1,2})月?(?:份)?$")


def _month(ctx: Any, row: Any, c: Any, date1904: bool) -> tuple[dt.date, bool] | None:
    """(date, exact) of the row: an exact 帮扶日期, or the first day of its 月份."""
    if row.raw("帮扶日期") is not None:
        when = _date(row, "帮扶日期", c, date1904)
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
        year = ctx.year or ctx.today.year
        return dt.date(year, int(match.group(1)), 1), False
    when = c.run("月份", parse_date, raw, date1904=date1904)
    return (when.replace(day=1), False) if when else None


def _quantities(row: Any, c: Any) -> tuple[dict[str | None, dict[str, float]], set[str | None]]:
    """{kind: {measure: number}} of the non-zero cells; and the kinds whose columns the sheet has."""
    found: dict[str | None, dict[str, float]] = {}
    present: set[str | None] = set()
    for name in row.columns:
        spec = _CANON_MEASURE.get(name)
        if spec is None:
            continue
        kind, measure = spec
        present.add(kind)
        raw = row.raw(name)
        if raw is None:
            continue
        number = c.run(name, parse_number, raw)
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


def _find_place(ctx: Any, row: Any, person: PersonRef, when: dt.date, c: Any) -> _Place | None:
    cache = _cache(ctx)
    mine = cache.by_person.get(person.id, [])

    def running(p: _Place) -> bool:
        last = calendar.monthrange(when.year, when.month)[1]
        return p.start <= when.replace(day=last) and (p.end is None or p.end >= when.replace(day=1))

    if row.raw("联系点名称") is not None:
        name = _key(row.raw("联系点名称"))
        hits = [p for p in mine if p.table == "contact_point" and _key(p.name) == name]
        if hits:
            return max(hits, key=lambda p: (running(p), p.start))
        names = [p.name for p in mine if p.table == "contact_point"]
        near = difflib.get_close_matches(normalize_text(row.raw("联系点名称")), names, n=1, cutoff=0.5)
        hint = (f"是否为「{near[0]}」？" if near else
                f"{person.name}的联系点有：{'、'.join(names[:5])}。" if names else f"{person.name}在台账中还没有联系点，")
        c.add("联系点名称", f"{person.name}没有名为「{normalize_text(row.raw('联系点名称'))}」的联系点；{hint}"
                         "请核对，或先导入联系点名单")
        return None
    if row.raw("结对对象") is not None:
        name = _key(row.raw("结对对象"))
        hits = [p for p in mine if p.table == "pairing" and _key(p.name) == name]
        if hits:
            return max(hits, key=lambda p: (running(p), p.start))
        c.add("结对对象", f"{person.name}没有与「{normalize_text(row.raw('结对对象'))}」的结对帮扶记录，请核对")
        return None
    stations = [p for p in mine if p.table == "stationing"]
    if row.raw("所在村") is not None:
        org = _org(ctx, row, "所在村", c, "所在村")
        if org is None:
            return None
        hits = [p for p in stations if p.org_id == org.id]
        if hits:
            return max(hits, key=lambda p: (running(p), p.start))
        cps = [p for p in mine if p.table == "contact_point" and p.org_id == org.id]
        if len(cps) == 1:
            return cps[0]
        c.add("所在村", f"{person.name}没有在「{org.name}」驻村的记录（也没有该村的联系点），请核对，或先导入驻村干部名单")
        return None
    live = [p for p in mine if running(p)]
    if row.has("驻村干部") and row.raw("驻村干部") is not None:
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


def plan_helplog(ctx: Any, row: Any, date1904: bool) -> list:
    from pledgebook.importers import kinds as K
    from pledgebook.models.campaign import validate as campaign_validate

    c = K._Collector()
    person_col = next((col for col in PERSON_COLUMNS if row.raw(col) is not None), None)
    if person_col is None:
        c.add(next((col for col in PERSON_COLUMNS if row.has(col)), None), "请填写联系领导或驻村干部的姓名")
        c.raise_if_any()
    assert person_col is not None
    cache = _cache(ctx)
    place_name = _key(row.raw("联系点名称")) if row.raw("联系点名称") is not None else None

    def fits(p: PersonRef) -> bool:
        return any(place_name is None or _key(pl.name) == place_name for pl in cache.by_person.get(p.id, []))

    person = _person(ctx, row, person_col, c, fits)
    month = _month(ctx, row, c, date1904)
    quantities, present = _quantities(row, c)
    note = K._text(row, "备注", "备注", c)
    kind_col = None
    if row.has("工作类别"):
        kind_col = "工作类别"
        try:
            kind = vocab_code(vocab.WORK_KINDS, row.raw("工作类别"))
        except Unresolved as exc:
            c.add("工作类别", f"工作类别{exc}")
            kind = None
        if kind is None and not any(col == "工作类别" for col, _m in c.errors):
            c.add("工作类别", f"请填写工作类别（{'、'.join(vocab.WORK_KINDS.values())}）")
        merged: dict[str, float] = {}
        for k, bucket in quantities.items():
            if k is None or k == kind:
                for m, v in bucket.items():
                    merged[m] = merged.get(m, 0) + v
            else:
                c.add(None, f"本行工作类别是「{row.text('工作类别')}」，却填了「{vocab.WORK_KINDS[k]}」的数量；"
                            "一行只记一类工作")
        quantities = {kind: merged} if kind else {}
        present = {kind} if kind else set()
    elif None in quantities:
        c.add(None, "表中有只写单位的数量列（如「户」「人次」），请加一列「工作类别」，或把列名写成「走访户数」这样")
    place = _find_place(ctx, row, person, month[0], c) if person is not None and month is not None else None
    c.raise_if_any()
    assert person is not None and month is not None and place is not None
    when, exact = month
    if _closed(ctx, when):
        raise K.RowErrors([("帮扶日期" if exact else "月份", _closed_message(when.year))])
    last = min(dt.date(when.year, when.month, calendar.monthrange(when.year, when.month)[1]), ctx.today)
    if not exact:
        when = max(when, place.start)
    if when > ctx.today:
        raise K.RowErrors([("帮扶日期" if exact else "月份", "帮扶记录的日期不能晚于今天")])
    if when < place.start or when > last or (place.end is not None and when > place.end):
        span = f"{place.start.isoformat()} 至 {place.end.isoformat() if place.end else '今'}"
        raise K.RowErrors([("帮扶日期" if exact else "月份",
                            f"{when.year}年{when.month}月不在该{vocab.HELP_PLACES[place.table]}的期间（{span}）内")])
    planned: list = []
    errors: list[tuple[str | None, str]] = []
    warnings: list[tuple[str, str]] = []
    uid = normalize_text(row.raw(UID_COLUMN)) or None if row.has(UID_COLUMN) else None
    for kind in [k for k in vocab.WORK_KINDS if k in present]:
        given = quantities.get(kind, {})
        key = (person.id, (place.table, place.id), when.year, when.month, kind)
        dup = ctx.duplicate(("help_log", *key), row.number)
        if dup:
            errors.append((None, f"{vocab.WORK_KINDS[kind]}：{dup}"))
            continue
        if uid:
            hit = cache.log_uids.get(uid)
            if hit is None:
                errors.append((UID_COLUMN, f"记录编号「{uid}」在台账中不存在；新记录请把记录编号留空"))
                continue
            existing = [hit]
        else:
            existing = cache.logs.get(key, [])
        label = f"{person.name} {when.year}年{when.month}月 {vocab.WORK_KINDS[kind]}"
        q_values, q_errors = campaign_validate.quantities(kind, given)
        if q_errors:
            for m, msg in q_errors.items():
                col = next((n for n, spec in _CANON_MEASURE.items() if spec[0] in (kind, None) and spec[1] == m
                            and row.has(n)), None)
                errors.append((col, msg))
            continue
        if not existing:
            if given:
                planned.append(K.Planned("help_log", "add", row.number, {
                    "kind": kind, "date": when, "place": place.table, "place_id": place.id, "person_id": person.id,
                    "quantities": q_values, "note": note}, label=label))
            continue
        ours = [log for log in existing if log["source"] == "import"]
        target = ours[0] if ours else existing[0] if len(existing) == 1 else None
        if target is None:
            total = {m: sum(log[m] for log in existing) for m in vocab.MEASURES}
            if any(abs(total[m] - q_values[m]) > 1e-9 for m in vocab.MEASURES):
                warnings.append(("", f"{label}：该月已有 {len(existing)} 条手工录入的记录，数量与本表不同，未改动；"
                                     "请在台账中核对"))
            planned.append(K.Planned("help_log", "unchanged", row.number, {}, target=existing[0]["id"], label=label))
            continue
        if not given:
            if target["source"] == "import" and not uid:
                planned.append(K.Planned("help_log", "update", row.number, {"delete": True},
                                         {"deleted": (False, True)}, target["id"], label))
            continue
        new = dict(q_values)
        if row.has("备注"):
            new["note"] = note
        if uid and (target["date"].year, target["date"].month) != (when.year, when.month):
            new["date"] = when
        changes = K._changes(target, new)
        planned.append(K.Planned("help_log", "update" if changes else "unchanged", row.number,
                                 {"quantities": q_values, **({"note": note} if "note" in changes else {}),
                                  **({"on": when} if "date" in changes else {})}, changes, target["id"], label))
    if errors:
        raise K.RowErrors(errors)
    if not planned and not warnings and not any(quantities.values()) and kind_col is None and not present:
        raise K.RowErrors([(None, "这一行没有任何帮扶数量列")])
    if planned:
        planned[0].warnings = warnings
    return planned


# --------------------------------------------------------------------------- writing


def write(p: Any, batch: Any, new_ids: dict[tuple[str, int], int]) -> None:
    """Write one planned second-ledger record through the rules (inside the import's transaction)."""
    from pledgebook.models.campaign import rules as helping
    from pledgebook.models.store.tables import HelpLog

    v = p.values
    if p.table == "contact_point":
        if p.action == "add":
            cp = helping.create_contact_point(v["leader_id"], v["kind"], v["name"], v["org_id"],
                                              start_date=v["start_date"], note=v["note"])
            new_ids[("contact_point", -p.row)] = cp.id
            if v["end_date"] is not None:
                helping.end_contact_point(cp.id, v["end_date"])
            return
        fields = {k: v[k] for k in ("kind", "note", "start_date") if k in v}
        if "org_id" in v:
            fields["org_id"] = v["org_id"]
        if fields:
            helping.update_contact_point(p.target, **fields)
        if "end_date" in v and v["end_date"] is not None:
            helping.end_contact_point(p.target, v["end_date"])
    elif p.table == "stationing":
        if p.action == "add":
            st = helping.create_stationing(v["cadre_id"], v["village_id"], v["sending_unit"], branch_id=v["branch_id"],
                                           role=v["role"], start_date=v["start_date"], planned_end=v["planned_end"],
                                           note=v["note"])
            new_ids[("stationing", -p.row)] = st.id
            if v["actual_end"] is not None:
                helping.end_stationing(st.id, v["actual_end"])
            return
        fields = {k: v[k] for k in ("sending_unit", "role", "branch_id", "planned_end", "note", "start_date") if k in v}
        if fields:
            helping.update_stationing(p.target, **fields)
        if v.get("actual_end") is not None:
            helping.end_stationing(p.target, v["actual_end"])
    elif p.table == "help_log":
        if p.action == "add":
            place_id = v["place_id"]
            if place_id < 0:
                place_id = new_ids[(v["place"], place_id)]
            log = helping.add_help_log(v["kind"], v["date"], person_id=v["person_id"], quantities=v["quantities"],
                                       note=v["note"], **{f"{v['place']}_id": place_id})
            HelpLog.update(source="import", batch=batch.id, source_row=p.row).where(HelpLog.id == log.id).execute()
        elif v.get("delete"):
            helping.soft_delete("help_log", p.target)
        else:
            helping.update_help_log(p.target, **v)
