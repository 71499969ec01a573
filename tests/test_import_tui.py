"""The import screen tells the same truth as the command about a file whose rows were refused before."""

from __future__ import annotations

from test_tui_screens import aio, check_file, make_app, settle, text_of, workbook

from pledgebook.importers.apply import import_file
from pledgebook.models.tables import Pledge


@aio
async def test_the_screen_lists_previously_refused_rows_again(county, tmp_path):
    path = workbook(tmp_path / "联珠镇承诺台账.xlsx", [
        [1, "联珠镇", "新华村党支部", "张三", "为群众代办事项二十件", "2011-12-31"],
        [2, "联珠镇", "不存在的支部", "李四", "修水渠一条", "年底前"],
    ])
    first = import_file(path, year=2011)  # last month's run: one row refused
    assert (first.added, first.rejected) == (1, 1)
    app = make_app(county["path"])
    async with app.run_test(size=(100, 34)) as pilot:
        await check_file(app, pilot, path)  # the same bytes again, checked
        shown = text_of(app.screen, "#imp-result")
        assert "当时有 1 行未能导入；仍有 1 行未能导入" in shown
        assert "第 5 行" in shown and "不存在的支部" in shown and "拒绝 1" in shown
        assert "「年底前」→ 2011-12-31" in shown  # how the refused row's deadline was read, too
        assert "没有需要写入的行" in shown and "已导入过，本次未做任何改动" not in shown
        await settle(app, pilot)
    assert Pledge.select().where(Pledge.deleted_at.is_null()).count() == 1


def test_the_file_tree_offers_every_format_the_inbox_takes():
    from pledgebook.importers import inbox
    from pledgebook.tui.screens import imports

    assert set(imports.SUFFIXES) == inbox.SUFFIXES
    assert {".ods", ".xml", ".htm", ".html"} <= inbox.SUFFIXES
