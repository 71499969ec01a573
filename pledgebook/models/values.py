"""Value parsers shared by forms and importers (interim; the importer work replaces this)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")


def parse_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError(f"无法识别的日期「{text}」，请写成 2011-12-31")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError as exc:
        raise ValueError(f"日期「{text}」不存在，请检查年月日") from exc


_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def normalize_id_number(value: object) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().upper().replace(" ", "")
    if not text:
        return None
    if "E+" in text or "." in text:
        raise ValueError("身份证号被 Excel 转成了科学计数法，请把该列设为文本格式后重新填写")
    if re.fullmatch(r"\d{15}", text):
        text = text[:6] + "19" + text[6:]
        text += id_check_digit(text)
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise ValueError(f"身份证号「{text}」应为18位（或15位旧号码）")
    if id_check_digit(text[:17]) != text[17]:
        raise ValueError(f"身份证号「{text}」校验位不对，请核对")
    return text


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[7:] if len(value) >= 11 else value[:1] + "*" * (len(value) - 1)


def pinyin_key(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    first = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER))
    initials = "".join(i or f[:1] for i, f in zip(lazy_pinyin(text, style=Style.INITIALS, strict=False), lazy_pinyin(text)))
    full = "".join(lazy_pinyin(text))
    return " ".join(dict.fromkeys([first.lower(), initials.lower(), full.lower()]))


def pinyin_keys(texts: list[str]) -> list[str]:
    return [pinyin_key(t) for t in texts]
