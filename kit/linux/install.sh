#!/bin/sh
# Install Pledgebook from this kit alone (nothing is downloaded):
#   sh install.sh TARGET        e.g. sh install.sh ~/pledgebook  ->  TARGET/bin/pledgebook
# Needs Python 3.10 or newer with venv (PYTHON=/usr/bin/python3.11 to choose one).
set -eu
KIT="$(cd "$(dirname "$0")" && pwd)"
if [ $# -ne 1 ]; then
  echo "用法：sh install.sh 安装位置（例如 sh install.sh ~/pledgebook）" >&2
  exit 2
fi
TARGET="$1"
PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "找不到 $PY。请先安装 Python 3.10 或更新版本（含 venv），或用 PYTHON=路径 指定。" >&2
  exit 2
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "$("$PY" -V 2>&1) 太旧：需要 Python 3.10 或更新版本。" >&2
  exit 2
fi
if ! "$PY" -m venv "$TARGET"; then
  echo "无法在「$TARGET」建立虚拟环境。请安装 python3-venv（或同名软件包），并检查该位置可写。" >&2
  exit 2
fi
# only this kit's wheelhouse: no index, and no pip configuration of this machine
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$TARGET/bin/python" -m pip install --quiet --no-index --find-links "$KIT/wheelhouse" \
    -c "$KIT/constraints.txt" pledgebook; then
  echo "安装失败：本套件的 wheelhouse 中没有适合 $("$PY" -V 2>&1) 的全部文件（见 安装说明.txt 支持的版本）。" >&2
  exit 2
fi
# isal (faster bundles) where this kit has a wheel for this Python; without it zlib does the same job
"$TARGET/bin/python" -m pip install --quiet --no-index --find-links "$KIT/wheelhouse" \
    -c "$KIT/constraints.txt" isal 2>/dev/null || echo "（未安装 isal：数据包压缩改用 zlib，稍慢。）"
echo "已安装到 $TARGET。运行：$TARGET/bin/pledgebook"
"$TARGET/bin/pledgebook" --version
