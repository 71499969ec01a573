"""Importing a county's hand-off bundle at the prefecture: verify first, then merge by uid.

Everything that can be checked is checked before the database is touched:
the bundle's structure, sizes and hashes (:mod:`.read`), its
signature against the trusted key and its sequence number against the last
one accepted (:mod:`.admit`), every line's JSON, every field's type, every code (:mod:`.parse`), every
reference (by uid, within the bundle), the org tree, and that no record of
another county is named, the second ledger's own rules (one place per help
log, quantities in the kind's measures) (:mod:`.checks`). Then the ledger is backed up
(reason ``before-import``, like a spreadsheet import) and the bundle is merged in one
``IMMEDIATE`` transaction (:mod:`.merger`).

Several bundles (``pledgebook import *.pledgebook``) are one run,
:func:`import_bundles`: one backup before the first that merges, each bundle
checked and merged in its own transaction in turn, a refused one reported and
the others merged. While one is being written, a child process
(:mod:`.readahead`) reads and checks the next as far as it can without the
database; the checks against the ledger are made at that bundle's own turn.

A county merged here before sends its whole ledger again every month: its bundle is a re-merge
(:mod:`.known`). The lines the prefecture holds for it (their digests, kept in ``record_owner.digest``) are
not parsed again and count as unchanged; the rest are parsed, checked and merged as above. No read-ahead
child for such a bundle: what is left to read is small.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pledgebook.bundle import keys as keymod
from pledgebook.bundle import known
from pledgebook.bundle.admit import open_checked
from pledgebook.bundle.checks import Digests, Rows
from pledgebook.bundle.format import MANIFEST, SUFFIX, TABLES, BundleError, Progress
from pledgebook.bundle.members import spare_cpu
from pledgebook.bundle.merger import Merger, MergeResult
from pledgebook.bundle.read import OpenedBundle
from pledgebook.bundle.readahead import ReadAhead, no_gc, read_checked
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger.rules import transaction
from pledgebook.models.store import audit, backup
from pledgebook.models.store.tables import ImportBatch, database


def is_bundle(path: str | Path) -> bool:
    """True when the file is (or claims to be) a hand-off bundle, so ``pledgebook import`` sends it here."""
    path = Path(path)
    if path.suffix.lower() == SUFFIX:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except OSError:
        return False
    if keymod.is_sealed(head):
        return True
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return MANIFEST in zf.namelist() and not any(n.startswith("xl/") for n in zf.namelist()[:50])
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _discard(taken: Future) -> None:
    """Wait for a backup that is no longer wanted and remove it (a failed one leaves nothing)."""
    try:
        taken.result().path.unlink(missing_ok=True)
    except (PledgebookError, OSError):
        pass


def import_bundle(
    path: str | Path,
    *,
    allow_unsigned: bool = False,
    progress: Progress | None = None,
    backed_up: Path | None = None,
    dry_run: bool = False,
) -> MergeResult:
    """Verify a county bundle completely, then merge it by uid in one transaction.

    An automatic backup is taken first, unless ``backed_up`` names the one this
    run already took (one ``pledgebook import`` of twelve bundles backs up once:
    the point is to be able to go back to before the run). Several bundles:
    :func:`import_bundles`. ``dry_run``: every check and the whole merge, counted,
    then rolled back (no backup, nothing written, the sequence not remembered).

    Raises :class:`BundleError` (nothing written) when anything is wrong.
    """
    return _import(path, allow_unsigned, progress or (lambda stage, frac: None), backed_up, None, dry_run)


@dataclass
class BundleFailure:
    """A bundle of a run that was refused: nothing of it was written; ``error.message`` says why."""

    path: Path
    error: PledgebookError


def import_bundles(
    paths: Sequence[str | Path],
    *,
    allow_unsigned: bool = False,
    progress: Callable[[Path, str, float], None] | None = None,
    backed_up: Path | None = None,
    read_ahead: bool = True,
    dry_run: bool = False,
) -> Iterator[MergeResult | BundleFailure]:
    """Merge several bundles in turn, as :func:`import_bundle` does each, yielding each one's outcome.

    One bundle failing does not stop the others. The run takes one automatic backup, before the first
    bundle that merges (none when ``backed_up`` names one this run already took). Each bundle is checked completely and merged in its own transaction, in order;
    while one is being merged, the next one is read and checked (everything that needs no database) in a
    child process (:class:`ReadAhead`, when there is a second CPU for it); its checks against the ledger
    run at its own turn.
    """
    paths = [Path(p) for p in paths]
    read_ahead = read_ahead and spare_cpu()  # on one CPU the child would only add its own cost
    ahead: ReadAhead | None = None
    try:
        for i, path in enumerate(paths):
            current, ahead = ahead, None
            if read_ahead and i + 1 < len(paths):
                ahead = ReadAhead.start(paths[i + 1], allow_unsigned)
            report = (lambda stage, frac, path=path: progress(path, stage, frac)) if progress else (lambda stage, frac: None)
            try:
                result = _import(path, allow_unsigned, report, backed_up, current, dry_run)
            except PledgebookError as exc:
                yield BundleFailure(path, exc)
                continue
            finally:
                if current is not None:
                    current.close()
            backed_up = backed_up or result.backup
            yield result
    finally:
        if ahead is not None:
            ahead.close()


class _RollBack(Exception):
    """Raised inside a dry run's transaction once everything is merged and counted."""


