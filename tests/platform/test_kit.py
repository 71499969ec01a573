"""The offline kits' parts that can be checked without building them (./check --kit builds and runs them)."""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "kit"))
import build  # noqa: E402  (kit/build.py)

LOCK = ROOT / "kit" / "constraints.txt"


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.split(";")[0].strip()
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_tests_run_with_the_versions_the_kits_ship():
    """Every locked package installed here has its locked version (./check installs with -c the lock)."""
    pins = _pins()
    wrong = {}
    for dist in metadata.distributions():
        name = _norm(dist.metadata["Name"])
        if name in pins and dist.version != pins[name]:
            wrong[name] = (dist.version, pins[name])
    assert not wrong, f"installed ≠ kit/constraints.txt (run the tests, then python kit/build.py --lock): {wrong}"


def test_every_package_the_program_needs_is_pinned():
    """pledgebook's requirements, and theirs, as they apply here and on Windows, are all in the lock."""
    from packaging.requirements import Requirement

    pins = _pins()
    targets = [{"extra": "fast"}, {"extra": "fast", **build.SYSTEMS["win_amd64"]}]
    seen, todo = set(), ["pledgebook"]
    while todo:
        for text in metadata.requires(todo.pop()) or []:
            req = Requirement(text)
            if req.marker is not None and not any(req.marker.evaluate(env) for env in targets):
                continue
            dep = _norm(req.name)
            if dep in seen:
                continue
            seen.add(dep)
            try:
                metadata.version(dep)
                todo.append(dep)
            except metadata.PackageNotFoundError:
                pass  # a platform's package (colorama on Windows): pinned all the same
    assert seen - set(pins) == set(), "not pinned in kit/constraints.txt"
    assert {"colorama", "isal", "textual"} <= seen


def test_isal_cannot_break_an_install():
    """No marker tells a 32-bit Python on 64-bit Windows (platform_machine AMD64): isal is an extra."""
    hard = [r for r in metadata.requires("pledgebook") or [] if "extra ==" not in r]
    assert not [r for r in hard if r.lower().startswith("isal")]
    assert any(r.startswith("isal") and re.search(r"extra == ['\"]fast['\"]", r) for r in metadata.requires("pledgebook"))
    assert not [r for r in hard if "platform_machine" in r]


def test_the_lock_is_read_for_the_target_not_for_this_machine(tmp_path, monkeypatch):
    lock = tmp_path / "constraints.txt"
    lock.write_text('# pins\ntextual==8.2.8\nfoo==1.0; python_version < "3.12"  # old\n'
                    'bar==2.0; sys_platform == "win32"\n', encoding="utf-8")
    monkeypatch.setattr(build, "LOCK", lock)
    monkeypatch.setattr(build, "LOCKS", tmp_path)
    win = build.target_lock("win_amd64", "3.13").read_text().split()
    linux = build.target_lock(build.LINUX_PLATFORM, "3.11").read_text().split()
    assert win == ["textual==8.2.8", "bar==2.0"]
    assert linux == ["textual==8.2.8", "foo==1.0"]


def _fake_osslsigncode(tmp_path, monkeypatch, subject: str, digest_ok: bool = True) -> Path:
    tool = tmp_path / "bin" / "osslsigncode"
    tool.parent.mkdir()
    current = "AB" * 32
    calculated = current if digest_ok else "CD" * 32
    tool.write_text(f"""#!/bin/sh
cat <<'OUT'
Message digest algorithm  : SHA256
Current message digest    : {current}
Calculated message digest : {calculated}

Signer's certificate:
	------------------
	Signer #0:
		Subject: {subject}
		Issuer : /C=US/O=Microsoft Corporation/CN=Microsoft ID Verified CS AOC CA 02
OUT
exit 1
""")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    exe = tmp_path / "python.exe"
    exe.write_bytes(b"MZ")
    return exe


