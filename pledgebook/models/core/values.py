"""Value parsers shared by the TUI forms, the importers and the rules.

Pure functions: no I/O, no database, no textual/rich/typer. Every parser takes
what a person typed or what a spreadsheet cell held (str, int, float, date …),
returns a clean Python value or ``None`` for blank, and raises ``ValueError``
with a Chinese message that says what to write instead. The caller adds the
place (file, sheet, row, column or form field) to that message.

The date and deadline parsers live in :mod:`pledgebook.models.core.dates`; they are named here too, so
this module stays the one place a caller imports a parser from.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata

from pledgebook.models.core.dates import (
    MAX_YEAR,
    MIN_YEAR,
    Deadline,
    brief,
    date_to_serial,
    is_blank,
    parse_date,
    parse_deadline,
    serial_to_date,
)

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Deadline",
    "clean_text",
    "date_to_serial",
    "has_control_chars",
    "id_check_digit",
    "mask_id_number",
    "mask_phone",
    "normalize_id_number",
    "normalize_text",
    "parse_date",
    "parse_deadline",
    "parse_int",
    "parse_number",
    "serial_to_date",
]

_WS_RUN = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# zero-width characters that copy-paste from web pages and WeChat leaves behind
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


# --------------------------------------------------------------------------- text


def normalize_text(value: object) -> str:
    """NFKC, strip, collapse every whitespace run to one space. ``None`` → ''.

    Meant for names and keys (姓名, 党组织名称, codes): full-width letters,
    digits, spaces and brackets become their ASCII forms, so that 「第３支部」 and
    「第3支部」 compare equal. NFKC also turns Chinese full-width punctuation
    (，：；（）) into ASCII; for prose (承诺事项, 措施) use :func:`clean_text`.
    Whole floats print without '.0' (a cell 12.0 → '12'); dates as ISO.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, (_dt.date, _dt.datetime)):
        value = value.isoformat()
    text = str(value)
    if unicodedata.is_normalized("NFKC", text) and not _UNTIDY_NAME.search(text):
        return text.strip(" ")  # the common case, checked in C: nothing to change but the ends
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    return _WS_RUN.sub(" ", text).strip()


# what makes a name or a paragraph need more than trimming (anything else is returned as it is)
_UNTIDY_NAME = re.compile("[\u200b\u200c\u200d\u2060\ufeff]|\\s\\s|[^\\S ]|^\\s|\\s$")
_UNTIDY_PROSE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\r\n\t\u3000\xa0]"
                           "|  |^\\s|\\s$")
_SPACE_RUN = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ


def clean_text(value: object) -> str:
    """Tidy prose without touching Chinese punctuation.

    Strips, removes zero-width characters, turns full-width digits and letters
    into ASCII, collapses runs of spaces and tabs (including the ideographic
    space U+3000) into one space and keeps line breaks (at most one empty
    line in a row). ``None`` → ''.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not _UNTIDY_PROSE.search(text):
        return text.strip(" ")  # the common case: one regex search in C, nothing to tidy inside
    text = _ZERO_WIDTH.sub("", text).translate(_FULLWIDTH_ALNUM)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACE_RUN.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def has_control_chars(text: str) -> bool:
    """True when ``text`` holds a C0 or C1 control character other than tab, LF and CR."""
    return bool(_CONTROL.search(text))


# --------------------------------------------------------------------------- numbers

# longest first, so that 人次 goes before 人 and 万元 before 元
_UNITS = sorted(
    ["人次", "万元", "元", "人", "户", "票", "张", "个", "件", "起", "期", "次", "名", "项", "天", "%", "‰"],
    key=len,
    reverse=True,
)
_UNIT_TAIL = re.compile("(?:" + "|".join(re.escape(u) for u in _UNITS) + r")$")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _number_text(value: str) -> str | None:
    """Numeric text with full-width forms, spaces, grouping and a unit removed, or None."""
    text = unicodedata.normalize("NFKC", value)
    text = _WS_RUN.sub("", text)
    text = _UNIT_TAIL.sub("", text)
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    return text if _NUMBER.fullmatch(text) else None


def _label(field: str) -> str:
    return f"{field}" if field else ""


def parse_number(value: object, *, field: str = "") -> float | None:
    """A number from a cell or a form field; blank → ``None``.

    Accepts numbers stored as text, full-width digits, thousands separators
    (1,234), and a trailing unit word (12人, 3.5万元, 85%): the unit is dropped,
    the number is not scaled (85% → 85.0). Negative values are returned as
    they are; callers decide what is allowed.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{_label(field)}「{brief(value)}」不是数字，请只填数字")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = _number_text(value)
        if text is None:
            raise ValueError(f"{_label(field)}「{brief(value)}」不是数字，请只填数字（如 12 或 3.5）")
        number = float(text)
    else:
        raise ValueError(f"{_label(field)}「{brief(value)}」不是数字，请只填数字")
    if not math.isfinite(number):
        raise ValueError(f"{_label(field)}「{brief(value)}」不是有效的数字，请只填数字")
    return number


