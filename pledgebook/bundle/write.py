"""The hand-off bundle: write it to a stick, and verify one (ours or anyone's).

A bundle is a zip named ``<admin-code>_<yyyymmdd-hhmmss>.pledgebook`` holding

- ``manifest.json``: format and version, county name and 6-digit code,
  program version, time, years, record counts, SHA-256 and size of every
  other member, the sequence number, whether PII is included;
- ``signature.json`` (when ``keys init`` has been run): Ed25519 over the
  exact bytes of ``manifest.json`` — which pins every member by hash;
- one JSON Lines file per table (:data:`TABLES`), fields by name, references
  by uid, never local integer ids; ID numbers and phones left out unless asked.
  Format version 2 added the second ledger (contact_point, pairing,
  stationing, help_log); a version-1 bundle (an older program) has none of
  those members and is still read;
- ``report.xlsx``, the summary sheets of the open year's report workbook, for people
  (the full listing travels as data; see :data:`REPORT_LISTING`).

Optionally the whole zip is sealed to the prefecture's public key
(:mod:`pledgebook.bundle.keys`).

Reading is for hostile files: names, counts and declared sizes are checked
from the central directory before anything is decompressed; members are read
one at a time with hard size limits (never ``extractall``); every size and
hash is compared with the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pledgebook import __version__
from pledgebook.bundle import deflate, readback
from pledgebook.bundle import keys as keymod
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.store.db import county as county_info
from pledgebook.models.store.db import set_setting
from pledgebook.models.store.tables import Handoff, database

Progress = Callable[[str, float], None]

FORMAT = "pledgebook-bundle"
FORMAT_VERSION = 2  # 2: the second ledger (contact_point, pairing, stationing, help_log)
SUFFIX = ".pledgebook"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
REPORT = "report.xlsx"

# The bundle's report.xlsx has the summary sheets (统计表, 分类统计, 评议结果汇总, 逾期及待整改) but not
# the full 承诺台账 listing: those rows travel as pledge.jsonl, and the prefecture prints any county's
# full report from its own ledger (export report --org CODE). The listing would double the time of
# writing a bundle (about 1.5 s of XlsxWriter for 20,000 rows).
REPORT_LISTING = False

# hard limits for reading a bundle from outside
MAX_FILE = 2 * 1024**3
MAX_SEALED = 512 * 1024**2  # decrypted in memory
MAX_ENTRIES = 32
MAX_MANIFEST = 1024**2
MAX_SIGNATURE = 8 * 1024
MANIFEST_DEPTH = 4  # manifest → members → a member → its size: nothing in manifest.json or signature.json is deeper
MAX_MEMBER = 1024**3
MAX_TOTAL = 2 * 1024**3
MAX_RATIO = 100  # uncompressed ÷ compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 64 * 1024
CHUNK = 1024 * 1024
# zlib's deflate level for the members, where ISA-L is missing (see deflate.py). Measured on the
# 100,000-pledge demo (267 MB of JSON Lines): level 1 → 53 MB, level 3 → 50 MB, and level 1 deflates about
# a fifth faster; level 6 (zlib's default) costs about twice the time of 3.
LEVEL = 1
BATCH = 5000  # ids per SQLite fetch while writing
# The readers map the ledger file instead of copying each page through read(): on the 100,000-pledge
# demo the whole bundle takes 3.0 s instead of 3.6 s (median of 7 interleaved runs each). Not on a
# 32-bit Python, whose address space is too small to map a large file.
READ_MMAP = 1024**3 if sys.maxsize > 2**32 else 0
LOCK_WAIT = 2.0  # seconds to wait for a writer to finish before reading on one connection (see _readers)


class BundleError(PledgebookError):
    """The bundle cannot be used; the message says exactly what is wrong."""


@dataclass(frozen=True)
class Field:
    name: str
    sql: str
    kind: str  # uid | dt | date | text | int | float | bool | code | ref
    nullable: bool = False
    choices: tuple[str, ...] = ()
    ref: str = ""  # the table a ref points to


def _common(deleted: bool = True) -> list[Field]:
    out = [Field("uid", "t.uid", "uid"), Field("created_at", "t.created_at", "dt"), Field("updated_at", "t.updated_at", "dt")]
    if deleted:
        out.append(Field("deleted_at", "t.deleted_at", "dt", True))
    return out


def _code(name: str, vocabulary: dict[str, str], nullable: bool = False) -> Field:
    return Field(name, f"t.{name}", "code", nullable, tuple(vocabulary))


def _t(name: str, nullable: bool = False) -> Field:
    return Field(name, f"t.{name}", "text", nullable)


def _d(name: str, nullable: bool = False) -> Field:
    return Field(name, f"t.{name}", "date", nullable)


def _n(name: str, kind: str = "int", nullable: bool = False) -> Field:
    return Field(name, f"t.{name}", kind, nullable)


def _ref(column: str, table: str, nullable: bool = False) -> Field:
    """``<column>_uid``: the uid of the record that ``t.<column>_id`` points to (joined as ``r_<column>``)."""
    return Field(f"{column}_uid", f"r_{column}.uid", "ref", nullable, ref=table)


def _second(name: str, fields: list[Field], label: str) -> TableSpec:
    """A table of the second ledger (四帮四促), new in format version 2; every ref joined as ``r_<column>``."""
    joins = [f"{name} t"] + [
        f"{'LEFT JOIN' if f.nullable else 'JOIN'} {f.ref} r_{f.name[:-4]} ON r_{f.name[:-4]}.id = t.{f.name[:-4]}_id"
        for f in fields if f.kind == "ref"
    ]
    return TableSpec(name, " ".join(joins), tuple(_common() + fields), label, since=2)


@dataclass(frozen=True)
class TableSpec:
    name: str  # member name without .jsonl, and the SQL table
    source: str  # FROM clause, the table aliased t
    fields: tuple[Field, ...]
    label: str
    since: int = 1  # the format version that brought the table


TABLES: tuple[TableSpec, ...] = (
    TableSpec("category", "category t", tuple(_common() + [_t("code"), _t("label"), Field("sort", "t.sort", "int")]), "承诺类别"),
    TableSpec(
        "work_year", "work_year t",
        tuple(_common(False) + [Field("year", "t.year", "int"), Field("closed", "t.closed", "bool"),
                                Field("closed_at", "t.closed_at", "dt", True)]),
        "年度",
    ),
    TableSpec(
        "org", "org t LEFT JOIN org r_parent ON r_parent.id = t.parent_id",
        tuple(_common() + [
            Field("parent_uid", "r_parent.uid", "ref", True, ref="org"), _t("code", True), _t("name"),
            _code("kind", vocab.ORG_KINDS), _code("sector", vocab.SECTORS, True), _t("township", True), _t("pinyin"),
            Field("active", "t.active", "bool"), Field("sort", "t.sort", "int"),
        ]),
        "党组织",
    ),
    TableSpec(
        "person", "person t JOIN org r_org ON r_org.id = t.org_id",
        tuple(_common() + [
            Field("org_uid", "r_org.uid", "ref", ref="org"), _t("name"), _code("gender", vocab.GENDERS, True),
            _t("ethnicity", True), _t("education", True), Field("birth_date", "t.birth_date", "date", True),
            Field("joined_date", "t.joined_date", "date", True), _t("post", True), _t("cadre_level", True),
            _t("id_number", True), _t("phone", True), _code("state", vocab.PERSON_STATES), _t("pinyin"),
        ]),
        "人员",
    ),
    TableSpec(
        "pledge",
        "pledge t JOIN org r_org ON r_org.id = t.org_id LEFT JOIN person r_person ON r_person.id = t.person_id "
        "LEFT JOIN pledge r_carried ON r_carried.id = t.carried_from_id",
        tuple(_common() + [
            Field("year", "t.year", "int"), Field("org_uid", "r_org.uid", "ref", ref="org"),
            Field("person_uid", "r_person.uid", "ref", True, ref="person"), _code("scope", vocab.SCOPES),
            Field("category", "t.category", "text"), _t("content"), _t("measures"),
            Field("due_date", "t.due_date", "date", True), _code("term", vocab.TERMS), _t("approved_by", True),
            Field("approved_on", "t.approved_on", "date", True), Field("published_on", "t.published_on", "date", True),
            _code("status", vocab.PLEDGE_STATUSES), Field("fulfilled_on", "t.fulfilled_on", "date", True),
            Field("carried_from_uid", "r_carried.uid", "ref", True, ref="pledge"), _t("source"),
            Field("source_row", "t.source_row", "int", True),
        ]),
        "承诺",
    ),
    TableSpec(
        "progress", "progress t JOIN pledge r_pledge ON r_pledge.id = t.pledge_id",
        tuple(_common() + [
            Field("pledge_uid", "r_pledge.uid", "ref", ref="pledge"), Field("date", "t.date", "date"), _t("note"),
            Field("percent", "t.percent", "int", True),
        ]),
        "践诺记录",
    ),
    TableSpec(
        "evaluation", "evaluation t JOIN pledge r_pledge ON r_pledge.id = t.pledge_id",
        tuple(_common() + [
            Field("pledge_uid", "r_pledge.uid", "ref", ref="pledge"), _code("kind", vocab.EVAL_KINDS),
            Field("date", "t.date", "date"), _t("evaluator"), _code("grade", vocab.ALL_GRADES, True),
            Field("score", "t.score", "float", True),
            *(Field(n, f"t.{n}", "int", True) for n in
              ("ballots_issued", "ballots_valid", "votes_satisfied", "votes_basic", "votes_unsatisfied")),
            _t("comment"), Field("rect_due", "t.rect_due", "date", True), Field("rect_done", "t.rect_done", "date", True),
            _t("rect_note"),
        ]),
        "评诺",
    ),
    # ---- the second ledger (四帮四促), since format version 2
    _second("contact_point", [
        _ref("leader", "person"), _code("kind", vocab.CONTACT_KINDS), _t("name"), _ref("org", "org"),
        _d("start_date"), _d("end_date", True), _n("active", "bool"), _t("note"),
    ], "联系点"),
    _second("pairing", [
        _ref("helper", "person"), _ref("helped_person", "person", True), _t("household", True), _ref("org", "org"),
        _d("start_date"), _d("end_date", True), _t("note"),
    ], "结对帮扶"),
    _second("stationing", [
        _ref("cadre", "person"), _t("sending_unit"), _code("role", vocab.STATION_ROLES), _ref("village", "org"),
        _ref("branch", "org", True), _d("start_date"), _d("planned_end", True), _d("actual_end", True), _t("note"),
    ], "驻村"),
    _second("help_log", [
        _d("date"), _ref("person", "person"), _ref("contact_point", "contact_point", True),
        _ref("pairing", "pairing", True), _ref("stationing", "stationing", True), _ref("org", "org"),
        _code("kind", vocab.WORK_KINDS),
        *(_n(m, "float" if m == "funds" else "int") for m in vocab.MEASURES),
        _t("note"), _t("source"), _n("source_row", "int", True),
    ], "帮扶记录"),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}
PII_FIELDS = ("id_number", "phone")
DATA_MEMBERS = tuple(f"{t.name}.jsonl" for t in TABLES)
KNOWN_MEMBERS = frozenset((MANIFEST, SIGNATURE, REPORT, *DATA_MEMBERS))


def data_members(version: int) -> tuple[str, ...]:
    """The JSON Lines members a bundle of format ``version`` carries (version 1: no second ledger)."""
    return tuple(f"{t.name}.jsonl" for t in TABLES if t.since <= version)


def _record(spec: TableSpec, include_pii: bool, as_json: bool) -> str:
    """A table's travelling fields (refs as uids) as a column list, or as one json_object()."""
    exprs = []
    for f in spec.fields:
        expr = "NULL" if (not include_pii and spec.name == "person" and f.name in PII_FIELDS) else f.sql
        exprs.append(f"'{f.name}', {expr}" if as_json else expr)
    return f"json_object({', '.join(exprs)})" if as_json else ", ".join(exprs)


