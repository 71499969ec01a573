"""Keys handled in the order they were typed.

Textual hands every key to the focused widget's message queue, but a key that
widget does not take itself (Backspace, Tab, the arrows — anything done by a
binding) goes back up the tree, one message queue at a time, until the app
runs the binding. The letters typed right behind it are taken at once by the
text field, so they overtake it:

- 「tfm」, three Backspaces and 「zs」 typed fast in the search box gave 「tf」:
  z and s went in first, and the Backspaces then deleted them;
- a Tab right after a Chinese word (an IME commits the word and the Tab in one
  burst) moved on only after the next characters had gone into the same field;
- 「/」 and then 「tfm」 sent the letters to the list, still focused: 「t」
  switched to the tree and 「f」 opened the 兑现 form.

:func:`install` makes a text field run its own editing keys (its ``BINDINGS``)
and Tab / Shift+Tab at once, in order with the characters (and Esc leaves a text field of an
area screen: ``leave_field``); a character that
reaches a text field which lost the focus meanwhile goes on to the focused
widget; and a key that comes back up from a widget which lost the focus to a
text field meanwhile is typed into that field instead of running a binding
(:func:`redirect`); and after Enter in a text field the next keys wait 50 ms for what Enter
leads to (:func:`hold`: 「墨江县⏎530822」 typed fast went all into the first field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from textual import events
from textual.binding import Binding
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input

from pledgebook.tui.textual_patches import route_input_keys


@runtime_checkable
class KeyHolder(Protocol):
    """An app that can hold keys after an Enter (``PledgebookApp.held_keys``)."""

    held_keys: list[events.Key] | None
    focused: Widget | None

    def set_timer(self, delay: float, callback: Callable[[], object]) -> Timer: ...

    def post_message(self, message: events.Key) -> bool: ...


def _edit_actions() -> dict[str, str]:
    actions: dict[str, str] = {}
    for binding in Input.BINDINGS:
        if isinstance(binding, Binding):
            for key in binding.key.split(","):
                actions[key.strip()] = binding.action
    return actions


EDIT_ACTIONS = _edit_actions()
MOVES = {"tab": "focus_next", "shift+tab": "focus_previous"}


def _again(event: events.Key) -> events.Key:
    return events.Key(event.key, event.character)


def _stop(event: events.Key) -> None:
    event.stop()
    event.prevent_default()


async def _route(field: Input, event: events.Key) -> bool:
    """A key sent to a text field: dealt with here (True), or typed as Textual types it (False)."""
    app = field.app
    if isinstance(app, KeyHolder) and held(app, event):  # sent before an Enter's effect: it waits
        _stop(event)
        return True
    screen = field.screen
    focused = screen.focused
    if focused is not None and focused is not field:
        # this key was sent here before the focus moved on: it belongs to the widget focused now
        _stop(event)
        focused.post_message(_again(event))
        return True
    leave = getattr(screen, "leave_field", None)
    if event.key == "escape" and leave is not None and not screen.is_modal:
        _stop(event)
        leave()  # Esc leaves the field (a form's Esc is the form's: it closes, asking first)
        return True
    action = EDIT_ACTIONS.get(event.key)
    move = MOVES.get(event.key)
    if action is None and move is None:
        return False
    _stop(event)
    if move is not None:
        getattr(screen, move)()
    else:
        if action == "submit" and isinstance(app, KeyHolder):
            hold(app)  # what Enter leads to (the next field, a search) runs first
        await field.run_action(action)
    return True


def install() -> None:
    """Once per process: text fields take their editing keys and Tab in order (see the module)."""
    route_input_keys(_route)


HOLD_SECONDS = 0.05


def hold(app: KeyHolder) -> None:
    """Keep the keys that come next until what this Enter leads to has happened (a form's handler
    moving to the next field runs after a chain of messages): 50 ms, then they go on, in order."""
    if app.held_keys is None:
        app.held_keys = []
        app.set_timer(HOLD_SECONDS, lambda: release(app))


def held(app: KeyHolder, event: events.Key) -> bool:
    """In ``App.on_event``: a key that comes while keys are held joins them (True)."""
    if app.held_keys is None:
        return False
    app.held_keys.append(_again(event))
    return True


def release(app: KeyHolder) -> None:
    keys, app.held_keys = app.held_keys or [], None
    for key in keys:
        app.post_message(key)


def redirect(app: KeyHolder, event: events.Key, target: Widget | None) -> bool:
    """A key back from ``target`` (the widget it was sent to) after the focus moved to a text field:
    typed there instead (True); False to run the bindings as usual."""
    focused = app.focused
    if target is None or focused is None or focused is target or not isinstance(focused, Input):
        return False
    if not (event.is_printable or event.key in EDIT_ACTIONS or event.key in MOVES):
        return False
    focused.post_message(_again(event))
    return True
