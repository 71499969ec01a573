"""Helpers for the hand-off tests: county and prefecture ledgers in temp files, re-zipping bundles."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from pledgebook.models.db import close_database, open_database, set_setting
from pledgebook.models.tables import database


def make_county(path: Path, *, seed: int = 7, pledges: int = 300, code: str = "539901", name: str = "云岭县") -> Path:
    """A small demo county in its own file, renamed to ``code``/``name`` (left open)."""
    from pledgebook.demo import build_demo

    open_database(path)
    build_demo(total_pledges=pledges, seed=seed)
    if code != "539901":
        with database.atomic():
            set_setting("county_code", code)
            set_setting("county_name", name)
            database.execute_sql("UPDATE org SET code = ? || substr(code, 7) WHERE code IS NOT NULL", [code])
            database.execute_sql("UPDATE org SET name = ? WHERE parent_id IS NULL", [name])
    return path


def make_prefecture(path: Path, year: int | None = None) -> Path:
    from datetime import date

    from pledgebook.models import rules

    open_database(path)
    rules.init_county("普洱市", "530800", year or date.today().year, level="prefecture")
    return path


def use(path: Path) -> None:
    close_database()
    open_database(path)


def file_state(path: Path) -> tuple[bytes, bytes]:
    """The bytes of a ledger and its WAL, to prove nothing was written."""
    wal = Path(str(path) + "-wal")
    return path.read_bytes(), (wal.read_bytes() if wal.exists() else b"")


def members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(src: dict[str, bytes], dest: Path, *, fix_manifest: bool = False, drop_signature: bool = False) -> Path:
    """Write members to a new zip; with fix_manifest, recompute sizes and hashes in manifest.json."""
    src = dict(src)
    if drop_signature:
        src.pop("signature.json", None)
    if fix_manifest:
        m = json.loads(src["manifest.json"])
        for name in list(m["members"]):
            if name in src:
                m["members"][name] = {"sha256": hashlib.sha256(src[name]).hexdigest(), "size": len(src[name])}
        for name, data in src.items():
            if name.endswith(".jsonl") and name in m["members"]:
                m["counts"][name[:-6]] = data.count(b"\n")
        src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in src.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return dest
