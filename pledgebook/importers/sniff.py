"""Tell what a file really is from its bytes, and refuse what cannot be read.

Office staff rename files freely and many systems export web pages or CSV
under an .xls name, so the extension is only used in messages. Every refusal
is a :class:`FileUnreadable` with one Chinese message that names the file and
says what to do.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from pledgebook.importers.errors import FileUnreadable

# Limits for zip containers (xlsx, ods), checked against the declared sizes
# before anything is decompressed. Python's zipfile never inflates a member
# past its declared size and checks the CRC at its end, so a lying header is
# caught when the member is read.
MAX_FILE_BYTES = 200 * 1024 * 1024  # the file on disk
MAX_MEMBER_BYTES = 512 * 1024 * 1024  # one member, uncompressed
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # all members, uncompressed
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # uncompressed / compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_WEB_BYTES = 64 * 1024 * 1024  # an HTML table or Excel 2003 XML: parsed whole, in the sandbox

SAVE_AS = "请在 Excel 或 WPS 中打开它，「另存为」Excel 工作簿（.xlsx）后再导入"

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Detected:
    """``kind`` is 'xlsx' (also xlsm/xlsb), 'xls', 'ods', 'html', 'xml2003' (web-system exports) or 'text'."""

    kind: str
    size: int


def _name(path: Path) -> str:
    return f"文件「{path.name}」"


def detect(path: Path) -> Detected:
    """Look at the bytes of ``path`` and say how to read it, or raise FileUnreadable."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError:
        raise FileUnreadable(f"{_name(path)}不存在，请检查文件位置和名称。") from None
    except IsADirectoryError:
        raise FileUnreadable(f"「{path}」是文件夹，不是文件。请选择要导入的表格文件。") from None
    except PermissionError:
        raise FileUnreadable(
            f"{_name(path)}无法打开：没有读取权限，或正被其他程序（如 Excel、WPS）独占打开。请关闭该文件后重试。"
        ) from None
    except OSError as exc:
        raise FileUnreadable(f"{_name(path)}无法读取（{exc.strerror or exc}）。请把文件复制到本机后重试。") from None

    if size == 0 or not head.strip(b" \t\r\n\x00"):
        raise FileUnreadable(f"{_name(path)}是空的（没有任何内容）。请确认选对了文件，或重新复制一份完整的文件。")
    if size > MAX_FILE_BYTES:
        raise FileUnreadable(
            f"{_name(path)}太大（{size // (1024 * 1024)} MB，上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）。"
            "请按乡镇或按月份拆分成几个文件再导入。"
        )

    if head.startswith(b"PK\x03\x04"):
        return Detected(_zip_kind(path), size)
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise FileUnreadable(f"{_name(path)}是空的压缩包或不完整，不是可用的 Excel 表格。请重新保存或重新复制该文件。")
    if head.startswith(_CFB):
        return Detected(_cfb_kind(path, head), size)
    _refuse_known_non_tables(path, head)
    web = _web_kind(head)
    if web is not None:
        if size > MAX_WEB_BYTES:
            raise FileUnreadable(
                f"{_name(path)}是系统导出的网页/XML 表格，太大（{size // (1024 * 1024)} MB，上限 "
                f"{MAX_WEB_BYTES // (1024 * 1024)} MB）。请按乡镇或按月份分几次导出后再导入。"
            )
        return Detected(web, size)
    if _looks_binary(head):
        raise FileUnreadable(
            f"{_name(path)}不是 Excel、WPS 表格或 CSV 文本文件，无法识别。{SAVE_AS}，或另存为 CSV。"
        )
    return Detected("text", size)


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FileUnreadable(
            f"{_name(path)}已损坏或不完整（可能没有下载或复制完整），无法打开。请重新获取该文件后再导入。",
            detail=repr(exc),
        ) from None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if "manifest.json" in names:
        raise FileUnreadable(f"{_name(path)}是承诺台账的交接包，不是表格。请用「导入交接包」功能导入它。")
    if any(n.startswith("word/") for n in names):
        raise FileUnreadable(f"{_name(path)}是 Word 文档，不是表格。请把其中的表格复制到 Excel/WPS 表格中，保存为 .xlsx 后再导入。")
    if any(n.startswith("ppt/") for n in names):
        raise FileUnreadable(f"{_name(path)}是 PowerPoint 演示文稿，不是表格。")
    raise FileUnreadable(f"{_name(path)}是一个压缩包，不是 Excel 表格。请先解压，再导入其中的表格文件。")