def test_the_embeddable_python_must_be_signed_by_the_psf(tmp_path, monkeypatch):
    exe = _fake_osslsigncode(tmp_path, monkeypatch, "/C=US/ST=Oregon/O=Python Software Foundation/CN=Python Software Foundation")
    said = build.check_signature(exe)
    assert "签名者 Python Software Foundation" in said and "未验证到根" in said


def test_another_signer_stops_the_build(tmp_path, monkeypatch):
    exe = _fake_osslsigncode(tmp_path, monkeypatch, "/C=CN/O=Someone Else/CN=Someone Else")
    with pytest.raises(build.BuildError, match="签名者不是 Python Software Foundation"):
        build.check_signature(exe)


def test_a_changed_file_stops_the_build(tmp_path, monkeypatch):
    exe = _fake_osslsigncode(tmp_path, monkeypatch, "/O=Python Software Foundation/CN=x", digest_ok=False)
    with pytest.raises(build.BuildError, match="与其签名不符"):
        build.check_signature(exe)


def test_the_pth_enables_site_and_site_packages():
    lines = build.PTH.format(zip="python313.zip").split("\r\n")
    assert lines[:3] == ["python313.zip", ".", "Lib\\site-packages"] and "import site" in lines


def test_the_launchers_are_ascii_with_windows_line_ends(tmp_path):
    for launcher in (ROOT / "kit" / "windows").glob("*.cmd"):
        assert launcher.read_bytes().isascii(), f"{launcher.name}: cmd.exe reads it in the OEM code page"
        out = tmp_path / launcher.name
        build._copy_crlf(launcher, out, encoding="ascii")
        data = out.read_bytes()
        assert data.count(b"\r\n") == data.count(b"\n") > 5
    text = (ROOT / "kit" / "windows" / "承诺台账.cmd").read_text()
    assert "wt.exe" in text and "WT_SESSION" in text
    assert "exit /b %ERRORLEVEL%" in (ROOT / "kit" / "windows" / "pledgebook.cmd").read_text()


def test_the_instructions_say_what_an_office_needs():
    text = (ROOT / "kit" / "windows" / "安装说明.txt").read_text(encoding="utf-8")
    for needed in ("承诺台账.cmd", "schtasks /Create", "/SC MONTHLY", "%LOCALAPPDATA%\\pledgebook",
                   "升级", "备份", "[Console]::OutputEncoding", "Windows Terminal"):
        assert needed in text, needed


def test_sha256sums_check_with_sha256sum(tmp_path):
    kit = tmp_path / "承诺台账-0.1.0-linux-x64"
    (kit / "wheelhouse").mkdir(parents=True)
    (kit / "wheelhouse" / "a.whl").write_bytes(b"wheel")
    (kit / "安装说明.txt").write_text("说明", encoding="utf-8")
    build.write_sums(kit)
    lines = (kit / "SHA256SUMS").read_text().splitlines()
    assert f"{hashlib.sha256(b'wheel').hexdigest()}  wheelhouse/a.whl" in lines
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=kit).returncode == 0


def test_install_sh_without_a_target_says_how(tmp_path):
    result = subprocess.run(["sh", str(ROOT / "kit" / "linux" / "install.sh")], capture_output=True, text=True)
    assert result.returncode == 2 and "用法：sh install.sh 安装位置" in result.stderr


def test_install_sh_refuses_an_old_python(tmp_path):
    old = tmp_path / "python3.8"
    old.write_text("#!/bin/sh\n[ \"$1\" = -V ] && echo 'Python 3.8.10' && exit 0\nexit 1\n")
    old.chmod(0o755)
    result = subprocess.run(["sh", str(ROOT / "kit" / "linux" / "install.sh"), str(tmp_path / "t")],
                            capture_output=True, text=True, env={**os.environ, "PYTHON": str(old)})
    assert result.returncode == 2 and "Python 3.8.10 太旧" in result.stderr
    assert not (tmp_path / "t").exists()
