"""The figures of the campaign ledger (四帮四促 / 帮联驻), beside the pledge figures.

Defined once, used by the CLI, the reports, the TUI and the tests:

- 联系点 (by kind), 结对帮扶, 驻村干部: the records **running on the date**
  ``as_of`` (the period's last day, or today while the period is still going):
  started on or before it and not ended before it (the end date is the last
  day). They are not per year, so no year owns them.
- work done: the help logs dated in the period (a year or one month), counted
  and summed by measure (户, 人次, 件, 个, 起, 万元, 期) and by kind of work.
- 覆盖率 = villages with a stationed cadre or a contact point ÷ villages. A
  **village** (村) is an active org of kind 党支部 or 党总支 in the 农村 sector
  whose parent is not itself such a branch: a 村党总支 is the village and the
  村民小组 branches under it are parts of it; 社区 (sector community), schools
  and 临时党支部 are not villages. A contact point or stationing anywhere in a
  village's subtree covers it.
- 近 N 个月无帮扶记录: people who hold a contact point, pairing or stationing
  that has been running for the whole window and who wrote no log in it.

SQL aggregates per org in a few GROUP BY queries (the help_log ones read the
covering index ``help_log_figures`` alone); the org tree
(:class:`pledgebook.models.store.orgtree.OrgTree`, shared by every ledger) then
rolls those up once, so every subtree total costs nothing more.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from pledgebook.models.core import vocab
from pledgebook.models.store.orgtree import TreeBook
from pledgebook.models.store.tables import database, fetch_all, fetch_one

__all__ = [
    "MEASURE_COLUMNS",
    "VILLAGE_KINDS",
    "CampaignBook",
    "CampaignFigures",
    "IdlePerson",
    "Village",
    "campaign_figures",
    "idle_people",
    "monthly",
    "months_before",
    "period_bounds",
]

VILLAGE_KINDS = ("branch", "general_branch")
MEASURE_COLUMNS = tuple(vocab.MEASURES)  # households, person_times, items, units, cases, funds, sessions


def _zero_measures() -> dict[str, float]:
    return {m: 0 for m in MEASURE_COLUMNS}


@dataclass
class CampaignFigures:
    """The campaign ledger's counts for one subtree and period; ``add`` sums two."""

    contact_points: int = 0
    contact_points_by_kind: dict[str, int] = field(default_factory=dict)
    pairings: int = 0
    pairings_members: int = 0  # the helped is a party member (a Person)
    pairings_households: int = 0  # the helped is a household (a name)
    stationed_cadres: int = 0
    logs: int = 0
    measures: dict[str, float] = field(default_factory=_zero_measures)
    work: dict[str, dict[str, float]] = field(default_factory=dict)  # kind -> measure -> sum
    villages: int = 0
    villages_covered: int = 0

    @property
    def coverage_rate(self) -> float | None:
        return self.villages_covered / self.villages if self.villages else None

    def worked(self, kind: str, measure: str) -> float:
        """The sum of one measure over one kind of work: worked('solve', 'units') = 解决问题(个)."""
        return self.work.get(kind, {}).get(measure, 0)

    def add(self, other: CampaignFigures) -> None:
        for name in ("contact_points", "pairings", "pairings_members", "pairings_households", "stationed_cadres",
                     "logs", "villages", "villages_covered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for kind, n in other.contact_points_by_kind.items():
            self.contact_points_by_kind[kind] = self.contact_points_by_kind.get(kind, 0) + n
        for m, v in other.measures.items():
            self.measures[m] = self.measures.get(m, 0) + v
        for kind, sums in other.work.items():
            mine = self.work.setdefault(kind, {})
            for m, v in sums.items():
                mine[m] = mine.get(m, 0) + v

    def as_dict(self) -> dict:
        """Plain JSON-able form, snake_case keys; 万元 rounded to 2 places, rates to 4."""

        def clean(measure: str, value: float) -> float | int:
            return round(value, 2) if measure == "funds" else int(value)

        return {
            "contact_points": self.contact_points,
            "contact_points_by_kind": {k: self.contact_points_by_kind.get(k, 0) for k in vocab.CONTACT_KINDS},
            "pairings": self.pairings,
            "pairings_members": self.pairings_members,
            "pairings_households": self.pairings_households,
            "stationed_cadres": self.stationed_cadres,
            "logs": self.logs,
            "measures": {m: clean(m, self.measures.get(m, 0)) for m in MEASURE_COLUMNS},
            "work": {
                kind: {m: clean(m, self.worked(kind, m)) for m in vocab.WORK_MEASURES[kind]} for kind in vocab.WORK_KINDS
            },
            "villages": self.villages,
            "villages_covered": self.villages_covered,
            "coverage_rate": None if self.coverage_rate is None else round(self.coverage_rate, 4),
        }


@dataclass
class Village:
    id: int
    name: str
    code: str | None
    township: str | None
    committee: str  # the 党委 (root's child) it belongs to; in a prefecture file, its county
    county: str = ""  # the county it lies in (its nearest 县委 ancestor), in a county file the root


def period_bounds(year: int, month: int | None = None) -> tuple[date, date]:
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


class CampaignBook(TreeBook[CampaignFigures]):
    """The campaign figures of one period (a year, or one month of it), per org, rolled up."""

    def __init__(self, year: int, month: int | None = None, *, today: date | None = None, as_of: date | None = None):
        self.year = year
        self.month = month
        self.today = today or date.today()
        self.start, self.end = period_bounds(year, month)
        self.as_of = as_of or max(self.start, min(self.today, self.end))
        super().__init__()
        self.raw: dict[int, CampaignFigures] = defaultdict(CampaignFigures)
        self.village_of: dict[int, int] = {}
        self.covered: set[int] = set()
        self._load_villages()
        self._load()

    # ------------------------------------------------------------- loading
    def _load_villages(self) -> None:
        villages = {
            n.id for n in self.orgs.values()
            if n.kind in VILLAGE_KINDS and n.sector == "rural" and n.active
            and not (n.parent_id in self.orgs and self.orgs[n.parent_id].kind in VILLAGE_KINDS)
        }
        self.villages = villages
        for node in self.orgs.values():
            for ancestor in node.path.strip("/").split("/"):
                if ancestor and int(ancestor) in villages:
                    self.village_of[node.id] = int(ancestor)
                    break

    def _load(self) -> None:
        on = self.as_of.isoformat()
        for org_id, kind, count in database.execute_sql(
            "SELECT org_id, kind, count(*) FROM contact_point WHERE deleted_at IS NULL AND start_date <= ? "
            "AND (end_date IS NULL OR end_date >= ?) GROUP BY org_id, kind",
            (on, on),
        ).fetchall():
            fig = self.raw[org_id]
            fig.contact_points += count
            fig.contact_points_by_kind[kind] = fig.contact_points_by_kind.get(kind, 0) + count
            if org_id in self.village_of:
                self.covered.add(self.village_of[org_id])
        for org_id, household, count in database.execute_sql(
            "SELECT org_id, helped_person_id IS NULL, count(*) FROM pairing WHERE deleted_at IS NULL "
            "AND start_date <= ? AND (end_date IS NULL OR end_date >= ?) GROUP BY org_id, helped_person_id IS NULL",
            (on, on),
        ).fetchall():
            fig = self.raw[org_id]
            fig.pairings += count
            if household:
                fig.pairings_households += count
            else:
                fig.pairings_members += count
        for org_id, count in database.execute_sql(
            "SELECT village_id, count(DISTINCT cadre_id) FROM stationing WHERE deleted_at IS NULL "
            "AND start_date <= ? AND (actual_end IS NULL OR actual_end >= ?) GROUP BY village_id",
            (on, on),
        ).fetchall():
            self.raw[org_id].stationed_cadres += count
            if org_id in self.village_of:
                self.covered.add(self.village_of[org_id])
        sums = ", ".join(f"total({m})" for m in MEASURE_COLUMNS)
        for org_id, kind, count, *values in database.execute_sql(
            f"SELECT org_id, kind, count(*), {sums} FROM help_log "
            "WHERE date >= ? AND date <= ? AND deleted_at IS NULL GROUP BY org_id, kind",
            (self.start.isoformat(), self.end.isoformat()),
        ).fetchall():
            fig = self.raw[org_id]
            fig.logs += count
            work = fig.work.setdefault(kind, {})
            for m, v in zip(MEASURE_COLUMNS, values):
                if v:
                    fig.measures[m] += v
                    work[m] = work.get(m, 0) + v
        for vid in self.villages:
            self.raw[vid].villages += 1
            if vid in self.covered:
                self.raw[vid].villages_covered += 1

    # ------------------------------------------------------------- queries
    def zero(self) -> CampaignFigures:
        return CampaignFigures()

    def own(self) -> dict[int, CampaignFigures]:
        return self.raw

    def _committee(self, oid: int) -> str:
        parts = [int(p) for p in self.orgs[oid].path.strip("/").split("/") if p]
        return self.orgs[parts[1]].name if len(parts) > 1 and parts[1] in self.orgs else ""

    def county_of(self, oid: int | None) -> str:
        """The name of the county an org lies in (its nearest 县委 ancestor, itself included); "" if none."""
        node = self.orgs.get(oid) if oid is not None else None
        if node is None:
            return ""
        for part in reversed(node.path.strip("/").split("/")):
            up = self.orgs.get(int(part)) if part else None
            if up is not None and up.kind == "county":
                return up.name
        return ""

    def uncovered_villages(self, org_id: int | None = None) -> list[Village]:
        """Villages in the subtree with neither a stationed cadre nor a contact point on ``as_of``."""
        rows = [
            Village(v, self.orgs[v].name, self.orgs[v].code, self.orgs[v].township, self._committee(v), self.county_of(v))
            for v in self.villages
            if v not in self.covered and self.tree.contains(org_id, v)
        ]
        return sorted(rows, key=lambda v: (self.orgs[v.id].path.count("/"), self.orgs[v.id].path))


def campaign_figures(year: int, month: int | None = None, org_id: int | None = None, *,
                     today: date | None = None) -> CampaignFigures:
    """The campaign figures of one subtree for one year or month (the whole file by default)."""
    return CampaignBook(year, month, today=today).subtree(org_id)


def monthly(year: int, org_id: int | None = None) -> list[tuple[int, CampaignFigures]]:
    """Month by month, the logs of a year (count, measures, work) for one subtree.

    Only the work done is filled in; for the running records of a month use
    ``CampaignBook(year, month)``.
    """
    params: list = [date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()]
    where = ""
    if org_id is not None:
        path = database.execute_sql("SELECT path FROM org WHERE id = ?", (org_id,)).fetchone()
        if path is None:
            return []
        where = " AND org_id IN (SELECT id FROM org WHERE path >= ? AND path < ?)"
        params += [path[0], path[0] + "\uffff"]
    sums = ", ".join(f"total({m})" for m in MEASURE_COLUMNS)
    months = {m: CampaignFigures() for m in range(1, 13)}
    for month, kind, count, *values in database.execute_sql(
        f"SELECT CAST(substr(date, 6, 2) AS INTEGER), kind, count(*), {sums} FROM help_log "
        f"WHERE date >= ? AND date <= ? AND deleted_at IS NULL{where} GROUP BY 1, kind",
        params,
    ).fetchall():
        fig = months[month]
        fig.logs += count
        work = fig.work.setdefault(kind, {})
        for m, v in zip(MEASURE_COLUMNS, values):
            if v:
                fig.measures[m] += v
                work[m] = work.get(m, 0) + v
    return sorted(months.items())


# ------------------------------------------------------------ nothing logged lately


@dataclass
class IdlePerson:
    person_id: int
    name: str
    org: str  # the person's own org
    roles: tuple[str, ...]  # contact_point / pairing / stationing (vocab.HELP_PLACES)
    places: tuple[str, ...]  # the names of their points, helped and villages
    last_log: date | None
    org_id: int | None = None  # the person's own org


def months_before(when: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day where it is shorter)."""
    index = when.year * 12 + when.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(when.day, calendar.monthrange(year, month)[1]))


def _place_holders(first: str, on: str, org_id: int | None,
                   roles: tuple[str, ...]) -> dict[int, tuple[list[str], list[str]]]:
    """Who held a place of ``roles`` running on every day from ``first`` to ``on``: person id → (their roles,
    the places' names); only places in ``org_id``'s subtree when given."""
    sql: list[str] = []
    params: list[object] = []
    subtree = ""
    subtree_params: list[str] = []
    if org_id is not None:
        path = fetch_one("SELECT path FROM org WHERE id = ?", (org_id,))
        if path is None:
            return {}
        subtree = " AND {col} IN (SELECT id FROM org WHERE path >= ? AND path < ?)"
        subtree_params = [path[0], path[0] + "\uffff"]
    for role, table, person_col, org_col, end_col, name_sql in (
        ("contact_point", "contact_point", "leader_id", "org_id", "end_date", "t.name"),
        ("pairing", "pairing", "helper_id", "org_id", "end_date",
         "coalesce(t.household, (SELECT name FROM person WHERE id = t.helped_person_id))"),
        ("stationing", "stationing", "cadre_id", "village_id", "actual_end", "(SELECT name FROM org WHERE id = t.village_id)"),
    ):
        if role not in roles:
            continue
        sql.append(
            f"SELECT t.{person_col}, '{role}', {name_sql} FROM {table} t WHERE t.deleted_at IS NULL "
            f"AND t.start_date <= ? AND (t.{end_col} IS NULL OR t.{end_col} >= ?)"
            + subtree.format(col=f"t.{org_col}")
        )
        params += [first, on, *subtree_params]
    holders: dict[int, tuple[list[str], list[str]]] = {}
    if not sql:
        return holders
    for person_id, role, place in fetch_all(" UNION ALL ".join(sql), params):
        held = holders.setdefault(person_id, ([], []))
        if role not in held[0]:
            held[0].append(role)
        held[1].append(place or "")
    return holders


def _idle_details(idle_ids: list[int], on: str) -> dict[int, tuple[str, str, date | None, int]]:
    """Name, org name, last log up to ``on`` and org id of each person, read 500 at a time."""
    found: dict[int, tuple[str, str, date | None, int]] = {}
    for chunk in range(0, len(idle_ids), 500):
        ids = idle_ids[chunk:chunk + 500]
        marks = ",".join("?" * len(ids))
        for pid, name, org, last, oid in fetch_all(
            "SELECT p.id, p.name, o.name, (SELECT max(date) FROM help_log h WHERE h.person_id = p.id "
            f"AND h.deleted_at IS NULL AND h.date <= ?), o.id FROM person p JOIN org o ON o.id = p.org_id "
            f"WHERE p.id IN ({marks})",
            [on, *ids],
        ):
            found[pid] = (name, org, date.fromisoformat(last) if last else None, oid)
    return found


def idle_people(
    months: int = 3,
    *,
    today: date | None = None,
    org_id: int | None = None,
    roles: tuple[str, ...] = tuple(vocab.HELP_PLACES),
) -> list[IdlePerson]:
    """People who wrote no help log in the last ``months`` months, ``today`` included.

    Counted: holders of a contact point (联系领导), a pairing (帮扶责任人) or a
    stationing (驻村干部) — as ``roles`` selects — that was running on every
    day of the window (started on or before its first day, not ended before
    ``today``): someone who took a point last week is not yet behind. With
    ``org_id``, only places in that subtree count. Any log the person wrote
    counts, whatever it was recorded against. Never-logged people first, then
    the longest silent.
    """
    today = today or date.today()
    on, first = today.isoformat(), months_before(today, months).isoformat()
    holders = _place_holders(first, on, org_id, roles)
    active = {
        pid for (pid,) in database.execute_sql(
            "SELECT DISTINCT person_id FROM help_log WHERE date > ? AND date <= ? AND deleted_at IS NULL",
            (first, on),
        ).fetchall()
    }
    idle_ids = [pid for pid in holders if pid not in active]
    if not idle_ids:
        return []
    found = _idle_details(idle_ids, on)
    result = [
        IdlePerson(
            pid, found[pid][0], found[pid][1], tuple(holders[pid][0]), tuple(holders[pid][1]),
            found[pid][2], found[pid][3],
        )
        for pid in idle_ids
        if pid in found
    ]
    result.sort(key=lambda p: (p.last_log is not None, p.last_log or date.min, p.name))
    return result
