"""Value parsers shared by the TUI forms, the importers and the rules.

Pure functions: no I/O, no database, no textual/rich/typer. Every parser takes
what a person typed or what a spreadsheet cell held (str, int, float, date …),
returns a clean Python value or ``None`` for blank, and raises ``ValueError``
with a Chinese message that says what to write instead. The caller adds the
place (file, sheet, row, column or form field) to that message.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
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

MIN_YEAR = 1900
MAX_YEAR = 2100

_WS_RUN = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# zero-width characters that copy-paste from web pages and WeChat leaves behind
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: object) -> str:
    """The value as it may appear inside 「…」 in a message: short, one line."""
    text = str(value).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= 40 else text[:40] + "…"


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


# --------------------------------------------------------------------------- dates

_EPOCH_1900 = _dt.date(1899, 12, 30)  # serial 61 == 1900-03-01 counted from here
_EPOCH_1904 = _dt.date(1904, 1, 1)

_TIME_TAIL = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_DATE_PATTERNS = (
    # 2011-12-31  2011/12/31  2011.12.31  2011年12月31日
    re.compile(r"(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})(?:[-/.]|月)(?P<d>\d{1,2})(?:日|号)?"),
    # 2011年12月  2011-12  2011.12  2011/12
    re.compile(r"(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})月?"),
    # 20111231
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
    # 201112
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})"),
)
_SERIAL_TEXT = re.compile(r"\d{1,5}(?:\.\d+)?")


def _date_error(value: object) -> ValueError:
    return ValueError(f"无法识别的日期「{_show(value)}」，请写成 2011-12-31")


def serial_to_date(serial: float, *, date1904: bool = False) -> _dt.date:
    """Excel serial number → date (the time of day, if any, is dropped).

    The 1900 system counts 1900-01-01 as 1 and keeps Lotus' fake leap day
    1900-02-29 as 60, which has no date and raises ``ValueError``.
    """
    if isinstance(serial, bool) or not isinstance(serial, (int, float)) or not math.isfinite(serial):
        raise _date_error(serial)
    days = int(math.floor(serial))
    if date1904:
        if days < 0:
            raise _date_error(serial)
        result = _EPOCH_1904 + _dt.timedelta(days=days)
    else:
        if days < 1:
            raise _date_error(serial)
        if days == 60:
            raise ValueError(f"日期序号「{_show(serial)}」是 Excel 虚构的 1900-02-29，不是真实日期，请改写成 2011-12-31 这样的日期")
        # before the fake leap day the offset is one day less
        result = _EPOCH_1900 + _dt.timedelta(days=days + 1 if days < 60 else days)
    return _check_range(result, serial)


def date_to_serial(day: _dt.date, *, date1904: bool = False) -> int:
    """Date → Excel serial number (inverse of :func:`serial_to_date`)."""
    if isinstance(day, _dt.datetime):
        day = day.date()
    if date1904:
        return (day - _EPOCH_1904).days
    days = (day - _EPOCH_1900).days
    return days - 1 if days <= 60 else days


def _check_range(day: _dt.date, original: object) -> _dt.date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"日期「{_show(original)}」不在 {MIN_YEAR}—{MAX_YEAR} 年之间，请核对后写成 2011-12-31 这样的日期")
    return day


def parse_date(value: object, *, date1904: bool = False) -> _dt.date | None:
    """A date from a cell or a form field; blank → ``None``.

    Accepts date/datetime objects; text such as 2011-12-31, 2011/12/31,
    2011.12.31, 2011年12月31日, 20111231, with or without a time after it;
    a month alone (2011年12月, 2011-12, 201112) meaning its first day;
    full-width digits; and Excel serial numbers (as numbers or numeric text,
    1900 system by default, ``date1904=True`` for the Mac 1904 system).
    Raises ``ValueError`` (Chinese message) for anything else, for a date that
    does not exist (2011-02-30) and for years outside 1900–2100.
    """
    if _is_blank(value):
        return None
    if isinstance(value, _dt.datetime):
        return _check_range(value.date(), value)
    if isinstance(value, _dt.date):
        return _check_range(value, value)
    if isinstance(value, bool):
        raise _date_error(value)
    if isinstance(value, (int, float)):
        return serial_to_date(value, date1904=date1904)
    if not isinstance(value, str):
        raise _date_error(value)

    text = unicodedata.normalize("NFKC", value).strip()
    text = _TIME_TAIL.sub("", text)
    text = _WS_RUN.sub("", text)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        # a month alone must be a month; a full date with a bad month is reported below
        if "d" in parts or 1 <= int(parts["m"]) <= 12:
            year, month = int(parts["y"]), int(parts["m"])
            day = int(parts.get("d") or 1)
            try:
                result = _dt.date(year, month, day)
            except ValueError:
                raise ValueError(
                    f"日期「{_show(value)}」不存在（{year}年没有{month}月{day}日），请核对后写成 2011-12-31 这样的日期"
                ) from None
            return _check_range(result, value)
    # a serial number as text (40908); after the patterns, so 2011.12 is a month
    if _SERIAL_TEXT.fullmatch(text):
        return serial_to_date(float(text), date1904=date1904)
    raise _date_error(value)


# --------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Deadline:
    """A 完成时限 as a clerk wrote it: a due date, or a term instead of a date.

    ``due`` is the date (None for a term or blank); ``term`` is 'immediate' or 'annual' when the
    words set the pledge's term (即时, 长期); ``reading`` says how words or a month alone were
    read ('「年底前」→ 2011-12-31'), None when the cell was a plain date.
    """

    due: _dt.date | None = None
    term: str | None = None
    reading: str | None = None


def _month_end(year: int, month: int) -> _dt.date:
    if month == 12:
        return _dt.date(year, 12, 31)
    return _dt.date(year, month + 1, 1) - _dt.timedelta(days=1)


_TERM_WORDS = {
    "即时": "immediate", "立即": "immediate", "即办": "immediate", "马上": "immediate", "随时": "immediate",
    "即时办结": "immediate", "立即办理": "immediate", "立行立改": "immediate",
    "长期": "annual", "长期坚持": "annual", "常年": "annual", "长期坚持。": "annual", "持续": "annual",
    "长期有效": "annual", "长期开展": "annual", "常态化": "annual", "长效": "annual", "持续推进": "annual",
    "每月": "annual", "每季度": "annual", "每年": "annual", "及时": "immediate", "及时办结": "immediate",
}
_DAY_NO_YEAR = re.compile(r"(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号](?:以?前|之前)?(?:完成)?")
_TERM_LABEL = {"immediate": "即时承诺（无具体完成日期）", "annual": "年度承诺（无具体完成日期）"}
# period words → (month, day) of the period's end
_PERIODS = {
    "年底": (12, 31), "年末": (12, 31), "年内": (12, 31), "年终": (12, 31), "全年": (12, 31), "年度内": (12, 31),
    "本年度": (12, 31), "本年": (12, 31), "当年": (12, 31), "年前": (12, 31),
    "上半年": (6, 30), "年中": (6, 30), "下半年": (12, 31),
    "一季度": (3, 31), "二季度": (6, 30), "三季度": (9, 30), "四季度": (12, 31),
    "1季度": (3, 31), "2季度": (6, 30), "3季度": (9, 30), "4季度": (12, 31),
}
_PERIOD_TEXT = re.compile(
    r"(?:(?P<y>\d{4})年?)?(?:(?:本|今|当)年?)?(?:第)?(?P<p>" + "|".join(sorted(map(re.escape, _PERIODS), key=len, reverse=True))
    + r")(?:度)?(?:底|末)?(?:以?前|之前|内)?(?:完成|办结|兑现|落实)?"
)
_MONTH_END_TEXT = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?:份)?(?:底|末|中旬|下旬)?(?:以?前|之前|内)?(?:完成|办结)?")
_MONTH_ONLY = re.compile(r"(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})月?(?:份)?(?:底|末)?(?:以?前|之前)?|(?P<y2>\d{4})(?P<m2>\d{2})")


def parse_deadline(value: object, year: int | None, *, date1904: bool = False) -> Deadline:
    """A deadline (完成时限) as clerks write it; blank → ``Deadline()``.

    A full date as :func:`parse_date`. A month alone (2011年12月, 2011.12, 2011-12, 201112) is
    the last day of that month. Periods in the import's ``year``: 年底 / 年底前 / 年内 → 12-31,
    上半年 → 06-30, 下半年 → 12-31, 一季度 … 第四季度 → the quarter's last day, 12月底 / 12月前 →
    the month's last day (a year written before them wins). 即时 / 立即 set the term 即时 and
    长期 / 常年 the term 年度, with no date. A number Excel made of 2011.12 (2011.12) is read as
    that month; 2011.1 (January or October?) raises. Raises ``ValueError`` (Chinese) otherwise.
    """
    if _is_blank(value):
        return Deadline()
    if isinstance(value, float) and not isinstance(value, bool) and 1900 < value < 2101 and not value.is_integer():
        return _excel_month(value)
    if not isinstance(value, str):
        return Deadline(parse_date(value, date1904=date1904))
    text = _WS_RUN.sub("", unicodedata.normalize("NFKC", value)).strip("。.，,；;")
    shown = _show(value.strip())
    term = _TERM_WORDS.get(text)
    if term is not None:
        return Deadline(None, term, f"「{shown}」→ {_TERM_LABEL[term]}")
    month = _MONTH_ONLY.fullmatch(text)
    if month is not None:
        y, m = int(month.group("y") or month.group("y2")), int(month.group("m") or month.group("m2"))
        if 1 <= m <= 12:
            due = _check_range(_month_end(y, m), value)
            return Deadline(due, None, f"「{shown}」→ {due.isoformat()}")
    try:
        return Deadline(parse_date(value, date1904=date1904))
    except ValueError as exc:
        failure = exc
    period = _PERIOD_TEXT.fullmatch(text)
    if period is not None:
        y = int(period.group("y")) if period.group("y") else year
        if y is None:
            raise ValueError(f"「{shown}」没有写明年份，请写成 2011-12-31 这样的日期")
        m, d = _PERIODS[period.group("p")]
        due = _check_range(_dt.date(y, m, d), value)
        return Deadline(due, None, f"「{shown}」→ {due.isoformat()}")
    day = _DAY_NO_YEAR.fullmatch(text)
    if day is not None and year is not None:
        try:
            due = _check_range(_dt.date(year, int(day.group("m")), int(day.group("d"))), value)
        except ValueError:
            raise ValueError(f"完成时限「{shown}」不存在，请核对后写成 2011-12-31 这样的日期") from None
        return Deadline(due, None, f"「{shown}」→ {due.isoformat()}")
    month_end = _MONTH_END_TEXT.fullmatch(text)
    if month_end is not None and 1 <= int(month_end.group("m")) <= 12:
        y = int(month_end.group("y")) if month_end.group("y") else year
        if y is None:
            raise ValueError(f"「{shown}」没有写明年份，请写成 2011-12-31 这样的日期")
        due = _check_range(_month_end(y, int(month_end.group("m"))), value)
        return Deadline(due, None, f"「{shown}」→ {due.isoformat()}")
    raise ValueError(f"无法识别的完成时限「{shown}」，请写成 2011-12-31、2011年12月、年底前、上半年、即时 或 长期") from failure


def _excel_month(value: float) -> Deadline:
    """2011.12 typed into a number cell: Excel keeps the number, so 2011.10 arrives as 2011.1."""
    text = repr(value)
    year_text, _, fraction = text.partition(".")
    if len(fraction) == 1 and fraction == "1":
        raise ValueError(f"完成时限「{text}」是 2011年1月 还是 2011年10月？Excel 把 2011.10 存成了 2011.1，"
                         "请写成 2011-10-31 这样的日期，或把该列设为文本格式")
    month = int(fraction) if len(fraction) == 2 else int(fraction) if len(fraction) == 1 else 0
    if not 1 <= month <= 12:
        raise _date_error(value)
    due = _month_end(int(year_text), month)
    return Deadline(due, None, f"「{text}」→ {due.isoformat()}")


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
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{_label(field)}「{_show(value)}」不是数字，请只填数字")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = _number_text(value)
        if text is None:
            raise ValueError(f"{_label(field)}「{_show(value)}」不是数字，请只填数字（如 12 或 3.5）")
        number = float(text)
    else:
        raise ValueError(f"{_label(field)}「{_show(value)}」不是数字，请只填数字")
    if not math.isfinite(number):
        raise ValueError(f"{_label(field)}「{_show(value)}」不是有效的数字，请只填数字")
    return number


def parse_int(value: object, *, field: str = "") -> int | None:
    """A whole number from a cell or a form field; blank → ``None``.

    Like :func:`parse_number`, and a whole float (12.0, '12.0') becomes 12;
    3.5 raises ``ValueError``.
    """
    if _is_blank(value):
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
        raise ValueError(f"{_label(field)}「{_show(value)}」不是整数，请填写整数")
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
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"公民身份号码「{_show(value)}」无效，应为18位")
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
        raise ValueError(f"公民身份号码「{_show(value)}」无效，应为18位")

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
