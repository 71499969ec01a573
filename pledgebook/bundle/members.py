"""Writing the JSON Lines members of a bundle: every table from one snapshot, hashed and deflated on the way.

Building the JSON is the longest part of a bundle, and SQLite works without the GIL: up to two
read-only connections (:class:`SnapshotReader`) build it on two cores in id ranges
(:func:`pledgebook.bundle.format.batch_sql`), while a helper thread hashes, deflates and writes the
batches in order (hashlib and zlib/ISA-L let go of the GIL too).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import zipfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import IO

from pledgebook.bundle import deflate
from pledgebook.bundle.format import TABLES, Progress, batch_sql
from pledgebook.models.store.tables import database

ZipStamp = tuple[int, int, int, int, int, int]

# zlib's deflate level for the members, where ISA-L is missing (see deflate.py). Measured on the
# 100,000-pledge demo (267 MB of JSON Lines): level 1 → 53 MB, level 3 → 50 MB, and level 1 deflates about
# a fifth faster; level 6 (zlib's default) costs about twice the time of 3.
LEVEL = 1
BATCH = 5000  # ids per SQLite fetch while writing
# The readers map the ledger file instead of copying each page through read(): on the 100,000-pledge
# demo the whole bundle takes 3.0 s instead of 3.6 s (median of 7 interleaved runs each). Not on a
# 32-bit Python, whose address space is too small to map a large file.
READ_MMAP = 1024**3 if sys.maxsize > 2**32 else 0
LOCK_WAIT = 2.0  # seconds to wait for a writer to finish before reading on one connection (see snapshot_readers)


def member_info(name: str, stamp: ZipStamp) -> zipfile.ZipInfo:
    """A deflated member at :data:`LEVEL`, readable by its owner and everyone (as unzip expects)."""
    zi = zipfile.ZipInfo(name, stamp)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = 0o644 << 16
    # ZipFile.open(zinfo, "w") takes the level from the ZipInfo, not from the ZipFile: without this it is zlib's 6
    if hasattr(zi, "compress_level"):  # Python 3.13+
        zi.compress_level = LEVEL
    else:
        # Python 3.10-3.12 name it so; the stubs declare only 3.13's name: hence the ignore
        zi._compresslevel = LEVEL  # noqa: SLF001  # pyright: ignore[reportAttributeAccessIssue]
    return zi


class HashingWriter:
    """Wrap a zip member stream: count and hash what goes in."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.raw.write(data)


def write_tables(zf: zipfile.ZipFile, stamp: ZipStamp, include_pii: bool, counts: dict[str, int],
                 members: dict[str, dict], report: Progress, readers: list[SnapshotReader]) -> None:
    """Every table as JSON Lines, straight from SQLite's json_object(), hashed on the way in.

    The records are read in id ranges by ``readers`` (two connections on this thread's snapshot, or
    this thread alone), while a helper hashes, deflates and writes them in order (SQLite, hashlib and
    zlib/ISA-L all let go of the GIL while they work). A few batches are in flight at most.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="pledgebook-bundle") as pool:
        for i, spec in enumerate(TABLES):
            report(spec.label, 0.05 + 0.55 * i / len(TABLES))
            name = f"{spec.name}.jsonl"
            sql = batch_sql(spec, include_pii=include_pii)
            lo, hi = database.execute_sql(f"SELECT min(id), max(id) FROM {spec.name}").fetchone()
            ranges = [] if lo is None else [(a, min(a + BATCH - 1, hi)) for a in range(lo, hi + 1, BATCH)]
            with deflate.open_write(zf, member_info(name, stamp)) as raw:
                out = HashingWriter(raw)
                counts[spec.name] = _write_member(sql, ranges, readers, pool, out)
            members[name] = {"sha256": out.sha.hexdigest(), "size": out.size}


def _write_member(sql: str, ranges: list[tuple[int, int]], readers: list[SnapshotReader],
                  pool: ThreadPoolExecutor, out: HashingWriter) -> int:
    """One table's batches fetched ahead and handed on in order; its record count."""
    ahead = 2 * len(readers) if readers else 1

    def fetch(k: int, bounds: tuple[int, int]) -> Future:
        if readers:
            return readers[k % len(readers)].fetch(sql, bounds)
        fetched: Future = Future()
        fetched.set_result(database.execute_sql(sql, bounds).fetchone())
        return fetched

    rows = 0
    fetches: deque[Future] = deque()
    pending: deque[Future] = deque()
    done = False
    try:
        for k, bounds in enumerate(ranges):
            fetches.append(fetch(k, bounds))
            if len(fetches) >= ahead:
                rows += _hand_on(fetches, pending, pool, out)
        while fetches:
            rows += _hand_on(fetches, pending, pool, out)
        done = True
    finally:
        # the member is closed (finished or abandoned) only once every write handed out is over
        for f in fetches:
            f.cancel()
        failed = [exc for exc in (f.exception() for f in pending) if exc is not None]
        pending.clear()
        if failed and done:  # otherwise the first error is already on its way up
            raise failed[0]
    return rows


