"""Move the focus now, not after the keys already waiting.

Textual's ``Widget.focus()`` only schedules the move (``app.call_later``): the
keys that arrived in the same burst are handled first, by the widget that still
has the focus. Typing 「/tfm」 fast in the ledger sent 「t」 to the list (which
moved the focus to the tree) and 「f」 opened the 兑现 form; the search box got
nothing. A focus move that answers a key uses :func:`focus_now`.
"""

from __future__ import annotations

from textual.widget import Widget


def focus_now(widget: Widget, scroll_visible: bool = True) -> None:
    """Give ``widget`` the focus before the next key is handled."""
    widget.screen.set_focus(widget, scroll_visible=scroll_visible)
