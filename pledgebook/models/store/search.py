"""The pledge search index: an FTS5 trigram table ``pledge_search`` (rowid = pledge id).

A pledge is found by its content, its pledger's name and pinyin key, or its
org's name and pinyin key. Only the content is in the index: the names and
keys live in the person and org tables, a few thousand short rows that a LIKE
scans in milliseconds, and :func:`match_sql` asks for pledges of the orgs and
people that match. Indexing the names and pinyin beside every pledge's content
cost nearly four times as much (100,000 imported pledges: 2.1 s against 0.6 s)
for no faster search. Rows indexed before with the names beside the content
(migration 3) give the same answers: a name found there is found in its table.

Triggers cannot write to a virtual table while ``trusted_schema`` is off, so
they put the id of every pledge whose search text may have changed into
``pledge_search_dirty``. :func:`flush` re-indexes those pledges; the rules
call it inside every write transaction, the demo after its bulk insert, and
opening a file does it when another program left work behind. A search is
right even before a flush: :func:`match_sql` checks queued pledges by LIKE.
"""

from __future__ import annotations

from peewee import OperationalError

from pledgebook.models.store.tables import database, fetch_all

# each part is matched on its own ("\n" never occurs in a typed query, so no match ever spanned two parts)
NAME_KEY = "lower(name || ' ' || pinyin) LIKE ? ESCAPE '\\'"


def flush() -> int:
    """Re-index the queued pledges; returns how many. Call inside a write transaction."""
    queued: int = fetch_all("SELECT count(*) FROM pledge_search_dirty")[0][0]
    if not queued:
        return 0
    database.execute_sql("DELETE FROM pledge_search WHERE rowid IN (SELECT pledge_id FROM pledge_search_dirty)")
    database.execute_sql(
        "INSERT INTO pledge_search (rowid, text) SELECT id, content FROM pledge "
        "WHERE id IN (SELECT pledge_id FROM pledge_search_dirty)"
    )
    database.execute_sql("DELETE FROM pledge_search_dirty")
    return queued


def flush_if_queued() -> None:
    """At opening: catch up on what another program wrote, unless it is still writing."""
    try:
        if database.execute_sql("SELECT 1 FROM pledge_search_dirty LIMIT 1").fetchone() is None:
            return
        with database.atomic("IMMEDIATE"):
            flush()
    except OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        # an import is writing: searches stay right (queued pledges are checked by LIKE); flushed next time


def match_sql(text: str) -> tuple[str, list[object]]:
    """A WHERE fragment on ``pledge p`` matching ``text`` (normalized, at least 3 characters)."""
    phrase = '"' + text.replace('"', '""') + '"'  # one quoted phrase: a plain substring, no query syntax
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # one list of ids: the plan keeps reading only the year's covering index, as with no search
    sql = (
        "p.id IN (SELECT rowid FROM pledge_search WHERE pledge_search MATCH ?"
        " AND rowid NOT IN (SELECT pledge_id FROM pledge_search_dirty)"
        f" UNION ALL SELECT id FROM pledge WHERE person_id IN (SELECT id FROM person WHERE {NAME_KEY})"
        f" UNION ALL SELECT id FROM pledge WHERE org_id IN (SELECT id FROM org WHERE {NAME_KEY})"
        " UNION ALL SELECT id FROM pledge WHERE id IN (SELECT pledge_id FROM pledge_search_dirty)"
        " AND lower(content) LIKE ? ESCAPE '\\')"
    )
    return sql, [phrase, like, like, like]