def select_sql(
    spec: TableSpec, *, include_pii: bool = True, as_json: bool = False, as_bytes: bool = False, where: str = ""
) -> str:
    """The SELECT that gives a table's travelling fields (refs as uids), as rows or as JSON text.

    With ``as_bytes`` the JSON comes as its UTF-8 bytes (a blob), ready to write without decoding
    and re-encoding every record in Python.
    """
    cols = _record(spec, include_pii, as_json)
    if as_json and as_bytes:
        cols = f"CAST({cols} AS BLOB)"
    return f"SELECT {cols} FROM {spec.source}{(' WHERE ' + where) if where else ''} ORDER BY t.id"


def batch_sql(spec: TableSpec, *, include_pii: bool) -> str:
    """The records with ids ``?`` to ``?`` as one blob of JSON Lines (each line ended), and their count.

    SQLite builds and joins the lines in one call, without the GIL: fetching a row at a time, the
    writing thread would take the GIL back 600,000 times, waiting whenever another thread (the
    report's) holds it. Batches are id ranges, so that two connections can build them side by side.
    """
    return (
        f"SELECT CAST(group_concat(j, char(10)) || char(10) AS BLOB), count(*) FROM ("
        f"SELECT {_record(spec, include_pii, True)} AS j FROM {spec.source} "
        f"WHERE t.id BETWEEN ? AND ? ORDER BY t.id)"
    )


