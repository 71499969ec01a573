"""Checking a bundle completely: structure, sizes, hashes, line counts, signature, and (at a prefecture)
whether its county's key is trusted here and whether it would be a replay: ``pledgebook verify``.

Nothing here writes; the merge (:mod:`.merge`) makes the same checks and then decides (:mod:`.admit`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from peewee import PeeweeException

from pledgebook.bundle import keys as keymod
from pledgebook.bundle.format import BundleError, Progress
from pledgebook.bundle.read import OpenedBundle, open_bundle
from pledgebook.models.store.db import is_initialized
from pledgebook.models.store.tables import database


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


def _trust_messages(b: OpenedBundle, trust: str, replay: str) -> list[str]:
    """What ``verify`` tells a prefecture about the bundle's key and sequence."""
    unsigned = (["数据包没有签名，而本台账已信任该县的公钥：将被拒绝（加 --allow-unsigned 也不能导入）。"
                 "请让该县在保存密钥的电脑上重新导出。"]
                if keymod.trusted_key(b.county_code) is not None else
                ["数据包没有签名，本台账无法确认它来自该县：默认不导入（确需导入请加 --allow-unsigned，会记入审计日志）。"])
    messages = {
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
    return messages


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
        if check_trust and ledger_ready():
            trust, replay = trust_status(b)
            messages = _trust_messages(b, trust, replay)
        m = b.manifest
        return VerifyReport(
            Path(path), True, m["county"], m["sequence"], m["created_at"], m["program_version"], m["counts"],
            b.sha256, b.size, b.signer_key is not None, b.encrypted, bool(m.get("include_pii")),
            keymod.fingerprint(b.signer_key) if b.signer_key else None, trust, replay, messages,
            time.perf_counter() - started,
        )


def ledger_ready() -> bool:
    """Whether an initialised ledger is open here (else there is no trust information to give)."""
    if database.database is None:
        return False
    try:
        return is_initialized()
    except PeeweeException:  # no usable ledger open: no trust information to give
        return False
