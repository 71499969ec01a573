"""The report's tables from the pledge ledger, and :func:`build_report` that collects every table.

Every figure comes from :mod:`pledgebook.models.ledger.figures` and
:mod:`pledgebook.models.campaign.figures` — the same numbers ``pledgebook stats``
and the TUI show.
"""

from __future__ import annotations

from datetime import date

from pledgebook.exporters.report.appraisal import appraisal_sheets
from pledgebook.exporters.report.campaign import campaign_sheets
from pledgebook.exporters.report.data import ReportData, Sheet, fit_to_worksheets, rate
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger import rules
from pledgebook.models.ledger.figures import (
    FigureBook,
    Figures,
    evaluation_summary,
    overdue_check,
    overdue_sql,
)
from pledgebook.models.store.db import county as county_info
from pledgebook.models.store.db import get_setting
from pledgebook.models.store.orgtree import OrgNode
from pledgebook.models.store.tables import Org, database


def _report_year(year: int | None) -> int:
    year = year or rules.current_year()
    if year is None:
        raise PledgebookError("台账中还没有任何年度，无法生成报表。")
    rules.year_state(year)  # raises a clear message for a year the ledger does not have
    return year


def _resolve_org(org_code: str | None) -> Org | None:
    if not org_code:
        return None
    org = Org.get_or_none((Org.code == org_code.strip()) & Org.deleted_at.is_null())
    if org is None:
        raise PledgebookError(f"找不到组织代码为「{org_code}」的党组织。请用 pledgebook stats 查看各党委，或不加 --org 生成全县报表。")
    return org


def build_report(
    year: int | None = None,
    org_code: str | None = None,
    *,
    today: date | None = None,
    listing: bool = True,
) -> ReportData:
    """Collect every table of the report (no file written)."""
    info = county_info()
    year = _report_year(year)
    today = today or date.today()
    org = _resolve_org(org_code)
    book = FigureBook(year, today=today)
    root_id = org.id if org is not None else book.root_id()
    if root_id is None:
        raise PledgebookError("台账中还没有党组织，无法生成报表。")
    root = book.orgs[root_id]
    total = book.subtree(root_id)
    unit = get_setting("report_unit") or f"中共{info['name']}委组织部"
    cats = category_labels()
    committee_of = committee_names(book, root_id)
    stats, group = _stats_sheet(book, root_id, total)
    sheets = [
        stats,
        _category_sheet(book, root_id, total, cats),
        _evaluation_sheet(year, org, total),
        _overdue_sheet(year, book, root, committee_of),
        *campaign_sheets(year, root_id, group, committee_of, today),
        *appraisal_sheets(year, root_id, group, "committee"),
    ]
    if listing:
        sheets.append(listing_sheet(year, root, committee_of, cats, book.today))
    return ReportData(info, year, root.name, unit, today, fit_to_worksheets(sheets), total)


def _stats_sheet(book: FigureBook, root_id: int, total: Figures) -> tuple[Sheet, str]:
    """承诺情况统计表: one row per child of the root (党委/乡镇, or counties in a prefecture); and the group's name."""
    kids = book.children(root_id)
    group = "县（区）" if any(n.kind == "county" for n, _ in kids) else "党委（乡镇）"
    stats = Sheet(
        "承诺情况统计表",
        "承诺情况统计表",
        [group, "承诺党组织数", "承诺党员数", "承诺数", "已兑现", "已结转", "兑现率", "逾期", "满意率", "待整改"],
        ["text", "int", "int", "int", "int", "int", "pct", "int", "pct", "int"],
        chart=f"各{group.split('（')[0]}兑现率",
    )

    def stat_row(name: str, fig: Figures) -> list:
        return [
            name, fig.orgs_pledged, fig.people_pledged, fig.pledges, fig.fulfilled, fig.carried,
            rate(fig.fulfilment_rate), fig.overdue, rate(fig.satisfaction_rate), fig.rectification_open,
        ]

    stats.rows = [stat_row(node.name, fig) for node, fig in kids]
    stats.total = stat_row("合计", total)
    return stats, group


def _category_sheet(book: FigureBook, root_id: int, total: Figures, cats: dict[str, str]) -> Sheet:
    """分类统计: one row per pledge category."""
    by_cat = Sheet(
        "分类统计",
        "承诺分类统计表",
        ["承诺类别", "承诺数", "已兑现", "部分兑现", "未兑现", "践诺中", "已结转", "兑现率", "逾期"],
        ["text", "int", "int", "int", "int", "int", "int", "pct", "int"],
    )

    def cat_row(name: str, fig: Figures) -> list:
        return [name, fig.pledges, fig.fulfilled, fig.by_status.get("partly", 0), fig.by_status.get("unfulfilled", 0),
                fig.by_status.get("in_progress", 0), fig.carried, rate(fig.fulfilment_rate), fig.overdue]

    by_cat.rows = [cat_row(cats.get(cat, cat), fig) for cat, fig in book.by_category(root_id)]
    by_cat.total = cat_row("合计", total)
    return by_cat