def _import(path: str | Path, allow_unsigned: bool, report: Progress, backed_up: Path | None,
            ahead: ReadAhead | None, dry_run: bool = False) -> MergeResult:
    started = time.perf_counter()
    report("校验", 0.0)
    b, result = open_checked(path, allow_unsigned)
    with b:
        if result.already_imported:
            result.seconds = time.perf_counter() - started
            return result
        with no_gc():
            parsed = ahead.take(b) if ahead is not None else None
            # a re-merge: the lines this prefecture holds for the county are recognised, not parsed again
            held = known.held_records(b.county_code) if parsed is None and known.has_records(b.county_code) else None
            parsed = _read_and_back_up(b, parsed, result, report, backed_up, dry_run, held)
            merger = Merger(b, parsed[0], result, parsed[1], held.held if held is not None else None)
            report("合并", 0.3)
            try:
                with transaction():
                    merger.preflight()
                    merger.run(report)
                    if dry_run:
                        raise _RollBack
                    _remember(b, Path(path), result)
            except _RollBack:
                result.dry_run = True
    if not dry_run:
        backup.rotate()
    for spec in TABLES:
        database.execute_sql(f"DROP TABLE IF EXISTS temp.in_{spec.name}")
    report("完成", 1.0)
    result.seconds = time.perf_counter() - started
    return result


def _read_and_back_up(b: OpenedBundle, parsed: tuple[Rows, Digests] | None, result: MergeResult,
                      report: Progress, backed_up: Path | None, dry_run: bool,
                      held: known.Held | None = None) -> tuple[Rows, Digests]:
    """The bundle read and checked (unless the read-ahead child did), and the automatic backup taken beside it."""
    with ThreadPoolExecutor(2, thread_name_prefix="pledgebook-merge") as pool:
        # beside the parsing (which needs the GIL): the automatic backup (SQLite copies pages without
        # it) and the inflating and hashing of the next member (zlib and hashlib let go of it too)
        taken = None if backed_up or dry_run else pool.submit(
            backup.backup, reason="before-import", rotate_after=False)
        try:
            if parsed is None and held is not None:
                try:
                    parsed = read_checked(b, pool, report, held)
                except BundleError:
                    held.held.clear()  # refused, or the short way does not hold: read in full, for the message too
            if parsed is None:
                parsed = read_checked(b, pool, report)
            report("备份", 0.28)
            result.backup = taken.result().path if taken is not None else backed_up
        except BaseException:
            if taken is not None:
                _discard(taken)  # the bundle is refused: nothing will change, so the copy is not needed
            raise
    return parsed


def _remember(b: OpenedBundle, path: Path, result: MergeResult) -> None:
    """The import batch, the sequence accepted from the county, and the audit entry, in the merge's transaction."""
    code, name = b.county_code, b.county_name
    ImportBatch.create(
        file_name=path.name[:250], sha256=b.sha256, kind="bundle-unsigned" if result.allow_unsigned_used else "bundle",
        user=audit.os_user(), rows_read=result.records, rows_written=result.changed, rows_rejected=0,
    )
    keymod.remember_accepted(code, b.manifest["sequence"], b.sha256)
    note = f"导入{name}（{code}）数据包，序号 {b.manifest['sequence']}"
    if result.allow_unsigned_used:
        note += ("；签名公钥未经本级信任" if result.signed else "；未签名") + "，按 --allow-unsigned 导入"
    audit.record("import", "org", None, {"bundle": (None, path.name), "sha256": (None, b.sha256)}, note=note)