# ================================================================== writing


@dataclass
class BundleResult:
    path: Path
    sha256: str
    size: int
    counts: dict[str, int]
    sequence: int
    signed: bool
    encrypted: bool
    include_pii: bool
    seconds: float
    verified: bool = True
    removed_stale: list[str] = field(default_factory=list)  # temporary files of an interrupted export, removed

    def as_dict(self) -> dict:
        return {
            "path": str(self.path), "sha256": self.sha256, "size": self.size, "counts": self.counts,
            "sequence": self.sequence, "signed": self.signed, "encrypted": self.encrypted,
            "include_pii": self.include_pii, "verified": self.verified, "seconds": round(self.seconds, 2),
            "removed_stale": self.removed_stale,
        }


def _member_info(name: str, stamp: tuple) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, stamp)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = 0o644 << 16
    # ZipFile.open(zinfo, "w") takes the level from the ZipInfo, not from the ZipFile: without this it is zlib's 6
    if hasattr(zi, "compress_level"):  # Python 3.13+
        zi.compress_level = LEVEL
    else:
        zi._compresslevel = LEVEL
    return zi


def _write_tables(zf: zipfile.ZipFile, stamp: tuple, include_pii: bool, counts: dict[str, int],
                  members: dict[str, dict], report: Progress, readers: list[_SnapshotReader]) -> None:
    """Every table as JSON Lines, straight from SQLite's json_object(), hashed on the way in.

    The records are read in id ranges by ``readers`` (two connections on this thread's snapshot, or
    this thread alone), while a helper hashes, deflates and writes them in order (SQLite, hashlib and
    zlib/ISA-L all let go of the GIL while they work). A few batches are in flight at most.
    """
    ahead = 2 * len(readers) if readers else 1
    with ThreadPoolExecutor(1, thread_name_prefix="pledgebook-bundle") as pool:
        for i, spec in enumerate(TABLES):
            report(spec.label, 0.05 + 0.55 * i / len(TABLES))
            name = f"{spec.name}.jsonl"
            rows = 0
            sql = batch_sql(spec, include_pii=include_pii)
            lo, hi = database.execute_sql(f"SELECT min(id), max(id) FROM {spec.name}").fetchone()
            ranges = iter([] if lo is None else [(a, min(a + BATCH - 1, hi)) for a in range(lo, hi + 1, BATCH)])

            def fetch(k: int, bounds: tuple[int, int], sql: str = sql) -> Future:
                if readers:
                    return readers[k % len(readers)].fetch(sql, bounds)
                fetched: Future = Future()
                fetched.set_result(database.execute_sql(sql, bounds).fetchone())
                return fetched

            with deflate.open_write(zf, _member_info(name, stamp)) as raw:
                out = _HashingWriter(raw)
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
            counts[spec.name] = rows
            members[name] = {"sha256": out.sha.hexdigest(), "size": out.size}


def _hand_on(fetches: deque[Future], pending: deque[Future], pool: ThreadPoolExecutor, out: _HashingWriter) -> int:
    """Give the oldest fetched batch to the writing thread (at most three writes queued); its record count."""
    blob, n = fetches.popleft().result()
    if n:
        pending.append(pool.submit(out.write, blob))
        if len(pending) > 2:
            pending.popleft().result()
    return n


