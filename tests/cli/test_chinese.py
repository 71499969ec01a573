"""Every word a clerk sees is Chinese: each command's help and its usage errors, and every screen of the TUI.

Allowed are only codes (the values an option takes, as the help lists them), file kinds, key names,
pinyin examples, units and the program's own name — the allow-lists below, kept short on purpose.
"""

from __future__ import annotations

import re

import pytest
from tui_util import aio, make_app, screen_text, settle
from typer.main import get_command
from typer.testing import CliRunner

from pledgebook.cli import app as cli_app
from pledgebook.models.core import vocab
from pledgebook.models.ledger import rules

WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
FILES = {"xlsx", "xls", "csv", "txt", "db", "pub", "pledgebook", "json", "JSON", "CSV", "UTF", "BOM", "GBK", "WPS",
         "Excel", "WAL", "SHA", "KB", "MB", "PLEDGEBOOK_DB", "Ed", "ods", "XML", "HTML"}
KEYS = {"Esc", "Enter", "Tab", "Shift", "Ctrl", "Del", "Delete", "Backspace", "PgUp", "PgDn", "Home", "End"}
PINYIN = {"zs", "zhs", "lzz", "xhc", "bxc", "ww", "zhangsan"}
# the values options take, as the help lists them (codes a script writes)
OPTION_CODES = {"auto", "skip", "abort", "orgs", "people", "pledges", "progress", "evaluations", "contacts",
                "stationing", "helplogs", "appraisals", "honours", "in_progress", "unfulfilled", "partly", "draft", "keep",
                "month", "day", "year", "end", "prefecture", "county", "committee", "archive", "backups", "backup"}


def vocabulary_codes() -> set[str]:
    codes: set[str] = set()
    for value in vars(vocab).values():
        if isinstance(value, dict):
            codes |= {k for k in value if isinstance(k, str)}
    return codes


def foreign_words(text: str, allowed: set[str]) -> set[str]:
    text = re.sub(r"(?<!\w)--?[A-Za-z][\w-]*", " ", text)  # option names: --db, -o
    text = re.sub(r"\S*[/\\]\S*", " ", text)  # paths: the folder names are the clerk's own
    text = re.sub(r"「[^」]*」|'[^']*'", " ", text)  # what the clerk typed, quoted back
    text = re.sub(r"\b\w+\.(?:xlsx|xls|csv|txt|db|pub|pledgebook|json)\b", " ", text)  # file names
    return {w for w in WORD.findall(text) if w not in allowed}


def commands(command, path):
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from commands(sub, [*path, name])


CLI_PATHS = list(commands(get_command(cli_app), []))
# command names, also each word of a hyphenated one (close-disposal, confirm-all)
CLI_ALLOWED = FILES | OPTION_CODES | {word for path in CLI_PATHS for name in path for word in (name, *name.split("-"))}


