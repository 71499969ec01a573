"""Pilot tests of the 帮扶 area: a month of logs typed in, last month copied, a closed
year refused, coverage and the idle list."""

from __future__ import annotations

from datetime import date

import pytest

from pledgebook.models import helping, rules
from pledgebook.models.help_figures import help_figures
from pledgebook.models.tables import HelpLog
from tests.test_tui import aio, make_app, settle, type_text


@pytest.fixture
def points(county):
    c = county
    c["cp"] = helping.create_contact_point(c["zhang"].id, "村", "新华村", c["b1"].id, start_date="2010-06-01")
    return c


async def open_form(app, pilot):
    await pilot.press("7")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "HelpScreen"
    await pilot.press("enter")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "HelpMonthForm"


@aio
async def test_enter_a_month_and_the_figures_change(points):
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert help_figures(2011, today=date(2011, 10, 1)).measures["households"] == 0
        await open_form(app, pilot)
        await type_text(pilot, "12")
        await pilot.press("tab")
        await type_text(pilot, "30")
        await pilot.press("tab", "tab")  # 接访 → 解决问题
        await type_text(pilot, "3")
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        fig = help_figures(2011, 10, today=date(2011, 10, 1))
        assert (fig.measures["households"], fig.measures["person_times"], fig.measures["units"]) == (12, 30, 3)
        assert {log.date for log in HelpLog.select()} == {date(2011, 10, 1)}
        assert "本月已记录 1 处" in str(app.screen.query_one("#help-summary").render())
        # the same month again shows what is there; a change replaces it, no duplicate
        await pilot.press("enter")
        await settle(app, pilot)
        field = app.screen.query_one("#hm-visit-households")
        assert field.value == "12"
        field.value = "15"
        await pilot.press("enter")
        await settle(app, pilot)
        assert HelpLog.select().where(HelpLog.deleted_at.is_null()).count() == 2
        assert help_figures(2011, 10, today=date(2011, 10, 1)).measures["households"] == 15


@aio
async def test_copy_last_month(points):
    cp = points["cp"]
    helping.add_help_log("走访", "2011-09-03", contact_point_id=cp.id, quantities={"户": 7, "人次": 9})
    helping.add_help_log("协调资金", "2011-09-20", contact_point_id=cp.id, quantities={"万元": 2.5})
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_form(app, pilot)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert app.screen.query_one("#hm-funds-funds").value == "2.5"
        await pilot.press("enter")
        await settle(app, pilot)
        october = help_figures(2011, 10, today=date(2011, 10, 1))
        assert (october.measures["households"], october.measures["person_times"], october.measures["funds"]) == (7, 9, 2.5)


@aio
async def test_closed_year_refuses(points):
    rules.open_year(2010)
    rules.close_year(2010)
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_form(app, pilot)
        app.screen.query_one("#hm-month").value = "2010-12"
        await settle(app, pilot)
        app.screen.query_one("#hm-visit-households").value = "4"
        app.screen.query_one("#hm-visit-households").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HelpMonthForm"
        assert "2010" in str(app.screen.query_one("#hm-error").render())
        assert "关闭" in str(app.screen.query_one("#hm-error").render())
        assert HelpLog.select().count() == 0


@aio
async def test_coverage_and_idle_lists(points):
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("7")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CoverageScreen"
        table = app.screen.query_one("#coverage-table")
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == ["碧溪村党支部"]
        assert "50.0%" in str(app.screen.query_one("#coverage-summary").render())
        await pilot.press("escape", "i")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "IdleScreen"
        idle = app.screen.query_one("#idle-table")
        assert idle.row_count == 1 and idle.get_row_at(0)[0] == "张三"
