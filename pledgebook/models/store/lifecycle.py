"""The life of a record in every ledger: the write transaction, finding a record, changing it with an
audit entry, and soft delete / restore.

Each ledger declares its deletable tables once (:class:`SoftDelete` with one :class:`Deletable` per
table) and says only what is special about them: which year a record belongs to (a closed year is
frozen) and what must hold before it goes or comes back. The mechanism — find it, check, mark it,
audit it — is written here once.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from pledgebook.models.core.errors import NotFound, ValidationError
from pledgebook.models.store import audit, search
from pledgebook.models.store.tables import Tracked, database, utcnow

__all__ = [
    "Deletable",
    "SoftDelete",
    "apply_changes",
    "get_record",
    "mark_deleted",
    "mark_restored",
    "save_changes",
    "stamp",
    "transaction",
    "update_record",
]

M = TypeVar("M", bound=Tracked)
Changes = dict[str, tuple[Any, Any]]


@contextmanager
def transaction() -> Generator[None, None, None]:
    """One write transaction that takes the write lock at BEGIN.

    A transaction that reads first and then writes would otherwise fail at
    once with "database is locked" when another process writes, whatever the
    busy timeout. Before it commits, the search index catches up with what
    it changed (:mod:`pledgebook.models.store.search`).
    """
    with database.atomic("IMMEDIATE"):
        yield
        search.flush()


def get_record(model: type[M], record_id: int | str, label: str) -> M:
    """The record with this id (a number) or uid (any other text); :class:`NotFound` in Chinese if none."""
    if isinstance(record_id, str) and not str(record_id).isdigit():
        obj = model.get_or_none(model.uid == record_id)
    else:
        obj = model.get_or_none(model.id == int(record_id))
    if obj is None:
        raise NotFound(f"未找到该{label}（编号 {record_id}），可能已被删除。")
    return obj


def ensure_live(obj: Tracked, label: str) -> None:
    """Refuse to change a soft-deleted record: it must be restored first (the message names it by ``label``)."""
    if getattr(obj, "deleted_at", None) is not None:
        raise ValidationError(f"该{label}已被删除；如需修改请先恢复", obj._meta.table_name)  # pyright: ignore[reportPrivateUsage] - peewee's model options, its public API


def live_record(model: type[M], record_id: int | str, label: str) -> M:
    """:func:`get_record`, refused when the record is soft-deleted (:func:`ensure_live`)."""
    obj = get_record(model, record_id, label)
    ensure_live(obj, label)
    return obj


def apply_changes(obj: Tracked, values: dict[str, Any]) -> Changes:
    """Set fields on ``obj``; return the changes that really differ (field → (old, new))."""
    changes: Changes = {}
    for field, new in values.items():
        old = getattr(obj, field + "_id") if hasattr(obj, field + "_id") and isinstance(new, int) else getattr(obj, field)
        if old != new:
            changes[field] = (old, new)
            setattr(obj, field, new)
    return changes


def stamp(obj: Tracked, table: str, changes: Changes, action: str = "update") -> None:
    """Save ``obj`` with a new ``updated_at`` and audit ``changes`` — if there are any."""
    if changes:
        obj.updated_at = utcnow()
        obj.save()
        audit.record(action, table, obj.uid, changes)


def save_changes(obj: Tracked, table: str, changes: Changes) -> None:
    """Save ``obj`` (already changed) with a new ``updated_at`` and audit ``changes``, even if empty."""
    obj.updated_at = utcnow()
    obj.save()
    audit.record("update", table, obj.uid, changes)


def update_record(obj: Tracked, table: str, values: dict[str, Any]) -> Changes:
    """Set ``values`` on ``obj`` in one transaction; save and audit what really changed."""
    with transaction():
        changes = apply_changes(obj, values)
        stamp(obj, table, changes)
    return changes


def mark_deleted(table: str, obj: Any) -> None:
    """Soft-delete one record (the removal travels upward) and audit it."""
    with transaction():
        now = utcnow()
        obj.deleted_at = now
        obj.updated_at = now
        obj.save()
        audit.record("delete", table, obj.uid, {"deleted_at": (None, now)})


def mark_restored(table: str, obj: Any) -> None:
    """Undo a soft delete and audit it."""
    with transaction():
        old = obj.deleted_at
        obj.deleted_at = None
        obj.updated_at = utcnow()
        obj.save()
        audit.record("restore", table, obj.uid, {"deleted_at": (old, None)})


def _nothing(_obj: Any) -> None:
    return None


@dataclass(frozen=True)
class Deletable:
    """One table a ledger lets its users delete and restore.

    ``frozen`` raises (``YearClosed`` …) when the record may not change at all (it lies in a closed
    year); ``before_delete`` / ``before_restore`` raise when it may not go or come back now.
    """

    model: type[Tracked]  # with a deleted_at column
    label: str  # Chinese, for messages: 承诺, 联系点 …
    frozen: Callable[[Any], None] = _nothing
    before_delete: Callable[[Any], None] = _nothing
    before_restore: Callable[[Any], None] = _nothing


class SoftDelete:
    """A ledger's soft delete and restore, over the tables it declares (table name → :class:`Deletable`)."""

    def __init__(self, tables: dict[str, Deletable]):
        self.tables = tables

    def _find(self, table: str, record_id: int | str) -> tuple[Deletable, Any]:
        spec = self.tables[table]
        obj = get_record(spec.model, record_id, spec.label)
        spec.frozen(obj)
        return spec, obj

    def delete(self, table: str, record_id: int | str) -> None:
        """Mark a record deleted (it travels upward as a deletion); undo with :meth:`restore`.
        Deleting a deleted record does nothing."""
        spec, obj = self._find(table, record_id)
        if obj.deleted_at is not None:
            return
        spec.before_delete(obj)
        mark_deleted(table, obj)

    def restore(self, table: str, record_id: int | str) -> None:
        """Bring a deleted record back; restoring a live one does nothing."""
        spec, obj = self._find(table, record_id)
        if obj.deleted_at is None:
            return
        spec.before_restore(obj)
        mark_restored(table, obj)
