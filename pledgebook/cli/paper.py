"""``pledgebook print …``: the 公示 notices, the 评议 ballots and the tally sheet; and the third ledger's papers
(民主测评票 and 计票表, 结果公示, the star table, 授旗名单 and 公示, the honours' 公示 and 表彰名单) of :mod:`pledgebook.exporters.paper`."""

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

print_app = typer.Typer(help="打印纸质材料：承诺公示、评议票和计票表；民主测评票、计票表和评议结果公示，星级评定表、授旗名单和星级公示，拟表彰对象公示和表彰名单。", no_args_is_help=True, rich_markup_mode=None)

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


# ------------------------------------------------------------------ the third ledger: 民主评议, 星级评定, 评选表彰

PublishedOption = Annotated[
    str | None, typer.Option("--published-on", help="公示日期（张贴日期，如 2026-12-20）；在终端中不填会询问")]
KindOption = Annotated[
    str | None, typer.Option("--kind", help="表彰类别：先进基层党组织、优秀共产党员、优秀党务工作者（默认：每类一张）")]


def _published(value: str | None) -> str:
    """The 公示 date: given, asked on a terminal, or refused without one (exit 2)."""
    if value is not None:
        return value
    if not interactive():
        raise PledgebookError("请用 --published-on 指定公示日期（张贴公示的日期），例如 --published-on 2026-12-20")
    return str(typer.prompt("公示日期（张贴日期，如 2026-12-20）", default=date.today().isoformat()))


def _printed(result, what: str, unit: str, as_json: bool, **extra: object) -> None:
    """Say what a third-ledger print wrote: the file, its sheets, the members (or branches, honours) on them."""
    if as_json:
        emit_json({"ok": True, "file": str(result.path), "sheets": result.units, "members": result.members,
                   "bytes": result.size, "seconds": round(result.seconds, 2), **extra})
        return
    console.print(f"已写入{what}「{result.path}」：{result.units} 张工作表，{result.members} {unit}，"
                  f"{_size(result.size)}，用时 {result.seconds:.1f} 秒。", markup=False)


def _run(as_json: bool, db, job):
    from pledgebook.models.store.db import county

    open_db(db)
    county()
    bar, report = _progress(as_json)
    with bar:
        return job(report)


