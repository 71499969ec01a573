"""The report workbook a county office hands in (XlsxWriter), and the same tables as CSV.

Sheets: 承诺情况统计表 (one row per 党委/乡镇 — or per county in a prefecture
file — with a native chart of 兑现率), 分类统计, 评议结果汇总, 逾期及待整改,
四帮四促工作情况统计表 and 未覆盖村 (the second ledger, grouped like the first
sheet), 承诺台账 (the full listing). Every figure comes from
:mod:`pledgebook.models.ledger.figures` and :mod:`pledgebook.models.campaign.figures` —
the same numbers ``pledgebook stats`` and the TUI show.

XlsxWriter runs in ``constant_memory`` mode (rows go straight to disk, in
order), so a 20,000-row listing stays fast and small in memory. Text is
always written as text (see :mod:`pledgebook.exporters.safety`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pledgebook.exporters.safety import DANGEROUS_START, XLSX_OPTIONS, display_width, write_csv
from pledgebook.models.campaign.figures import HelpBook
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger.figures import (
    FigureBook,
    Figures,
    evaluation_summary,
    overdue_check,
    overdue_sql,
    percent,
)
from pledgebook.models.store.db import county as county_info
from pledgebook.models.store.db import get_setting
from pledgebook.models.store.tables import Org, database

Progress = Callable[[str, float], None]

UNITS = "单位：个、名、条、%"
MAX_COL_WIDTH = 60
LISTING_SAMPLE = 400  # rows looked at to size the listing's columns


@dataclass
class Sheet:
    """One table: a sheet in the workbook, one file in the CSV variant."""

    name: str
    title: str
    headers: list[str]  # a "\n" breaks a header in two lines in the workbook (joined in CSV)
    kinds: list[str]  # text | wrap | int | money | pct | date
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    chart: str | None = None  # title of a column chart of the first pct column by the first column
    note: str = ""
    units: str = UNITS
    empty: str = "（无）"  # written under the headers when there are no rows


@dataclass
class ReportData:
    county: dict[str, str]
    year: int
    org_name: str
    unit: str
    made_on: date
    sheets: list[Sheet]
    total: Figures


@dataclass
class ReportResult:
    paths: list[Path]
    year: int
    org_name: str
    rows: dict[str, int]
    totals: dict
    seconds: float

    def as_dict(self) -> dict:
        return {
            "paths": [str(p) for p in self.paths],
            "year": self.year,
            "org": self.org_name,
            "rows": self.rows,
            "totals": self.totals,
            "seconds": round(self.seconds, 2),
        }


def _rate(value: float | None) -> float | str:
    return "—" if value is None else value


def _report_year(year: int | None) -> int:
    from pledgebook.models.ledger import rules

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
    sheets: list[Sheet] = []

    # ---- 承诺情况统计表: one row per child of the root (党委/乡镇, or counties in a prefecture)
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
            _rate(fig.fulfilment_rate), fig.overdue, _rate(fig.satisfaction_rate), fig.rectification_open,
        ]

    stats.rows = [stat_row(node.name, fig) for node, fig in kids]
    stats.total = stat_row("合计", total)
    sheets.append(stats)

    # ---- 分类统计
    cats = _category_labels()
    by_cat = Sheet(
        "分类统计",
        "承诺分类统计表",
        ["承诺类别", "承诺数", "已兑现", "部分兑现", "未兑现", "践诺中", "已结转", "兑现率", "逾期"],
        ["text", "int", "int", "int", "int", "int", "int", "pct", "int"],
    )

    def cat_row(name: str, fig: Figures) -> list:
        return [name, fig.pledges, fig.fulfilled, fig.by_status.get("partly", 0), fig.by_status.get("unfulfilled", 0),
                fig.by_status.get("in_progress", 0), fig.carried, _rate(fig.fulfilment_rate), fig.overdue]

    by_cat.rows = [cat_row(cats.get(cat, cat), fig) for cat, fig in book.by_category(root_id)]
    by_cat.total = cat_row("合计", total)
    sheets.append(by_cat)

    # ---- 评议结果汇总
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
             f.votes_satisfied, f.votes_basic, f.votes_unsatisfied, _rate(f.satisfaction_rate), f.rectification_open]
            + [item.grades.get(g, 0) for g in grade_codes]
        )
    sheets.append(evals)

    # ---- 逾期及待整改
    path_filter, path_params = " AND substr(o.path, 1, ?) = ?", [len(root.path), root.path]
    committee_of = _committee_names(book, root_id)
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
    sheets.append(overdue)

    # ---- 四帮四促工作情况统计表, 未覆盖村
    sheets.extend(_help_sheets(year, root_id, group, committee_of, today))

    # ---- 承诺台账
    if listing:
        sheets.append(_listing(year, root, committee_of, cats, book.today))
    return ReportData(info, year, root.name, unit, today, sheets, total)


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _help_sheets(year: int, root_id: int, group: str, committee_of: dict[int, str], today: date) -> list[Sheet]:
    """The second ledger: 四帮四促工作情况统计表 (rows as on 承诺情况统计表) and the 未覆盖村 list.

    Every figure is :class:`HelpBook`'s (what ``pledgebook stats`` prints): running contact points,
    pairings and stationed cadres on ``as_of``; the year's help logs summed by kind of work and measure.
    """
    book = HelpBook(year, today=today)
    total = book.subtree(root_id)
    as_of = _cn_date(book.as_of)
    work = [(kind, m) for kind in vocab.WORK_KINDS for m in vocab.WORK_MEASURES[kind]]
    figures = Sheet(
        "四帮四促工作情况统计表",
        "四帮四促工作情况统计表",
        [group, "联系点\n（个）", "结对帮扶\n（对）", "驻村干部\n（名）", "帮扶记录\n（条）"]
        + [f"{vocab.WORK_KINDS[kind]}\n（{vocab.MEASURES[m]}）" for kind, m in work]
        + ["村\n（个）", "已覆盖村\n（个）", "未覆盖村\n（个）", "覆盖率"],
        ["text"] + ["int"] * 4 + ["money" if m == "funds" else "int" for _kind, m in work] + ["int"] * 3 + ["pct"],
        units="单位：见表头",
        note=f"联系点、结对帮扶、驻村干部为截至{as_of}的现有数，帮扶工作量为本年度帮扶记录合计",
    )
    by_kind = "、".join(
        f"{label} {total.contact_points_by_kind[kind]}"
        for kind, label in vocab.CONTACT_KINDS.items() if total.contact_points_by_kind.get(kind)
    )
    if by_kind:
        figures.note += f"；联系点按类型：{by_kind}"

    def help_row(name: str, fig) -> list:
        d = fig.as_dict()  # 万元 to 2 places, the other measures whole
        uncovered = d["villages"] - d["villages_covered"]
        return [name, d["contact_points"], d["pairings"], d["stationed_cadres"], d["logs"],
                *(d["work"][kind][m] for kind, m in work),
                d["villages"], d["villages_covered"], uncovered, _rate(fig.coverage_rate)]

    figures.rows = [help_row(node.name, fig) for node, fig in book.children(root_id)]
    figures.total = help_row("合计", total)

    villages = book.uncovered_villages(root_id)
    missing = Sheet(
        "未覆盖村",
        f"未覆盖村名单（{len(villages)}个）",
        ["序号", group, "乡镇", "村（党组织）", "组织代码"],
        ["int", "text", "text", "text", "text"],
        units="单位：个",
        note=f"截至{as_of}既无驻村干部、也无联系点的村（农村党支部、党总支）",
        empty="全部村已覆盖" if total.villages else "台账中没有村级党组织（农村党支部、党总支）",
    )
    missing.rows = [
        [n, committee_of.get(v.id, v.committee), v.township or "", v.name, v.code or ""]
        for n, v in enumerate(villages, 1)
    ]
    return [figures, missing]


def _category_labels() -> dict[str, str]:
    labels = dict(vocab.DEFAULT_CATEGORIES)
    labels.update(dict(database.execute_sql("SELECT code, label FROM category").fetchall()))
    return labels


def _committee_names(book: FigureBook, root_id: int) -> dict[int, str]:
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


def _listing(year: int, root, committee_of: dict[int, str], cats: dict[str, str], today: date) -> Sheet:
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


# ------------------------------------------------------------------ xlsx


def _widths(sheet: Sheet) -> list[float]:
    widths = [max(display_width(line) for line in h.split("\n")) + 2 for h in sheet.headers]
    sample = sheet.rows[:LISTING_SAMPLE]
    if sheet.total:
        sample = [*sample, sheet.total]
    for row in sample:
        for i, v in enumerate(row):
            if v is None:
                continue
            kind = sheet.kinds[i]
            w = 10 if kind in ("date", "pct") else display_width(str(v)) + 2
            if w > widths[i]:
                widths[i] = w
    return [min(w, 40 if sheet.kinds[i] == "wrap" else MAX_COL_WIDTH) for i, w in enumerate(widths)]


def write_xlsx(data: ReportData, path: Path, progress: Progress | None = None) -> dict[str, int]:
    """Write the workbook (to ``path``); returns data rows per sheet."""
    import xlsxwriter

    from pledgebook.exporters import fastrows

    report = progress or (lambda stage, frac: None)
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, **XLSX_OPTIONS})
    wb.set_properties({"title": f"{data.county['name']}{data.year}年度承诺情况", "author": data.unit, "company": data.unit})
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    f_title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
    f_sub = wb.add_format({**base})
    f_head = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7"})
    f_text = wb.add_format({**base, "border": 1})
    f_quoted = wb.add_format({**base, "border": 1, "quote_prefix": True})
    f_wrap = wb.add_format({**base, "border": 1, "text_wrap": True})
    f_wrap_quoted = wb.add_format({**base, "border": 1, "text_wrap": True, "quote_prefix": True})
    f_int = wb.add_format({**base, "border": 1, "num_format": "0"})
    f_pct = wb.add_format({**base, "border": 1, "num_format": "0.0%"})
    f_money = wb.add_format({**base, "border": 1, "num_format": "0.00"})
    f_date = wb.add_format({**base, "border": 1, "align": "center"})
    f_total_text = wb.add_format({**base, "border": 1, "bold": True})
    f_total_int = wb.add_format({**base, "border": 1, "bold": True, "num_format": "0"})
    f_total_pct = wb.add_format({**base, "border": 1, "bold": True, "num_format": "0.0%"})
    f_total_money = wb.add_format({**base, "border": 1, "bold": True, "num_format": "0.00"})
    num_fmt = {"int": f_int, "pct": f_pct, "money": f_money}
    total_fmt = {"int": f_total_int, "pct": f_total_pct, "money": f_total_money}
    made = _cn_date(data.made_on)
    counts: dict[str, int] = {}
    n_sheets = len(data.sheets)
    for s_index, sheet in enumerate(data.sheets):
        report(sheet.name, s_index / n_sheets)
        ws = wb.add_worksheet(sheet.name)
        ncols = len(sheet.headers)
        for i, w in enumerate(_widths(sheet)):
            ws.set_column(i, i, w)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.repeat_rows(2)
        ws.fit_to_pages(1, 0)
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.freeze_panes(3, 0)
        ws.set_row(0, 28)
        ws.merge_range(0, 0, 0, max(ncols - 1, 1), _title(data, sheet), f_title)
        sub = f"填报单位：{data.unit}　　填报日期：{made}　　{sheet.units}"
        if sheet.note:
            sub += "　　" + sheet.note
        ws.merge_range(1, 0, 1, max(ncols - 1, 1), sub, f_sub)
        lines = max(h.count("\n") for h in sheet.headers) + 1
        if lines > 1:
            ws.set_row(2, 13.5 * lines + 1.5)
        for c, h in enumerate(sheet.headers):
            ws.write_string(2, c, h, f_head)
        kinds = sheet.kinds
        every = max(1, len(sheet.rows) // 20)
        # formats per column, chosen once (not per cell)
        plain = [f_wrap if k == "wrap" else f_date if k == "date" else f_text for k in kinds]
        quoted = [f_wrap_quoted if k == "wrap" else f_quoted for k in kinds]
        numeric = [num_fmt.get(k, f_int) for k in kinds]
        r = 3
        for start in range(0, len(sheet.rows), every):
            # text starting with = + - @ tab CR gets the quote-prefixed format (see safety.is_dangerous)
            r = fastrows.write_rows(ws, r, sheet.rows[start:start + every], plain, numeric, quoted, DANGEROUS_START)
            report(sheet.name, (s_index + start / max(1, len(sheet.rows))) / n_sheets)
        if sheet.total:
            for c, v in enumerate(sheet.total):
                if isinstance(v, str):
                    ws.write_string(r, c, v, f_total_text)
                else:
                    ws.write_number(r, c, v, total_fmt.get(kinds[c], f_total_int))
            r += 1
        if not sheet.rows:
            ws.write_string(r, 0, sheet.empty, f_text)
        counts[sheet.name] = len(sheet.rows)
        if sheet.chart and sheet.rows:
            pct_col = kinds.index("pct")
            chart = wb.add_chart({"type": "column"})
            chart.add_series({
                "name": "兑现率",
                "categories": [sheet.name, 3, 0, 2 + len(sheet.rows), 0],
                "values": [sheet.name, 3, pct_col, 2 + len(sheet.rows), pct_col],
                "data_labels": {"value": True, "num_format": "0%"},
            })
            chart.set_title({"name": sheet.chart, "name_font": {"name": "宋体", "size": 12}})
            chart.set_legend({"none": True})
            chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
            chart.set_x_axis({"num_font": {"name": "宋体", "size": 9, "rotation": -45}})
            chart.set_size({"width": 960, "height": 400})
            ws.insert_chart(r + 1, 0, chart)
    report("保存", 0.99)
    try:
        wb.close()
    except OSError as exc:
        raise PledgebookError(f"无法写入报表文件 {path}：{exc.strerror or exc}。请检查文件是否正被 Excel/WPS 打开，或换一个位置。") from exc
    report("完成", 1.0)
    return counts


def _title(data: ReportData, sheet: Sheet) -> str:
    org = "" if data.org_name == data.county["name"] else data.org_name
    return f"{data.county['name']}{org}{data.year}年度{sheet.title}"


def _csv_number(value, kind: str):
    """A cell as the workbook shows it: 67.8% for a rate, 2.50 for 万元."""
    if isinstance(value, str) or value is None:
        return value
    return percent(value) if kind == "pct" else f"{value:.2f}" if kind == "money" else value


def write_csv_files(data: ReportData, path: Path) -> tuple[list[Path], dict[str, int]]:
    """The same tables as UTF-8-with-BOM CSV files: ``<stem>_<sheet>.csv`` beside ``path``."""
    path = Path(path)
    stem = path.stem if path.suffix.lower() == ".csv" else path.name
    paths, counts = [], {}
    for sheet in data.sheets:
        target = path.parent / f"{stem}_{sheet.name}.csv"
        rows: list[Sequence] = [
            [_title(data, sheet)],
            [f"填报单位：{data.unit}", f"填报日期：{data.made_on.isoformat()}", sheet.units, *([sheet.note] if sheet.note else [])],
            [h.replace("\n", "") for h in sheet.headers],
        ]
        for row in [*sheet.rows, *([sheet.total] if sheet.total else [])]:
            rows.append([_csv_number(v, k) for v, k in zip(row, sheet.kinds)])
        if not sheet.rows:
            rows.append([sheet.empty])
        write_csv(target, rows)
        paths.append(target)
        counts[sheet.name] = len(sheet.rows)
    return paths, counts


def _check_target(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        raise PledgebookError(f"文件夹 {parent} 不存在。请先建立该文件夹，或换一个保存位置。")
    if not os.access(parent, os.W_OK):
        raise PledgebookError(f"文件夹 {parent} 不能写入（只读）。请换一个保存位置。")


def export_report(
    path: str | os.PathLike[str],
    *,
    year: int | None = None,
    org_code: str | None = None,
    fmt: str = "xlsx",
    today: date | None = None,
    progress: Progress | None = None,
) -> ReportResult:
    """Write the report workbook (or CSV files) for one year; the core of ``pledgebook export report``."""
    started = time.perf_counter()
    report = progress or (lambda stage, frac: None)
    path = Path(path)
    if fmt not in ("xlsx", "csv"):
        raise PledgebookError("--format 只能是 xlsx 或 csv")
    _check_target(path)
    report("统计", 0.0)
    data = build_report(year, org_code, today=today)
    if fmt == "csv":
        paths, counts = write_csv_files(data, path)
    else:
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        tmp = path.with_name(path.stem + ".part.xlsx")
        try:
            counts = write_xlsx(data, tmp, lambda stage, frac: report(stage, 0.1 + 0.9 * frac))
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        paths = [path]
    return ReportResult(paths, data.year, data.org_name, counts, data.total.as_dict(), time.perf_counter() - started)
