"""导入: a township's spreadsheet (or a county's bundle) in — check first, then confirm.

Pick a file (type or paste its path, or browse on the left), choose the kind
(自动识别 by default) and the year, press 检查 (F2): the dry run runs in a thread
worker and shows what would be added, updated, left alone and refused, with the
first errors (file, sheet, row, column, what to do) and the columns it did not
know. 导入 (F3) asks for confirmation and applies it; 错误清单 (F4) writes the
refused rows beside the file for the township to fix. A bundle (.pledgebook) is
verified first and then merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DirectoryTree, Input, Label, ProgressBar, Select, Static

from pledgebook.importers.sheets import KINDS
from pledgebook.models.core.vocab import TABLE_LABELS, counts_text
from pledgebook.tui import folders
from pledgebook.tui.screens.job import JOB_CSS, JobScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.file_tree import FileTree

SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv", ".txt", ".xml", ".htm", ".html", ".pledgebook")
SHOW_PROBLEMS = 20
# every kind of sheet the importers know (the three ledgers'), in their order, after 自动识别
KIND_CHOICES = [("自动识别", "auto"), *((label, name) for name, label in KINDS.items())]
ON_ERROR_CHOICES = [("跳过错误行，导入其余", "skip"), ("有错误就全部不导入", "abort")]


@dataclass(frozen=True)
class Request:
    path: Path
    kind: str
    year: int | None


def clean_path(text: str) -> Path | None:
    """A path as typed or pasted (Explorer's 复制为路径 adds quotes)."""
    text = text.strip().strip('"').strip("'").strip()
    return Path(text).expanduser() if text else None


def error_book_path(source: Path) -> Path:
    """`联珠镇承诺台账_错误清单.xlsx` beside the file, never over an existing one."""
    target = source.with_name(f"{source.stem}_错误清单.xlsx")
    n = 2
    while target.exists():
        target = source.with_name(f"{source.stem}_错误清单_{n}.xlsx")
        n += 1
    return target


# the core's messages name the command line's way out; on this screen the same way out has a key
_SCREEN_WORDS = [
    (re.compile(r"运行\s*「?pledgebook keys trust (\S+?\.pub)(?: --replace)?」?"),
     r"在「5 上报」界面按 F7「信任公钥」（选 \1）"),
    (re.compile(r"运行\s*「?pledgebook keys trust」?"), "在「5 上报」界面按 F7「信任公钥」"),
    (re.compile(r"运行\s*「?pledgebook keys init」?\s*"), "在「5 上报」界面按 F6「生成密钥」"),
    (re.compile(r"加 --allow-unsigned 也不能导入"), "「仍然导入」也不能导入"),
    (re.compile(r"(?:确需导入请|确认来源可靠时)?加 --allow-unsigned( 导入)?"), "确认来源可靠时按 F3 选「仍然导入（未经信任）」"),
    (re.compile(r"按 --allow-unsigned 导入"), "按「仍然导入（未经信任）」导入"),
    (re.compile(r"--allow-unsigned"), "「仍然导入（未经信任）」"),
]


def in_screen_words(text: str) -> str:
    """A core message as this screen says it: 「在「5 上报」界面按 F7」 where the CLI says 「运行 pledgebook keys trust」."""
    for pattern, words in _SCREEN_WORDS:
        text = pattern.sub(words, text)
    return text


def render_result(result: Any) -> str:
    """An ImportResult (dry run or applied) for the screen."""
    e = escape
    color = {"unusable": "red", "failed": "red", "aborted": "yellow", "already": "yellow"}.get(result.status, "green")
    if (result.rejected or result.header_problems) and color == "green":
        color = "yellow"
    lines = [f"[b {color}]{e(result.summary())}[/]"]
    if result.status in ("unusable", "failed", "already"):
        return "\n".join(lines)
    names = TABLE_LABELS
    lines.append(
        f"新增 [b]{result.added}[/b]    更新 [b]{result.updated}[/b]    不变 [b]{result.unchanged}[/b]    "
        f"拒绝 [b]{result.rejected}[/b] 行    （共读取 {result.rows_read} 行）"
    )
    for table, counts in result.by_table.items():
        lines.append(f"  {names.get(table, table)}：新增 {counts['add']}，更新 {counts['update']}，不变 {counts['unchanged']}")
    for problem in result.header_problems:
        lines.append(f"[b yellow]表头：{e(problem.text())}[/]")
    if result.readings:
        lines += ["", "[b]完成时限的读法[/b]"]
        lines += [f"  {e(line)}" for line in result.reading_lines()]
    if result.problems:
        shown = result.problems[:SHOW_PROBLEMS]
        more = f"，以下是前 {len(shown)} 处" if len(result.problems) > len(shown) else ""
        lines += ["", f"[b]错误（共 {len(result.problems)} 处{more}）[/b]  按 F4 把出错的行写成错误清单，交乡镇改正"]
        lines += [f"  {e(p.text())}" for p in shown]
    for sheet in result.sheets:
        if sheet.skipped:
            lines.append(f"工作表「{e(sheet.name)}」已跳过：{e(sheet.skipped)}")
        if sheet.unknown_columns:
            lines.append(f"工作表「{e(sheet.name)}」中未识别的列（不导入）：{e('、'.join(sheet.unknown_columns))}")
    if result.warnings:
        lines.append("")
        lines += [f"提醒：{e(w.text())}" for w in result.warnings[:10]]
    if result.backup:
        lines.append(f"导入前已自动备份：{e(str(result.backup))}")
    return "\n".join(lines)


def render_verify(report: Any) -> str:
    e = escape
    c = report.county
    counts = report.counts
    lines = [
        f"[b green]数据包完好[/]：{e(c.get('name', ''))}（{e(c.get('code', ''))}），序号 {report.sequence}，导出于 {e(report.created_at)}",
        counts_text(counts),
        f"SHA-256：{report.sha256}",
    ]
    if report.fingerprint:
        lines.append(f"签名公钥指纹：{e(report.fingerprint)}")
    bad = report.trust == "mismatch" or report.replay == "replay"
    for m in report.messages:
        lines.append(("[b red]✗[/] " if bad else "  ") + e(m))
    if not bad and report.trust in ("unsigned", "untrusted"):
        lines.append("[b yellow]该县的公钥尚未受本台账信任：默认不导入。[/]请电话核对指纹后在「密钥」中信任该县公钥再导入；"
                     "确认来源可靠时也可按 F3 选择「仍然导入」（记入审计日志）。")
    else:
        lines.append("" if bad else "确认无误后按 F3 导入（合并到本台账）。")
    return "\n".join(lines)


def render_merge(result: Any) -> str:
    names = TABLE_LABELS
    c = result.county
    lines = [f"[b green]已导入「{escape(c.get('name', ''))}」数据包[/]：共 {result.records} 条记录，其中新增或更新 {result.changed} 条"]
    for table, t in result.tables.items():
        if t.read:
            lines.append(f"  {names.get(table, table)}：新增 {t.inserted}，更新 {t.updated}，不变 {t.unchanged}"
                         + (f"，冲突 {t.conflicts}" if t.conflicts else ""))
    if result.conflicts:
        lines.append(f"[yellow]有 {len(result.conflicts)} 条记录两边都改过且内容不同，保留了本台账的版本。[/]")
    lines += [escape(n) for n in result.notes]
    return "\n".join(lines)


class ImportScreen(JobScreen):
    DEFAULT_CSS = JOB_CSS + """
    ImportScreen #imp-body { height: 1fr; }
    ImportScreen #imp-browse { width: 30; border-right: solid $panel-lighten-2; }
    ImportScreen #imp-tree { height: 1fr; }
    ImportScreen #imp-main { width: 1fr; }
    ImportScreen #imp-path { width: 1fr; }
    ImportScreen #imp-kind { width: 16; }
    ImportScreen #imp-year { width: 8; }
    ImportScreen #imp-onerror { width: 26; }
    ImportScreen #imp-out { height: 1fr; }
    """
    BINDINGS = [
        Binding("f2", "check", "检查"),
        Binding("f3", "apply", "导入"),
        Binding("f4", "error_book", "错误清单"),
        Binding("ctrl+l", "focus_path", "路径", show=False),
        Binding("f6", "template", "下载模板"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.checked: Request | None = None  # what the shown dry run was for
        self.preview: Any = None  # ImportResult of the dry run, or VerifyReport of a bundle
        self.is_bundle = False
        self.last: Any = None  # the latest ImportResult (for the error workbook)
        self.dated: tuple[Path, Any] | None = None  # (file, 评议日期) the clerk gave for its undated tally rows

    def compose(self) -> ComposeResult:
        starts = folders.start_folders()
        yield Header()
        with Horizontal(id="imp-body"):
            with Vertical(id="imp-browse"):
                yield Select([(label, str(path)) for label, path in starts], value=str(starts[0][1]),
                             allow_blank=False, compact=True, id="imp-place")
                yield FileTree(starts[0][1], SUFFIXES, id="imp-tree")
            with Vertical(id="imp-main"):
                with Horizontal(classes="row"):
                    yield Label("文件")
                    yield Input(placeholder="在左侧选择，或粘贴文件路径", compact=True, id="imp-path")
                with Horizontal(classes="row"):
                    yield Label("类型")
                    yield Select(KIND_CHOICES, value="auto", allow_blank=False, compact=True, id="imp-kind")
                    yield Label(" 年度")
                    yield Input(str(self._default_year() or ""), compact=True, id="imp-year", restrict=r"\d{0,4}")
                with Horizontal(classes="row"):
                    yield Label("有错误时")
                    yield Select(ON_ERROR_CHOICES, value="skip", allow_blank=False, compact=True, id="imp-onerror")
                with Horizontal(classes="row"):
                    yield Button("检查 F2", compact=True, variant="primary", id="imp-check")
                    yield Button("导入 F3", compact=True, variant="success", id="imp-apply", disabled=True)
                    yield Button("错误清单 F4", compact=True, id="imp-errors", disabled=True)
                    yield Button("下载模板 F6", compact=True, id="imp-template")
                with Horizontal(classes="job-bar"):
                    yield ProgressBar(total=100, classes="job", show_eta=False)
                    yield Static("", classes="job-stage")
                with VerticalScroll(id="imp-out"):
                    yield Static(self._hint(), id="imp-result", classes="result")
        yield Footer()

    def _default_year(self) -> int | None:
        app: Any = self.app
        if app.year is not None and not app.year_closed:
            return app.year
        from pledgebook.models.ledger import rules

        return rules.current_year()

    @staticmethod
    def _hint() -> str:
        return ("选择乡镇报来的表格（.xlsx、.xls、.ods、.csv、.txt，党建系统导出的网页或 XML 表格也可以）"
                "或县里的数据包（.pledgebook），按 F2 检查。\n"
                "检查不会改动台账；看过结果、确认无误后再按 F3 导入。导入前会自动备份。")

    def on_mount(self) -> None:
        self.query_one("#imp-tree").focus()

    def load(self) -> None:
        """Nothing to reload: the screen shows the file, not the ledger."""

    # ------------------------------------------------------------ picking
    @on(Select.Changed, "#imp-place")
    def _place(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#imp-tree", FileTree).path = Path(event.value)

    @on(DirectoryTree.FileSelected, "#imp-tree")
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#imp-path", Input).value = str(event.path)
        self.query_one("#imp-check", Button).focus()

    @on(Input.Changed, "#imp-path")
    @on(Input.Changed, "#imp-year")
    @on(Select.Changed, "#imp-kind")
    def _changed(self) -> None:
        self._update_buttons()

    @on(Input.Submitted, "#imp-path")
    def _submitted(self) -> None:
        self.action_check()

    def action_focus_path(self) -> None:
        self.query_one("#imp-path", Input).focus()

    def _request(self, quiet: bool = True) -> Request | None:
        path = clean_path(self.query_one("#imp-path", Input).value)
        kind = self.query_one("#imp-kind", Select).value
        year_text = self.query_one("#imp-year", Input).value.strip()
        if path is None:
            if not quiet:
                self._say("[yellow]请先选择要导入的文件。[/]")
            return None
        year = int(year_text) if year_text.isdigit() else None
        return Request(path, str(kind), year)

    def _update_buttons(self) -> None:
        current = self._request()
        ready = self.checked is not None and current == self.checked and self.preview is not None
        if ready and not self.is_bundle:
            ready = self.preview.status == "dry_run" and (self.preview.added + self.preview.updated) > 0
        if ready and self.is_bundle:
            ready = not (self.preview.trust == "mismatch" or self.preview.replay in ("replay", "same"))
        self.query_one("#imp-apply", Button).disabled = not ready
        self.query_one("#imp-errors", Button).disabled = not (self.last is not None and self.last.rejected_rows)

    def _say(self, text: str) -> None:
        self.query_one("#imp-result", Static).update(in_screen_words(text))

    @on(Button.Pressed, "#imp-template")
    def action_template(self) -> None:
        from pledgebook.tui.dialogs.template import open_template

        open_template(self.app, self.query_one("#imp-kind", Select).value)

    @on(Button.Pressed, "#imp-check")
    def _check_pressed(self) -> None:
        self.action_check()

    @on(Button.Pressed, "#imp-apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#imp-errors")
    def _errors_pressed(self) -> None:
        self.action_error_book()

    # ------------------------------------------------------------ the dry run
    def _closed_year(self, year: int | None) -> bool:
        from pledgebook.models.core.errors import YearClosed
        from pledgebook.models.ledger import queries

        closed = {y.year for y in queries.years() if y.closed}
        if year is not None and year in closed:
            self._say(f"[b red]{escape(YearClosed(year).message)}[/]\n请把「年度」改为一个进行中的年度。")
            return True
        return False

    def action_check(self) -> None:
        request = self._request(quiet=False)
        if request is None or self._closed_year(request.year):
            return
        self.checked = None
        self.preview = None
        self._update_buttons()
        self._say("正在检查……")

        def run(progress):
            from pledgebook.importers.apply import ImportResult
            from pledgebook.importers.dispatch import check_one

            if not request.path.is_file():
                return "missing", None
            result = check_one(request.path, kind=request.kind, year=request.year,
                               evaluation_date=self._evaluation_date(request), progress=progress)
            return ("file" if isinstance(result, ImportResult) else "bundle"), result

        def done(outcome) -> None:
            what, value = outcome
            if what == "missing":
                where = request.path
                text = "是文件夹，请选择其中的一个文件" if where.is_dir() else "不存在，请检查文件位置和名称"
                self._say(f"[b red]「{escape(str(where))}」{text}。[/]")
                return
            self.checked = request
            self.preview = value
            self.is_bundle = what == "bundle"
            if self.is_bundle:
                self._say(render_verify(value))
            else:
                self.last = value
                if self._ask_evaluation_date(request, value):
                    return
                text = render_result(value)
                if value.status == "dry_run":
                    if value.added + value.updated:
                        text += "\n\n[b]以上为检查结果，台账尚未改动。[/]确认无误后按 F3 导入。"
                    else:
                        text += "\n\n没有需要写入的行。"
                self._say(text)
            self._update_buttons()
            # out of the path field, so that F3 and the number keys work at once
            apply = self.query_one("#imp-apply", Button)
            (self.query_one("#imp-out") if apply.disabled else apply).focus()

        self.start_job("检查", run, done, lambda message: self._say(f"[b red]{escape(message)}[/]"))

    def _evaluation_date(self, request: Request) -> Any:
        """The 评议日期 the clerk gave for this file's undated rows, if any (another file asks again)."""
        return self.dated[1] if self.dated is not None and self.dated[0] == request.path else None

    def _ask_evaluation_date(self, request: Request, result: Any) -> bool:
        """Rows of a 计票表 without 评议日期: ask for their date right here (the CLI's --date), then check again.

        True when the dialog was opened (the check runs again once it is answered)."""
        from pledgebook.importers.sheets.evaluations import NO_EVALUATION_DATE

        undated = sum(1 for p in result.problems if p.message == NO_EVALUATION_DATE)
        if not undated or self._evaluation_date(request) is not None:
            return False
        from datetime import date

        from pledgebook.tui.dialogs.ask_date import AskDateDialog

        def answered(day: date | None) -> None:
            if day is None:  # Esc: show the rows as refused, as they are
                self._say(render_result(result) + "\n\n这些行没有评议日期，未能导入；可在文件中填写，或再按 F2 检查时填写日期。")
                return
            self.dated = (request.path, day)
            self.action_check()

        self.app.push_screen(AskDateDialog(
            f"「{request.path.name}」中有 {undated} 行没有填写评议日期。\n这些行的评议是哪一天进行的？",
            date.today(), title="填写评议日期"), answered)
        return True

    # ------------------------------------------------------------ applying
    def action_apply(self) -> None:
        request = self._request(quiet=False)
        if request is None:
            return
        if request != self.checked or self.preview is None:
            self.notify("请先按 F2 检查这个文件，看过结果再导入。", severity="warning")
            return
        if self.query_one("#imp-apply", Button).disabled:
            self.notify("这个文件没有需要导入的内容。", severity="warning")
            return
        if self._closed_year(request.year):
            return
        from pledgebook.tui.dialogs.confirm import ConfirmDialog

        on_error = str(self.query_one("#imp-onerror", Select).value)
        # the CLI's --allow-unsigned: a county whose key is not trusted here, imported only when asked, audited
        unsigned = self.is_bundle and self.preview.trust in ("unsigned", "untrusted")
        yes = "导入"
        if self.is_bundle:
            county = self.preview.county.get("name", "")
            message = f"把「{county}」的数据包合并到本台账？\n导入前会自动备份；出错时台账不会有任何改动。"
            if unsigned:
                why = "没有签名" if self.preview.trust == "unsigned" else f"签名公钥（指纹 {self.preview.fingerprint}）尚未受信任"
                message = (f"「{county}」的数据包{why}，无法确认它来自该县。\n"
                           "仍然导入？此操作会记入审计日志，并在结果中注明（同命令行的 --allow-unsigned）。\n"
                           "更稳妥的做法：电话核对指纹后信任该县公钥，再导入。")
                yes = "仍然导入（未经信任）"
        else:
            p = self.preview
            rule = ("有错误的行跳过，其余照常导入" if on_error == "skip"
                    else "有错误就整个文件都不导入")
            message = (f"导入「{request.path.name}」？\n新增 {p.added}，更新 {p.updated}，不变 {p.unchanged}，"
                       f"有错误 {p.rejected} 行。\n{rule}。\n导入前会自动备份。")

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._apply(request, on_error, allow_unsigned=unsigned)

        self.app.push_screen(ConfirmDialog(message, yes), confirmed)

    def _apply(self, request: Request, on_error: str, allow_unsigned: bool = False) -> None:
        bundle = self.is_bundle

        def run(progress):
            from pledgebook.importers.dispatch import import_one

            return import_one(request.path, bundle=bundle, kind=request.kind, on_error=on_error, year=request.year,
                              evaluation_date=self._evaluation_date(request), allow_unsigned=allow_unsigned,
                              progress=progress)

        def done(result) -> None:
            self.checked = None
            self.preview = None
            if bundle:
                self._say(render_merge(result))
                self.notify("数据包已导入。", title="导入完成")
            else:
                self.last = result
                self._say(render_result(result))
                severity = "information" if result.status == "done" and not result.rejected else "warning"
                self.notify(result.summary(), title="导入", severity=severity, timeout=8)
            self._update_buttons()
            self.app.bump()

        self.start_job("导入", run, done, lambda message: self._say(f"[b red]{escape(message)}[/]"))

    # ------------------------------------------------------------ the error workbook
    def action_error_book(self) -> None:
        result = self.last
        if result is None or not result.rejected_rows:
            self.notify("没有出错的行，不需要错误清单。", severity="warning")
            return
        target = error_book_path(result.path)

        def run(progress):
            from pledgebook.importers.errorbook import write_error_workbook

            progress("写入", 0.5)
            return write_error_workbook([result], target)

        def done(path) -> None:
            self.notify(f"出错的行已写入「{path}」，请乡镇改正后交回再导入。", title="错误清单", timeout=10)
            self.query_one("#imp-result", Static).update(
                render_result(result) + f"\n\n[b]错误清单已写入：[/]{escape(str(path))}"
            )

        self.start_job("错误清单", run, done)