@pytest.mark.parametrize("path", CLI_PATHS, ids=lambda p: " ".join(p) or "pledgebook")
def test_every_command_help_is_chinese(path):
    result = CliRunner().invoke(cli_app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "用法：" in result.output and "显示本帮助并退出" in result.output
    assert foreign_words(result.output, CLI_ALLOWED | vocabulary_codes()) == set(), result.output


@pytest.mark.parametrize("args, says", [
    (["stats", "--bogus"], "没有这个选项：--bogus"),
    (["frob"], "没有这个命令"),
    (["stats", "--year", "abc"], "「abc」不是整数"),
    (["verify"], "缺少参数「数据包」"),
    (["import", "--kind"], "选项 --kind 后面要写一个值"),
    (["export", "report"], "缺少选项 -o / --output。"),  # an option with two names, no stray quotes
])
def test_usage_errors_are_chinese(args, says):
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 2
    assert says in result.output and "错误：" in result.output
    assert foreign_words(result.output, CLI_ALLOWED) == set(), result.output


def test_an_aborted_question_says_so_in_chinese(db_path):
    rules.init_county("墨江哈尼族自治县", "530822", 2011)
    from pledgebook.cli import zh as zh_cli

    assert zh_cli.WORDS["Aborted!"] == "已取消。"
    from typer import core

    assert core._("Aborted!") == "已取消。"


# ---------------------------------------------------------------- the screens
TUI_ALLOWED = FILES | KEYS | PINYIN | {"F1", "F2", "F3", "F4", "F5", "F6", "F7", "q", "y", "n"}


@pytest.fixture
def walked(county):
    c = county
    rules.create_pledge(2011, "为群众代办事项二十件", person_id=c["zhang"].id, due_date="2011-12-31")
    rules.create_pledge(2011, "调解矛盾纠纷十起", org_id=c["b2"].id, category="harmony")
    return c


# (area key, keys pressed in it) — each state is read, then Esc back (saying yes to 「放弃」)
WALK = [
    ("1", []), ("1", ["f1"]), ("1", ["y"]), ("1", ["ctrl+p"]), ("1", ["ctrl+p", *"鸭鸭鸭"]),
    ("2", []), ("2", ["n"]), ("2", ["enter"]), ("2", ["enter", "e"]), ("2", ["enter", "p"]), ("2", ["enter", "f"]),
    ("2", ["enter", "E"]), ("3", []), ("3", ["n"]), ("4", []), ("5", []), ("6", []),
    ("7", []), ("7", ["n"]), ("7", ["c"]), ("7", ["i"]),
]


async def settle_a_while(app, pilot):
    """As settle, but a screen that keeps a worker running (the drive watch) is read after 3 s."""
    import asyncio

    try:
        await asyncio.wait_for(settle(app, pilot), 3)
    except (asyncio.TimeoutError, Exception):  # noqa: BLE001 — a cancelled worker: read the screen as it is
        await pilot.pause()


@aio
async def test_every_screen_is_chinese(walked):
    import getpass
    import os
    from pathlib import Path

    # the clerk's own names: the login in the change log, the folders the file tree shows
    parts = [getpass.getuser(), *Path(os.environ["HOME"]).parts, *Path(walked["path"]).parts]
    own = {w for part in parts for w in WORD.findall(part)}
    app = make_app(walked["path"])
    found: dict[str, set[str]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_a_while(app, pilot)
        for area, keys in WALK:
            await pilot.press(area)
            await settle_a_while(app, pilot)
            for key in keys:
                await pilot.press(key)
                await settle_a_while(app, pilot)
            await pilot.pause(0.6)  # the palette says 「没有这样的命令」 after half a second
            words = foreign_words(screen_text(app), TUI_ALLOWED | own)
            if words:
                found[f"{area} {' '.join(keys)} ({type(app.screen).__name__})"] = words
            for _ in range(4):
                if type(app.screen).__name__ == "ConfirmDialog":
                    await pilot.press("y")
                elif app.screen.is_modal or getattr(app.screen, "is_detail", False):
                    await pilot.press("escape")
                await settle_a_while(app, pilot)
    assert found == {}


def test_every_column_of_a_record_has_a_chinese_name():
    """The change log names each field it shows (「评议日期→…」, not 「date→…」)."""
    import peewee

    from pledgebook.models.store import tables

    for table in vocab.RECORD_TABLES:
        model = next(m for m in vars(tables).values()
                     if isinstance(m, type) and issubclass(m, peewee.Model) and m is not peewee.Model
                     and m._meta.table_name == table)
        for field in model._meta.sorted_fields:
            assert not WORD.search(vocab.field_label(field.column_name)), (table, field.column_name)
            assert not WORD.search(vocab.field_label(field.name)), (table, field.name)


def test_history_and_source_say_it_in_chinese(walked):
    from pledgebook.models.ledger import queries

    pledge = rules.create_pledge(2011, "修路", org_id=walked["b1"].id)
    rules.update_pledge(pledge.id, content="修村道", due_date="2011-11-30")
    detail = queries.pledge_detail(pledge.id)
    assert detail.source == "手工录入"
    changes = " ".join(item.summary for item in detail.history)
    assert "完成时限→2011-11-30" in changes and not WORD.search(changes.replace("2011", ""))
    assert vocab.label(vocab.SOURCES, "demo") == "演示数据"


def test_verify_names_the_tables_in_chinese():
    assert vocab.table_counts_text({"category": 6, "contact_point": 1, "pledge": 3}) == "承诺 3，联系点 1，承诺类别 6"


@aio
async def test_ctrl_c_says_how_to_quit_and_the_palette_speaks_chinese(walked):
    app = make_app(walked["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        assert any("Ctrl+Q" in n.message and "复制" in n.message for n in app._notifications)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert "输入要做的事" in screen_text(app)
        await pilot.press(*"鸭鸭鸭")
        await pilot.pause(0.8)
        assert "没有这样的命令" in screen_text(app)
