"""The TUI: browse, record and evaluate a county's pledges.

Areas by number key: 1 总览, 2 承诺台账, 3 人员, 4 导入, 5 上报, 6 年度, 7 帮扶, 8 评议评星; the year is chosen at the
top (y). Every action is in the command palette (Ctrl+P). Reads go through
:mod:`pledgebook.models.ledger.queries`, writes through :mod:`pledgebook.models.ledger.rules`,
both in thread workers; this module holds no SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from weakref import WeakKeyDictionary

from textual import events, work
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widget import Widget

from pledgebook.models.core.errors import PledgebookError, YearClosed
from pledgebook.tui.catalog import AREAS
from pledgebook.tui.home_data import HomeData, prefetch
from pledgebook.tui.palette import Palette, PledgebookCommands
from pledgebook.tui.textual_patches import styled_like
from pledgebook.tui.widgets import keys
from pledgebook.tui.widgets.chrome import collector_on, forget_closed_widgets
from pledgebook.tui.worker_db import db_thread

if TYPE_CHECKING:
    from pledgebook.models.ledger.figures import YearInfo

# the pledge writes: a closed year refuses them, so their keys are not shown there (the palette says why)
YEAR_WRITES = frozenset({
    "new_pledge", "edit_pledge", "add_progress", "set_status", "evaluate", "close_rectification",
    "delete_pledge", "undo_delete",
})
T = TypeVar("T")
KEY_NAMES = {"escape": "Esc", "enter": "⏎", "delete": "Del", "backspace": "⌫", "tab": "Tab"}


class PledgebookApp(App):
    TITLE = "承诺台账"
    CSS_PATH = "app.tcss"
    COMMANDS = {PledgebookCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    MODES: dict[str, str | Callable[[], Screen[object]]] = {}  # the areas are added in __init__ (see _fresh_screen)
    BINDINGS = [
        # one footer entry stands for all area keys (1 总览 … 7 帮扶; F1 lists them)
        Binding(AREAS[0].key, f"switch_area('{AREAS[0].name}')", "切换区域", key_display=f"{AREAS[0].key}-{AREAS[-1].key}"),
        *(Binding(area.key, f"switch_area('{area.name}')", area.title, show=False) for area in AREAS[1:]),
        Binding("y", "choose_year", "年度"),
        Binding("u", "undo_delete", "撤销删除", show=False),
        Binding("f1", "help", "帮助"),
        Binding("f5", "refresh_data", "刷新", show=False),
        Binding("q", "quit", "退出", show=False),  # in F1 help; the footer must fit 80 columns
        # our own palette binding, so the footer says 命令面板 (Textual's own says "palette")
        Binding("ctrl+p", "command_palette", "命令面板", show=False, key_display="^p", priority=True,
                tooltip="打开命令面板：所有操作"),
    ]

    held_keys: list[events.Key] | None = None  # the keys that wait for what an Enter leads to (widgets/keys.py)
    console_hint: str | None = None  # the legacy console's word, said once (console.py; set by startup.launch)

    def __init__(self, db_path: Path | None = None, *, today: date | None = None, poll_seconds: float = 2.0,
                 prefetched: Future[HomeData | None] | None = None):
        """``prefetched``: the home figures already being read (:func:`pledgebook.tui.startup.launch`)."""
        super().__init__()
        keys.install()
        self.db_path = db_path
        self.today = today or date.today()
        self.poll_seconds = poll_seconds
        self.year: int | None = None
        self.year_closed = False
        self.county_name = ""
        self.version = 0  # bumped whenever the data changed; screens reload when behind
        self.last_deleted: tuple[str, int] | None = None
        self._data_version: int | None = None
        self.key_targets: WeakKeyDictionary[events.Key, Widget | None] = WeakKeyDictionary()  # who a key was sent to
        for area in AREAS:
            self.add_mode(area.name, self._fresh_screen(area.make_screen))
        self._home_prefetch: Future[HomeData | None] | None = None
        if db_path is not None:
            from pledgebook.models.store.db import open_database
            from pledgebook.models.store.tables import database

            if database.database != str(Path(db_path)):
                open_database(db_path)
            # the UI thread reads a handful of rows at a time (a detail, a poll): a small page
            # cache, not the 32 MB that imports and reports want (it stays in the peak memory)
            from pledgebook.tui.worker_db import UI_CACHE_KIB

            database.execute_sql(f"PRAGMA cache_size = -{UI_CACHE_KIB}")
            # the home figures take about as long as Textual's start: read them meanwhile
            self._home_prefetch = prefetched or prefetch(self.today)

    def _fresh_screen(self, factory: Callable[[], Screen[object]]) -> Callable[[], Screen[object]]:
        """``factory`` for an area's screen, made so that opening it costs no stylesheet re-parse.

        Textual (8.x) re-parses the whole stylesheet, twice, when a mode's first
        screen is shown (:func:`pledgebook.tui.textual_patches.styled_like`): about
        50 ms of the first screen on an office PC.
        """

        def make() -> Screen[object]:
            screen = factory()
            styled_like(screen, self)
            return screen

        return make

    # ------------------------------------------------------------ keys in order (widgets/keys.py)
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if keys.held(self, event):
                return
            self.key_targets[event] = self.focused
        await super().on_event(event)

    def _on_key(self, event: events.Key) -> None:
        # Textual calls App._on_key after this one unless the default is prevented
        if keys.redirect(self, event, self.key_targets.get(event)):
            event.prevent_default()

    def pop_screen(self) -> AwaitComplete:
        result = super().pop_screen()
        forget_closed_widgets(self)
        return result

    # ------------------------------------------------------------ start
    def on_mount(self) -> None:
        from pledgebook.models.store.db import is_initialized

        self.theme = "textual-dark"
        if is_initialized():
            self.start_ledger()
        else:
            from pledgebook.tui.screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen())
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.poll_changes)
        # launch() starts with the cyclic collector off; the home screen turns it back on once drawn,
        # this whatever the first screen is (the welcome on an empty file)
        self.set_timer(5.0, collector_on)
        from pledgebook.tui import console

        console.greet(self, self.console_hint)  # the legacy console's word, once

    def start_ledger(self) -> None:
        # the year and the categories without ledger.queries (the list, detail and search readers,
        # ~10 ms to import): the first screen needs none of it
        from pledgebook.models.ledger.categories import category_labels
        from pledgebook.models.ledger.figures import current_year, years
        from pledgebook.models.store import db

        self.county_name = db.county()["name"]
        category_labels(refresh=True)
        known = years()
        self.set_year(current_year(known), known)
        self.switch_mode("home")

    def set_year(self, year: int | None, known: list[YearInfo] | None = None) -> None:
        from pledgebook.models.ledger.figures import years

        closed = {y.year: y.closed for y in (known if known is not None else years())}
        self.year = year
        self.year_closed = bool(closed.get(year, False))
        state = "（已关闭·只读）" if self.year_closed else ""
        from pledgebook.models.store.db import read_only_reason

        # a ledger on a read-only disk or in a folder without write permission: shown, and said once
        locked = read_only_reason()
        self.sub_title = f"{self.county_name} · {year}年度{state}" + ("（只读打开：不能修改）" if locked else "")
        if locked and known is not None:
            self.notify(f"{locked}，台账以只读方式打开：可以查看和导出，不能修改。", title="只读打开", timeout=15)
        self.refresh_bindings()  # the footers drop the keys a closed year refuses (refuses)
        self.bump()

    def refuses(self, action: str) -> bool:
        """``action`` (a binding's, 「app.evaluate」) cannot work now: the footer does not show its key.
        The key still answers, with the reason (「2011年度已关闭…」)."""
        name = action.removeprefix("app.")
        if self.year is None:  # no ledger yet (the welcome screen): the areas and the year are not there
            return name.startswith(("switch_area", "choose_year")) or name in YEAR_WRITES
        # an area's own writes: its screen's ``YEAR_WRITES`` (评议评星)
        return self.year_closed and (name in YEAR_WRITES or name in getattr(self.screen, "YEAR_WRITES", ()))

    def get_key_display(self, binding: Binding) -> str:
        """「Esc」, 「⏎」, 「Del」 as a clerk's keyboard says them (Textual writes 「esc」, 「delete」)."""
        if binding.key_display:
            return binding.key_display
        first = binding.key.split(",")[0].strip()
        if first[:1] == "f" and first[1:].isdigit():
            return first.upper()
        return KEY_NAMES.get(first) or super().get_key_display(binding)

    def take_home_prefetch(self, year: int | None, org_id: int | None) -> Future[HomeData | None] | None:
        """The figures read at launch, once, for the first load of the county level of ``year``."""
        future, self._home_prefetch = self._home_prefetch, None
        if future is None or org_id is not None or year is None:
            return None
        return future

    # ------------------------------------------------------------ data changes
    def bump(self) -> None:
        """The data changed: the current screen reloads now, others when shown."""
        self.version += 1
        reload = getattr(self.screen, "refresh_data", None)
        if reload is not None:
            reload()

    def poll_changes(self) -> None:
        """Another program (a scheduled import) wrote to the file: reload."""
        from peewee import OperationalError

        from pledgebook.models.ledger import queries

        try:
            version = queries.data_version()
        except OperationalError:
            return  # busy right now: look again at the next tick
        if self._data_version is not None and version != self._data_version:
            self._home_prefetch = None
            self.bump()
        self._data_version = version

    def run_write(
        self,
        fn: Callable[[], T],
        done: Callable[[T], None] | None = None,
        failed: Callable[[PledgebookError], None] | None = None,
    ) -> None:
        """Run a write from the rules in a thread worker; report back on the UI thread."""
        self._write(fn, done, failed)

    @work(thread=True, group="write", exit_on_error=False)
    def _write(self, fn: Callable[[], T], done: Callable[[T], None] | None,
               failed: Callable[[PledgebookError], None] | None) -> None:
        try:
            with db_thread(cache_kib=None):
                result = fn()
        except PledgebookError as exc:
            self.call_from_thread(failed or self.show_error, exc)
            return
        self.call_from_thread(self._written, result, done)

    def _written(self, result: T, done: Callable[[T], None] | None) -> None:
        self._home_prefetch = None  # read before this write
        if done is not None:
            done(result)
        self.bump()

    def show_error(self, exc: PledgebookError) -> None:
        self.notify(exc.message, title="未能保存", severity="error", timeout=8)

    def writable(self) -> bool:
        """Refuse a write in a closed year, with the reason."""
        if self.year is not None and self.year_closed:
            self.notify(YearClosed(self.year).message, title="只读年度", severity="error", timeout=8)
            return False
        return True

    # ------------------------------------------------------------ navigation
    def action_switch_area(self, name: str) -> None:
        if self.year is None:
            return
        self.switch_mode(name)

    def open_area(self, name: str, then: str | None = None) -> None:
        """Switch to an area (when the ledger is open) and, once it is shown, run one of its screen's actions."""
        if self.year is None:
            return
        self.switch_mode(name)
        if then is not None:
            self.call_after_refresh(lambda: self.screen.run_action(then))

    def open_ledger(self, org_id: int | None) -> None:
        """Show the pledges of one org's subtree (from 总览)."""
        self.switch_mode("pledges")
        select = getattr(self.screen, "select_org", None)
        if select is not None and org_id is not None:
            select(org_id)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette())

    def action_help_quit(self) -> None:
        """Ctrl+C: copies the selected text where there is one (Textual's own binding runs first); else says how to quit."""
        self.notify("Ctrl+C 用来复制选中的文字，这里没有选中的文字。退出请按 Ctrl+Q（列表中也可按 q）。",
                    title="复制", timeout=6)

    def action_help(self) -> None:
        from pledgebook.tui.dialogs.keys_help import KeysHelpScreen

        self.push_screen(KeysHelpScreen())

    def action_refresh_data(self) -> None:
        self.bump()

    def action_choose_year(self) -> None:
        if self.year is None:
            return
        from pledgebook.tui.dialogs.year import YearDialog

        def chosen(year: int | None) -> None:
            if year is not None and year != self.year:
                self.set_year(year)
                self.notify(f"已切换到 {year} 年度" + ("（已关闭，只读）" if self.year_closed else ""))

        self.push_screen(YearDialog(self.year), chosen)

    # ------------------------------------------------------------ pledge actions
    def current_pledge(self) -> int | None:
        pledge_id = getattr(self.screen, "current_pledge_id", None)
        if pledge_id is None:
            self.notify("请先在承诺台账中选中一条承诺。", severity="warning")
        return pledge_id

    def action_new_pledge(self) -> None:
        if self.year is None or not self.writable():
            return
        from pledgebook.tui.dialogs.pledge import PledgeForm

        org_id = getattr(self.screen, "current_org_id", None)
        self.push_screen(PledgeForm(self.year, org_id=org_id), self._saved("已新建承诺"))

    def action_edit_pledge(self) -> None:
        pledge_id = self.current_pledge()
        if pledge_id is None or not self.writable():
            return
        from pledgebook.tui.dialogs.pledge import PledgeForm

        self.push_screen(PledgeForm(self.year, pledge_id=pledge_id), self._saved("已保存修改"))

    def action_add_progress(self) -> None:
        pledge_id = self.current_pledge()
        if pledge_id is None or not self.writable():
            return
        from pledgebook.tui.dialogs.record import ProgressForm

        self.push_screen(ProgressForm(pledge_id, self.today), self._saved("已添加践诺记录"))

    def action_set_status(self) -> None:
        pledge_id = self.current_pledge()
        if pledge_id is None or not self.writable():
            return
        from pledgebook.tui.dialogs.record import StatusForm

        self.push_screen(StatusForm(pledge_id, self.today), self._saved("已更新兑现情况"))

    def action_evaluate(self) -> None:
        pledge_id = self.current_pledge()
        if pledge_id is None or not self.writable():
            return
        from pledgebook.tui.dialogs.evaluation import EvaluationForm

        self.push_screen(EvaluationForm(pledge_id, self.today), self._saved("已记录评议"))

    def action_close_rectification(self) -> None:
        pledge_id = self.current_pledge()
        if pledge_id is None or not self.writable():
            return
        from pledgebook.models.ledger import queries
        from pledgebook.tui.dialogs.record import CloseRectificationForm

        detail = queries.pledge_detail(pledge_id, self.today)
        open_items = detail.open_rectifications if detail else []
        if not open_items:
            self.notify("这条承诺没有待整改的评议。", severity="warning")
            return
        self.push_screen(CloseRectificationForm(open_items, self.today), self._saved("整改已销号"))

    def action_delete_pledge(self) -> None:
        pledge_id = self.current_pledge()
        if pledge_id is None or not self.writable():
            return
        from pledgebook.models.ledger import rules
        from pledgebook.tui.dialogs.confirm import ConfirmDialog

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def deleted(_result: object) -> None:
                self.last_deleted = ("pledge", pledge_id)
                self.notify(f"已删除第 {pledge_id} 号承诺。按 u 可撤销。", title="已删除", timeout=10)
                if getattr(self.screen, "current_pledge_id", None) == pledge_id and hasattr(self.screen, "is_detail"):
                    self.pop_screen()

            self.run_write(lambda: rules.soft_delete("pledge", pledge_id), deleted)

        self.push_screen(ConfirmDialog(f"确定删除第 {pledge_id} 号承诺吗？\n删除后可按 u 撤销。", "删除"), confirmed)

    def action_undo_delete(self) -> None:
        if self.last_deleted is None:
            self.notify("没有可撤销的删除。", severity="warning")
            return
        from pledgebook.models.ledger import rules

        table, record_id = self.last_deleted

        def restored(_result: object) -> None:
            self.last_deleted = None
            self.notify(f"已恢复第 {record_id} 号承诺。", title="已撤销删除")

        self.run_write(lambda: rules.restore(table, record_id), restored)

    def action_export_list(self) -> None:
        """导出当前列表 (palette): the ledger's list as it is filtered and sorted now."""
        if self.year is None:
            return
        if not hasattr(self.screen, "action_export_list"):
            self.switch_mode("pledges")
        self.call_after_refresh(lambda: self.screen.action_export_list())

    def action_new_person(self) -> None:
        from pledgebook.tui.dialogs.person import PersonForm

        self.push_screen(PersonForm(), self._saved("已保存人员信息"))

    def _saved(self, message: str) -> Callable[[object], None]:
        def after(result: object) -> None:
            if result:
                self.notify(message)

        return after