def _cfb_kind(path: Path, head: bytes) -> str:
    """An OLE2 compound file: xls, or an encrypted xlsx, or a Word/PowerPoint file."""
    try:
        with path.open("rb") as handle:
            sample = handle.read(4 * 1024 * 1024)
    except OSError as exc:
        raise FileUnreadable(f"{_name(path)}无法读取（{exc.strerror or exc}）。") from None

    def has(stream: str) -> bool:
        return stream.encode("utf-16-le") in sample

    if has("EncryptedPackage") or has("EncryptionInfo"):
        raise FileUnreadable(f"{_name(path)}设置了打开密码。请在 Excel/WPS 中打开，取消密码（文件→信息→保护工作簿）后保存，再导入。")
    if has("WordDocument"):
        raise FileUnreadable(f"{_name(path)}是 Word 文档（.doc），不是表格。请把其中的表格复制到 Excel/WPS 表格中，保存为 .xlsx 后再导入。")
    if has("PowerPoint Document"):
        raise FileUnreadable(f"{_name(path)}是 PowerPoint 演示文稿，不是表格。")
    return "xls"


def _refuse_known_non_tables(path: Path, head: bytes) -> None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"\xff\xfe") or text.startswith(b"\xfe\xff"):
        text = head.decode("utf-16", errors="replace").lstrip("\ufeff \t\r\n").lower().encode("utf-8", "replace")
    if text.startswith(b"%pdf"):
        raise FileUnreadable(f"{_name(path)}是 PDF 文件，不是表格，无法导入。请使用原始的 Excel/WPS 表格文件。")
    if text.startswith(b"{\\rtf"):
        raise FileUnreadable(f"{_name(path)}是 RTF 文档，不是表格。{SAVE_AS}。")
    if b"mime-version:" in text[:2048] and b"multipart/related" in text[:4096]:
        raise FileUnreadable(f"{_name(path)}实际上是单个网页文件（MHT），不是 Excel 表格。{SAVE_AS}。")


def _web_kind(head: bytes) -> str | None:
    """'xml2003' for Excel 2003 XML (SpreadsheetML), 'html' for an HTML table, else None."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace").lstrip("\ufeff \t\r\n").lower().encode("utf-8", "replace")
    if text.startswith(b"<?xml") and (b"urn:schemas-microsoft-com:office:spreadsheet" in text
                                      or b'progid="excel.sheet"' in text):
        return "xml2003"
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<meta", b"<body", b"<style", b"<!--")) or (
        text.startswith(b"<") and (b"<html" in text or b"<table" in text)
    ):
        return "html"
    return None


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text, Excel's "Unicode text"
    if b"\x00" in head:
        # UTF-16 without a byte order mark has a NUL in every other byte
        evens, odds = head[0::2], head[1::2]
        return not (odds.count(0) > len(odds) * 0.3 or evens.count(0) > len(evens) * 0.3)
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


def check_zip(path: Path) -> None:
    """Refuse a zip bomb by its declared sizes before anything is decompressed."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FileUnreadable(
            f"{_name(path)}已损坏或不完整（可能没有下载或复制完整），无法打开。请重新获取该文件后再导入。",
            detail=repr(exc),
        ) from None
    hostile = (
        f"{_name(path)}的内部结构异常（解压后体积过大），可能是损坏或恶意构造的文件，为安全起见不予读取。"
        "请向报送单位索取正常保存的表格。"
    )
    if len(infos) > MAX_MEMBERS:
        raise FileUnreadable(hostile, detail=f"{len(infos)} members")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileUnreadable(f"{_name(path)}设置了密码。请在 Excel/WPS 中取消密码后保存，再导入。")
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise FileUnreadable(hostile, detail=f"{info.filename}: {info.file_size} bytes declared")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileUnreadable(
                hostile, detail=f"{info.filename}: ratio {info.file_size / max(info.compress_size, 1):.0f}"
            )
