"""New / edit pledge. The pledger is found by typing a name or pinyin initials."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from pledgebook.models import queries, rules, vocab
from pledgebook.models.errors import ValidationError
from pledgebook.tui.dialogs.form import FormDialog


class PledgerPicker(Static):
    """An input and the matching orgs and members below it."""

    DEFAULT_CSS = """
    PledgerPicker { height: auto; }
    PledgerPicker OptionList { height: auto; max-height: 6; }
    """

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

    def compose(self) -> ComposeResult:
        yield Input(
            value=self.chosen.label if self.chosen else "",
            placeholder=self.placeholder,
            id="pledger-search",
        )
        yield OptionList(id="pledger-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).display = False

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
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(c.label, id=str(i)) for i, c in enumerate(choices)])
        options.display = bool(choices)
        if choices:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.display and options.highlighted is not None and self._choices:
            event.stop()
            self._pick(options.highlighted)

    def on_key(self, event) -> None:
        options = self.query_one(OptionList)
        if event.key == "down" and options.display and self.query_one(Input).has_focus:
            event.stop()
            options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(int(event.option.id))

    def _pick(self, index: int) -> None:
        self.chosen = self._choices[index]
        search = self.query_one(Input)
        search.value = self.chosen.label
        self.query_one(OptionList).display = False
        # on to the next field (set_focus at once: focus() would come after focus_next and undo it)
        self.screen.set_focus(search)
        self.screen.focus_next()


class PledgeForm(FormDialog):
    def __init__(self, year: int, *, pledge_id: int | None = None, org_id: int | None = None) -> None:
        super().__init__()
        self.year = year
        self.pledge_id = pledge_id
        self.detail = queries.pledge_detail(pledge_id) if pledge_id else None
        self.form_title = f"编辑承诺（第 {pledge_id} 号）" if pledge_id else f"新建承诺（{year}年度）"
        self.initial: queries.PledgerChoice | None = None
        if self.detail:
            d = self.detail
            label = f"{d.pledger} · {d.org}" if d.person_id else f"{d.org}（党组织）"
            self.initial = queries.PledgerChoice(d.org_id, d.person_id, label)

    def body(self) -> ComposeResult:
        d = self.detail
        cats = queries.category_labels()
        yield from self.field("pledger", "承诺人（党组织或党员）", PledgerPicker(self.initial))
        yield from self.field("content", "承诺事项", Input(value=d.content if d else "", placeholder="例如：为群众代办事项 20 件以上"))
        yield from self.field("measures", "践诺措施", Input(value=d.measures if d else ""))
        yield from self.field(
            "category", "承诺类别",
            Select([(label, code) for code, label in cats.items()], value=d.category_code if d else "service", allow_blank=False),
        )
        yield from self.field(
            "due_date", "完成时限", Input(value=d.due if d else "", placeholder="2011-12-31"),
            hint="可写 2011-12-31、2011.12.31、2011年12月31日",
        )
        if not d:
            yield from self.field(
                "status", "状态",
                Select([("践诺中", "in_progress"), ("拟定", "draft")], value="in_progress", allow_blank=False),
            )

    def error_target(self, field: str) -> str | None:
        if field in ("org_id", "person_id"):
            return "pledger"
        return super().error_target(field)

    def save(self, values: dict[str, Any]) -> Any:
        choice: queries.PledgerChoice | None = values.pop("pledger")
        if choice is None:
            raise ValidationError("请输入姓名或拼音首字母，再从列表中选择承诺人", "pledger")
        if self.pledge_id:
            return rules.update_pledge(self.pledge_id, org_id=choice.org_id, person_id=choice.person_id, **values).id
        status = values.pop("status", "in_progress")
        scope = "personal" if choice.person_id else "org"
        return rules.create_pledge(
            self.year, values.pop("content"), org_id=choice.org_id, person_id=choice.person_id,
            scope=scope, status=status, **values,
        ).id


STATUS_LABELS = vocab.PLEDGE_STATUSES
