"""What tui/textual_patches.py relies on inside Textual: each test fails when the installed Textual no
longer has the attribute, method or signature one of its patches uses (look at that patch again)."""

from __future__ import annotations

import inspect

from textual import events
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from tui_util import aio

from pledgebook.tui import textual_patches as patches


def _parameters(function: object) -> list[str]:
    assert callable(function)
    return list(inspect.signature(function).parameters)


def test_footer_key_lives_where_it_is_imported_from_and_takes_what_the_footer_reads():
    from textual.widgets._footer import FooterKey

    assert patches.FooterKey is FooterKey
    assert _parameters(FooterKey.__init__)[:5] == ["self", "key", "key_display", "description", "action"]
    assert hasattr(FooterKey, "compact")  # the reactive chrome.Footer sets before the key mounts


def test_the_footer_waits_for_the_flag_that_footer_bindings_ready_sets():
    assert "_bindings_ready" in Footer._reactives
    assert "self._bindings_ready" in inspect.getsource(Footer.compose)
    assert "self._bindings_ready = True" in inspect.getsource(Footer.bindings_changed)
    assert _parameters(Footer.bindings_changed) == ["self", "screen"]


@aio
async def test_watchers_are_kept_where_drop_watchers_looks_and_it_drops_them():
    class Watching(Static):
        def on_mount(self) -> None:
            self.watch(self.app, "title", self.seen, init=False)

        def seen(self, _title: str) -> None:
            pass

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Watching()

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        widget = app.query_one(Watching)
        entries = getattr(app, patches.WATCHERS)["title"]
        assert [(node, callback) for node, callback in entries if node is widget]  # (node, callback) pairs
        patches.drop_watchers(app, lambda node: node is widget)
        assert not [node for node, _callback in getattr(app, patches.WATCHERS)["title"] if node is widget]


def test_the_styles_memo_is_an_lru_cache():
    from textual._styles_cache import StylesCache

    assert callable(StylesCache.get_inner_outer.cache_clear)
    patches.forget_styles_memo()


def test_a_new_screen_is_styled_again_when_its_counter_differs_from_the_apps():
    assert Screen()._css_update_count == -1
    source = inspect.getsource(App)
    assert "self._css_update_count: int = 0" in source
    assert "screen._css_update_count != self._css_update_count" in source


def test_the_palette_writes_its_no_matches_line_in_the_method_says_no_matches_replaces():
    source = inspect.getsource(CommandPalette._start_no_matches_countdown)
    assert '"No matches found"' in source  # still written there, as our copy assumes
    assert _parameters(CommandPalette._start_no_matches_countdown) == ["self", "search_value"]
    for name in ("_stop_no_matches_countdown", "_NO_MATCHES", "_NO_MATCHES_COUNTDOWN", "_list_visible"):
        assert hasattr(CommandPalette, name), name
    assert "self._no_matches_timer" in inspect.getsource(CommandPalette.__init__)


def test_the_glyph_tables_ascii_glyphs_swaps_are_there_and_it_undoes_them():
    from textual import _border
    from textual.renderables.bar import Bar
    from textual.scrollbar import ScrollBarRender
    from textual.widgets import _rule, _toggle_button

    assert "ascii" in _border.BORDER_CHARS and "ascii" in _border.BORDER_LOCATIONS
    assert callable(_border.get_box.cache_clear)
    assert _rule._HORIZONTAL_LINE_CHARS and _rule._VERTICAL_LINE_CHARS
    for owner, name in ((Bar, "HALF_BAR_LEFT"), (Bar, "BAR"), (Bar, "HALF_BAR_RIGHT"),
                        (ScrollBarRender, "VERTICAL_BARS"), (ScrollBarRender, "HORIZONTAL_BARS"),
                        (_toggle_button.ToggleButton, "BUTTON_LEFT"), (_toggle_button.ToggleButton, "BUTTON_RIGHT")):
        assert hasattr(owner, name), name
    before = dict(_border.BORDER_CHARS)
    undo = patches.ascii_glyphs()
    assert _border.BORDER_CHARS["round"] == _border.BORDER_CHARS["ascii"]
    undo()
    assert _border.BORDER_CHARS == before


def test_a_text_field_types_a_key_in_its_own_key_handler():
    from textual.widgets import _input

    assert "_on_key" in Input.__dict__
    assert inspect.iscoroutinefunction(Input._on_key)
    assert _parameters(Input._on_key) == ["self", "event"]
    assert "async def _on_key(self, event: events.Key) -> None:" in inspect.getsource(_input)


def test_the_apps_own_key_handler_runs_before_textuals():
    """PledgebookApp._on_key relies on Textual running each class's ``_on_<message>`` handler, the
    subclass's first, and skipping the base class's once the default is prevented."""
    from textual.message_pump import MessagePump

    assert "_on_key" in App.__dict__
    source = inspect.getsource(MessagePump._get_dispatch_methods)
    assert 'f"_{method_name}"' in source and "_no_default_action" in source
    assert isinstance(events.Key("a", "a"), events.Event)
    assert issubclass(Input, Widget)


def test_no_other_module_imports_a_private_part_of_textual():
    """Every reach inside Textual stays in textual_patches.py (where each has its test above)."""
    import ast
    from pathlib import Path

    package = Path(patches.__file__).parents[1]
    private = []
    for path in package.rglob("*.py"):
        if path.name == "textual_patches.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "textual":
                parts = [*(node.module or "").split("."), *(alias.name for alias in node.names)]
                if any(part.startswith("_") for part in parts):
                    private.append(f"{path.relative_to(package)}:{node.lineno}")
            elif isinstance(node, ast.Import):
                private += [f"{path.relative_to(package)}:{node.lineno}" for alias in node.names
                            if alias.name.startswith("textual") and "._" in alias.name]
    assert not private, private