def parse_int(value: object, *, field: str = "") -> int | None:
    """A whole number from a cell or a form field; blank → ``None``.

    Like :func:`parse_number`, and a whole float (12.0, '12.0') becomes 12;
    3.5 raises ``ValueError``.
    """
    if is_blank(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = _number_text(value)
        # exact for long digit strings, which float() would round
        if text is not None and re.fullmatch(r"[+-]?\d+(?:\.0*)?", text):
            return int(text.split(".")[0])
    number = parse_number(value, field=field)
    assert number is not None
    if not number.is_integer():
        raise ValueError(f"{_label(field)}「{brief(value)}」不是整数，请填写整数")
    return int(number)


# --------------------------------------------------------------------------- ID numbers

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?E[+-]?\d+")
_EXCEL_MANGLED = "身份证号被 Excel 转成了科学计数法/末尾被改成 0，请把该列设为文本格式后重新填写"


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _valid_birth(yyyymmdd: str) -> bool:
    try:
        born = _dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return MIN_YEAR <= born.year <= MAX_YEAR


def normalize_id_number(value: object) -> str | None:
    """A 公民身份号码 checked per GB 11643, as 18 characters; blank → ``None``.

    Spaces and full-width forms are removed, a trailing x is uppercased, an
    old 15-digit number is upgraded to 18 digits (century 19 and a check
    digit). The birth date and the check digit are verified. Numbers Excel
    mangled — stored as a number of more than 15 digits, scientific notation
    text (5.30822E+17), or 18 digits ending in 000 whose check fails — raise
    ``ValueError`` telling the user to format the column as text.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"公民身份号码「{brief(value)}」无效，应为18位")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer() or abs(value) >= 1e15:
            raise ValueError(_EXCEL_MANGLED)
        value = int(value)
    if isinstance(value, int):
        # Excel keeps 15 significant digits: a longer number is already damaged
        if value < 0 or value >= 10**15:
            raise ValueError(_EXCEL_MANGLED)
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"公民身份号码「{brief(value)}」无效，应为18位")

    text = _WS_RUN.sub("", unicodedata.normalize("NFKC", value)).lstrip("'").upper()
    if _SCIENTIFIC.fullmatch(text):
        raise ValueError(_EXCEL_MANGLED)
    if re.fullmatch(r"\d{15}", text):
        if not _valid_birth("19" + text[6:12]):
            raise ValueError(f"公民身份号码「{mask_id_number(text)}」中的出生日期不存在，请核对")
        first17 = text[:6] + "19" + text[6:]
        return first17 + id_check_digit(first17)
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise ValueError(
            f"公民身份号码「{mask_id_number(text)}」应为18位（最后一位可以是 X），或旧的15位数字；现在是{len(text)}位"
        )
    check_ok = id_check_digit(text[:17]) == text[17]
    if not check_ok and text.endswith("000"):
        raise ValueError(_EXCEL_MANGLED)
    if not _valid_birth(text[6:14]):
        raise ValueError(f"公民身份号码「{mask_id_number(text)}」中的出生日期不存在，请核对")
    if not check_ok:
        raise ValueError(f"公民身份号码「{mask_id_number(text)}」校验位不对，请核对是否有数字抄错")
    return text


def mask_id_number(text: str | None) -> str:
    """'530822199001011234' → '5308**********1234' (first 4 and last 4 kept)."""
    if not text:
        return ""
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_phone(text: str | None) -> str:
    """'13812345678' → '138****5678'; other lengths keep the first 3 and last 4."""
    if not text:
        return ""
    if len(text) <= 7:
        return "*" * (len(text) - 2) + text[-2:] if len(text) > 2 else "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]
