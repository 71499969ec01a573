"""Names in a spreadsheet → records in the ledger: organizations, people, vocabulary.

Townships write 「新华村党支部」, 「中共联珠镇委员会」 or 「联珠镇党委」, a code, or a
short name that is unique only within the township; statuses as 已完成,
grades as 很满意, dropdown values as ``code_label``. Everything here is loaded
once per import (one query per table) and then looked up in dicts, so a
20,000-row file costs no query per row. Each failed lookup raises
:class:`Unresolved` with a Chinese message that says what to write instead,
with a "did you mean" suggestion from :mod:`difflib` where one is close.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from pledgebook.models.core import vocab
from pledgebook.models.core.values import normalize_text as _normalize_text


@lru_cache(maxsize=65536)
def _normalize_cached(value: object) -> str:
    return _normalize_text(value)


def normalize_text(value: object) -> str:
    """:func:`values.normalize_text`, cached for the short names that repeat on every row."""
    if isinstance(value, str) and len(value) <= 64:
        return _normalize_cached(value)
    return _normalize_text(value)


def database_rows(sql: str) -> list[tuple]:
    """Plain tuples of one query on the open ledger."""
    from pledgebook.models.store.tables import database

    return database.execute_sql(sql).fetchall()


class Unresolved(ValueError):
    """A name, code or label that matches nothing (or more than one thing)."""


# --------------------------------------------------------------------------- vocabulary

# what people write → the label in pledgebook.models.core.vocab
SYNONYMS: dict[str, dict[str, str]] = {
    "status": {
        "已完成": "已兑现", "完成": "已兑现", "已落实": "已兑现", "兑现": "已兑现", "全部兑现": "已兑现",
        "全部完成": "已兑现", "已办结": "已兑现", "办结": "已兑现",
        "基本完成": "部分兑现", "部分完成": "部分兑现", "基本兑现": "部分兑现", "部分落实": "部分兑现",
        "未完成": "未兑现", "没有完成": "未兑现", "未落实": "未兑现",
        "正在进行": "践诺中", "进行中": "践诺中", "推进中": "践诺中", "正在落实": "践诺中", "正在实施": "践诺中",
        "实施中": "践诺中", "践诺": "践诺中", "在办": "践诺中", "正在推进": "践诺中",
        "未开始": "拟定", "待审定": "拟定", "草拟": "拟定",
        "撤销": "已撤销", "取消": "已撤销", "已取消": "已撤销",
    },
    "grade": {
        "很满意": "满意", "非常满意": "满意", "比较满意": "基本满意", "较满意": "基本满意",
        "不太满意": "不满意", "很不满意": "不满意", "良好": "较好", "良": "较好", "好评": "好",
        "称职": "合格", "基本称职": "基本合格", "不称职": "不合格", "优": "优秀",
    },
    "eval_kind": {
        "群众测评": "群众评议", "群众评价": "群众评议", "群众评诺": "群众评议", "群众满意度测评": "群众评议",
        "党员测评": "党员评议", "党员互评": "党员评议", "党员评诺": "党员评议", "民主评议": "党员评议",
        "自我评价": "自评", "自我评议": "自评", "领导评价": "领导点评", "领导评议": "领导点评",
        "支部评定": "组织评定", "组织评议": "组织评定", "组织评价": "组织评定",
    },
    "org_kind": {
        "总支": "党总支", "党总支部": "党总支", "总支部": "党总支", "支部": "党支部", "党委员会": "党委",
        "基层党委": "党委", "乡镇党委": "党委", "临时支部": "临时党支部", "工委": "党工委",
        "县委员会": "县委", "中共县委": "县委", "县级党委": "县委", "乡党委": "党委", "镇党委": "党委",
        "街道党工委": "党工委", "机关党委": "党委", "村党支部": "党支部", "社区党支部": "党支部", "村党总支": "党总支",
        "社区党总支": "党总支", "党支部委员会": "党支部", "党总支部委员会": "党总支",
    },
    "sector": {
        "村": "农村", "农村党组织": "农村", "城市社区": "社区", "街道社区": "社区", "党政机关": "机关",
        "事业": "事业单位", "国企": "国有企业", "非公有制企业": "非公企业", "民营企业": "非公企业",
        "中小学": "学校", "学校党组织": "学校", "社会团体": "社会组织",
    },
    "gender": {"男性": "男", "女性": "女"},
    "scope": {"组织": "组织承诺", "班子": "班子承诺", "个人": "个人承诺", "服务": "服务承诺", "党员": "个人承诺"},
    "term": {"年度承诺": "年度", "全年": "年度", "即时承诺": "即时", "即办": "即时"},
    "honour_kind": {
        "先进党组织": "先进基层党组织", "先进基层党支部": "先进基层党组织", "先进党支部": "先进基层党组织",
        "优秀党员": "优秀共产党员",
        "优秀党务干部": "优秀党务工作者", "优秀党务工作人员": "优秀党务工作者",
    },
    "state": {"正常": "在册", "在职": "在册", "已转出": "转出", "去世": "死亡", "已故": "死亡"},
}

_DROPDOWN = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)_(.+)$")


def vocab_code(vocabulary: dict[str, str], value: object, synonyms: str | None = None) -> str | None:
    """The code of ``value`` in ``vocabulary``; None for blank.

    Accepts the code, the label (NFKC, spaces ignored), a dropdown value
    'code_label' and a synonym (see :data:`SYNONYMS`). Raises
    :class:`Unresolved` for anything else.
    """
    text = normalize_text(value)
    if not text:
        return None
    compact = text.replace(" ", "")
    match = _DROPDOWN.match(compact)
    if match and match.group(1) in vocabulary:
        return match.group(1)
    for candidate in (compact, compact.strip("。.")):
        code = vocab.code_for(vocabulary, candidate)
        if code is not None:
            return code
        labels = {normalize_text(lab).replace(" ", ""): c for c, lab in vocabulary.items()}
        if candidate in labels:
            return labels[candidate]
        if synonyms and candidate in SYNONYMS.get(synonyms, {}):
            code = vocab.code_for(vocabulary, SYNONYMS[synonyms][candidate])
            if code is not None:
                return code
    choices = "、".join(vocabulary.values())
    near = difflib.get_close_matches(compact, list(vocabulary.values()), n=1, cutoff=0.5)
    hint = f"，是否为「{near[0]}」？" if near else ""
    raise Unresolved(f"「{_show(value)}」不是可选的值{hint}（可选：{choices}）")


def _show(value: object) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:40] + "…"


# --------------------------------------------------------------------------- organizations

_ORG_SUFFIXES = ("临时党支部", "党总支部委员会", "党支部委员会", "委员会", "党工委", "党总支", "党支部", "党委",
                 "总支", "支部")


@lru_cache(maxsize=65536)
def short_name(name: str) -> str:
    """'中共联珠镇委员会' → '联珠镇'; '新华村党支部' → '新华村'. Used only to look up."""
    text = normalize_text(name).replace(" ", "")
    if text.startswith("中共"):
        text = text[2:]
    changed = True
    while changed:
        changed = False
        for suffix in _ORG_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    return text


_SUFFIX_KIND = (("临时党支部", "temp_branch"), ("党总支部委员会", "general_branch"), ("党支部委员会", "branch"),
                ("党工委", "working_committee"), ("党总支", "general_branch"), ("总支", "general_branch"),
                ("党支部", "branch"), ("支部", "branch"), ("委员会", "committee"), ("党委", "committee"))


@lru_cache(maxsize=65536)
def suffix_kind(name: str) -> str | None:
    """The org kind a name's ending says: '联珠镇党委' → 'committee'; '新华村' → None."""
    text = normalize_text(name).replace(" ", "")
    for suffix, kind in _SUFFIX_KIND:
        if text.endswith(suffix):
            return kind
    return None


