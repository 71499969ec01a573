"""The pledge search index: an FTS5 trigram table ``pledge_search`` (rowid = pledge id).

Triggers cannot write to a virtual table while ``trusted_schema`` is off, so
they put the id of every pledge whose search text may have changed (its
content, pledger or org, or the name of that org or person) into
``pledge_search_dirty``. :func:`flush` re-indexes those pledges; the rules
call it inside every write transaction, the demo after its bulk insert, and
opening a file does it when another program left work behind. A search is
right even before a flush: :func:`match_sql` checks queued pledges by LIKE.
"""

from __future__ import annotations

from peewee import OperationalError

from pledgebook.models.store.tables import database

# one line per part: "\n" never occurs in a typed query, so no match spans two parts
TEXT = (
    "p.content || char(10) || coalesce(pe.name || ' ' || pe.pinyin, '') || char(10) || o.name || ' ' || o.pinyin"
)


def flush() -> int:
    """Re-index the queued pledges; returns how many. Call inside a write transaction."""
    queued = database.execute_sql("SELECT count(*) FROM pledge_search_dirty").fetchone()[0]
    if not queued:
        return 0
    database.execute_sql("DELETE FROM pledge_search WHERE rowid IN (SELECT pledge_id FROM pledge_search_dirty)")
    database.execute_sql(
        f"INSERT INTO pledge_search (rowid, text) SELECT p.id, {TEXT} FROM pledge p "
        "JOIN org o ON o.id = p.org_id LEFT JOIN person pe ON pe.id = p.person_id "
        "WHERE p.id IN (SELECT pledge_id FROM pledge_search_dirty)"
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


def match_sql(text: str) -> tuple[str, list]:
    """A WHERE fragment on ``pledge p`` matching ``text`` (normalized, at least 3 characters)."""
    phrase = '"' + text.replace('"', '""') + '"'  # one quoted phrase: a plain substring, no query syntax
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = (
        "((p.id IN (SELECT rowid FROM pledge_search WHERE pledge_search MATCH ?)"
        " AND p.id NOT IN (SELECT pledge_id FROM pledge_search_dirty))"
        " OR (p.id IN (SELECT pledge_id FROM pledge_search_dirty) AND EXISTS (SELECT 1 FROM pledge p2"
        " JOIN org o ON o.id = p2.org_id LEFT JOIN person pe ON pe.id = p2.person_id"
        f" WHERE p2.id = p.id AND lower({TEXT.replace('p.', 'p2.')}) LIKE ? ESCAPE '\\')))"
    )
    return sql, [phrase, like]
