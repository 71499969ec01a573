"""Opening a bundle from outside: for hostile files, bounded at every step.

Names, counts and declared sizes are checked from the central directory before anything is
decompressed; the manifest and the signature are read with hard limits and checked
(:func:`pledgebook.bundle.format.check_manifest`); members are read one at a time with hard size limits
(never ``extractall``), each size and hash compared with the manifest. A sealed bundle is decrypted
in memory first (:mod:`pledgebook.bundle.keys`).
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from pledgebook.bundle import deflate
from pledgebook.bundle import keys as keymod
from pledgebook.bundle.format import (
    DRIVE,
    MANIFEST,
    SIGNATURE,
    BundleError,
    check_manifest,
    check_member_name,
)
from pledgebook.models.core import jsonsafe

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

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
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


def file_sha(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a whole file, read in chunks."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def load_json(data: bytes, what: str) -> object:
    """``manifest.json`` or ``signature.json`` parsed, no deeper than :data:`MANIFEST_DEPTH`."""
    try:
        return jsonsafe.loads(data, max_depth=MANIFEST_DEPTH)
    except UnicodeDecodeError as exc:
        raise BundleError(f"{what} 不是 UTF-8 文本（{exc}）。数据包已损坏或被改动过。") from exc
    except jsonsafe.JsonTooDeep as exc:
        raise BundleError(f"{what} 嵌套过深（超过 {MANIFEST_DEPTH} 层），不是承诺台账写出的文件，已拒绝。") from exc
    except ValueError as exc:
        raise BundleError(f"{what} 不是有效的 JSON（{exc}）。数据包已损坏或被改动过。") from exc


def _zip_source(path: Path, size: int) -> Path | IO[bytes]:
    """The zip to open: the file itself, or (sealed to this ledger) its decrypted bytes in memory."""
    with open(path, "rb") as fh:
        head = fh.read(len(keymod.SEALED_MAGIC))
    if not keymod.is_sealed(head):
        return path
    if size > MAX_SEALED:
        raise BundleError(f"加密数据包 {path.name} 太大（{size / 1024**2:.0f} MB），已拒绝。")
    return io.BytesIO(keymod.unseal(path.read_bytes()))


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
    sha, _ = file_sha(path)
    source = _zip_source(path, size)
    try:
        zf = zipfile.ZipFile(source)  # reads only the central directory
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise BundleError(
            f"{path.name} 不是完整的承诺台账数据包（{exc}）。文件可能被截断或损坏：请让对方重新导出，复制完再拔U盘。"
        ) from exc
    try:
        infos = check_directory(zf)
        if MANIFEST not in infos:
            raise BundleError("数据包缺少 manifest.json（清单），无法核对。")
        bundle = OpenedBundle(path, sha, size, source is not path, zf, {}, b"", None, infos)
        bundle.manifest = {"members": {MANIFEST: {"size": infos[MANIFEST].file_size, "sha256": ""}}}
        manifest_bytes = read_small(zf, infos[MANIFEST], MAX_MANIFEST)
        manifest = check_manifest(load_json(manifest_bytes, "manifest.json"))
        _check_present(manifest, infos)
        signer = None
        if SIGNATURE in infos:
            sig = load_json(read_small(zf, infos[SIGNATURE], MAX_SIGNATURE), "signature.json")
            signer = keymod.check_signature(manifest_bytes, sig)
        bundle.manifest, bundle.manifest_bytes, bundle.signer_key = manifest, manifest_bytes, signer
        return bundle
    except BaseException:
        zf.close()
        raise


def _check_present(manifest: dict, infos: dict[str, zipfile.ZipInfo]) -> None:
    """The zip holds exactly the members the manifest lists, each of the declared size."""
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


def check_directory(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The zip's central directory: known names, once each, no passwords, sizes and ratios within limits."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise BundleError(f"数据包内有 {len(infos)} 个文件，远多于应有的数量，已拒绝。")
    seen: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        orig = getattr(info, "orig_filename", name)
        check_member_name(orig if ("\\" in orig or DRIVE.match(orig)) else name)
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


def read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A small member (the manifest, the signature) read whole, no longer than ``limit``."""
    try:
        with zf.open(info) as src:
            data = src.read(limit + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error) as exc:
        raise BundleError(f"{info.filename} 已损坏，无法读取（{exc}）。") from exc
    if len(data) > limit or len(data) != info.file_size:
        raise BundleError(f"{info.filename} 的长度与声明的不符，已拒绝。")
    return data