@lru_cache(maxsize=65536)
def _full_key(name: str) -> str:
    text = normalize_text(name).replace(" ", "")
    return text[2:] if text.startswith("中共") else text


@dataclass(slots=True)
class OrgRef:
    """An organization as the importer sees it: enough to resolve, check and show."""

    id: int
    name: str
    kind: str
    township: str | None
    code: str | None
    path: str = ""
    parent_id: int | None = None


# what a clerk writes in 上级党组织 for "no parent" (the template's own option list says 「（无）」)
NO_PARENT = frozenset({"(无)", "无", "(空)", "-", "—", "/", "无上级", "(无上级)"})
ROOT_KINDS = frozenset({"county", "prefecture", "province"})
_ETHNIC = ("蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
           "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
           "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各").split()
# '墨江哈尼族自治县' → 墨江 + 县: the short name everyone writes (中共墨江县委)
_AUTONOMOUS = re.compile(r"^(.+?)(?:(?:" + "|".join(sorted(_ETHNIC, key=len, reverse=True)) + r")族)+自治(县|旗)$")


def root_names(*names: str, kind: str = "county") -> set[str]:
    """Every way a clerk writes the county's own committee, compact (NFKC, no spaces).

    '墨江哈尼族自治县' → 墨江哈尼族自治县, 墨江县, 中共墨江县委, 中共墨江哈尼族自治县委员会,
    墨江县委, 墨江县党委 … A name that is already a committee's ('中共墨江县委员会') adds its
    county too.
    """
    # in a county's own ledger 「县委」 alone can only mean the root (a prefecture's: 州委, 市委)
    bare = {"county": ("县委", "中共县委", "县委员会", "中共县委员会"),
            "prefecture": ("州委", "市委", "中共州委", "中共市委", "州委员会", "市委员会")}.get(kind, ())
    stems: set[str] = set()
    for name in names:
        text = normalize_text(name).replace(" ", "")
        if not text:
            continue
        if text.startswith("中共"):
            text = text[2:]
        for suffix in ("委员会", "党委", "委"):
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                break
        stems.add(text)
        short = _AUTONOMOUS.match(text)
        if short:
            stems.add(short.group(1) + short.group(2))
    keys: set[str] = set(bare)
    for stem in stems:
        keys |= {stem, f"{stem}委", f"{stem}委员会", f"{stem}党委", f"中共{stem}委", f"中共{stem}委员会",
                 f"中国共产党{stem}委员会"}
    return keys


