"""Database access from thread workers.

peewee keeps one connection per thread. Textual runs thread workers on a
pool, so a worker closes its connection when done: a pooled thread must not
keep a connection to a file the app has since closed (tests open many files).
A locked database ("database is locked", e.g. a scheduled import is writing)
becomes a kind Chinese message instead of a traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from peewee import DatabaseError as PeeweeDatabaseError

from pledgebook.models.core.errors import PledgebookError, explain
from pledgebook.models.store.tables import database

# A worker's connection lives for one worker, so a big page cache buys
# nothing across workers and costs memory (a 32 MB cache filled by one scan
# of the pledge table stays in the peak RSS). Reads get a small one: the list,
# search and 帮扶 queries take as long with 0.5 MB as with 2 MB. The home
# figures revisit pages: with less than 2 MB they take three times as long.
READ_CACHE_KIB = 1_000
FIGURES_CACHE_KIB = 2_000
# The UI thread's own connection lives as long as the app and reads a handful of rows at a
# time (a detail, the poll for changes): half a megabyte holds what those touch.
UI_CACHE_KIB = 512

BUSY = "数据库正被其他程序使用（例如正在导入），已等待多时仍未释放。请稍后再试。"


class DatabaseBusy(PledgebookError):
    pass


@contextmanager
def db_thread(cache_kib: int | None = READ_CACHE_KIB) -> Iterator[None]:
    """Around a thread worker's database work; ``cache_kib=None`` keeps the file's page cache (for writes)."""
    try:
        if cache_kib:
            database.execute_sql(f"PRAGMA cache_size = -{int(cache_kib)}")
        yield
    except (PeeweeDatabaseError, sqlite3.Error, OSError) as exc:
        # the same messages the CLI gives (locked, disk full, read-only, damaged …)
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseBusy(BUSY) from exc
        friendly = explain(exc)
        if friendly is None:
            raise
        raise friendly from exc
    finally:
        if not database.is_closed():
            database.close()
