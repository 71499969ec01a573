"""组织管理: the organization tree — add a branch, rename, move under another parent, deactivate.

Every change goes through :mod:`pledgebook.models.ledger.rules` (validated, audited, closed years respected);
opened from the command palette (组织管理, 新增党组织). Deactivating says first what stays behind
(people, open pledges, sub-organizations) and asks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Select, Static, Tree

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.ledger import rules
from pledgebook.tui.dialogs.form import FormDialog
from pledgebook.tui.widgets.chrome import Footer, Header

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp

CHILD_KIND = {"county": "committee", "prefecture": "county", "committee": "branch", "working_committee": "branch",
              "general_branch": "branch"}


def _org_rows() -> list[tuple]:
    from pledgebook.models.store.tables import database

    return database.execute_sql(
        "SELECT o.id, o.name, o.kind, o.parent_id, o.active, o.sector, o.township, o.code, "
        "(SELECT count(*) FROM person pe WHERE pe.org_id = o.id AND pe.deleted_at IS NULL AND pe.state = 'active') "
        "FROM org o WHERE o.deleted_at IS NULL ORDER BY o.sort, o.id").fetchall()


def _star_rows() -> dict[int, list[tuple[int, int | None, int | None]]]:
    """Per org: its star ratings over the years (year, confirmed stars, proposed stars), oldest first."""
    from pledgebook.models.store.tables import database

    found: dict[int, list[tuple[int, int | None, int | None]]] = {}
    if not database.table_exists("star_rating"):
        return found
    for org_id, year, stars, proposed in database.execute_sql(
            "SELECT org_id, year, stars, proposed_stars FROM star_rating WHERE deleted_at IS NULL ORDER BY year"):
        found.setdefault(org_id, []).append((year, stars, proposed))
    return found


def _star_label(stars: int | None) -> str:
    return vocab.STAR_LABELS.get(stars, f"{stars}星") if stars is not None else ""


class OrgScreen(Screen):
    """The tree of organizations with the keys that change it."""

    DEFAULT_CSS = """
    OrgScreen #org-tree { height: 1fr; }
    OrgScreen #org-info { height: auto; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        Binding("escape", "close", "返回"),
        Binding("n", "add", "新增"),
        Binding("E", "edit", "修改"),
        Binding("m", "move", "移动"),
        Binding("x", "toggle_active", "停用"),
    ]

    def __init__(self, select: int | None = None) -> None:
        super().__init__()
        self.rows: dict[int, tuple] = {}
        self.stars: dict[int, list[tuple[int, int | None, int | None]]] = {}
        self.select = select

    def compose(self) -> ComposeResult:
        yield Header()
        tree: Tree[int | None] = Tree("党组织", id="org-tree")
        tree.show_root = False
        yield tree
        yield Static("", id="org-info")
        yield Footer()

    def on_mount(self) -> None:
        self.reload(self.select)
        self.query_one(Tree).focus()

    # ------------------------------------------------------------ the tree
    def reload(self, select: int | None = None) -> None:
        tree = self.query_one(Tree)
        keep = select if select is not None else self.current_id
        self.rows = {r[0]: r for r in _org_rows()}
        self.stars = _star_rows()
        children: dict[int | None, list[int]] = {}
        for oid, row in self.rows.items():
            children.setdefault(row[3], []).append(oid)
        tree.clear()
        roots = children.get(None, [])
        tree.root.data = None
        tree.root.set_label("党组织")
        found = None

        def add(node, oid: int, depth: int) -> None:
            nonlocal found
            kids = children.get(oid, [])
            child = node.add(self._label(oid), data=oid, expand=depth < 1, allow_expand=bool(kids))
            if oid == keep:
                found = child
            for kid in kids:
                add(child, kid, depth + 1)

        for root in roots:
            add(tree.root, root, 0)
        tree.root.expand()
        if found is not None:
            parent = found.parent
            while parent is not None:
                parent.expand()
                parent = parent.parent
            self.call_after_refresh(lambda: tree.move_cursor(found))
        self.show_info()

    def _label(self, oid: int) -> str:
        _id, name, kind, _parent, active, *_rest = self.rows[oid]
        text = f"{escape(name)} [dim]{vocab.label(vocab.ORG_KINDS, kind)}[/]"
        confirmed = [(year, stars) for year, stars, _proposed in self.stars.get(oid, []) if stars is not None]
        if confirmed:  # the latest confirmed stars (星级评定), as 授旗 hung them
            text += f" [b yellow]{_star_label(confirmed[-1][1])}[/]"
        return text + ("  [reverse] 已停用 [/]" if not active else "")

    @property
    def current_id(self) -> int | None:
        node = self.query_one(Tree).cursor_node
        return node.data if node is not None else None

    def on_tree_node_highlighted(self, _event: Tree.NodeHighlighted) -> None:
        self.show_info()

    def show_info(self) -> None:
        oid = self.current_id
        info = self.query_one("#org-info", Static)
        if oid is None or oid not in self.rows:
            info.update("↑↓ 选择组织，→ 展开；n 新增下级  E 改名/修改  m 移到其他上级  x 停用或启用")
            return
        _id, name, kind, _parent, active, sector, township, code, people = self.rows[oid]
        parts = [f"[b]{escape(name)}[/b]", vocab.label(vocab.ORG_KINDS, kind)]
        if sector:
            parts.append(vocab.label(vocab.SECTORS, sector))
        if township:
            parts.append(escape(township))
        if code:
            parts.append(f"代码 {escape(code)}")
        parts.append(f"在册 {people} 人")
        parts.append("已停用" if not active else "启用")
        history = [f"{year}年{_star_label(stars)}" if stars is not None else f"{year}年建议{_star_label(proposed)}"
                   for year, stars, proposed in self.stars.get(oid, []) if stars is not None or proposed is not None]
        if history:
            parts.append("星级 " + "、".join(history[-4:]))
        info.update("  ".join(parts) + "\nn 新增下级  E 改名/修改  m 移到其他上级  x 停用或启用  Esc 返回")

    # ------------------------------------------------------------ actions
    def _chosen(self) -> int | None:
        oid = self.current_id
        if oid is None:
            self.notify("请先在树中选中一个党组织。", severity="warning")
        return oid

    def _after(self, message: str):
        def done(result: Any) -> None:
            if result:
                self.notify(message)
                self.reload(getattr(result, "id", None))  # (run_write tells the other areas to reload)

        return done

    def action_add(self) -> None:
        oid = self._chosen()
        if oid is not None:
            self.app.push_screen(OrgForm(parent_id=oid), self._after("已新增党组织"))

    def action_edit(self) -> None:
        oid = self._chosen()
        if oid is not None:
            self.app.push_screen(OrgForm(org_id=oid), self._after("已保存修改"))

    def action_move(self) -> None:
        oid = self._chosen()
        if oid is None:
            return
        if self.rows[oid][3] is None:
            self.notify("县（区）根组织不能移动。", severity="warning")
            return
        self.app.push_screen(MoveOrgForm(oid), self._after("已移动"))

    def action_toggle_active(self) -> None:
        oid = self._chosen()
        if oid is None:
            return
        from pledgebook.tui.dialogs.confirm import ConfirmDialog

        active = bool(self.rows[oid][4])
        name = self.rows[oid][1]
        if self.rows[oid][3] is None:
            self.notify("县（区）根组织不能停用。", severity="warning")
            return
        if not active:
            def reopen(yes: bool | None) -> None:
                if yes:
                    self.app.run_write(lambda: rules.set_org_active(oid, True), self._after(f"已启用「{name}」"))

            self.app.push_screen(ConfirmDialog(f"重新启用「{name}」吗？", "启用"), reopen)
            return
        try:
            impact = rules.org_impact(oid)
        except ValidationError as exc:
            self.notify(exc.message, severity="error")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.run_write(lambda: rules.set_org_active(oid, False), self._after(f"已停用「{name}」"))

        self.app.push_screen(ConfirmDialog(f"停用「{name}」吗？\n\n{impact.text()}", "停用"), confirmed)

    def action_close(self) -> None:
        self.app.pop_screen()


