"""The paper side in the TUI: the tally screen, the print dialogs and the settings dialog.

* :class:`TallyScreen` — one branch's pledges in a grid, five number fields
  each (发放, 有效, 满意, 基本满意, 不满意); Tab/Enter move on like a
  spreadsheet, ↑/↓ move to the same field of the row above/below; the sum
  and 满意率 are shown live per row and for the branch; an impossible row is
  flagged at once and saving is refused until it is put right.
* :class:`PrintDialog` — 打印公示 / 打印评议票 for the org selected in the
  pledge list (its whole subtree).
* :class:`SettingsDialog` — the county settings of :mod:`pledgebook.models.store.settings`.

All in the command palette (:mod:`pledgebook.tui.catalog`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Select, Static

from pledgebook.models.core.errors import PledgebookError, ValidationError, ValidationErrors
from pledgebook.models.ledger import tally
from pledgebook.models.ledger.figures import percent
from pledgebook.tui.dialogs.form import FormDialog
from pledgebook.tui.widgets.chrome import Footer

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp

COLUMNS = tally.FIELDS  # the five number fields of a row, in order
HEADS = ("发放", "有效", "满意", "基本满意", "不满意")


def _rate(top: int | None, whole: int | None) -> str:
    return percent((top or 0) / whole if whole else None)


def _int(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return -1  # shown as a problem (type="integer" keeps letters out; a lone "-" gets here)


class TallyScreen(Screen):
    """Type in the counted ballots of one branch."""

    DEFAULT_CSS = """
    TallyScreen { layout: vertical; }
    TallyScreen #tally-top { height: auto; padding: 0 1; }
    TallyScreen #tally-top Input { width: 16; }
    TallyScreen #tally-top Select { width: 18; }
    TallyScreen #tally-top Label { padding: 1 1 0 0; }
    TallyScreen .tally-head { height: 1; padding: 0 1; text-style: bold; }
    TallyScreen #tally-grid { height: 1fr; }
    TallyScreen .tally-row { height: 3; padding: 0 1; }
    TallyScreen .tally-row.bad { background: $error 20%; }
    TallyScreen .who { width: 10; padding-top: 1; }
    TallyScreen .what { width: 1fr; padding-top: 1; }
    TallyScreen .tally-row Input, TallyScreen .num-head { width: 9; }
    TallyScreen .sum { width: 34; padding-top: 1; }
    TallyScreen .sum.bad { color: $error; text-style: bold; }
    TallyScreen #tally-total { height: auto; padding: 0 1; text-style: bold; }
    TallyScreen #tally-total.bad { color: $error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "保存"),
        Binding("escape", "close", "返回"),
        Binding("up", "move(-1)", "上一行", show=False),
        Binding("down", "move(1)", "下一行", show=False),
    ]

    def __init__(self, org_id: int, org_name: str, lines: list[Any], today: date, kind: str = "public") -> None:
        super().__init__()
        self.org_id = org_id
        self.org_name = org_name
        self.lines = lines  # exporters.paper.Line: id, pledger, content …
        self.today = today
        self.kind = kind
        self.problems: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(f"[b]{self.org_name}[/b]　计票录入（共 {len(self.lines)} 项承诺；未计票的行留空）", classes="tally-head")
        with Horizontal(id="tally-top"):
            yield Label("评议方式")
            yield Select([("群众评议", "public"), ("党员评议", "member")], value=self.kind, allow_blank=False,
                         id="tally-kind")
            yield Label("评议日期")
            yield Input(value=self.today.isoformat(), id="tally-date")
            yield Button("保存 Ctrl+S", variant="primary", id="tally-save")
        with Horizontal(classes="tally-head"):
            yield Static("承诺人", classes="who")
            yield Static("承诺事项", classes="what")
            for head in HEADS:
                yield Static(head, classes="num-head")
            yield Static("合计 / 满意率", classes="sum")
        with VerticalScroll(id="tally-grid"):
            for i, line in enumerate(self.lines):
                with Horizontal(classes="tally-row", id=f"row-{i}"):
                    yield Static(line.pledger[:5], classes="who")
                    yield Static(line.content, classes="what")
                    for j in range(len(COLUMNS)):
                        yield Input(type="integer", id=f"c-{i}-{j}", classes="count")
                    yield Static("", id=f"sum-{i}", classes="sum")
        yield Static("", id="tally-total")
        yield Footer()

    def on_mount(self) -> None:
        self.recompute()
        if self.lines:
            self.query_one("#c-0-0", Input).focus()

    # ------------------------------------------------------------ the numbers
    def counts(self, i: int) -> tally.Counts:
        values = [_int(self.query_one(f"#c-{i}-{j}", Input).value) for j in range(len(COLUMNS))]
        return tally.Counts(self.lines[i].id, *values)

    def row_text(self, c: tally.Counts, problem: str | None) -> str:
        if c.blank():
            return "未计票"
        if problem:
            return "✗ " + problem
        rate = _rate(c.votes_satisfied if self._formula() == "satisfied_only" else
                       (c.votes_satisfied or 0) + (c.votes_basic or 0), c.valid)
        return f"合计 {c.total}　满意率 {rate}"

    def _formula(self) -> str:
        if not hasattr(self, "_formula_cache"):
            from pledgebook.models.store import settings

            self._formula_cache = settings.get("satisfaction_formula")
        return self._formula_cache

    def recompute(self, only: int | None = None) -> None:
        rows = range(len(self.lines)) if only is None else (only,)
        for i in rows:
            c = self.counts(i)
            problem = tally.count_problem(c)
            if problem and not c.blank():
                self.problems[i] = problem
            else:
                self.problems.pop(i, None)
            label = self.query_one(f"#sum-{i}", Static)
            label.update(self.row_text(c, problem))
            label.set_class(bool(problem), "bad")
            self.query_one(f"#row-{i}").set_class(bool(problem), "bad")
        self.update_total()

    def update_total(self) -> None:
        all_counts = [self.counts(i) for i in range(len(self.lines))]
        counted = [c for c in all_counts if not c.blank()]
        valid = sum(c.valid or 0 for c in counted)
        top = sum((c.votes_satisfied or 0) + (0 if self._formula() == "satisfied_only" else (c.votes_basic or 0))
                  for c in counted)
        issued = sum(c.ballots_issued or 0 for c in counted)
        text = (f"本支部：已计票 {len(counted)}/{len(self.lines)} 项，有效票 {valid}，"
                f"满意 {sum(c.votes_satisfied or 0 for c in counted)}，"
                f"基本满意 {sum(c.votes_basic or 0 for c in counted)}，"
                f"不满意 {sum(c.votes_unsatisfied or 0 for c in counted)}，满意率 {_rate(top, valid)}"
                + (f"，参与率 {_rate(valid, issued)}" if issued else ""))
        if self.problems:
            text += f"　✗ 有 {len(self.problems)} 行票数不对，请改正后再保存"
        total = self.query_one("#tally-total", Static)
        total.update(text)
        total.set_class(bool(self.problems), "bad")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("c-"):
            self.recompute(int(event.input.id.split("-")[1]))

    # ------------------------------------------------------------ moving like a spreadsheet
    def _cell(self) -> tuple[int, int] | None:
        focused = self.focused
        if isinstance(focused, Input) and focused.id and focused.id.startswith("c-"):
            _, i, j = focused.id.split("-")
            return int(i), int(j)
        return None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        cell = self._cell()
        if cell is None:
            self.focus_next()
            return
        i, j = cell
        if j + 1 < len(COLUMNS):
            self.query_one(f"#c-{i}-{j + 1}", Input).focus()
        elif i + 1 < len(self.lines):
            self.query_one(f"#c-{i + 1}-0", Input).focus()

    def action_move(self, step: int) -> None:
        cell = self._cell()
        if cell is None:
            return
        i, j = cell
        if 0 <= i + step < len(self.lines):
            target = self.query_one(f"#c-{i + step}-{j}", Input)
            target.focus()
            target.scroll_visible()

    # ------------------------------------------------------------ saving
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "tally-save":
            event.stop()
            self.action_save()

    def action_save(self) -> None:
        self.recompute()
        if self.problems:
            first = min(self.problems)
            self.notify(f"第 {first + 1} 行（{self.lines[first].pledger}）：{self.problems[first]}。请改正后再保存。",
                        title="票数不对，未保存", severity="error", timeout=8)
            self.query_one(f"#c-{first}-0", Input).focus()
            return
        if not self.app.writable():
            return
        rows = [self.counts(i) for i in range(len(self.lines))]
        kind = str(self.query_one("#tally-kind", Select).value)
        when = self.query_one("#tally-date", Input).value.strip()

        def saved(count: int) -> None:
            self.notify(f"已保存 {count} 项承诺的评议票数（未计票的行未保存）。", title="已保存")
            self.dismiss(count)

        def failed(exc: PledgebookError) -> None:
            self.notify(exc.message if not isinstance(exc, ValidationErrors) else "；".join(exc.errors.values()),
                        title="未能保存", severity="error", timeout=8)

        self.app.run_write(lambda: tally.save_counts(rows, kind, when), saved, failed)

    def action_close(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- print dialogs


def documents_folder() -> Path:
    home = Path.home()
    for name in ("Documents", "文档", "My Documents"):
        if (home / name).is_dir():
            return home / name
    return home


def _selected_org(app: PledgebookApp) -> tuple[int | None, str]:
    """The org selected in the pledge list (None: the whole county) and its name."""
    from pledgebook.models.store.tables import Org

    org_id = getattr(app.screen, "current_org_id", None)
    if org_id is None:
        from pledgebook.models.ledger import rules

        root = rules.root_org()
        return root.id, root.name
    return org_id, Org.get_by_id(org_id).name


def safe_file_name(text: str) -> str:
    return "".join("_" if ch in '<>:"/\\|?*' else ch for ch in text)


class PrintDialog(FormDialog):
    """打印公示 (what="notice") or 打印评议票 (what="ballots") for one org's subtree."""

    def __init__(self, what: str, org_id: int, org_name: str, year: int, today: date) -> None:
        super().__init__()
        self.what = what
        self.org_id = org_id
        self.org_name = org_name
        self.year = year
        self.today = today
        self.form_title = f"{'打印承诺公示' if what == 'notice' else '打印评议票和计票表'}：{org_name}（{year}年度）"

    def body(self) -> ComposeResult:
        stem = f"{'公示' if self.what == 'notice' else '评议票'}_{safe_file_name(self.org_name)}_{self.today:%Y%m%d}.xlsx"
        yield from self.field("path", "保存为", Input(value=str(documents_folder() / stem)))
        if self.what == "notice":
            from pledgebook.exporters import paper

            self.plan = paper.notice_plan(org_id=self.org_id, year=self.year)
            yield from self.field("published_on", "公示日期（张贴日期；没有公示日期的承诺将设为此日）",
                                  Input(value=self.today.isoformat()))
            yield Static(self.plan.text(), id="notice-plan", classes="preview")
            if self.plan.dated:
                yield from self.field("overwrite", f"已有公示日期的 {self.plan.dated} 项承诺", Select(
                    [("保留原日期（只设置没有日期的）", "keep"), ("改为新的公示日期", "overwrite")],
                    value="keep", allow_blank=False))
        else:
            yield from self.field("kind", "评议方式", Select([("群众评议", "public"), ("党员评议", "member")],
                                                         value="public", allow_blank=False))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-overwrite":
            self.query_one("#notice-plan", Static).update(self.plan.text(event.value == "overwrite"))

    def save(self, values: dict[str, Any]) -> Any:
        from pledgebook.exporters import paper

        if not values["path"]:
            raise ValidationError("请填写保存的文件名", "path")
        path = Path(values["path"])
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        if self.what == "notice":
            return paper.print_notice(path, org_id=self.org_id, year=self.year, published_on=values["published_on"],
                                      overwrite=values.get("overwrite") == "overwrite")
        return paper.print_ballots(path, kind=values["kind"], org_id=self.org_id, year=self.year)


def _printed(app: PledgebookApp) -> Any:
    def done(result: Any) -> None:
        if not result:
            return
        text = f"已写入「{result.path}」：{result.units} 个党组织，{result.pledges} 项承诺。"
        if result.tally_path:
            text += f"计票表：「{result.tally_path.name}」。"
        if result.published_on:
            text += result.published_text()
        app.notify(text, title="已打印", timeout=12)

    return done


def open_print(app: PledgebookApp, what: str) -> None:
    if app.year is None:
        return
    if what == "notice" and not app.writable():
        return
    org_id, name = _selected_org(app)
    app.push_screen(PrintDialog(what, org_id, name, app.year, app.today), _printed(app))


def open_tally(app: PledgebookApp) -> None:
    """The tally screen for the org selected in the pledge list (its own pledges and its members')."""
    if app.year is None or not app.writable():
        return
    from pledgebook.exporters import paper
    from pledgebook.models.store.tables import Org

    org_id = getattr(app.screen, "current_org_id", None)
    if org_id is None:
        app.notify("请先在承诺台账左侧选中一个党支部，再打开计票录入。", severity="warning")
        return
    org = Org.get_by_id(org_id)
    units = [u for u in paper.collect(org, app.year) if u.org_id == org_id]
    if not units:
        app.notify(f"「{org.name}」本身在{app.year}年度没有承诺；请选中一个党支部。", severity="warning")
        return
    app.push_screen(TallyScreen(org_id, org.name, units[0].lines, app.today),
                    lambda count: app.bump() if count else None)


# --------------------------------------------------------------------------- settings


class SettingsDialog(FormDialog):
    form_title = "本县设置"

    def body(self) -> ComposeResult:
        from pledgebook.models.store import settings

        for spec in settings.SPECS.values():
            current = settings.get(spec.key)
            if spec.choices:
                widget: Any = Select([(label, code) for code, label in spec.choices.items()], value=current,
                                     allow_blank=False)
            else:
                widget = Input(value=current)
            yield from self.field(spec.key, spec.label, widget, hint=spec.help)

    def save(self, values: dict[str, Any]) -> Any:
        from pledgebook.models.store import settings

        errors: dict[str, str] = {}
        changed = 0
        for key, value in values.items():
            if str(value or "") == settings.get(key):
                continue
            try:
                settings.set_value(key, str(value or ""))
                changed += 1
            except ValidationError as exc:
                errors[key] = exc.message
        if errors:
            raise ValidationErrors(errors)
        return changed or True


def open_settings(app: PledgebookApp) -> None:
    def done(result: Any) -> None:
        if result:
            app.notify("设置已保存。", title="设置")

    app.push_screen(SettingsDialog(), done)

