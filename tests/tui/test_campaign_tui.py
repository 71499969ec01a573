"""Pilot tests of the 帮扶 area: a month of logs typed in, last month copied, a closed
year refused, coverage and the idle list; contact points, pairings and stationings added,
changed and ended by hand through the forms, errors shown by their fields."""

from __future__ import annotations

from datetime import date

import pytest
from tui_util import aio, make_app, settle, type_text

from pledgebook.models.campaign import rules as helping
from pledgebook.models.campaign.figures import campaign_figures
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import ContactPoint, HelpLog, Pairing, Stationing
from pledgebook.tui.catalog import COMMANDS


@pytest.fixture
def points(county):
    c = county
    c["cp"] = helping.create_contact_point(c["zhang"].id, "村", "新华村", c["b1"].id, start_date="2010-06-01")
    return c


async def open_form(app, pilot):
    await pilot.press("7")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "CampaignScreen"
    await pilot.press("enter")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "CampaignMonthForm"


@aio
async def test_enter_a_month_and_the_figures_change(points):
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert campaign_figures(2011, today=date(2011, 10, 1)).measures["households"] == 0
        await open_form(app, pilot)
        await type_text(pilot, "12")
        await pilot.press("tab")
        await type_text(pilot, "30")
        await pilot.press("tab", "tab")  # 接访 → 解决问题
        await type_text(pilot, "3")
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CampaignScreen"
        fig = campaign_figures(2011, 10, today=date(2011, 10, 1))
        assert (fig.measures["households"], fig.measures["person_times"], fig.measures["units"]) == (12, 30, 3)
        assert {log.date for log in HelpLog.select()} == {date(2011, 10, 1)}
        assert "本月已记录 1 处" in str(app.screen.query_one("#campaign-summary").render())
        # the same month again shows what is there; a change replaces it, no duplicate
        await pilot.press("enter")
        await settle(app, pilot)
        field = app.screen.query_one("#hm-visit-households")
        assert field.value == "12"
        field.value = "15"
        await pilot.press("enter")
        await settle(app, pilot)
        assert HelpLog.select().where(HelpLog.deleted_at.is_null()).count() == 2
        assert campaign_figures(2011, 10, today=date(2011, 10, 1)).measures["households"] == 15


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
        october = campaign_figures(2011, 10, today=date(2011, 10, 1))
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
        assert type(app.screen).__name__ == "CampaignMonthForm"
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


# ------------------------------------------------------------ adding, changing, ending by hand


async def press(app, pilot, key, screen):
    """Press a key, let the workers finish, and be on ``screen`` (a class name); return it."""
    await pilot.press(key)
    await settle(app, pilot)
    assert type(app.screen).__name__ == screen
    return app.screen


async def campaign_area(app, pilot):
    await settle(app, pilot)
    await press(app, pilot, "7", "CampaignScreen")


async def new_form(app, pilot, number, screen):
    await press(app, pilot, "n", "NewPlaceChooser")
    return await press(app, pilot, number, screen)


async def pick(app, pilot, field, text):
    """Type pinyin initials into a picker and take the first match."""
    app.screen.query_one(f"#f-{field} #pledger-search").focus()
    await type_text(pilot, text)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def new_stationing(app, pilot):
    """The 驻村 form with 王五 from 县财政局 in 碧溪村 filled in."""
    form = await new_form(app, pilot, "3", "StationingForm")
    await pick(app, pilot, "cadre", "ww")
    form.query_one("#f-sending_unit").value = "县财政局"
    await pick(app, pilot, "village", "bxc")
    return form


def error(app, field):
    return str(app.screen.query_one(f"#e-{field}").render())


def place_rows(app):
    table = app.screen.query_one("#campaign-places")
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


