"""The org tree's writes: create, rename, move, deactivate (停用) and reactivate organizations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.core.fields import MAX_NAME
from pledgebook.models.core.pinyin import pinyin_key
from pledgebook.models.store import audit
from pledgebook.models.store.lifecycle import get_record, transaction, update_record
from pledgebook.models.store.tables import Org, Person, database, utcnow


def create_org(
    name: str,
    kind: str,
    parent_id: int,
    *,
    sector: str | None = None,
    township: str | None = None,
    code: str | None = None,
) -> Org:
    name = F.text(name, "name", "党组织名称", limit=MAX_NAME)
    kind_code = F.code(vocab.ORG_KINDS, kind, "kind", "组织类别")
    sector_code = F.code(vocab.SECTORS, sector, "sector", "所属领域", required=False)
    parent = get_record(Org, parent_id, "上级党组织")
    if parent.deleted_at is not None:
        raise ValidationError("上级党组织已被删除", "parent")
    if not parent.active:
        raise ValidationError(f"上级党组织「{parent.name}」已停用，请选择其他上级", "parent")
    code = (code or "").strip() or None
    if code and Org.get_or_none(Org.code == code):
        raise ValidationError(f"组织代码「{code}」已被使用", "code")
    with transaction():
        org = Org.create(
            name=name,
            kind=kind_code,
            parent=parent,
            sector=sector_code,
            township=(township or "").strip() or parent.township,
            code=code,
            depth=parent.depth + 1,
            pinyin=pinyin_key(name),
        )
        org.path = f"{parent.path}{org.id}/"
        org.save()
        audit.record("create", "org", org.uid, {"name": (None, name), "kind": (None, kind_code), "parent": (None, parent.uid)})
    return org


def update_org(org_id: int, **fields: Any) -> Org:
    org = get_record(Org, org_id, "党组织")
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = F.text(fields["name"], "name", "党组织名称", limit=MAX_NAME)
        values["pinyin"] = pinyin_key(values["name"])
    if "kind" in fields:
        values["kind"] = F.code(vocab.ORG_KINDS, fields["kind"], "kind", "组织类别")
    if "sector" in fields:
        values["sector"] = F.code(vocab.SECTORS, fields["sector"], "sector", "所属领域", required=False)
    if "township" in fields:
        values["township"] = (fields["township"] or "").strip() or None
    if "active" in fields:
        values["active"] = bool(fields["active"])
    update_record(org, "org", values)
    return org


def live_org(org_id: int | str, label: str = "党组织") -> Org:
    org = get_record(Org, org_id, label)
    if org.deleted_at is not None:
        raise ValidationError(f"{label}「{org.name}」已被删除", "org")
    return org


def closed_year_pledges(org: Org) -> dict[int, int]:
    """Live pledges of ``org``'s subtree in closed years: year → count."""
    low, high = org.path, org.path[:-1] + "0"
    return dict(database.execute_sql(
        "SELECT p.year, count(*) FROM pledge p JOIN org o ON o.id = p.org_id JOIN work_year w ON w.year = p.year "
        "WHERE w.closed = 1 AND p.deleted_at IS NULL AND o.path >= ? AND o.path < ? GROUP BY p.year ORDER BY p.year",
        [low, high]).fetchall())


