"""Which records of the pledge ledger can be deleted and restored, and what is special about each.

The mechanism is :class:`pledgebook.models.store.lifecycle.SoftDelete`; here only the declarations:
a pledge, its progress entries and evaluations are frozen with their year; an organization goes only
when nothing lives under it, and never the root.
"""

from __future__ import annotations

from pledgebook.models.core.errors import ValidationError
from pledgebook.models.store.lifecycle import Deletable, SoftDelete
from pledgebook.models.store.tables import Evaluation, Org, Person, Pledge, Progress
from pledgebook.models.store.years import ensure_year_open

__all__ = ["DELETABLE", "restore", "soft_delete"]


def _pledge_year(pledge: Pledge) -> None:
    ensure_year_open(pledge.year)


def _entry_year(entry: Progress | Evaluation) -> None:
    ensure_year_open(entry.pledge.year)


def _org_empty(org: Org) -> None:
    if org.parent_id is None:
        raise ValidationError("不能删除县（区）根组织", "org")
    live_children = Org.select().where((Org.parent == org.id) & Org.deleted_at.is_null()).count()
    live_pledges = Pledge.select().where((Pledge.org == org.id) & Pledge.deleted_at.is_null()).count()
    live_people = Person.select().where((Person.org == org.id) & Person.deleted_at.is_null()).count()
    if live_children or live_pledges or live_people:
        raise ValidationError(
            f"「{org.name}」下还有 {live_children} 个下级组织、{live_people} 名人员、{live_pledges} 条承诺，"
            "请先转移或删除它们；已撤销的组织也可以设为「停用」", "org")


DELETABLE = SoftDelete({
    "pledge": Deletable(Pledge, "承诺", frozen=_pledge_year),
    "progress": Deletable(Progress, "践诺记录", frozen=_entry_year),
    "evaluation": Deletable(Evaluation, "评议记录", frozen=_entry_year),
    "org": Deletable(Org, "党组织", before_delete=_org_empty),
})


def soft_delete(table: str, record_id: int | str) -> None:
    """Mark a record deleted (it travels upward as a deletion); undo with :func:`restore`."""
    DELETABLE.delete(table, record_id)


def restore(table: str, record_id: int | str) -> None:
    """Bring a deleted record back (its year must be open)."""
    DELETABLE.restore(table, record_id)
