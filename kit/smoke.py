#!/usr/bin/env python3
"""Prove the kits work as an office would use them: ``python kit/smoke.py`` (``./check --kit`` runs it).

Linux: builds the kit, installs it into a fresh folder with ``install.sh`` inside ``unshare -rn`` (no
network at all) where the kernel allows, and runs from it, also without a network: ``--version``,
``demo``, ``import`` of a template workbook and of a CSV, ``export bundle`` and ``verify``.

Windows: builds the kit and runs the same commands through ``pledgebook.cmd`` under Wine (installed with
apt-get when it is missing and this is root; otherwise skipped with a note), except the xlsx import:
python-calamine's DLL does not load under Wine 8, a Wine limit. Every command's exit code is checked, as
a scheduled task would see it.

Nothing here touches the user's own data: HOME and the XDG folders point into a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "kit"))

import build  # noqa: E402  (kit/build.py, beside this file)

CSV = "党组织名称,组织类别,上级党组织,所属乡镇,所属领域,组织代码\r\n试点村党支部,党支部,中共鱼塘镇委员会,鱼塘镇,农村,\r\n"


class SmokeError(Exception):
    pass


def log(text: str) -> None:
    print(text, flush=True)


def no_network_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn"]
    return []


def run(command: list[str], *, env: dict[str, str], cwd: Path, expect: int = 0, label: str) -> str:
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=600)
    out = result.stdout.decode("utf-8", "replace")
    took = time.monotonic() - started
    if result.returncode != expect:
        raise SmokeError(f"{label}：退出码 {result.returncode}（应为 {expect}）\n{out[-3000:]}")
    first = next((line for line in out.splitlines() if line.strip()), "")
    log(f"  ok  {label}（{took:.1f} 秒，退出码 {result.returncode}）{first[:100]}")
    return out


def commands(kit_cli: list[str], work: Path, env: dict[str, str], *, db: str, folder: str,
             xlsx: bool) -> None:
    """The office's commands, in order, from an installed kit; the bundle goes to ``folder`` (exists)."""
    (work / "党组织.csv").write_text(CSV, encoding="gbk")  # "CSV (逗号分隔)" from Chinese Excel
    out = run([*kit_cli, "--version"], env=env, cwd=work, label="--version")
    if build.version() not in out:
        raise SmokeError(f"--version 显示的不是 {build.version()}：{out}")
    run([*kit_cli, "--db", db, "demo", "--scale", "1000"], env=env, cwd=work, label="demo")
    run([*kit_cli, "--db", db, "template", "orgs", "-o", "模板.xlsx"], env=env, cwd=work, label="template")
    if xlsx:
        run([*kit_cli, "--db", db, "import", "模板.xlsx"], env=env, cwd=work, label="import 模板.xlsx")
    else:
        # python-calamine's DLL does not load under Wine 8 (a Wine limit; on Windows it does): the import
        # is not counted, but its message must blame the parser, not the file
        result = subprocess.run([*kit_cli, "--db", db, "import", "模板.xlsx"], env=env, cwd=work,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        said = result.stdout.decode("utf-8", "replace").replace("\n", "")
        if result.returncode not in (0, 2) or (result.returncode == 2 and "无法启动表格解析子进程" not in said):
            raise SmokeError(f"import 模板.xlsx 在 Wine 中：退出码 {result.returncode}，{said[-500:]}")
        log("  跳过 import 模板.xlsx：python-calamine 的 DLL 在 Wine 8 中无法加载（Wine 的限制，Windows 上正常）；"
            f"退出码 {result.returncode}，提示：{said.strip()[:60]}…")
    out = run([*kit_cli, "--db", db, "import", "党组织.csv", "--json"], env=env, cwd=work, label="import 党组织.csv")
    summary = json.loads(out[out.index("{"):])
    if summary["files"][0]["added"] != 1:
        raise SmokeError(f"CSV 导入应新增 1 个党组织：{summary['files'][0]}")
    out = run([*kit_cli, "--db", db, "export", "bundle", "--to", folder, "--json"], env=env, cwd=work,
              label="export bundle")
    written = json.loads(out[out.index("{"):])
    if not written["verified"]:  # Linux: the cache dropped; Windows (Wine too): FILE_FLAG_NO_BUFFERING
        raise SmokeError("export bundle：读回校验没有直接从磁盘读取（verified 为 false）")
    log("      读回校验直接读自磁盘（verified: true）")
    bundle = written["path"]  # as the program names it (Z:\\… under Wine)
    run([*kit_cli, "--db", db, "verify", bundle], env=env, cwd=work, label="verify")
    run([*kit_cli, "verify", "没有这个文件.pledgebook"], env=env, cwd=work, expect=2, label="verify（缺文件，退出码 2）")


def private_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PLEDGEBOOK_", "VIRTUAL_ENV", "PYTHON"))}
    home = work / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"), LC_ALL="C.UTF-8")
    return env


def smoke_linux(out: Path, cache: Path, work: Path) -> None:
    log("== Linux 套件：构建")
    if build.main(["--linux", "--out", str(out), "--cache", str(cache)]) != 0:
        raise SmokeError("Linux 套件构建失败")
    kit = out / f"{build.NAME}-{build.version()}-linux-x64"
    env = private_env(work)
    offline = no_network_prefix()
    note = "unshare -rn：没有网络" if offline else "本机不允许 unshare -rn，改为只用 --no-index（wheelhouse）"
    log(f"== Linux 套件：离线安装（{note}）")
    target = work / "安装位置"
    out_text = run([*offline, "sh", str(kit / "install.sh"), str(target)], env=env, cwd=work, label="install.sh")
    for line in out_text.strip().splitlines():
        log("      " + line)
    log("== Linux 套件：运行")
    (work / "out").mkdir()
    commands([*offline, str(target / "bin" / "pledgebook")], work, env, db="台账.db", folder="out", xlsx=True)


def tool(name: str, packages: list[str]) -> str | None:
    """The program ``name``, installed with apt-get when it is missing and this is root; None if it cannot be."""
    found = shutil.which(name)
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    log(f"  本机没有 {name}：apt-get install {' '.join(packages)} …")
    started = time.monotonic()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]):
        if subprocess.run(step, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode != 0:
            log(f"  apt-get 未能安装 {name}")
            return None
    log(f"  {name} 已安装（用时 {time.monotonic() - started:.0f} 秒）")
    return shutil.which(name)


def smoke_windows(out: Path, cache: Path, work: Path) -> None:
    log("== Windows 套件：构建")
    if tool("osslsigncode", ["osslsigncode"]) is None:
        log("== Windows 套件：跳过：没有 osslsigncode，无法检查 python.exe 的签名（apt-get install osslsigncode）")
        return
    if build.main(["--windows", "--out", str(out), "--cache", str(cache)]) != 0:
        raise SmokeError("Windows 套件构建失败")
    wine = tool("wine", ["wine", "wine64"])
    if wine is None:
        log("== Windows 套件：跳过 Wine 运行：本机没有 Wine，也无法用 apt-get 安装（需要 root）")
        return
    kit = out / f"{build.NAME}-{build.version()}-windows-x64"
    copy = work / kit.name  # as an office copies it from the stick
    shutil.copytree(kit, copy)
    env = private_env(work)
    env.update(WINEPREFIX=str(work / "wineprefix"), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
    log("== Windows 套件：在 Wine 中运行 pledgebook.cmd")
    cli = [wine, "cmd", "/c", "pledgebook.cmd"]
    (work / "out").mkdir()
    commands(cli, copy, env, db="Z:" + str(work / "台账.db").replace("/", "\\"),
             folder="Z:" + str(work / "out").replace("/", "\\") + "\\", xlsx=False)
    subprocess.run([shutil.which("wineserver") or "wineserver", "-k"], env=env, capture_output=True)


def main(argv: list[str]) -> int:
    started = time.monotonic()
    only = set(argv) & {"--linux", "--windows"} or {"--linux", "--windows"}
    out = ROOT / "dist"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pledgebook-kit"
    try:
        with tempfile.TemporaryDirectory(prefix="pledgebook-smoke-") as tmp:
            if "--linux" in only:
                (Path(tmp) / "linux").mkdir()
                smoke_linux(out, cache, Path(tmp) / "linux")
            if "--windows" in only:
                (Path(tmp) / "windows").mkdir()
                smoke_windows(out, cache, Path(tmp) / "windows")
    except SmokeError as exc:
        print(f"套件检查失败：{exc}", file=sys.stderr)
        return 1
    log(f"套件检查通过，用时 {time.monotonic() - started:.0f} 秒。")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
