"""Which records of the campaign ledger can be deleted and restored, and what is special about each.

The mechanism is :class:`pledgebook.models.store.lifecycle.SoftDelete`; here only the declarations:
a help log is frozen with the year of its date; a contact point, pairing or stationing that was
running during a closed year is frozen too, goes only when no live log is written against it, and a
log comes back only while its place is there.
"""

from __future__ import annotations

from collections.abc import Callable

from pledgebook.models.campaign import validate as V
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.store.lifecycle import Deletable, SoftDelete
from pledgebook.models.store.tables import ContactPoint, HelpLog, Pairing, Stationing
from pledgebook.models.store.years import ensure_year_open

__all__ = ["DELETABLE", "restore", "soft_delete"]

PLACES = {"contact_point": "联系点", "pairing": "结对帮扶", "stationing": "驻村记录"}


def _log_year(log: HelpLog) -> None:
    ensure_year_open(log.date.year)


def _span_frozen(table: str) -> Callable[[ContactPoint | Pairing | Stationing], None]:
    def frozen(obj: ContactPoint | Pairing | Stationing) -> None:
        start, end, _org, _holder = V.place_span(obj)
        V.ensure_span_open(start, end)

    return frozen


def _no_live_logs(table: str) -> Callable[[ContactPoint | Pairing | Stationing], None]:
    def check(obj: ContactPoint | Pairing | Stationing) -> None:
        column = getattr(HelpLog, table)
        logs = HelpLog.select().where((column == obj.id) & HelpLog.deleted_at.is_null()).count()
        if logs:
            raise ValidationError(
                f"该{PLACES[table]}下还有 {logs} 条帮扶记录，请先删除这些记录；如只是不再联系，请用「结束」", table)

    return check


def _place_live(log: HelpLog) -> None:
    place = next(p for p in ("contact_point", "pairing", "stationing") if getattr(log, p + "_id"))
    if getattr(log, place).deleted_at is not None:
        raise ValidationError(f"该记录所属的{vocab.HELP_PLACES[place]}已被删除，请先恢复它", "help_log")


DELETABLE = SoftDelete({
    **{table: Deletable(model, PLACES[table], frozen=_span_frozen(table), before_delete=_no_live_logs(table))
       for table, model in (("contact_point", ContactPoint), ("pairing", Pairing), ("stationing", Stationing))},
    "help_log": Deletable(HelpLog, "帮扶记录", frozen=_log_year, before_restore=_place_live),
})


def soft_delete(table: str, record_id: int | str) -> None:
    """Mark a campaign record deleted (it travels upward as a deletion); undo with :func:`restore`.

    A contact point, pairing or stationing that still has live logs cannot be
    deleted (delete the logs first, or end it instead).
    """
    DELETABLE.delete(table, record_id)


def restore(table: str, record_id: int | str) -> None:
    """Bring a deleted campaign record back (a log only while its place is there)."""
    DELETABLE.restore(table, record_id)
