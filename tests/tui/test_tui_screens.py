"""Pilot tests of the 导入 (4), 上报 (5) and 年度 (6) screens, each on its own temp ledger."""

from __future__ import annotations

from pathlib import Path

from tui_util import aio, check_file, make_app, settle, text_of, workbook

from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Pledge


def live_pledges() -> list[Pledge]:
    return list(Pledge.select().where(Pledge.deleted_at.is_null()).order_by(Pledge.id))


@aio
async def test_import_xlsx_dry_run_then_apply(county, tmp_path):
    path = workbook(tmp_path / "联珠镇承诺台账.xlsx", [
        [1, "联珠镇", "新华村党支部", "张三", "为群众代办事项二十件", "2011-12-31"],
        [2, "联珠镇", "新华村党支部", "李四", "修水渠一条", "2011-11-30"],
        [3, "联珠镇", "碧溪村党支部", "王五", "义务植树五十棵", "2011-06-30"],
    ])
    app = make_app(county["path"])
    async with app.run_test(size=(100, 34)) as pilot:
        await check_file(app, pilot, path)
        shown = text_of(app.screen, "#imp-result")
        assert "新增 3" in shown and "尚未改动" in shown
        assert not live_pledges()  # a dry run writes nothing
        await pilot.press("f3")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("y")
        await settle(app, pilot)
        assert "已导入" in text_of(app.screen, "#imp-result")
    assert [p.content for p in live_pledges()] == ["为群众代办事项二十件", "修水渠一条", "义务植树五十棵"]


@aio
async def test_bad_row_shown_and_abort_writes_nothing(county, tmp_path):
    path = workbook(tmp_path / "有错.xlsx", [
        [1, "联珠镇", "新华村党支部", "张三", "为群众代办事项二十件", "2011-12-31"],
        [2, "联珠镇", "新华村党总支", "李四", "修水渠一条", "2011-11-30"],
    ])
    before = county["path"].read_bytes()
    app = make_app(county["path"])
    async with app.run_test(size=(100, 34)) as pilot:
        await check_file(app, pilot, path)
        shown = text_of(app.screen, "#imp-result")
        assert "拒绝 1" in shown and "第 5 行" in shown and "新华村党总支" in shown
        app.screen.query_one("#imp-onerror").value = "abort"
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert "未导入" in text_of(app.screen, "#imp-result")
        assert not live_pledges()
        await pilot.press("f4")  # the error workbook beside the file
        await settle(app, pilot)
        assert (tmp_path / "有错_错误清单.xlsx").exists()
    assert not live_pledges()
    del before


@aio
async def test_report_and_bundle_to_a_fake_stick(county, tmp_path, monkeypatch):
    from pledgebook.models.store.tables import Handoff
    from pledgebook.tui import folders

    rules.create_pledge(2011, "调解矛盾纠纷十起", org_id=county["b2"].id)
    stick = tmp_path / "U盘"
    stick.mkdir()
    monkeypatch.setattr(folders, "removable_drives", lambda: [stick])
    report = tmp_path / "报表" / "墨江2011.xlsx"
    report.parent.mkdir()
    app = make_app(county["path"])
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.press("5")
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "HandoffScreen"
        assert "墨江哈尼族自治县2011年度" in screen.query_one("#ho-report-path").value
        assert screen.query_one("#ho-dir").value == str(stick)  # the stick is offered first
        screen.query_one("#ho-report-path").value = str(report)
        await pilot.press("f2")
        await settle(app, pilot)
        assert report.exists() and "报表已导出" in text_of(screen, "#ho-result")
        await pilot.press("f3")
        await settle(app, pilot)
        shown = text_of(screen, "#ho-result")
        handoff = Handoff.get()
        assert handoff.sha256 in shown and "可以安全拔出U盘" in shown and "承诺 1" in shown
        assert "联系点 0" in shown and "帮扶记录 0" in shown  # the second ledger travels too
        assert Path(handoff.path).parent == stick and Path(handoff.path).exists()
        history = screen.query_one("#ho-history")
        assert history.row_count == 1 and handoff.sha256[:16] in str(history.get_row_at(0))


