"""Modal forms: fields with their error shown right below, saved in a thread worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from pledgebook.models.core.errors import PledgebookError, ValidationError, ValidationErrors
from pledgebook.tui.widgets.chrome import Footer
from pledgebook.tui.widgets.focus import focus_now

DISCARD_QUESTION = "这张表里有没保存的修改，确定放弃吗？\n（按 N 回到表里接着填，Ctrl+S 保存）"


def typed_state(screen: Screen[object]) -> tuple[tuple[str | None, str], ...]:
    """What the clerk has typed and chosen on ``screen``: every input's text and every select's choice."""
    return tuple(
        (widget.id, widget.value if isinstance(widget, Input) else repr(widget.value))
        for widget in screen.query("Input, Select")
    )


def close_innermost(screen: Screen[object]) -> bool:
    """Esc: close an open suggestion list of ``screen`` first; True when one was open."""
    from pledgebook.tui.widgets.picker import PledgerPicker

    for picker in screen.query(PledgerPicker):
        if picker.close_suggestions():
            focus_now(picker.query_one(Input))
            return True
    return False


def leave_asking(screen: Screen[object], changed: bool, leave: Callable[[], object]) -> None:
    """Call ``leave()`` at once when nothing changed, else after the clerk said yes to discarding."""
    if not changed:
        leave()
        return
    from pledgebook.tui.dialogs.confirm import ConfirmDialog

    def answered(yes: bool | None) -> None:
        if yes:
            leave()

    screen.app.push_screen(ConfirmDialog(DISCARD_QUESTION, "放弃修改"), answered)


class FormDialog(ModalScreen[Any]):
    """Subclasses give ``title``, ``body()`` (yielding ``field(...)`` rows) and ``save(values)``."""

    form_title = ""
    save_label = "保存 Ctrl+S"
    AUTO_FOCUS = ""  # on_mount focuses the first field (Textual's own would scroll its label away)
    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+s", "save", "保存"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._fields: list[str] = []
        self._opened_with: tuple | None = None  # typed_state once the form is shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.form_title, classes="dialog-title")
            yield Static("", id="form-error", classes="form-error")
            # not focusable itself: the first field has the focus when the form opens, so typing starts at once
            with VerticalScroll(classes="form-body", can_focus=False):
                yield from self.body()
            with Horizontal(classes="buttons"):
                yield Button(self.save_label, variant="primary", id="save")
                yield Button("取消 Esc", id="cancel")
        yield Footer()  # its own keys, not the screen's below (「1-7 切换区域」 does not work in a form)

    def body(self) -> ComposeResult:
        yield from ()

    def own(self, name: str, widget: Widget) -> Widget:
        """Make ``widget`` the form's field ``name``: :meth:`values` reads it, an error for it shows in ``#e-name``
        (a form that lays out its fields itself yields that Static where it wants it)."""
        self._fields.append(name)
        widget.id = f"f-{name}"
        return widget

    def field(self, name: str, label: str, widget: Widget, hint: str = "") -> Iterator[Widget]:
        self.own(name, widget)
        yield Label(label + (f"  [dim]{hint}[/]" if hint else ""), classes="field-label")
        yield widget
        yield Static("", id=f"e-{name}", classes="field-error")

    # ------------------------------------------------------------ values
    def value(self, name: str) -> Any:
        widget = self.query_one(f"#f-{name}")
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, Input):
            return widget.value.strip()
        return getattr(widget, "value", None)

    def values(self) -> dict[str, Any]:
        return {name: self.value(name) for name in self._fields}

    def save(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------ errors
    def clear_errors(self) -> None:
        for widget in self.query(".field-error"):
            widget.update("")
            widget.display = False
        self.query_one("#form-error", Static).update("")

    def show_errors(self, exc: PledgebookError) -> None:
        self.clear_errors()
        if isinstance(exc, ValidationErrors):
            errors = exc.errors
        elif isinstance(exc, ValidationError):
            errors = {exc.field or "": exc.message}
        else:
            errors = {"": exc.message}
        general = []
        marked = set()
        for field, message in errors.items():
            target = self.error_target(field)
            found = self.query(f"#e-{target}") if target else None
            if found:
                found.first().update(f"✗ {message}")
                found.first().display = True
                marked.add(target)
            else:
                general.append(message)
        self.query_one("#form-error", Static).update("✗ " + "；".join(general) if general else "请改正标红的项目后再保存。")
        first = next((name for name in self._fields if name in marked), None)  # the topmost, as the form reads
        if first:
            widget = self.query_one(f"#f-{first}")
            inputs = widget.query("Input")  # a picker: its search box
            focus_now(widget if widget.can_focus or not inputs else inputs.first())

    def error_target(self, field: str) -> str | None:
        """The form field that shows a rule's error for ``field``."""
        return field if field in self._fields else None

    # ------------------------------------------------------------ actions
    def on_mount(self) -> None:
        self.clear_errors()
        self.fit_body(self.app.size.height)
        fields = self.query_one(".form-body").query("Input, Select")
        if fields:
            self.set_focus(fields.first(), scroll_visible=False)
        self.call_after_refresh(self.mark_unchanged)

    def mark_unchanged(self) -> None:
        """What the form holds now counts as nothing typed (after it opened, or after a subclass filled it)."""
        self._opened_with = typed_state(self)

    @property
    def changed(self) -> bool:
        return self._opened_with is not None and typed_state(self) != self._opened_with

    def on_resize(self) -> None:
        self.fit_body(self.size.height)

    def fit_body(self, height: int) -> None:
        """The fields scroll within what the screen leaves (the dialog is at most 92% of it, less the
        title, the message line and the buttons), so the buttons stay in sight at 80×24."""
        self.query_one(".form-body").styles.max_height = min(30, max(5, int(height * 0.92) - 10))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_cancel(self) -> None:
        """Esc: the innermost thing first (an open suggestion list), then the form, asking when it holds changes."""
        if close_innermost(self):
            return
        leave_asking(self, self.changed, lambda: self.dismiss(None))

    def action_save(self) -> None:
        values = self.values()
        self.query_one("#save", Button).disabled = True

        def failed(exc: PledgebookError) -> None:
            self.query_one("#save", Button).disabled = False
            self.show_errors(exc)

        self.app.run_write(lambda: self.save(values), self.dismiss, failed)
