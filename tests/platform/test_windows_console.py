"""Windows' legacy console gets plain borders and one hint; ``--json`` is UTF-8 whatever the code page."""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Checkbox, ProgressBar, Rule, Static

from pledgebook.cli import common
from pledgebook.tui import console

BOX = re.compile("[\u2500-\u259f]")  # box drawing and block elements: double width in 新宋体


@pytest.mark.parametrize(("env", "platform", "legacy"), [
    ({}, "win32", True),                                   # a double-clicked .cmd on Windows 10
    ({"WT_SESSION": "4f1c…"}, "win32", False),             # Windows Terminal
    ({"TERM_PROGRAM": "vscode"}, "win32", False),
    ({"TERM": "xterm-256color"}, "win32", False),          # mintty (Git Bash)
    ({}, "linux", False),
    ({"PLEDGEBOOK_PLAIN_BORDERS": "1"}, "linux", True),
    ({"PLEDGEBOOK_PLAIN_BORDERS": "0"}, "win32", False),
])
def test_the_legacy_console_is_told_apart(env, platform, legacy):
    assert console.legacy_console(env, platform) is legacy


class Boxes(App):
    CSS = "Static { border: round $primary; height: 3; } #tall { border: tall $primary; }"

    def compose(self) -> ComposeResult:
        yield Static("承诺台账")
        yield Static("践诺", id="tall")
        yield Rule()
        yield ProgressBar(total=10, show_eta=False)
        yield Checkbox("含身份证号")


async def _screen_text() -> str:
    app = Boxes()
    async with app.run_test(size=(60, 20)) as pilot:
        app.query_one(ProgressBar).advance(5)
        await pilot.pause()
        return app.export_screenshot()


def test_plain_borders_draw_no_double_width_glyph_and_can_be_undone():
    assert BOX.search(asyncio.run(_screen_text()))  # Textual's own: ╭─╮ ━ ▐▌
    undo = console.plain_borders()
    try:
        text = asyncio.run(_screen_text())
        assert not BOX.search(text), BOX.findall(text)[:10]
        assert "+" in text and "承诺台账" in text
    finally:
        undo()
    assert BOX.search(asyncio.run(_screen_text()))


def test_prepare_switches_only_in_the_legacy_console(monkeypatch):
    undone = []
    monkeypatch.setattr(console, "plain_borders", lambda: undone.append(1))
    monkeypatch.setattr(console.sys, "platform", "win32")
    monkeypatch.delenv("WT_SESSION", raising=False)
    monkeypatch.delenv("TERM_PROGRAM", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.delenv("PLEDGEBOOK_PLAIN_BORDERS", raising=False)
    assert console.prepare() == console.HINT and undone == [1]
    assert "Windows Terminal" in console.HINT and "承诺台账.cmd" in console.HINT
    monkeypatch.setenv("WT_SESSION", "1")
    assert console.prepare() is None and undone == [1]


def test_the_app_says_the_hint_once(tmp_path):
    from pledgebook.models.store.db import close_database, open_database
    from pledgebook.tui.startup import launch

    open_database(tmp_path / "a.db")
    app = launch(tmp_path / "a.db")
    app.console_hint = console.HINT
    async def run() -> list[str]:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            return [n.message for n in app._notifications]

    try:
        assert asyncio.run(run()).count(console.HINT) == 1
    finally:
        close_database()


def test_json_is_utf8_on_a_gbk_console(monkeypatch):
    """Chinese Windows' console code page is 936 (GBK): the JSON bytes are UTF-8 all the same."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="gbk")
    monkeypatch.setattr(sys, "stdout", stream)
    common.emit_json({"county": "墨江哈尼族自治县", "name": "𠮷"})  # 𠮷 has no GBK code at all
    assert json.loads(raw.getvalue().decode("utf-8")) == {"county": "墨江哈尼族自治县", "name": "𠮷"}


def test_json_from_the_program_is_utf8_and_its_help_says_so(tmp_path):
    env = {"PYTHONIOENCODING": "gbk", "PATH": "/usr/bin:/bin"}
    db = str(tmp_path / "a.db")
    subprocess.run([sys.executable, "-m", "pledgebook", "init", "--db", db, "--name", "墨江哈尼族自治县",
                    "--code", "530822", "--year", "2011"], check=True, capture_output=True, env=env)
    out = subprocess.run([sys.executable, "-m", "pledgebook", "stats", "--db", db, "--json"],
                         capture_output=True, env=env, check=True).stdout
    assert json.loads(out.decode("utf-8"))["county"]["name"] == "墨江哈尼族自治县"
    help_text = subprocess.run([sys.executable, "-m", "pledgebook", "stats", "--help"], capture_output=True,
                               env={**env, "COLUMNS": "200"}, check=True).stdout.decode("utf-8")
    assert "UTF-8 编码" in help_text
