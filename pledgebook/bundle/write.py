"""Writing the hand-off bundle to a stick: ``export bundle``.

The whole ledger in one snapshot (:mod:`.members`), the open year's summary workbook built beside it,
the manifest and its signature (:mod:`.format`, :mod:`.keys`); written to a temporary name, flushed,
optionally sealed to the prefecture's key, renamed, then read back from the stick and checked
(:mod:`.readback`) before the user is told it is safe to remove it: FAT has no journal, so trust the
read-back, not the rename.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pledgebook import __version__
from pledgebook.bundle import keys as keymod
from pledgebook.bundle import members, readback
from pledgebook.bundle.format import (
    MANIFEST,
    REPORT,
    SIGNATURE,
    SUFFIX,
    BundleError,
    Progress,
    build_manifest,
    is_county_code,
)
from pledgebook.bundle.members import LEVEL, ZipStamp
from pledgebook.bundle.read import file_sha, open_bundle
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger import rules
from pledgebook.models.store.db import county as county_info
from pledgebook.models.store.db import set_setting
from pledgebook.models.store.tables import Handoff, database

if TYPE_CHECKING:
    from nacl.signing import SigningKey

# The bundle's report.xlsx has the summary sheets (统计表, 分类统计, 评议结果汇总, 逾期及待整改) but not
# the full 承诺台账 listing: those rows travel as pledge.jsonl, and the prefecture prints any county's
# full report from its own ledger (export report --org CODE). The listing would double the time of
# writing a bundle (about 1.5 s of XlsxWriter for 20,000 rows).
REPORT_LISTING = False


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


def check_target(folder: Path, needed: int) -> None:
    """The folder exists, has room for ``needed`` bytes and can be written; else a BundleError saying what to do."""
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


def estimate_size() -> int:
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
    removed: list[str] = []
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


def _free_name(folder: Path, code: str, now: datetime) -> Path:
    """``<code>_<stamp>.pledgebook`` in ``folder``, numbered ``_2``, ``_3`` … when it is taken."""
    final = folder / bundle_name(code, now)
    n = 2
    while final.exists():
        final = folder / f"{bundle_name(code, now)[: -len(SUFFIX)]}_{n}{SUFFIX}"
        n += 1
    return final


def _take_sequence() -> int:
    """The bundle's number, taken (and stored) before the file is written.

    A bundle that reaches the stick is never numbered twice, even if the program dies between the rename
    and the Handoff record (the prefecture would refuse the second one as a replay). A failed export
    leaves a gap, which the prefecture accepts: numbers only have to rise.
    """
    with rules.transaction():
        sequence = keymod.next_sequence()
        set_setting("bundle_sequence", str(sequence))
    return sequence


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
    check_target(folder, estimate_size())
    removed = remove_stale_parts(folder, code)
    now = now or datetime.now()
    final = _free_name(folder, code, now)
    tmp = folder / (final.name + ".part")
    sequence = _take_sequence()
    zipped = _Zipped(info, now, sequence, include_pii, signing_key)
    try:
        report("准备", 0.0)
        try:
            fh = open(tmp, "wb")
        except OSError as exc:
            raise BundleError(f"无法在 {folder} 建立文件：{exc.strerror or exc}。") from exc
        with fh:
            zipped.write(fh, report)
            fh.flush()
            os.fsync(fh.fileno())
        report("校验", 0.8)
        written = _seal(tmp, recipient) if recipient is not None else file_sha(tmp)[0]
        dropped = readback.drop_cache(tmp)  # so that the read-back comes from the stick itself
        os.replace(tmp, final)
    except OSError as exc:
        raise BundleError(f"写入 {folder} 失败：{exc.strerror or exc}。U盘可能已拔出或已满；没有留下不完整的数据包。") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    sha, size, from_device = _read_back(final, written, sealed=recipient is not None, dropped=dropped)
    with rules.transaction():
        Handoff.create(path=str(final), sha256=sha, sequence=sequence, counts=json.dumps(zipped.counts))
    report("完成", 1.0)
    return BundleResult(final, sha, size, zipped.counts, sequence, signing_key is not None, recipient is not None,
                        include_pii, time.perf_counter() - started, removed_stale=removed,
                        verified=from_device)


class _Zipped:
    """What goes into the zip of one bundle, and the record counts once written."""

    def __init__(self, info: dict, now: datetime, sequence: int, include_pii: bool,
                 signing_key: SigningKey | None):
        self.info, self.now, self.sequence = info, now, sequence
        self.include_pii, self.signing_key = include_pii, signing_key
        self.stamp: ZipStamp = (now.year, now.month, now.day, now.hour, now.minute, now.second)
        self.counts: dict[str, int] = {}

    def write(self, fh: IO[bytes], report: Progress) -> None:
        """The members, the report workbook (built on a thread of its own), the manifest and its signature."""
        year = rules.current_year()
        entries: dict[str, dict] = {}
        with ThreadPoolExecutor(1, thread_name_prefix="pledgebook-report") as pool:
            # the report workbook is built beside the tables (see build_report)
            workbook = pool.submit(build_report, year) if year is not None else None
            # one read transaction: every table and the years come from the same snapshot, so a change
            # made meanwhile (the TUI, another process) cannot leave a reference dangling in the bundle
            with members.snapshot_readers() as readers, \
                    zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as zf:
                try:
                    members.write_tables(zf, self.stamp, self.include_pii, self.counts, entries, report, readers)
                except BaseException:
                    if workbook is not None:
                        workbook.cancel()
                    raise
                report("报表", 0.6)
                if workbook is not None:
                    add_report(zf, entries, self.stamp, workbook.result())
                self._sign(zf, self._manifest(year, entries))

    def _manifest(self, year: int | None, entries: dict[str, dict]) -> bytes:
        years = [r[0] for r in database.execute_sql("SELECT year FROM work_year ORDER BY year")]
        return build_manifest(
            self.info, program_version=__version__, created_at=self.now.isoformat(timespec="seconds"), years=years,
            open_year=year, counts=self.counts, members=entries, sequence=self.sequence, include_pii=self.include_pii,
        )

    def _sign(self, zf: zipfile.ZipFile, manifest_bytes: bytes) -> None:
        zf.writestr(zipfile.ZipInfo(MANIFEST, self.stamp), manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
        if self.signing_key is not None:
            sig = json.dumps(keymod.sign(manifest_bytes, self.signing_key)).encode("ascii")
            zf.writestr(zipfile.ZipInfo(SIGNATURE, self.stamp), sig, compress_type=zipfile.ZIP_STORED)


def _seal(tmp: Path, recipient: keymod.PublicKey) -> str:
    """Encrypt the written file in place to ``recipient``; the SHA-256 of the sealed bytes."""
    with open_bundle(tmp):  # its directory, manifest and signature, checked before they are sealed
        pass
    sealed = keymod.seal(tmp.read_bytes(), recipient)
    with open(tmp, "wb") as out_fh:
        out_fh.write(sealed)
        out_fh.flush()
        os.fsync(out_fh.fileno())
    return hashlib.sha256(sealed).hexdigest()


def _read_back(final: Path, written: str, *, sealed: bool, dropped: bool) -> tuple[str, int, bool]:
    """Read the bundle back from the stick: the SHA-256 and size of every byte, and (unless sealed,
    which only the prefecture can open) its zip directory, manifest and signature checked as ``verify``
    checks them; the file is removed when what came back is not what was ``written``.

    The members are not inflated again: their bytes are the ones just compressed from the hashed
    records, and the whole file's hash, compared with what was handed to the stick, shows every byte
    arrived. ``pledgebook verify`` and the prefecture's import still inflate and hash every member.
    The third value tells whether the bytes came from the stick itself (see :mod:`.readback`).
    """
    try:
        sha, size, from_device = readback.read_back(final, file_sha if sealed else _checked_sha, dropped=dropped)
        if sha != written:
            raise BundleError(f"从 {final.parent} 读回的数据包与写入的不一致（U盘可能有坏块或是扩容盘）。请换一个U盘重新导出。")
    except (PledgebookError, OSError):
        final.unlink(missing_ok=True)
        raise
    return sha, size, from_device


def _checked_sha(path: Path) -> tuple[str, int]:
    with open_bundle(path) as b:
        return b.sha256, b.size


def build_report(year: int) -> bytes:
    """The summary workbook (report.xlsx) of ``year``, built on a thread of its own while the tables are written.

    This thread has its own SQLite connection (peewee keeps one per thread), made read-only and
    closed at the end; its read transaction starts as the tables' does. A change committed in the
    moment between the two could show in one and not the other, which a summary for people can
    bear: the records travel in the JSON Lines members, from one snapshot.
    """
    from pledgebook.exporters.report import build_report as build  # xlsxwriter: only when exporting
    from pledgebook.exporters.report import write_xlsx

    fd, name = tempfile.mkstemp(suffix=".xlsx", prefix="pledgebook-report-")
    os.close(fd)
    tmp = Path(name)
    try:
        database.execute_sql("PRAGMA query_only = ON")
        with database.atomic():
            data = build(year, listing=REPORT_LISTING)
        write_xlsx(data, tmp)
        return tmp.read_bytes()
    finally:
        database.close()
        tmp.unlink(missing_ok=True)


def add_report(zf: zipfile.ZipFile, entries: dict[str, dict], stamp: ZipStamp, data: bytes) -> None:
    """report.xlsx as a member, listed in ``entries`` (the manifest's members)."""
    # deflated, so a truncated bundle is never mistaken for the workbook zip stored inside it
    zf.writestr(zipfile.ZipInfo(REPORT, stamp), data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    entries[REPORT] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
