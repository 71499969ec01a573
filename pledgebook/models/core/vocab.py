"""The one vocabulary: codes stored in the database, Chinese labels shown to people.

Codes are short ASCII words so that a file written today still reads when a
label is reworded. Every face (TUI, CLI, reports, importers) takes its labels
from here.
"""

from __future__ import annotations

# 党组织类别
ORG_KINDS: dict[str, str] = {
    "province": "省委",
    "prefecture": "州委/市委",
    "county": "县委",
    "committee": "党委",
    "working_committee": "党工委",
    "general_branch": "党总支",
    "branch": "党支部",
    "temp_branch": "临时党支部",
}
# kinds that hold branches and count as a "党委" level row in reports
COMMITTEE_KINDS = ("committee", "working_committee")

# 所属领域
SECTORS: dict[str, str] = {
    "rural": "农村",
    "community": "社区",
    "government": "机关",
    "institution": "事业单位",
    "soe": "国有企业",
    "private": "非公企业",
    "social": "社会组织",
    "school": "学校",
}

GENDERS: dict[str, str] = {"male": "男", "female": "女"}

# 党员状态: 党统 practice never deletes a member
PERSON_STATES: dict[str, str] = {
    "active": "在册",
    "transferred": "转出",
    "deceased": "死亡",
    "other": "其他",
}

# 承诺范围
SCOPES: dict[str, str] = {
    "org": "组织承诺",
    "team": "班子承诺",
    "personal": "个人承诺",
    "service": "服务承诺",
}

# 承诺类别 (defaults; the county may add its own in the category table)
DEFAULT_CATEGORIES: dict[str, str] = {
    "development": "推动科学发展",
    "harmony": "促进社会和谐",
    "service": "服务人民群众",
    "grassroots": "加强基层组织",
    "stability": "维护社会稳定",
    "self": "加强自身建设",
}

TERMS: dict[str, str] = {"annual": "年度", "immediate": "即时"}

# 承诺状态
PLEDGE_STATUSES: dict[str, str] = {
    "draft": "拟定",
    "in_progress": "践诺中",
    "fulfilled": "已兑现",
    "partly": "部分兑现",
    "unfulfilled": "未兑现",
    "withdrawn": "已撤销",
    "carried": "已结转",
}
OPEN_STATUSES = ("draft", "in_progress")
FINAL_STATUSES = ("fulfilled", "partly", "unfulfilled", "withdrawn", "carried")
RESULT_STATUSES = ("fulfilled", "partly", "unfulfilled")
# left out of the 兑现率 denominator. 已结转 is not: a pledge carried into the next year stays in its own
# year's denominator as not fulfilled there, so closing a year never changes that year's figures
EXCLUDED_FROM_RATE = ("withdrawn",)

# the office's own sequence 承诺 → 审定 → 公示 → 践诺 → 评诺 → 奖诺
STAGES: dict[str, str] = {
    "pledged": "承诺",
    "approved": "审定",
    "published": "公示",
    "fulfilling": "践诺",
    "evaluated": "评诺",
    "rewarded": "奖诺",
}

# 评诺方式
EVAL_KINDS: dict[str, str] = {
    "self": "自评",
    "member": "党员评议",
    "public": "群众评议",
    "leader": "领导点评",
    "org": "组织评定",
}