def _hand_on(fetches: deque[Future], pending: deque[Future], pool: ThreadPoolExecutor, out: HashingWriter) -> int:
    """Give the oldest fetched batch to the writing thread (at most three writes queued); its record count."""
    blob, n = fetches.popleft().result()
    if n:
        pending.append(pool.submit(out.write, blob))
        if len(pending) > 2:
            pending.popleft().result()
    return n


class SnapshotReader:
    """A thread with a read-only connection of its own, reading in one snapshot until :meth:`close`.

    Made while the snapshot's writers are held off (:func:`snapshot_readers`), it sees exactly what the
    calling thread's open transaction sees.
    """

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="pledgebook-read")
        try:
            self.pool.submit(self._begin).result()
        except BaseException:
            self.pool.shutdown()
            raise

    @staticmethod
    def _begin() -> None:
        try:
            database.execute_sql("PRAGMA query_only = ON")
            database.execute_sql(f"PRAGMA mmap_size = {READ_MMAP}")
            database.execute_sql("BEGIN")
            database.execute_sql("SELECT count(*) FROM work_year").fetchone()  # the snapshot is taken here
        except BaseException:
            database.close()
            raise

    def fetch(self, sql: str, params: tuple) -> Future:
        return self.pool.submit(lambda: database.execute_sql(sql, params).fetchone())

    def close(self) -> None:
        def end() -> None:
            try:
                database.execute_sql("ROLLBACK")
            finally:
                database.close()

        try:
            self.pool.submit(end).result()
        finally:
            self.pool.shutdown()


def spare_cpu() -> bool:
    """Whether this process may use a second CPU (not when the machine has one, or it is pinned to one)."""
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:  # Windows has no affinity call here
        return (os.cpu_count() or 1) > 1


@contextmanager
def snapshot_readers() -> Iterator[list[SnapshotReader]]:
    """Read every table in one snapshot: this thread's transaction, and two more connections on it.

    Building the JSON is the longest part of a bundle, and SQLite works without the GIL: two
    connections build it on two cores. To see the same snapshot, both begin while another
    connection holds the write lock (BEGIN IMMEDIATE), so that nothing can be committed in between;
    the lock is let go as soon as they have begun. With one CPU, or when a writer holds the lock
    for more than a moment, this thread reads alone (an empty list).
    """
    lock = None
    if spare_cpu():
        try:
            lock = sqlite3.connect(database.database, timeout=LOCK_WAIT, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            if lock is not None:
                lock.close()
            lock = None
    readers: list[SnapshotReader] = []
    with database.atomic():
        try:
            try:
                database.execute_sql("SELECT count(*) FROM work_year").fetchone()  # this thread's snapshot
                if lock is not None:
                    readers.append(SnapshotReader())
                    readers.append(SnapshotReader())
            finally:
                if lock is not None:
                    lock.execute("ROLLBACK")
                    lock.close()
            yield readers
        finally:
            for r in readers:
                r.close()
