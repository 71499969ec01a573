"""What the campaign (帮扶) screens show, as plain dataclasses (no widget runs SQL).

Reads only: the writes, the monthly form's ``save_month`` among them, are in
:mod:`pledgebook.models.campaign.rules`. Headless: no textual, rich or typer here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from peewee import JOIN

from pledgebook.models.campaign.figures import CampaignBook, idle_people
from pledgebook.models.core import vocab
from pledgebook.models.store.pickers import PledgerChoice, org_choice, person_choice
from pledgebook.models.store.tables import (
    ContactPoint,
    HelpLog,
    Org,
    Pairing,
    Person,
    Stationing,
    database,
    fetch_tuples,
)

# the number fields of the monthly form, in order: (work kind, measure)
FIELDS: tuple[tuple[str, str], ...] = tuple((k, m) for k, ms in vocab.WORK_MEASURES.items() for m in ms)


@dataclass
class CommitteeRow:
    id: int | None  # None: the whole county
    name: str
    contact_points: int
    stationed: int


@dataclass
class PlaceRow:
    table: str  # contact_point | pairing | stationing
    id: int
    person_id: int
    person: str
    what: str  # 联系点 kind label, 结对帮扶, or 驻村 role
    name: str  # the point's name, the helped member or household, or the village
    org: str
    start: date
    end: date | None
    logged: int = 0  # logs in the shown month

    @property
    def label(self) -> str:
        return f"{self.person} · {self.name}"


@dataclass
class MonthEntry:
    """The quantities of one place's logs in one month, by (kind, measure)."""

    year: int
    month: int
    values: dict[tuple[str, str], float] = field(default_factory=dict)
    logs: int = 0


# the running records' tables: model, and the column of their end date
PLACE_SPANS: dict[str, tuple[type[ContactPoint] | type[Pairing] | type[Stationing], str]] = {
    "contact_point": (ContactPoint, "end_date"), "pairing": (Pairing, "end_date"), "stationing": (Stationing, "actual_end"),
}


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def committees(today: date) -> list[CommitteeRow]:
    """The county's 党委 (children of the root) with their running contact points and cadres."""
    root = Org.select(Org.id).where(Org.parent.is_null(), Org.deleted_at.is_null()).order_by(Org.id).first()
    if root is None:
        return []
    day = today.isoformat()
    rows = [CommitteeRow(None, "全县", 0, 0)]
    children = fetch_tuples(Org.select(Org.id, Org.name, Org.path).where(Org.parent == root.id, Org.deleted_at.is_null())
                            .order_by(Org.sort, Org.id))
    for oid, name, path in children:
        cps = database.execute_sql(
            "SELECT count(*) FROM contact_point c JOIN org o ON o.id = c.org_id WHERE c.deleted_at IS NULL "
            "AND o.path LIKE ? AND c.start_date <= ? AND (c.end_date IS NULL OR c.end_date >= ?)",
            (path + "%", day, day)).fetchone()[0]
        sts = database.execute_sql(
            "SELECT count(*) FROM stationing s JOIN org o ON o.id = s.village_id WHERE s.deleted_at IS NULL "
            "AND o.path LIKE ? AND s.start_date <= ? AND (s.actual_end IS NULL OR s.actual_end >= ?)",
            (path + "%", day, day)).fetchone()[0]
        rows.append(CommitteeRow(oid, name, cps, sts))
    rows[0].contact_points = sum(r.contact_points for r in rows[1:])
    rows[0].stationed = sum(r.stationed for r in rows[1:])
    return rows


def places(org_id: int | None, year: int, month: int) -> list[PlaceRow]:
    """Contact points, pairings and stationings running in the month under ``org_id``, with their log counts."""
    first, last = month_bounds(year, month)
    path = "%"
    if org_id is not None:
        org = Org.get_or_none(Org.id == org_id)
        path = (org.path if org else "/-1/") + "%"
    f, la = first.isoformat(), last.isoformat()
    logged = {
        (t, pid): n for t, pid, n in database.execute_sql(
            "SELECT CASE WHEN contact_point_id IS NOT NULL THEN 'contact_point' "
            "WHEN pairing_id IS NOT NULL THEN 'pairing' ELSE 'stationing' END, "
            "coalesce(contact_point_id, pairing_id, stationing_id), count(*) FROM help_log WHERE deleted_at IS NULL "
            "AND date BETWEEN ? AND ? GROUP BY 1, 2", (f, la)).fetchall()
    }
    rows: list[PlaceRow] = []
    query = fetch_tuples(ContactPoint.select(ContactPoint, Person.name, Org.name)
             .join(Person, on=ContactPoint.leader == Person.id).switch(ContactPoint)
             .join(Org, on=ContactPoint.org == Org.id)
             .where(ContactPoint.deleted_at.is_null(), Org.path ** path, ContactPoint.start_date <= last,
                    ContactPoint.end_date.is_null() | (ContactPoint.end_date >= first))
             .order_by(Person.name, ContactPoint.name))
    fields = ContactPoint._meta.sorted_field_names
    for values in query:
        cp = dict(zip(fields, values))
        rows.append(PlaceRow("contact_point", cp["id"], cp["leader"], values[-2],
                             vocab.label(vocab.CONTACT_KINDS, cp["kind"]), cp["name"], values[-1],
                             cp["start_date"], cp["end_date"], logged.get(("contact_point", cp["id"]), 0)))
    helped = Person.alias()
    query = fetch_tuples(Pairing.select(Pairing.id, Pairing.helper, Person.name, Pairing.household, helped.name, Org.name,
                            Pairing.start_date, Pairing.end_date)
             .join(Person, on=Pairing.helper == Person.id).switch(Pairing)
             .join(helped, JOIN.LEFT_OUTER, on=Pairing.helped_person == helped.id).switch(Pairing)
             .join(Org, on=Pairing.org == Org.id)
             .where(Pairing.deleted_at.is_null(), Org.path ** path, Pairing.start_date <= last,
                    Pairing.end_date.is_null() | (Pairing.end_date >= first))
             .order_by(Person.name, Pairing.id))
    for pid, helper, person, household, helped_name, org_name, start, end in query:
        rows.append(PlaceRow("pairing", pid, helper, person, vocab.HELP_PLACES["pairing"], household or helped_name,
                             org_name, start, end, logged.get(("pairing", pid), 0)))
    query = fetch_tuples(Stationing.select(Stationing.id, Stationing.cadre, Person.name, Stationing.role, Org.name,
                               Stationing.sending_unit, Stationing.start_date, Stationing.actual_end)
             .join(Person, on=Stationing.cadre == Person.id).switch(Stationing)
             .join(Org, on=Stationing.village == Org.id)
             .where(Stationing.deleted_at.is_null(), Org.path ** path, Stationing.start_date <= last,
                    Stationing.actual_end.is_null() | (Stationing.actual_end >= first))
             .order_by(Org.name, Person.name))
    for sid, cadre, person, role, village, unit, start, end in query:
        rows.append(PlaceRow("stationing", sid, cadre, person, "驻村" + vocab.label(vocab.STATION_ROLES, role),
                             village, unit, start, end, logged.get(("stationing", sid), 0)))
    return rows


