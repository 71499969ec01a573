"""Merging one checked bundle into the prefecture's ledger, inside the caller's transaction.

:meth:`Merger.preflight` refuses a bundle whose county or records belong elsewhere and notes what the
prefecture already holds; :meth:`Merger.run` then writes, table by table:

- the county's tree hangs under the prefecture's root;
- a record new to the prefecture is inserted; a newer one (``updated_at``)
  replaces the older; an older one is left alone; the same ``updated_at`` with
  different content is a conflict, reported and left alone;
- a deletion travels as ``deleted_at``;
- every reference (org, person, pledge, contact point, pairing, stationing,
  and a help log's stored org) is re-pointed from uid to the local id;
- the same bundle twice changes nothing;
- a record whose line is the one last merged (its digest, kept in ``record_owner.digest`` and compared in
  SQL, or held and not even parsed: :mod:`.known`) is unchanged without a field being looked at. So a
  change made here to a county's record that kept its ``updated_at`` (never the program's own edits,
  which set it) is noticed only when the county's line changes too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from peewee import IntegrityError

from pledgebook.bundle.appraisal import ONE_PER_YEAR
from pledgebook.bundle.format import (
    PII_FIELDS,
    TABLE_BY_NAME,
    TABLES,
    BundleError,
    Field,
    Progress,
    TableSpec,
    column_of,
    field_index,
    select_sql,
)
from pledgebook.bundle.read import OpenedBundle
from pledgebook.models.store.db import county as county_info
from pledgebook.models.store.tables import database, new_uid, utcnow

CHUNK = 20_000  # records written between two reports of a table's progress


@dataclass
class TableCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_newer: int = 0  # the prefecture's copy was newer
    conflicts: int = 0


@dataclass
class MergeResult:
    path: Path
    county: dict
    sequence: int
    sha256: str
    signed: bool
    trusted: bool
    allow_unsigned_used: bool
    already_imported: bool = False
    tables: dict[str, TableCounts] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    backup: Path | None = None  # the automatic backup taken before merging
    seconds: float = 0.0
    dry_run: bool = False  # merged to count, then rolled back: nothing written

    @property
    def records(self) -> int:
        return sum(t.read for t in self.tables.values())

    @property
    def changed(self) -> int:
        return sum(t.inserted + t.updated for t in self.tables.values())

    def as_dict(self) -> dict:
        return {
            "path": str(self.path), "county": self.county, "sequence": self.sequence, "sha256": self.sha256,
            "signed": self.signed, "trusted": self.trusted, "allow_unsigned_used": self.allow_unsigned_used,
            "already_imported": self.already_imported, "records": self.records, "changed": self.changed,
            "tables": {k: vars(v) for k, v in self.tables.items()}, "conflicts": self.conflicts[:200],
            "conflict_count": len(self.conflicts), "notes": self.notes,
            "backup": str(self.backup) if self.backup else None, "seconds": round(self.seconds, 2),
            "dry_run": self.dry_run,
        }


class Merger:
    """One bundle's parsed records (``parsed``) merged into the open ledger, counted in ``result``."""

    def __init__(self, bundle: OpenedBundle, parsed: dict[str, list[tuple]], result: MergeResult,
                 digests: dict[str, list[bytes]], held: dict[str, list[str]] | None = None):
        self.b = bundle
        self.held = held or {}  # per table, the uids of lines the prefecture holds unchanged (not parsed)
        self.parsed = parsed
        self.digests = digests  # each record's line digest, in the order of parsed
        self.result = result
        self.code = bundle.county_code
        self.include_pii = bool(bundle.manifest.get("include_pii"))
        self.ids: dict[str, dict[str, int]] = {}  # uid → local id, for every record of the bundle
        # uid → (local id, updated_at, whether the digest of the line last merged is this line's) already here
        self.existing: dict[str, dict[str, tuple[int, str, int]]] = {}
        self.written: dict[str, set[str]] = {}  # uids inserted or updated, per table
        self.category_map: dict[str, str] = {}  # the bundle's category code → the code here

    # ---- checks: inside the transaction, before anything is written (a failure rolls back the temp tables)
    def preflight(self) -> None:
        """Refuse a bundle whose county or records belong elsewhere; note what the prefecture already has.

        One probe per table by uid gives both the owner (for the check) and the
        local id and ``updated_at`` of every record the prefecture already holds.
        """
        own = county_info()
        if self.code == own["code"]:
            raise BundleError(f"数据包来自代码为 {self.code} 的台账，与本台账（{own['name']}）的代码相同，不能导入自己。")
        conn = database.connection()
        # the prefecture's own tree (orgs nobody's bundle brought; a few): its uids are taken in every table
        own_tree = {uid for (uid,) in database.execute_sql(
            "SELECT t.uid FROM org t WHERE NOT EXISTS (SELECT 1 FROM record_owner o WHERE o.uid = t.uid)").fetchall()}
        for spec in TABLES:
            if spec.name in ("category", "work_year"):
                continue
            taken = own_tree.intersection(r[0] for r in self.parsed[spec.name])
            if taken:
                self._refuse(spec, min(taken), None)
            database.execute_sql(f"DROP TABLE IF EXISTS temp.in_{spec.name}")
            database.execute_sql(f"CREATE TEMP TABLE in_{spec.name} (uid TEXT PRIMARY KEY, digest BLOB) WITHOUT ROWID")
            # in uid order: the temporary B-tree is filled by appending, and the probes below walk the uid
            # index in order instead of jumping about it
            conn.executemany(f"INSERT INTO temp.in_{spec.name} (uid, digest) VALUES (?, ?)",
                             sorted(zip((r[0] for r in self.parsed[spec.name]), self._digests(spec))))
            # ownership, in bulk: a uid this prefecture holds for another county, or for another table
            stolen = database.execute_sql(
                f"SELECT i.uid, o.county, o.tbl FROM temp.in_{spec.name} i CROSS JOIN record_owner o ON o.uid = i.uid "
                "WHERE o.county <> ? OR o.tbl <> ? LIMIT 1", [self.code, spec.name]).fetchone()
            if stolen is not None:
                self._refuse(spec, stolen[0], stolen[1])
            # the bundle's uids drive the loop (CROSS JOIN keeps that order): a probe per record, never a scan
            # of the whole prefecture, whose tables grow with every county
            # and, compared in SQL, whether the line is the one last merged (the digest kept in record_owner)
            found = database.execute_sql(
                f"SELECT t.uid, t.id, t.updated_at, o.county, o.digest = i.digest FROM temp.in_{spec.name} i "
                f"CROSS JOIN {spec.name} t ON t.uid = i.uid LEFT JOIN record_owner o ON o.uid = t.uid"
            ).fetchall()
            for uid, _id, _upd, owner, _same in found:
                if owner != self.code:  # None: the prefecture's own record
                    self._refuse(spec, uid, owner)
            self.existing[spec.name] = {uid: (rid, str(upd), same) for uid, rid, upd, _owner, same in found}
        self._held_ids()
        # after the owners (whose message says more): the county's code, already here, is the same ledger's
        spec = TABLE_BY_NAME["org"]
        root = next(r for r in self.parsed["org"] if r[field_index(spec, "parent_uid")] is None)
        row = database.execute_sql("SELECT uid, path, name FROM org WHERE code = ?", [self.code]).fetchone()
        if row is not None and row[0] != root[0]:
            raise BundleError(
                f"本台账已有行政区划代码为 {self.code} 的「{row[2]}」，但与数据包中的县不是同一个台账（uid 不同）。"
                "请核实数据包的来源；如该县重新建过台账，请联系管理员处理。"
            )

    def _held_ids(self) -> None:
        """The local ids of the held records the parsed lines point at (a few: only those are looked up)."""
        self.ids = {}
        held = {name: set(uids) for name, uids in self.held.items() if uids}
        need: dict[str, set[str]] = {}
        for spec in TABLES:
            for i, f in enumerate(spec.fields):
                if f.kind == "ref" and f.ref in held:
                    need.setdefault(f.ref, set()).update(held[f.ref].intersection(r[i] for r in self.parsed[spec.name]))
        conn = database.connection()
        for name, uids in need.items():
            database.execute_sql("DROP TABLE IF EXISTS temp.need_ids")
            database.execute_sql("CREATE TEMP TABLE need_ids (uid TEXT PRIMARY KEY) WITHOUT ROWID")
            conn.executemany("INSERT INTO temp.need_ids (uid) VALUES (?)", zip(sorted(uids)))
            self.ids[name] = dict(database.execute_sql(
                f"SELECT t.uid, t.id FROM temp.need_ids n CROSS JOIN {name} t ON t.uid = n.uid").fetchall())
        database.execute_sql("DROP TABLE IF EXISTS temp.need_ids")

    def _refuse(self, spec: TableSpec, uid: str, owner: str | None) -> None:
        """Refuse the bundle: one of its records (``uid``) belongs to another county, or to the prefecture."""
        n = next(n for n, r in enumerate(self.parsed[spec.name], 1) if r[0] == uid)
        if owner is None:
            whose = f"本级（{county_info()['name']}）"
        else:
            row = database.execute_sql(
                "SELECT name FROM org WHERE code = ? AND kind = 'county' ORDER BY id LIMIT 1", [owner]).fetchone()
            whose = f"{row[0] if row else owner}（{owner}）"
        raise BundleError(
            f"{spec.name}.jsonl 第 {n} 行：{spec.label}记录（uid {uid}）在本台账中属于「{whose}」，"
            f"本数据包（{self.b.county_name}，{self.code}）无权修改。数据包已拒绝，台账未作任何改动；"
            "请核实数据包的来源。"
        )

    def _digests(self, spec: TableSpec) -> list[bytes | None]:
        """The table's line digests; none (nothing recognised, every record compared) when the bundle came without."""
        got = self.digests.get(spec.name)
        n = len(self.parsed[spec.name])
        return list(got) if got is not None and len(got) == n else [None] * n

    def _own(self) -> None:
        """Record the county as the owner of every record of the bundle that is new here (checked: no other),
        with the digest of the line it came as."""
        for spec in TABLES:
            if spec.name in ("category", "work_year"):
                continue
            database.execute_sql(
                f"INSERT OR IGNORE INTO record_owner (uid, county, tbl, digest) SELECT uid, ?, ?, digest "
                f"FROM temp.in_{spec.name}", [self.code, spec.name])

    def _stamp(self, spec: TableSpec, uids: list[str]) -> None:
        """The records here that now hold what their lines say: remember those lines' digests."""
        if uids:
            database.connection().executemany(
                f"UPDATE record_owner SET digest = (SELECT digest FROM temp.in_{spec.name} i WHERE i.uid = ?) "
                "WHERE uid = ?", ((u, u) for u in uids))

    # ---- writes, inside the transaction
    def run(self, report: Progress) -> None:
        self._categories()
        self._years()
        steps = [s for s in TABLES if s.name not in ("category", "work_year")]
        for i, spec in enumerate(steps):
            start, share = 0.3 + 0.65 * i / len(steps), 0.65 / len(steps)
            stage = f"合并{spec.label}（{i + 1}/{len(steps)}）"
            report(stage, start)
            try:
                self._merge(spec, lambda done, stage=stage, start=start, share=share: report(stage, start + share * done))
            except (IntegrityError, sqlite3.IntegrityError) as exc:
                raise self._clash(spec, exc) from exc
            if spec.name == "org":
                self._hang_tree()
            if spec.name == "pledge":
                self._carried_from()
        self._own()

    def _clash(self, spec: TableSpec, exc: Exception) -> BundleError:
        """A record that, merged, would break a rule the schema keeps (one live appraisal per member and year,
        one live star rating per org and year) against a record the prefecture keeps (its own newer copy)."""
        rule = ONE_PER_YEAR[spec.name][1] if spec.name in ONE_PER_YEAR else "记录之间的约束"
        return BundleError(
            f"{spec.name}.jsonl：合并{spec.label}时与本台账保留的记录冲突（{rule}；SQLite：{exc}）。"
            f"数据包已拒绝，台账未作任何改动；请让{self.b.county_name}（{self.code}）核对这些记录后重新导出。"
        )

    def _categories(self) -> None:
        spec = TABLE_BY_NAME["category"]
        ci, li = field_index(spec, "code"), field_index(spec, "label")
        local = {c: (lab, u) for c, lab, u in database.execute_sql("SELECT code, label, uid FROM category").fetchall()}
        by_label = {lab: c for c, (lab, _u) in local.items()}
        by_uid = {u: c for c, (_lab, u) in local.items()}
        self.category_map = {}
        counts = self.result.tables.setdefault("category", TableCounts())
        for row in self.parsed["category"]:
            counts.read += 1
            code, label = row[ci], row[li]
            if row[0] in by_uid:
                self.category_map[code] = by_uid[row[0]]
                counts.unchanged += 1
            elif code in local and local[code][0] == label:
                self.category_map[code] = code
                counts.unchanged += 1
            elif label in by_label:
                self.category_map[code] = by_label[label]
                counts.unchanged += 1
            else:
                new = code
                n = len(local) + 1
                while new in local:
                    new, n = f"c{n}", n + 1
                database.execute_sql(
                    "INSERT INTO category (uid, created_at, updated_at, deleted_at, code, label, sort) VALUES (?,?,?,?,?,?,?)",
                    [row[0], row[1], row[2], row[3], new, label, row[field_index(spec, "sort")]],
                )
                local[new] = (label, row[0])
                by_label[label] = new
                self.category_map[code] = new
                counts.inserted += 1
                if new != code:
                    self.result.notes.append(f"承诺类别「{label}」的代码 {code} 在本台账已被占用，改为 {new}。")

    def _years(self) -> None:
        spec = TABLE_BY_NAME["work_year"]
        yi = field_index(spec, "year")
        have = {r[0] for r in database.execute_sql("SELECT year FROM work_year").fetchall()}
        pledge_year = field_index(TABLE_BY_NAME["pledge"], "year")
        years = {r[yi] for r in self.parsed["work_year"]} | {r[pledge_year] for r in self.parsed["pledge"]}
        counts = self.result.tables.setdefault("work_year", TableCounts(read=len(self.parsed["work_year"])))
        for y in sorted(years - have):
            now = utcnow()
            database.execute_sql(
                "INSERT INTO work_year (uid, created_at, updated_at, year, closed) VALUES (?,?,?,?,0)", [new_uid(), now, now, y]
            )
            counts.inserted += 1
        counts.unchanged = counts.read - counts.inserted if counts.read >= counts.inserted else 0

    def _local_column(self, spec: TableSpec, f: Field, col: Sequence) -> Sequence:
        """A column of bundle values as local values: refs to local ids, booleans to 0/1, categories mapped."""
        if f.kind == "ref":
            if f.name in ("parent_uid", "carried_from_uid"):
                return [None] * len(col)  # set afterwards, once every row has an id
            ids = self.ids[f.ref]
            # every uid is known (_check_refs); None is no key, so .get keeps a missing reference missing
            return list(map(ids.get if f.nullable else ids.__getitem__, col))
        if f.kind == "bool":
            return [1 if v else 0 for v in col]
        if spec.name == "pledge" and f.name == "category":
            cmap = self.category_map
            return [cmap.get(v, v) for v in col]
        return col

    def _merge(self, spec: TableSpec, table_done: Callable[[float], None]) -> None:
        rows = self.parsed[spec.name]
        counts = self.result.tables.setdefault(spec.name, TableCounts())
        held = len(self.held.get(spec.name, ()))
        counts.read, counts.unchanged = len(rows) + held, held
        fields = list(spec.fields)
        skip_pii = spec.name == "person" and not self.include_pii
        cols = [column_of(f) for f in fields]
        write_idx = [i for i, f in enumerate(fields) if not (skip_pii and f.name in PII_FIELDS)]
        existing = self.existing[spec.name]
        upd_i = 2
        new_rows, newer, same = [], [], []
        for row in rows:
            have = existing.get(row[0])
            if have is None:
                new_rows.append(row)
            elif have[2] and row[upd_i] == have[1]:
                counts.unchanged += 1  # the very line merged last time (its digest, compared in SQL): no field looked at
            else:
                local_upd = have[1]
                if row[upd_i] > local_upd:
                    newer.append((row, have[0]))
                elif row[upd_i] == local_upd:
                    same.append(row)
                else:
                    counts.kept_newer += 1
        # every record gets its local id now: the ones here keep theirs, new ones are numbered explicitly
        # (inside the write transaction nobody else can take these ids), so no read-back by uid is needed
        ids = self.ids.get(spec.name, {})
        ids.update((uid, have[0]) for uid, have in existing.items())
        first_id = database.execute_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {spec.name}").fetchone()[0]
        new_ids = range(first_id, first_id + len(new_rows))
        ids.update(zip((r[0] for r in new_rows), new_ids))
        self.ids[spec.name] = ids
        conn = database.connection()
        extra_cols, extra_vals = [], []
        if spec.name == "org":
            extra_cols, extra_vals = ["path", "depth"], ["", 0]
        # updates first: a record deleted at the county (an update here) frees its place in a partial unique
        # index (one live appraisal per member and year …) for the new record that replaced it
        if newer:
            set_idx = [i for i in write_idx if fields[i].name != "uid" and fields[i].name not in ("parent_uid", "carried_from_uid")]
            sql = f"UPDATE {spec.name} SET {', '.join(cols[i] + ' = ?' for i in set_idx)} WHERE id = ?"
            columns = list(zip(*(r for r, _ in newer)))
            local = [self._local_column(spec, fields[i], columns[i]) for i in set_idx]
            local.append([rid for _, rid in newer])
            conn.executemany(sql, zip(*local))
            counts.updated = len(newer)
        if new_rows:
            names = ["id"] + [cols[i] for i in write_idx] + extra_cols
            sql = f"INSERT INTO {spec.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            columns = list(zip(*new_rows))  # one C-level transpose, not a list per column
            local = [new_ids] + [self._local_column(spec, fields[i], columns[i]) for i in write_idx]
            local += [[v] * len(new_rows) for v in extra_vals]
            values = zip(*local)
            # in slices, so that the table's progress moves (a slice costs nothing: the statement is prepared once)
            for done in range(0, len(new_rows), CHUNK):
                conn.executemany(sql, islice(values, CHUNK))
                table_done(min(1.0, (done + CHUNK) / len(rows)))
            counts.inserted = len(new_rows)
        self.written[spec.name] = {r[0] for r in new_rows} | {r[0] for r, _ in newer}
        stamped = [r[0] for r, _ in newer]
        if same:
            stamped += self._compare(spec, same, write_idx, counts)
        self._stamp(spec, stamped)

    def _compare(self, spec: TableSpec, same: list[tuple], idx: list[int], counts: TableCounts) -> list[str]:
        """Rows with the same updated_at whose line is not the one last merged (a few): unchanged, or a
        conflict (changed differently on each side). Returns the uids of the unchanged ones."""
        local = {
            r[0]: r
            for r in database.execute_sql(
                select_sql(spec, where=f"t.uid IN (SELECT uid FROM temp.in_{spec.name})")
            ).fetchall()
        }
        names = [f.name for f in spec.fields]
        cat_i = names.index("category") if spec.name == "pledge" else -1
        unchanged = []
        for row in same:
            mine = local.get(row[0])
            diff = []
            for i in idx:
                a, b = row[i], mine[i] if mine else None
                if i == cat_i:
                    a = self.category_map.get(a, a)
                if spec.fields[i].kind == "bool":
                    a, b = bool(a), bool(b)
                elif names[i] == "parent_uid" and a is None:
                    continue  # the county root hangs under the prefecture here
                if a != b and not (a is not None and b is not None and str(a) == str(b)):
                    diff.append(names[i])
            if diff:
                counts.conflicts += 1
                self.result.conflicts.append({"table": spec.name, "uid": row[0], "fields": diff})
            else:
                counts.unchanged += 1
                unchanged.append(row[0])
        return unchanged

    def _hang_tree(self) -> None:
        spec = TABLE_BY_NAME["org"]
        p_i = field_index(spec, "parent_uid")
        code_i = field_index(spec, "code")
        ids = self.ids["org"]
        pref = database.execute_sql(
            "SELECT id, path, depth FROM org WHERE parent_id IS NULL AND deleted_at IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
        parent_of = {r[0]: r[p_i] for r in self.parsed["org"]}
        placed: dict[str, tuple[int | None, str, int]] = {}

        def place(uid: str) -> tuple[int | None, str, int]:
            if uid in placed:
                return placed[uid]
            parent = parent_of[uid]
            if parent is None:
                pid, ppath, pdepth = pref[0], pref[1], pref[2]
            else:
                pid = ids[parent]
                _, ppath, pdepth = place(parent)
            placed[uid] = (pid, f"{ppath}{ids[uid]}/", pdepth + 1)
            return placed[uid]

        updates = []
        for r in self.parsed["org"]:
            pid, path, depth = place(r[0])
            updates.append((pid, path, depth, ids[r[0]]))
        database.connection().executemany("UPDATE org SET parent_id = ?, path = ?, depth = ? WHERE id = ?", updates)
        # codes: another county's org may use the same code; keep ours unique
        taken = dict(database.execute_sql(
            "SELECT code, uid FROM org WHERE code IS NOT NULL AND uid NOT IN (SELECT uid FROM temp.in_org)").fetchall())
        for r in self.parsed["org"]:
            c = r[code_i]
            if c is not None and c in taken and taken[c] != r[0]:
                new = f"{self.code}-{c}"
                database.execute_sql("UPDATE org SET code = ? WHERE id = ?", [None if new in taken else new, ids[r[0]]])
                self.result.notes.append(f"党组织「{r[field_index(spec, 'name')]}」的代码 {c} 已被其他县使用，改为 {new}。")

    def _carried_from(self) -> None:
        spec = TABLE_BY_NAME["pledge"]
        ci = field_index(spec, "carried_from_uid")
        ids = self.ids["pledge"]
        written = self.written["pledge"]  # an unchanged pledge has its link already
        pairs = [(ids[r[ci]], ids[r[0]]) for r in self.parsed["pledge"] if r[ci] is not None and r[0] in written]
        if pairs:
            database.connection().executemany("UPDATE pledge SET carried_from_id = ? WHERE id = ?", pairs)
