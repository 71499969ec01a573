"""The command palette (Ctrl+P): every command of :mod:`pledgebook.tui.catalog`, by its Chinese name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option

from pledgebook.tui.catalog import COMMANDS

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp

PLACEHOLDER = "输入要做的事，如「新建承诺」「导出」「年度」…"
NO_MATCHES = "没有这样的命令（换个说法，或按 Esc 返回）"


class Palette(CommandPalette):
    """Textual's palette in Chinese: its placeholder, and what it says when nothing matches.

    The 「No matches found」 line is written inside ``_start_no_matches_countdown``
    (Textual 8.2, pinned below 9 in pyproject.toml): this is that method with our words.
    """

    def __init__(self) -> None:
        super().__init__(placeholder=PLACEHOLDER, id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NO_MATCHES, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


class PledgebookCommands(Provider):
    """Every command of :data:`pledgebook.tui.catalog.COMMANDS`, in its order."""

    def _all(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app = cast("PledgebookApp", self.app)
        for command in COMMANDS:
            yield command.title, command.help, partial(command.run, app)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._all():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._all():
            score = max(matcher.match(title), matcher.match(help_text) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
