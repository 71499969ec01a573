"""Whether this ledger takes a county's bundle: its own level, the county's trusted key, the sequence.

Checked when the bundle is opened for a merge, before anything is read from its members; a bundle this
ledger refuses raises :class:`pledgebook.bundle.format.BundleError` with what to do about it.
"""

from __future__ import annotations

import re
from pathlib import Path

from pledgebook import __version__
from pledgebook.bundle import keys as keymod
from pledgebook.bundle.format import BundleError
from pledgebook.bundle.merger import MergeResult
from pledgebook.bundle.read import OpenedBundle, open_bundle
from pledgebook.bundle.verify import trust_status
from pledgebook.models.store.db import county as county_info


def open_checked(path: str | Path, allow_unsigned: bool) -> tuple[OpenedBundle, MergeResult]:
    """Open a bundle and check it against this ledger: its level, the county's trusted key, the sequence.

    Returns the open bundle and its result (``already_imported`` when it is the last one accepted from its
    county); raises :class:`BundleError` when it is refused.
    """
    own = county_info()
    if own["level"] != "prefecture":
        raise BundleError(
            "只有州/市级台账可以导入县（区）数据包。请在州/市的电脑上用「pledgebook init --level prefecture」建立的台账中导入。"
        )
    b = open_bundle(path)
    try:
        trust, replay = trust_status(b)
        _refuse_key(b, trust)
        result = MergeResult(Path(path), dict(b.manifest["county"]), b.manifest["sequence"], b.sha256,
                             b.signer_key is not None, trust == "trusted", trust != "trusted")
        if replay == "same":
            result.already_imported = True
            result.allow_unsigned_used = False
            result.notes.append("该数据包已导入过，台账没有变化。")
            return b, result
        _refuse_unsure(b, trust, replay, allow_unsigned)
        fp = keymod.fingerprint(b.signer_key) if b.signer_key else None
        code = b.county_code
        if trust == "untrusted":
            result.notes.append(f"数据包已签名（指纹 {fp}），但本台账尚未信任该县公钥：按 --allow-unsigned 导入，已记入审计日志。"
                                f"请电话核对指纹后运行 pledgebook keys trust {code}.pub。")
        elif trust == "unsigned":
            result.notes.append("数据包没有签名：按 --allow-unsigned 导入，已记入审计日志。"
                                "请让报送单位运行 pledgebook keys init 后重新导出，并在本级运行 pledgebook keys trust。")
        result.notes += version_notes(b.manifest)
        return b, result
    except BaseException:
        b.close()
        raise


def _refuse_key(b: OpenedBundle, trust: str) -> None:
    """Refuse a key that speaks for another county here, or that is not the one trusted for this county."""
    code, name = b.county_code, b.county_name
    fp = keymod.fingerprint(b.signer_key) if b.signer_key else None
    if b.signer_key is not None:
        for other in keymod.trusted_keys():
            if other.key == b.signer_key and other.county_code != code:
                raise BundleError(
                    f"数据包自称来自「{name}」（{code}），签名公钥（指纹 {fp}）却是本台账为「{other.county_name}」"
                    f"（{other.county_code}）信任的公钥：一个县的密钥不能冒充另一个县，已拒绝，台账未作任何改动。"
                )
    if trust == "mismatch":
        raise BundleError(
            f"数据包的签名公钥（指纹 {fp}）与本台账已信任的「{name}」公钥不一致，已拒绝。"
            "请与该县电话核对公钥指纹；如该县确实重新生成了密钥，核对后运行「pledgebook keys trust 公钥文件 --replace」。"
        )


def _refuse_unsure(b: OpenedBundle, trust: str, replay: str, allow_unsigned: bool) -> None:
    """Refuse an unsigned bundle of a county whose key is trusted, an untrusted one without
    ``--allow-unsigned``, and a replay."""
    code, name = b.county_code, b.county_name
    fp = keymod.fingerprint(b.signer_key) if b.signer_key else None
    if trust == "unsigned" and keymod.trusted_key(code) is not None:
        # Once a county's key is trusted, only bundles that verify against it speak for that county:
        # --allow-unsigned is for first contact, never a way round a trusted key (anyone could write one).
        raise BundleError(
            f"本台账已信任「{name}」（{code}）的公钥，但该数据包没有签名，已拒绝（加 --allow-unsigned 也不能导入），"
            "台账未作任何改动。请让该县在保存密钥的电脑上重新导出；如该县的密钥已丢失并重新生成，"
            f"请电话核对新公钥的指纹后运行「pledgebook keys trust {code}.pub --replace」。"
        )
    if trust != "trusted" and not allow_unsigned:
        how = (f"数据包已签名（公钥指纹 {fp}），但本台账尚未信任「{name}」（{code}）的公钥" if trust == "untrusted"
               else f"数据包没有签名，本台账也尚未信任「{name}」（{code}）的公钥")
        raise BundleError(
            f"{how}，默认不导入，台账未作任何改动。请：① 向该县要来公钥文件（{code}.pub），电话核对指纹后运行"
            f"「pledgebook keys trust {code}.pub」，再导入；或 ② 确认来源可靠时加 --allow-unsigned 导入（会记入审计日志，"
            "并在结果中注明）。"
        )
    if replay == "replay":
        last = keymod.last_accepted(code) or {}
        raise BundleError(
            f"该数据包的序号 {b.manifest['sequence']} 不大于已导入的「{name}」数据包序号 {last.get('sequence')}：是旧数据包（重放），已拒绝。"
            "请导入该县最新导出的数据包。"
        )


def _version_tuple(text: str) -> tuple[int, ...] | None:
    parts = re.fullmatch(r"([0-9]{1,4})\.([0-9]{1,4})\.([0-9]{1,4})", text.split("+")[0].split("-")[0][:20])
    return tuple(int(p) for p in parts.groups()) if parts else None


def version_notes(manifest: dict) -> list[str]:
    """What the prefecture should know about the program that wrote a bundle: older than ours, or a
    bundle of an older format (no 四帮四促 data in version 1, no 奖诺 data before version 3)."""
    notes = []
    theirs, ours = _version_tuple(str(manifest.get("program_version", ""))), _version_tuple(__version__)
    if theirs is not None and ours is not None and theirs < ours:
        notes.append(f"该县使用的承诺台账版本较旧（{'.'.join(map(str, theirs))}），建议随下次U盘带去新版（本级为 {__version__}）。")
    if manifest.get("format_version") == 1:
        notes.append("该数据包为旧格式（格式版本 1），不含四帮四促数据（联系点、结对帮扶、驻村、帮扶记录）：这些数据本次没有导入。")
    if manifest.get("format_version") in (1, 2):
        notes.append(f"该数据包为旧格式（格式版本 {manifest['format_version']}），不含奖诺数据（民主评议党员、组织处置、"
                     "星级评定、评选表彰）：这些数据本次没有导入，请该县升级承诺台账后重新导出。")
    return notes