GRADE_SETS: dict[str, dict[str, str]] = {
    "satisfaction": {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"},
    "quality": {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "差"},
    "rating": {"excellent": "优秀", "qualified": "合格", "basic_qualified": "基本合格", "unqualified": "不合格"},
}
# which grades fit which kind of evaluation
GRADES_FOR_KIND: dict[str, tuple[str, ...]] = {
    "self": ("quality", "rating"),
    "member": ("satisfaction", "rating"),
    "public": ("satisfaction",),
    "leader": ("quality", "satisfaction"),
    "org": ("rating", "quality"),
}
ALL_GRADES: dict[str, str] = {code: label for grades in GRADE_SETS.values() for code, label in grades.items()}

# 满意率 formula (a county setting)
SATISFACTION_FORMULAS: dict[str, str] = {
    "satisfied_plus_basic": "（满意＋基本满意）÷有效票",
    "satisfied_only": "满意÷有效票",
}

# ---- the second ledger (四帮四促 / 帮联驻) --------------------------------

# 联系点类型
CONTACT_KINDS: dict[str, str] = {
    "village": "村",
    "enterprise": "企业",
    "project": "项目",
    "park": "园区",
    "school": "学校",
    "household": "困难户",
}

# 驻村干部身份
STATION_ROLES: dict[str, str] = {
    "first_secretary": "第一书记",
    "team_leader": "工作队长",
    "member": "工作队员",
}

# 计量单位: column of help_log → unit people write in the header
MEASURES: dict[str, str] = {
    "households": "户",
    "person_times": "人次",
    "items": "件",
    "units": "个",
    "cases": "起",
    "funds": "万元",
    "sessions": "期",
}

# 帮扶工作类别
WORK_KINDS: dict[str, str] = {
    "visit": "走访",
    "receive": "接访",
    "solve": "解决问题",
    "plan": "制定规划",
    "mediate": "化解矛盾纠纷",
    "project": "引进项目",
    "funds": "协调资金",
    "training": "培训",
    "practical": "办实事",
}
# which measures each kind of work is counted in (the entry form shows these fields;
# a quantity in any other measure is refused, so every sum means one thing)
WORK_MEASURES: dict[str, tuple[str, ...]] = {
    "visit": ("households", "person_times"),
    "receive": ("person_times",),
    "solve": ("units",),
    "plan": ("units",),
    "mediate": ("cases",),
    "project": ("units", "funds"),
    "funds": ("funds",),
    "training": ("sessions", "person_times"),
    "practical": ("items",),
}

# what a help log is recorded against
HELP_PLACES: dict[str, str] = {
    "contact_point": "联系点",
    "pairing": "结对帮扶",
    "stationing": "驻村",
}


# ---- the third ledger (奖诺: 民主评议党员, 星级评定, 评选表彰) ----------------

# the orgs that have members and hold appraisals and stars ("branches" of the third ledger)
BRANCH_KINDS = ("branch", "general_branch", "temp_branch")

# 民主评议党员: the grades of the 民主测评 votes and of the branch's 组织评定
APPRAISAL_GRADES: dict[str, str] = {
    "excellent": "优秀",
    "qualified": "合格",
    "basic": "基本合格",
    "unqualified": "不合格",
}
# grades that need a 组织处置 (a disposal record that must be closed)
DISPOSAL_GRADES = ("basic", "unqualified")
# the usual reasons a member is not appraised (free text is allowed; these are offered)
EXEMPT_REASONS = ("流动党员", "长期病休", "年老体弱", "出国（境）", "其他")

# 组织处置
DISPOSAL_KINDS: dict[str, str] = {
    "educate": "批评教育",
    "correct": "限期改正",
    "persuade": "劝其退党",
    "remove": "除名",
}

# 星级评定: the 五个好, in the order the scoring table lists them
STAR_ITEMS: dict[str, str] = {
    "leadership": "领导班子好",
    "members": "党员队伍好",
    "mechanism": "工作机制好",
    "performance": "工作业绩好",
    "public": "群众反映好",
}
# the items the ledger proposes from its figures; the others are scored by the office
STAR_ITEMS_FROM_LEDGER = ("members", "performance", "public")
STAR_LABELS: dict[int, str] = {1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星", 6: "六星", 7: "七星"}

# 评选表彰
HONOUR_KINDS: dict[str, str] = {
    "advanced_org": "先进基层党组织",
    "excellent_member": "优秀共产党员",
    "excellent_worker": "优秀党务工作者",
}
HONOUR_STATUSES: dict[str, str] = {
    "candidate": "候选",
    "confirmed": "确定表彰",
    "declined": "未通过",
}
# where a candidate came from
HONOUR_SOURCES: dict[str, str] = {
    "proposed": "台账推荐",
    "recommended": "乡镇推荐",
    "manual": "县委组织部提名",
}


def measure_header(kind: str, measure: str) -> str:
    """A column header as township sheets write it: 走访(户), 协调资金(万元)."""
    return f"{WORK_KINDS.get(kind, kind)}({MEASURES.get(measure, measure)})"


AUDIT_ACTIONS: dict[str, str] = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "restore": "恢复",
    "close_year": "关闭年度",
    "open_year": "开启年度",
    "import": "导入",
    "generate": "生成",
    "end": "结束",
    "carry": "结转",  # written by the year-end rollover
    "uncarry": "撤销结转",  # written by reopen
    "reopen_year": "重新开启年度",  # written by reopen
    "print": "打印",  # printing 公示 notices (one entry per print run)
}
"""Every audit action the program writes (``audit.record`` refuses any other; ``doctor`` knows each)."""

TABLE_LABELS: dict[str, str] = {
    "org": "党组织",
    "person": "人员",
    "workyear": "年度",
    "work_year": "年度",  # as a bundle names it
    "pledge": "承诺",
    "progress": "践诺记录",
    "evaluation": "评诺",
    "category": "承诺类别",
    "setting": "设置",
    "contact_point": "联系点",
    "pairing": "结对帮扶",
    "stationing": "驻村",
    "help_log": "帮扶记录",
    "appraisal": "民主评议党员",
    "disposal": "组织处置",
    "star_rating": "星级评定",
    "honour": "评选表彰",
}


# where a record came from (pledge.source, help_log.source), as the detail and the change log say it
SOURCES: dict[str, str] = {
    "manual": "手工录入",
    "import": "导入",
    "demo": "演示数据",
    "carried": "上年结转",
    "bundle": "数据包合并",
}

# every column a clerk may see named (the change log, errors): one Chinese name per column
FIELD_LABELS: dict[str, str] = {
    "id": "编号", "uid": "唯一编号", "created_at": "创建时间", "updated_at": "修改时间", "deleted_at": "删除",
    "code": "代码", "name": "名称", "label": "名称", "sort": "排序", "kind": "类别", "parent": "上级党组织",
    "parent_id": "上级党组织", "path": "层级", "depth": "层级深度", "sector": "领域", "township": "乡镇",
    "pinyin": "拼音", "active": "在用", "org": "党组织", "org_id": "党组织", "gender": "性别", "ethnicity": "民族", "education": "学历",
    "birth_date": "出生日期", "joined_date": "入党时间", "post": "职务", "cadre_level": "干部层级",
    "id_number": "公民身份号码", "phone": "联系电话", "state": "状态", "year": "年度", "closed": "已关闭",
    "closed_at": "关闭时间", "person": "承诺人", "person_id": "承诺人", "pledger": "承诺人", "scope": "承诺范围",
    "category": "承诺类别", "content": "承诺事项", "measures": "践诺措施", "due_date": "完成时限",
    "term": "承诺期限", "approved_by": "审定人", "approved_on": "审定日期", "published_on": "公示日期",
    "status": "状态", "fulfilled_on": "兑现日期", "carried_from": "结转自", "carried_from_id": "结转自",
    "source": "来源", "batch": "导入批次", "batch_id": "导入批次", "source_row": "来源行号", "pledge": "承诺",
    "pledge_id": "承诺", "date": "日期", "note": "内容", "percent": "进度", "evaluator": "评议人",
    "grade": "等次", "score": "得分", "ballots_issued": "发放票数", "ballots_valid": "有效票",
    "votes_satisfied": "满意", "votes_basic": "基本满意", "votes_unsatisfied": "不满意", "comment": "评语",
    "rect_due": "整改时限", "rect_done": "整改完成", "rect_note": "整改情况", "leader": "联系领导",
    "leader_id": "联系领导", "start_date": "开始日期", "end_date": "结束日期", "helper": "帮扶人",
    "helper_id": "帮扶人", "helped_person": "被帮扶党员", "helped_person_id": "被帮扶党员", "household": "帮扶户",
    "cadre": "驻村干部", "cadre_id": "驻村干部", "sending_unit": "派出单位", "role": "职务",
    "village": "驻村村", "village_id": "驻村村", "branch": "临时党支部", "branch_id": "临时党支部",
    "planned_end": "计划结束", "actual_end": "实际结束", "contact_point": "联系点", "contact_point_id": "联系点",
    "pairing": "结对帮扶", "pairing_id": "结对帮扶", "stationing": "驻村", "stationing_id": "驻村",
    "households": "户数", "person_times": "人次", "items": "件数", "units": "个数", "cases": "起数",
    "funds": "资金（万元）", "sessions": "期数", "value": "值", "key": "设置项",
    "self_review": "个人自评", "votes_excellent": "优秀票", "votes_qualified": "合格票",
    "votes_basic_qualified": "基本合格票", "votes_unqualified": "不合格票", "exempt_reason": "不参评原因",
    "decided_on": "评定日期", "appraisal": "民主评议", "appraisal_id": "民主评议",
    "closed_on": "销号日期", "result": "处置结果", "score_leadership": "领导班子好",
    "score_members": "党员队伍好", "score_mechanism": "工作机制好", "score_performance": "工作业绩好",
    "score_public": "群众反映好", "proposed_stars": "建议星级", "stars": "星级", "confirmed_on": "确定日期",
    "confirmed_by": "确定人", "meets_criteria": "符合条件", "reason": "理由", "user": "操作人",
}


def field_label(name: str) -> str:
    """A column's Chinese name (the name itself when it has none: a test keeps that from happening)."""
    return FIELD_LABELS.get(name, name)


# the tables of records, in the ledger's order (the first ledger, then 四帮四促)
RECORD_TABLES = (
    "org", "person", "pledge", "progress", "evaluation", "contact_point", "pairing", "stationing", "help_log",
    "appraisal", "disposal", "star_rating", "honour",
)


def counts_text(counts: dict[str, int]) -> str:
    """Record counts for people, in the ledger's order: 党组织 736，人员 13724，…，帮扶记录 39512 (the tables given)."""
    return "，".join(f"{TABLE_LABELS[t]} {counts[t]}" for t in RECORD_TABLES if t in counts)


def table_counts_text(counts: dict[str, int]) -> str:
    """Every table's count with its Chinese name (a bundle's manifest: 承诺类别 6，联系点 1，…)."""
    order = {t: i for i, t in enumerate(RECORD_TABLES)}
    names = sorted(counts, key=lambda t: (order.get(t, len(order)), t))
    return "，".join(f"{TABLE_LABELS.get(t, t)} {counts[t]}" for t in names)


def label(vocabulary: dict[str, str], code: str | None, default: str = "") -> str:
    """The Chinese label of a code, or the code itself when it is unknown."""
    if code is None:
        return default
    return vocabulary.get(code, code)


def code_for(vocabulary: dict[str, str], text: str) -> str | None:
    """The code whose code or label equals text (after trimming), else None."""
    text = (text or "").strip()
    if text in vocabulary:
        return text
    for code, lab in vocabulary.items():
        if lab == text:
            return code
    return None
