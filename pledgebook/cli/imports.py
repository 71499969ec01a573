"""Spreadsheets in: ``pledgebook import`` and the blank ``pledgebook template``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pledgebook.cli.common import (
    DbOption,
    JsonOption,
    check_output_file,
    check_path,
    check_paths,
    check_year,
    console,
    emit_json,
    err_console,
    handle_errors,
    open_db,
)
from pledgebook.models.core.errors import PledgebookError

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.progress import Progress, TaskID

    from pledgebook.importers.apply import ImportResult

SHOW_PROBLEMS = 30  # per file on screen; --json and --errors-out carry them all


def _collect(files: list[Path]) -> list[Path]:
    from pledgebook.importers.inbox import inbox_files

    found: list[Path] = []
    for item in files:
        if item.is_dir():
            found.extend(inbox_files(item))
        else:
            found.append(item)
    return found


@handle_errors
def import_(
    files: Annotated[list[Path] | None, typer.Argument(help="要导入的文件或文件夹（可多个）", show_default=False, callback=check_paths)] = None,
    kind: Annotated[str, typer.Option("--kind", help="表格类型：auto（按列名判断，默认）、orgs、people、pledges、progress、evaluations、contacts（联系点）、stationing（驻村干部）、helplogs（帮扶月报）、appraisals（民主评议）、honours（评选表彰推荐）")] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="试导入：只检查并报告将新增、更新、未变和出错的行，不写入")] = False,
    on_error: Annotated[str, typer.Option("--on-error", help="skip：写入正确的行、报告错误行（默认）；abort：有任何错误行就整个文件都不写入")] = "skip",
    errors_out: Annotated[Path | None, typer.Option("--errors-out", help="把出错的行（原样加「错误原因」列）写入这个 .xlsx，改好后可再导入", callback=check_output_file)] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="本县自己的列名映射文件（CSV 或 JSON：本县列名,标准列名）", callback=check_path)] = None,
    year: Annotated[int | None, typer.Option("--year", help="承诺台账所属年度（默认：当前开放年度）", callback=check_year)] = None,
    inbox: Annotated[Path | None, typer.Option("--inbox", help="收件文件夹：导入其中所有新文件，并移入「已导入」或「有错误」子文件夹", callback=check_path)] = None,
    allow_unsigned: Annotated[bool, typer.Option("--allow-unsigned", help="数据包：导入未签名、或签名公钥尚未信任（keys trust）的数据包；会记入审计日志并在结果中注明")] = False,
    evaluation_date: Annotated[str | None, typer.Option("--date", help="评诺结果（计票表）中未填评议日期的行用这个日期，如 2024-11-20；在终端中不填会询问")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """导入乡镇报表（xlsx、xls、ods、csv，以及党建系统导出的网页表格和 XML 表格）：党组织名单、党员名册、承诺台账、践诺记录、评诺结果。退出码：0 全部成功，1 有错误行，2 文件无法使用。"""
    from pledgebook.importers.columns import load_aliases
    from pledgebook.importers.dispatch import ImportRun

    if not files and inbox is None:
        raise PledgebookError("请指定要导入的文件或文件夹，例如：pledgebook import 联珠镇承诺台账.xlsx；或用 --inbox 文件夹")
    _room_for_import(open_db(db, write=not dry_run), [*(files or []), *([inbox] if inbox else [])])
    aliases = load_aliases(mapping) if mapping else None
    show_bar = console.is_terminal and not as_json
    live: dict[str, Any] = {}  # the progress bar on screen, paused while a question is asked
    options = {"kind": kind, "dry_run": dry_run, "on_error": on_error, "year": year, "aliases": aliases,
               "evaluation_date": _evaluation_date(evaluation_date, live), "allow_unsigned": allow_unsigned}

    run_backup: list[Path] = []  # the bundles of one run share the backup the first merged one took
    runs: list[ImportRun] = []  # the list being imported

    def run_one(path: Path, progress) -> ImportResult:
        return runs[-1].import_one(path, progress)

    results: list[ImportResult] = []
    moved: dict[str, str] = {}

    def each(paths: list[Path], runner) -> None:
        with ImportRun(paths, backed_up=run_backup, **options) as run:
            runs.append(run)
            each_file(paths, runner)

    def each_file(paths: list[Path], runner) -> None:
        if not show_bar:
            for path in paths:
                results.append(runner(path, None))
                if not as_json:
                    _print(results[-1], moved.get(str(path)))
            return
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), console=console,
                      transient=True) as bar:
            # several files (twelve county bundles): one bar for the run, one for the file (a bundle's tables)
            run_task = bar.add_task(f"共 {len(paths)} 个文件", total=len(paths)) if len(paths) > 1 else None
            task = bar.add_task("导入", total=1.0)
            live["bar"] = bar
            for n, path in enumerate(paths):
                results.append(runner(path, _file_bars(bar, task, run_task, path.name, n, len(paths))))
                bar.console.print(_line(results[-1]))
                for problem in results[-1].problems[:SHOW_PROBLEMS]:
                    bar.console.print("  " + problem.text(), markup=False)
                _print_more(results[-1], bar.console)

    if files:
        each(_collect(list(files)), run_one)
    if inbox is not None:
        from pledgebook.importers.inbox import inbox_files, take

        def inbox_one(path: Path, progress) -> ImportResult:
            result, place = take(path, inbox, lambda p: run_one(p, progress))
            if place != path:
                moved[str(path)] = str(place)
            return result

        each(inbox_files(inbox), inbox_one)
    if not results:
        raise PledgebookError("没有找到可导入的文件（支持 .xlsx、.xls、.csv、.txt）。")
    raise typer.Exit(_finish(results, moved, dry_run, errors_out, as_json))


def _file_bars(bar: Progress, task: TaskID, run_task: TaskID | None, name: str, n: int,
               files: int) -> Callable[[str, int, int], None]:
    """The progress of the ``n``-th of ``files`` files: its own bar (a bundle's stage names the table) and the run's."""

    def progress(stage: str, done: int, total: int) -> None:
        frac = done / total if total else 0
        bar.update(task, description=f"{name} {stage}", completed=frac)
        if run_task is not None:
            bar.update(run_task, description=f"第 {n + 1}/{files} 个文件", completed=n + frac)

    return progress


def _finish(results: list[ImportResult], moved: dict[str, str], dry_run: bool, errors_out: Path | None,
            as_json: bool) -> int:
    """After the last file: the error workbook, the totals (or the JSON); the exit code."""
    written = None
    if errors_out is not None:
        from pledgebook.importers.errorbook import write_error_workbook

        written = write_error_workbook(results, errors_out)
    code = max(r.exit_code for r in results)
    if as_json:
        emit_json({
            "ok": code == 0,
            "exit_code": code,
            "dry_run": dry_run,
            "files": [dict(r.as_dict(), moved_to=moved.get(str(r.path))) for r in results],
            "totals": {k: sum(getattr(r, k) for r in results) for k in ("added", "updated", "unchanged", "rejected")},
            "errors_out": str(written) if written else None,
        })
    else:
        if len(results) > 1:
            totals = {k: sum(getattr(r, k) for r in results) for k in ("added", "updated", "unchanged", "rejected")}
            console.print(f"共 {len(results)} 个文件：新增 {totals['added']}，更新 {totals['updated']}，"
                          f"未变 {totals['unchanged']}，有错误 {totals['rejected']} 行")
        if written:
            console.print(f"出错的行已写入「{written}」，请乡镇改正后交回再导入。", markup=False)
        elif errors_out is not None:
            console.print("没有出错的行，未生成错误清单。")
    return code


# measured: 3000 pledges from a 146 KB .xlsx grow the ledger by 3.7 MB (rows, indexes, search), and
# the write-ahead log holds as much again until it is written back; text files are not compressed
IMPORT_GROWTH = {".xlsx": 50, ".xls": 25}
IMPORT_GROWTH_TEXT = 25


def _room_for_import(db: Path, inputs: list[Path]) -> None:
    """What an import needs on the ledger's disk, for a full disk's message: the automatic backup
    before it (the ledger and its -wal) and the rows themselves (many times the files' size)."""
    from pledgebook.models.core.errors import expect_room

    def size(p: Path) -> int:
        try:
            if p.is_dir():
                return sum(size(f) for f in p.iterdir() if f.is_file())
            return p.stat().st_size * IMPORT_GROWTH.get(p.suffix.lower(), IMPORT_GROWTH_TEXT)
        except OSError:
            return 0

    backup = sum(Path(str(db) + sfx).stat().st_size for sfx in ("", "-wal") if Path(str(db) + sfx).exists())
    expect_room(db.parent, backup + sum(size(p) for p in inputs) + 1024 * 1024, "本次导入（含导入前的自动备份）")


def _evaluation_date(text: str | None, live: dict[str, Any]) -> Any:
    """--date as a date; without it, on a terminal, a question asked when a row needs it; else None."""
    from pledgebook.cli.common import interactive
    from pledgebook.models.core.values import parse_date

    if text is not None:
        try:
            return parse_date(text)
        except ValueError as exc:
            raise PledgebookError(f"--date「{text}」不是有效日期，例如 2024-11-20") from exc
    if not interactive():
        return None

    def ask():
        bar = live.get("bar")
        if bar is not None:
            bar.stop()
        try:
            while True:
                answer = typer.prompt("计票表中有的行没有填写评议日期，请输入评议日期（如 2024-11-20）",
                                      default=date.today().isoformat())
                try:
                    return parse_date(answer)
                except ValueError:
                    console.print("日期格式不对，请重新输入。")
        finally:
            if bar is not None:
                bar.start()

    return ask


def _line(result) -> str:
    color = {0: "green", 1: "yellow", 2: "red"}[result.exit_code]
    text = result.summary().replace("[", r"\[")
    return f"[{color}]{text}[/]"


def _print(result, moved_to: str | None) -> None:
    target = err_console if result.exit_code == 2 else console
    target.print(_line(result))
    for problem in result.problems[:SHOW_PROBLEMS]:
        console.print("  " + problem.text(), markup=False)
    _print_more(result, console)
    if moved_to:
        console.print(f"  已移入：{moved_to}", markup=False)


def _print_more(result, out) -> None:
    from pledgebook.importers.sheets.evaluations import NO_EVALUATION_DATE

    for problem in result.header_problems:
        out.print("  表头：" + problem.text(), markup=False)
    undated = sum(1 for p in result.problems if p.message == NO_EVALUATION_DATE)
    if undated:  # the command line's way to give their date (the TUI asks in a dialog)
        out.print(f"  有 {undated} 行没有评议日期：可在表中填写，或导入时加 --date 2024-11-20 统一指定。", markup=False)
    if result.readings:
        out.print("  完成时限的读法：", markup=False)
        for line in result.reading_lines():
            out.print("    " + line, markup=False)
    if len(result.problems) > SHOW_PROBLEMS:
        out.print(f"  ……另有 {len(result.problems) - SHOW_PROBLEMS} 处错误，请用 --errors-out 错误清单.xlsx 导出全部。")
    for warning in result.warnings[:10]:
        out.print("  提醒：" + warning.text(), markup=False)
    for sheet in result.sheets:
        if sheet.skipped and result.status not in ("unusable",):
            out.print(f"  工作表「{sheet.name}」已跳过：{sheet.skipped}", markup=False)
        if sheet.unknown_columns:
            out.print(f"  工作表「{sheet.name}」中未识别的列（未导入）：{'、'.join(sheet.unknown_columns)}", markup=False)


@handle_errors
def template(
    kind: Annotated[str, typer.Argument(help="模板类型（中文或英文）：orgs（党组织名单）、people（党员名册）、pledges（承诺台账）、progress（践诺记录）、evaluations（评诺结果）、contacts（联系点名单）、stationing（驻村干部名单）、helplogs（帮扶工作月报）、appraisals（民主评议结果）、honours（评选表彰推荐）")],
    output: Annotated[Path, typer.Option("-o", "--output", help="保存为哪个 .xlsx 文件", callback=check_output_file)],
    year: Annotated[int | None, typer.Option("--year", help="写在标题中的年度", callback=check_year)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """生成发给乡镇填写的空白模板（表头、填写说明、下拉列表、日期格式），填好后可直接导入。"""
    from pledgebook.exporters.template import template_kind, write_template

    open_db(db)
    path = write_template(kind, output, year=year)
    if as_json:
        emit_json({"ok": True, "kind": template_kind(kind), "path": str(path)})
    else:
        console.print(f"已生成模板：{path}", markup=False)
