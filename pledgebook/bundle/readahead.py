"""Reading and checking a bundle without the database, here or in a child process.

:func:`read_checked` reads every member (sizes and hashes), parses every table (:mod:`.parse`) and makes
every check that needs no database (:mod:`.checks`). A merge of several bundles
(:func:`pledgebook.bundle.merge.import_bundles`) has the next bundle read so in a child process
(:class:`ReadAhead`) while it writes the current one: ``python -m pledgebook.bundle.readahead PATH``
writes the result, marshalled, on stdout. The child opens no database. Exit status 0 with the result;
3 when the bundle is refused (the merge then reads it itself and says why); anything else is a failure
the merge also answers by reading the bundle itself.
"""

from __future__ import annotations

import gc
import marshal
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from pledgebook.bundle import known
from pledgebook.bundle.admit import open_checked
from pledgebook.bundle.appraisal import check_third
from pledgebook.bundle.checks import Digests, Rows, check_refs, check_rules, check_values
from pledgebook.bundle.format import TABLE_BY_NAME, TABLES, BundleError, Progress, field_index
from pledgebook.bundle.known import Held, split_member
from pledgebook.bundle.parse import line_digests, parse_table
from pledgebook.bundle.read import OpenedBundle, open_bundle
from pledgebook.models.core import vocab
from pledgebook.models.core.child import child_env
from pledgebook.models.core.errors import PledgebookError


@contextmanager
def no_gc() -> Iterator[None]:
    """Parsing builds a few hundred thousand small acyclic objects; the cyclic collector would only rescan them.

    Reference counting still frees everything; the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_tables(b: OpenedBundle, pool: ThreadPoolExecutor, report: Progress,
                held: Held | None = None) -> tuple[Rows, Digests]:
    """Every member read (sizes and hashes checked) and every table parsed and checked, in table order;
    with each record's line digest (what the prefecture compares to recognise an unchanged record).
    ``held``: the lines the prefecture already holds are left out of ``parsed`` (:mod:`.known`).

    A helper reads the next member while this thread parses the one before; a failure is still
    reported for the first bad table, as if they were read one after another.
    """
    version = b.manifest["format_version"]
    specs = [spec for spec in TABLES if spec.since <= version]  # an older program's bundle has fewer tables
    parsed: Rows = {spec.name: [] for spec in TABLES}
    digests: Digests = {spec.name: [] for spec in TABLES}
    spec_cat = TABLE_BY_NAME["category"]
    pending = deque([pool.submit(b.read_member, f"{specs[0].name}.jsonl")])
    try:
        for i, spec in enumerate(specs):
            report(f"读取{spec.label}（{i + 1}/{len(specs)}）", 0.05 + 0.2 * i / len(specs))
            data = pending.popleft().result()
            if i + 1 < len(specs):
                pending.append(pool.submit(b.read_member, f"{specs[i + 1].name}.jsonl"))
            cats = None
            if spec.name == "pledge":
                cats = {r[field_index(spec_cat, "code")] for r in parsed["category"]} | set(vocab.DEFAULT_CATEGORIES)
            declared = b.manifest["counts"].get(spec.name)
            split = split_member(spec.name, data, held) if held is not None else None
            if split is None:
                parsed[spec.name] = parse_table(spec, data, declared, cats)
                digests[spec.name] = line_digests(data)
            else:
                rest, digests[spec.name], n_held = split
                parsed[spec.name] = parse_table(spec, rest, None if declared is None else declared - n_held, cats)
            del data
    finally:
        for future in pending:
            future.cancel()
    for name in b.manifest["members"]:
        if not name.endswith(".jsonl"):
            b.read_member(name, lambda chunk: None)  # report.xlsx: size and hash
    return parsed, digests


def read_checked(b: OpenedBundle, pool: ThreadPoolExecutor, report: Progress,
                 held: Held | None = None) -> tuple[Rows, Digests]:
    """Every check that needs no database: members, lines, fields, the ledgers' rules, references.

    ``held`` (a re-merge): the lines the prefecture holds are not parsed (:mod:`.known`); the checks between
    records count them in. Raises :class:`BundleError` also when the short way does not hold.
    """
    parsed, digests = read_tables(b, pool, report, held)
    if held is not None and not known.sound(parsed, held):
        raise BundleError("不能按已有记录快速核对")  # only ever caught: the bundle is read in full
    check_rules(parsed)
    check_refs(parsed, b.county_code, held.held if held is not None else None)
    if held is not None:
        known.held_years(held)
        known.held_live(held, parsed)
    check_values(parsed, held.years if held is not None else None)
    check_third(parsed, held.live if held is not None else None)
    return parsed, digests


def read_for_merge(path: str | Path) -> dict:
    """What the read-ahead child sends back: the bundle's checked tables, and the file's SHA-256 and
    manifest, so that the merge can tell that it read the same bytes. No database."""
    with open_bundle(path) as b, no_gc(), ThreadPoolExecutor(1, thread_name_prefix="pledgebook-read") as pool:
        parsed, digests = read_checked(b, pool, lambda stage, frac: None)
        return {"sha256": b.sha256, "manifest": b.manifest_bytes, "tables": parsed, "digests": digests}


class ReadAhead:
    """The next bundle of a run, read and checked in a child process while this one merges the current one.

    Not a thread: SQLite's ``executemany`` gives the GIL away and takes it back for every row, and a thread
    parsing JSON beside it holds the GIL for long C calls, so every row of the writes would wait for it
    (40,000 rows: 0.4 s alone, 50 s beside ``json.loads``). The child is only a head start: whenever it
    fails, is late beyond reason, or read other bytes than the merge opened, the bundle is read here as
    without it; every check against the ledger (trust, sequence, owners, existing records) is made here, after
    the bundle before it has committed.
    """

    def __init__(self, path: Path):
        self.timeout = 60 + 10 * path.stat().st_size / 1024**2
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pledgebook.bundle.readahead", str(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=child_env(),
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )

    @classmethod
    def start(cls, path: Path, allow_unsigned: bool) -> ReadAhead | None:
        """Start reading ``path`` unless, as the ledger stands now, it would be refused or is already merged."""
        try:
            b, result = open_checked(path, allow_unsigned)
            b.close()
            # a county merged before: its bundle is a re-merge, read here at its turn, its held lines unparsed
            return None if result.already_imported or known.has_records(b.county_code) else cls(path)
        except (PledgebookError, OSError):
            return None  # the bundle's own turn says what is wrong

    def take(self, b: OpenedBundle) -> tuple[Rows, Digests] | None:
        """The child's checked tables of ``b`` and their digests; None when the bundle is to be read here after all."""
        try:
            out, _ = self.process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.close()
            return None
        if self.process.returncode != 0:
            return None
        try:
            got = marshal.loads(out)
        except (EOFError, ValueError, TypeError):
            return None
        if not isinstance(got, dict) or got.get("sha256") != b.sha256 or got.get("manifest") != b.manifest_bytes:
            return None  # the file changed since the child read it
        return got["tables"], got["digests"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def main(argv: list[str]) -> int:
    try:
        result = read_for_merge(argv[0])
    except PledgebookError:
        return 3
    sys.stdout.buffer.write(marshal.dumps(result))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
