"""Signing and secrecy for hand-off bundles (Ed25519 and sealed boxes, PyNaCl).

- ``init_keys()`` makes this ledger's key pair. The private key (32-byte seed,
  hex) lives in the user config folder, ``keys/<admin-code>.key``, readable by
  the owner only; the public key is written to a small JSON file
  (``<admin-code>.pub``) to hand to the prefecture.
- A fingerprint (SHA-256 of the public key, 16 groups of 4 hex digits shown
  as 8) lets two people compare keys by phone.
- The prefecture's trust store and the last accepted sequence number per
  county are rows of the ``setting`` table (``trusted_key:<code>``,
  ``bundle_last:<code>``): no schema change.
- Encryption: a sealed box to the prefecture's key (Ed25519 converted to
  Curve25519), so a lost stick leaks nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from pledgebook.models.core import jsonsafe
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.core.values import has_control_chars
from pledgebook.models.store.db import county as county_info
from pledgebook.models.store.db import get_setting, set_setting

if TYPE_CHECKING:
    from nacl.signing import SigningKey

KEY_FORMAT = "pledgebook-public-key"
MAX_KEY_FILE = 16 * 1024
SEALED_MAGIC = b"PLEDGEBOOK-SEALED-1\n"


class KeyProblem(PledgebookError):
    """A key problem, with a message for a person."""


def keys_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("pledgebook", appauthor=False)) / "keys"


def fingerprint(public_key: bytes) -> str:
    digest = hashlib.sha256(public_key).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


@dataclass
class PublicKey:
    county_name: str
    county_code: str
    key: bytes  # 32 raw bytes (Ed25519 verify key)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    def as_dict(self) -> dict:
        return {
            "format": KEY_FORMAT,
            "county_name": self.county_name,
            "county_code": self.county_code,
            "public_key": base64.b64encode(self.key).decode("ascii"),
            "fingerprint": self.fingerprint,
        }


def _is_code(code: object) -> TypeGuard[str]:
    """Six ASCII digits (full-width and other look-alike digits are not an administrative code)."""
    return isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()


def _private_path(code: str) -> Path:
    if not _is_code(code):
        raise KeyProblem(f"行政区划代码「{code}」不是6位数字，无法确定密钥文件。")
    return keys_dir() / f"{code}.key"


def _restrict(path: Path) -> None:
    if os.name == "nt":  # the user profile folder is private to its owner on Windows
        return
    os.chmod(path, 0o600)


def init_keys(out_dir: str | os.PathLike[str] | None = None, *, force: bool = False) -> tuple[PublicKey, Path, Path]:
    """Make this ledger's key pair; returns (public key, private key path, public key file)."""
    from nacl.signing import SigningKey

    info = county_info()
    priv = _private_path(info["code"])
    if priv.exists() and not force:
        raise KeyProblem(
            f"本台账（{info['name']}）已有密钥：{priv}。重新生成会使上级已信任的公钥失效；"
            "如确需重新生成，请加 --force，并把新公钥重新交给上级。"
        )
    priv.parent.mkdir(parents=True, exist_ok=True)
    if os.name != "nt":
        os.chmod(priv.parent, 0o700)
    sk = SigningKey.generate()
    tmp = priv.with_name(priv.name + ".part")
    # created owner-only before the secret is written (os.open's mode is ignored on Windows)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(bytes(sk).hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    _restrict(tmp)
    os.replace(tmp, priv)
    pub = PublicKey(info["name"], info["code"], bytes(sk.verify_key))
    out = Path(out_dir) if out_dir else Path.cwd()
    if not out.is_dir():
        raise KeyProblem(f"文件夹 {out} 不存在，无法写出公钥文件。")
    pub_path = out / f"{info['code']}.pub"
    pub_path.write_text(json.dumps(pub.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return pub, priv, pub_path


def load_signing_key(code: str | None = None) -> SigningKey | None:
    """This ledger's SigningKey, or None when ``keys init`` has not been run."""
    from nacl.signing import SigningKey

    code = code or county_info()["code"]
    path = _private_path(code)
    if not path.exists():
        return None
    try:
        seed = bytes.fromhex(path.read_text(encoding="ascii").strip())
        return SigningKey(seed)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise KeyProblem(f"私钥文件 {path} 已损坏（{exc}）。请用 pledgebook keys init --force 重新生成，并把新公钥交给上级。") from exc


def own_public_key() -> PublicKey | None:
    info = county_info()
    sk = load_signing_key(info["code"])
    if sk is None:
        return None
    return PublicKey(info["name"], info["code"], bytes(sk.verify_key))


def read_public_key(path: str | os.PathLike[str]) -> PublicKey:
    """Read a ``.pub`` file (hostile until read: size-capped, every field checked)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_KEY_FILE:
            raise KeyProblem(f"{path.name} 太大，不是承诺台账公钥文件。")
        data = jsonsafe.loads(path.read_text(encoding="utf-8"), max_depth=2, max_bytes=MAX_KEY_FILE)
    except FileNotFoundError as exc:
        raise KeyProblem(f"找不到公钥文件 {path}。") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise KeyProblem(f"{path.name} 不是承诺台账公钥文件（{exc}）。") from exc
    if not isinstance(data, dict) or data.get("format") != KEY_FORMAT:
        raise KeyProblem(f"{path.name} 不是承诺台账公钥文件（缺少 format: {KEY_FORMAT}）。")
    name, code, key = data.get("county_name"), data.get("county_code"), data.get("public_key")
    if (not isinstance(name, str) or not name.strip() or len(name) > 100 or has_control_chars(name)
            or not _is_code(code)):
        raise KeyProblem(f"{path.name} 中的县（区）名称或6位行政区划代码（半角数字）不对。")
    try:
        raw = base64.b64decode(key, validate=True) if isinstance(key, str) else b""
    except ValueError as exc:
        raise KeyProblem(f"{path.name} 中的公钥不是有效的 base64。") from exc
    if len(raw) != 32:
        raise KeyProblem(f"{path.name} 中的公钥长度不对（应为32字节）。")
    pub = PublicKey(name, code, raw)
    if data.get("fingerprint") and data["fingerprint"] != pub.fingerprint:
        raise KeyProblem(f"{path.name} 中写的指纹与公钥不符，文件可能被改动过。")
    return pub


# ------------------------------------------------------------ trust store


def trust(pub: PublicKey, *, replace: bool = False) -> PublicKey | None:
    """Trust a county's public key; returns the key it replaced, if any.

    A county already trusted with another key keeps it unless ``replace`` (an explicit re-trust, after the
    new fingerprint was compared by phone), audited as a replacement; a key already trusted for another
    county is refused (one key, one county).
    """
    from pledgebook.models.ledger.rules import transaction
    from pledgebook.models.store import audit

    for other in trusted_keys():
        if other.key == pub.key and other.county_code != pub.county_code:
            raise KeyProblem(
                f"这个公钥（指纹 {pub.fingerprint}）已被信任为「{other.county_name}」（{other.county_code}）的公钥，"
                f"不能再信任为「{pub.county_name}」（{pub.county_code}）的：每个县应有自己的密钥。请核实公钥文件的来源。"
            )
    old = trusted_key(pub.county_code)
    if old is not None and old.key != pub.key and not replace:
        raise KeyProblem(
            f"本台账已信任「{old.county_name}」（{old.county_code}）的另一个公钥（指纹 {old.fingerprint}），"
            f"新公钥的指纹是 {pub.fingerprint}。没有替换。如该县确实重新生成了密钥，请电话核对新指纹后加 --replace 重新信任"
            "（会记入审计日志）。"
        )
    replacing = old is not None and old.key != pub.key
    with transaction():
        set_setting(
            f"trusted_key:{pub.county_code}",
            json.dumps({**pub.as_dict(), "trusted_at": datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False),
        )
        audit.record("update", "setting", None, {f"trusted_key:{pub.county_code}": (old.fingerprint if old else None, pub.fingerprint)},
                     note=(f"替换{pub.county_name}（{pub.county_code}）的公钥（重新信任）" if replacing
                           else f"信任{pub.county_name}的公钥"))
    return old


def trusted_key(code: str) -> PublicKey | None:
    raw = get_setting(f"trusted_key:{code}")
    if not raw:
        return None
    data = json.loads(raw)
    return PublicKey(data["county_name"], data["county_code"], base64.b64decode(data["public_key"]))


def trusted_keys() -> list[PublicKey]:
    from pledgebook.models.store.tables import Setting

    rows = Setting.select().where(Setting.key.startswith("trusted_key:")).order_by(Setting.key)
    return [k for k in (trusted_key(r.key.split(":", 1)[1]) for r in rows) if k]


def last_accepted(code: str) -> dict | None:
    """{'sequence': n, 'sha256': …} of the last bundle accepted from a county."""
    raw = get_setting(f"bundle_last:{code}")
    return json.loads(raw) if raw else None


def remember_accepted(code: str, sequence: int, sha256: str) -> None:
    set_setting(f"bundle_last:{code}", json.dumps({"sequence": sequence, "sha256": sha256}))


def next_sequence() -> int:
    return int(get_setting("bundle_sequence", "0") or 0) + 1


# ------------------------------------------------------------ signatures


def sign(data: bytes, signing_key: SigningKey) -> dict:
    sig = signing_key.sign(data).signature
    return {
        "algorithm": "ed25519",
        "public_key": base64.b64encode(bytes(signing_key.verify_key)).decode("ascii"),
        "signature": base64.b64encode(sig).decode("ascii"),
    }


def check_signature(data: bytes, sig: object) -> bytes:
    """Verify a signature member; returns the signer's raw public key or raises with a clear message."""
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    if not isinstance(sig, dict) or sig.get("algorithm") != "ed25519":
        raise KeyProblem("签名文件格式不对（应为 ed25519 签名）。")
    try:
        key = base64.b64decode(sig.get("public_key", ""), validate=True)
        signature = base64.b64decode(sig.get("signature", ""), validate=True)
    except (ValueError, TypeError) as exc:
        raise KeyProblem("签名文件中的公钥或签名不是有效的 base64。") from exc
    if len(key) != 32 or len(signature) != 64:
        raise KeyProblem("签名文件中的公钥或签名长度不对。")
    try:
        VerifyKey(key).verify(data, signature)
    except BadSignatureError as exc:
        raise KeyProblem("签名验证失败：清单（manifest.json）在签名后被改动过，或签名不属于该数据包。") from exc
    return key


# ------------------------------------------------------------ sealed boxes


def seal(data: bytes, recipient: PublicKey) -> bytes:
    """Encrypt to the recipient (the prefecture). Header: magic, then a JSON line naming the recipient."""
    from nacl.public import SealedBox
    from nacl.signing import VerifyKey

    box = SealedBox(VerifyKey(recipient.key).to_curve25519_public_key())
    header = json.dumps(
        {"recipient_code": recipient.county_code, "recipient_name": recipient.county_name,
         "recipient_fingerprint": recipient.fingerprint},
        ensure_ascii=True,
    ).encode("ascii")
    return SEALED_MAGIC + header + b"\n" + box.encrypt(data)


def is_sealed(head: bytes) -> bool:
    return head.startswith(SEALED_MAGIC)


def unseal(blob: bytes) -> bytes:
    """Decrypt a sealed bundle with this PC's private key for the ledger it is addressed to."""
    from nacl.exceptions import CryptoError
    from nacl.public import SealedBox

    rest = blob[len(SEALED_MAGIC):]
    nl = rest.find(b"\n", 0, 1024)
    if nl < 0:
        raise KeyProblem("加密数据包的文件头已损坏。")
    try:
        header = jsonsafe.loads(rest[:nl].decode("ascii"), max_depth=1)
        code = str(header["recipient_code"])
        name = str(header.get("recipient_name", code))
        fp = str(header.get("recipient_fingerprint", ""))
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyProblem("加密数据包的文件头已损坏。") from exc
    sk = load_signing_key(code) if _is_code(code) else None
    if sk is None or fingerprint(bytes(sk.verify_key)) != fp:
        raise KeyProblem(
            f"该数据包是加密给「{name}」（公钥指纹 {fp}）的，本机没有对应的私钥，无法解密。"
            "请在对方的电脑上导入，或请县里重新导出、加密给本单位的公钥。"
        )
    try:
        return SealedBox(sk.to_curve25519_private_key()).decrypt(rest[nl + 1 :])
    except CryptoError as exc:
        raise KeyProblem("数据包解密失败：文件已损坏或被改动。请让县里重新导出。") from exc
