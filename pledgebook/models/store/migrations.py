"""Numbered schema migrations. The file's ``PRAGMA user_version`` is its schema version.

A fresh file and an old one go through the same numbered steps, so both end
with the same schema. Each step runs in one transaction with foreign keys
switched off *before* BEGIN (``SqliteMigrator.migration_context``): a table
rebuild under ``foreign_keys=ON`` silently deletes the child rows of a cascade.
Add a step by appending to ``MIGRATIONS``; never edit a step that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from peewee import SqliteDatabase

from pledgebook.models.store.tables import fetch_all, fetch_one

if TYPE_CHECKING:  # imported by migrate(): opening an up-to-date file needs none of it
    # peewee's playhouse ships no type information (no stubs, no py.typed)
    from playhouse.migrate import SqliteMigrator  # pyright: ignore[reportMissingTypeStubs] - as above

# Schema version 1, as shipped in 0.1.0 (frozen; do not edit). Public: the tests rebuild a version-1 file from it.
V1_SCHEMA = """
CREATE TABLE "audit_log" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "user" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "table" VARCHAR(255) NOT NULL, "record_uid" VARCHAR(255), "changes" TEXT NOT NULL, "note" TEXT NOT NULL);
CREATE INDEX "audit_log_at" ON "audit_log" ("at");
CREATE INDEX "audit_log_record_uid" ON "audit_log" ("record_uid");
CREATE TABLE "category" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(255) NOT NULL, "label" VARCHAR(255) NOT NULL, "sort" INTEGER NOT NULL, "deleted_at" DATETIME);
CREATE UNIQUE INDEX "category_uid" ON "category" ("uid");
CREATE UNIQUE INDEX "category_code" ON "category" ("code");
CREATE TABLE "org" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "code" VARCHAR(255), "name" VARCHAR(255) NOT NULL, "kind" VARCHAR(255) NOT NULL, "parent_id" INTEGER, "path" VARCHAR(255) NOT NULL, "depth" INTEGER NOT NULL, "sector" VARCHAR(255), "township" VARCHAR(255), "pinyin" VARCHAR(255) NOT NULL, "active" INTEGER NOT NULL, "sort" INTEGER NOT NULL, "deleted_at" DATETIME, FOREIGN KEY ("parent_id") REFERENCES "org" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "org_uid" ON "org" ("uid");
CREATE UNIQUE INDEX "org_code" ON "org" ("code");
CREATE INDEX "org_parent_id" ON "org" ("parent_id");
CREATE INDEX "org_path" ON "org" ("path");
CREATE TABLE "person" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "name" VARCHAR(255) NOT NULL, "org_id" INTEGER NOT NULL, "gender" VARCHAR(255), "ethnicity" VARCHAR(255), "birth_date" DATE, "joined_date" DATE, "post" VARCHAR(255), "cadre_level" VARCHAR(255), "id_number" VARCHAR(255), "phone" VARCHAR(255), "state" VARCHAR(255) NOT NULL, "pinyin" VARCHAR(255) NOT NULL, "deleted_at" DATETIME, FOREIGN KEY ("org_id") REFERENCES "org" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "person_uid" ON "person" ("uid");
CREATE INDEX "person_org_id" ON "person" ("org_id");
CREATE INDEX "person_id_number" ON "person" ("id_number");
CREATE TABLE "import_batch" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "file_name" VARCHAR(255) NOT NULL, "sha256" VARCHAR(255) NOT NULL, "kind" VARCHAR(255) NOT NULL, "imported_at" DATETIME NOT NULL, "user" VARCHAR(255) NOT NULL, "rows_read" INTEGER NOT NULL, "rows_written" INTEGER NOT NULL, "rows_rejected" INTEGER NOT NULL);
CREATE UNIQUE INDEX "import_batch_uid" ON "import_batch" ("uid");
CREATE INDEX "import_batch_sha256" ON "import_batch" ("sha256");
CREATE TABLE "pledge" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "year" INTEGER NOT NULL, "org_id" INTEGER NOT NULL, "person_id" INTEGER, "scope" VARCHAR(255) NOT NULL, "category" VARCHAR(255) NOT NULL, "content" TEXT NOT NULL, "measures" TEXT NOT NULL, "due_date" DATE, "term" VARCHAR(255) NOT NULL, "approved_by" VARCHAR(255), "approved_on" DATE, "published_on" DATE, "status" VARCHAR(255) NOT NULL, "fulfilled_on" DATE, "carried_from_id" INTEGER, "source" VARCHAR(255) NOT NULL, "batch_id" INTEGER, "source_row" INTEGER, "deleted_at" DATETIME, FOREIGN KEY ("org_id") REFERENCES "org" ("id") ON DELETE RESTRICT, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("carried_from_id") REFERENCES "pledge" ("id") ON DELETE SET NULL, FOREIGN KEY ("batch_id") REFERENCES "import_batch" ("id") ON DELETE SET NULL);
CREATE UNIQUE INDEX "pledge_uid" ON "pledge" ("uid");
CREATE INDEX "pledge_org_id" ON "pledge" ("org_id");
CREATE INDEX "pledge_person_id" ON "pledge" ("person_id");
CREATE INDEX "pledge_carried_from_id" ON "pledge" ("carried_from_id");
CREATE INDEX "pledge_batch_id" ON "pledge" ("batch_id");
CREATE INDEX "pledge_year_org_id" ON "pledge" ("year", "org_id");
CREATE INDEX "pledge_year_status" ON "pledge" ("year", "status");
CREATE TABLE "evaluation" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "pledge_id" INTEGER NOT NULL, "kind" VARCHAR(255) NOT NULL, "date" DATE NOT NULL, "evaluator" VARCHAR(255) NOT NULL, "grade" VARCHAR(255), "score" REAL, "ballots_issued" INTEGER, "ballots_valid" INTEGER, "votes_satisfied" INTEGER, "votes_basic" INTEGER, "votes_unsatisfied" INTEGER, "comment" TEXT NOT NULL, "rect_due" DATE, "rect_done" DATE, "rect_note" TEXT NOT NULL, "deleted_at" DATETIME, FOREIGN KEY ("pledge_id") REFERENCES "pledge" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "evaluation_uid" ON "evaluation" ("uid");
CREATE INDEX "evaluation_pledge_id" ON "evaluation" ("pledge_id");
CREATE TABLE "handoff" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "written_at" DATETIME NOT NULL, "path" TEXT NOT NULL, "sha256" VARCHAR(255) NOT NULL, "sequence" INTEGER NOT NULL, "counts" TEXT NOT NULL);
CREATE UNIQUE INDEX "handoff_uid" ON "handoff" ("uid");
CREATE TABLE "progress" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "pledge_id" INTEGER NOT NULL, "date" DATE NOT NULL, "note" TEXT NOT NULL, "percent" INTEGER, "deleted_at" DATETIME, FOREIGN KEY ("pledge_id") REFERENCES "pledge" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "progress_uid" ON "progress" ("uid");
CREATE INDEX "progress_pledge_id" ON "progress" ("pledge_id");
CREATE TABLE "setting" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE "work_year" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "year" INTEGER NOT NULL, "closed" INTEGER NOT NULL, "closed_at" DATETIME);
CREATE UNIQUE INDEX "work_year_uid" ON "work_year" ("uid");
CREATE UNIQUE INDEX "work_year_year" ON "work_year" ("year");
"""


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


def _m1_initial(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    for stmt in _statements(V1_SCHEMA):
        db.execute_sql(stmt)


def _m2_figure_indexes(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    # covering indexes: the figures of a year are read from the indexes alone
    # (126 ms → 60 ms for a 20,000-pledge year of a 100,000-pledge file)
    db.execute_sql(
        'CREATE INDEX "pledge_figures" ON "pledge" '
        '("year", "org_id", "category", "status", "deleted_at", "due_date", "person_id")'
    )
    db.execute_sql(
        'CREATE INDEX "evaluation_figures" ON "evaluation" ("pledge_id", "deleted_at", "kind", "ballots_issued", '
        '"ballots_valid", "votes_satisfied", "votes_basic", "votes_unsatisfied", "rect_due", "rect_done")'
    )
    db.execute_sql(
        'CREATE INDEX "evaluation_rect_open" ON "evaluation" ("pledge_id") '
        "WHERE rect_due IS NOT NULL AND rect_done IS NULL AND deleted_at IS NULL"
    )
    db.execute_sql('CREATE INDEX "pledge_year_due" ON "pledge" ("year", "due_date")')


_V3_TRIGGERS = [
    # SQLite refuses a trigger that writes to a virtual table while
    # trusted_schema is off, so the triggers only note which pledges changed;
    # pledgebook.models.store.search brings the index up to date from that queue.
    "CREATE TRIGGER pledge_search_ai AFTER INSERT ON pledge BEGIN "
    "INSERT OR IGNORE INTO pledge_search_dirty (pledge_id) VALUES (new.id); END",
    "CREATE TRIGGER pledge_search_au AFTER UPDATE OF content, org_id, person_id ON pledge BEGIN "
    "INSERT OR IGNORE INTO pledge_search_dirty (pledge_id) VALUES (new.id); END",
    "CREATE TRIGGER pledge_search_ad AFTER DELETE ON pledge BEGIN "
    "INSERT OR IGNORE INTO pledge_search_dirty (pledge_id) VALUES (old.id); END",
    "CREATE TRIGGER pledge_search_org AFTER UPDATE OF name, pinyin ON org BEGIN "
    "INSERT OR IGNORE INTO pledge_search_dirty (pledge_id) SELECT id FROM pledge WHERE org_id = new.id; END",
    "CREATE TRIGGER pledge_search_person AFTER UPDATE OF name, pinyin ON person BEGIN "
    "INSERT OR IGNORE INTO pledge_search_dirty (pledge_id) SELECT id FROM pledge WHERE person_id = new.id; END",
]


def _m3_pledge_search(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    # an FTS5 trigram index of each pledge's search text (content, pledger's
    # name and pinyin, org's name and pinyin): a search of 3+ characters over
    # 100,000 pledges costs a few ms instead of a ~70 ms LIKE scan (SQLite
    # 3.34+, which Python 3.10 ships). rowid = pledge id.
    db.execute_sql("CREATE VIRTUAL TABLE pledge_search USING fts5(text, tokenize = 'trigram')")
    db.execute_sql('CREATE TABLE "pledge_search_dirty" ("pledge_id" INTEGER NOT NULL PRIMARY KEY)')
    db.execute_sql(
        "INSERT INTO pledge_search (rowid, text) SELECT p.id, p.content || char(10) "
        "|| coalesce(pe.name || ' ' || pe.pinyin, '') || char(10) || o.name || ' ' || o.pinyin "
        "FROM pledge p JOIN org o ON o.id = p.org_id LEFT JOIN person pe ON pe.id = p.person_id"
    )
    for stmt in _V3_TRIGGERS:
        db.execute_sql(stmt)
    # (year, rowid) order: the list sorted by number reads one year's first
    # page without sorting the whole year (69 ms → 0.5 ms on 20,000 pledges)
    db.execute_sql('CREATE INDEX "pledge_year" ON "pledge" ("year")')


# Schema version 4: the second ledger (frozen once shipped; do not edit).
_V4 = """
CREATE TABLE "contact_point" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "leader_id" INTEGER NOT NULL, "kind" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL, "org_id" INTEGER NOT NULL, "start_date" DATE NOT NULL, "end_date" DATE, "active" INTEGER NOT NULL, "note" TEXT NOT NULL, "deleted_at" DATETIME, FOREIGN KEY ("leader_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("org_id") REFERENCES "org" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "contact_point_uid" ON "contact_point" ("uid");
CREATE INDEX "contact_point_leader_id" ON "contact_point" ("leader_id");
CREATE INDEX "contact_point_org_id" ON "contact_point" ("org_id");
CREATE TABLE "pairing" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "helper_id" INTEGER NOT NULL, "helped_person_id" INTEGER, "household" VARCHAR(255), "org_id" INTEGER NOT NULL, "start_date" DATE NOT NULL, "end_date" DATE, "note" TEXT NOT NULL, "deleted_at" DATETIME, FOREIGN KEY ("helper_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("helped_person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("org_id") REFERENCES "org" ("id") ON DELETE RESTRICT, CHECK ((helped_person_id IS NULL) <> (household IS NULL)));
CREATE UNIQUE INDEX "pairing_uid" ON "pairing" ("uid");
CREATE INDEX "pairing_helper_id" ON "pairing" ("helper_id");
CREATE INDEX "pairing_helped_person_id" ON "pairing" ("helped_person_id");
CREATE INDEX "pairing_org_id" ON "pairing" ("org_id");
CREATE TABLE "stationing" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "cadre_id" INTEGER NOT NULL, "sending_unit" VARCHAR(255) NOT NULL, "role" VARCHAR(255) NOT NULL, "village_id" INTEGER NOT NULL, "branch_id" INTEGER, "start_date" DATE NOT NULL, "planned_end" DATE, "actual_end" DATE, "note" TEXT NOT NULL, "deleted_at" DATETIME, FOREIGN KEY ("cadre_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("village_id") REFERENCES "org" ("id") ON DELETE RESTRICT, FOREIGN KEY ("branch_id") REFERENCES "org" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "stationing_uid" ON "stationing" ("uid");
CREATE INDEX "stationing_cadre_id" ON "stationing" ("cadre_id");
CREATE INDEX "stationing_village_id" ON "stationing" ("village_id");
CREATE INDEX "stationing_branch_id" ON "stationing" ("branch_id");
CREATE TABLE "help_log" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "date" DATE NOT NULL, "person_id" INTEGER NOT NULL, "contact_point_id" INTEGER, "pairing_id" INTEGER, "stationing_id" INTEGER, "org_id" INTEGER NOT NULL, "kind" VARCHAR(255) NOT NULL, "households" INTEGER NOT NULL, "person_times" INTEGER NOT NULL, "items" INTEGER NOT NULL, "units" INTEGER NOT NULL, "cases" INTEGER NOT NULL, "funds" REAL NOT NULL, "sessions" INTEGER NOT NULL, "note" TEXT NOT NULL, "source" VARCHAR(255) NOT NULL, "batch_id" INTEGER, "source_row" INTEGER, "deleted_at" DATETIME, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("contact_point_id") REFERENCES "contact_point" ("id") ON DELETE RESTRICT, FOREIGN KEY ("pairing_id") REFERENCES "pairing" ("id") ON DELETE RESTRICT, FOREIGN KEY ("stationing_id") REFERENCES "stationing" ("id") ON DELETE RESTRICT, FOREIGN KEY ("org_id") REFERENCES "org" ("id") ON DELETE RESTRICT, FOREIGN KEY ("batch_id") REFERENCES "import_batch" ("id") ON DELETE SET NULL, CHECK ((contact_point_id IS NOT NULL) + (pairing_id IS NOT NULL) + (stationing_id IS NOT NULL) = 1));
CREATE UNIQUE INDEX "help_log_uid" ON "help_log" ("uid");
CREATE INDEX "help_log_person_date" ON "help_log" ("person_id", "date");
CREATE INDEX "help_log_contact_point_id" ON "help_log" ("contact_point_id");
CREATE INDEX "help_log_pairing_id" ON "help_log" ("pairing_id");
CREATE INDEX "help_log_stationing_id" ON "help_log" ("stationing_id");
CREATE INDEX "help_log_org_id" ON "help_log" ("org_id");
CREATE INDEX "help_log_batch_id" ON "help_log" ("batch_id");
CREATE INDEX "help_log_figures" ON "help_log" ("date", "deleted_at", "org_id", "kind", "households", "person_times", "items", "units", "cases", "funds", "sessions", "person_id")
"""


def _m4_second_ledger(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    # new tables only: nothing existing is rebuilt, so no row can be lost
    for stmt in _statements(_V4):
        db.execute_sql(stmt)


def _m5_drop_covered_indexes(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    # Indexes that every write pays for and no query needs: pledge (year, org_id) is the prefix of
    # pledge_figures, which serves the same lookups (EXPLAIN QUERY PLAN of the list, the figures and the
    # tree is unchanged without it); help_log (org_id) is read by no query (the figures read
    # help_log_figures) and orgs are never deleted, only marked. Measured on a 12-county prefecture
    # (CPU of one county's executemany): 40,000 help logs 1.29 → 1.04 s, 11,500 pledges 0.53 → 0.51 s.
    # (year), (year, status) and (year, due_date) stay: dropping them makes the list sort the year
    # (filtered by status, sorted by status, overdue) where it now reads it in order.
    db.execute_sql('DROP INDEX IF EXISTS "pledge_year_org_id"')
    db.execute_sql('DROP INDEX IF EXISTS "help_log_org_id"')


# which org a record counts under (frozen with step 6; the bundle merge keeps its own copy)
_V6_OWNER_ORG = (
    ("org", "t.id", ""), ("person", "t.org_id", ""), ("pledge", "t.org_id", ""),
    ("progress", "p.org_id", " JOIN pledge p ON p.id = t.pledge_id"),
    ("evaluation", "p.org_id", " JOIN pledge p ON p.id = t.pledge_id"),
    ("contact_point", "t.org_id", ""), ("pairing", "t.org_id", ""), ("stationing", "t.village_id", ""),
    ("help_log", "t.org_id", ""),
)


def _m6_record_owner(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    # At a prefecture, every merged record belongs to one county; a bundle may change only its own. A file
    # merged before this step: a record belongs to the county whose root (a 县 under the prefecture's root)
    # its org hangs under; the prefecture's own tree gets no row (it is nobody's to change from a bundle).
    db.execute_sql('CREATE TABLE "record_owner" ("uid" VARCHAR(36) NOT NULL PRIMARY KEY, '
                   '"county" VARCHAR(6) NOT NULL, "tbl" VARCHAR(20) NOT NULL) WITHOUT ROWID')
    level = fetch_one("SELECT value FROM setting WHERE key = 'level'", db=db)
    if not level or level[0] != "prefecture":
        return
    db.execute_sql("CREATE TEMP TABLE m6_county (path TEXT PRIMARY KEY, code TEXT NOT NULL)")
    db.execute_sql(
        "INSERT OR IGNORE INTO temp.m6_county (path, code) SELECT c.path, c.code FROM org c JOIN org r ON r.id = c.parent_id "
        "WHERE r.parent_id IS NULL AND c.kind = 'county' AND c.code IS NOT NULL AND c.path <> ''")
    for table, org_col, join in _V6_OWNER_ORG:
        db.execute_sql(
            f"INSERT OR IGNORE INTO record_owner (uid, county, tbl) SELECT t.uid, c.code, '{table}' FROM {table} t{join} "
            f"JOIN org o ON o.id = {org_col} JOIN temp.m6_county c ON substr(o.path, 1, length(c.path)) = c.path")
    db.execute_sql("DROP TABLE temp.m6_county")


def _m7_person_education(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    # a new nullable column: ADD COLUMN rebuilds nothing, so no row and no child row can be lost; a file
    # whose tables were made by a newer model (a restored copy) may have it already
    if "education" not in {row[1] for row in fetch_all('PRAGMA table_info("person")', db=db)}:
        db.execute_sql('ALTER TABLE "person" ADD COLUMN "education" VARCHAR(255)')


def _m8_record_digest(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    # At a prefecture: the digest of the bundle line each county record was last merged from, so that the
    # monthly re-merge recognises an unchanged record in SQL. A new nullable column (ADD COLUMN rebuilds
    # nothing); NULL for a record merged before: compared field by field once, then remembered.
    if "digest" not in {row[1] for row in fetch_all('PRAGMA table_info("record_owner")', db=db)}:
        db.execute_sql('ALTER TABLE "record_owner" ADD COLUMN "digest" BLOB')
    # a county's records and their digests, read from the index alone when its next bundle comes
    db.execute_sql('CREATE INDEX IF NOT EXISTS "record_owner_county" ON "record_owner" ("county", "tbl", "digest")')


# migration 9: the third ledger's tables, as peewee would make them from the models (frozen here; do not edit)
_M9_SCHEMA = """
CREATE TABLE "appraisal" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "year" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "org_id" INTEGER NOT NULL, "self_review" TEXT NOT NULL, "ballots_issued" INTEGER, "ballots_valid" INTEGER, "votes_excellent" INTEGER, "votes_qualified" INTEGER, "votes_basic_qualified" INTEGER, "votes_unqualified" INTEGER, "grade" VARCHAR(255), "exempt_reason" VARCHAR(255), "decided_on" DATE, "comment" TEXT NOT NULL, "source" VARCHAR(255) NOT NULL, "batch_id" INTEGER, "source_row" INTEGER, "deleted_at" DATETIME, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("org_id") REFERENCES "org" ("id") ON DELETE RESTRICT, FOREIGN KEY ("batch_id") REFERENCES "import_batch" ("id") ON DELETE SET NULL);
CREATE UNIQUE INDEX "appraisal_uid" ON "appraisal" ("uid");
CREATE INDEX "appraisal_person_id" ON "appraisal" ("person_id");
CREATE INDEX "appraisal_year_org_id" ON "appraisal" ("year", "org_id");
CREATE INDEX "appraisal_batch_id" ON "appraisal" ("batch_id");
CREATE UNIQUE INDEX "appraisal_one_per_year" ON "appraisal" ("person_id", "year") WHERE "deleted_at" IS NULL;
CREATE TABLE "disposal" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "appraisal_id" INTEGER NOT NULL, "kind" VARCHAR(255) NOT NULL, "decided_on" DATE NOT NULL, "due_date" DATE NOT NULL, "closed_on" DATE, "result" TEXT NOT NULL, "note" TEXT NOT NULL, "deleted_at" DATETIME, FOREIGN KEY ("appraisal_id") REFERENCES "appraisal" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "disposal_uid" ON "disposal" ("uid");
CREATE INDEX "disposal_appraisal_id" ON "disposal" ("appraisal_id");
CREATE TABLE "star_rating" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "year" INTEGER NOT NULL, "org_id" INTEGER NOT NULL, "score_leadership" REAL, "score_members" REAL, "score_mechanism" REAL, "score_performance" REAL, "score_public" REAL, "proposed_stars" INTEGER, "stars" INTEGER, "confirmed_on" DATE, "confirmed_by" VARCHAR(255) NOT NULL, "note" TEXT NOT NULL, "deleted_at" DATETIME, FOREIGN KEY ("org_id") REFERENCES "org" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "star_rating_uid" ON "star_rating" ("uid");
CREATE INDEX "star_rating_org_id" ON "star_rating" ("org_id");
CREATE UNIQUE INDEX "star_rating_one_per_year" ON "star_rating" ("org_id", "year") WHERE "deleted_at" IS NULL;
CREATE INDEX "star_rating_year" ON "star_rating" ("year", "stars");
CREATE TABLE "honour" ("id" INTEGER NOT NULL PRIMARY KEY, "uid" VARCHAR(36) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "year" INTEGER NOT NULL, "kind" VARCHAR(255) NOT NULL, "org_id" INTEGER NOT NULL, "person_id" INTEGER, "source" VARCHAR(255) NOT NULL, "status" VARCHAR(255) NOT NULL, "meets_criteria" INTEGER NOT NULL, "reason" TEXT NOT NULL, "decided_on" DATE, "note" TEXT NOT NULL, "batch_id" INTEGER, "source_row" INTEGER, "deleted_at" DATETIME, FOREIGN KEY ("org_id") REFERENCES "org" ("id") ON DELETE RESTRICT, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("batch_id") REFERENCES "import_batch" ("id") ON DELETE SET NULL);
CREATE UNIQUE INDEX "honour_uid" ON "honour" ("uid");
CREATE INDEX "honour_year_kind" ON "honour" ("year", "kind", "status");
CREATE INDEX "honour_org_id" ON "honour" ("org_id");
CREATE INDEX "honour_person_id" ON "honour" ("person_id");
CREATE INDEX "honour_batch_id" ON "honour" ("batch_id");
"""


def _m9_third_ledger(migrator: SqliteMigrator, db: SqliteDatabase) -> None:
    # new tables only: nothing existing is rebuilt. A file whose tables were made by a newer model (a restored
    # copy) may have them already.
    present = {row[0] for row in fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'", db=db)}
    if "appraisal" in present:
        return
    for statement in _statements(_M9_SCHEMA):
        db.execute_sql(statement)


MIGRATIONS: list[tuple[int, str, Callable[[SqliteMigrator, SqliteDatabase], None]]] = [
    (1, "initial schema", _m1_initial),
    (2, "indexes for the figures", _m2_figure_indexes),
    (3, "trigram search index of pledges", _m3_pledge_search),
    (4, "second ledger: contact points, pairings, stationing, help logs", _m4_second_ledger),
    (5, "drop the pledge (year, org) and help log (org) indexes that others cover", _m5_drop_covered_indexes),
    (6, "record owners at a prefecture: which county each merged record belongs to", _m6_record_owner),
    (7, "a person's 学历 (education), as the roster has it", _m7_person_education),
    (8, "record digests at a prefecture: the bundle line each county record was last merged from", _m8_record_digest),
    (9, "third ledger: member appraisals, disposals, star ratings, honours", _m9_third_ledger),
]

LATEST = MIGRATIONS[-1][0]


def schema_version(db: SqliteDatabase) -> int:
    row = fetch_one("PRAGMA user_version", db=db)
    return int(row[0]) if row else 0


def migrate(db: SqliteDatabase, target: int = LATEST, on_step: Callable[[int, str], None] | None = None) -> list[int]:
    """Bring ``db`` up to ``target``; return the step numbers that ran.

    Every step runs in its own transaction together with the version
    bump, so a crash leaves the file at the previous or the next version.
    """
    from playhouse.migrate import SqliteMigrator  # pyright: ignore[reportMissingTypeStubs] - playhouse ships no stubs

    ran: list[int] = []
    migrator = SqliteMigrator(db)
    for number, title, step in MIGRATIONS:
        if number > target or number <= schema_version(db):
            continue
        if on_step:
            on_step(number, title)
        with migrator.migration_context():
            step(migrator, db)
            db.execute_sql(f"PRAGMA user_version = {int(number)}")
        ran.append(number)
    return ran
