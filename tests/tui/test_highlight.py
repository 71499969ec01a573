"""The pledge list shows why a row matched the search: the characters a pinyin search spelled are marked."""

from __future__ import annotations

import pytest
from tui_util import aio, make_app, settle

from pledgebook.models.ledger import rules
from pledgebook.tui.highlight import match_spans


@pytest.mark.parametrize("text,query,spans", [
    ("张三", "zs", [(0, 2)]),
    ("张三", "zhs", [(0, 2)]),
    ("张三", "zhangsan", [(0, 2)]),
    ("张三", "zhan", [(0, 1)]),  # a syllable still being typed
    ("联珠镇党委", "lzz", [(0, 3)]),
    ("李四 张三", "zs", [(3, 5)]),
    ("为群众代办事项二十件", "代办", [(3, 5)]),  # literal first
    ("新华村党支部", "ABC", []),
    ("王五", "zs", []),
    ("王五", "", []),
])
def test_where_a_search_matched(text, query, spans):
    assert match_spans(text, query) == spans


def test_no_pinyin_where_it_is_not_asked_for():
    assert match_spans("张三", "zs", pinyin=False) == []


@aio
async def test_the_list_marks_the_name_a_pinyin_search_found(county):
    rules.create_pledge(2011, "为群众代办事项二十件", person_id=county["zhang"].id)
    rules.create_pledge(2011, "修水渠一条", person_id=county["wang"].id)
    app = make_app(county["path"])
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("slash", "z", "s")
        await settle(app, pilot)
        from pledgebook.tui.widgets.virtual_table import VirtualTable

        table = app.screen.query_one(VirtualTable)
        assert table.total == 1
        strip = table.render_line(1)
        match = table.get_component_rich_style("vt--match")
        marked = [seg.text for seg in strip if seg.style and seg.style.bold and seg.style.underline]
        assert marked == ["张三"], [(s.text, s.style) for s in strip]
        assert match.underline
        assert "张三" in "".join(seg.text for seg in strip) and "为群众代办事项二十件" in "".join(seg.text for seg in strip)
