"""上报: the report workbook to a chosen path, the hand-off bundle to a USB stick, and the history.

The bundle is written, flushed, renamed and read back by the core
(:func:`exporters.bundle.write_bundle`); only after that read-back does the screen
show its SHA-256 and counts and say 「可以安全拔出U盘」. USB sticks plugged in now are
offered first (:func:`folders.removable_drives`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Label, ProgressBar, Select, Static

from pledgebook.bundle.readback import claim
from pledgebook.models.core.vocab import counts_text
from pledgebook.tui import folders
from pledgebook.tui.screens.job import JOB_CSS, JobScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.tick import Tick
from pledgebook.tui.worker_db import db_thread

if TYPE_CHECKING:
    from pledgebook.bundle.write import BundleResult
    from pledgebook.tui.app import PledgebookApp


def size_text(n: int) -> str:
    return f"{n / 1024**2:.1f} MB" if n >= 1024**2 else f"{max(1, round(n / 1024))} KB"


def report_name(county: str, year: int | None) -> str:
    safe = "".join(ch for ch in county if ch not in '\\/:*?"<>|').strip() or "承诺台账"
    return f"{safe}{year or ''}年度承诺情况报表.xlsx"


def render_bundle(result: BundleResult) -> str:
    notes = ["已签名" if result.signed else "未签名（按 F6 生成密钥后会自动签名）",
             "已加密" if result.encrypted else "未加密",
             "含身份证号和手机号" if result.include_pii else "不含身份证号和手机号"]
    return "\n".join([
        f"[b green]{escape(claim(result.verified))}[/]：{escape(str(result.path))}（{size_text(result.size)}）",
        f"{counts_text(result.counts)}；序号 {result.sequence}；{'，'.join(notes)}",
        f"SHA-256：[b]{result.sha256}[/b]",
        "[b reverse green] 可以安全拔出U盘 [/]",
    ])


class HandoffScreen(JobScreen):
    DEFAULT_CSS = JOB_CSS + """
    HandoffScreen #ho-year { width: 12; }
    HandoffScreen #ho-report-path, HandoffScreen #ho-dir { width: 1fr; }
    HandoffScreen #ho-place { width: 26; }
    HandoffScreen #ho-pii { height: 1; border: none; padding: 0; }
    HandoffScreen #ho-result { height: auto; max-height: 6; }
    HandoffScreen #ho-history { height: 1fr; }
    HandoffScreen #ho-key { width: 1fr; height: 1; }
    HandoffScreen .gap { width: 1fr; }
    HandoffScreen #ho-init-keys, HandoffScreen #ho-trust { margin-left: 1; }
    """
    _own: str | None = None  # this ledger's own key fingerprint, once read (_show_key)
    BINDINGS = [
        Binding("f2", "export_report", "导出报表"),
        Binding("f3", "export_bundle", "生成数据包"),
        Binding("f5", "refresh_drives", "查找U盘"),
        Binding("f6", "init_keys", "生成密钥"),
        Binding("f7", "trust_key", "信任公钥"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.default_report: str | None = None

    def compose(self) -> ComposeResult:
        from pledgebook.models.ledger import queries

        app = cast("PledgebookApp", self.app)
        years = [(f"{y.year}年度", y.year) for y in reversed(queries.years())]
        yield Header()
        yield Static("报表工作簿（统计表、分类统计、评议汇总、逾期及待整改、承诺台账）", classes="section")
        with Horizontal(classes="row"):
            yield Label("年度")
            yield Select(years, value=app.year if app.year is not None else Select.NULL, allow_blank=not years,
                         compact=True, id="ho-year")
            yield Static("", classes="gap")
            yield Button("导出报表 F2", compact=True, variant="primary", id="ho-report")
        with Horizontal(classes="row"):  # the path has the whole line: at 80 columns it is not cut
            yield Label("保存为")
            yield Input(compact=True, id="ho-report-path")
        yield Static("上报数据包（.pledgebook，交州/市组织部）", classes="section")
        with Horizontal(classes="row"):
            yield Label("存到")
            yield Select([], prompt="选择U盘或文件夹", compact=True, id="ho-place")
            yield Input(placeholder="U盘或文件夹", compact=True, id="ho-dir")
            yield Button("生成数据包 F3", compact=True, variant="primary", id="ho-bundle")
        with Horizontal(classes="row"):
            yield Tick("包含身份证号和手机号（默认不包含）", compact=True, id="ho-pii")
        with Horizontal(classes="row"):
            yield Static("", id="ho-key")
            yield Button("生成密钥 F6", compact=True, id="ho-init-keys")
            yield Button("信任公钥 F7", compact=True, id="ho-trust")
        with Horizontal(classes="job-bar"):
            yield ProgressBar(total=100, classes="job", show_eta=False)
            yield Static("", classes="job-stage")
        yield Static("", id="ho-result", classes="result")
        yield Static("上报记录（最新的在前）", classes="section")
        table = DataTable(id="ho-history", cursor_type="row", zebra_stripes=True)
        table.add_columns("时间", "序号", "承诺", "SHA-256", "位置")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self._set_report_path()
        self.action_refresh_drives()
        self.query_one("#ho-report", Button).focus()

    def load(self) -> None:
        self._load_history()
        self._show_key()

    # ------------------------------------------------------------ the signing key
    def _show_key(self) -> None:
        from pledgebook.bundle.keys import own_public_key
        from pledgebook.tui.dialogs.keys import spaced

        own = own_public_key()
        self._own = own.fingerprint if own else None
        self.query_one("#ho-key", Static).update(
            f"签名：本台账指纹 [b]{spaced(own.fingerprint)}[/b]" if own else "签名：还没有密钥（按 F6 生成，数据包才会签名）")

    @on(Button.Pressed, "#ho-init-keys")
    def _init_pressed(self) -> None:
        self.action_init_keys()

    @on(Button.Pressed, "#ho-trust")
    def _trust_pressed(self) -> None:
        self.action_trust_key()

    def _folder(self) -> Path:
        from pledgebook.tui.screens.imports import clean_path

        folder = clean_path(self.query_one("#ho-dir", Input).value)
        return folder if folder is not None and folder.is_dir() else folders.save_folder()

    def action_init_keys(self) -> None:
        from pledgebook.tui.dialogs.keys import InitKeysForm, spaced

        def made(result: Any) -> None:
            if not result:
                return
            pub, _private, pub_path = result
            self._say(f"[b green]已生成密钥[/]。公钥文件：{escape(str(pub_path))} ← 交给州/市组织部\n"
                      f"公钥指纹：[b]{spaced(pub.fingerprint)}[/b]（上级信任时会打电话核对，请念这一串）")
            self._show_key()

        self.app.push_screen(InitKeysForm(self._folder(), self._own), made)

    def action_trust_key(self) -> None:
        from pledgebook.tui.dialogs.keys import TrustKeyForm, spaced

        def trusted(pub: Any) -> None:
            if pub:
                self._say(f"[b green]已信任[/]「{escape(pub.county_name)}」（{pub.county_code}）的公钥，"
                          f"指纹 {spaced(pub.fingerprint)}：此后该县的数据包必须有这个签名。")

        self.app.push_screen(TrustKeyForm(), trusted)

    # ------------------------------------------------------------ the report
    def _set_report_path(self) -> None:
        app = cast("PledgebookApp", self.app)
        year = self.query_one("#ho-year", Select).value
        path = str(folders.save_folder() / report_name(app.county_name, year if isinstance(year, int) else None))
        field = self.query_one("#ho-report-path", Input)
        if not field.value or field.value == self.default_report:
            field.value = path
        self.default_report = path

    @on(Select.Changed, "#ho-year")
    def _year_changed(self) -> None:
        self._set_report_path()

    @on(Button.Pressed, "#ho-report")
    def _report_pressed(self) -> None:
        self.action_export_report()

    def action_export_report(self) -> None:
        from pledgebook.tui.screens.imports import clean_path

        target = clean_path(self.query_one("#ho-report-path", Input).value)
        year = self.query_one("#ho-year", Select).value
        if target is None:
            self.notify("请填写报表的保存位置。", severity="warning")
            return
        if target.is_dir():
            app = cast("PledgebookApp", self.app)
            target = target / report_name(app.county_name, year if isinstance(year, int) else None)
        today = getattr(self.app, "today", None)

        def run(progress):
            from pledgebook.exporters.report import export_report

            return export_report(target, year=year if isinstance(year, int) else None, today=today, progress=progress)

        def done(result) -> None:
            rows = result.rows.get("承诺台账", 0)
            paths = "\n".join(escape(str(p)) for p in result.paths)
            self._say(f"[b green]报表已导出[/]（{result.year}年度，承诺台账 {rows} 条，用时 {result.seconds:.1f} 秒）：\n{paths}")
            self.notify("报表已导出。", title="导出报表")

        self.start_job("生成报表", run, done, lambda message: self._say(f"[b red]{escape(message)}[/]"))

    # ------------------------------------------------------------ the bundle
    def action_refresh_drives(self) -> None:
        self._find_drives()

    @work(thread=True, group="drives", exclusive=True, exit_on_error=False)
    def _find_drives(self) -> None:
        try:
            drives = folders.removable_drives()
        except OSError:  # a drive that vanished while we looked: offer the folders only
            drives = []
        starts = [(label, path) for label, path in folders.start_folders() if label in ("桌面", "文档")]
        self.app.call_from_thread(self._show_drives, drives, starts)

    def _show_drives(self, drives: list[Path], starts: list[tuple[str, Path]]) -> None:
        options = [(f"U盘 {d}", str(d)) for d in drives] + [(label, str(path)) for label, path in starts]
        select = self.query_one("#ho-place", Select)
        select.set_options(options)
        field = self.query_one("#ho-dir", Input)
        if options and not field.value:
            select.value = options[0][1]
        if drives:
            self.query_one(".job-stage", Static).update(f"找到U盘：{'、'.join(str(d) for d in drives)}")
        else:
            self.query_one(".job-stage", Static).update("没有找到U盘：插好后按 F5，或填写文件夹")

    @on(Select.Changed, "#ho-place")
    def _place_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#ho-dir", Input).value = event.value

    @on(Button.Pressed, "#ho-bundle")
    def _bundle_pressed(self) -> None:
        self.action_export_bundle()

    def action_export_bundle(self) -> None:
        from pledgebook.tui.screens.imports import clean_path

        folder = clean_path(self.query_one("#ho-dir", Input).value)
        if folder is None:
            self.notify("请选择U盘或填写要存放数据包的文件夹。", severity="warning")
            return
        include_pii = self.query_one("#ho-pii", Tick).value
        self._say("正在生成数据包，写完后会从U盘读回校验，[b]校验完成前请不要拔出U盘[/b]。")

        def run(progress):
            from pledgebook.bundle.write import write_bundle

            return write_bundle(folder, include_pii=include_pii, progress=progress)

        def done(result) -> None:
            self._say(render_bundle(result))
            self.notify("数据包已写入并校验，可以安全拔出U盘。", title="上报数据包", timeout=10)
            self._load_history()

        self.start_job("生成数据包", run, done, lambda message: self._say(f"[b red]{escape(message)}[/]"))

    # ------------------------------------------------------------ history
    @work(thread=True, group="history", exclusive=True, exit_on_error=False)
    def _load_history(self) -> None:
        from pledgebook.bundle.history import handoff_history

        with db_thread():
            rows = handoff_history()
        self.app.call_from_thread(self._show_history, rows)

    def _show_history(self, rows) -> None:
        table = self.query_one("#ho-history", DataTable)
        table.clear()
        for r in rows:
            table.add_row(r.written_at, str(r.sequence), str(r.counts.get("pledge", 0)), r.sha256[:16] + "…", r.path)
        if not rows:
            table.add_row("（还没有生成过上报数据包）", "", "", "", "")

    def _say(self, text: str) -> None:
        self.query_one("#ho-result", Static).update(text)