@dataclass
class PlaceDetail:
    """One contact point, pairing or stationing as the edit forms start from it."""

    table: str
    id: int
    holder: PledgerChoice  # the leader, helper or cadre
    org: PledgerChoice  # the point's org, the helped's org or village, the stationing's village
    start: date
    end: date | None
    note: str
    kind: str = ""  # a contact point's kind, a stationing's role (codes)
    name: str = ""  # a contact point's name, a pairing's household
    helped: PledgerChoice | None = None  # a pairing's helped member
    sending_unit: str = ""
    branch: PledgerChoice | None = None  # a stationing's 临时党支部
    planned_end: date | None = None


def place_detail(table: str, place_id: int) -> PlaceDetail | None:
    """The record behind a row of :func:`places`; None if it is gone."""
    model, _end_field = PLACE_SPANS[table]
    obj = model.get_or_none(model.id == place_id)
    if obj is None or obj.deleted_at is not None:
        return None
    if isinstance(obj, ContactPoint):
        return PlaceDetail(table, obj.id, person_choice(obj.leader), org_choice(obj.org), obj.start_date, obj.end_date,
                           obj.note, kind=obj.kind, name=obj.name)
    if isinstance(obj, Pairing):
        helped = person_choice(obj.helped_person) if obj.helped_person is not None else None
        return PlaceDetail(table, obj.id, person_choice(obj.helper), org_choice(obj.org), obj.start_date, obj.end_date,
                           obj.note, name=obj.household or "", helped=helped)
    return PlaceDetail(table, obj.id, person_choice(obj.cadre), org_choice(obj.village), obj.start_date,
                       obj.actual_end, obj.note, kind=obj.role, sending_unit=obj.sending_unit,
                       branch=org_choice(obj.branch) if obj.branch is not None else None, planned_end=obj.planned_end)


def month_logs(table: str, place_id: int, year: int, month: int) -> list[HelpLog]:
    """The live logs of one place dated in one month, in the order they were written."""
    first, last = month_bounds(year, month)
    column = getattr(HelpLog, table)
    return list(HelpLog.select().where(column == place_id, HelpLog.deleted_at.is_null(),
                                       HelpLog.date.between(first, last)).order_by(HelpLog.id))


def month_entry(table: str, place_id: int, year: int, month: int) -> MonthEntry:
    """The month's logs of one place summed by (kind, measure): what the form starts from."""
    entry = MonthEntry(year, month)
    for log in month_logs(table, place_id, year, month):
        entry.logs += 1
        for measure in vocab.WORK_MEASURES.get(log.kind, ()):
            value = getattr(log, measure) or 0
            if value:
                entry.values[(log.kind, measure)] = entry.values.get((log.kind, measure), 0) + value
    return entry


@dataclass
class Coverage:
    year: int
    villages: int
    covered: int
    rate: float | None
    uncovered: list[tuple[str, str, str]]  # name, committee, code


def coverage(year: int, org_id: int | None = None, *, today: date | None = None) -> Coverage:
    book = CampaignBook(year, today=today)
    fig = book.subtree(org_id)
    uncovered = [(v.name, v.committee, v.code or "") for v in book.uncovered_villages(org_id)]
    return Coverage(year, fig.villages, fig.villages_covered, fig.coverage_rate, uncovered)


@dataclass
class IdleRow:
    name: str
    org: str
    roles: str
    places: str
    last_log: str


def idle(months: int, *, today: date | None = None, org_id: int | None = None) -> list[IdleRow]:
    return [
        IdleRow(p.name, p.org, "、".join(vocab.label(vocab.HELP_PLACES, r) for r in p.roles), "、".join(p.places),
                p.last_log.isoformat() if p.last_log else "从未记录")
        for p in idle_people(months, today=today, org_id=org_id)
    ]