class _SnapshotReader:
    """A thread with a read-only connection of its own, reading in one snapshot until :meth:`close`.

    Made while the snapshot's writers are held off (:func:`_readers`), it sees exactly what the
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
def _readers() -> Iterator[list[_SnapshotReader]]:
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
    readers: list[_SnapshotReader] = []
    with database.atomic():
        try:
            try:
                database.execute_sql("SELECT count(*) FROM work_year").fetchone()  # this thread's snapshot
                if lock is not None:
                    readers.append(_SnapshotReader())
                    readers.append(_SnapshotReader())
            finally:
                if lock is not None:
                    lock.execute("ROLLBACK")
                    lock.close()
            yield readers
        finally:
            for r in readers:
                r.close()


class _HashingWriter:
    """Wrap a zip member stream: count and hash what goes in."""

    def __init__(self, raw):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.raw.write(data)


def _check_target(folder: Path, needed: int) -> None:
    if not folder.exists():
        raise BundleError(f"目标文件夹 {folder} 不存在。请插好U盘，或先建立该文件夹。")
    if not folder.is_dir():
        raise BundleError(f"{folder} 不是文件夹。请选择U盘或一个文件夹作为导出位置。")
    try:
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        raise BundleError(f"无法读取 {folder} 的剩余空间：{exc.strerror or exc}。") from exc
    if free < needed:
        raise BundleError(
            f"{folder} 空间不足：约需 {needed / 1024**2:.1f} MB，只剩 {free / 1024**2:.1f} MB。请清理U盘或换一个U盘。"
        )
    probe = folder / f".pledgebook-probe-{os.getpid()}"
    try:
        with open(probe, "wb") as fh:
            fh.write(b"x")
    except OSError as exc:
        raise BundleError(f"目标文件夹 {folder} 不能写入（只读或没有权限：{exc.strerror or exc}）。请检查U盘的写保护开关，或换一个位置。") from exc
    finally:
        try:
            probe.unlink()
        except FileNotFoundError:
            pass


def _estimate_size() -> int:
    """A safe guess of the bundle's size before writing it: about half the ledger's pages."""
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    page_size = database.execute_sql("PRAGMA page_size").fetchone()[0]
    return pages * page_size // 2 + 2 * 1024**2


def _stale_pattern(code: str) -> re.Pattern[str]:
    """The names of the temporary files an export of ``code`` writes, exactly (see :func:`write_bundle`)."""
    return re.compile(rf"{code}_[0-9]{{8}}-[0-9]{{6}}(?:_[0-9]{{1,4}})?{re.escape(SUFFIX)}\.part|\.pledgebook-probe-[0-9]{{1,10}}")


def remove_stale_parts(folder: Path, code: str) -> list[str]:
    """Remove what an export of this ledger that was killed midway left in ``folder``; their names.

    Only files named exactly as this program names its temporary files (``<code>_<stamp>.pledgebook.part``
    and the write probe), never a finished bundle, another county's file or anything else; a file that
    cannot be removed (open elsewhere, read-only stick) is left and not named.
    """
    pattern = _stale_pattern(code)
    removed = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(entry.name)
    return removed


def bundle_name(code: str, when: datetime) -> str:
    return f"{code}_{when.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def write_bundle(
    to_dir: str | os.PathLike[str],
    *,
    include_pii: bool = False,
    encrypt_to: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> BundleResult:
    """Write, fsync, rename and read back a bundle of the whole ledger; the core of ``export bundle``."""
    started = time.perf_counter()
    report = progress or (lambda stage, frac: None)
    info = county_info()
    code = info["code"]
    if not is_county_code(code):
        raise BundleError(f"本台账的行政区划代码「{code}」不是6位半角数字，无法导出数据包。")
    recipient = keymod.read_public_key(encrypt_to) if encrypt_to else None
    signing_key = keymod.load_signing_key(code)
    folder = Path(to_dir)
    _check_target(folder, _estimate_size())
    removed = remove_stale_parts(folder, code)
    now = now or datetime.now()
    final = folder / bundle_name(code, now)
    n = 2
    while final.exists():
        final = folder / f"{bundle_name(code, now)[: -len(SUFFIX)]}_{n}{SUFFIX}"
        n += 1
    tmp = folder / (final.name + ".part")
    from pledgebook.models.ledger import rules

    # the number is taken before the file is written: a bundle that reaches the stick is never
    # numbered twice, even if the program dies between the rename and the Handoff record below
    # (the prefecture would refuse the second one as a replay). A failed export leaves a gap,
    # which the prefecture accepts: numbers only have to rise.
    with rules.transaction():
        sequence = keymod.next_sequence()
        set_setting("bundle_sequence", str(sequence))

    year = rules.current_year()
    counts: dict[str, int] = {}
    members: dict[str, dict] = {}
    stamp = now.timetuple()[:6]
    try:
        report("准备", 0.0)
        try:
            fh = open(tmp, "wb")
        except OSError as exc:
            raise BundleError(f"无法在 {folder} 建立文件：{exc.strerror or exc}。") from exc
        with fh, ThreadPoolExecutor(1, thread_name_prefix="pledgebook-report") as pool:
            # the report workbook is built beside the tables (see _build_report)
            workbook = pool.submit(_build_report, year) if year is not None else None
            # one read transaction: every table and the years come from the same snapshot, so a change
            # made meanwhile (the TUI, another process) cannot leave a reference dangling in the bundle
            with _readers() as readers, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as zf:
                try:
                    _write_tables(zf, stamp, include_pii, counts, members, report, readers)
                except BaseException:
                    if workbook is not None:
                        workbook.cancel()
                    raise
                report("报表", 0.6)
                if workbook is not None:
                    _add_report(zf, members, stamp, workbook.result())
                years = [r[0] for r in database.execute_sql("SELECT year FROM work_year ORDER BY year")]
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "county": {"name": info["name"], "code": code, "level": info["level"]},
                    "program_version": __version__,
                    "created_at": now.isoformat(timespec="seconds"),
                    "years": years,
                    "open_year": year,
                    "counts": counts,
                    "members": members,
                    "sequence": sequence,
                    "include_pii": include_pii,
                }
                manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
                zf.writestr(zipfile.ZipInfo(MANIFEST, stamp), manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
                if signing_key is not None:
                    sig = json.dumps(keymod.sign(manifest_bytes, signing_key)).encode("ascii")
                    zf.writestr(zipfile.ZipInfo(SIGNATURE, stamp), sig, compress_type=zipfile.ZIP_STORED)
            fh.flush()
            os.fsync(fh.fileno())
        report("校验", 0.8)
        if recipient is not None:
            with open_bundle(tmp):  # its directory, manifest and signature, checked before they are sealed
                pass
            sealed = keymod.seal(tmp.read_bytes(), recipient)
            with open(tmp, "wb") as out_fh:
                out_fh.write(sealed)
                out_fh.flush()
                os.fsync(out_fh.fileno())
            written = hashlib.sha256(sealed).hexdigest()
        else:
            written, _ = _file_sha(tmp)  # the bytes as they were handed to the stick, still in memory
        dropped = _drop_cache(tmp)
        os.replace(tmp, final)
    except OSError as exc:
        raise BundleError(f"写入 {folder} 失败：{exc.strerror or exc}。U盘可能已拔出或已满；没有留下不完整的数据包。") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    # FAT has no journal: trust the read-back, not the rename
    try:
        sha, size, from_device = _read_back(final, sealed=recipient is not None, dropped=dropped)
        if sha != written:
            raise BundleError(f"从 {folder} 读回的数据包与写入的不一致（U盘可能有坏块或是扩容盘）。请换一个U盘重新导出。")
    except (PledgebookError, OSError):
        final.unlink(missing_ok=True)
        raise
    from pledgebook.models.ledger.rules import transaction

    with transaction():
        Handoff.create(path=str(final), sha256=sha, sequence=sequence, counts=json.dumps(counts))
    report("完成", 1.0)
    return BundleResult(final, sha, size, counts, sequence, signing_key is not None, recipient is not None,
                        include_pii, time.perf_counter() - started, removed_stale=removed,
                        verified=from_device)


def _drop_cache(path: Path) -> bool:
    """Forget the written file's pages, so that the read-back comes from the stick itself (see :mod:`.readback`)."""
    return readback.drop_cache(path)