@dataclass
class OrgIndex:
    """Every live organization, looked up by code, full name (with or without 中共) or short name.

    The root (the county's own committee) also answers to every name in :func:`root_names`.
    """

    by_id: dict[int, OrgRef] = field(default_factory=dict)
    by_code: dict[str, OrgRef] = field(default_factory=dict)
    by_full: dict[str, list[OrgRef]] = field(default_factory=lambda: defaultdict(list))
    by_short: dict[str, list[OrgRef]] = field(default_factory=lambda: defaultdict(list))
    root: OrgRef | None = None
    root_keys: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> OrgIndex:
        from pledgebook.models.store.db import get_setting
        from pledgebook.models.store.tables import Org

        index = cls()
        # raw SQL: peewee's row conversion costs more than the query on a county's 700 orgs and 14,000 people
        query = database_rows(f"SELECT id, name, kind, township, code, path, parent_id FROM {Org._meta.table_name} "
                              "WHERE deleted_at IS NULL ORDER BY id")
        for oid, name, kind, township, code, path, parent in query:
            ref = OrgRef(oid, name, kind, township, code, path, parent)
            index.add(ref)
            if parent is None and index.root is None:
                index.root = ref
        if index.root is not None:
            index.root_keys = root_names(index.root.name, get_setting("county_name", "") or "", kind=index.root.kind)
        return index

    def is_root_name(self, name: object) -> bool:
        """True when ``name`` is one of the ways the county's own committee is written."""
        return self.root is not None and normalize_text(name).replace(" ", "") in self.root_keys

    def add(self, ref: OrgRef) -> None:
        self.by_id[ref.id] = ref
        if ref.code:
            self.by_code[normalize_text(ref.code)] = ref
        self.by_full[_full_key(ref.name)].append(ref)
        short = short_name(ref.name)
        if short != _full_key(ref.name):
            self.by_short[short].append(ref)

    def township_of(self, ref: OrgRef) -> str:
        return ref.township or ""

    def resolve(self, name: object, township: object = None) -> OrgRef:
        """The one organization ``name`` means, or :class:`Unresolved` with a suggestion."""
        text = normalize_text(name)
        if not text:
            raise Unresolved("请填写党组织名称")
        town = short_name(normalize_text(township)) if township not in (None, "") else ""
        code_hit = self.by_code.get(text)
        if code_hit is not None:
            return code_hit
        if self.root is not None and text.replace(" ", "") in self.root_keys:
            return self.root
        key = _full_key(text)
        # a short name matches when it says no kind ('新华村') or the same kind ('联珠镇党委' = 中共联珠镇委员会)
        said = suffix_kind(text)
        shorts = [o for o in self.by_short.get(short_name(text), []) if said is None or o.kind == said]
        for pool, how in ((self.by_full.get(key, []), "全称"), (shorts, "简称")):
            if not pool:
                continue
            if len(pool) == 1:
                return pool[0]
            if town:
                narrowed = [o for o in pool if short_name(o.township or "") == town]
                if len(narrowed) == 1:
                    return narrowed[0]
            places = "、".join(f"{o.name}（{o.township or '县直'}）" for o in pool[:5])
            raise Unresolved(
                f"党组织「{_show(name)}」按{how}有 {len(pool)} 个同名组织：{places}。请填写「乡镇」列区分，或改用组织代码"
            )
        names = [o.name for o in self.by_id.values()]
        if town:
            local = [o.name for o in self.by_id.values() if short_name(o.township or "") == town]
            names = local or names
        near = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
        if near:
            raise Unresolved(f"未找到党组织「{_show(name)}」，是否为「{near[0]}」？请改为台账中的名称")
        raise Unresolved(f"未找到党组织「{_show(name)}」。请核对名称，或先导入党组织名单")


