"""Planning one table: every row through its sheet kind, refused rows kept with their reasons and places."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pledgebook.importers.context import Context
from pledgebook.importers.headers import FoundTable, columns_of
from pledgebook.importers.plan import Outcome, Planned, Row, RowErrors
from pledgebook.importers.result import ImportResult, RejectedRow, RowProblem, show_value
from pledgebook.importers.sheet import CellIssue, CellValue, column_letter
from pledgebook.importers.table import Table

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is a Chinese word for the step ('读取', '检查', '写入')."""

CONTROL_CHARS = "含有不可见的控制字符，请删除后重新填写（可在 Excel 中用 CLEAN 函数清除）"


def plan_table(result: ImportResult, ctx: Context, found: FoundTable, planned: list[Planned], report: Progress,
               done: int, total: int) -> int:
    """Plan the rows of one table into ``planned``; refused rows go to ``result``. Returns rows done so far."""
    table, kind, issues = found.table, found.kind, found.issues
    columns = columns_of(table, kind)
    ctx.begin_table(table.date1904)
    kind.begin(ctx, columns)
    used = kind.used(columns)
    sheet_report = next(s for s in result.sheets if s.name == table.sheet)
    sheet_report.ignored_columns = [table.header[j] for name, j in columns.items() if name not in used and name != "序号"]
    # a row is made when it is planned (20,000 rows are never all held), unless the kind plans the sheet
    # as a whole (a parent may stand anywhere in an org list): then in the order it gives
    rows: Iterable[Row] = (Row(n, v, columns) for n, v in table.data)
    outcomes: dict[int, Outcome] = {}
    if kind.whole_sheet:
        made = list(rows)
        ordered = kind.plan_sheet(ctx, [row for row in made if not issues.get(row.number)])
        outcomes = {row.number: outcome for row, outcome in ordered}
        rows = [row for row, _ in ordered] + [row for row in made if issues.get(row.number)]
    first_problem, first_rejected = len(result.problems), len(result.rejected_rows)
    for row in rows:
        done += 1
        if done % 500 == 0:
            report("检查", done, total)
        cell_issues = issues.get(row.number, ())
        if cell_issues:
            problems = [_problem_at(result, table, row.number, i.col, row.values, _issue_message(i))
                        for i in cell_issues]
        else:
            outcome = outcomes[row.number] if kind.whole_sheet else _plan_row(ctx, found, row)
            if not isinstance(outcome, RowErrors):
                planned.extend(outcome)
                for p in outcome:
                    for col, message in p.warnings:
                        result.warnings.append(_problem(result, table, row, col, message))
                continue
            problems = [_problem(result, table, row, col, message) for col, message in outcome.errors]
        result.problems.extend(problems)
        result.rejected_rows.append(RejectedRow(table.sheet, row.number, table.header, list(row.values),
                                                [_reason(p) for p in problems]))
    if kind.whole_sheet:  # reported in the order of the file
        result.problems[first_problem:] = sorted(result.problems[first_problem:], key=lambda p: p.row or 0)
        result.rejected_rows[first_rejected:] = sorted(result.rejected_rows[first_rejected:], key=lambda r: r.row)
    return done


def _plan_row(ctx: Context, found: FoundTable, row: Row) -> Outcome:
    try:
        return found.kind.plan(ctx, row)
    except RowErrors as exc:
        return exc


def _issue_message(issue: CellIssue) -> str:
    return issue.message if issue.kind == "too_long" else CONTROL_CHARS


def _reason(problem: RowProblem) -> str:
    where = f"{problem.column}列（{problem.header}）：" if problem.column else ""
    return where + problem.message


def _problem(result: ImportResult, table: Table, row: Row, col: str | None, message: str) -> RowProblem:
    j = row.columns.get(col) if col else None
    if j is None:
        return RowProblem(result.file, table.sheet, row.number, "", col or "", "", message)
    return _problem_at(result, table, row.number, j, row.values, message)


def _problem_at(result: ImportResult, table: Table, number: int, j: int, values: list[CellValue],
                message: str) -> RowProblem:
    header = table.header[j] if j < len(table.header) else ""
    value = show_value(values[j]) if j < len(values) else ""
    return RowProblem(result.file, table.sheet, number, column_letter(j), header, value, message)
