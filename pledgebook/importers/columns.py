"""Column names: the canonical Chinese names and the variants townships write.

Every header is compared after :func:`normalize_header` (NFKC, no spaces,
one kind of bracket, no unit suffix such as (人) （万元） (%), no leading
'*'). In a multi-row header a column is named by its path, '群众评议/满意':
:func:`canonical` keeps the parent for ballot columns under an evaluation
kind (the same leaf 满意 can stand under 党员评议 and 群众评议) and drops a
mere grouping parent ('基本信息/姓名' → '姓名'). A county adds its own names
with a mapping file (:func:`load_aliases`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

from pledgebook.importers import measures
from pledgebook.models.core import jsonsafe
from pledgebook.models.core.errors import PledgebookError

MAPPING_MAX_CHARS = 1_000_000  # a county's own column names: a few hundred lines at most

# canonical name → variants (written here as people write them; normalized on load)
COLUMNS: dict[str, tuple[str, ...]] = {
    "序号": ("编号", "序"),
    "乡镇": ("乡(镇)", "镇名称", "所属乡镇", "乡镇名称", "乡镇(街道)", "乡(镇、街道)", "所在乡镇"),
    "党组织": ("党组织名称", "党支部", "所在支部", "所属党组织", "所在党组织", "单位", "所在党支部", "所属党支部",
            "支部名称", "党支部名称", "组织名称", "所属支部"),
    "姓名": ("党员姓名", "承诺人", "承诺人姓名"),
    "职务": ("现任职务", "党内职务", "职务(岗位)", "岗位"),
    "公民身份号码": ("身份证号", "身份证号码", "身份证", "公民身份证号码", "身份证件号码"),
    "承诺类别": ("类别", "承诺类型"),
    "承诺范围": ("承诺主体",),
    "承诺事项": ("承诺内容", "承诺事项(内容)", "承诺具体内容", "承诺项目"),
    "践诺措施": ("措施", "主要措施", "具体措施", "履诺措施"),
    "完成时限": ("承诺时限", "完成时间", "时限", "完成期限"),
    "公示时间": ("公开日期", "公示日期", "公开时间"),
    "责任人": ("责任领导",),
    "践诺情况": ("履诺情况", "完成情况", "落实情况", "状态", "兑现情况"),
    "践诺进展": ("进展情况", "推进情况", "工作进展", "践诺记录"),
    "完成进度": ("进度", "完成比例", "完成百分比"),
    "践诺日期": ("践诺时间", "记录日期"),
    "评议方式": ("评诺方式", "评议形式"),
    "发放票数": ("发放票", "发票数", "发放测评票", "发出票数", "发出测评票", "测评票数", "发放测评票数", "发放"),
    "有效票": ("有效票数", "收回有效票", "收回票数", "有效测评票", "有效测评票数", "收回有效测评票", "收回有效票数", "有效"),
    "满意": ("满意票", "满意票数"),
    "基本满意": ("基本满意票", "基本满意票数", "较满意"),
    "不满意": ("不满意票", "不满意票数"),
    "满意率": ("满意度",),
    "参与率": ("参评率",),
    "评定等次": ("评议等次", "评议结果", "等次", "评定结果", "评诺结果", "组织评定等次", "组织评定结果",
             # a township's 民主评议结果: the 组织评定 grade of each member
             "民主评议等次", "民主评议结果", "组织评定", "评定等级", "评议等级"),
    "评定意见": ("支部评定意见", "组织评价", "点评意见", "评议意见", "领导点评意见"),
    "评定日期": ("评议日期", "评议时间", "评定时间"),
    "整改措施": ("整改意见",),
    "整改时限": ("整改期限", "整改时间"),
    "整改情况": ("整改结果",),
    "填报日期": ("表格填写日期", "填表日期"),
    "备注": ("说明",),
    # 民主评议党员 (the 计票表 and a township's results sheet): the 民主测评 votes per grade
    "优秀": ("优秀票", "优秀票数"),
    "合格": ("合格票", "合格票数"),
    "基本合格": ("基本合格票", "基本合格票数"),
    "不合格": ("不合格票", "不合格票数"),
    "不参评原因": ("未参评原因", "不参加评议原因", "不参评理由"),
    # 评选表彰: the townships' recommendations
    "推荐类别": ("表彰类别", "推荐类型", "表彰类型", "推荐表彰类别", "评选类别", "表彰项目", "推荐表彰类型"),
    "推荐理由": ("推荐原因", "推荐意见", "推荐事由", "理由"),
    # organization lists
    "组织类别": ("党组织类别", "组织类型", "党组织类型"),
    "上级党组织": ("上级组织", "上级党委", "上级党组织名称"),
    "所属领域": ("领域", "行业领域", "所在领域"),
    "组织代码": ("党组织代码", "代码", "组织编码"),
    # rosters
    "性别": (),
    "民族": (),
    "学历": ("文化程度", "学历（学位）", "学历学位", "最高学历", "全日制学历"),
    "出生日期": ("出生年月", "出生时间", "出生年月日"),
    "入党时间": ("入党日期", "入党年月"),
    "联系电话": ("电话", "手机", "手机号码", "联系方式", "电话号码"),
}

# the second ledger's columns (联系点, 驻村, 帮扶月报) live beside its measure columns
COLUMNS.update(measures.COLUMNS)

# names an import reads beyond COLUMNS, merged into the aliases of every import (not offered by guess_kind)
EXTRA_ALIASES: dict[str, str] = {
    "承诺编号": "承诺编号", "uid": "承诺编号", "承诺uid": "承诺编号", "承诺id": "承诺编号", "编号(系统)": "承诺编号",
    "评议人": "评议人", "评定人": "评议人", "点评人": "评议人",
    "承诺期限": "承诺期限", "期限类型": "承诺期限",
    "审定人": "审定人", "审定日期": "审定日期", "审定时间": "审定日期",
    "兑现日期": "兑现日期", "兑现时间": "兑现日期",
    "分数": "分数", "得分": "分数", "评分": "分数",
    "状态(在册)": "人员状态", "党员状态": "人员状态", "人员状态": "人员状态",
    "党员编号": "党员编号", "评议年度": "评议年度",  # the 民主评议计票表's hidden keys
    "核对": "备注",  # the tally sheet's check column (a formula): informative only
}

# evaluation kinds that stand above ballot columns in a two-row header
GROUPS: dict[str, tuple[str, ...]] = {
    "群众评议": ("群众测评", "群众评价", "群众满意度测评", "群众评诺"),
    "党员评议": ("党员测评", "党员互评", "党员评诺"),
    "领导点评": ("领导评价",),
    "自评": ("自我评价",),
    "组织评定": ("支部评定", "组织评议"),
}

# leaves that keep their evaluation-kind parent
BALLOT_COLUMNS = frozenset({"发放票数", "有效票", "满意", "基本满意", "不满意", "满意率", "参与率", "评定等次",
                            "评定意见", "评议方式", "评定日期"})

_UNIT = r"(?:人|户|万元|元|票|张|%|‰|个|件|起|期|人次|次|名|项|天|份|岁)"
_SUFFIXES = re.compile(
    r"\((?:" + _UNIT + r"|单位:[^()]*|必填|选填|可选|可不填|[^()]*格式[^()]*|[^()]*\d{4}-\d{1,2}[^()]*)\)$"
)
BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "﹙": "(", "﹚": ")"})


def normalize_header(text: object) -> str:
    """A header cell as compared: NFKC, no whitespace, () brackets, no unit suffix, no leading '*'.

    '  *身份证号 ' → '身份证号'; '满意（票）' → '满意'; '有效票\\n(张)' → '有效票'.
    """
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    value = unicodedata.normalize("NFKC", str(text)).translate(BRACKETS)
    value = re.sub(r"\s+", "", value)
    value = value.lstrip("*").rstrip("*:")
    previous = None
    while previous != value:
        previous = value
        value = _SUFFIXES.sub("", value).rstrip("*:")
    return value


def _table(mapping: Mapping[str, Iterable[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, variants in mapping.items():
        for variant in (name, *variants):
            lookup[normalize_header(variant)] = name
    return lookup


_ALIASES = _table(COLUMNS)
_GROUP_ALIASES = _table(GROUPS)
CANONICAL_NAMES = frozenset(COLUMNS) | {f"{g}/{leaf}" for g in GROUPS for leaf in BALLOT_COLUMNS}


def canonical(header: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The canonical name of a header ('身份证号' → '公民身份号码'), or None when unknown.

    ``header`` may be a path from a multi-row header ('群众测评/满意票' →
    '群众评议/满意'). ``extra`` maps a county's own normalized names to
    canonical names (see :func:`load_aliases`); it is consulted first.
    """
    parts = [normalize_header(part) for part in str(header).split("/")]
    parts = [part for part in parts if part]
    if not parts:
        return None
    whole = "/".join(parts)
    if extra and whole in extra:
        return extra[whole]
    if whole in _ALIASES:
        return _ALIASES[whole]

    def leaf_name(text: str) -> str | None:
        if extra and text in extra:
            return extra[text]
        return _ALIASES.get(text)

    leaf = leaf_name(parts[-1])
    if leaf is None:
        bare = strip_note(parts[-1])
        leaf = leaf_name(bare) if bare != parts[-1] else None
    if leaf is None:
        return None
    if "/" in leaf:  # the mapping file named a full path
        return leaf
    for parent in reversed(parts[:-1]):
        group = _GROUP_ALIASES.get(parent) or (extra.get(parent) if extra else None)
        if group in GROUPS and leaf in BALLOT_COLUMNS:
            return f"{group}/{leaf}"
    return leaf