def _read_back(path: Path, *, sealed: bool, dropped: bool) -> tuple[str, int, bool]:
    """Read the bundle back from the stick: the SHA-256 and size of every byte, and (unless sealed,
    which only the prefecture can open) its zip directory, manifest and signature checked as ``verify``
    checks them.

    The members are not inflated again: their bytes are the ones just compressed from the hashed
    records, and the whole file's hash, compared with what was handed to the stick, shows every byte
    arrived. ``pledgebook verify`` and the prefecture's import still inflate and hash every member.
    The third value tells whether the bytes came from the stick itself (see :mod:`.readback`).
    """
    return readback.read_back(path, _file_sha if sealed else _checked_sha, dropped=dropped)


def _checked_sha(path: Path) -> tuple[str, int]:
    with open_bundle(path) as b:
        return b.sha256, b.size


def _build_report(year: int) -> bytes:
    """The summary workbook (report.xlsx) of ``year``, built on a thread of its own while the tables are written.

    This thread has its own SQLite connection (peewee keeps one per thread), made read-only and
    closed at the end; its read transaction starts as the tables' does. A change committed in the
    moment between the two could show in one and not the other, which a summary for people can
    bear: the records travel in the JSON Lines members, from one snapshot.
    """
    from pledgebook.exporters.report import build_report, write_xlsx

    fd, name = tempfile.mkstemp(suffix=".xlsx", prefix="pledgebook-report-")
    os.close(fd)
    tmp = Path(name)
    try:
        database.execute_sql("PRAGMA query_only = ON")
        with database.atomic():
            data = build_report(year, listing=REPORT_LISTING)
        write_xlsx(data, tmp)
        return tmp.read_bytes()
    finally:
        database.close()
        tmp.unlink(missing_ok=True)


