"""The TUI (interim): county figures, and a welcome on an empty ledger.

The full ledger UI (issue 3) replaces this module's screens.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static


class WelcomeScreen(Screen):
    """First run: create the county or load the demo."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Center():
            with Vertical(id="welcome"):
                yield Static("欢迎使用承诺台账", id="title")
                yield Static("这个数据库还是空的。请先建立本县（区）台账，或载入演示数据试用。")
                yield Label("县（区）名称")
                yield Input(placeholder="例如：墨江哈尼族自治县", id="name")
                yield Label("6位行政区划代码")
                yield Input(placeholder="例如：530822", id="code")
                yield Label("起始年度")
                yield Input(placeholder="例如：2011", id="year")
                yield Static("", id="error")
                yield Button("建立台账", id="create", variant="primary")
                yield Button("载入演示数据", id="demo")
        yield Footer()

    @on(Button.Pressed, "#create")
    def create(self) -> None:
        from pledgebook.models import rules
        from pledgebook.models.errors import PledgebookError

        name = self.query_one("#name", Input).value
        code = self.query_one("#code", Input).value
        year_text = self.query_one("#year", Input).value.strip()
        try:
            rules.init_county(name, code, int(year_text) if year_text.isdigit() else 0)
        except PledgebookError as exc:
            self.query_one("#error", Static).update(f"[red]{exc.message}[/]")
            return
        self.app.switch_screen(HomeScreen())

    @on(Button.Pressed, "#demo")
    def load_demo(self) -> None:
        self.query_one("#error", Static).update("正在生成演示数据，请稍候……")
        self.query_one("#demo", Button).disabled = True
        self._build_demo()

    @work(thread=True, exclusive=True)
    def _build_demo(self) -> None:
        from pledgebook.demo import build_demo

        build_demo()
        self.app.call_from_thread(self.app.switch_screen, HomeScreen())


class HomeScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        from pledgebook.models import db, rules
        from pledgebook.models.figures import FigureBook, percent

        county = db.county()
        year = rules.current_year()
        book = FigureBook(year)
        lines = [f"{county['name']}  {year}年度", ""]
        for node, fig in [(None, book.subtree())] + book.children():
            name = node.name if node else "全县合计"
            lines.append(
                f"{name}：承诺 {fig.pledges}，已兑现 {fig.fulfilled}，兑现率 {percent(fig.fulfilment_rate)}，"
                f"满意率 {percent(fig.satisfaction_rate)}，逾期 {fig.overdue}，待整改 {fig.rectification_open}"
            )
        self.query_one("#summary", Static).update("\n".join(lines))


class PledgebookApp(App):
    TITLE = "承诺台账"
    BINDINGS = [("q", "quit", "退出")]

    def __init__(self, db_path: Path | None = None):
        super().__init__()
        self.db_path = db_path

    def on_mount(self) -> None:
        from pledgebook.models.db import is_initialized

        self.push_screen(HomeScreen() if is_initialized() else WelcomeScreen())


def run(db_path: Path) -> None:
    PledgebookApp(db_path).run()
