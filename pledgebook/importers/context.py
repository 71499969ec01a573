"""What every row of one import needs, loaded once: indexes, the year, the records already in the ledger."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, cast

from pledgebook.importers.cells import closed_message, content_key
from pledgebook.importers.places import PlaceCache
from pledgebook.importers.resolve import OrgIndex, PersonIndex
from pledgebook.models.ledger import rules
from pledgebook.models.store import settings
from pledgebook.models.store.tables import Evaluation, Person, Pledge, Progress, WorkYear, database

_PLEDGE_FIELDS = ("id", "uid", "year", "org_id", "person_id", "scope", "category", "content", "measures",
                  "due_date", "term", "published_on", "status", "fulfilled_on", "approved_by", "approved_on")
_PERSON_FIELDS = ("id", "name", "org_id", "gender", "ethnicity", "education", "birth_date", "joined_date", "post",
                  "cadre_level", "id_number", "phone", "state")


def _pledge_record(stored: tuple | dict) -> dict:
    if isinstance(stored, dict):
        return stored
    record = dict(zip(_PLEDGE_FIELDS, stored, strict=True))
    for key in ("due_date", "published_on", "fulfilled_on", "approved_on"):
        if isinstance(record[key], str):
            record[key] = dt.date.fromisoformat(record[key])
    return record


def _pledge_sql(where: str) -> str:
    return f"SELECT {', '.join(_PLEDGE_FIELDS)} FROM {Pledge._meta.table_name} WHERE deleted_at IS NULL {where}"


class Context:
    """One import's shared state: what the rows look up, and what the rows planned so far."""

    def __init__(self, year: int | None):
        self.orgs = OrgIndex.load()
        self.people = PersonIndex.load()
        self.year = year
        self.categories = rules.categories()
        self.years = {wy.year: wy.closed for wy in WorkYear.select()}
        self.today = dt.date.today()
        self.formula = settings.get("satisfaction_formula")
        # the 评议日期 of evaluation rows that give none: a date, or a function asked once (the face prompts)
        self.default_date: dt.date | Callable[[], dt.date | None] | None = None
        self.not_counted = 0  # tally rows left blank: not yet counted, not zero
        self.seen: dict[tuple, int] = {}  # natural key -> Excel row of its first occurrence in this file
        self.readings: dict[str, list[int]] = {}  # how deadlines in words were read → Excel rows
        # of the table being planned (see begin_table)
        self.date1904 = False
        self.groups: list[str] = []  # its evaluation groups ('' for plain columns, '群众评议' …)
        self.memo: dict[tuple, Any] = {}  # lookups by the cells' values: cleared for every table
        self._places: PlaceCache | None = None
        self._pledges: dict[tuple, list[tuple | dict]] | None = None
        self._pledge_uids: dict[str, tuple | dict] = {}
        self._loaded_year: int | None = None  # the year whose pledges are loaded (None: every year)
        self._planned_pledges: list[tuple[str, dict]] = []  # added by this file, kept across a reload
        self._progress: set[tuple] | None = None
        self._person_rows: dict[int, dict] | None = None
        self._evaluations: dict[tuple, dict] | None = None

    def begin_table(self, date1904: bool) -> None:
        """The rows of another table follow: lookups by cell value start afresh (an org list may add orgs)."""
        self.date1904 = date1904
        self.groups = []
        self.memo.clear()

    # ----------------------------------------------------------- the year and the file

    def evaluation_date(self) -> dt.date | None:
        if callable(self.default_date):
            self.default_date = self.default_date()
        return self.default_date

    def check_year(self, year: int) -> str | None:
        if year not in self.years:
            return f"{year}年度尚未建立。请先在台账中开启该年度，或用 --year 指定其他年度"
        if self.years[year]:
            return closed_message(year)
        return None

    def closed(self, when: dt.date | None) -> bool:
        """Whether ``when`` falls in a closed year."""
        return when is not None and bool(self.years.get(when.year))

    def duplicate(self, key: tuple, row: int) -> str | None:
        first = self.seen.get(key)
        if first is not None and first != row:
            return f"与本表第 {first} 行重复（同一条记录出现两次）。请删除其中一行"
        self.seen[key] = row
        return None

    @property
    def places(self) -> PlaceCache:
        """The second ledger's contact points, pairings, stationings and help logs (loaded when first asked)."""
        if self._places is None:
            self._places = PlaceCache()
        return self._places

    # ----------------------------------------------------------- existing pledges

    def load_pledges(self) -> None:
        """The import year's live pledges (every year's when the import has none), in one query.

        Raw SQL, rows kept as tuples (a dict only for the few a file matches): on 100,000 pledges peewee's
        row conversion costs more than the query, and dicts three times the memory. A row that names a
        pledge of another year by its 承诺编号 is looked up on its own (:meth:`pledge_by_uid`)."""
        self._load_pledges(self.year)

    def _load_pledges(self, year: int | None) -> None:
        pledges: dict[tuple, list[tuple | dict]] = defaultdict(list)
        self._pledge_uids = {}
        where, params = ("AND year = ?", [year]) if year is not None else ("", [])
        self._loaded_year = year
        org, person, content, uid = (_PLEDGE_FIELDS.index(k) for k in ("org_id", "person_id", "content", "uid"))
        for values in database.execute_sql(_pledge_sql(where), params):
            pledges[(values[org], values[person], content_key(values[content]))].append(values)
            self._pledge_uids[values[uid]] = values
        self._pledges = pledges

    def pledge_by_key(self, org_id: int, person_id: int | None, content: str, year: int | None,
                      key: str | None = None) -> dict | None:
        """The pledge of this pledger with this content (the latest year's, unless ``year`` is given)."""
        if self._pledges is None:
            self._load_pledges(self.year)
        elif self._loaded_year is not None and year != self._loaded_year:  # another year asked for: load them all
            self._load_pledges(None)
            for planned_key, record in self._planned_pledges:
                self._pledges_of(record["org_id"], record["person_id"], planned_key).append(record)
        pool = self._pledges_of(org_id, person_id, key or content_key(content))
        if not pool:
            return None
        records = [_pledge_record(p) for p in pool]
        if year is not None:
            records = [p for p in records if p["year"] == year]
        if len(records) > 1:
            records.sort(key=lambda p: p["year"])
        return records[-1] if records else None

    def _pledges_of(self, org_id: int, person_id: int | None, key: str) -> list[tuple | dict]:
        assert self._pledges is not None
        return self._pledges[(org_id, person_id, key)]

    def pledge_by_uid(self, uid: str) -> dict | None:
        if self._pledges is None:
            self._load_pledges(self.year)
        found = self._pledge_uids.get(uid)
        if found is None and self._loaded_year is not None:
            found = database.execute_sql(_pledge_sql("AND uid = ?"), [uid]).fetchone()
        return _pledge_record(found) if found is not None else None

    def remember_pledge(self, record: dict, key: str | None = None) -> None:
        """A pledge planned for adding, so later rows (and progress in the same run) find it."""
        if self._pledges is None:
            self._load_pledges(self.year)
        key = key or content_key(record["content"])
        self._pledges_of(record["org_id"], record["person_id"], key).append(record)
        self._planned_pledges.append((key, record))

    # ----------------------------------------------------------- other records, loaded when first asked for

    def person_record(self, person_id: int) -> dict:
        """A person's stored fields (all people loaded in one query the first time one is asked for)."""
        if self._person_rows is None:
            cursor = database.execute_sql(f"SELECT {', '.join(_PERSON_FIELDS)} FROM {Person._meta.table_name} "
                                          "WHERE deleted_at IS NULL")
            self._person_rows = {}
            for values in cursor:
                record = dict(zip(_PERSON_FIELDS, values, strict=True))
                for key in ("birth_date", "joined_date"):
                    if isinstance(record[key], str):
                        record[key] = dt.date.fromisoformat(record[key])
                self._person_rows[record["id"]] = record
        return self._person_rows[person_id]

    def progress_keys(self) -> set[tuple]:
        """(pledge id, date, content key of the note) of every live progress record."""
        if self._progress is None:
            # peewee's stubs type .tuples() as the model select it is called on; it yields plain tuples
            rows = cast("Iterable[tuple[int, dt.date | str, str]]", Progress.select(
                Progress.pledge, Progress.date, Progress.note).where(Progress.deleted_at.is_null()).tuples())
            self._progress = {
                (pid, d if isinstance(d, dt.date) else dt.date.fromisoformat(d), content_key(n)) for pid, d, n in rows
            }
        return self._progress

    def evaluations(self) -> dict[tuple, dict]:
        """Every live evaluation by (pledge id, kind, date, evaluator or '')."""
        if self._evaluations is None:
            self._evaluations = {}
            for ev in Evaluation.select().where(Evaluation.deleted_at.is_null()).dicts().iterator():
                for k in ("date", "rect_due", "rect_done"):
                    if isinstance(ev[k], str):
                        ev[k] = dt.date.fromisoformat(ev[k])
                self._evaluations[(ev["pledge"], ev["kind"], ev["date"], ev["evaluator"] or "")] = ev
        return self._evaluations
