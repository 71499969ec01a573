"""The field validators every ledger shares (models/core/fields.py): pure, Chinese messages by field."""

from __future__ import annotations

from datetime import date

import pytest

from pledgebook.models.core import fields as F
from pledgebook.models.core.errors import ValidationError, ValidationErrors


def test_text_trims_and_refuses_blank_long_and_control_characters():
    assert F.text("  种茶  ", "content", "承诺事项") == "种茶"
    assert F.text(None, "note", "备注", required=False) == ""
    with pytest.raises(ValidationError, match="承诺事项不能为空") as blank:
        F.text("  ", "content", "承诺事项")
    assert blank.value.field == "content"
    with pytest.raises(ValidationError, match="过长（5字）"):
        F.text("一二三四五", "name", "名称", limit=4)
    with pytest.raises(ValidationError, match="控制字符"):
        F.text("a\x07b", "name", "名称")


def test_code_takes_a_code_or_its_label_and_lists_the_choices():
    kinds = {"village": "村", "enterprise": "企业"}
    assert F.code(kinds, "村", "kind", "类型") == "village"
    assert F.code(kinds, "enterprise", "kind", "类型") == "enterprise"
    assert F.code(kinds, "", "kind", "类型", required=False) is None
    with pytest.raises(ValidationError, match="请选择类型"):
        F.code(kinds, None, "kind", "类型")
    with pytest.raises(ValidationError, match="可选：村、企业"):
        F.code(kinds, "学校", "kind", "类型")


def test_dates_counts_and_phones():
    assert F.parse_date("2011-06-30", "due_date", "完成时限") == date(2011, 6, 30)
    assert F.parse_date(date(2011, 1, 2), "d", "日期") == date(2011, 1, 2)
    assert F.parse_date("", "d", "日期") is None
    with pytest.raises(ValidationError, match="^完成时限：") as bad:
        F.parse_date("明年", "due_date", "完成时限")
    assert bad.value.field == "due_date"
    assert F.count("12", "n", "数量") == 12
    assert F.count(None, "n", "数量") is None
    with pytest.raises(ValidationError, match="不能为负数"):
        F.count(-1, "n", "数量")
    with pytest.raises(ValidationError, match="应为整数"):
        F.count("十", "n", "数量")
    assert F.phone("138-0000 0000") == "13800000000"
    assert F.phone("  ") is None
    with pytest.raises(ValidationError, match="不像电话号码"):
        F.phone("12")


def test_a_checker_gathers_every_mistake_at_once():
    check = F.Checker({"name": "", "phone": "x", "post": "书记"})
    check("name", lambda v: F.text(v, "name", "姓名"))
    check("phone", F.phone)
    check("post", lambda v: F.text(v, "post", "职务"))
    check("gender", lambda v: F.text(v, "gender", "性别"))  # not given: not checked
    assert check.values == {"post": "书记"}
    assert set(check.errors) == {"name", "phone"}
    with pytest.raises(ValidationErrors) as both:
        check.raise_errors()
    assert set(both.value.errors) == {"name", "phone"}
    every = F.Checker({}, every=True)
    every("name", lambda v: F.text(v, "name", "姓名"))
    assert every.errors == {"name": "姓名不能为空"}


def test_collect_keeps_the_order_and_a_none_where_refused():
    (a, b), errors = F.collect([("a", lambda: 1), ("b", lambda: F.text("", "b", "乙"))])
    assert (a, b) == (1, None)
    assert errors == {"b": "乙不能为空"}
