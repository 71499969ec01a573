"""Pilot tests of the tally screen, the print actions and the settings dialog."""

from __future__ import annotations

from datetime import date

import openpyxl
from tui_util import TODAY, aio, command, make_app, settle, type_text

from pledgebook.models.store import settings
from pledgebook.models.store.tables import Evaluation, Pledge


async def _open_tally(app, pilot, org_id):
    await pilot.press("2")
    await settle(app, pilot)
    app.screen.select_org(org_id)
    await settle(app, pilot)
    command("计票录入").run(app)
    await settle(app, pilot)
    assert type(app.screen).__name__ == "TallyScreen"
    return app.screen


@aio
async def test_tally_grid_sums_live_moves_like_a_spreadsheet_and_refuses_impossible_rows(ledger4):
    from textual.widgets import Input

    c = ledger4
    app = make_app(c["path"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await _open_tally(app, pilot, c["b1"].id)
        assert len(screen.lines) == 3 and screen.lines[0].id == c["p_b1"].id
        assert app.focused.id == "c-0-0"
        # row 0: 发放 50, 有效 40, 满意 30, 基本满意 6, 不满意 4 — Enter moves along the row, then down
        for value in ("50", "40", "30", "6", "4"):
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.pause()
        assert app.focused.id == "c-1-0"
        assert "合计 40" in str(screen.query_one("#sum-0").render())
        assert "90.0%" in str(screen.query_one("#sum-0").render())
        # row 1: an impossible row (30 valid, only 20 votes)
        for value in ("30", "30", "10", "5", "5"):
            await type_text(pilot, value)
            await pilot.press("tab")
        await pilot.pause()
        assert screen.query_one("#row-1").has_class("bad")
        assert "与有效票 30 不符" in str(screen.query_one("#sum-1").render())
        assert "已计票 2/3" in str(screen.query_one("#tally-total").render())
        assert "1 行票数不对" in str(screen.query_one("#tally-total").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "TallyScreen"  # refused: nothing written
        assert Evaluation.select().count() == 0
        # put it right: ↑/↓ keep the column
        screen.query_one("#c-1-1", Input).focus()
        await pilot.press("down")
        assert app.focused.id == "c-2-1"
        await pilot.press("up")
        assert app.focused.id == "c-1-1"
        screen.query_one("#c-1-1", Input).value = "20"
        await pilot.pause()
        assert not screen.query_one("#row-1").has_class("bad")
        total = str(screen.query_one("#tally-total").render())
        assert "有效票 60" in total and "满意率 85.0%" in total  # (30+6+10+5)/60
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ != "TallyScreen"
    evs = {e.pledge_id: e for e in Evaluation.select()}
    assert set(evs) == {c["p_b1"].id, c["p_zhang"].id}  # the blank row is not counted
    assert evs[c["p_b1"].id].votes_unsatisfied == 4 and evs[c["p_b1"].id].date == TODAY
    assert evs[c["p_zhang"].id].rect_due is not None  # 5 of 20 不满意 > 10%
    assert evs[c["p_b1"].id].rect_due is None


@aio
async def test_print_actions_for_the_selected_subtree(ledger4, tmp_path):
    c = ledger4
    app = make_app(c["path"])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        app.screen.select_org(c["b1"].id)
        await settle(app, pilot)
        command("打印公示").run(app)
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "PrintDialog" and "新华村党支部" in form.form_title
        form.query_one("#f-path").value = str(tmp_path / "公示.xlsx")
        form.query_one("#f-published_on").value = "2011-03-05"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PledgesScreen"
        command("打印评议票").run(app)
        await settle(app, pilot)
        app.screen.query_one("#f-path").value = str(tmp_path / "票")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    wb = openpyxl.load_workbook(tmp_path / "公示.xlsx")
    assert wb.sheetnames == ["新华村党支部"]
    assert Pledge.get_by_id(c["p_li"].id).published_on == date(2011, 3, 5)
    assert Pledge.get_by_id(c["p_b2"].id).published_on is None
    assert (tmp_path / "票.xlsx").exists() and (tmp_path / "票_计票表.xlsx").exists()


@aio
async def test_settings_dialog_from_the_palette(ledger4):
    app = make_app(ledger4["path"])
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(app, pilot)
        command("设置").run(app)
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "SettingsDialog"
        form.query_one("#f-publicity_days").value = "500"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "1–90" in str(form.query_one("#e-publicity_days").render())
        form.query_one("#f-publicity_days").value = "10"
        form.query_one("#f-supervision_phone").value = "0879-2222222"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ != "SettingsDialog"
    assert settings.get("publicity_days") == "10"
    assert settings.get("supervision_phone") == "0879-2222222"