def _add_report(zf: zipfile.ZipFile, members: dict, stamp, data: bytes) -> None:
    # deflated, so a truncated bundle is never mistaken for the workbook zip stored inside it
    zf.writestr(zipfile.ZipInfo(REPORT, stamp), data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    members[REPORT] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _file_sha(path: Path) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


# ================================================================== reading


_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_member_name(name: str) -> None:
    if "\\" in name:
        raise BundleError(f"数据包内的文件名「{name}」含有反斜杠，可能企图写到别的文件夹，已拒绝。")
    if name.startswith("/") or _DRIVE.match(name):
        raise BundleError(f"数据包内的文件名「{name}」是绝对路径或含盘符，已拒绝。")
    if ".." in name.split("/"):
        raise BundleError(f"数据包内的文件名「{name}」含有「..」（路径穿越），已拒绝。")
    if name not in KNOWN_MEMBERS:
        raise BundleError(f"数据包内有多余的文件「{name}」，不是承诺台账数据包应有的内容，已拒绝。")


@dataclass
class OpenedBundle:
    """A bundle whose central directory and manifest have been checked (members not yet read)."""

    path: Path
    sha256: str
    size: int
    encrypted: bool
    zf: zipfile.ZipFile
    manifest: dict
    manifest_bytes: bytes
    signer_key: bytes | None  # raw Ed25519 key that signed the manifest (already verified)
    infos: dict[str, zipfile.ZipInfo] = field(default_factory=dict)

    @property
    def county_code(self) -> str:
        return self.manifest["county"]["code"]

    @property
    def county_name(self) -> str:
        return self.manifest["county"]["name"]

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> OpenedBundle:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read_member(self, name: str, sink: Callable[[bytes], None] | None = None) -> bytes:
        """Read one member with a hard size limit; its size and SHA-256 must match the manifest.

        With ``sink``, chunks go there and b"" is returned (verification without holding it in memory).
        """
        declared = self.manifest["members"][name]
        info = self.infos[name]
        limit = declared["size"]
        sha = hashlib.sha256()
        got = 0
        parts: list[bytes] = []
        try:
            with deflate.open_read(self.zf, info) as src:
                while True:
                    chunk = src.read(min(CHUNK, limit - got + 1))
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > limit:
                        raise BundleError(f"{name} 的实际长度超过清单所写的 {limit} 字节：数据包被改动过。")
                    sha.update(chunk)
                    if sink is not None:
                        sink(chunk)
                    else:
                        parts.append(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error) as exc:
            raise BundleError(f"{name} 已损坏，无法解压（{exc}）。数据包可能在复制时出错或被截断，请让对方重新导出。") from exc
        if got != limit:
            raise BundleError(f"{name} 的长度是 {got} 字节，清单写的是 {limit} 字节：数据包不完整或被改动过。")
        if sha.hexdigest() != declared["sha256"]:
            raise BundleError(f"{name} 的校验值（SHA-256）与清单不符：内容被改动过或已损坏。")
        return b"".join(parts)


def is_county_code(code: object) -> bool:
    """Six ASCII digits: an administrative code (full-width and other look-alike digits are not)."""
    return isinstance(code, str) and re.fullmatch(r"[0-9]{6}", code) is not None


def _load_json(data: bytes, what: str) -> object:
    from pledgebook.models.core import jsonsafe

    try:
        return jsonsafe.loads(data, max_depth=MANIFEST_DEPTH)
    except UnicodeDecodeError as exc:
        raise BundleError(f"{what} 不是 UTF-8 文本（{exc}）。数据包已损坏或被改动过。") from exc
    except jsonsafe.JsonTooDeep as exc:
        raise BundleError(f"{what} 嵌套过深（超过 {MANIFEST_DEPTH} 层），不是承诺台账写出的文件，已拒绝。") from exc
    except ValueError as exc:
        raise BundleError(f"{what} 不是有效的 JSON（{exc}）。数据包已损坏或被改动过。") from exc


def _plain(value: object, limit: int) -> bool:
    """A short text with no control characters (it is shown to people and written to the audit log)."""
    from pledgebook.models.core.values import has_control_chars

    return isinstance(value, str) and 0 < len(value.strip()) and len(value) <= limit and not has_control_chars(value)


def _check_manifest(m: object) -> dict:
    if not isinstance(m, dict):
        raise BundleError("manifest.json 不是一个 JSON 对象。")
    if m.get("format") != FORMAT:
        raise BundleError(f"这不是承诺台账数据包（manifest.json 的 format 是「{m.get('format')}」）。")
    version = m.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleError("manifest.json 缺少格式版本号（format_version）。")
    if version > FORMAT_VERSION:
        raise BundleError(
            f"该数据包由更新版本的承诺台账生成（格式版本 {version}，本程序支持到 {FORMAT_VERSION}）。请升级承诺台账后再导入。"
        )
    if version < 1:
        raise BundleError(f"manifest.json 的格式版本号 {version} 无效。")
    c = m.get("county")
    if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"].strip():
        raise BundleError("manifest.json 缺少县（区）名称。")
    if not _plain(c["name"], 100):
        raise BundleError("manifest.json 中的县（区）名称过长或含有控制字符，已拒绝。")
    code = c.get("code")
    if not is_county_code(code):
        raise BundleError(f"manifest.json 中的行政区划代码「{str(code)[:20]}」不是6位半角数字（全角或其他形似的数字不算），已拒绝。")
    seq = m.get("sequence")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise BundleError("manifest.json 中的序号（sequence）无效。")
    for key, kind in (("program_version", str), ("created_at", str), ("years", list), ("counts", dict), ("members", dict)):
        if not isinstance(m.get(key), kind):
            raise BundleError(f"manifest.json 中的「{key}」缺失或类型不对。")
    for key in ("program_version", "created_at"):
        if not _plain(m[key], 40):
            raise BundleError(f"manifest.json 中的「{key}」过长或含有控制字符，已拒绝。")
    if not all(isinstance(y, int) and not isinstance(y, bool) and 2000 <= y <= 2100 for y in m["years"]):
        raise BundleError("manifest.json 中的年度列表无效。")
    for name, entry in m["members"].items():
        if not isinstance(name, str):
            raise BundleError("manifest.json 的文件清单无效。")
        _check_member_name(name)
        if name in (MANIFEST, SIGNATURE):
            raise BundleError(f"manifest.json 的文件清单不应包含 {name}。")
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("size"), int)
            or isinstance(entry.get("size"), bool)
            or entry["size"] < 0
            or not isinstance(entry.get("sha256"), str)
            or not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        ):
            raise BundleError(f"manifest.json 中 {name} 的长度或校验值无效。")
    expected = data_members(version)
    for name in expected:
        if name not in m["members"]:
            raise BundleError(f"数据包缺少 {name}（{TABLE_BY_NAME[name[:-6]].label}）。")
    for name in m["members"]:
        if name.endswith(".jsonl") and name not in expected:
            raise BundleError(f"格式版本 {version} 的数据包不应含有 {name}，已拒绝。")
    for table, n in m["counts"].items():
        if f"{table}.jsonl" not in expected or not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise BundleError(f"manifest.json 中的记录数「{table}」无效。")
    return m