@aio
async def test_rollover_preview_problems_then_forced_rollover(county):
    from pledgebook.models.store.tables import WorkYear

    p1 = rules.create_pledge(2011, "为群众代办事项二十件", person_id=county["zhang"].id, due_date="2011-12-31")
    app = make_app(county["path"])
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.press("6")
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "YearsScreen"
        assert "进行中" in str(screen.query_one("#yr-years").get_row("2011"))
        await pilot.press("f3")  # not before a preview
        await pilot.press("f2")
        await settle(app, pilot)
        assert "阻止结转" in text_of(screen, "#yr-preview")
        problems = screen.query_one("#yr-problems")
        assert problems.row_count >= 1
        problems.focus()
        await pilot.press("enter")  # the problem opens its pledge
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PledgeDetailScreen" and app.screen.pledge_id == p1.id
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("f3")  # blocked without 强制结转
        await settle(app, pilot)
        assert not WorkYear.get(WorkYear.year == 2011).closed
        screen.query_one("#yr-force").value = True
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("y")  # first confirmation
        await pilot.pause()
        assert "再次确认" in str(app.screen.query_one(".confirm-text").render())
        await pilot.press("y")  # the explicit second one
        await settle(app, pilot)
        assert "已结转并关闭" in text_of(screen, "#yr-preview")
        assert "已关闭" in str(screen.query_one("#yr-years").get_row("2011"))
        assert app.year == 2012 and not app.year_closed
    assert WorkYear.get(WorkYear.year == 2011).closed


@aio
async def test_backup_then_restore(county):
    app = make_app(county["path"])
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.press("6")
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("f6")
        await settle(app, pilot)
        assert "已备份" in text_of(screen, "#yr-backup-note")
        assert screen.query_one("#yr-backups").row_count == 1
        rules.create_pledge(2011, "备份之后才录入的承诺", org_id=county["b1"].id)
        assert len(live_pledges()) == 1
        await pilot.press("f7")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert "已恢复" in text_of(screen, "#yr-backup-note")
        assert screen.query_one("#yr-backups").row_count == 2  # plus the one taken before restoring
        assert not live_pledges()
        assert app.county_name == "墨江哈尼族自治县"


def test_fit_pads_cuts_and_aligns_by_cell_width():
    from pledgebook.tui.widgets.virtual_table import fit

    assert fit("联珠镇", 8) == "联珠镇  "
    assert fit("120", 6, right=True) == "   120"
    assert fit("中共联珠镇委员会", 7) == "中共联…"  # never half a character: 6 cells + the ellipsis
    assert fit("中共联珠镇委员会", 8) == "中共联 …"  # 8 cells exactly, the odd cell a space


@aio
async def test_a_prefecture_checks_then_merges_a_county_bundle(tmp_path):
    """At the prefecture: the import screen recognises a bundle, shows what it holds, merges it on F3."""
    from handoff_util import make_county, make_prefecture

    from pledgebook.bundle.write import write_bundle
    from pledgebook.models.store.db import close_database

    make_county(tmp_path / "a.db", seed=7, pledges=60)
    bundle = write_bundle(tmp_path).path
    close_database()
    make_prefecture(tmp_path / "p.db", trusting=[bundle])
    close_database()
    app = make_app(tmp_path / "p.db")
    async with app.run_test(size=(100, 34)) as pilot:
        await check_file(app, pilot, bundle)
        shown = text_of(app.screen, "#imp-result")
        assert "数据包完好" in shown and "云岭县（539901）" in shown
        assert "承诺 60" in shown and "帮扶记录" in shown and "help_log" not in shown
        await pilot.press("f3")
        await settle(app, pilot)
        assert "把「云岭县」的数据包合并到本台账" in app.screen.message
        await pilot.press("y")
        await settle(app, pilot)
        shown = text_of(app.screen, "#imp-result")
        assert "已导入「云岭县」数据包" in shown
        assert "承诺：新增 60" in shown and "帮扶记录：新增" in shown and "_" not in shown.split("\n", 1)[1]