_NOTE_TAIL = re.compile(r"\([^()]{1,20}\)$")


def strip_note(text: str) -> str:
    """A normalized header without the note or unit after its name: '完成时限(年月日)' → '完成时限',
    '时限(年.月)' → '时限', '承诺事项(内容)' → '承诺事项'. Tried only when the whole name is unknown."""
    previous = None
    while previous != text:
        previous = text
        stripped = _NOTE_TAIL.sub("", text)
        text = stripped if stripped else text
    return text


def suggest(header: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The canonical name an unknown header probably means ('计划完成时限要求' → '完成时限'), or None:
    the longest known name inside it, else the closest one."""
    import difflib

    name = strip_note(normalize_header(header))
    if not name:
        return None
    known = dict(_ALIASES)
    known.update(extra or {})
    inside = [variant for variant in known if len(variant) >= 2 and variant in name]
    if inside:
        return known[max(inside, key=len)]
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return known[near[0]] if near else None


def is_group(text: str) -> bool:
    """True for a parent label of ballot columns ('群众评议', '党员测评' …)."""
    return normalize_header(text) in _GROUP_ALIASES


def leaf(name: str) -> str:
    """'群众评议/满意' → '满意'; '姓名' → '姓名'."""
    return name.rsplit("/", 1)[-1]


# --------------------------------------------------------------------------- kinds

_EVALUATION_LEAVES = {"发放票数", "有效票", "满意", "基本满意", "不满意", "满意率", "参与率", "评定等次", "评定意见"}
_PLEDGE_ONLY = {"践诺措施", "完成时限", "公示时间", "承诺类别"}
_PROGRESS = {"践诺进展", "完成进度", "践诺日期"}
_PERSON = {"性别", "民族", "学历", "出生日期", "入党时间", "公民身份号码"}
_ORG = {"组织类别", "上级党组织", "所属领域", "组织代码"}
_APPRAISAL = {"优秀", "基本合格", "不合格", "不参评原因"}
_HONOUR = {"推荐类别", "推荐理由"}
_PLEDGE_EVALUATION = {"承诺事项", "承诺编号", "满意", "基本满意", "不满意", "满意率", "评议方式"}


def guess_kind(headers: Iterable[str | None], extra: Mapping[str, str] | None = None) -> str | None:
    """What a table holds, from its columns: 'orgs', 'people', 'pledges', 'progress', 'evaluations',
    'contacts', 'stationing', 'helplogs', 'appraisals', 'honours' or None.

    Headers may be raw or canonical. A ledger with the pledge's own columns
    (措施, 时限 …) counts as 'pledges' even when it also carries evaluation
    columns; one that names pledges only to evaluate them is 'evaluations'.
    """
    names = {canonical(h, extra) for h in headers if h}
    names.discard(None)
    second = measures.guess({n for n in names if n})
    if second:
        return second
    leaves = {leaf(n) for n in names if n}
    has_pledge = "承诺事项" in leaves
    if leaves & _HONOUR and not has_pledge:
        return "honours"
    if "党员编号" in leaves or leaves & _APPRAISAL:
        return "appraisals"
    if "评定等次" in leaves and "姓名" in leaves and not leaves & _PLEDGE_EVALUATION:
        return "appraisals"  # members' grades with no pledge to grade: a township's 民主评议结果
    if leaves & _EVALUATION_LEAVES and not leaves & _PLEDGE_ONLY:
        return "evaluations"
    if leaves & {"践诺进展", "完成进度"} and not leaves & _PLEDGE_ONLY:
        return "progress"
    if has_pledge:
        return "pledges"
    if "姓名" in leaves and leaves & _PERSON:
        return "people"
    if "党组织" in leaves and leaves & _ORG and "姓名" not in leaves:
        return "orgs"
    return None


# --------------------------------------------------------------------------- mapping files


class MappingFileError(PledgebookError):
    """The county's column mapping file cannot be used; the message says where."""


def load_aliases(path: str | Path) -> dict[str, str]:
    """Read a county's extra column names: {normalized variant: canonical}.

    CSV (UTF-8, UTF-8 with BOM or GB18030) with two columns 'variant,canonical'
    — a first line 列名,标准列名 or variant,canonical is taken as a header — or
    JSON: an object {"variant": "canonical"} or a list of pairs. Every
    canonical name must be known (see :data:`COLUMNS`), else MappingFileError.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MappingFileError(f"列名映射文件「{path.name}」无法读取（{exc.strerror or exc}）。") from None
    for codec in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise MappingFileError(f"列名映射文件「{path.name}」的编码无法识别，请另存为 UTF-8 编码。")

    pairs: list[tuple[int, str, str]] = []
    if text.lstrip().startswith(("{", "[")):
        try:
            loaded = jsonsafe.loads(text, max_bytes=MAPPING_MAX_CHARS)
        except json.JSONDecodeError as exc:
            raise MappingFileError(f"列名映射文件「{path.name}」第 {exc.lineno} 行 JSON 格式有误。") from None
        except ValueError as exc:  # jsonsafe's bounds: nested too deep, too large
            raise MappingFileError(f"列名映射文件「{path.name}」不是列名映射：{exc}") from None
        items = loaded.items() if isinstance(loaded, dict) else loaded
        for number, item in enumerate(items, start=1):
            if not (isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                raise MappingFileError(f"列名映射文件「{path.name}」第 {number} 项应为「本县列名: 标准列名」。")
            pairs.append((number, item[0], item[1]))
    else:
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if len(cells) < 2 or not cells[0] or not cells[1]:
                raise MappingFileError(f"列名映射文件「{path.name}」第 {number} 行应为「本县列名,标准列名」两列。")
            if number == 1 and normalize_header(cells[1]) in {"标准列名", "canonical", "标准名称"}:
                continue
            pairs.append((number, cells[0], cells[1]))

    aliases: dict[str, str] = {}
    for number, variant, target in pairs:
        name = canonical(target)
        if name is None:
            known = "、".join(list(COLUMNS)[:12])
            raise MappingFileError(
                f"列名映射文件「{path.name}」第 {number} 行：「{target}」不是已知的标准列名（如 {known} 等）。"
            )
        aliases[normalize_header(variant)] = name
    return aliases