def move_org(org_id: int | str, parent_id: int | str) -> Org:
    """Put an organization (with everything under it) under another parent. Refused: the root, a move
    under itself or its own subtree (a cycle), under a deleted or inactive parent, and a subtree with
    pledges in a closed year (moving it would change that year's figures per 党委)."""
    org = live_org(org_id)
    parent = live_org(parent_id, "上级党组织")
    if org.parent_id is None:
        raise ValidationError("县（区）根组织不能移动", "parent")
    if parent.id == org.parent_id:
        raise ValidationError(f"「{org.name}」已在「{parent.name}」之下", "parent")
    if parent.path.startswith(org.path):
        raise ValidationError(f"不能把「{org.name}」移到它自己或它的下级「{parent.name}」之下", "parent")
    if not parent.active:
        raise ValidationError(f"「{parent.name}」已停用，不能再接收下级组织", "parent")
    closed = closed_year_pledges(org)
    if closed:
        years = "、".join(f"{y}年度 {n} 条" for y, n in closed.items())
        raise ValidationError(
            f"「{org.name}」及其下级在已关闭的年度有承诺（{years}），移动会改变这些年度按党委的统计。"
            "如需调整隶属关系，请在新的上级下新建组织，并停用原组织", "parent")
    old_parent = org.parent
    old_path, new_path = org.path, f"{parent.path}{org.id}/"
    shift = parent.depth + 1 - org.depth
    low, high = old_path, old_path[:-1] + "0"
    with transaction():
        now = utcnow()
        database.execute_sql(
            "UPDATE org SET path = ? || substr(path, ?), depth = depth + ?, updated_at = ? WHERE path >= ? AND path < ?",
            [new_path, len(old_path) + 1, shift, now, low, high])
        database.execute_sql("UPDATE org SET parent_id = ?, township = coalesce(township, ?) WHERE id = ?",
                             [parent.id, parent.township, org.id])
        audit.record("update", "org", org.uid, {"parent": (old_parent.uid if old_parent else None, parent.uid)},
                     note=f"移到「{parent.name}」之下")
    return Org.get_by_id(org.id)


@dataclass
class OrgImpact:
    """What deactivating an organization leaves behind (said before it is done)."""

    name: str
    children: int  # active organizations directly under it
    people: int  # members on its roster (在册)
    open_pledges: int  # 拟定 / 践诺中 pledges in open years, its own and its members'

    def text(self) -> str:
        lines = [f"停用后，不能再为「{self.name}」新建承诺、新增人员或下级组织，选择组织时和模板的下拉列表中不再列出它；"
                 "已有的记录和统计都保留，可以随时重新启用。"]
        if self.children:
            lines.append(f"它下面还有 {self.children} 个启用的下级组织：它们保持启用，可以先移到其他上级。")
        if self.people:
            lines.append(f"在册党员 {self.people} 名仍记在该组织名下：请在「人员」中把他们转到新的组织。")
        if self.open_pledges:
            lines.append(f"未完成的承诺 {self.open_pledges} 条仍计入本年度统计：可照常记录践诺和评议，或标记为已撤销。")
        return "\n".join(lines)


def org_impact(org_id: int | str) -> OrgImpact:
    org = live_org(org_id)
    children = Org.select().where((Org.parent == org.id) & Org.deleted_at.is_null() & (Org.active == True)).count()  # noqa: E712
    people = Person.select().where((Person.org == org.id) & Person.deleted_at.is_null() & (Person.state == "active")).count()
    open_pledges = database.execute_sql(
        "SELECT count(*) FROM pledge p JOIN work_year w ON w.year = p.year WHERE p.org_id = ? AND w.closed = 0 "
        f"AND p.deleted_at IS NULL AND p.status IN ({','.join('?' for _ in vocab.OPEN_STATUSES)})",
        [org.id, *vocab.OPEN_STATUSES]).fetchone()[0]
    return OrgImpact(org.name, children, people, open_pledges)


def set_org_active(org_id: int | str, active: bool) -> Org:
    """停用 (deactivate) or 启用 (reactivate) an organization; its records stay (see :class:`OrgImpact`)."""
    org = live_org(org_id)
    if org.parent_id is None and not active:
        raise ValidationError("县（区）根组织不能停用", "org")
    if active and org.parent is not None and not org.parent.active:
        raise ValidationError(f"上级「{org.parent.name}」已停用，请先启用上级或把该组织移到其他上级", "org")
    update_record(org, "org", {"active": bool(active)})
    return org


def subtree_ids(org_id: int) -> list[int]:
    org = get_record(Org, org_id, "党组织")
    return [o.id for o in Org.select(Org.id).where(Org.path.startswith(org.path))]


def ensure_active_org(org: Org, what: str) -> None:
    """Refuse (field ``org_id``) to add to an org that is 停用: ``what`` says what was asked."""
    if not org.active:
        raise ValidationError(f"「{org.name}」已停用，不能{what}；请选择其他党组织，或先在「组织管理」中启用它", "org_id")