def _evaluation_sheet(year: int, org: Org | None, total: Figures) -> Sheet:
    """评议结果汇总: one row per kind of evaluation, with its grades."""
    grade_codes = list(vocab.ALL_GRADES)
    evals = Sheet(
        "评议结果汇总",
        "评议结果汇总表",
        ["评议方式", "评议次数", "发放票", "有效票", "满意票", "基本满意票", "不满意票", "满意率", "待整改"]
        + [vocab.ALL_GRADES[g] for g in grade_codes],
        ["text"] + ["int"] * 6 + ["pct", "int"] + ["int"] * len(grade_codes),
        note="满意率按 " + vocab.SATISFACTION_FORMULAS.get(total.formula, total.formula) + " 计算",
    )
    for item in evaluation_summary(year, None if org is None else org.id):
        f = item.figures
        evals.rows.append(
            [vocab.label(vocab.EVAL_KINDS, item.kind), f.evaluations, f.ballots_issued, f.ballots_valid,
             f.votes_satisfied, f.votes_basic, f.votes_unsatisfied, rate(f.satisfaction_rate), f.rectification_open]
            + [item.grades.get(g, 0) for g in grade_codes]
        )
    return evals


def _overdue_sheet(year: int, book: FigureBook, root: OrgNode, committee_of: dict[int, str]) -> Sheet:
    """逾期及待整改: the overdue pledges (as FigureBook counts them), then the open rectifications."""
    path_filter, path_params = " AND substr(o.path, 1, ?) = ?", [len(root.path), root.path]
    overdue = Sheet(
        "逾期及待整改",
        "逾期承诺及待整改事项清单",
        ["类型", "所属党委", "党组织", "承诺人", "承诺内容", "完成时限/整改时限", "状态/评议"],
        ["text", "text", "text", "text", "wrap", "date", "text"],
    )
    late_sql, late_params = overdue_sql(year, book.today)
    for org_id, oname, person, content, due, status in database.execute_sql(
        "SELECT p.org_id, o.name, pe.name, p.content, p.due_date, p.status FROM pledge p "
        "JOIN org o ON o.id = p.org_id LEFT JOIN person pe ON pe.id = p.person_id "
        f"WHERE p.year = ? AND p.deleted_at IS NULL AND o.deleted_at IS NULL "
        f"AND {late_sql}{path_filter} ORDER BY p.due_date, p.id",
        [year, *late_params, *path_params],  # 逾期 as FigureBook counts it (a closed year: at closing)
    ):
        overdue.rows.append(["逾期", committee_of.get(org_id, ""), oname, person or "", content, due,
                             vocab.label(vocab.PLEDGE_STATUSES, status)])
    for org_id, oname, person, content, due, kind, grade in database.execute_sql(
        "SELECT p.org_id, o.name, pe.name, p.content, e.rect_due, e.kind, e.grade FROM evaluation e "
        "JOIN pledge p ON p.id = e.pledge_id JOIN org o ON o.id = p.org_id LEFT JOIN person pe ON pe.id = p.person_id "
        "WHERE p.year = ? AND p.deleted_at IS NULL AND e.deleted_at IS NULL AND o.deleted_at IS NULL "
        f"AND e.rect_due IS NOT NULL AND e.rect_done IS NULL{path_filter} ORDER BY e.rect_due, e.id",
        [year, *path_params],
    ):
        overdue.rows.append(["待整改", committee_of.get(org_id, ""), oname, person or "", content, due,
                             vocab.label(vocab.EVAL_KINDS, kind) + ("：" + vocab.label(vocab.ALL_GRADES, grade) if grade else "")])
    return overdue


def category_labels() -> dict[str, str]:
    labels = dict(vocab.DEFAULT_CATEGORIES)
    labels.update(dict(database.execute_sql("SELECT code, label FROM category").fetchall()))
    return labels


def committee_names(book: FigureBook, root_id: int) -> dict[int, str]:
    """org id → the name of the root's child it lies under (its 党委, or its county)."""
    names: dict[int, str] = {}
    root = book.orgs[root_id]
    by_id = book.orgs
    depth = root.path.count("/") - 1  # path "/1/5/" has depth 2 segments
    for oid, node in by_id.items():
        if not node.path.startswith(root.path):
            continue
        parts = node.path.strip("/").split("/")
        if len(parts) > depth:
            top = by_id.get(int(parts[depth]))
            names[oid] = top.name if top else ""
        else:
            names[oid] = ""
    return names


def listing_sheet(year: int, root: OrgNode, committee_of: dict[int, str], cats: dict[str, str], today: date) -> Sheet:
    sheet = Sheet(
        "承诺台账",
        "承诺台账",
        ["序号", "所属党委", "党组织", "承诺人", "承诺范围", "承诺类别", "承诺内容", "主要措施", "完成时限",
         "状态", "兑现日期", "公示日期", "是否逾期"],
        ["int", "text", "text", "text", "text", "text", "wrap", "wrap", "date", "text", "date", "date", "text"],
    )
    scopes, statuses = vocab.SCOPES, vocab.PLEDGE_STATUSES
    is_late = overdue_check(year, today)
    rows = database.execute_sql(
        "SELECT p.id, p.org_id, o.name, pe.name, p.scope, p.category, p.content, p.measures, p.due_date, p.status, "
        "p.fulfilled_on, p.published_on FROM pledge p JOIN org o ON o.id = p.org_id "
        "LEFT JOIN person pe ON pe.id = p.person_id "
        "WHERE p.year = ? AND p.deleted_at IS NULL AND o.deleted_at IS NULL AND substr(o.path, 1, ?) = ? "
        "ORDER BY o.path, p.id",
        [year, len(root.path), root.path],
    ).fetchall()
    out = sheet.rows
    for n, (pid, org_id, oname, person, scope, cat, content, measures, due, status, done, published) in enumerate(rows, 1):
        late = "是" if is_late(pid, status, due) else ""
        out.append([
            n, committee_of.get(org_id, ""), oname, person or "", scopes.get(scope, scope), cats.get(cat, cat),
            content, measures, due, statuses.get(status, status), done, published, late,
        ])
    return sheet
