"""Year end and backups: rollover, reopen, backup (+ backup list), restore.

Thin: parse, call :mod:`pledgebook.yearend` and :mod:`pledgebook.models.store.backup`,
render with Rich. On a terminal every change shows what it will do and asks;
without a terminal it needs ``--yes`` and otherwise refuses (exit 2).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pledgebook.cli.common import (
    DbOption,
    JsonOption,
    check_path,
    check_year,
    console,
    emit_json,
    err_console,
    handle_errors,
    interactive,
    open_db,
)
from pledgebook.models.core.errors import PledgebookError

if TYPE_CHECKING:
    from pledgebook.yearend import RolloverResult

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="不再询问，直接执行（脚本和计划任务使用）")]

PROBLEMS_SHOWN = 20


def _confirm(question: str, yes: bool, as_json: bool, what: str) -> None:
    """Ask on a terminal; without one (or with --json) require --yes."""
    if yes:
        return
    if as_json or not interactive():
        raise PledgebookError(f"没有在终端中运行，无法确认{what}。确认无误后请加 --yes 再运行。")
    if not typer.confirm(question, default=False):
        console.print("已取消，未作任何改动。")
        raise typer.Exit(0)


@contextmanager
def _progress(enabled: bool):
    """A Rich progress bar on a terminal; yields a ``progress(stage, fraction)`` callback or None."""
    if not enabled:
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=console) as bar:
        task = bar.add_task("准备", total=1.0)
        yield lambda stage, frac: bar.update(task, completed=frac, description=stage)


def _say_cleaned(paths) -> None:
    """Name the temporary files of an earlier, interrupted run that this successful one removed."""
    if paths:
        names = "、".join(p.name for p in paths)
        console.print(f"已删除上次中断（程序被关闭或断电）留下的 {len(paths)} 个临时文件：{names}", markup=False)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# ------------------------------------------------------------------ rollover


def _show_preview(pv) -> None:
    from pledgebook.models.core.vocab import PLEDGE_STATUSES
    from pledgebook.yearend import DUE_RULES

    state = "（已关闭）" if pv.already_closed else ""
    console.print(f"[bold]{pv.year}年度{state} → {pv.to}年度 结转预览[/]")
    console.print(
        f"本年度承诺 {pv.total} 条：将结转 [bold]{pv.to_carry}[/] 条，已是最终状态 {pv.already_final} 条，"
        f"不结转而留在本年度的未完成承诺 {pv.staying} 条。"
    )
    carry = "、".join(PLEDGE_STATUSES[c] for c in pv.carry)
    target = "已存在" if pv.to_exists else "将新开启"
    console.print(f"结转的状态：{carry}；新的完成时限：{DUE_RULES[pv.due_rule]}；{pv.to}年度{target}。")
    for note in pv.notes:  # the open 组织处置, listed with their due dates
        console.print(f"{note}：", markup=False)
    for d in pv.disposals[:PROBLEMS_SHOWN]:
        console.print(f"  · {d.org_name} · {d.person_name} 整改期限 {d.due_date}" + ("（已逾期）" if d.overdue else ""),
                      markup=False)
    if pv.rows:
        table = Table(title="按党委", header_style="bold", title_justify="left")
        table.add_column("党委", overflow="fold", ratio=1)
        table.add_column("结转", justify="right", no_wrap=True)
        for name, n in pv.by_committee():
            table.add_row(name, str(n))
        console.print(table)
        table = Table(title="按类别", header_style="bold", title_justify="left")
        table.add_column("类别", overflow="fold")
        table.add_column("结转", justify="right", no_wrap=True)
        for name, n in pv.by_category():
            table.add_row(name, str(n))
        console.print(table)
    if pv.problems:
        counts = "，".join(f"{label} {n} 条" for label, n in _problem_labels(pv.problem_counts))
        console.print(f"[bold yellow]问题：{counts}[/]")
        for p in pv.problems[:PROBLEMS_SHOWN]:
            detail = f"（{p.detail}）" if p.detail else ""
            console.print(f"  · {p.committee} › {p.org} · {p.pledger}「{p.content}」[yellow]{p.label}[/]{detail}")
        if len(pv.problems) > PROBLEMS_SHOWN:
            console.print(f"  …… 另有 {len(pv.problems) - PROBLEMS_SHOWN} 条；完整清单：加 --dry-run --json")
    else:
        console.print("[green]没有发现问题。[/]")


def _problem_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    from pledgebook.yearend import PROBLEM_KINDS

    return [(PROBLEM_KINDS[k], n) for k, n in counts.items()]


@handle_errors
def rollover(
    year: Annotated[int, typer.Argument(help="要关闭并结转的年度，例如 2024", callback=check_year)],
    to: Annotated[int | None, typer.Option("--to", help="结转到的年度（默认：下一年）", callback=check_year)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只预览，不作任何改动")] = False,
    carry: Annotated[
        str,
        typer.Option("--carry", help="结转哪些状态的承诺，逗号分隔：in_progress（践诺中）、unfulfilled（未兑现）、partly（部分兑现）、draft（拟定）"),
    ] = "in_progress,unfulfilled,partly",
    due: Annotated[
        str, typer.Option("--due", help="新的完成时限：keep-month-day（保留原月日）或 year-end（新年度 12 月 31 日）")
    ] = "keep-month-day",
    force: Annotated[bool, typer.Option("--force", help="有未处理的问题（未评议、整改未完成、仍为拟定）也结转")] = False,
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """年终结转：关闭年度，把未完成的承诺结转到下一年度（先自动备份；可用 reopen 撤销）。"""
    from pledgebook import yearend as core

    open_db(db, write=not dry_run)
    pv = core.preview(year, to, carry, due)
    if pv.already_closed:
        _rollover_closed(year, to, carry, due, pv.to, dry_run=dry_run, as_json=as_json)
        return
    blocked = pv.blocked and not force
    if dry_run:
        if as_json:
            emit_json({"ok": not blocked, "dry_run": True, "blocked": blocked, "preview": pv.as_dict()})
        else:
            _show_preview(pv)
            console.print("（预览，未作任何改动）")
            if blocked:
                console.print("有问题时正式结转需要加 --force。")
        if blocked:
            raise typer.Exit(1)
        return
    if not as_json:
        _show_preview(pv)
    if blocked:
        err = core.RolloverBlocked(pv)
        if as_json:
            emit_json({"ok": False, "error": err.message, "blocked": True, "preview": pv.as_dict()})
        else:
            err_console.print(f"[bold red]未结转：[/]{err.message}")
        raise typer.Exit(err.exit_code)
    _confirm(
        f"确定关闭{year}年度，并把 {pv.to_carry} 条承诺结转到{pv.to}年度吗？",
        yes, as_json, "年终结转",
    )
    with _progress(console.is_terminal and not as_json) as progress:
        result = core.rollover(year, to, carry, due, force=force, progress=progress, planned=pv)
    if as_json:
        emit_json({"ok": True, "dry_run": False, **result.as_dict()})
    elif result.already_closed:
        console.print(f"{year}年度已经关闭，未作任何改动。")
    else:
        _say_rolled(result)


def _rollover_closed(
    year: int, to: int | None, carry: str, due: str, next_year: int, *, dry_run: bool, as_json: bool
) -> None:
    """``rollover`` of a year already closed: changes nothing in the ledger; writes a missing archive."""
    from pledgebook import yearend as core

    if dry_run:
        if as_json:
            emit_json({"ok": True, "dry_run": True, "already_closed": True, "year": year, "to": next_year})
        else:
            console.print(f"{year}年度已经关闭（结转过）；再次结转不会作任何改动。")
        return
    result = core.rollover(year, to, carry, due)
    if as_json:
        emit_json({"ok": True, "dry_run": dry_run, **result.as_dict()})
    else:
        console.print(f"{year}年度已经关闭（结转过），未作任何改动。如需撤销，请用 pledgebook reopen {year}。")
        if result.archive:
            _say_cleaned(result.archive.cleaned)


def _say_rolled(result: RolloverResult) -> None:
    """What a rollover did, on the terminal."""
    year = result.year
    console.print(
        f"[green]已关闭{year}年度，{result.carried} 条承诺已结转到{result.to}年度[/]"
        + ("（已新开启该年度）" if result.opened_next else "") + f"，用时 {result.seconds:.1f} 秒。"
    )
    for note in result.notes:
        console.print(note, markup=False)
    if result.backup:
        console.print(f"结转前的备份：{result.backup}")
    if result.archive:
        if result.archive.error:
            err_console.print(f"[yellow]注意：[/]{result.archive.error}（结转本身已完成；再次运行本命令会补写归档）")
        else:
            console.print(f"归档（年度备份和汇总表）：{result.archive.folder}")
        _say_cleaned(result.archive.cleaned)
    console.print(f"如结转有误，可用 pledgebook reopen {year} 撤销（结转的承诺尚未改动时）。")


# ------------------------------------------------------------------ reopen


@handle_errors
def reopen(
    year: Annotated[int, typer.Argument(help="要重新开启的年度", callback=check_year)],
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """重新开启已关闭的年度（撤销结转）：只在下一年度的结转承诺还没有改动时可以。"""
    from pledgebook import yearend as core

    open_db(db, write=True)
    check = core.reopen_check(year)
    if not check.ok:
        err = core.ReopenBlocked(check)
        if as_json:
            emit_json({"ok": False, "error": err.message, "blockers": [b.__dict__ for b in check.blockers]})
        else:
            err_console.print(f"[bold red]不能重新开启{year}年度：[/]")
            for b in check.blockers[:PROBLEMS_SHOWN]:
                err_console.print(f"  · {b.text}")
            if len(check.blockers) > PROBLEMS_SHOWN:
                err_console.print(f"  …… 另有 {len(check.blockers) - PROBLEMS_SHOWN} 条")
            err_console.print("这些承诺已在新年度中使用，撤销结转会丢失这些改动。如确需修改旧年度，请联系管理员从备份恢复。")
        raise typer.Exit(err.exit_code)
    if check.has_record:
        question = f"确定重新开启{year}年度吗？{check.to}年度中由结转产生的 {check.carried} 条承诺将被撤销，原承诺恢复原状态。"
    else:
        question = f"确定重新开启{year}年度吗？（该年度没有结转记录，只开启年度，已结转的承诺保持不变）"
    if not as_json and interactive() and not yes:
        console.print(question)
    _confirm("继续吗？" if interactive() else question, yes, as_json, "重新开启年度")
    with _progress(console.is_terminal and not as_json) as progress:
        result = core.reopen(year, progress=progress)
    if as_json:
        emit_json({"ok": True, **result.as_dict()})
        return
    console.print(
        f"[green]已重新开启{year}年度[/]"
        + (f"，撤销了 {result.undone} 条结转承诺。" if result.has_record else "（没有结转记录，只开启了年度）。")
    )
    if result.backup:
        console.print(f"重新开启前的备份：{result.backup}")


# ------------------------------------------------------------------ backup


backup_app = typer.Typer(
    help="备份数据库：不带子命令时立即备份一份；pledgebook backup list 列出已有备份。",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)


@backup_app.callback()
@handle_errors
def backup(
    ctx: typer.Context,
    to: Annotated[
        Path | None, typer.Option("--to", help="备份到这个文件夹（如 U 盘）；默认：数据库旁的 backups 文件夹（自动轮换）", callback=check_path)
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """备份数据库：不带子命令时立即备份一份（程序打开时也可以）；pledgebook backup list 列出已有备份。"""
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is not None:
        return
    from pledgebook.models.store import backup as core

    open_db(db)
    with _progress(console.is_terminal and not as_json) as progress:
        info = core.backup(to, "manual", progress=progress)
    if as_json:
        emit_json({"ok": True, **info.as_dict()})
    else:
        console.print(f"[green]已备份[/]：{info.path}（{_size(info.size)}）")
        _say_cleaned(info.cleaned)


@backup_app.command("list")
@handle_errors
def backup_list(
    ctx: typer.Context,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """列出本数据库的备份（backups 文件夹）和年度归档（archive 文件夹），最新的在前。"""
    from pledgebook.models.store import backup as core

    path = open_db(db or (ctx.obj or {}).get("db"))
    backups = core.list_backups(core.backup_dir(path), db_path=path)
    archived = core.list_backups(core.archive_dir(path), db_path=path)
    if as_json:
        emit_json(
            {
                "ok": True,
                "backup_dir": str(core.backup_dir(path)),
                "archive_dir": str(core.archive_dir(path)),
                "keep": core.keep_count(),
                "backups": [b.as_dict() for b in backups],
                "archive": [b.as_dict() for b in archived],
            }
        )
        return
    if not backups and not archived:
        console.print(f"还没有备份。用 pledgebook backup 备份一份（保存在 {core.backup_dir(path)}）。")
        return
    table = Table(header_style="bold")
    table.add_column("时间", no_wrap=True)
    table.add_column("原因", overflow="fold")
    table.add_column("大小", justify="right", no_wrap=True)
    table.add_column("文件", overflow="fold")
    for b in backups:
        table.add_row(b.taken_at.strftime("%Y-%m-%d %H:%M:%S"), b.label, _size(b.size), b.path.name)
    for b in archived:
        table.add_row(b.taken_at.strftime("%Y-%m-%d %H:%M:%S"), b.label, _size(b.size), f"archive/{b.path.name}")
    console.print(table)
    console.print(
        f"备份文件夹：{core.backup_dir(path)}（保留最近 {core.keep_count()} 份，另外每个已关闭年度保留一份）"
    )
    console.print("恢复：pledgebook restore 文件路径")


# ------------------------------------------------------------------ restore


@handle_errors
def restore(
    file: Annotated[Path, typer.Argument(help="备份文件（.db），例如 backups 文件夹中的一份", callback=check_path)],
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """用备份文件恢复数据库（先检查备份，并自动备份当前数据库）。"""
    from pledgebook.models.store import restore as core
    from pledgebook.models.store.db import resolve_db_path

    # with --yes nothing is shown before: the restore checks the backup itself, beside the safety copy
    summary = None if yes else core.inspect_backup(file)
    target = resolve_db_path(db)
    if summary is not None and not as_json and interactive():
        years = "、".join(f"{y}{'（已关闭）' if c else ''}" for y, c in summary.years) or "无"
        console.print(
            f"备份文件：{summary.path}（{_size(summary.size)}，修改于 {summary.modified:%Y-%m-%d %H:%M}）\n"
            f"内容：{summary.county}，年度 {years}，承诺 {summary.pledges} 条，结构版本 {summary.schema_version}"
        )
        console.print(f"将替换当前数据库：{target}（替换前会自动备份当前数据库）")
    _confirm("确定用这份备份恢复吗？", yes, as_json, "恢复")
    with _progress(console.is_terminal and not as_json) as progress:
        result = core.restore(Path(file), target, progress=progress)
    summary = result.summary or summary
    if as_json:
        emit_json(
            {
                "ok": True,
                "db": str(result.db),
                "source": str(result.source),
                "safety_backup": str(result.safety_backup) if result.safety_backup else None,
                "moved_aside": [str(p) for p in result.moved_aside],
                "schema_version": result.schema_version,
                "migrated": result.migrated,
                "backup": summary.as_dict() if summary else None,
            }
        )
        return
    console.print(f"[green]已恢复[/]：{result.db} 现在是 {result.source.name} 的内容。")
    if result.safety_backup:
        console.print(f"恢复前的数据库已备份为：{result.safety_backup}")
    if result.moved_aside:
        console.print(f"原来的数据库文件已损坏（或不是承诺台账），已原样移到一旁保存（未删除）：{result.moved_aside[0]}",
                      markup=False)
    if result.migrated:
        console.print("备份来自旧版本，已升级到当前结构。")
