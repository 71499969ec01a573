"""The command palette (Ctrl+P): every command of :mod:`pledgebook.tui.catalog`, by its Chinese name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from pledgebook.tui.catalog import COMMANDS
from pledgebook.tui.textual_patches import SaysNoMatches

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp

PLACEHOLDER = "输入要做的事，如「新建承诺」「导出」「年度」…"
NO_MATCHES = "没有这样的命令（换个说法，或按 Esc 返回）"


class Palette(SaysNoMatches):
    """Textual's palette in Chinese: its placeholder, and what it says when nothing matches."""

    no_matches = NO_MATCHES

    def __init__(self) -> None:
        super().__init__(placeholder=PLACEHOLDER, id="--command-palette")


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
