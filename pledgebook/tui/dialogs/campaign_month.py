"""The monthly campaign-log form (帮扶记录): one place, one month, the measures as number fields.

Keyboard-first: Tab/↓ move between fields, Enter saves and the area opens the next
place; Ctrl+L copies last month's numbers into the fields; Esc leaves. Reads and
writes go through :mod:`pledgebook.models.campaign.queries` in thread workers.
"""

from __future__ import annotations

import re
from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from pledgebook.models.campaign import queries as hq
from pledgebook.models.campaign import rules as campaign_rules
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.tui.dialogs.form import leave_asking, typed_state
from pledgebook.tui.widgets.chrome import Footer
from pledgebook.tui.worker_db import db_thread

_MONTH = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?\s*$")


def field_id(kind: str, measure: str) -> str:
    return f"hm-{kind}-{measure}"


def parse_month(text: str) -> tuple[int, int] | None:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return int(match.group(1)), int(match.group(2))


def show_number(value: float) -> str:
    return f"{value:g}" if value else ""


class CampaignMonthForm(ModalScreen[str | None]):
    """Dismisses with 'next' after a save (the area moves on), None on Esc."""

    DEFAULT_CSS = """
    CampaignMonthForm > .dialog { width: 76; }
    CampaignMonthForm #hm-grid { grid-size: 4; grid-columns: 16 1fr 16 1fr; grid-rows: 1; height: auto; grid-gutter: 0 1; }
    CampaignMonthForm #hm-grid Label { width: 100%; content-align: right middle; }
    CampaignMonthForm #hm-top { grid-size: 4; grid-columns: 16 12 1fr 1; grid-rows: 1; height: 1; grid-gutter: 0 1; }
    CampaignMonthForm #hm-error { color: $error; height: auto; }
    CampaignMonthForm #hm-hint { color: $text-muted; height: 1; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+l", "copy_last", "复制上月", priority=True),
        Binding("down", "app.focus_next", "下一项", show=False),
        Binding("up", "app.focus_previous", "上一项", show=False),
    ]

    class Loaded(Message):
        def __init__(self, entry: hq.MonthEntry, copied: bool) -> None:
            super().__init__()
            self.entry = entry
            self.copied = copied

    def __init__(self, place: hq.PlaceRow, year: int, month: int, *, today: date | None = None) -> None:
        super().__init__()
        self._loaded_with: tuple | None = None  # the fields as the month's records filled them
        self.place = place
        self.year = year
        self.month = month
        self.today = today or date.today()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"帮扶记录 · {self.place.person} · {self.place.what}「{self.place.name}」", classes="dialog-title")
            with Grid(id="hm-top"):
                yield Label("月份")
                yield Input(f"{self.year}-{self.month:02d}", id="hm-month", compact=True)
                yield Static("", id="hm-state")
                yield Static("")
            with Grid(id="hm-grid"):
                for kind, measure in hq.FIELDS:
                    yield Label(f"{vocab.WORK_KINDS[kind]}({vocab.MEASURES[measure]})")
                    yield Input("", id=field_id(kind, measure), compact=True,
                                restrict=r"[0-9.]*" if measure == "funds" else r"[0-9]*")
            yield Static("", id="hm-error")
            yield Static("Enter 保存并录下一处 · Ctrl+L 复制上月 · Tab/↑↓ 换项 · Esc 返回", id="hm-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#" + field_id(*hq.FIELDS[0]), Input).focus()
        self._load(self.year, self.month, False)

    # ------------------------------------------------------------ loading
    @work(thread=True, group="campaign-month", exclusive=True, exit_on_error=False)
    def _load(self, year: int, month: int, copied: bool) -> None:
        with db_thread():
            entry = hq.month_entry(self.place.table, self.place.id, year, month)
        self.post_message(self.Loaded(entry, copied))

    def on_campaign_month_form_loaded(self, message: Loaded) -> None:
        entry = message.entry
        for kind, measure in hq.FIELDS:
            self.query_one("#" + field_id(kind, measure), Input).value = show_number(entry.values.get((kind, measure), 0))
        state = self.query_one("#hm-state", Static)
        # copied numbers are not saved yet: they count as typed
        self._loaded_with = () if message.copied else typed_state(self)
        if message.copied:
            state.update(f"已填入 {entry.year}年{entry.month}月的数字（{entry.logs} 条），Enter 保存")
        else:
            state.update(f"本月已有 {entry.logs} 条记录" if entry.logs else "本月尚无记录")

    def action_copy_last(self) -> None:
        year, month = hq.previous_month(self.year, self.month)
        self._load(year, month, True)

    @on(Input.Changed, "#hm-month")
    def _month_changed(self, event: Input.Changed) -> None:
        parsed = parse_month(event.value)
        if parsed and parsed != (self.year, self.month):
            self.year, self.month = parsed
            self._load(self.year, self.month, False)

    # ------------------------------------------------------------ saving
    def values(self) -> dict[tuple[str, str], float] | None:
        values: dict[tuple[str, str], float] = {}
        for kind, measure in hq.FIELDS:
            text = self.query_one("#" + field_id(kind, measure), Input).value.strip()
            if not text:
                continue
            try:
                number = float(text) if measure == "funds" else int(text)
            except ValueError:
                self.error(f"「{vocab.WORK_KINDS[kind]}({vocab.MEASURES[measure]})」应为数字，收到「{text}」")
                return None
            if number:
                values[(kind, measure)] = number
        return values

    def error(self, text: str) -> None:
        self.query_one("#hm-error", Static).update(text)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.save()

    def save(self) -> None:
        parsed = parse_month(self.query_one("#hm-month", Input).value)
        if parsed is None:
            self.error("月份请写成 2025-03 这样")
            return
        values = self.values()
        if values is None:
            return
        year, month = parsed
        place, today = self.place, self.today

        def failed(exc: PledgebookError) -> None:
            self.error(exc.message)
            self.app.notify(exc.message, title="未能保存", severity="error", timeout=8)

        def done(count: int) -> None:
            self.app.notify(f"已保存 {place.person} {year}年{month}月的帮扶记录（{count} 类工作）")
            self.dismiss("next")

        self.error("")
        self.app.run_write(lambda: campaign_rules.save_month(place.table, place.id, year, month, values, today=today), done, failed)

    def action_cancel(self) -> None:
        changed = self._loaded_with is not None and typed_state(self) != self._loaded_with
        leave_asking(self, changed, lambda: self.dismiss(None))
