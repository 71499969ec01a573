"""党组织名单: organizations by code, else by name under their parent; a parent may stand anywhere in the file."""

from __future__ import annotations

from typing import Any

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Outcome, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import NO_PARENT, ROOT_KINDS, OrgRef, Unresolved, normalize_text, short_name
from pledgebook.models.core import vocab
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit
from pledgebook.models.store.tables import Org, utcnow


def _org_key(name: object) -> str:
    """How a name is looked up among the rows of one org list: no 中共, no spaces."""
    text = normalize_text(name).replace(" ", "")
    return text[2:] if text.startswith("中共") else text


def _show_name(value: object) -> str:
    text = normalize_text(value)
    return text if len(text) <= 40 else text[:40] + "…"


class FileOrgs:
    """The organizations one org list defines, by row: a parent may stand anywhere in the file."""

    def __init__(self, ctx: Context, rows: list[Row]):
        self.rows: dict[str, int] = {}  # full name / code → Excel row
        self.short: dict[str, int] = {}  # short name → row (-1 when two rows share it)
        self.failed: set[int] = set()
        for row in rows:
            name = row.raw("党组织")
            if name is None or ctx.orgs.is_root_name(name):
                continue
            self.rows.setdefault(_org_key(name), row.number)
            code = normalize_text(row.raw("组织代码"))
            if code:
                self.rows.setdefault(code, row.number)
            short = short_name(normalize_text(name))
            self.short[short] = row.number if self.short.get(short, row.number) == row.number else -1

    def row_of(self, name: object) -> int | None:
        """The row of this file that defines ``name``, or None."""
        text = normalize_text(name)
        hit = self.rows.get(_org_key(text)) or self.rows.get(text)
        if hit is None:
            short = self.short.get(short_name(text))
            hit = short if short and short > 0 else None
        return hit


def _resolves(ctx: Context, name: object) -> bool:
    try:
        ctx.orgs.resolve(name, None)
    except Unresolved:
        return False
    return True


