"""Add, change and end a contact point (联系点), pairing (结对帮扶) or stationing (驻村) by hand.

Same style as the pledge and person forms: people and orgs are found by name or
pinyin initials, dates accept 2011-12-31, 2011.12.31 or 2011年12月31日, every
error shows under its field, and the write goes through
:mod:`pledgebook.models.campaign.rules` in a thread worker (``app.run_write``). A form
dismisses with ``(table, id)`` of the record it wrote, None on Esc.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from pledgebook.models.campaign import queries as hq
from pledgebook.models.campaign import rules as helping
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError, ValidationErrors, YearClosed
from pledgebook.models.core.values import parse_date
from pledgebook.models.ledger.queries import PledgerChoice
from pledgebook.tui.dialogs.confirm import ConfirmDialog
from pledgebook.tui.dialogs.form import FormDialog
from pledgebook.tui.widgets.picker import PledgerPicker

DATE_HINT = "可写 2011-12-31、2011.12.31、2011年12月31日"
KINDS = {"contact_point": "联系点", "pairing": "结对帮扶", "stationing": "驻村干部"}
PLANNED_HINT = f"留空则为开始日期后 {helping.STATION_YEARS} 年"


def person_picker(chosen: PledgerChoice | None = None) -> PledgerPicker:
    return PledgerPicker(chosen, people_only=True, placeholder="输入姓名或拼音首字母，如 zs")


def org_picker(chosen: PledgerChoice | None = None) -> PledgerPicker:
    return PledgerPicker(chosen, orgs_only=True, placeholder="输入组织名或拼音首字母，如 xhc")


class PlaceForm(FormDialog):
    """What the forms share: pickers that must be picked from, the dates, the result."""

    table = ""
    date_field = "start_date"  # where a closed year's refusal is shown

    def __init__(self, detail: hq.PlaceDetail | None = None, *, today: date | None = None) -> None:
        super().__init__()
        self.detail = detail
        self.today = today or date.today()
        if self.table:
            what = KINDS[self.table]
            self.form_title = f"修改{what}（{detail.holder.label.split(' · ')[0]}）" if detail else f"新增{what}"

    def start_field(self) -> ComposeResult:
        start = self.detail.start if self.detail else self.today
        yield from self.field("start_date", "开始日期", Input(value=start.isoformat()), hint=DATE_HINT)

    def note_field(self) -> ComposeResult:
        yield from self.field("note", "备注", Input(value=self.detail.note if self.detail else "", placeholder="可不填"))

    def start(self, values: dict[str, Any]) -> dict[str, Any]:
        """The start date to write: a new record starts today when left blank; an edit keeps its own."""
        if values.get("start_date"):
            return {"start_date": values["start_date"]}
        return {} if self.detail else {"start_date": self.today}

    # ------------------------------------------------------------ values
    def values(self) -> dict[str, Any]:
        """Field values, the pickers as ids. A picker with text typed but nothing picked passes
        a key no record has, so the rules refuse it along with every other error."""
        values = super().values()
        unpicked: dict[str, str] = {}
        for picker in self.query(PledgerPicker):
            name = (picker.id or "").removeprefix("f-")
            choice = picker.value
            if choice is not None:
                values[name] = choice.person_id if picker.people_only else choice.org_id
            elif picker.typed:
                values[name] = "?" + picker.typed  # neither an id nor a uid
                noun = "姓名" if picker.people_only else "组织名"
                unpicked[name] = f"未选定「{picker.typed}」：请输入{noun}或拼音首字母，再从下方列表中选择"
            else:
                values[name] = None
        values["_unpicked"] = unpicked
        return values

    def save(self, values: dict[str, Any]) -> tuple[str, int]:
        unpicked = values.pop("_unpicked")
        try:
            record = self.write(values)
        except ValidationErrors as exc:
            raise ValidationErrors({**exc.errors, **unpicked}) from exc
        except ValidationError as exc:
            raise ValidationErrors({exc.field or "": exc.message, **unpicked}) from exc
        return self.table, record.id

    def write(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def show_errors(self, exc: PledgebookError) -> None:
        # a new record or an end: it is the date that falls in the closed year (an edit may be
        # refused for its kind, org or village: that message stays above the fields)
        if isinstance(exc, YearClosed) and self.detail is None:
            exc = ValidationError(exc.message, self.date_field)
        super().show_errors(exc)


class ContactPointForm(PlaceForm):
    table = "contact_point"

    def body(self) -> ComposeResult:
        d = self.detail
        kinds = [(label, code) for code, label in vocab.CONTACT_KINDS.items()]
        yield from self.field("leader", "联系领导", person_picker(d.holder if d else None))
        yield from self.field("kind", "联系点类型", Select(kinds, value=d.kind if d else "village", allow_blank=False))
        yield from self.field(
            "name", "联系点名称", Input(value=d.name if d else "", placeholder="例如：新华村、云岭茶业公司、王大妈户"))
        yield from self.field("org", "所属党组织", org_picker(d.org if d else None),
                              hint="村选该村党支部；企业、项目等选所在或主管的党组织")
        yield from self.start_field()
        yield from self.note_field()

    def write(self, v: dict[str, Any]) -> Any:
        if self.detail:
            return helping.update_contact_point(
                self.detail.id, leader_id=v["leader"], kind=v["kind"], name=v["name"], org_id=v["org"],
                note=v["note"], **self.start(v))
        return helping.create_contact_point(v["leader"], v["kind"], v["name"], v["org"], note=v["note"], **self.start(v))


class PairingForm(PlaceForm):
    table = "pairing"

    def body(self) -> ComposeResult:
        d = self.detail
        yield from self.field("helper", "帮扶责任人", person_picker(d.holder if d else None))
        if d is None:
            yield from self.field("helped_person", "帮扶对象：党员", person_picker(), hint="与困难户二选一")
            yield from self.field("household", "或 帮扶对象：困难户", Input(placeholder="例如：李小红户"))
        elif d.helped is not None:
            yield Static(f"帮扶对象：{d.helped.label}\n[dim]（不能修改；如需更换，请结束本结对后新增）[/]", classes="field-label")
        else:
            yield from self.field("household", "帮扶对象：困难户", Input(value=d.name))
        yield from self.field("org", "帮扶对象所在村（党组织）", org_picker(d.org if d else None),
                              hint="" if d else "帮扶党员时可不填，即其所在党组织")
        yield from self.start_field()
        yield from self.note_field()

    def write(self, v: dict[str, Any]) -> Any:
        if self.detail:
            fields = {"helper_id": v["helper"], "org_id": v["org"], "note": v["note"], **self.start(v)}
            if "household" in v:
                fields["household"] = v["household"]
            return helping.update_pairing(self.detail.id, **fields)
        return helping.create_pairing(
            v["helper"], helped_person_id=v["helped_person"], household=v["household"], org_id=v["org"],
            note=v["note"], **self.start(v))


class StationingForm(PlaceForm):
    table = "stationing"

    def body(self) -> ComposeResult:
        d = self.detail
        roles = [(label, code) for code, label in vocab.STATION_ROLES.items()]
        if d is None:
            yield from self.field("cadre", "驻村干部", person_picker())
        yield from self.field(
            "sending_unit", "派出单位", Input(value=d.sending_unit if d else "", placeholder="例如：县财政局"))
        yield from self.field("village", "驻村所在村（村党支部或党总支）", org_picker(d.org if d else None))
        yield from self.field("branch", "临时党支部", org_picker(d.branch if d else None), hint="可不填")
        yield from self.field("role", "驻村身份", Select(roles, value=d.kind if d else "member", allow_blank=False))
        yield from self.start_field()
        planned = d.planned_end.isoformat() if d and d.planned_end else ""
        yield from self.field("planned_end", "计划结束日期", Input(value=planned, placeholder=PLANNED_HINT),
                              hint="留空表示不修改" if d else PLANNED_HINT)
        yield from self.note_field()

    def on_mount(self) -> None:
        super().on_mount()
        if self.detail is None:
            self._planned_placeholder(self.today.isoformat())

    @on(Input.Changed, "#f-start_date")
    def _start_changed(self, event: Input.Changed) -> None:
        if self.detail is None:
            self._planned_placeholder(event.value)

    def _planned_placeholder(self, text: str) -> None:
        """Show the planned end the rules would set for the start typed so far."""
        try:
            start = parse_date(text)
        except ValueError:
            start = None
        planned = self.query_one("#f-planned_end", Input)
        planned.placeholder = f"留空则为 {helping.default_planned_end(start).isoformat()}" if start else PLANNED_HINT

    def write(self, v: dict[str, Any]) -> Any:
        if self.detail:
            fields = {"sending_unit": v["sending_unit"], "village_id": v["village"], "branch_id": v["branch"],
                      "role": v["role"], "note": v["note"], **self.start(v)}
            if v["planned_end"]:
                fields["planned_end"] = v["planned_end"]
            return helping.update_stationing(self.detail.id, **fields)
        return helping.create_stationing(
            v["cadre"], v["village"], v["sending_unit"], branch_id=v["branch"], role=v["role"],
            planned_end=v["planned_end"] or None, note=v["note"], **self.start(v))


FORMS: dict[str, type[PlaceForm]] = {"contact_point": ContactPointForm, "pairing": PairingForm, "stationing": StationingForm}

_END = {"contact_point": helping.end_contact_point, "pairing": helping.end_pairing, "stationing": helping.end_stationing}


class EndPlaceForm(PlaceForm):
    """结束: the date it ended, then a yes/no (an end cannot be undone here)."""

    date_field = "end_date"
    save_label = "结束 Ctrl+S"

    def __init__(self, place: hq.PlaceRow, *, today: date | None = None) -> None:
        super().__init__(None, today=today)
        self.table = place.table
        self.place = place
        self.what = vocab.HELP_PLACES[place.table]
        self.form_title = f"结束{self.what}：{place.person} · {place.name}"

    def body(self) -> ComposeResult:
        before = f"已于 {self.place.end.isoformat()} 结束，可改为新的日期。" if self.place.end else ""
        yield Static(f"{before}结束后，以后的月份不再列出它；结束日期以前的帮扶记录照常保留、计入统计。",
                     classes="field-label")
        label = "离村日期（实际结束日期）" if self.table == "stationing" else "结束日期"
        when = self.place.end or self.today
        yield from self.field("end_date", label, Input(value=when.isoformat()), hint=DATE_HINT)

    def error_target(self, field: str) -> str | None:
        return "end_date" if field in ("end_date", "actual_end") else super().error_target(field)

    def write(self, v: dict[str, Any]) -> Any:
        return _END[self.table](self.place.id, v["end_date"] or self.today)

    def action_save(self) -> None:
        when = self.value("end_date") or self.today.isoformat()

        def answered(yes: bool | None) -> None:
            if yes:
                super(EndPlaceForm, self).action_save()

        self.app.push_screen(ConfirmDialog(
            f"确定结束{self.place.person}的{self.what}「{self.place.name}」吗？\n结束日期：{when}\n结束后不能在此撤销。", "结束"),
            answered)


class NewPlaceChooser(ModalScreen[str | None]):
    """新增: which of the three kinds. Dismisses with the table name."""

    BINDINGS = [
        Binding("escape", "choose('')", "取消"),
        Binding("1", "choose('contact_point')", show=False),
        Binding("2", "choose('pairing')", show=False),
        Binding("3", "choose('stationing')", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Static("新增", classes="dialog-title")
            yield OptionList(
                Option("1  联系点（村、企业、项目、学校…）", id="contact_point"),
                Option("2  结对帮扶（党员或困难户）", id="pairing"),
                Option("3  驻村干部", id="stationing"),
            )
            yield Static("[dim]按数字，或 ↑↓ 加回车选择 · Esc 取消[/]")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_choose(self, table: str) -> None:
        self.dismiss(table or None)
