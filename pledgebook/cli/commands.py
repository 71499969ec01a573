"""The command line: the command groups, one module each, registered on one typer app.

Heavy libraries (Textual, spreadsheet readers, pinyin) are imported only inside
the commands that use them, so ``pledgebook --help`` starts fast. ``pledgebook``
with no command (or only ``--db``) opens the TUI without building this parser
at all (:func:`pledgebook.cli.main`); any other start comes here.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pledgebook import __version__
from pledgebook.cli import (
    appraisal,
    config,
    handoff,
    imports,
    ledger,
    open_tui,
    orgs,
    paper,
    standing,
    yearend,
)
from pledgebook.cli.common import DbOption, handle_errors
from pledgebook.cli.zh import install as _chinese_words

_chinese_words()  # typer's own words (「Usage:」「Aborted!」「Show this message and exit.」) in Chinese

app = typer.Typer(
    name="pledgebook",
    help="承诺台账：党组织和党员公开承诺、践诺、评诺的离线台账。不带命令运行时打开界面。",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command("init")(ledger.init)
app.command("demo")(ledger.demo)
app.command("stats")(ledger.stats)
app.command("doctor")(ledger.doctor)
app.command("config")(config.config)
app.command("import")(imports.import_)
app.command("template")(imports.template)
app.command("rollover")(yearend.rollover)
app.command("reopen")(yearend.reopen)
app.add_typer(yearend.backup_app, name="backup")
app.command("restore")(yearend.restore)
app.add_typer(handoff.export_app, name="export")
app.command("verify")(handoff.verify)
app.add_typer(handoff.keys_app, name="keys")
app.add_typer(paper.print_app, name="print")
app.add_typer(orgs.org_app, name="org")
app.add_typer(appraisal.appraise_app, name="appraise")
app.add_typer(standing.stars_app, name="stars")
app.add_typer(standing.honours_app, name="honours")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pledgebook {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
@handle_errors
def root(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号并退出")
    ] = False,
) -> None:
    """承诺台账。不带命令时打开界面（TUI）。"""
    from pledgebook.cli.common import interactive, open_db, root_options

    root_options["db"] = db
    if ctx.invoked_subcommand is not None:
        return

    if not interactive() or not sys.stdout.isatty():
        from pledgebook.cli.common import err_console

        err_console.print("界面需要在终端窗口中运行。脚本请使用子命令，见 pledgebook --help。")
        raise typer.Exit(2)
    open_tui(open_db(db, create=True))
