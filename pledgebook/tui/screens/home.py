"""总览: the year's figures for the county and per 党委, with a bar for 兑现率."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from pledgebook.models.ledger.figures import Figures, percent
from pledgebook.tui.home_data import HomeData, HomeRow, home_rows
from pledgebook.tui.names import short_name
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header, collector_on, freeze_startup
from pledgebook.tui.widgets.virtual_table import Column, VirtualTable, VRow
from pledgebook.tui.worker_db import FIGURES_CACHE_KIB, db_thread

BAR = " ▏▎▍▌▋▊▉█"

COLUMNS = [
    Column("name", "党组织", 26),
    Column("n", "承诺", 6, right=True),
    Column("carried", "已结转", 6, right=True),
    Column("rate", "兑现率", 6, right=True),
    Column("bar", "", 6),
    Column("sat", "满意率", 6, right=True),
    Column("overdue", "逾期", 5, right=True),
    Column("rect", "待整改", 6, right=True),
]


# one colour per status, for the breakdown line and its stacked bar: the RGB of rich's
# grey62, dodger_blue2, green3, gold3, red3, grey42, medium_purple3. Hex, because Textual's
# markup tries its own colour names first and a miss costs a "did you mean" search (~1 ms each).
STATUS_COLOURS = {
    "draft": "#9e9e9e", "in_progress": "#005fff", "fulfilled": "#00d700", "partly": "#d7af00",
    "unfulfilled": "#d70000", "withdrawn": "#6c6c6c", "carried": "#875fd7",
}


def status_breakdown(by_status: dict[str, int], width: int = 24, room: int | None = None) -> str:
    """"■拟定 3 ■践诺中 120 …" and a stacked bar of ``width`` cells, as markup, on one line of ``room``
    cells when given (80×24: the bar gives way first, then the statuses with none, then the gaps)."""
    from rich.cells import cell_len

    from pledgebook.models.core import vocab

    total = sum(by_status.values())
    entries = [(code, label, by_status.get(code, 0)) for code, label in vocab.PLEDGE_STATUSES.items()]
    gap = "  "
    if room is not None:
        def length(items: list, sep: str) -> int:
            return sum(cell_len(f"■{label} {n}") for _c, label, n in items) + len(sep) * (len(items) - 1)

        if length(entries, gap) + 2 + min(width, 8) > room:
            entries = [e for e in entries if e[2]] or entries
        if length(entries, gap) > room:
            gap = " "
        width = max(0, min(width, room - length(entries, gap) - 2))
        if width < 2 * sum(1 for e in entries if e[2]):  # too short to show each part: no bar
            width = 0
    parts, cells = [], []
    shown = 0
    for code, label, n in entries:
        colour = STATUS_COLOURS[code]
        parts.append(f"[{colour}]■[/]{label} {n}")
        if total and n and width:
            share = round(n * width / total)
            share = max(share, 1)
            cells.append((colour, share))
            shown += share
    if cells and shown != width:  # rounding: the largest part takes up the difference
        i = max(range(len(cells)), key=lambda k: cells[k][1])
        cells[i] = (cells[i][0], max(cells[i][1] + width - shown, 1))
    chart = "".join(f"[{c}]{'█' * n}[/]" for c, n in cells)
    return chart + ("  " if chart else "") + gap.join(parts)


def bar(rate: float | None, width: int = 10) -> str:
    """A rate as a horizontal bar of ``width`` cells, in eighths."""
    if rate is None:
        return ""
    eighths = round(max(0.0, min(1.0, rate)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (BAR[part] if part else "")).ljust(width)


class FigureTable(VirtualTable):
    """The figures per organization: Enter goes one level down."""

    BINDINGS = [Binding("enter", "select", "进入下级")]


def _usable(future: Future[HomeData | None], year: int, org_id: int | None) -> HomeData | None:
    """The prefetched figures if they are for this year and level (a failed read is read again)."""
    if future.exception() is not None:
        return None
    data = future.result()
    return data if data is not None and data.year == year and data.org_id == org_id else None


LEGEND = "逾期＝已过时限仍未兑现；待整改＝整改未销号"


def crumbs_text(trail: list[str], year: int | None, total: Figures, ro: str, room: int) -> str:
    """「云岭县 › 联珠镇党委  2026年度  承诺 551 条，已兑现 377，兑现率 68.8%，满意率 98.6%」 on one line of
    ``room`` cells: at 80 columns 已兑现 gives way, then the year (it is in the header)."""
    from rich.cells import cell_len
    from rich.text import Text

    where = " › ".join(short_name(name) for name in trail)
    rates = f"兑现率 {percent(total.fulfilment_rate)}，满意率 {percent(total.satisfaction_rate)}"
    for text in (
        f"[b]{where}[/b]  {year}年度  承诺 {total.pledges} 条，已兑现 {total.fulfilled}，{rates}{ro}",
        f"[b]{where}[/b]  {year}年度  承诺 {total.pledges} 条，{rates}{ro}",
        f"[b]{where}[/b]  承诺 {total.pledges} 条，{rates}{ro}",
    ):
        # no emoji codes to replace (and not loading rich's table of them: ~2 ms of the first screen)
        if cell_len(Text.from_markup(text, emoji=False).plain) <= room:
            return text
    return text


def next_steps(orgs: int, pledges: int, closed: bool) -> str:
    """What a new county does next, said on the home screen until there are pledges (no spaces: a
    space is where the line may break, and the sentence would leave 「按 4」 alone on the first line)."""
    if pledges or closed:
        return LEGEND
    if not orgs:
        return ("[b]下一步[/b]：按[b]4[/b]打开「导入」，先导入乡镇报来的「党组织名单」，再导入「党员名册」"
                "和「承诺台账」（空白模板也在那里下载）；之后就可以按[b]n[/b]新建承诺。")
    return ("[b]下一步[/b]：按[b]4[/b]导入「党员名册」和「承诺台账」，或按[b]n[/b]直接新建一条承诺"
            "（按3查看、新增人员）。")


class HomeScreen(AreaScreen):
    BINDINGS = [
        Binding("l", "ledger", "查看承诺"),
        Binding("backspace,escape", "up", "上一级"),
        Binding("n", "app.new_pledge", "新建承诺"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[HomeRow], trail: list[str], generation: int = 0) -> None:
            super().__init__()
            self.rows = rows
            self.trail = trail
            self.generation = generation

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[int | None] = [None]  # drill-down: None is the county
        self.rows: list[HomeRow] = []
        self.generation = 0  # of the latest load: an older answer is dropped
        self._settled = False  # start-up objects frozen (see freeze_startup)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("正在统计……", id="crumbs")
        yield Static("", id="by-status")
        # a light line-drawn table: DataTable renders every cell through rich, the
        # largest single cost of the first screen
        yield FigureTable(COLUMNS, empty="（本年度还没有承诺）", zebra=True, id="figures")
        yield Static(LEGEND, id="legend")
        yield Footer()

    def load(self) -> None:
        year, org_id = self.app.year, self.stack[-1]
        if year is None:
            return
        self.generation += 1
        take = getattr(self.app, "take_home_prefetch", None)
        prefetched = take(year, org_id) if take else None
        if prefetched is None:
            self._load(year, org_id, self.generation)
            return
        generation = self.generation
        if prefetched.done():  # read while Textual started (as a rule): shown now, no worker
            data = _usable(prefetched, year, org_id)
            if data is not None:
                self.post_message(self.Loaded(data.rows, data.trail, generation))
                return
        # the figures read at launch: shown the moment they are ready (posting is thread-safe)
        posted = threading.Event()

        def ready(future: Future[HomeData | None]) -> None:
            data = _usable(future, year, org_id)
            if data is not None:
                self.post_message(self.Loaded(data.rows, data.trail, generation))
            posted.set()

        prefetched.add_done_callback(ready)
        self._load(year, org_id, generation, posted, prefetched)

    @work(thread=True, exclusive=True, group="home", exit_on_error=False)
    def _load(
        self,
        year: int,
        org_id: int | None,
        generation: int,
        posted: threading.Event | None = None,
        prefetched: Future[HomeData | None] | None = None,
    ) -> None:
        if posted is not None and prefetched is not None:
            posted.wait()  # a worker, so that whoever waits for the workers waits for the figures
            if _usable(prefetched, year, org_id) is not None:
                return  # posted by ready()
        with db_thread(FIGURES_CACHE_KIB):
            data = home_rows(year, org_id, self.app.today)
        self.post_message(self.Loaded(data.rows, data.trail, generation))

    def on_home_screen_loaded(self, message: Loaded) -> None:
        if message.generation != self.generation:
            return
        self.rows = message.rows
        rows = []
        for i, r in enumerate(message.rows):
            f = r.figures
            cells = (
                short_name(r.name) + (" ›" if r.has_children else ""),
                str(f.pledges),
                str(f.carried),
                percent(f.fulfilment_rate),
                bar(f.fulfilment_rate, 6),
                percent(f.satisfaction_rate),
                str(f.overdue),
                str(f.rectification_open),
            )
            rows.append(VRow(i, cells, "strong" if i == 0 else ""))
        self.query_one(VirtualTable).show_rows(rows, keep_cursor=True)
        total = self.rows[0].figures if self.rows else Figures()
        self._by_status = total.by_status
        self._by_status_room = self._room()
        self.query_one("#by-status", Static).update(status_breakdown(total.by_status, room=self._by_status_room))
        if len(self.stack) == 1:  # the county level: a new county is told what to do next
            legend = self.query_one("#legend", Static)
            legend.update(next_steps(len(self.rows) - 1, total.pledges, self.app.year_closed))
            legend.set_class(total.pledges == 0 and not self.app.year_closed, "next-steps")
        year = self.app.year
        ro = "  [reverse] 已关闭·只读 [/]" if self.app.year_closed else ""
        self.query_one("#crumbs", Static).update(crumbs_text(message.trail, year, total, ro, self._room()))
        if not self._settled:  # the first figures are on screen: the collector back on, and soon
            self._settled = True  # start-up frozen out of its way (see freeze_startup)
            self.app.call_after_refresh(collector_on)
            self.set_timer(1.0, freeze_startup)

    def _room(self) -> int:
        return max(self.size.width - 2, 40)  # less the padding

    def on_resize(self) -> None:
        by_status = getattr(self, "_by_status", None)
        # only when the width changed: the resize that follows the first frame (same size) would
        # otherwise lay out and draw the whole screen a second time
        if by_status is not None and self._room() != getattr(self, "_by_status_room", None):
            self._by_status_room = self._room()
            self.query_one("#by-status", Static).update(status_breakdown(by_status, room=self._by_status_room))

    def _current(self) -> HomeRow | None:
        cursor = self.query_one(VirtualTable).cursor
        if 0 <= cursor < len(self.rows):
            return self.rows[cursor]
        return None

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        event.stop()
        self.action_drill()

    def action_drill(self) -> None:
        row = self._current()
        if row is None:
            return
        if row.has_children and row.name != "合计":
            self.stack.append(row.org_id)
            self.query_one(VirtualTable).cursor = 0
            self.load()
        else:
            self.app.open_ledger(row.org_id)

    def action_ledger(self) -> None:
        row = self._current()
        if row is not None:
            self.app.open_ledger(row.org_id)

    def action_up(self) -> None:
        if len(self.stack) > 1:
            self.stack.pop()
            self.load()
