"""The import screen tells the same truth as the command about a file whose rows were refused before."""

from __future__ import annotations

from tui_util import aio, check_file, make_app, settle, text_of, workbook

from pledgebook.importers.apply import import_file
from pledgebook.models.store.tables import Pledge


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


@aio
async def test_a_tally_without_dates_asks_for_the_date_right_there(county, tmp_path):
    """The screen never sends the clerk to the command line's --date: it asks, checks again, imports."""
    from datetime import date

    import openpyxl

    from pledgebook.exporters import paper
    from pledgebook.models.ledger import rules
    from pledgebook.models.store.tables import Evaluation

    rules.create_pledge(2011, "调解矛盾纠纷十起", org_id=county["b2"].id)
    printed = paper.print_ballots(tmp_path / "票.xlsx", kind="群众评议", org=county["b2"].name, year=2011)
    wb = openpyxl.load_workbook(printed.tally_path)
    ws = wb[paper.TALLY_SHEET]
    col = {cell.value: cell.column for cell in ws[3]}
    for name, value in (("发放票数", 40), ("有效票", 40), ("满意", 38), ("基本满意", 2), ("不满意", 0)):
        ws.cell(4, col[name]).value = value
    filled = tmp_path / "计票表.xlsx"
    wb.save(filled)
    app = make_app(county["path"])
    async with app.run_test(size=(100, 34)) as pilot:
        await check_file(app, pilot, filled)
        assert type(app.screen).__name__ == "AskDateDialog"
        from tui_util import screen_text

        shown = screen_text(app)
        assert "1 行没有填写评议日期" in shown and "--date" not in shown
        app.screen.query_one("#f-day").value = "2011-10-20"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ImportScreen"
        assert "新增 1" in text_of(app.screen, "#imp-result")
        await pilot.press("f3")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("y")
        await settle(app, pilot)
    evs = list(Evaluation.select().where(Evaluation.kind == "public"))
    assert [e.date for e in evs] == [date(2011, 10, 20)]


def test_the_screen_names_its_own_keys_where_the_core_names_a_command():
    from pledgebook.tui.screens.imports import in_screen_words

    told = in_screen_words("电话核对指纹后运行「pledgebook keys trust 539902.pub」，再导入；或 ② 确认来源可靠时加 --allow-unsigned 导入。"
                           "请让报送单位运行 pledgebook keys init 后重新导出。已拒绝（加 --allow-unsigned 也不能导入）。")
    assert "pledgebook" not in told and "--" not in told
    assert "按 F7「信任公钥」（选 539902.pub）" in told and "按 F3 选「仍然导入（未经信任）」" in told
    assert "按 F6「生成密钥」后重新导出" in told and "「仍然导入」也不能导入" in told


def test_the_kind_list_offers_every_kind_of_sheet_the_importers_know():
    from pledgebook.importers.sheets import KINDS
    from pledgebook.tui.screens.imports import KIND_CHOICES

    offered = dict((value, label) for label, value in KIND_CHOICES)
    assert offered.pop("auto") == "自动识别"
    assert offered == KINDS  # the three ledgers' sheets: 帮扶工作月报, 民主评议, 评选表彰推荐 among them
    assert {"helplogs", "appraisals", "honours"} <= set(offered)
