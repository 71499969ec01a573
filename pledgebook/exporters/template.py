"""Blank templates for the townships: ``pledgebook template KIND -o FILE.xlsx``.

The right headers (the importer's canonical names), an instructions sheet,
dropdown lists (data validation) for categories, statuses, grades, kinds and
the county's organization names — long lists sit on a hidden sheet — and
date and text formats on the columns that need them, so that what comes back
imports without a single correction.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger import rules
from pledgebook.models.store import db as dbm
from pledgebook.models.store.tables import Org

ROWS = 2000  # rows prepared with dropdowns and formats

# kind -> [(header, list name or None, format: 'date'|'text'|None, width)]
COLUMNS: dict[str, list[tuple[str, str | None, str | None, int]]] = {
    "orgs": [("党组织名称", None, None, 28), ("组织类别", "org_kinds", None, 12), ("上级党组织", "orgs", None, 28),
             ("所属乡镇", None, None, 12), ("所属领域", "sectors", None, 12), ("组织代码", None, "text", 14)],
    "people": [("姓名", None, None, 10), ("所在党组织", "orgs", None, 28), ("性别", "genders", None, 6),
               ("民族", None, None, 8), ("学历", None, None, 10), ("出生日期", None, "date", 12), ("入党时间", None, "date", 12),
               ("职务", None, None, 14), ("公民身份号码", None, "text", 20), ("联系电话", None, "text", 14)],
    "pledges": [("序号", None, None, 6), ("所属乡镇", None, None, 10), ("党组织", "orgs", None, 26),
                ("姓名", None, None, 10), ("公民身份号码", None, "text", 20), ("承诺类别", "categories", None, 14),
                ("承诺事项", None, None, 40), ("践诺措施", None, None, 30), ("完成时限", None, "date", 12),
                ("公示时间", None, "date", 12), ("践诺情况", "statuses", None, 10)],
    "progress": [("党组织", "orgs", None, 26), ("姓名", None, None, 10), ("承诺事项", None, None, 40),
                 ("践诺日期", None, "date", 12), ("践诺进展", None, None, 40), ("完成进度", None, None, 10)],
    "evaluations": [("党组织", "orgs", None, 26), ("姓名", None, None, 10), ("承诺事项", None, None, 40),
                    ("评议方式", "eval_kinds", None, 10), ("评定日期", None, "date", 12), ("发放票数", None, None, 8),
                    ("有效票", None, None, 8), ("满意", None, None, 8), ("基本满意", None, None, 8),
                    ("不满意", None, None, 8), ("评定等次", "grades", None, 10), ("评定意见", None, None, 30),
                    ("整改时限", None, "date", 12), ("整改措施", None, None, 30)],
    # the second ledger (四帮四促 / 帮联驻)
    "contacts": [("序号", None, None, 6), ("联系领导", None, None, 10), ("公民身份号码", None, "text", 20),
                 ("联系点名称", None, None, 26), ("联系点类型", "contact_kinds", None, 10), ("所在村", "orgs", None, 26),
                 ("开始日期", None, "date", 12), ("结束日期", None, "date", 12), ("备注", None, None, 24)],
    "stationing": [("序号", None, None, 6), ("驻村干部", None, None, 10), ("公民身份号码", None, "text", 20),
                   ("派出单位", None, None, 22), ("所在村", "villages", None, 24), ("驻村身份", "station_roles", None, 10),
                   ("临时党支部", "temp_branches", None, 26), ("驻村时间", None, "date", 12),
                   ("计划结束", None, "date", 12), ("结束日期", None, "date", 12), ("备注", None, None, 20)],
    "helplogs": [("月份", None, "text", 9), ("姓名", None, None, 10), ("公民身份号码", None, "text", 20),
                 ("联系点名称", None, None, 22), ("所在村", "villages", None, 22),
                 ("走访户数", None, None, 6), ("走访人次", None, None, 6), ("接访人次", None, None, 6),
                 ("解决问题(个)", None, None, 6), ("制定规划(个)", None, None, 6), ("化解矛盾纠纷(起)", None, None, 8),
                 ("引进项目(个)", None, None, 6), ("引进资金(万元)", None, None, 8), ("协调资金(万元)", None, None, 8),
                 ("培训(期)", None, None, 6), ("培训人次", None, None, 6), ("办实事(件)", None, None, 6),
                 ("备注", None, None, 24)],
    # the third ledger (民主评议党员, 评选表彰): the results of a township's appraisal, its recommendations
    "appraisals": [("序号", None, None, 6), ("所属乡镇", None, None, 10), ("党组织", "branches", None, 26),
                   ("姓名", None, None, 10), ("公民身份号码", None, "text", 20), ("发放票数", None, None, 8),
                   ("有效票", None, None, 8), ("优秀", None, None, 6), ("合格", None, None, 6), ("基本合格", None, None, 8),
                   ("不合格", None, None, 6), ("组织评定等次", "appraisal_grades", None, 12),
                   ("不参评原因", "exempt_reasons", None, 12), ("评定日期", None, "date", 12), ("评定意见", None, None, 24)],
    "honours": [("序号", None, None, 6), ("所属乡镇", None, None, 10), ("推荐类别", "honour_kinds", None, 16),
                ("党组织", "orgs", None, 26), ("姓名", None, None, 10), ("公民身份号码", None, "text", 20),
                ("推荐理由", None, None, 40), ("备注", None, None, 20)],
}
TITLES = {"orgs": "党组织名单", "people": "党员名册", "pledges": "公开承诺台账", "progress": "践诺记录",
          "evaluations": "评诺结果", "contacts": "联系点名单", "stationing": "驻村干部名单", "helplogs": "帮扶工作月报",
          "appraisals": "民主评议党员结果", "honours": "评选表彰推荐名单"}
# the names people use for each kind: the Chinese name the CLI's help prints, the template's title, and
# the import screen's (so `pledgebook template 党员名册` works as `pledgebook template people` does)
NAMES: dict[str, str] = {"orgs": "党组织名单", "people": "党员名册", "pledges": "承诺台账", "progress": "践诺记录",
                         "evaluations": "评诺结果", "contacts": "联系点名单", "stationing": "驻村干部名单",
                         "helplogs": "帮扶工作月报", "appraisals": "民主评议结果", "honours": "评选表彰推荐"}
ALIASES: dict[str, str] = {
    **{name: kind for kind, name in NAMES.items()},
    **{title: kind for kind, title in TITLES.items()},
    "承诺": "pledges", "党组织": "orgs", "党员": "people", "人员名册": "people",
    "评诺": "evaluations", "评议结果": "evaluations", "联系点": "contacts", "驻村干部": "stationing",
    "帮扶记录": "helplogs", "月报": "helplogs",
    "民主评议": "appraisals", "民主评议党员": "appraisals", "评议党员": "appraisals",
    "评选表彰": "honours", "表彰推荐": "honours", "推荐名单": "honours", "表彰": "honours",
}


def kind_choices() -> str:
    """The kinds as the help and the messages list them: orgs（党组织名单）、people（党员名册）…"""
    return "、".join(f"{kind}（{NAMES[kind]}）" for kind in COLUMNS)


def template_kind(text: str) -> str:
    """The template kind named by its English code or its Chinese name (either as printed)."""
    name = (text or "").strip()
    if name.lower() in COLUMNS:
        return name.lower()
    kind = ALIASES.get(name) or ALIASES.get(name.removesuffix("模板").removesuffix("表"))
    if kind is None:
        raise PledgebookError(f"没有「{text}」这种模板。模板类型可以是：{kind_choices()}（写中文或英文都可以）")
    return kind


def default_name(kind: str, county: str = "") -> str:
    """The file name a template is offered under: 云岭县_党员名册模板.xlsx."""
    return f"{county + '_' if county else ''}{NAMES[kind]}模板.xlsx"


NOTES = {
    "orgs": ["每行一个党组织；上级党组织须已在台账中，或写在本表更前面的行。",
             "组织代码可不填；填了就按代码对应，以后改名也能对上。"],
    "people": ["每行一名党员；所在党组织从下拉列表中选择。",
               "公民身份号码列已设为文本格式，请勿改成数字格式（否则末尾会变成 000）。"],
    "pledges": ["每行一条承诺。党组织承诺只填「党组织」；党员个人承诺再填「姓名」（同名时填公民身份号码）。",
                "同一党组织下同名的组织较多时，请填写「所属乡镇」。",
                "再次导入修改后的本表，会更新已导入的承诺，不会重复新增（按年度＋承诺人＋承诺事项对应）。"],
    "progress": ["每行一条践诺记录；「党组织」「姓名」「承诺事项」须与承诺台账一致。"],
    "evaluations": ["每行一次评议；群众评议填写票数，满意＋基本满意＋不满意应等于有效票。",
                    "其他评议方式填写评定等次或评定意见。"],
    "contacts": ["每行一个联系点：联系领导、联系点名称、类型（从下拉列表选择）和所在村（或所属党组织）。",
                 "同名领导较多时请填写公民身份号码。再次导入会按「联系领导＋联系点名称」更新，不会重复新增。",
                 "联系点不再联系时填写结束日期，不要删除该行。"],
    "stationing": ["每行一名驻村干部：姓名、派出单位、所在村（从下拉列表选择）、驻村时间。",
                   "计划结束不填时按三年计。轮换离村时填写结束日期。再次导入按「驻村干部＋所在村」更新。"],
    "helplogs": ["每行一名联系领导或驻村干部一个月的工作：月份写成 2025-03，姓名，联系点名称（驻村干部填所在村）。",
                 "各项数量只填数字，没有就空着或填 0；资金单位是万元。",
                 "一行会按工作类别记成多条帮扶记录。改正后再次导入会更新同一人、同一地点、同一月份的记录，不会重复新增；"
                 "某项改为 0 会撤销上次导入的该项记录。"],
    "appraisals": ["每行一名在册党员的民主评议结果：党组织从下拉列表选择，同一支部有同名党员时填写公民身份号码。",
                   "民主测评票数只填数字：有效票不能多于发放票数，优秀＋合格＋基本合格＋不合格不能多于有效票。",
                   "组织评定等次从下拉列表选择；评为优秀的人数不能超过本支部参评党员的规定比例（超过时整表不导入，并指出是哪个支部）。",
                   "不参加评议的党员（流动党员、长期病休等）只填「不参评原因」，不填等次和票数。",
                   "整表无误才导入：有一行错误，本表一行也不写入，请按错误清单改正后重新导入。再次导入会更新已导入的结果，不会重复新增。"],
    "honours": ["每行推荐一名（个）对象：推荐类别从下拉列表选择（先进基层党组织、优秀共产党员、优秀党务工作者）。",
                "推荐先进基层党组织只填「党组织」，「姓名」留空；推荐党员填写「党组织」和「姓名」，同名时填写公民身份号码。",
                "不符合县委评选条件的对象须填写「推荐理由」，否则该行不导入（错误清单会列出未达到的条件）。",
                "按工作年度导入；同一对象同一类别每年只能推荐一次，再次导入会更新推荐理由，不会重复新增。"],
}


def _lists(kind: str) -> dict[str, list[str]]:
    names: list[str] = list(Org.select(Org.name).where(Org.deleted_at.is_null(), Org.parent.is_null(False))
                            .order_by(Org.path).scalars())
    grades: list[str] = []
    for g in vocab.ALL_GRADES.values():
        if g not in grades:
            grades.append(g)
    return {
        "orgs": list(dict.fromkeys(names)),
        "org_kinds": [v for k, v in vocab.ORG_KINDS.items() if k not in ("province", "prefecture", "county")],
        "sectors": list(vocab.SECTORS.values()),
        "genders": list(vocab.GENDERS.values()),
        "categories": list(rules.categories().values()),
        "statuses": [v for k, v in vocab.PLEDGE_STATUSES.items() if k != "carried"],
        "eval_kinds": list(vocab.EVAL_KINDS.values()),
        "grades": grades,
        "appraisal_grades": list(vocab.APPRAISAL_GRADES.values()),
        "exempt_reasons": list(vocab.EXEMPT_REASONS),
        "honour_kinds": list(vocab.HONOUR_KINDS.values()),
        **({"branches": _branches()} if kind == "appraisals" else {}),
        **(_help_lists() if kind in ("contacts", "stationing", "helplogs") else {}),
    }


def _branches() -> list[str]:
    """The orgs that hold members' appraisals: the live, active branches (``vocab.BRANCH_KINDS``)."""
    found: list[str] = list(Org.select(Org.name).where(
        Org.deleted_at.is_null(), Org.kind.in_(vocab.BRANCH_KINDS), Org.active == True).order_by(Org.path).scalars())  # noqa: E712
    return list(dict.fromkeys(found))