class Orgs(SheetKind):
    name = "orgs"
    label = "党组织名单"
    table = "org"
    required = (("党组织",), ("上级党组织",))
    key_columns = ("组织类别",)
    reads = frozenset({"组织类别", "上级党组织", "所属领域", "组织代码"})
    whole_sheet = True
    renames = {"承诺类别": "组织类别"}  # a roster's bare 「类别」 (read as 承诺类别 elsewhere): 党委, 党支部 …

    def plan_sheet(self, ctx: Context, rows: list[Row]) -> list[tuple[Row, Outcome]]:
        """Parents first: returns (row, planned records or the row's errors) in the order the records must
        be written. A row whose parent's row failed says so and points at that row."""
        file_orgs = FileOrgs(ctx, rows)
        outcome: dict[int, Outcome] = {}
        order: list[Row] = []
        pending = list(rows)
        while pending:
            waiting: list[Row] = []
            for row in pending:
                parent = row.raw("上级党组织")
                if parent is not None and not _resolves(ctx, parent):
                    defined = file_orgs.row_of(parent)
                    if defined is not None and defined != row.number and defined not in outcome:
                        waiting.append(row)
                        continue
                try:
                    outcome[row.number] = self.plan(ctx, row, file_orgs)
                except RowErrors as exc:
                    outcome[row.number] = exc
                    file_orgs.failed.add(row.number)
                order.append(row)
            if len(waiting) == len(pending):  # a loop of parents: nothing more can be placed
                for row in waiting:
                    outcome[row.number] = RowErrors([("上级党组织", f"上级党组织「{_show_name(row.raw('上级党组织'))}」"
                                                      "与本行互为上级（隶属关系成环），请核对上级党组织")])
                    file_orgs.failed.add(row.number)
                    order.append(row)
                break
            pending = waiting
        return [(row, outcome[row.number]) for row in order]

    def plan(self, ctx: Context, row: Row, file_orgs: FileOrgs | None = None) -> list[Planned]:
        c = Collector()
        name = cells.text(row, "党组织", "党组织名称", c, required=True, limit=rules.MAX_NAME)
        kind = cells.vocabulary(row, "组织类别", "组织类别", vocab.ORG_KINDS, "org_kind", c)
        code = normalize_text(row.raw("组织代码")) or None
        parent_raw = row.raw("上级党组织")
        no_parent = parent_raw is None or normalize_text(parent_raw).replace(" ", "") in NO_PARENT
        root = ctx.orgs.root
        if root is not None and name and (ctx.orgs.is_root_name(name) or (no_parent and kind == root.kind)):
            return self._plan_root(ctx, row, c, name, kind, code)
        if kind is None and not c.has_error("组织类别"):
            c.add("组织类别" if row.has("组织类别") else None, "请填写组织类别（党委、党工委、党总支、党支部、临时党支部）")
        sector = cells.vocabulary(row, "所属领域", "所属领域", vocab.SECTORS, "sector", c)
        parent = None if no_parent else self._parent(ctx, parent_raw, c, file_orgs)
        if no_parent:
            c.add("上级党组织" if row.has("上级党组织") else None, "请填写上级党组织")
        c.raise_if_any()
        assert parent is not None and kind is not None
        township = normalize_text(row.raw("乡镇")) or parent.township
        existing: OrgRef | None = ctx.orgs.by_code.get(code) if code else None
        if existing is None:
            existing = next((ref for ref in ctx.orgs.by_full.get(name[2:] if name.startswith("中共") else name, [])
                             if ref.parent_id == parent.id), None)
        dup = ctx.duplicate(("org", code or (name, parent.id)), row.number)
        if dup:
            raise RowErrors([("党组织", dup)])
        values = {"name": name, "kind": kind, "sector": sector, "township": township, "code": code,
                  "parent_id": parent.id}
        if existing is None:
            if code and code in ctx.orgs.by_code:
                raise RowErrors([("组织代码", f"组织代码「{code}」已被「{ctx.orgs.by_code[code].name}」使用，请核对")])
            ctx.orgs.add(OrgRef(-row.number, name, kind, township, code, "", parent.id))  # later rows name it
            return [Planned("org", "add", row.number, values, label=name)]
        return [self._plan_update(row, existing, parent, name, kind, township, sector)]

    @staticmethod
    def _parent(ctx: Context, parent_raw: object, c: Collector, file_orgs: FileOrgs | None) -> OrgRef | None:
        try:
            return ctx.orgs.resolve(parent_raw, None)
        except Unresolved as exc:
            defined = file_orgs.row_of(parent_raw) if file_orgs is not None else None
            if file_orgs is not None and defined is not None and defined in file_orgs.failed:
                c.add("上级党组织", f"上级党组织「{_show_name(parent_raw)}」在本文件第 {defined} 行，该行未能导入。"
                                 "请先改正该行")
            else:
                c.add("上级党组织", str(exc).replace("未找到党组织", "未找到上级党组织"))
            return None

    @staticmethod
    def _plan_update(row: Row, existing: OrgRef, parent: OrgRef, name: str, kind: str, township: str | None,
                     sector: str | None) -> Planned:
        if existing.id < 0:
            raise RowErrors([("党组织", f"「{name}」已在本表前面出现，请删除重复的一行")])
        if existing.parent_id != parent.id:
            raise RowErrors([("上级党组织", f"「{existing.name}」在台账中的上级不是「{parent.name}」；调整隶属关系请在台账中操作")])
        old: dict[str, Any] = {"name": existing.name, "kind": existing.kind, "township": existing.township}
        new: dict[str, Any] = {"name": name, "kind": kind}
        if township and row.has("乡镇"):
            new["township"] = township
        if sector and row.has("所属领域"):
            old["sector"] = Org.get_by_id(existing.id).sector
            new["sector"] = sector
        found = cells.changes(old, new)
        return Planned("org", "update" if found else "unchanged", row.number, new, found, existing.id, name)

    @staticmethod
    def _plan_root(ctx: Context, row: Row, c: Collector, name: str, kind: str | None, code: str | None) -> list[Planned]:
        """The county's own committee row: it updates the root (name, kind, code) instead of being refused."""
        root = ctx.orgs.root
        assert root is not None
        if kind is not None and kind not in ROOT_KINDS:
            c.add("组织类别", f"「{name}」是本县县委（台账的最上级），组织类别应为「{vocab.label(vocab.ORG_KINDS, root.kind)}」")
        c.raise_if_any()
        dup = ctx.duplicate(("org", "root"), row.number)
        if dup:
            raise RowErrors([("党组织", dup)])
        new: dict[str, Any] = {"name": name}
        if kind is not None:
            new["kind"] = kind
        warnings: list[tuple[str, str]] = []
        if code and code != root.code:
            if root.code:
                warnings.append(("组织代码", f"县委的组织代码保留台账中的「{root.code}」（行政区划代码），未改为「{code}」"))
            else:
                new["code"] = code
        found = cells.changes({"name": root.name, "kind": root.kind, "code": root.code}, new)
        planned = Planned("org", "update" if found else "unchanged", row.number, new, found, root.id, name)
        planned.warnings = warnings
        return [planned]

    def write(self, p: Planned, w: Writer) -> None:
        v = p.values
        if p.action == "add":
            parent_id: int = v["parent_id"]  # an org's id, or -row for one this import adds
            parent = w.new_orgs.get(parent_id, parent_id)
            org = rules.create_org(v["name"], v["kind"], parent, sector=v["sector"], township=v["township"],
                                   code=v["code"])
            w.new_orgs[-p.row] = org.id
            return
        assert p.target is not None
        rules.update_org(p.target, **{k: v[k] for k in p.changes if k != "code"})
        if "code" in p.changes:
            _set_org_code(p.target, v["code"])


def _set_org_code(org_id: int, code: str) -> None:
    """The root's code, given by the county committee's own row (update_org leaves codes alone)."""
    org = Org.get_by_id(org_id)
    old, org.code, org.updated_at = org.code, code, utcnow()
    org.save()
    audit.record("update", "org", org.uid, {"code": (old, code)}, note="导入")


SHEET = Orgs()
