"""What a backup's full check found, remembered by the file's SHA-256, so a restore need not run it again.

``PRAGMA integrity_check`` reads every page of a backup and checks every
index against its table: 1.2–1.8 s for a 200 MB ledger. Its answer holds for
exactly the bytes it read. So once it has passed, the file's SHA-256 is kept

- in this process (``inspect_backup`` before the confirmation, then ``restore``
  after it: one check, not two), and
- beside a backup of ours (the ``<stem>_<stamp>_<reason>.db`` names), as
  ``<name>.db.sha256`` in the format of ``sha256sum`` (``sha256sum -c`` reads it).

A later check hashes the file (0.15 s for 200 MB) and, when the hash is the
one recorded, takes the earlier ``integrity_check`` as its own: any change to
a single byte changes the hash, and then the full check runs again. Nothing
is checked less; a file whose hash was never recorded gets the full check.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SUFFIX = ".sha256"
_CHUNK = 1 << 20

# (resolved path, size, mtime_ns) -> sha256 of files that passed integrity_check in this process
_passed: dict[tuple[str, int, int], str] = {}


def mark_path(path: Path) -> Path:
    """Where the record of ``path``'s passed check is kept: ``<name>.sha256`` beside it."""
    return path.with_name(path.name + SUFFIX)


def fingerprint(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes, in hex (hashlib releases the GIL: it can run beside a check)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _recorded(path: Path) -> str | None:
    try:
        text = mark_path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    fields = text.split()
    if len(fields) == 2 and fields[1] == path.name and len(fields[0]) == 64:
        return fields[0].lower()
    return None


def known_good(path: Path) -> bool:
    """True when ``path``'s bytes now hash to those of a file that passed ``integrity_check``."""
    key = fingerprint(path)
    expected = _passed.get(key) or _recorded(path)
    if expected is None:
        return False
    if file_sha256(path) != expected:
        return False
    _passed[key] = expected
    return True


def remember(path: Path, digest: str, before: tuple[str, int, int], *, beside: bool) -> None:
    """Record that ``path`` (hashing to ``digest``, unchanged since ``before``) passed ``integrity_check``.

    ``beside`` also writes ``<name>.sha256`` next to it, best effort: a backup on
    a read-only stick is simply checked in full again next time.
    """
    if fingerprint(path) != before:  # changed while it was checked: remember nothing
        return
    _passed[before] = digest
    if not beside:
        return
    mark = mark_path(path)
    partial = mark.with_name(mark.name + ".part")
    try:
        partial.write_text(f"{digest}  {path.name}\n", encoding="ascii")
        if os.name != "nt":
            os.chmod(partial, 0o600)
        os.replace(partial, mark)
    except OSError:
        partial.unlink(missing_ok=True)


def forget(path: Path) -> None:
    """Remove the record beside ``path`` (the backup itself is being deleted)."""
    try:
        mark_path(path).unlink(missing_ok=True)
    except OSError:
        pass
