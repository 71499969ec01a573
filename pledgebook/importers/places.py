"""The second ledger's places as an import sees them: every live contact point, pairing and stationing,
and every live help log by its natural key — loaded once per import, in a few queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from pledgebook.models.core import vocab
from pledgebook.models.store.tables import ContactPoint, HelpLog, Pairing, Person, Stationing


@dataclass
class Place:
    """A contact point, a pairing or a stationing: where a leader or cadre does the work a help log counts."""

    table: str  # contact_point | pairing | stationing
    id: int  # negative: planned by this import (-Excel row), not yet written
    person_id: int
    name: str  # contact point name, household / helped name, '' for a stationing
    org_id: int  # the place's org (the village of a stationing)
    start: dt.date
    end: dt.date | None
    kind: str = ""  # contact point kind, stationing role
    extra: dict[str, Any] = field(default_factory=dict)


class PlaceCache:
    """Every live contact point, pairing, stationing and help log, loaded once per import."""

    def __init__(self) -> None:
        self.places: dict[tuple[str, int], Place] = {}
        self.by_person: dict[int, list[Place]] = {}
        for cp in ContactPoint.select().where(ContactPoint.deleted_at.is_null()):
            self.add(Place("contact_point", cp.id, cp.leader_id, cp.name, cp.org_id, cp.start_date, cp.end_date,
                           cp.kind, {"note": cp.note}))
        # peewee's stubs type .tuples() as the model select it is called on; it yields plain tuples
        names = dict(cast("Iterable[tuple[int, str]]", Person.select(Person.id, Person.name).tuples()))
        for pa in Pairing.select().where(Pairing.deleted_at.is_null()):
            helped = names.get(pa.helped_person_id, "") if pa.helped_person_id is not None else ""
            self.add(Place("pairing", pa.id, pa.helper_id, pa.household or helped, pa.org_id, pa.start_date,
                           pa.end_date))
        for st in Stationing.select().where(Stationing.deleted_at.is_null()):
            self.add(Place("stationing", st.id, st.cadre_id, "", st.village_id, st.start_date, st.actual_end,
                           st.role, {"sending_unit": st.sending_unit, "branch_id": st.branch_id,
                                     "planned_end": st.planned_end, "note": st.note}))
        self.logs: dict[tuple, list[dict]] = {}
        self.log_uids: dict[str, dict] = {}
        self._load_logs()

    def _load_logs(self) -> None:
        fields = ("id", "uid", "date", "person_id", "contact_point_id", "pairing_id", "stationing_id", "kind",
                  *vocab.MEASURES, "note", "source")
        for values in HelpLog.select(*[getattr(HelpLog, f) for f in fields]).where(
                HelpLog.deleted_at.is_null()).tuples().iterator():
            log = dict(zip(fields, values, strict=True))
            if isinstance(log["date"], str):
                log["date"] = dt.date.fromisoformat(log["date"])
            place = next((t, log[t + "_id"]) for t in ("contact_point", "pairing", "stationing") if log[t + "_id"])
            key = (log["person_id"], place, log["date"].year, log["date"].month, log["kind"])
            self.logs.setdefault(key, []).append(log)
            self.log_uids[log["uid"]] = log

    def add(self, place: Place) -> None:
        """A place (also one planned by this import: later rows, and a help-log sheet in the same workbook, find it)."""
        self.places[(place.table, place.id)] = place
        self.by_person.setdefault(place.person_id, []).append(place)

    def of(self, person_id: int, table: str | None = None) -> list[Place]:
        """The places of one person (of one table when given)."""
        mine = self.by_person.get(person_id, [])
        return mine if table is None else [p for p in mine if p.table == table]
