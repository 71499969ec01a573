"""年度: each year with its figures; year-end rollover (preview, problems, confirm, result),
reopen; backup now, the list of backups, restore.

Everything long runs in a thread worker through :class:`JobScreen`; the core
(:mod:`pledgebook.yearend`, :mod:`pledgebook.models.store.backup`) takes the automatic
backups and does the work in one transaction. A problem in the preview opens its
pledge (Enter); 强制结转 needs a second, explicit confirmation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Label, ProgressBar, Select, Static, TabbedContent, TabPane

from pledgebook.models.ledger.figures import percent
from pledgebook.tui.screens.job import JOB_CSS, JobScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.tick import Tick
from pledgebook.tui.worker_db import db_thread

if TYPE_CHECKING:
    from pledgebook.models.store.backup import BackupInfo
    from pledgebook.tui.app import PledgebookApp
    from pledgebook.yearend import Preview

CARRY_BOXES = (("in_progress", "践诺中", True), ("partly", "部分兑现", True), ("unfulfilled", "未兑现", True),
               ("draft", "拟定", False))
DUE_CHOICES = [("保留原月日", "keep-month-day"), ("新年度年底", "year-end")]


def render_preview(pv: Preview) -> str:
    lines = [
        f"[b]{pv.year}年度 → {pv.to}年度[/b]：共 {pv.total} 条承诺，将结转 [b]{pv.to_carry}[/b] 条，"
        f"已有结果 {pv.already_final} 条，留在原年度 {pv.staying} 条"
        + ("" if pv.to_exists else f"；将开启{pv.to}年度"),
    ]
    by_committee = "，".join(f"{escape(name)} {n}" for name, n in pv.by_committee()[:6])
    if by_committee:
        more = "……" if len(pv.by_committee()) > 6 else ""
        lines.append(f"按党委：{by_committee}{more}")
    lines += [escape(note) for note in pv.notes]  # the open 组织处置, carried
    if pv.problems:
        counts = "，".join(f"{label} {n} 条" for label, n in
                          ((p_label(k), n) for k, n in pv.problem_counts.items()))
        lines.append(f"[b red]有 {len(pv.problems)} 个问题阻止结转[/]（{counts}）：请在下表中按回车打开承诺处理，"
                     "或确认无误后勾选「强制结转」。")
    else:
        lines.append("[b green]没有阻止结转的问题。[/]按 F3 结转（结转前会自动备份）。")
    return "\n".join(lines)


def p_label(kind: str) -> str:
    from pledgebook.yearend import PROBLEM_KINDS

    return PROBLEM_KINDS.get(kind, kind)


class YearsScreen(JobScreen):
    DEFAULT_CSS = JOB_CSS + """
    YearsScreen #yr-years { height: auto; max-height: 7; }
    YearsScreen TabbedContent { height: 1fr; }
    YearsScreen TabPane { padding: 0; }
    YearsScreen #yr-due { width: 16; }
    YearsScreen Checkbox { border: none; padding: 0; height: 1; }
    YearsScreen #yr-preview { height: auto; max-height: 6; }
    YearsScreen #yr-problems, YearsScreen #yr-backups { height: 1fr; }
    """
    BINDINGS = [
        Binding("f2", "preview", "预览结转"),
        Binding("f3", "rollover", "结转"),
        Binding("f4", "reopen", "重新开启"),
        Binding("f6", "backup_now", "备份"),
        Binding("f7", "restore", "恢复"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.overview: list[dict] = []
        self.preview: Preview | None = None
        self.preview_key: tuple | None = None
        self.backups: list[BackupInfo] = []
        self.backup_message = ""  # the last backup or restore done here, kept above the count

    def compose(self) -> ComposeResult:
        yield Header()
        table = DataTable(id="yr-years", cursor_type="row", zebra_stripes=True)
        table.add_columns("年度", "状态", "承诺", "兑现率", "满意率", "已结转", "关闭时间")
        yield table
        with TabbedContent(id="yr-tabs"):
            with TabPane("年终结转", id="yr-tab-roll"):
                with Horizontal(classes="row"):
                    yield Label("结转")
                    for code, label, on_ in CARRY_BOXES:
                        yield Tick(label, on_, compact=True, id=f"yr-carry-{code}")
                with Horizontal(classes="row"):
                    yield Label("新时限")
                    yield Select(DUE_CHOICES, value="keep-month-day", allow_blank=False, compact=True, id="yr-due")
                    yield Tick("强制结转（有问题也结转）", compact=True, id="yr-force")
                with Horizontal(classes="row"):
                    yield Button("预览 F2", compact=True, variant="primary", id="yr-preview-btn")
                    yield Button("结转 F3", compact=True, variant="warning", id="yr-roll-btn")
                    yield Button("重新开启 F4", compact=True, id="yr-reopen-btn")
                yield Static("选中上表中的年度，按 F2 预览结转。", id="yr-preview", classes="result")
                problems = DataTable(id="yr-problems", cursor_type="row", zebra_stripes=True)
                problems.add_columns("问题", "党委", "党组织", "承诺人", "承诺事项", "说明")
                yield problems
            with TabPane("备份与恢复", id="yr-tab-backup"):
                with Horizontal(classes="row"):
                    yield Button("立即备份 F6", compact=True, variant="primary", id="yr-backup-btn")
                    yield Button("恢复所选备份 F7", compact=True, variant="error", id="yr-restore-btn")
                yield Static("", id="yr-backup-note", classes="result")
                backups = DataTable(id="yr-backups", cursor_type="row", zebra_stripes=True)
                backups.add_columns("时间", "原因", "大小", "文件")
                yield backups
        with Horizontal(classes="job-bar"):
            yield ProgressBar(total=100, classes="job", show_eta=False)
            yield Static("", classes="job-stage")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#yr-years", DataTable).focus()

    def load(self) -> None:
        self._load()

    # ------------------------------------------------------------ reading
    @work(thread=True, group="years", exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        from pledgebook.models.store.backup import list_backups
        from pledgebook.yearend import years_overview

        with db_thread():
            overview = years_overview()
            backups = list_backups()
        self.app.call_from_thread(self._show, overview, backups)

    def _show(self, overview: list[dict], backups: list[BackupInfo]) -> None:
        table = self.query_one("#yr-years", DataTable)
        keep = self.selected_year() or getattr(self.app, "year", None)
        self.overview = overview
        table.clear()
        for y in reversed(overview):
            state = "已关闭·只读" if y["closed"] else "进行中"
            table.add_row(f"{y['year']}年度", state, str(y["pledges"]), percent(y["fulfilment_rate"]),
                          percent(y["satisfaction_rate"]), str(y["carried"]), (y["closed_at"] or "")[:16],
                          key=str(y["year"]))
        if keep is not None:
            try:
                table.move_cursor(row=table.get_row_index(str(keep)))
            except LookupError:  # the year is gone (a restored older file)
                pass
        self.backups = backups
        listing = self.query_one("#yr-backups", DataTable)
        listing.clear()
        for b in backups:
            listing.add_row(b.taken_at.strftime("%Y-%m-%d %H:%M:%S"), b.label, f"{b.size / 1024**2:.1f} MB", b.path.name,
                            key=str(b.path))
        note = f"共 {len(backups)} 份备份，在 {escape(str(backups[0].path.parent))}" if backups else "还没有备份。按 F6 立即备份。"
        if self.backup_message:
            note = f"{self.backup_message}\n{note}"
        self.query_one("#yr-backup-note", Static).update(note)

    def selected_year(self) -> int | None:
        table = self.query_one("#yr-years", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except LookupError:
            return None
        return int(key) if key else None

    def _year_info(self, year: int) -> dict | None:
        return next((y for y in self.overview if y["year"] == year), None)

    def _options(self) -> tuple[tuple[str, ...], str, bool]:
        carry = tuple(code for code, _label, _on in CARRY_BOXES if self.query_one(f"#yr-carry-{code}", Tick).value)
        due = str(self.query_one("#yr-due", Select).value)
        return carry, due, self.query_one("#yr-force", Tick).value

    def _say(self, text: str) -> None:
        self.query_one("#yr-preview", Static).update(text)

    def _tab(self, pane: str) -> None:
        self.query_one("#yr-tabs", TabbedContent).active = pane

    # ------------------------------------------------------------ buttons
    @on(Button.Pressed, "#yr-preview-btn")
    def _b_preview(self) -> None:
        self.action_preview()

    @on(Button.Pressed, "#yr-roll-btn")
    def _b_roll(self) -> None:
        self.action_rollover()

    @on(Button.Pressed, "#yr-reopen-btn")
    def _b_reopen(self) -> None:
        self.action_reopen()

    @on(Button.Pressed, "#yr-backup-btn")
    def _b_backup(self) -> None:
        self.action_backup_now()

    @on(Button.Pressed, "#yr-restore-btn")
    def _b_restore(self) -> None:
        self.action_restore()

    # ------------------------------------------------------------ rollover
    def _open_year(self) -> int | None:
        """The selected year if it can be rolled over; else say why and None."""
        self._tab("yr-tab-roll")
        year = self.selected_year()
        if year is None:
            self.notify("请先在上表中选中一个年度。", severity="warning")
            return None
        info = self._year_info(year)
        if info is not None and info["closed"]:
            self._say(f"[b]{year}年度已关闭（只读）[/b]，不能再结转。如是误操作，可按 F4 重新开启。")
            return None
        return year

    def action_preview(self) -> None:
        year = self._open_year()
        if year is None:
            return
        carry, due, _force = self._options()
        if not carry:
            self._say("[b red]请至少勾选一种要结转的状态。[/]")
            return

        def run(progress):
            from pledgebook.yearend import preview

            progress("检查", 0.3)
            return preview(year, carry=carry, due_rule=due)

        def done(pv) -> None:
            self.preview = pv
            self.preview_key = (year, carry, due)
            self._say(render_preview(pv))
            problems = self.query_one("#yr-problems", DataTable)
            problems.clear()
            for p in pv.problems:
                problems.add_row(p.label, p.committee, p.org, p.pledger, p.content, p.detail, key=str(p.pledge_id))

        self.start_job("预览结转", run, done, lambda message: self._say(f"[b red]{escape(message)}[/]"))

    @on(DataTable.RowSelected, "#yr-problems")
    def _open_pledge(self, event: DataTable.RowSelected) -> None:
        from pledgebook.tui.screens.detail import PledgeDetailScreen

        if event.row_key.value:
            self.app.push_screen(PledgeDetailScreen(int(event.row_key.value)))

    def action_rollover(self) -> None:
        year = self._open_year()
        if year is None:
            return
        carry, due, force = self._options()
        pv = self.preview
        if pv is None or self.preview_key != (year, carry, due):
            self.notify("请先按 F2 预览这一年度的结转，看过再结转。", severity="warning")
            return
        if pv.blocked and not force:
            self.notify(f"还有 {len(pv.problems)} 个问题未处理。请先处理，或勾选「强制结转」。", title="不能结转",
                        severity="error", timeout=8)
            return
        from pledgebook.tui.dialogs.confirm import ConfirmDialog

        first = (f"结转{year}年度：{pv.to_carry} 条未完成的承诺转入{pv.to}年度，{year}年度随即关闭、只读。\n"
                 "结转前会自动备份；如有误可重新开启。确定结转？")
        second = (f"再次确认：{year}年度还有 {len(pv.problems)} 个问题未处理"
                  f"（{'，'.join(f'{p_label(k)} {n} 条' for k, n in pv.problem_counts.items())}）。\n"
                  f"强制结转后，这些承诺按原状态留在已关闭的{year}年度。确定强制结转？")

        def after_first(yes: bool | None) -> None:
            if not yes:
                return
            if pv.blocked:
                self.app.push_screen(ConfirmDialog(second, "强制结转"), after_second)
            else:
                self._rollover(year, carry, due, False)

        def after_second(yes: bool | None) -> None:
            if yes:
                self._rollover(year, carry, due, True)

        self.app.push_screen(ConfirmDialog(first, "结转"), after_first)

    def _rollover(self, year: int, carry: tuple[str, ...], due: str, force: bool) -> None:
        def run(progress):
            from pledgebook.yearend import rollover

            return rollover(year, carry=carry, due_rule=due, force=force, progress=progress)

        def done(result) -> None:
            app = cast("PledgebookApp", self.app)
            self.preview = None
            self.query_one("#yr-problems", DataTable).clear()
            lines = [f"[b green]{result.year}年度已结转并关闭[/]：{result.carried} 条承诺转入{result.to}年度"
                     + ("（已开启新年度）" if result.opened_next else "")
                     + (f"；强制结转，{result.problems} 个问题留在原年度" if result.forced else "")]
            if result.backup:
                lines.append(f"结转前的备份：{escape(str(result.backup))}")
            if result.archive is not None:
                lines.append(f"归档：{escape(str(result.archive.folder))}"
                             + (f"（{escape(result.archive.error)}）" if result.archive.error else ""))
            lines += [escape(note) for note in result.notes]
            self._say("\n".join(lines))
            self.notify(f"{result.year}年度已结转，转入 {result.carried} 条。", title="年终结转", timeout=8)
            app.set_year(result.to if app.year == result.year else app.year)

        self.start_job("年终结转", run, done, lambda message: self._say(f"[b red]{escape(message)}[/]"))

    # ------------------------------------------------------------ reopen
    def action_reopen(self) -> None:
        self._tab("yr-tab-roll")
        year = self.selected_year()
        info = self._year_info(year) if year is not None else None
        if year is None or info is None:
            self.notify("请先在上表中选中一个年度。", severity="warning")
            return
        if not info["closed"]:
            self._say(f"{year}年度没有关闭，无需重新开启。")
            return

        def run(progress):
            from pledgebook.yearend import reopen_check

            progress("检查", 0.5)
            return reopen_check(year)

        def checked(check) -> None:
            if not check.ok:
                lines = [f"[b red]不能重新开启{year}年度[/]："]
                lines += [f"  {escape(b.text)}" for b in check.blockers[:8]]
                if len(check.blockers) > 8:
                    lines.append(f"  ……另有 {len(check.blockers) - 8} 条")
                self._say("\n".join(lines))
                return
            from pledgebook.tui.dialogs.confirm import ConfirmDialog

            what = (f"撤销结转：删除{check.to}年度中结转来的 {check.carried} 条承诺，原承诺恢复原状态"
                    if check.has_record else "只重新开启年度（没有结转记录）")
            message = f"重新开启{year}年度？\n{what}。\n开启前会自动备份。"
            self.app.push_screen(ConfirmDialog(message, "重新开启"), lambda yes: yes and self._reopen(year))

        self.start_job("检查能否重新开启", run, checked, lambda message: self._say(f"[b red]{escape(message)}[/]"))

    def _reopen(self, year: int) -> None:
        def run(progress):
            from pledgebook.yearend import reopen

            return reopen(year, progress=progress)

        def done(result) -> None:
            app = cast("PledgebookApp", self.app)
            undone = f"，撤销了 {result.undone} 条结转承诺" if result.has_record else ""
            self._say(f"[b green]{year}年度已重新开启{undone}。[/]")
            self.notify(f"{year}年度已重新开启。", title="重新开启")
            app.set_year(app.year)

        self.start_job("重新开启", run, done, lambda message: self._say(f"[b red]{escape(message)}[/]"))

    # ------------------------------------------------------------ backups
    def action_backup_now(self) -> None:
        self._tab("yr-tab-backup")

        def run(progress):
            from pledgebook.models.store.backup import backup

            return backup(progress=progress)

        def done(info) -> None:
            self.backup_message = f"[b green]已备份[/]：{escape(info.path.name)}（{info.size / 1024**2:.1f} MB）"
            self.notify("已备份。", title="备份")
            self._load()

        self.start_job("备份", run, done)

    def action_restore(self) -> None:
        self._tab("yr-tab-backup")
        listing = self.query_one("#yr-backups", DataTable)
        if not self.backups or not listing.row_count:
            self.notify("没有可恢复的备份。", severity="warning")
            return
        chosen = self.backups[min(listing.cursor_row, len(self.backups) - 1)]
        from pledgebook.tui.dialogs.confirm import ConfirmDialog

        message = (f"用 {chosen.taken_at:%Y-%m-%d %H:%M} 的备份（{chosen.label}）替换当前台账？\n"
                   "此后的改动都会被撤销。恢复前会先把当前台账再备份一份。")
        self.app.push_screen(ConfirmDialog(message, "恢复"), lambda yes: yes and self._restore(chosen.path))

    def _restore(self, path) -> None:
        def run(progress):
            from pledgebook.models.store.restore import restore

            return restore(path, progress=progress)

        def done(result) -> None:
            safety = result.safety_backup.name if result.safety_backup else "—"
            self.backup_message = f"[b green]已恢复[/] {escape(result.source.name)}；恢复前的台账已备份为 {escape(safety)}"
            self.notify("已恢复备份，台账已重新载入。", title="恢复备份", timeout=8)
            self._reload_app()

        self.start_job("恢复备份", run, done)

    def _reload_app(self) -> None:
        """After a restore: read the county, the categories and the years again."""
        from pledgebook.models.ledger import queries, rules
        from pledgebook.models.store import db

        app = cast("PledgebookApp", self.app)
        app.county_name = db.county()["name"]
        queries.category_labels(refresh=True)
        app.set_year(rules.current_year())