@print_app.command("appraisal-ballots")
@handle_errors
def appraisal_ballots(
    out: OutOption,
    org: OrgOption = None,
    year: YearOption = None,
    copies: Annotated[int, typer.Option("--copies", help="每个党支部印几份测评票（默认 1 份，自行复印）")] = 1,
    per_member: Annotated[bool, typer.Option("--per-member", help="每个党支部按参评党员人数印份数")] = False,
    tally: Annotated[Path | None, typer.Option(
        "--tally", help="计票表写入的文件（默认：与测评票同名加「_计票表」）", show_default=False, callback=check_output_file)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """打印民主评议党员的民主测评票（每个党支部一张，不记名，四个等次各一栏）和计票表（填好后用 pledgebook import 导入）。

    --json 输出键：「ok、file、tally、sheets、members、copies、bytes、tally_bytes、seconds」。"""
    from pledgebook.exporters import paper

    result = _run(as_json, db, lambda report: paper.print_appraisal_ballots(
        out, org=org, year=year, copies=None if per_member else copies, tally_path=tally, progress=report))
    _printed(result, "民主测评票", "名党员", as_json, tally=str(result.tally_path), copies=result.copies,
             tally_bytes=result.tally_size)
    if not as_json:
        console.print(f"计票表「{result.tally_path}」，共印 {result.copies} 份测评票。计票后用 pledgebook import 导入。",
                      markup=False)


@print_app.command("appraisal-tally")
@handle_errors
def appraisal_tally(out: OutOption, org: OrgOption = None, year: YearOption = None, db: DbOption = None,
                    as_json: JsonOption = False) -> None:
    """只重印民主评议计票表（每个党支部一张，已录入的票数和等次预先填好，供核对改正后再导入）。

    --json 输出键：「ok、file、sheets、members、bytes、seconds」。"""
    import tempfile

    from pledgebook.exporters import paper

    with tempfile.TemporaryDirectory(prefix="pledgebook-ballots-") as scratch:
        ballots = Path(scratch) / "测评票.xlsx"
        result = _run(as_json, db, lambda report: paper.print_appraisal_ballots(
            ballots, org=org, year=year, copies=1, tally_path=out, progress=report))
    if as_json:
        emit_json({"ok": True, "file": str(result.tally_path), "sheets": result.units, "members": result.members,
                   "bytes": result.tally_size, "seconds": round(result.seconds, 2)})
        return
    console.print(f"已写入计票表「{result.tally_path}」：{result.units} 个党支部，{result.members} 名党员，"
                  f"{_size(result.tally_size)}。计票后用 pledgebook import 导入。", markup=False)


@print_app.command("appraisal-notice")
@handle_errors
def appraisal_notice(
    out: OutOption,
    org: OrgOption = None,
    year: YearOption = None,
    published_on: PublishedOption = None,
    by: Annotated[str, typer.Option("--by", help="branch（每个党支部一张，默认）或 township（每个乡镇党委一张）")] = "branch",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """打印民主评议党员结果公示（评定等次和不参评原因，每个党支部或每个乡镇一张）。

    --json 输出键：「ok、file、sheets、members、published_on、bytes、seconds」。"""
    from pledgebook.exporters import paper

    when = _published(published_on)
    result = _run(as_json, db, lambda report: paper.print_appraisal_notice(
        out, org=org, year=year, published_on=when, by=by, progress=report))
    _printed(result, "民主评议结果公示", "名党员", as_json, published_on=result.published_on)


@print_app.command("star-table")
@handle_errors
def star_table(out: OutOption, org: OrgOption = None, year: YearOption = None, db: DbOption = None,
               as_json: JsonOption = False) -> None:
    """打印星级评定表（每个乡镇一张：各党支部五项得分、总分、星级），A4。

    --json 输出键：「ok、file、sheets、members、bytes、seconds」（members 为党支部数）。"""
    from pledgebook.exporters import paper

    result = _run(as_json, db, lambda report: paper.print_star_table(out, org=org, year=year, progress=report))
    _printed(result, "星级评定表", "个党支部", as_json)


@print_app.command("flag-list")
@handle_errors
def flag_list(out: OutOption, org: OrgOption = None, year: YearOption = None, db: DbOption = None,
              as_json: JsonOption = False) -> None:
    """打印星级党支部授旗名单（已确定星级的党支部，星级高的在前，每个乡镇一张）。

    --json 输出键：「ok、file、sheets、members、bytes、seconds」（members 为党支部数）。"""
    from pledgebook.exporters import paper

    result = _run(as_json, db, lambda report: paper.print_flag_list(out, org=org, year=year, progress=report))
    _printed(result, "授旗名单", "个党支部", as_json)


@print_app.command("star-notice")
@handle_errors
def star_notice(out: OutOption, org: OrgOption = None, year: YearOption = None, published_on: PublishedOption = None,
                db: DbOption = None, as_json: JsonOption = False) -> None:
    """打印党支部星级评定结果公示（已确定的星级，每个乡镇一张）。

    --json 输出键：「ok、file、sheets、members、published_on、bytes、seconds」。"""
    from pledgebook.exporters import paper

    when = _published(published_on)
    result = _run(as_json, db, lambda report: paper.print_star_notice(
        out, org=org, year=year, published_on=when, progress=report))
    _printed(result, "星级评定结果公示", "个党支部", as_json, published_on=result.published_on)


@print_app.command("honour-notice")
@handle_errors
def honour_notice(out: OutOption, org: OrgOption = None, year: YearOption = None, kind: KindOption = None,
                  published_on: PublishedOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """打印拟表彰对象公示（已确定表彰的对象，每类一张）。

    --json 输出键：「ok、file、sheets、members、published_on、bytes、seconds」（members 为表彰对象数）。"""
    from pledgebook.exporters import paper

    when = _published(published_on)
    result = _run(as_json, db, lambda report: paper.print_honour_notice(
        out, org=org, year=year, kind=kind, published_on=when, progress=report))
    _printed(result, "拟表彰对象公示", "名（个）表彰对象", as_json, published_on=result.published_on)


@print_app.command("honour-list")
@handle_errors
def honour_list(out: OutOption, org: OrgOption = None, year: YearOption = None, kind: KindOption = None,
                db: DbOption = None, as_json: JsonOption = False) -> None:
    """打印表彰名单（每类一张，按乡镇（党委）排列）。

    --json 输出键：「ok、file、sheets、members、bytes、seconds」（members 为表彰对象数）。"""
    from pledgebook.exporters import paper

    result = _run(as_json, db, lambda report: paper.print_honour_list(
        out, org=org, year=year, kind=kind, progress=report))
    _printed(result, "表彰名单", "名（个）表彰对象", as_json)