class OrgForm(FormDialog):
    """A new organization under ``parent_id``, or changes to ``org_id`` (name, kind, sector, township)."""

    def __init__(self, *, parent_id: int | None = None, org_id: int | None = None) -> None:
        super().__init__()
        from pledgebook.models.store.tables import Org

        self.org = Org.get_by_id(org_id) if org_id is not None else None
        self.parent_org = Org.get_by_id(parent_id) if parent_id is not None else None
        self.form_title = (f"修改党组织：{self.org.name}" if self.org else f"新增党组织（上级：{self.parent_org.name}）")

    def body(self) -> ComposeResult:
        o = self.org
        kinds = [(label, code) for code, label in vocab.ORG_KINDS.items() if code not in ("province", "prefecture")]
        kind = o.kind if o else CHILD_KIND.get(self.parent_org.kind if self.parent_org else "", "branch")
        sectors = [(label, code) for code, label in vocab.SECTORS.items()]
        sector = (o.sector if o else (self.parent_org.sector if self.parent_org else None)) or Select.NULL
        yield from self.field("name", "党组织名称", Input(value=o.name if o else "", placeholder="例如：新华村党支部"))
        yield from self.field("kind", "组织类别", Select(kinds, value=kind, allow_blank=False))
        yield from self.field("sector", "所属领域", Select(sectors, value=sector, prompt="（不填）"))
        township = (o.township if o else (self.parent_org.township if self.parent_org else "")) or ""
        yield from self.field("township", "所属乡镇", Input(value=township))
        if o is None:
            yield from self.field("code", "组织代码（可不填）", Input(placeholder="填了以后导入按代码对应"))

    def save(self, values: dict[str, Any]) -> Any:
        if self.org is not None:
            return rules.update_org(self.org.id, name=values["name"], kind=values["kind"], sector=values["sector"],
                                    township=values["township"])
        return rules.create_org(values["name"], values["kind"], self.parent_org.id, sector=values["sector"],
                                township=values["township"], code=values.get("code"))