@aio
async def test_add_a_contact_point_and_see_it_in_the_list(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        assert place_rows(app) == []
        form = await new_form(app, pilot, "1", "ContactPointForm")
        assert app.focused is form.query_one("#f-leader #pledger-search")  # typing starts at once
        await type_text(pilot, "zs")
        await pilot.pause()
        await pilot.press("enter")  # 张三; on to the next field
        await pilot.pause()
        assert app.focused is form.query_one("#f-kind")
        form.query_one("#f-kind").value = "school"
        form.query_one("#f-name").value = "碧溪小学"
        await pick(app, pilot, "org", "bxc")
        form.query_one("#f-start_date").value = "2011年9月1日"
        await press(app, pilot, "ctrl+s", "CampaignScreen")
        cp = ContactPoint.get(ContactPoint.name == "碧溪小学")
        assert (cp.leader_id, cp.kind, cp.org_id, cp.start_date) == (
            county["zhang"].id, "school", county["b2"].id, date(2011, 9, 1))
        assert place_rows(app) == [("张三", "学校", "碧溪小学", "—")]
        assert app.screen.query_one("#campaign-places").cursor_row == 0
        assert any("已新增联系点" in n.message for n in app._notifications)


@aio
async def test_errors_are_shown_by_their_fields_and_nothing_is_written(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        form = await new_form(app, pilot, "1", "ContactPointForm")
        await type_text(pilot, "qqq")  # nobody: nothing to pick
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "未选定「qqq」" in error(app, "leader")
        assert "名称不能为空" in error(app, "name")
        assert "请选择联系点所属组织" in error(app, "org")
        assert app.focused is form.query_one("#f-leader #pledger-search")  # the topmost error
        # a date that is no date, with the rest right
        form.query_one("#f-leader #pledger-search").value = ""
        await pick(app, pilot, "leader", "zs")
        form.query_one("#f-name").value = "新华村"
        await pick(app, pilot, "org", "xhc")
        form.query_one("#f-start_date").value = "2011-02-30"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "开始日期" in error(app, "start_date")
        assert error(app, "leader") == "" and error(app, "name") == ""
        assert ContactPoint.select().count() == 0
        await press(app, pilot, "escape", "ConfirmDialog")  # the form holds what was typed: it asks first
        await press(app, pilot, "y", "CampaignScreen")
        assert ContactPoint.select().count() == 0


@aio
async def test_add_a_pairing_and_a_stationing(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        # 结对: 李四 helps a household of 新华村
        form = await new_form(app, pilot, "2", "PairingForm")
        await pick(app, pilot, "helper", "ls")
        form.query_one("#f-household").value = "李小红户"
        await pick(app, pilot, "org", "xhc")
        await press(app, pilot, "ctrl+s", "CampaignScreen")
        pairing = Pairing.get()
        assert (pairing.helper_id, pairing.household, pairing.org_id, pairing.start_date) == (
            county["li"].id, "李小红户", county["b1"].id, date(2011, 10, 1))
        assert ("李四", "结对帮扶", "李小红户", "—") in place_rows(app)
        # 驻村: 王五 from 县财政局 in 碧溪村; the planned end is three years on
        form = await new_stationing(app, pilot)
        assert "2014-10-01" in form.query_one("#f-planned_end").placeholder
        form.query_one("#f-role").value = "first_secretary"
        await press(app, pilot, "ctrl+s", "CampaignScreen")
        st = Stationing.get()
        assert (st.cadre_id, st.sending_unit, st.village_id, st.role, st.start_date, st.planned_end) == (
            county["wang"].id, "县财政局", county["b2"].id, "first_secretary", date(2011, 10, 1), date(2014, 10, 1))
        rows = place_rows(app)
        assert ("王五", "驻村第一书记", "碧溪村党支部", "—") in rows
        assert app.screen.query_one("#campaign-places").cursor_row == rows.index(("王五", "驻村第一书记", "碧溪村党支部", "—"))
        # a pairing takes its monthly logs like the others
        table = app.screen.query_one("#campaign-places")
        table.move_cursor(row=rows.index(("李四", "结对帮扶", "李小红户", "—")))
        await press(app, pilot, "enter", "CampaignMonthForm")
        await type_text(pilot, "1")
        await pilot.press("enter")
        await settle(app, pilot)
        log = HelpLog.get()
        assert (log.pairing_id, log.households, log.org_id) == (pairing.id, 1, county["b1"].id)


@aio
async def test_a_stationing_refused_by_the_rules_shows_why(county):
    helping.create_stationing(county["wang"].id, county["b1"].id, "县财政局", start_date="2011-01-01")
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        await new_stationing(app, pilot)
        await pick(app, pilot, "branch", "bxc")  # a village branch is no 临时党支部
        await press(app, pilot, "ctrl+s", "StationingForm")
        assert "不是临时党支部" in error(app, "branch")
        assert Stationing.select().count() == 1


@aio
async def test_edit_a_contact_point(points):
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        form = await press(app, pilot, "E", "ContactPointForm")
        assert form.query_one("#f-name").value == "新华村"
        assert form.query_one("#f-leader #pledger-search").value == "张三 · 新华村党支部"
        assert form.query_one("#f-start_date").value == "2010-06-01"
        form.query_one("#f-name").value = "新华村（示范点）"
        form.query_one("#f-leader #pledger-search").value = ""
        await pick(app, pilot, "leader", "ls")
        await press(app, pilot, "ctrl+s", "CampaignScreen")
        cp = ContactPoint.get_by_id(points["cp"].id)
        assert (cp.name, cp.leader_id, cp.start_date) == ("新华村（示范点）", points["li"].id, date(2010, 6, 1))
        assert place_rows(app) == [("李四", "村", "新华村（示范点）", "—")]


@aio
async def test_edit_a_stationing_and_a_pairing(campaign):
    st, pa = campaign["st"][0], campaign["pa"][0]
    app = make_app(campaign["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        table = app.screen.query_one("#campaign-places")
        where = [row[:3] for row in place_rows(app)]
        table.move_cursor(row=where.index(("赵六", "驻村第一书记", "碧溪村党支部")))
        form = await press(app, pilot, "E", "StationingForm")
        assert form.query_one("#f-sending_unit").value == "县财政局"
        assert form.query_one("#f-branch #pledger-search").value == "联珠镇驻村工作队临时党支部（党组织）"
        assert form.query_one("#f-planned_end").value == "2013-06-01"
        form.query_one("#f-sending_unit").value = "县农业农村局"
        form.query_one("#f-branch #pledger-search").value = ""  # no 临时党支部 any more
        await press(app, pilot, "ctrl+s", "CampaignScreen")
        st = Stationing.get_by_id(st.id)
        assert (st.sending_unit, st.branch_id, st.planned_end, st.start_date) == (
            "县农业农村局", None, date(2013, 6, 1), date(2010, 6, 1))
        # a member's pairing: the helped member stays, the rest can change
        table.move_cursor(row=where.index(("赵六", "结对帮扶", "王五")))
        form = await press(app, pilot, "E", "PairingForm")
        assert not form.query("#f-household") and not form.query("#f-helped_person")
        form.query_one("#f-note").value = "每月走访一次"
        await press(app, pilot, "ctrl+s", "CampaignScreen")
        assert Pairing.get_by_id(pa.id).note == "每月走访一次"


@aio
async def test_end_a_contact_point_after_confirming(points):
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        form = await press(app, pilot, "x", "EndPlaceForm")
        assert form.query_one("#f-end_date").value == "2011-10-01"
        # a date before the start is refused by the field
        form.query_one("#f-end_date").value = "2009.12.31"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is form
        assert "不能早于开始日期" in error(app, "end_date")
        # No at the question changes nothing
        form.query_one("#f-end_date").value = "2011年10月20日"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "2011年10月20日" in str(app.screen.query_one(".confirm-text").render())
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is form
        assert ContactPoint.get_by_id(points["cp"].id).end_date is None
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CampaignScreen"
        cp = ContactPoint.get_by_id(points["cp"].id)
        assert (cp.end_date, cp.active) == (date(2011, 10, 20), False)
        # still listed in October, marked as ended; gone from November
        assert place_rows(app) == [("张三", "村", "新华村（10月20日止）", "—")]
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert place_rows(app) == []


@aio
async def test_a_closed_year_refuses(points):
    rules.close_year(2011)
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        assert app.year_closed
        for key in ("n", "E", "x"):
            await press(app, pilot, key, "CampaignScreen")  # no form opened
        assert sum("2011年度已关闭" in n.message for n in app._notifications) == 3
        assert ContactPoint.get_by_id(points["cp"].id).end_date is None


@aio
async def test_a_start_in_a_closed_year_is_refused_by_its_field(points):
    rules.close_year(2011)
    rules.open_year(2012)
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await campaign_area(app, pilot)
        assert app.year == 2012 and not app.year_closed
        await new_form(app, pilot, "1", "ContactPointForm")
        await pick(app, pilot, "leader", "ls")
        app.screen.query_one("#f-name").value = "碧溪村"
        await pick(app, pilot, "org", "bxc")
        app.screen.query_one("#f-start_date").value = "2011-12-01"
        await press(app, pilot, "ctrl+s", "ContactPointForm")
        assert "2011年度已关闭" in error(app, "start_date")
        assert ContactPoint.select().count() == 1


@aio
async def test_palette_commands_open_the_forms(points):
    titles = {c.title: c for c in COMMANDS}
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for title, form in (("新增联系点", "ContactPointForm"), ("新增结对帮扶", "PairingForm"),
                            ("新增驻村干部", "StationingForm"), ("修改联系点、结对或驻村", "ContactPointForm"),
                            ("结束联系点、结对或驻村", "EndPlaceForm")):
            titles[title].run(app)
            await settle(app, pilot)
            assert type(app.screen).__name__ == form, title
            await press(app, pilot, "escape", "CampaignScreen")


@aio
async def test_esc_on_the_monthly_form_asks_only_when_numbers_were_typed(points):
    app = make_app(points["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await open_form(app, pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CampaignScreen"
        await pilot.press("enter")
        await settle(app, pilot)
        await type_text(pilot, "12")
        await press(app, pilot, "escape", "ConfirmDialog")
        assert "没保存的修改" in str(app.screen.query_one(".confirm-text").render())
        await press(app, pilot, "n", "CampaignMonthForm")
        assert app.screen.query_one("#hm-visit-households").value == "12"
        await press(app, pilot, "escape", "ConfirmDialog")
        await press(app, pilot, "y", "CampaignScreen")
        assert HelpLog.select().count() == 0
