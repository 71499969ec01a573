"""A virtual table: shows a window of a list that may hold 100,000 rows.

Only the visible rows are drawn (the Line API: ``render_line``), and rows
are fetched a page at a time by a ``fetch(offset, limit)`` callable that the
screen supplies and that runs in a thread worker. Nothing holds the whole list.
Wide (Chinese) characters are fitted by cell width and never cut in half.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from pledgebook.tui.worker_db import db_thread

PAGE = 64


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int = 0  # 0: takes the room that is left
    right: bool = False  # numbers: aligned to the right


@dataclass(frozen=True)
class VRow:
    id: int
    cells: tuple[str, ...]
    mark: str = ""  # "" or "warn" (drawn in the warning colour) or "strong" (bold: a total)
    # what the search matched, drawn marked: (cell index, start, end) in characters of that cell
    matches: tuple[tuple[int, int, int], ...] = ()


def fit(text: str, width: int, right: bool = False) -> str:
    """``text`` padded (on the left when ``right``) or cut to exactly ``width`` cells,
    never splitting a wide character."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        return " " * (width - length) + text if right else text + " " * (width - length)
    return set_cell_size(text, width - 1) + "…"


class VirtualTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"vt--header", "vt--cursor", "vt--warn", "vt--dim", "vt--strong", "vt--odd", "vt--match"}
    DEFAULT_CSS = """
    VirtualTable { height: 1fr; background: $surface; }
    VirtualTable > .vt--header { text-style: bold; background: $panel; color: $text; }
    VirtualTable > .vt--cursor { background: $block-cursor-blurred-background; }
    VirtualTable:focus > .vt--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    VirtualTable > .vt--warn { color: $text-error; }
    VirtualTable > .vt--dim { color: $text-muted; }
    VirtualTable > .vt--strong { text-style: bold; }
    VirtualTable > .vt--odd { background: $surface-lighten-1; }
    VirtualTable > .vt--match { text-style: bold underline; color: $text-accent; }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "上", show=False),
        Binding("down", "move(1)", "下", show=False),
        Binding("pageup", "page(-1)", "上页", show=False),
        Binding("pagedown", "page(1)", "下页", show=False),
        Binding("home", "jump(0)", "首行", show=False),
        Binding("end", "jump(-1)", "末行", show=False),
        Binding("enter", "select", "打开", show=True),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, table: VirtualTable, row_id: int | None) -> None:
            super().__init__()
            self.table = table
            self.row_id = row_id

    class Selected(Message):
        def __init__(self, table: VirtualTable, row_id: int) -> None:
            super().__init__()
            self.table = table
            self.row_id = row_id

    class HeaderClicked(Message):
        def __init__(self, table: VirtualTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

    class _Loaded(Message):
        def __init__(self, generation: int, page: int, rows: list[VRow]) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.rows = rows

    def __init__(
        self,
        columns: list[Column],
        fetch: Callable[[int, int], list[VRow]] | None = None,
        *,
        empty: str = "（没有符合条件的记录）",
        zebra: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = columns
        self.fetch = fetch
        self.empty = empty
        self.zebra = zebra
        self.total = 0
        self.sort_key: str | None = None
        self.descending = False
        self._pages: dict[int, list[VRow]] = {}
        self._pending: set[int] = set()
        self._generation = 0

    # ------------------------------------------------------------ data
    def reset(self, total: int, first_page: list[VRow] | None = None, *, keep_cursor: bool = False) -> None:
        """A new list (the filter or the data changed): drop the cached pages."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self.total = total
        if first_page is not None:
            self._pages[0] = first_page
        self._set_virtual_height(total + 1)
        if keep_cursor:
            self.cursor = min(self.cursor, max(total - 1, 0))
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
            self.cursor = 0
        self.refresh()

    def show_rows(self, rows: list[VRow], *, keep_cursor: bool = False) -> None:
        """A short list already in memory (a screen's figures): shown whole, nothing fetched."""
        self.reset(len(rows), keep_cursor=keep_cursor)
        for start in range(0, len(rows), PAGE):
            self._pages[start // PAGE] = rows[start:start + PAGE]
        self.post_message(self.Highlighted(self, self.current_id))

    def _set_virtual_height(self, height: int) -> None:
        """Change the scrollable height, laying the screen out again only when the scrollbar comes or goes.

        Assigning ``virtual_size`` always re-lays the whole screen (≈30 ms at
        120×40): too slow for every keystroke in the search box.
        """
        size = Size(self.size.width, height)
        if size == self.virtual_size:
            return
        visible = self.size.height
        if self.size.height and (height > visible) == (self.virtual_size.height > visible):
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
            self.refresh()
        else:
            self.virtual_size = size

    def row(self, index: int) -> VRow | None:
        page = self._pages.get(index // PAGE)
        if page is None:
            self._request(index // PAGE)
            return None
        offset = index % PAGE
        return page[offset] if offset < len(page) else None

    @property
    def current_id(self) -> int | None:
        if not self.total:
            return None
        row = self.row(self.cursor)
        return row.id if row else None

    def _request(self, page: int) -> None:
        if page in self._pending or self.fetch is None:
            return
        self._pending.add(page)
        generation = self._generation

        def load() -> None:
            assert self.fetch is not None
            with db_thread():
                rows = self.fetch(page * PAGE, PAGE)
            self.post_message(self._Loaded(generation, page, rows))

        self.run_worker(load, thread=True, group="vt-pages", exit_on_error=False)

    def on_virtual_table__loaded(self, message: _Loaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pages[message.page] = message.rows
        self._pending.discard(message.page)
        self.refresh()
        if message.page == self.cursor // PAGE:
            self.post_message(self.Highlighted(self, self.current_id))

    # ------------------------------------------------------------ drawing
    def _widths(self, width: int) -> list[int]:
        fixed = sum(c.width for c in self.columns if c.width) + len(self.columns) - 1
        flex = [c for c in self.columns if not c.width]
        room = max(width - fixed, 4 * len(flex))
        widths = []
        for c in self.columns:
            if c.width:
                widths.append(c.width)
            else:
                share = room // len(flex)
                widths.append(share)
        return widths

    def _line(self, cells: tuple[str, ...] | list[str], width: int) -> str:
        widths = self._widths(width)
        text = " ".join(fit(cell, w, c.right) for cell, w, c in zip(cells, widths, self.columns))
        return fit(text, width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            labels = []
            for c in self.columns:
                arrow = ("▼" if self.descending else "▲") if c.key == self.sort_key else ""
                labels.append(c.label + arrow)
            style = self.get_component_rich_style("vt--header")
            return Strip([Segment(self._line(labels, width), base + style)], width)
        index = self.scroll_offset.y + y - 1
        if index >= self.total:
            if self.total == 0 and y == 1:
                dim = self.get_component_rich_style("vt--dim")
                return Strip([Segment(fit(self.empty, width), base + dim)], width)
            return Strip.blank(width, base)
        row = self.row(index)
        style: Style = base
        if row is None:
            text = fit("…", width)
            style = base + self.get_component_rich_style("vt--dim")
        else:
            text = self._line(row.cells, width)
            if self.zebra and index % 2:
                style = base + self.get_component_rich_style("vt--odd")
            if row.mark:
                style = style + self.get_component_rich_style(f"vt--{row.mark}")
        if index == self.cursor:
            style = style + self.get_component_rich_style("vt--cursor")
        if row is not None and row.matches:
            segments = self._marked(row, width, style)
            if segments is not None:
                return Strip(segments, width)
        return Strip([Segment(text, style)], width)

    def _marked(self, row: VRow, width: int, style: Style) -> list[Segment] | None:
        """The row's line with what the search matched marked, or None when the marks cannot be placed
        (a right-aligned cell, a match cut off by the column's width): then the line is drawn plain."""
        mark = style + self.get_component_rich_style("vt--match")
        segments: list[Segment] = []
        by_cell: dict[int, list[tuple[int, int]]] = {}
        for cell, start, end in row.matches:
            by_cell.setdefault(cell, []).append((start, end))
        for i, (cell, w, column) in enumerate(zip(row.cells, self._widths(width), self.columns)):
            if i:
                segments.append(Segment(" ", style))
            fitted = fit(cell, w, column.right)
            spans = sorted(by_cell.get(i, ()))
            if spans and not column.right and all(fitted[:end] == cell[:end] for _, end in spans):
                at = 0
                for start, end in spans:
                    if start < at:
                        continue
                    segments += [Segment(fitted[at:start], style), Segment(fitted[start:end], mark)]
                    at = end
                segments.append(Segment(fitted[at:], style))
            else:
                segments.append(Segment(fitted, style))
        line, full = "".join(seg.text for seg in segments), self._line(row.cells, width)
        if line != full:
            if not full.startswith(line):  # the line as drawn cuts the columns (a narrow terminal): plain
                return None
            segments.append(Segment(full[len(line):], style))  # the padding after the last column
        return [seg for seg in segments if seg.text]

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total + 1)

    # ------------------------------------------------------------ moving
    @property
    def _visible_rows(self) -> int:
        return max(self.size.height - 1, 1)

    def watch_cursor(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + self._visible_rows:
            self.scroll_to(y=new - self._visible_rows + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(self, self.current_id))

    def action_move(self, delta: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * self._visible_rows)

    def action_jump(self, where: int) -> None:
        if self.total:
            self.cursor = 0 if where == 0 else self.total - 1

    def action_select(self) -> None:
        row_id = self.current_id
        if row_id is not None:
            self.post_message(self.Selected(self, row_id))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            widths = self._widths(self.size.width)
            x = 0
            for column, w in zip(self.columns, widths):
                if x <= event.x < x + w + 1:
                    self.post_message(self.HeaderClicked(self, column.key))
                    return
                x += w + 1
            return
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < self.total:
            if index == self.cursor and event.chain >= 2:
                self.action_select()
            self.cursor = index

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh()
