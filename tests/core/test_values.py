"""pledgebook.models.core.values: the parsers every face shares."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledgebook.models.core.values import (
    clean_text,
    date_to_serial,
    has_control_chars,
    id_check_digit,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_text,
    parse_date,
    parse_int,
    parse_number,
    serial_to_date,
)

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# ----------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text",
    ["2011-12-31", "2011/12/31", "2011.12.31", "2011年12月31日", "20111231", " 2011 年 12 月 31 日 ",
     "２０１１－１２－３１", "2011-12-31 00:00:00", "2011/12/31 8:30", "2011-12-31T08:30:00", "40908", "40908.75"],
)
def test_parse_date_text_forms(text):
    assert parse_date(text) == dt.date(2011, 12, 31)


@pytest.mark.parametrize("text", ["2011年12月", "2011-12", "2011.12", "201112", "2011/12"])
def test_parse_date_month_means_first_day(text):
    assert parse_date(text) == dt.date(2011, 12, 1)


def test_parse_date_objects_and_blank():
    assert parse_date(dt.date(2011, 12, 31)) == dt.date(2011, 12, 31)
    assert parse_date(dt.datetime(2011, 12, 31, 23, 59)) == dt.date(2011, 12, 31)
    assert parse_date(None) is None
    assert parse_date("  ") is None
    assert parse_date("") is None


def test_parse_date_serials_1900_and_1904():
    assert parse_date(40908) == dt.date(2011, 12, 31)
    assert parse_date(40908.5) == dt.date(2011, 12, 31)
    assert parse_date(1) == dt.date(1900, 1, 1)
    assert parse_date(59) == dt.date(1900, 2, 28)
    assert parse_date(61) == dt.date(1900, 3, 1)
    assert parse_date(39446, date1904=True) == dt.date(2011, 12, 31)
    assert parse_date("39446", date1904=True) == dt.date(2011, 12, 31)
    with pytest.raises(ValueError, match="1900-02-29"):
        parse_date(60)


@pytest.mark.parametrize("bad", ["2011-02-30", "2011-13-01", "abc", "11-12-31", "2011年", "1899-12-31",
                                 "2101-01-01", 0, -5, 99999, True, float("nan"), "2011-12-31-1"])
def test_parse_date_rejects_with_chinese_message(bad):
    with pytest.raises(ValueError) as info:
        parse_date(bad)
    assert "日期" in str(info.value)


def test_parse_date_impossible_date_message():
    with pytest.raises(ValueError, match="不存在"):
        parse_date("2011-02-30")
    with pytest.raises(ValueError, match="无法识别的日期「abc」，请写成 2011-12-31"):
        parse_date("abc")


DATES = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31))
RENDERINGS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: d.isoformat().translate(FULLWIDTH),
    lambda d: dt.datetime(d.year, d.month, d.day, 13, 5),
    lambda d: str(date_to_serial(d)),
    lambda d: date_to_serial(d) + 0.25,
]


@given(DATES, st.sampled_from(range(len(RENDERINGS))))
def test_parse_date_round_trips_every_format(day, which):
    assert parse_date(RENDERINGS[which](day)) == day


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)), st.booleans())
def test_serial_round_trip(day, date1904):
    if date1904 and day < dt.date(1904, 1, 1):
        return
    assert serial_to_date(date_to_serial(day, date1904=date1904), date1904=date1904) == day


def test_serial_known_values():
    # values Excel itself shows
    assert date_to_serial(dt.date(1900, 1, 1)) == 1
    assert date_to_serial(dt.date(1900, 3, 1)) == 61
    assert date_to_serial(dt.date(2011, 12, 31)) == 40908
    assert date_to_serial(dt.date(2011, 12, 31), date1904=True) == 39446


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 1)))
def test_parse_date_month_forms_round_trip(day):
    assert parse_date(f"{day.year}年{day.month}月") == day.replace(day=1)
    assert parse_date(f"{day.year}-{day.month:02d}") == day.replace(day=1)


# ----------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "value, expected",
    [("12", 12), ("１２", 12), (" 12 ", 12), ("12人", 12), ("12 人次", 12), ("1,234", 1234), ("1，234", 1234),
     (12.0, 12), ("12.0", 12), (7, 7), ("-3", -3), ("3户", 3), ("5票", 5), ("123456789012345678", 123456789012345678),
     (None, None), ("", None), ("   ", None)],
)
def test_parse_int(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize("bad", ["abc", "3.5", 3.5, "1,2", "12元5", True, "一百", "12人人", "nan", "inf"])
def test_parse_int_rejects(bad):
    with pytest.raises(ValueError) as info:
        parse_int(bad, field="发放票数")
    assert "发放票数" in str(info.value)


@pytest.mark.parametrize(
    "value, expected",
    [("3.5万元", 3.5), ("85%", 85.0), ("８５．５％", 85.5), ("1,234.5", 1234.5), (2, 2.0), (".5", 0.5), ("1e3", 1000.0),
     (None, None), ("", None)],
)
def test_parse_number(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize("bad", ["x", "3.5.1", float("inf"), float("nan"), "--1", True])
def test_parse_number_rejects(bad):
    with pytest.raises(ValueError, match="数字"):
        parse_number(bad)


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["", "人", "户", "票", "人次", "个"]),
       st.booleans(), st.booleans())
def test_parse_int_round_trip(number, unit, grouped, fullwidth):
    text = f"{number:,}" if grouped else str(number)
    text += unit
    if fullwidth:
        text = text.translate(FULLWIDTH)
    assert parse_int(text) == number
    assert parse_int(float(number)) == number


# ----------------------------------------------------------------- ID numbers

VALID = "11010519491231002X"  # the GB 11643 standard's own example


def test_id_standard_example():
    assert id_check_digit(VALID[:17]) == "X"
    assert normalize_id_number(VALID) == VALID
    assert normalize_id_number(VALID.lower()) == VALID
    assert normalize_id_number(" 110105 19491231 002x ") == VALID
    assert normalize_id_number("'" + VALID) == VALID
    assert normalize_id_number(VALID.translate(FULLWIDTH).replace("X", "Ｘ")) == VALID
    assert normalize_id_number(None) is None
    assert normalize_id_number("  ") is None


@pytest.mark.parametrize("mangled", [5.30822199001011e17, "5.30822e+17", "5.30822199001011E+17",
                                     530822199001011234, "530822199001011000"])
def test_id_excel_mangled(mangled):
    with pytest.raises(ValueError, match="科学计数法"):
        normalize_id_number(mangled)


@pytest.mark.parametrize("bad, why", [("11010519491231002", "18位"), ("110105194912310021", "校验位"),
                                      ("110105194902300028", "出生日期"), ("abc", "18位"), ("110105490230002", "出生日期")])
def test_id_rejects(bad, why):
    with pytest.raises(ValueError, match=why):
        normalize_id_number(bad)


def test_id_message_masks_the_number():
    with pytest.raises(ValueError) as info:
        normalize_id_number("110105194912310021")
    assert "110105194912310021" not in str(info.value)
    assert "1101**********0021" in str(info.value)


@st.composite
def id_numbers(draw):
    region = draw(st.integers(min_value=110000, max_value=829999))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)))
    seq = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


@given(id_numbers())
def test_id_valid_round_trips(number):
    assert normalize_id_number(number) == number
    assert normalize_id_number(number.lower()) == number


@given(id_numbers().filter(lambda n: n[6:8] == "19"))
def test_id_15_digit_upgrade(number):
    old = number[:6] + number[8:17]
    assert normalize_id_number(old) == number
    assert normalize_id_number(int(old)) == number  # a 15-digit number survives Excel


@given(id_numbers(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=9))
def test_id_one_digit_corruption_detected(number, position, delta):
    chars = list(number)
    if chars[position] == "X":
        chars[position] = str(delta)
    else:
        chars[position] = str((int(chars[position]) + delta) % 10)
    corrupted = "".join(chars)
    with pytest.raises(ValueError):
        normalize_id_number(corrupted)


def test_masks():
    assert mask_id_number("530822199001011234") == "5308**********1234"
    assert mask_id_number(None) == ""
    assert mask_id_number("1234") == "****"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


# ----------------------------------------------------------------- text


def test_normalize_text():
    assert normalize_text("  第３支部\u3000 党员\n\t张三 ") == "第3支部 党员 张三"
    assert normalize_text(None) == ""
    assert normalize_text(12.0) == "12"
    assert normalize_text("Ａ\u200bＢ") == "AB"


def test_clean_text_keeps_chinese_punctuation():
    assert clean_text("  我承诺：帮助群众，解决困难（３件）。\r\n\r\n\r\n第二行  ") == "我承诺：帮助群众，解决困难（3件）。\n\n第二行"


def test_control_chars():
    assert has_control_chars("a\x00b")
    assert has_control_chars("a\x1bb")
    assert has_control_chars("a\x85b")
    assert not has_control_chars("a\tb\nc\r")
    assert not has_control_chars("张三")


def test_values_import_is_light():
    code = ("import sys, pledgebook.models.core.values; "
            "bad = [m for m in ('pypinyin', 'textual', 'rich', 'typer') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- deadlines as clerks write them


@pytest.mark.parametrize(("written", "due", "term"), [
    ("2011年12月", dt.date(2011, 12, 31), None), ("2011.12", dt.date(2011, 12, 31), None),
    ("2011-2", dt.date(2011, 2, 28), None), ("201112", dt.date(2011, 12, 31), None),
    (2011.12, dt.date(2011, 12, 31), None), ("２０１１年６月", dt.date(2011, 6, 30), None),
    ("年底", dt.date(2011, 12, 31), None), ("年底前", dt.date(2011, 12, 31), None), ("年内", dt.date(2011, 12, 31), None),
    ("12月底", dt.date(2011, 12, 31), None), ("上半年", dt.date(2011, 6, 30), None),
    ("下半年", dt.date(2011, 12, 31), None), ("三季度", dt.date(2011, 9, 30), None),
    ("第四季度", dt.date(2011, 12, 31), None), ("一季度末", dt.date(2011, 3, 31), None),
    ("2012年底", dt.date(2012, 12, 31), None), ("6月30日前", dt.date(2011, 6, 30), None),
    ("2011-12-31", dt.date(2011, 12, 31), None), (40908, dt.date(2011, 12, 31), None),
    ("即时", None, "immediate"), ("立即", None, "immediate"), ("长期", None, "annual"), ("常态化", None, "annual"),
])
def test_deadlines_as_clerks_write_them(written, due, term):
    from pledgebook.models.core.values import parse_deadline

    read = parse_deadline(written, 2011)
    assert (read.due, read.term) == (due, term)
    assert (read.reading is None) == (written in ("2011-12-31", 40908))


def test_a_month_alone_is_still_its_first_day_for_other_dates():
    assert parse_date("2011年12月") == dt.date(2011, 12, 1)  # 出生年月 and the like


@pytest.mark.parametrize(("written", "message"), [
    ("年底", "没有写明年份"), (2011.1, "是 2011年1月 还是 2011年10月"), ("下周", "无法识别的完成时限「下周」"),
    ("2月30日", "不存在"),
])
def test_deadlines_that_cannot_be_read(written, message):
    from pledgebook.models.core.values import parse_deadline

    with pytest.raises(ValueError, match=message):
        parse_deadline(written, None if written == "年底" else 2011)