def _help_lists() -> dict[str, list[str]]:
    def names(*kinds: str) -> list[str]:
        found: list[str] = list(Org.select(Org.name).where(
            Org.deleted_at.is_null(), Org.kind.in_(kinds), Org.active == True).order_by(Org.path).scalars())  # noqa: E712
        return list(dict.fromkeys(found))

    return {
        "contact_kinds": list(vocab.CONTACT_KINDS.values()),
        "station_roles": list(vocab.STATION_ROLES.values()),
        "villages": names("branch", "general_branch"),
        "temp_branches": names("temp_branch"),
    }


def write_template(kind: str, target: str | Path, *, year: int | None = None) -> Path:
    """Write the blank template of ``kind`` to ``target`` (.xlsx) and return its path."""
    import xlsxwriter
    from xlsxwriter.utility import xl_col_to_name

    kind = template_kind(kind)
    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        raise PledgebookError(f"模板文件名应以 .xlsx 结尾，收到「{target.name}」")
    county = dbm.county()["name"]
    lists = _lists(kind)
    partial = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        wb = xlsxwriter.Workbook(str(partial), {"strings_to_formulas": False, "strings_to_urls": False})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "valign": "vcenter",
                              "text_wrap": True})
        title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        text_fmt = wb.add_format({"num_format": "@"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        data = wb.add_worksheet(TITLES[kind])
        notes = wb.add_worksheet("填写说明")
        options = wb.add_worksheet("选项")
        cols = COLUMNS[kind]
        year_text = f"{year}年" if year else ""
        data.merge_range(0, 0, 0, len(cols) - 1, f"{county}{year_text}{TITLES[kind]}", title_fmt)
        # the option lists, one column each, on a hidden sheet
        refs: dict[str, str] = {}
        used = sorted({c[1] for c in cols if c[1]})
        for j, name in enumerate(used):
            values = lists[name] or ["（无）"]
            options.write_string(0, j, name)
            for i, value in enumerate(values, start=1):
                options.write_string(i, j, value)
            letter = xl_col_to_name(j)
            refs[name] = f"=选项!${letter}$2:${letter}${len(values) + 1}"
        options.hide()
        for j, (header, list_name, fmt, width) in enumerate(cols):
            data.write_string(1, j, header, head)
            data.set_column(j, j, width, date_fmt if fmt == "date" else text_fmt if fmt == "text" else None)
            if list_name:
                data.data_validation(2, j, ROWS + 1, j, {
                    "validate": "list", "source": refs[list_name], "ignore_blank": True,
                    "error_title": "请从列表中选择", "error_message": f"「{header}」请从下拉列表中选择。",
                    "error_type": "warning",
                })
            elif fmt == "date":
                data.data_validation(2, j, ROWS + 1, j, {
                    "validate": "date", "criteria": "between", "minimum": dt.date(2000, 1, 1),
                    "maximum": dt.date(2100, 12, 31), "error_type": "warning",
                    "error_title": "日期格式", "error_message": "请填写日期，例如 2011-12-31",
                })
        data.freeze_panes(2, 0)
        data.set_row(1, 30)
        notes.set_column(0, 0, 90)
        lines = [f"{county}{year_text}{TITLES[kind]} 填写说明", "",
                 f"1. 请在「{TITLES[kind]}」工作表第 3 行起逐行填写，不要改动第 2 行的列名，不要插入合并单元格。",
                 "2. 带下拉箭头的列请从列表中选择；日期请写成 2011-12-31。",
                 *[f"{i}. {n}" for i, n in enumerate(NOTES[kind], start=3)],
                 f"{len(NOTES[kind]) + 3}. 填好后保存为 .xlsx，交回县委组织部导入（pledgebook import 文件名）。"]
        for i, line in enumerate(lines):
            notes.write_string(i, 0, line, wrap)
        data.activate()
        wb.close()
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise PledgebookError(f"无法写入模板「{target}」（{exc.strerror or exc}）。请检查文件夹和写入权限。") from exc
    return target