# --------------------------------------------------------------------------- people


@dataclass(slots=True)
class PersonRef:
    id: int
    name: str
    org_id: int
    state: str
    id_number: str | None


@dataclass
class PersonIndex:
    """Every live person, by ID number, by (org, name) and by name."""

    by_id: dict[int, PersonRef] = field(default_factory=dict)
    by_number: dict[str, PersonRef] = field(default_factory=dict)
    by_org_name: dict[tuple[int, str], list[PersonRef]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[PersonRef]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls) -> PersonIndex:
        from pledgebook.models.store.tables import Person

        index = cls()
        query = database_rows(f"SELECT id, name, org_id, state, id_number FROM {Person._meta.table_name} "
                              "WHERE deleted_at IS NULL")
        for pid, name, org_id, state, number in query:
            index.add(PersonRef(pid, name, org_id, state, number))
        return index

    def add(self, ref: PersonRef) -> None:
        self.by_id[ref.id] = ref
        if ref.id_number:
            self.by_number[ref.id_number] = ref
        key = normalize_text(ref.name).replace(" ", "")
        self.by_org_name[(ref.org_id, key)].append(ref)
        self.by_name[key].append(ref)

    def resolve(self, name: object, org: OrgRef | None, id_number: str | None = None,
                orgs: OrgIndex | None = None) -> PersonRef:
        """The person ``name`` in ``org`` (or anywhere, by a unique name), or by ID number."""
        if id_number:
            hit = self.by_number.get(id_number)
            if hit is not None:
                return hit
        key = normalize_text(name).replace(" ", "")
        if not key:
            raise Unresolved("请填写姓名")
        if org is not None:
            pool = self.by_org_name.get((org.id, key), [])
            if len(pool) == 1:
                return pool[0]
            if len(pool) > 1:
                raise Unresolved(f"「{org.name}」有 {len(pool)} 名「{_show(name)}」，请填写公民身份号码区分")
            elsewhere = self.by_name.get(key, [])
            where = ""
            if elsewhere and orgs is not None:
                where = "；台账中同名人员在「" + "、".join(
                    orgs.by_id[p.org_id].name for p in elsewhere[:3] if p.org_id in orgs.by_id) + "」"
            raise Unresolved(
                f"「{org.name}」中没有名为「{_show(name)}」的人员{where}。请核对姓名和所在党组织，或先导入党员名册"
            )
        pool = self.by_name.get(key, [])
        if len(pool) == 1:
            return pool[0]
        if len(pool) > 1:
            raise Unresolved(f"台账中有 {len(pool)} 名「{_show(name)}」，请填写「党组织」或公民身份号码区分")
        raise Unresolved(f"台账中没有名为「{_show(name)}」的人员。请核对姓名，或先导入党员名册")
