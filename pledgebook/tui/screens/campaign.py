"""帮扶: contact points, pairings and stationed cadres per 党委, the monthly entry form, coverage, idle people.

Left: the 党委 (全县 first) with their running contact points and cadres; right: the
places (contact points, pairings, stationings) of the chosen one in the shown month with
how many logs each has. Enter on a place opens the monthly form; after a save the next
place opens, so a month's sheet is typed straight through. [ and ] change the month,
n adds a contact point, pairing or stationing, E changes the selected one, x ends it;
c shows coverage, i the people who logged nothing lately. Reads go through
:mod:`pledgebook.models.campaign.queries`, the forms are in :mod:`pledgebook.tui.dialogs.campaign_places`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from pledgebook.models.campaign import queries as hq
from pledgebook.models.core import vocab
from pledgebook.tui.names import short_name
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.focus import focus_now
from pledgebook.tui.worker_db import db_thread

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp


def short(name: str) -> str:
    """The committee as every screen names it where space is short (tui/names.py): 联珠镇党委."""
    return short_name(name)


def default_month(app_year: int | None, today: date) -> tuple[int, int]:
    if app_year is None or app_year == today.year:
        return today.year, today.month
    return (app_year, 12) if app_year < today.year else (app_year, 1)


class CampaignScreen(AreaScreen):
    DEFAULT_CSS = """
    CampaignScreen #campaign-summary { height: 1; padding: 0 1; }
    CampaignScreen #campaign-committees { width: 26; }
    CampaignScreen #campaign-places { width: 1fr; }
    """
    BINDINGS = [
        Binding("left_square_bracket", "shift_month(-1)", "换月", key_display="[ ]"),
        Binding("right_square_bracket", "shift_month(1)", "下月", show=False),
        Binding("e", "enter_logs", "录入"),
        Binding("n", "new_place", "新增"),
        Binding("E", "edit_place", "修改"),
        # in F1 help and the palette; the footer must fit 80 columns
        Binding("x", "end_place", "结束", show=False),
        Binding("c", "coverage", "覆盖", show=False),
        Binding("i", "idle", "未记录", show=False),
    ]

    class Loaded(Message):
        def __init__(self, committees: list[hq.CommitteeRow] | None, places: list[hq.PlaceRow]) -> None:
            super().__init__()
            self.committees = committees
            self.places = places

    def __init__(self) -> None:
        super().__init__()
        self.org_id: int | None = None
        self.year = 0
        self.month = 0
        self.rows: list[hq.PlaceRow] = []
        self.committee_rows: list[hq.CommitteeRow] = []
        self.open_next = False
        self.select_after: tuple[str, int] | None = None  # a record just written: put the cursor on it

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="campaign-summary")
        with Horizontal():
            table = DataTable(id="campaign-committees", cursor_type="row", zebra_stripes=True)
            # short names, as the tree and the home screen: 中共联珠镇委员会 → 联珠镇党委
            for label, width in (("党委", 12), ("联系点", 6), ("驻村", 4)):
                table.add_column(label, width=width)
            yield table
            places = DataTable(id="campaign-places", cursor_type="row", zebra_stripes=True)
            for label, width in (("姓名", 6), ("类型", 8), ("联系点/帮扶对象/村", 24), ("本月", 4)):
                places.add_column(label, width=width)
            yield places
        yield Footer()

    def on_mount(self) -> None:
        today = getattr(self.app, "today", date.today())
        self.year, self.month = default_month(getattr(self.app, "year", None), today)
        self.query_one("#campaign-places", DataTable).focus()

    @property
    def today(self) -> date:
        return getattr(self.app, "today", date.today())

    def load(self) -> None:
        self._query(self.org_id, self.year, self.month, True)

    @work(thread=True, group="campaign-area", exclusive=True, exit_on_error=False)
    def _query(self, org_id: int | None, year: int, month: int, with_committees: bool) -> None:
        with db_thread():
            committees = hq.committees(self.today) if with_committees else None
            places = hq.places(org_id, year, month)
        self.post_message(self.Loaded(committees, places))

    def on_campaign_screen_loaded(self, message: Loaded) -> None:
        if message.committees is not None:
            self.committee_rows = message.committees
            table = self.query_one("#campaign-committees", DataTable)
            table.clear()
            for row in message.committees:
                table.add_row(short(row.name), str(row.contact_points), str(row.stationed))
        places = self.query_one("#campaign-places", DataTable)
        keep = places.cursor_row
        places.clear()
        self.rows = message.places
        for row in self.rows:
            name = f"{row.name}（{self.ended(row.end)}止）" if row.end else row.name
            places.add_row(row.person, row.what, name, str(row.logged) if row.logged else "—")
        if self.rows:
            places.move_cursor(row=min(keep, len(self.rows) - 1))
        done = sum(1 for r in self.rows if r.logged)
        where = next((c.name for c in self.committee_rows if c.id == self.org_id), "全县")
        self.query_one("#campaign-summary", Static).update(
            f"[b]{self.year}年{self.month}月[/b] · {short(where)} · {len(self.rows)} 处联系点/结对/驻村，"
            f"本月已记录 {done} 处")
        if self.select_after is not None:
            self._select_written(*self.select_after)
            self.select_after = None
        if self.open_next:
            self.open_next = False
            self.action_enter_logs()

    def ended(self, end: date) -> str:
        """An end date, short: the year only when it is not the shown month's."""
        return f"{end.year}年{end.month}月{end.day}日" if end.year != self.year else f"{end.month}月{end.day}日"

    @on(DataTable.RowSelected, "#campaign-committees")
    def _committee(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.committee_rows):
            self.org_id = self.committee_rows[event.cursor_row].id
            self._query(self.org_id, self.year, self.month, False)
            focus_now(self.query_one("#campaign-places", DataTable))

    @on(DataTable.RowSelected, "#campaign-places")
    def _place(self, event: DataTable.RowSelected) -> None:
        self.action_enter_logs()

    def action_shift_month(self, step: int) -> None:
        month = self.month + step
        self.year, self.month = self.year + (month - 1) // 12, (month - 1) % 12 + 1
        self._query(self.org_id, self.year, self.month, False)

    def current_place(self) -> hq.PlaceRow | None:
        table = self.query_one("#campaign-places", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def chosen_place(self) -> hq.PlaceRow | None:
        """The selected place, or None with a word on what to do."""
        place = self.current_place()
        if place is None:
            self.app.notify("这里没有在期的联系点、结对或驻村记录。请先选择党委、换月，或按 n 新增、导入名单。",
                            severity="warning")
        return place

    def action_enter_logs(self) -> None:
        place = self.chosen_place()
        if place is None:
            return
        from pledgebook.tui.dialogs.campaign_month import CampaignMonthForm

        def after(result: str | None) -> None:
            if result != "next":
                return
            table = self.query_one("#campaign-places", DataTable)
            if table.cursor_row + 1 < len(self.rows):
                table.move_cursor(row=table.cursor_row + 1)
                self.open_next = True  # the reload after the save opens the next place

        self.app.push_screen(CampaignMonthForm(place, self.year, self.month, today=self.today), after)

    # ------------------------------------------------------------ add, change, end
    def action_new_place(self, table: str = "") -> None:
        """n: choose the kind, then its form; the palette names the kind directly."""
        if not self.app.writable():
            return
        from pledgebook.tui.dialogs import campaign_places

        if not table:
            self.app.push_screen(campaign_places.NewPlaceChooser(), lambda chosen: chosen and self.action_new_place(chosen))
            return
        form = campaign_places.FORMS[table](today=self.today)
        self.app.push_screen(form, self._written(f"已新增{campaign_places.KINDS[table]}"))

    def action_edit_place(self) -> None:
        place = self.chosen_place()
        if place is None or not self.app.writable():
            return
        from pledgebook.tui.dialogs import campaign_places

        detail = hq.place_detail(place.table, place.id)
        if detail is None:
            self.app.notify("这条记录已被删除，请按 F5 刷新。", severity="warning")
            return
        self.app.push_screen(campaign_places.FORMS[place.table](detail, today=self.today), self._written("已保存修改"))

    def action_end_place(self) -> None:
        place = self.chosen_place()
        if place is None or not self.app.writable():
            return
        from pledgebook.tui.dialogs.campaign_places import EndPlaceForm

        what = vocab.HELP_PLACES[place.table]
        self.app.push_screen(EndPlaceForm(place, today=self.today), self._written(f"已结束{place.person}的{what}"))

    def _written(self, message: str) -> Callable[[tuple[str, int] | None], None]:
        def after(result: tuple[str, int] | None) -> None:
            if result:
                self.select_after = result  # the reload after the write moves the cursor there
                self.app.notify(message)

        return after

    def _select_written(self, table: str, record_id: int) -> None:
        index = next((i for i, r in enumerate(self.rows) if (r.table, r.id) == (table, record_id)), None)
        if index is not None:
            self.query_one("#campaign-places", DataTable).move_cursor(row=index)
            return
        self.app.notify(f"已保存。{self.year}年{self.month}月的这份列表中没有它（这个月不在它的期间内，或属于别的党委）。",
                        timeout=8)

    def action_coverage(self) -> None:
        self.app.push_screen(CoverageScreen(self.year, self.org_id))

    def action_idle(self) -> None:
        self.app.push_screen(IdleScreen(self.org_id))


class CoverageScreen(Screen):
    """覆盖情况: villages with a stationed cadre or a contact point, and the ones without."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "返回")]

    class Loaded(Message):
        def __init__(self, coverage: hq.Coverage) -> None:
            super().__init__()
            self.coverage = coverage

    def __init__(self, year: int | None = None, org_id: int | None = None) -> None:
        super().__init__()
        self.year = year
        self.org_id = org_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("正在统计…", id="coverage-summary")
        table = DataTable(id="coverage-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("未覆盖的村", "所属党委", "组织代码")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        focus_now(self.query_one(DataTable))
        today = getattr(self.app, "today", date.today())
        self._load(self.year or getattr(self.app, "year", None) or today.year, today)

    @work(thread=True, exit_on_error=False)
    def _load(self, year: int, today: date) -> None:
        with db_thread():
            result = hq.coverage(year, self.org_id, today=today)
        self.post_message(self.Loaded(result))

    def on_coverage_screen_loaded(self, message: Loaded) -> None:
        c = message.coverage
        rate = f"{c.rate:.1%}" if c.rate is not None else "—"
        self.query_one("#coverage-summary", Static).update(
            f"[b]{c.year}年覆盖情况[/b]：村 {c.villages} 个，有驻村干部或联系点的 {c.covered} 个，覆盖率 {rate}；"
            f"未覆盖 {len(c.uncovered)} 个  [dim]Esc 返回[/]")
        table = self.query_one(DataTable)
        table.clear()
        for name, committee, code in c.uncovered:
            table.add_row(name, committee, code)


class IdleScreen(Screen):
    """长期未记录: holders of a contact point, pairing or stationing who logged nothing in N months."""

    DEFAULT_CSS = """
    IdleScreen #idle-bar { height: 1; padding: 0 1; }
    IdleScreen #idle-bar Input { width: 6; }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", "返回")]

    class Loaded(Message):
        def __init__(self, months: int, rows: list[hq.IdleRow]) -> None:
            super().__init__()
            self.months = months
            self.rows = rows

    def __init__(self, org_id: int | None = None, months: int = 3) -> None:
        super().__init__()
        self.org_id = org_id
        self.months = months

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="idle-bar"):
            yield Label("最近几个月未记录（1–24）：")
            yield Input(str(self.months), id="idle-months", restrict=r"[0-9]*", compact=True)
        yield Static("正在查找…", id="idle-summary")
        table = DataTable(id="idle-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("姓名", "所在党组织", "身份", "联系点/结对/驻村", "最后记录")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        focus_now(self.query_one(DataTable))
        self._load(self.months)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self, months: int) -> None:
        today = getattr(self.app, "today", date.today())
        with db_thread():
            rows = hq.idle(months, today=today, org_id=self.org_id)
        self.post_message(self.Loaded(months, rows))

    def on_idle_screen_loaded(self, message: Loaded) -> None:
        self.query_one("#idle-summary", Static).update(
            f"[b]最近 {message.months} 个月没有帮扶记录的 {len(message.rows)} 人[/b]"
            "  [dim]上方可改月数，回车刷新 · Esc 返回[/]")
        table = self.query_one(DataTable)
        table.clear()
        for r in message.rows:
            table.add_row(r.name, r.org, r.roles, r.places, r.last_log)

    @on(Input.Submitted, "#idle-months")
    def _months(self, event: Input.Submitted) -> None:
        try:
            months = int(event.value or "0")
        except ValueError:
            months = 0
        if not 1 <= months <= 24:
            self.app.notify("月数请填 1 到 24 之间的整数", severity="warning")
            return
        self.months = months
        self._load(months)
        focus_now(self.query_one(DataTable))


def open_coverage(app: PledgebookApp) -> None:
    """覆盖情况 from the palette: over whatever screen is shown."""
    app.push_screen(CoverageScreen(app.year))


def open_idle(app: PledgebookApp) -> None:
    """长期未记录 from the palette."""
    app.push_screen(IdleScreen())
