"""First run on an empty ledger: create the county, or load the demo."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from pledgebook.models.core.errors import PledgebookError, ValidationErrors
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.worker_db import db_thread


class WelcomeScreen(Screen):
    class Progress(Message):
        def __init__(self, stage: str, fraction: float) -> None:
            super().__init__()
            self.stage = stage
            self.fraction = fraction

    class Done(Message):
        def __init__(self, error: str | None = None) -> None:
            super().__init__()
            self.error = error

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            with Center():
                with Vertical(id="welcome"):
                    yield Static("[b]欢迎使用承诺台账[/b]", id="title")
                    yield Static("这个数据库还是空的。请先建立本县（区）台账；也可以先载入演示数据试用。")
                    yield Label("县（区）名称")
                    yield Input(placeholder="例如：墨江哈尼族自治县", id="name", compact=True)
                    yield Static("", id="e-name", classes="field-error")
                    yield Label("6位行政区划代码")
                    yield Input(placeholder="例如：530822", id="code", max_length=6, compact=True)
                    yield Static("", id="e-code", classes="field-error")
                    yield Label("起始年度")
                    yield Input(placeholder="例如：2011", id="year", max_length=4, compact=True)
                    yield Static("", id="e-year", classes="field-error")
                    with Horizontal(classes="buttons"):
                        yield Button("建立台账", id="create", variant="primary")
                        yield Button("载入演示数据", id="demo")
                    yield ProgressBar(total=1.0, show_eta=False, id="progress")
                    yield Static("", id="status")
                    yield Static(
                        "[dim]填好三项后按回车即可建立。已有乡镇报送的 Excel/WPS 表格？"
                        "建立台账后按 4 打开「导入」。[/dim]",
                        id="hint",
                    )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        for err in self.query(".field-error"):
            err.display = False
        self.query_one("#name", Input).focus()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter goes on to the next field; on the last one it creates the ledger."""
        event.stop()
        if event.input.id == "year":
            self.create()
        else:
            self.focus_next()

    @on(Button.Pressed, "#create")
    def create(self) -> None:
        from pledgebook.models.ledger import rules

        for err in self.query(".field-error"):
            err.display = False
        name = self.query_one("#name", Input).value
        code = self.query_one("#code", Input).value
        year_text = self.query_one("#year", Input).value.strip()
        try:
            rules.init_county(name, code, int(year_text) if year_text.isdigit() else 0)
        except ValidationErrors as exc:
            for field, message in exc.errors.items():
                target = self.query_one(f"#e-{field}", Static)
                target.update(f"✗ {message}")
                target.display = True
            return
        except PledgebookError as exc:
            self.query_one("#status", Static).update(f"[red]{exc.message}[/]")
            return
        self.app.start_ledger()

    @on(Button.Pressed, "#demo")
    def load_demo(self) -> None:
        self.query_one("#status", Static).update("正在生成演示数据（约两万条承诺），请稍候……")
        self.query_one("#demo", Button).disabled = True
        self.query_one("#create", Button).disabled = True
        self.query_one("#progress").display = True
        self._build_demo()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _build_demo(self) -> None:
        from pledgebook.demo.pledges import build_demo

        try:
            with db_thread():
                build_demo(progress=lambda stage, frac: self.post_message(self.Progress(stage, frac)), **self.demo_options())
        except PledgebookError as exc:
            self.post_message(self.Done(exc.message))
            return
        self.post_message(self.Done())

    def demo_options(self) -> dict:
        return getattr(self.app, "demo_options", {})

    def on_welcome_screen_progress(self, message: Progress) -> None:
        self.query_one(ProgressBar).update(progress=message.fraction)
        self.query_one("#status", Static).update(f"正在生成{message.stage}……")

    def on_welcome_screen_done(self, message: Done) -> None:
        if message.error:
            self.query_one("#status", Static).update(f"[red]{message.error}[/]")
            self.query_one("#demo", Button).disabled = False
            self.query_one("#create", Button).disabled = False
            return
        self.app.start_ledger()
