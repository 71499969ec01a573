"""The monthly re-merge: a county's lines the prefecture already holds, recognised by their digests.

A county sends its whole ledger every month and almost every record is unchanged. The prefecture keeps,
for every record a bundle brought, the digest of the exact line it was last merged from
(``record_owner.digest``, :func:`pledgebook.bundle.parse.line_digests`). A line of this county's new
bundle with a digest the prefecture holds for this county and table is byte for byte a line that passed
every check and was merged before: it is not parsed again ("held"). Only the other lines (new, edited,
deleted records: a few per cent) are parsed and checked field by field, and every check between records
is made over the whole bundle: references resolve to a record parsed here or held; one uid, one record;
a carried-over pledge comes from an earlier year.

The short way is taken only when it is sound; otherwise the bundle is read in full, as a first merge is:

- the county has records here, and every one of them is in the new bundle (parsed or held): records
  never vanish from a county's ledger (a deletion travels as ``deleted_at``), so every reference a held
  line made before still resolves;
- no digest twice and no uid both held and parsed.

The bundle's own integrity is checked as always, before any of this: the SHA-256 of every member, pinned
by the signed manifest, so a line changed in transit (even one keeping its old ``updated_at``) has a
digest the prefecture does not hold and is parsed, checked and compared. The org, category and year
members are small and always parsed (the tree is checked whole).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import compress
from operator import not_

from pledgebook.bundle.checks import Rows
from pledgebook.bundle.format import TABLE_BY_NAME, TABLES, field_index
from pledgebook.bundle.parse import line_digests
from pledgebook.models.store.tables import database

ALWAYS_PARSED = ("category", "work_year", "org")


@dataclass
class Held:
    """What the prefecture holds of one county: per table, digest → uid, and the uids it owns."""

    code: str
    by_digest: dict[str, dict[bytes, str]] = field(default_factory=dict)
    owned: dict[str, set[str]] = field(default_factory=dict)
    held: dict[str, list[str]] = field(default_factory=dict)  # per table, the uids of the bundle's held lines
    years: dict[str, int] = field(default_factory=dict)  # held pledges' years (the carried-over rule)
    # held live appraisals and star ratings: uid → (member or org uid, year) (one live record per year)
    live: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)

    def uids(self, table: str) -> list[str]:
        return self.held.get(table, [])


def has_records(code: str) -> bool:
    """Whether a bundle of this county has been merged here before (its next one is a re-merge)."""
    return database.execute_sql("SELECT 1 FROM record_owner WHERE county = ? LIMIT 1", [code]).fetchone() is not None


def held_records(code: str) -> Held:
    """The digests this prefecture holds for a county's records, read from the index (county, tbl, digest)."""
    got = Held(code)
    for spec in TABLES:
        if spec.name in ALWAYS_PARSED:
            continue
        got.by_digest[spec.name] = dict(database.execute_sql(
            "SELECT digest, uid FROM record_owner WHERE county = ? AND tbl = ? AND digest IS NOT NULL",
            [code, spec.name]).fetchall())
        got.owned[spec.name] = set(got.by_digest[spec.name].values()).union(r[0] for r in database.execute_sql(
            "SELECT uid FROM record_owner WHERE county = ? AND tbl = ? AND digest IS NULL", [code, spec.name]))
    return got


def split_member(table: str, data: bytes, held: Held) -> tuple[bytes, list[bytes], int] | None:
    """A member's lines not held here (joined again as a member) and their digests, and the number held;
    None when nothing is held (the member is parsed whole)."""
    known = held.by_digest.get(table)
    if not known or table in ALWAYS_PARSED or not data.endswith(b"\n"):
        return None
    digests = line_digests(data)
    held_uids = list(filter(None, map(known.get, digests)))  # C-level maps, no Python frame per line
    if not held_uids:
        return None
    fresh = list(map(not_, map(known.__contains__, digests)))
    rest = list(compress(data[:-1].split(b"\n"), fresh))
    held.held[table] = held_uids
    return b"\n".join(rest) + b"\n" if rest else b"", list(compress(digests, fresh)), len(held_uids)


def sound(parsed: Rows, held: Held) -> bool:
    """Whether the short way holds (see the module's docstring), table by table where lines were held: every
    record of the county here is in the bundle, no digest twice, no uid both held and parsed."""
    for name, uids in held.held.items():
        mine = set(uids)
        parsed_uids = {r[0] for r in parsed[name]}
        if len(mine) != len(uids) or mine & parsed_uids:
            return False
        if held.owned.get(name, set()) - mine - parsed_uids:
            return False  # a record of this county is missing from the bundle: read it in full
    return True


def held_years(held: Held) -> None:
    """The years of the county's held pledges, for the rule that a pledge is carried from an earlier year."""
    uids = held.uids("pledge")
    if uids:
        held.years = dict(database.execute_sql(
            "SELECT p.uid, p.year FROM record_owner o CROSS JOIN pledge p ON p.uid = o.uid "
            "WHERE o.county = ? AND o.tbl = 'pledge'", [held.code]).fetchall())


# the held live records of the tables with one live record per owner and year (bundle.appraisal.ONE_PER_YEAR),
# of the owners given (a JSON array of uids)
_LIVE_SQL = {
    "appraisal": "SELECT a.uid, p.uid, a.year FROM json_each(?) w CROSS JOIN person p ON p.uid = w.value "
                 "JOIN appraisal a ON a.person_id = p.id JOIN record_owner o ON o.uid = a.uid "
                 "WHERE o.county = ? AND a.deleted_at IS NULL",
    "star_rating": "SELECT s.uid, g.uid, s.year FROM json_each(?) w CROSS JOIN org g ON g.uid = w.value "
                   "JOIN star_rating s ON s.org_id = g.id JOIN record_owner o ON o.uid = s.uid "
                   "WHERE o.county = ? AND s.deleted_at IS NULL",
}
_OWNER = {"appraisal": "person_uid", "star_rating": "org_uid"}


def held_live(held: Held, parsed: Rows) -> None:
    """The owner and year of the county's held live appraisals and star ratings whose owner (member, org) has
    a parsed record too: the only ones a parsed record can clash with (one live record per owner and year).
    A few lookups in a monthly re-merge, not the county's every appraisal."""
    for table, sql in _LIVE_SQL.items():
        uids = set(held.uids(table))
        if not uids or not parsed[table]:
            continue
        spec = TABLE_BY_NAME[table]
        owner_i = field_index(spec, _OWNER[table])
        owners = sorted({r[owner_i] for r in parsed[table]})
        held.live[table] = {uid: (owner, year) for uid, owner, year in
                            database.execute_sql(sql, [json.dumps(owners), held.code]).fetchall() if uid in uids}
