"""A search box with its suggestions below it: the 承诺人 / 党组织 / 党员 picker of the forms.

The suggestion list is part of the field, not a field of its own: it never takes
the focus, so Tab always goes on to the next field (a Tab right after typing
「张」 used to land in the list, and what was typed next was lost there), ↑ ↓
move its highlight from the search box, Enter picks, a click picks, and Esc
closes it first (:meth:`close_suggestions`), before Esc can close the form.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Key
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pledgebook.models.ledger import queries


class SuggestionList(OptionList, can_focus=False):
    """The list below a search box: highlighted from the box, never focused itself."""


class PledgerPicker(Static):
    """An input and the matching orgs and members below it."""

    DEFAULT_CSS = """
    PledgerPicker { height: auto; }
    PledgerPicker SuggestionList { height: auto; max-height: 6; }
    """
    MOVES = {"down": "cursor_down", "up": "cursor_up", "pagedown": "page_down", "pageup": "page_up"}

    def __init__(
        self, chosen: queries.PledgerChoice | None = None, *, orgs_only: bool = False, people_only: bool = False,
        placeholder: str = "输入姓名、组织名或拼音首字母，如 zs",
    ) -> None:
        super().__init__()
        self.chosen = chosen
        self.orgs_only = orgs_only
        self.people_only = people_only
        self.placeholder = placeholder
        self._choices: list[queries.PledgerChoice] = []

    @property
    def value(self) -> queries.PledgerChoice | None:
        return self.chosen

    @property
    def typed(self) -> str:
        """What is in the search box (to name it when nothing was picked)."""
        return self.query_one(Input).value.strip()

    @property
    def suggesting(self) -> bool:
        """The suggestion list is open."""
        return bool(self.query_one(SuggestionList).display)

    def compose(self) -> ComposeResult:
        yield Input(
            value=self.chosen.label if self.chosen else "",
            placeholder=self.placeholder,
            id="pledger-search",
        )
        yield SuggestionList(id="pledger-options")

    def on_mount(self) -> None:
        self.query_one(SuggestionList).display = False

    def close_suggestions(self) -> bool:
        """Close the list if it is open (Esc); True when it was."""
        options = self.query_one(SuggestionList)
        if not options.display:
            return False
        options.display = False
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.chosen and event.value == self.chosen.label:
            return
        self.chosen = None
        choices = queries.search_pledgers(event.value, limit=8)
        if self.orgs_only:
            choices = [c for c in choices if c.person_id is None]
        elif self.people_only:
            choices = [c for c in choices if c.person_id is not None]
        self._choices = choices
        options = self.query_one(SuggestionList)
        options.clear_options()
        options.add_options([Option(c.label, id=str(i)) for i, c in enumerate(choices)])
        options.display = bool(choices)
        if choices:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(SuggestionList)
        if options.display and options.highlighted is not None and self._choices:
            event.stop()
            self._pick(options.highlighted)

    def on_key(self, event: Key) -> None:
        options = self.query_one(SuggestionList)
        move = self.MOVES.get(event.key)
        if move and options.display:
            event.stop()
            event.prevent_default()
            getattr(options, f"action_{move}")()

    def on_descendant_blur(self) -> None:
        # Tab (or a click) goes on to another field: the list closes, nothing is picked by it
        self.query_one(SuggestionList).display = False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(int(event.option.id or 0))

    def _pick(self, index: int) -> None:
        self.chosen = self._choices[index]
        search = self.query_one(Input)
        search.value = self.chosen.label
        self.query_one(SuggestionList).display = False
        # on to the next field (set_focus at once: focus() would come after focus_next and undo it)
        self.screen.set_focus(search)
        self.screen.focus_next()