class MoveOrgForm(FormDialog):
    save_label = "移动 Ctrl+S"

    def __init__(self, org_id: int) -> None:
        super().__init__()
        from pledgebook.models.store.tables import Org

        self.org = Org.get_by_id(org_id)
        self.form_title = f"移动「{self.org.name}」（连同它的下级）到新的上级之下"

    def body(self) -> ComposeResult:
        from pledgebook.tui.widgets.picker import PledgerPicker

        yield from self.field("parent", "新的上级党组织", PledgerPicker(orgs_only=True,
                                                                 placeholder="输入组织名或拼音首字母，如 lzz"))
        yield Static("已关闭年度有承诺的组织不能移动（会改变该年度的统计）：可在新上级下新建组织，再停用原组织。",
                     classes="preview")

    def error_target(self, field: str) -> str | None:
        return "parent" if field in ("parent", "org") else super().error_target(field)

    def save(self, values: dict[str, Any]) -> Any:
        chosen = values.get("parent")
        if chosen is None:
            raise ValidationError("请输入组织名或拼音首字母，再从列表中选择新的上级", "parent")
        return rules.move_org(self.org.id, chosen.org_id)


def open_orgs(app: PledgebookApp) -> None:
    app.push_screen(OrgScreen(getattr(app.screen, "current_org_id", None)))


def new_org(app: PledgebookApp) -> None:
    """新增党组织 under the org selected in the pledge list (the county when none)."""
    parent = getattr(app.screen, "current_org_id", None) or rules.root_org().id

    def done(result: Any) -> None:
        if result:
            app.notify(f"已新增「{result.name}」。", title="组织管理")
            app.bump()

    app.push_screen(OrgForm(parent_id=parent), done)

