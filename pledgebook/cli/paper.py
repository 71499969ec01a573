"""``pledgebook print notice|ballots``: the 公示 notices, the 评议 ballots and the tally sheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from pledgebook.cli.common import (
    DbOption,
    JsonOption,
    check_output_file,
    check_year,
    console,
    emit_json,
    handle_errors,
    interactive,
    open_db,
)
from pledgebook.models.core.errors import PledgebookError

print_app = typer.Typer(help="打印纸质材料：承诺公示、评议票和计票表。", no_args_is_help=True, rich_markup_mode=None)

OrgOption = Annotated[str | None, typer.Option("--org", help="党组织代码（或全称）：只打印该组织及其下级；默认全县")]
YearOption = Annotated[int | None, typer.Option("--year", help="承诺所属年度（默认：当前开放年度）", callback=check_year)]
OutOption = Annotated[Path, typer.Option("-o", "--out", help="要写入的 Excel 文件（.xlsx）", show_default=False, callback=check_output_file)]


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _progress(as_json: bool):
    """A Rich progress bar on a terminal, else nothing; returns (context manager, callback)."""
    from contextlib import nullcontext

    if as_json or not console.is_terminal:
        return nullcontext(), None
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), console=console,
                   transient=True)
    task = bar.add_task("准备", total=1.0)

    def report(stage: str, done: int, total: int) -> None:
        bar.update(task, description=stage, completed=done / total if total else 1.0)

    return bar, report


@print_app.command("notice")
@handle_errors
def notice(
    out: OutOption,
    org: OrgOption = None,
    year: YearOption = None,
    published_on: Annotated[
        str | None, typer.Option("--published-on", help="公示日期（张贴日期，如 2024-03-01）；在终端中不填会询问")
    ] = None,
    overwrite_published: Annotated[
        bool, typer.Option("--overwrite-published", help="已有公示日期的承诺也改为新日期（默认保留原日期，只设置没有日期的）")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """打印承诺公示：每个党组织一张（本组织和党员的承诺、公示期、监督电话），A4 纵向；并为还没有公示日期的承诺设置所填日期（记入修改日志；已有的保留，除非 --overwrite-published）。"""
    from pledgebook.exporters import paper
    from pledgebook.models.store.db import county

    open_db(db, write=True)  # the notice sets the pledges' 公示日期
    county()
    paper.find_org(org)  # a wrong --org is said before any question
    ask = interactive() and not as_json
    if published_on is None:
        if not interactive():
            raise PledgebookError("请用 --published-on 指定公示日期（张贴公示的日期），例如 --published-on 2024-03-01。"
                                  "打印公示会为还没有公示日期的承诺设置该日期。")
        published_on = str(typer.prompt("公示日期（张贴日期，如 2024-03-01）", default=date.today().isoformat()))
    if ask:
        plan = paper.notice_plan(org=org, year=year)
        console.print(plan.text(overwrite_published))
        if plan.dated and not overwrite_published:
            console.print("（要把已有的公示日期也改为新日期，请加 --overwrite-published）")
        if not typer.confirm("开始打印吗？", default=True):
            console.print("已取消，未写入文件，公示日期未改动。")
            raise typer.Exit(0)
    bar, report = _progress(as_json)
    with bar:
        result = paper.print_notice(out, org=org, year=year, published_on=published_on,
                                    overwrite=overwrite_published, progress=report)
    if as_json:
        emit_json({"ok": True, "file": str(result.path), "organizations": result.units, "pledges": result.pledges,
                   "bytes": result.size, "published_on": result.published_on, "published_changed": result.published,
                   "published_kept": result.kept, "seconds": round(result.seconds, 2)})
        return
    console.print(f"已写入「{result.path}」：{result.units} 个党组织的公示，共 {result.pledges} 项承诺，"
                  f"{_size(result.size)}，用时 {result.seconds:.1f} 秒。")
    console.print(result.published_text())


@print_app.command("ballots")
@handle_errors
def ballots(
    out: OutOption,
    kind: Annotated[str, typer.Option("--kind", help="评议方式：群众评议 或 党员评议")] = "群众评议",
    org: OrgOption = None,
    year: YearOption = None,
    tally: Annotated[
        Path | None, typer.Option("--tally", help="计票表写入的文件（默认：与选票同名加「_计票表」）", show_default=False, callback=check_output_file)
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """打印评议票（每个党组织一张，每项承诺三个格：满意、基本满意、不满意，不记名）和计票表（填好后用 pledgebook import 导入）。"""
    from pledgebook.exporters import paper
    from pledgebook.models.store.db import county

    open_db(db)
    county()
    bar, report = _progress(as_json)
    with bar:
        result = paper.print_ballots(out, kind=kind, org=org, year=year, tally_path=tally, progress=report)
    if as_json:
        emit_json({"ok": True, "file": str(result.path), "tally": str(result.tally_path),
                   "organizations": result.units, "pledges": result.pledges, "bytes": result.size,
                   "tally_bytes": result.tally_size, "seconds": round(result.seconds, 2)})
        return
    console.print(f"已写入评议票「{result.path}」：{result.units} 个党组织，共 {result.pledges} 项承诺，"
                  f"{_size(result.size)}。")
    console.print(f"已写入计票表「{result.tally_path}」（{_size(result.tally_size)}），用时 {result.seconds:.1f} 秒。"
                  "计票后用 pledgebook import 导入；未计票的行留空即可。")
