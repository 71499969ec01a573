"""The second ledger's columns: contact points, stationed cadres, and the measure columns of help logs.

A help-log sheet has one leader or cadre per row and many measure columns (走访户数, 走访人次,
解决问题(个), 帮扶资金(万元), 化解矛盾纠纷(起) …). They are told apart by the header as written
(``Table.raw_header``): the ordinary header normalization drops the unit, and 走访(户) and 走访(人次)
must stay apart. :func:`refine` names each such column ``<kind>/<unit>`` (see :data:`CANON_MEASURE`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pledgebook.models.core import vocab

if TYPE_CHECKING:
    from pledgebook.importers.table import Table

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


CANON_MEASURE: dict[str, tuple[str | None, str]] = {}
for _k in (None, *vocab.WORK_KINDS):
    for _m in (*vocab.MEASURES, "yuan"):
        CANON_MEASURE[measure_canonical(_k, _m)] = (_k, _m)


def refine(table: Table) -> None:
    """Name the measure columns of ``table`` by their unit (see the module docstring)."""
    raw = table.raw_header
    for j, name in enumerate(table.canonical):
        if j >= len(raw) or not raw[j]:
            continue
        if name is not None and name not in CANON_MEASURE:
            continue
        found = measure_of(raw[j])
        table.canonical[j] = measure_canonical(*found) if found else None


def guess(leaves: set[str]) -> str | None:
    """'contacts', 'stationing', 'helplogs' or None, from a sheet's canonical column names."""
    measures = any(n in CANON_MEASURE for n in leaves) or "工作类别" in leaves
    if measures and leaves & {"月份", "帮扶日期", *PERSON_COLUMNS}:
        return "helplogs"
    if "驻村干部" in leaves and leaves & {"派出单位", "驻村时间", "所在村", "临时党支部", "驻村身份"}:
        return "stationing"
    if "联系点名称" in leaves and leaves & {"联系领导", "联系点类型"}:
        return "contacts"
    return None
