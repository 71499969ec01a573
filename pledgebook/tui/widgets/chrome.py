"""Header and Footer that do not leak.

Textual (8.x) keeps a reactive's watchers in a list on the watched object and
drops the dead ones only when that reactive next changes. Two of its own
widgets add watchers that never get dropped in this program:

- Footer binds each FooterKey it composes to its own ``compact`` (which never
  changes) and composes anew whenever the keys change: every focus change,
  every dialog opened and closed adds a dozen dead keys to the list;
- Header watches the app's ``title`` and ``sub_title`` (which change only with
  the year), so every detail screen opened and closed leaves its header behind.

A third keeper is a memo: ``StylesCache.get_inner_outer`` is an ``lru_cache``
(1,024 entries) on a method, so it holds the styles caches of closed screens'
widgets, each with its rendered lines. :func:`forget_closed_widgets` clears it
when a screen closes (it is only a memo: the live widgets refill it as they draw).

Left alone, an afternoon of opening pledges grows the process by about a
megabyte per detail opened. These subclasses remove their watchers when done.

Also here, Python's cyclic collector as the app uses it: off while starting
(a full collection there costs 30-60 ms), on once the first figures are drawn,
the start-up objects frozen out of its scans a second later, and a collection
whenever a screen closes.
"""

from __future__ import annotations

import gc
import unicodedata
from collections.abc import Iterable

from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer as _Footer
from textual.widgets import Header as _Header

from pledgebook.tui.textual_patches import FooterKey, drop_watchers, footer_bindings_ready, forget_styles_memo


def forget_closed_widgets(app: App[object]) -> None:
    """After a screen closed: drop the memo that keeps its widgets' rendered lines, and free them.

    A closed screen's widgets hold each other in cycles (parent and child, message
    pumps), which only Python's cyclic collector frees, and with its default
    thresholds that can take many more screens. Collected once the screen below
    is painted, and cheap: what the program loaded at start is frozen out of
    the collector's way (:func:`freeze_startup`).
    """
    forget_styles_memo()
    app.call_after_refresh(collect)


def collect() -> None:
    """``gc.collect`` as a Python function: handed a builtin, Textual's callback machinery asks
    ``inspect.signature``, which tokenizes its text signature (~10 ms on first use)."""
    gc.collect()


def collector_on() -> None:
    """``gc.enable`` as a Python function (see :func:`collect`)."""
    gc.enable()


_frozen = False


def freeze_startup() -> None:
    """A second after the first screen is drawn: collect, then keep what is left (modules, classes,
    Textual's tables, the home screen: ~90,000 objects) out of the cyclic collector's scans.

    It lives as long as the program anyway; a full collection then takes a few
    milliseconds instead of 30-40 ms on a 2-core office PC, so neither the
    collector's own runs nor :func:`forget_closed_widgets` make a keystroke wait.
    Not during start: frozen at mount, the first screen came ~0.1 s later, and the
    collection itself takes 40-100 ms.
    Once per process: a second app in the same process (tests) would freeze the
    first one's leftovers for good.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
    gc.enable()  # off while starting (pledgebook.tui.startup.launch)


def character_of(key: str) -> str | None:
    """The character a key name types: 「slash」 → 「/」 (Textual's ``key_to_character`` knows only some)."""
    from textual.keys import KEY_NAME_REPLACEMENTS, key_to_character

    character = key_to_character(key)
    if character is not None:
        return character
    names = {name: original for original, name in KEY_NAME_REPLACEMENTS.items()}
    try:
        return unicodedata.lookup(names.get(key, key).replace("_", " ").upper())
    except KeyError:
        return None


def typed_here(screen: Screen[object], key: str) -> bool:
    """The focused widget (a text field) takes ``key`` as typing: a binding on it cannot work now."""
    focused = screen.focused
    return focused is not None and focused.check_consume_key(key, character_of(key))


def hidden(screen: Screen[object], key: str, action: str) -> bool:
    """Not in the footer: a key that types in the focused field, or whose action the app refuses now
    (a pledge write in a closed year: ``PledgebookApp.refuses``)."""
    refuses = getattr(screen.app, "refuses", None)
    return typed_here(screen, key) or bool(refuses and refuses(action))


class Footer(_Footer):
    """Textual's footer, composed once per burst of binding changes, not while hidden, and not
    when the keys it would show are the ones it shows.

    Textual's own schedules a full recompose for every change signal: a
    screen's start sends about ten (mount, focus, each reactive that touches
    bindings), each one rebuilding every key (~30 ms for eight keys). Compose
    reads the bindings as they are when it runs, so one recompose per burst
    shows the same keys; and a focus change that leaves the keys as they were
    (most do) needs none. A hidden screen's footer waits: showing the screen
    again sends a signal.

    Only keys that work are shown: in a text field, a key that types (「/」, 「1-7」, 「n」) is
    not (Textual leaves some of them in, 「/」 among them), nor in a closed year the pledge
    writes it refuses (p e f E Del).

    Each key bound to the footer also starts in the footer's ``compact`` state:
    Textual's FooterKey starts compact and is switched back by that binding once
    mounted, restyling every key twice.
    """

    _pending = False
    _shown: tuple[object, ...] | None = None  # the keys of the last compose

    def bindings_changed(self, screen: Screen[object]) -> None:
        footer_bindings_ready(self)
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not screen.is_current or self._pending:
            return
        self._pending = True
        self.call_after_refresh(self._recompose_once)

    def _keys(self) -> tuple[object, ...]:
        """What compose would show: every active binding as the footer reads it."""
        return (self.compact, self.show_command_palette, tuple(
            (binding.key, binding.action, binding.description, binding.show, binding.key_display, enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if not hidden(self.screen, binding.key, binding.action)
        ))

    async def _recompose_once(self) -> None:
        self._pending = False
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await self.recompose()

    def compose(self) -> Iterable[Widget]:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and hidden(self.screen, widget.key, widget.action):
                continue
            # the palette key is not bound to the footer: it stays compact, as in Textual's
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        await super().recompose()

        def gone(node: object) -> bool:
            return isinstance(node, Widget) and node is not self and not node.is_attached

        drop_watchers(self, gone)


class Header(_Header):
    def on_unmount(self) -> None:
        mine = {id(self), *(id(child) for child in self.walk_children())}

        def gone(node: object) -> bool:
            return id(node) in mine

        drop_watchers(self.app, gone)
