"""Every place the program reaches inside Textual (8.2; pinned below 9 in pyproject.toml), in one module.

Each reach is here, named for what it does, and has a test in tests/tui/test_textual_patches.py that
fails when the installed Textual no longer has the attribute, method or signature it relies on — so
upgrading Textual says at once what to look at again. Nothing else in ``pledgebook`` touches a private
name of Textual (the app's own ``_on_key`` handler is Textual's way of running before ``App._on_key``;
its test is there too).

- :data:`FooterKey` — the footer's key widget (not exported by ``textual.widgets``);
- :func:`footer_bindings_ready` — the flag Textual's ``Footer.compose`` waits for;
- :func:`drop_watchers` — a reactive's watcher lists (``obj.__watchers``), pruned of dead widgets;
- :func:`forget_styles_memo` — the ``lru_cache`` on ``StylesCache.get_inner_outer``;
- :func:`styled_like` — a new screen marked as styled with the app's stylesheet (``_css_update_count``);
- :class:`SaysNoMatches` — the command palette's 「No matches found」 line in our words;
- :func:`ascii_glyphs` — border, rule, bar, toggle and scrollbar glyphs swapped for ASCII;
- :func:`route_input_keys` — ``Input._on_key`` asks our router first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.align import Align
from rich.text import Text
from textual import events
from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey
from textual.widgets.option_list import Option

__all__ = [
    "FooterKey", "SaysNoMatches", "ascii_glyphs", "drop_watchers", "footer_bindings_ready", "forget_styles_memo",
    "route_input_keys", "styled_like",
]

# ------------------------------------------------------------------ the footer


def footer_bindings_ready(footer: Footer) -> None:
    """What Textual's ``Footer.bindings_changed`` does first: its compose shows keys from now on."""
    footer._bindings_ready = True


# ------------------------------------------------------------------ watchers and memos (chrome.py)

WATCHERS = "__watchers"  # where textual.reactive keeps an object's watchers: {name: [(node, callback)]}


def drop_watchers(obj: object, dead: Callable[[object], bool]) -> None:
    """Remove from ``obj``'s watcher lists the entries whose watching node ``dead(node)`` says is gone.

    Textual drops a dead watcher only when the watched reactive next changes; one that never
    changes (a footer's ``compact``, the app's ``title``) keeps every closed widget alive."""
    watchers: dict[str, list[tuple[DOMNode, Callable[..., object]]]] = getattr(obj, WATCHERS, {})
    for entries in watchers.values():
        entries[:] = [(node, callback) for node, callback in entries if not dead(node)]


def forget_styles_memo() -> None:
    """Clear ``StylesCache.get_inner_outer``'s ``lru_cache``: it holds closed screens' widgets' styles
    (only a memo: the live widgets refill it as they draw)."""
    from textual._styles_cache import StylesCache

    memo = getattr(StylesCache.get_inner_outer, "cache_clear", None)
    if memo is not None:
        memo()


def styled_like(screen: Screen[object], app: App[object]) -> None:
    """Mark a new screen as styled with the app's current stylesheet.

    Textual re-parses the whole stylesheet, twice, when a mode's first screen is shown, because a new
    screen's style counter starts at -1 (about 50 ms on an office PC); its widgets are styled as they
    mount anyway."""
    screen._css_update_count = app._css_update_count


# ------------------------------------------------------------------ the command palette


class SaysNoMatches(CommandPalette):
    """Textual's palette, whose 「No matches found」 line says :attr:`no_matches` instead.

    That line is written inside ``_start_no_matches_countdown``: this is that method with our words.
    """

    no_matches: ClassVar[str] = "No matches found"

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(self.no_matches, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


# ------------------------------------------------------------------ glyphs for the legacy console


def ascii_glyphs() -> Callable[[], None]:
    """Draw every Textual border, rule, bar, toggle and scrollbar with ASCII; returns what undoes it."""
    from textual import _border
    from textual.renderables.bar import Bar
    from textual.scrollbar import ScrollBarRender
    from textual.widgets import _rule, _toggle_button

    saved_chars = dict(_border.BORDER_CHARS)
    saved_locations = dict(_border.BORDER_LOCATIONS)
    saved_lines = (dict(_rule._HORIZONTAL_LINE_CHARS), dict(_rule._VERTICAL_LINE_CHARS))
    saved_attrs = [(owner, name, getattr(owner, name)) for owner, name in (
        (Bar, "HALF_BAR_LEFT"), (Bar, "BAR"), (Bar, "HALF_BAR_RIGHT"),
        (ScrollBarRender, "VERTICAL_BARS"), (ScrollBarRender, "HORIZONTAL_BARS"),
        (_toggle_button.ToggleButton, "BUTTON_LEFT"), (_toggle_button.ToggleButton, "BUTTON_RIGHT"),
    )]

    for kind in list(_border.BORDER_CHARS):
        if kind not in ("", "ascii", "none", "hidden", "blank"):
            _border.BORDER_CHARS[kind] = _border.BORDER_CHARS["ascii"]
            _border.BORDER_LOCATIONS[kind] = _border.BORDER_LOCATIONS["ascii"]
    for style in _rule._HORIZONTAL_LINE_CHARS:
        if _rule._HORIZONTAL_LINE_CHARS[style].strip():
            _rule._HORIZONTAL_LINE_CHARS[style] = "-"
    for style in _rule._VERTICAL_LINE_CHARS:
        if _rule._VERTICAL_LINE_CHARS[style].strip():
            _rule._VERTICAL_LINE_CHARS[style] = "|"
    Bar.HALF_BAR_LEFT = Bar.BAR = Bar.HALF_BAR_RIGHT = "-"
    ScrollBarRender.VERTICAL_BARS = [" "] * len(ScrollBarRender.VERTICAL_BARS)  # the thumb by colour alone
    ScrollBarRender.HORIZONTAL_BARS = [" "] * len(ScrollBarRender.HORIZONTAL_BARS)
    _toggle_button.ToggleButton.BUTTON_LEFT = "["
    _toggle_button.ToggleButton.BUTTON_RIGHT = "]"
    _border.get_box.cache_clear()

    def undo() -> None:
        _border.BORDER_CHARS.update(saved_chars)
        _border.BORDER_LOCATIONS.update(saved_locations)
        _rule._HORIZONTAL_LINE_CHARS.update(saved_lines[0])
        _rule._VERTICAL_LINE_CHARS.update(saved_lines[1])
        for owner, name, value in saved_attrs:
            setattr(owner, name, value)
        _border.get_box.cache_clear()

    return undo


# ------------------------------------------------------------------ text fields' keys (widgets/keys.py)

KeyRouter = Callable[[Input, events.Key], Awaitable[bool]]
_routed = False


def route_input_keys(route: KeyRouter) -> None:
    """Once per process: every text field's ``_on_key`` (Textual's handler that types a key) first
    awaits ``route(field, event)``; when that returns True the key has been dealt with."""
    global _routed
    if _routed:
        return
    _routed = True
    typed = Input._on_key

    async def _on_key(self: Input, event: events.Key) -> None:
        if not await route(self, event):
            await typed(self, event)

    Input._on_key = _on_key  # type: ignore[method-assign]
