"""Keys: init, fingerprints, trust; signed bundles accepted, unsigned/wrongly signed/replayed refused; encryption."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from handoff_util import file_state, make_county, make_prefecture, members, rezip, use

from pledgebook.bundle import keys
from pledgebook.bundle.format import BundleError
from pledgebook.bundle.merge import import_bundle
from pledgebook.bundle.write import write_bundle
from pledgebook.models.store.tables import ImportBatch


@pytest.fixture
def setup(tmp_path):
    make_county(tmp_path / "a.db", seed=7, pledges=150, signed=False)
    pub, priv, pub_path = keys.init_keys(tmp_path)
    return tmp_path, pub, priv, pub_path


def _out(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    return d


def test_init_makes_an_owner_only_private_key_and_a_public_file(setup):
    tmp_path, pub, priv, pub_path = setup
    assert priv.exists() and pub_path.name == "539901.pub"
    if os.name != "nt":
        assert priv.stat().st_mode & 0o077 == 0
    assert len(pub.fingerprint.split()) == 8
    assert keys.read_public_key(pub_path).fingerprint == pub.fingerprint
    with pytest.raises(keys.KeyProblem, match="已有密钥"):
        keys.init_keys(tmp_path)
    data = json.loads(pub_path.read_text(encoding="utf-8"))
    data["fingerprint"] = "0000 " * 7 + "0000"
    pub_path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(keys.KeyProblem, match="指纹"):
        keys.read_public_key(pub_path)


def test_signed_accepted_unsigned_wrong_and_replayed_refused(setup):
    tmp_path, pub, priv, pub_path = setup
    b1 = write_bundle(_out(tmp_path, "1")).path
    b2 = write_bundle(_out(tmp_path, "2")).path
    assert "signature.json" in members(b1)
    # an unsigned bundle, and one signed by a stranger's key
    unsigned = rezip(members(b2), tmp_path / "unsigned.pledgebook", drop_signature=True)
    saved = priv.read_bytes()
    keys.init_keys(_out(tmp_path, "k2"), force=True)
    stranger = write_bundle(_out(tmp_path, "3")).path
    priv.write_bytes(saved)
    use(make_prefecture(tmp_path / "p.db"))
    keys.trust(keys.read_public_key(pub_path))
    before = file_state(tmp_path / "p.db")
    with pytest.raises(BundleError, match="没有签名"):
        import_bundle(unsigned)
    with pytest.raises(BundleError, match="不一致"):
        import_bundle(stranger)
    assert file_state(tmp_path / "p.db") == before
    result = import_bundle(b2)
    assert result.trusted and result.signed
    with pytest.raises(BundleError, match="重放"):
        import_bundle(b1)
    # a signed manifest edited afterwards fails the signature
    src = members(b2)
    m = json.loads(src["manifest.json"])
    m["sequence"] = 99
    src["manifest.json"] = json.dumps(m).encode()
    with pytest.raises(keys.KeyProblem, match="签名验证失败"):
        import_bundle(rezip(src, tmp_path / "edited.pledgebook"))


def test_allow_unsigned_is_recorded(setup):
    tmp_path, pub, priv, pub_path = setup
    b = write_bundle(_out(tmp_path, "1")).path
    unsigned = rezip(members(b), tmp_path / "unsigned.pledgebook", drop_signature=True)
    again = rezip(members(write_bundle(_out(tmp_path, "2")).path), tmp_path / "unsigned2.pledgebook", drop_signature=True)
    use(make_prefecture(tmp_path / "p.db"))  # first contact: no key of this county trusted yet
    result = import_bundle(unsigned, allow_unsigned=True)
    assert result.allow_unsigned_used
    assert ImportBatch.select().where(ImportBatch.kind == "bundle-unsigned").count() == 1
    # once the county's key is trusted, an unsigned bundle is refused even with --allow-unsigned
    keys.trust(keys.read_public_key(pub_path))
    with pytest.raises(BundleError, match="加 --allow-unsigned 也不能导入"):
        import_bundle(again, allow_unsigned=True)


def test_encrypted_to_the_prefecture(setup):
    tmp_path, pub, priv, pub_path = setup
    use(make_prefecture(tmp_path / "p.db"))
    ppub, _, ppub_path = keys.init_keys(_out(tmp_path, "pref"))
    use(tmp_path / "a.db")
    sealed = write_bundle(_out(tmp_path, "1"), encrypt_to=ppub_path)
    assert sealed.encrypted
    raw = sealed.path.read_bytes()
    assert not raw.startswith(b"PK") and "云岭县".encode() not in raw
    use(tmp_path / "p.db")
    keys.trust(pub)
    assert import_bundle(sealed.path).tables["pledge"].inserted == 150
    # without the prefecture's private key it cannot be opened
    shutil.rmtree(keys.keys_dir())
    with pytest.raises(keys.KeyProblem, match="私钥"):
        import_bundle(sealed.path)