def open_bundle(path: str | os.PathLike[str]) -> OpenedBundle:
    """Open a bundle from outside and check everything that can be checked before decompressing data."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise BundleError(f"找不到数据包 {path}。") from exc
    except OSError as exc:
        raise BundleError(f"无法读取数据包 {path}：{exc.strerror or exc}。") from exc
    if size > MAX_FILE:
        raise BundleError(f"{path.name} 有 {size / 1024**3:.1f} GB，超过数据包的上限，已拒绝。")
    sha, _ = _file_sha(path)
    with open(path, "rb") as fh:
        head = fh.read(len(keymod.SEALED_MAGIC))
    encrypted = keymod.is_sealed(head)
    if encrypted:
        if size > MAX_SEALED:
            raise BundleError(f"加密数据包 {path.name} 太大（{size / 1024**2:.0f} MB），已拒绝。")
        source: object = io.BytesIO(keymod.unseal(path.read_bytes()))
    else:
        source = path
    try:
        zf = zipfile.ZipFile(source)  # reads only the central directory
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise BundleError(
            f"{path.name} 不是完整的承诺台账数据包（{exc}）。文件可能被截断或损坏：请让对方重新导出，复制完再拔U盘。"
        ) from exc
    try:
        infos = _check_directory(zf)
        if MANIFEST not in infos:
            raise BundleError("数据包缺少 manifest.json（清单），无法核对。")
        bundle = OpenedBundle(path, sha, size, encrypted, zf, {}, b"", None, infos)
        bundle.manifest = {"members": {MANIFEST: {"size": infos[MANIFEST].file_size, "sha256": ""}}}
        manifest_bytes = _read_small(zf, infos[MANIFEST], MAX_MANIFEST)
        manifest = _check_manifest(_load_json(manifest_bytes, "manifest.json"))
        listed = set(manifest["members"])
        present = set(infos) - {MANIFEST, SIGNATURE}
        if present - listed:
            raise BundleError(f"数据包内有清单上没有的文件：{'、'.join(sorted(present - listed))}，已拒绝。")
        if listed - present:
            raise BundleError(f"数据包缺少清单上的文件：{'、'.join(sorted(listed - present))}。数据包不完整。")
        for name in listed:
            if infos[name].file_size != manifest["members"][name]["size"]:
                raise BundleError(
                    f"{name} 的长度（{infos[name].file_size} 字节）与清单（{manifest['members'][name]['size']} 字节）不符：数据包被改动过。"
                )
        signer = None
        if SIGNATURE in infos:
            sig = _load_json(_read_small(zf, infos[SIGNATURE], MAX_SIGNATURE), "signature.json")
            signer = keymod.check_signature(manifest_bytes, sig)  # type: ignore[arg-type]
        bundle.manifest, bundle.manifest_bytes, bundle.signer_key = manifest, manifest_bytes, signer
        return bundle
    except BaseException:
        zf.close()
        raise


def _check_directory(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise BundleError(f"数据包内有 {len(infos)} 个文件，远多于应有的数量，已拒绝。")
    seen: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        orig = getattr(info, "orig_filename", name)
        _check_member_name(orig if ("\\" in orig or _DRIVE.match(orig)) else name)
        if name in seen:
            raise BundleError(f"数据包内「{name}」出现了两次，已拒绝。")
        if info.flag_bits & 0x1:
            raise BundleError(f"数据包内的「{name}」设了密码，不是承诺台账写出的数据包。")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BundleError(f"数据包内的「{name}」使用了不支持的压缩方式。")
        limit = MAX_MANIFEST if name == MANIFEST else MAX_SIGNATURE if name == SIGNATURE else MAX_MEMBER
        if info.file_size > limit:
            raise BundleError(f"数据包内的「{name}」声明解压后有 {info.file_size} 字节，超过上限，已拒绝（可能是压缩炸弹）。")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise BundleError(
                f"数据包内的「{name}」压缩比异常（{info.compress_size} → {info.file_size} 字节），可能是压缩炸弹，已拒绝。"
            )
        total += info.file_size
        seen[name] = info
    if total > MAX_TOTAL:
        raise BundleError("数据包解压后总大小超过上限，已拒绝（可能是压缩炸弹）。")
    return seen


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    try:
        with zf.open(info) as src:
            data = src.read(limit + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error) as exc:
        raise BundleError(f"{info.filename} 已损坏，无法读取（{exc}）。") from exc
    if len(data) > limit or len(data) != info.file_size:
        raise BundleError(f"{info.filename} 的长度与声明的不符，已拒绝。")
    return data


@dataclass
class VerifyReport:
    path: Path
    ok: bool
    county: dict
    sequence: int
    created_at: str
    program_version: str
    counts: dict[str, int]
    sha256: str
    size: int
    signed: bool
    encrypted: bool
    include_pii: bool
    fingerprint: str | None
    trust: str  # trusted | untrusted | mismatch | unsigned | n/a
    replay: str  # new | same | replay | n/a
    messages: list[str]
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "path": str(self.path), "ok": self.ok, "county": self.county, "sequence": self.sequence,
            "created_at": self.created_at, "program_version": self.program_version, "counts": self.counts,
            "sha256": self.sha256, "size": self.size, "signed": self.signed, "encrypted": self.encrypted,
            "include_pii": self.include_pii, "fingerprint": self.fingerprint, "trust": self.trust,
            "replay": self.replay, "messages": self.messages, "seconds": round(self.seconds, 2),
        }


def _line_counter() -> tuple[Callable[[bytes], None], list[int]]:
    box = [0, 0]  # lines, last byte

    def sink(chunk: bytes) -> None:
        box[0] += chunk.count(b"\n")
        box[1] = chunk[-1]

    return sink, box


def _verify_member(bundle: OpenedBundle, name: str) -> None:
    if name.endswith(".jsonl"):
        sink, box = _line_counter()
        bundle.read_member(name, sink)
        table = name[:-6]
        declared = bundle.manifest["counts"].get(table)
        if bundle.manifest["members"][name]["size"] and box[1] != 0x0A:
            raise BundleError(f"{name} 的最后一行不完整：数据包被截断或改动过。")
        if declared is not None and declared != box[0]:
            raise BundleError(f"{name} 有 {box[0]} 行，清单写的是 {declared} 条记录：数据包被改动过。")
    else:
        bundle.read_member(name, lambda chunk: None)


def verify_members(bundle: OpenedBundle, progress: Progress | None = None) -> None:
    """Read every member with its limits; sizes, hashes and line counts must match the manifest.

    Members are inflated and hashed two at a time (zlib and hashlib let go of the GIL), the largest
    first so that both threads finish together; results are taken in name order, so the message is
    the same as reading them one after another.
    """
    report = progress or (lambda stage, frac: None)
    names = sorted(bundle.manifest["members"])
    largest_first = sorted(names, key=lambda name: -bundle.manifest["members"][name]["size"])
    with ThreadPoolExecutor(2, thread_name_prefix="pledgebook-verify") as pool:
        started = {name: pool.submit(_verify_member, bundle, name) for name in largest_first}
        futures = [started[name] for name in names]
        try:
            for i, (name, future) in enumerate(zip(names, futures)):
                report(name, i / len(names))
                future.result()
        finally:
            for future in futures:
                future.cancel()  # after a failure, members not yet started are not read at all
    report("完成", 1.0)


def trust_status(bundle: OpenedBundle) -> tuple[str, str]:
    """(trust, replay) as seen by the open ledger (a prefecture), without changing anything."""
    trusted = keymod.trusted_key(bundle.county_code)
    if bundle.signer_key is None:
        trust = "unsigned"
    elif trusted is None:
        trust = "untrusted"
    elif trusted.key == bundle.signer_key:
        trust = "trusted"
    else:
        trust = "mismatch"
    last = keymod.last_accepted(bundle.county_code)
    if last is None:
        replay = "new"
    elif bundle.manifest["sequence"] > last["sequence"]:
        replay = "new"
    elif last.get("sha256") == bundle.sha256:
        replay = "same"
    else:
        replay = "replay"
    return trust, replay


def verify_bundle(path: str | os.PathLike[str], *, check_trust: bool = True, progress: Progress | None = None) -> VerifyReport:
    """Check a bundle completely (structure, sizes, hashes, version, signature); raise BundleError when bad.

    With ``check_trust`` and an initialised ledger open, also say whether its
    key is trusted here and whether it would be a replay.
    """
    started = time.perf_counter()
    with open_bundle(path) as b:
        verify_members(b, progress)
        trust, replay = "n/a", "n/a"
        messages: list[str] = []
        if check_trust and _ledger_ready():
            trust, replay = trust_status(b)
            unsigned = (["数据包没有签名，而本台账已信任该县的公钥：将被拒绝（加 --allow-unsigned 也不能导入）。"
                         "请让该县在保存密钥的电脑上重新导出。"]
                        if keymod.trusted_key(b.county_code) is not None else
                        ["数据包没有签名，本台账无法确认它来自该县：默认不导入（确需导入请加 --allow-unsigned，会记入审计日志）。"])
            messages += {
                "unsigned": unsigned,
                "untrusted": ["签名有效，但本台账尚未信任该县的公钥：默认不导入。请电话核对指纹后运行 pledgebook keys trust，"
                              "或确认来源可靠时加 --allow-unsigned 导入（会记入审计日志）。"],
                "mismatch": ["签名公钥与本台账已信任的该县公钥不一致！请电话核对指纹。"],
                "trusted": ["签名有效，来自已信任的公钥。"],
            }[trust]
            if replay == "replay":
                messages.append("该数据包的序号不大于已导入的序号：是旧数据包（重放），将被拒绝。")
            elif replay == "same":
                messages.append("该数据包已导入过。")
        m = b.manifest
        return VerifyReport(
            Path(path), True, m["county"], m["sequence"], m["created_at"], m["program_version"], m["counts"],
            b.sha256, b.size, b.signer_key is not None, b.encrypted, bool(m.get("include_pii")),
            keymod.fingerprint(b.signer_key) if b.signer_key else None, trust, replay, messages,
            time.perf_counter() - started,
        )


def _ledger_ready() -> bool:
    from peewee import PeeweeException

    from pledgebook.models.store.db import is_initialized

    if database.database is None:
        return False
    try:
        return is_initialized()
    except PeeweeException:  # no usable ledger open: no trust information to give
        return False
