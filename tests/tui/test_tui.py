"""Pilot tests of the TUI flows, each on its own temp ledger."""

from __future__ import annotations

from datetime import date

from tui_util import TODAY, aio, make_app, settle, type_text

from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Evaluation, Pledge, Progress


async def new_pledge_form(app, pilot):
    """From the start: the ledger (2), then n; the screen that opened."""
    await pilot.press("2")
    await settle(app, pilot)
    await pilot.press("n")
    await pilot.pause()
    return app.screen


@aio
async def test_home_shows_committee_figures(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        crumbs = str(app.screen.query_one("#crumbs").render())
        assert "承诺 2 条" in crumbs
        table = app.screen.query_one("#figures")
        assert table.total == 2  # 合计 + 中共联珠镇委员会
        await pilot.press("down", "enter")  # drill into the committee
        await settle(app, pilot)
        assert table.total == 3  # 合计 + two branches


@aio
async def test_filter_by_pinyin_initials(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        table = app.screen.query_one("VirtualTable")
        assert table.total == 2
        await pilot.press("slash")
        await type_text(pilot, "zs")
        await settle(app, pilot)
        assert table.total == 1
        assert table.current_id == ledger["p1"].id
        app.screen.query_one("#search").value = "zhs"
        await settle(app, pilot)
        assert table.total == 1
        app.screen.query_one("#search").value = "bxc"  # 碧溪村党支部
        await settle(app, pilot)
        assert table.total == 1 and table.current_id == ledger["p2"].id
        app.screen.query_one("#search").value = "纠纷"
        await settle(app, pilot)
        assert table.total == 1
        assert "1 条" in str(app.screen.query_one("#summary").render())


@aio
async def test_create_pledge_with_validation(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 40)) as pilot:
        form = await new_pledge_form(app, pilot)
        assert type(form).__name__ == "PledgeForm"
        # save empty: errors next to the fields, nothing written
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "承诺人" in str(form.query_one("#e-pledger").render())
        form.query_one("#pledger-search").focus()
        await type_text(pilot, "ls")
        await pilot.pause()
        await pilot.press("enter")  # pick 李四
        form.query_one("#f-content").value = "帮助五户困难群众"
        form.query_one("#f-due_date").value = "2011年12月31日"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PledgesScreen"
        created = Pledge.select().where(Pledge.content == "帮助五户困难群众").get()
        assert created.person.name == "李四"
        assert created.due_date == date(2011, 12, 31)
        assert app.screen.query_one("VirtualTable").total == 3


@aio
async def test_a_form_starts_at_its_first_field_and_fits_80x24(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_pledge_form(app, pilot)
        assert app.focused is form.query_one("#pledger-search")  # typing starts at once
        assert form.query_one(".form-body").scroll_y == 0  # its label in sight
        dialog = form.query_one(".dialog").region
        assert dialog.contains_region(form.query_one("#save").region)  # the fields scroll, the buttons stay
        await type_text(pilot, "ls")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is form.query_one("#f-content")  # picked 李四: on to the next field
        form.query_one("#pledger-search").focus()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "承诺事项" in str(form.query_one("#e-content").render())
        assert app.focused is form.query_one("#f-content")  # the topmost error


@aio
async def test_bad_date_shown_next_to_field(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-note").value = "走访群众"
        form.query_one("#f-date").value = "2011.13.45"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert str(form.query_one("#e-date").render()).startswith("✗")
        form.query_one("#f-date").value = "2011.9.3"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert Progress.select().where(Progress.note == "走访群众").get().date == date(2011, 9, 3)
        assert "走访群众" in str(app.screen.query_one("#detail").render())


@aio
async def test_public_evaluation_with_votes_shows_satisfaction(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("enter")  # open detail of the first pledge
        await pilot.pause()
        assert type(app.screen).__name__ == "PledgeDetailScreen"
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-date").value = "2011-09-20"
        form.query_one("#f-ballots_issued").value = "50"
        form.query_one("#f-votes_satisfied").value = "40"
        form.query_one("#f-votes_basic").value = "5"
        form.query_one("#f-votes_unsatisfied").value = "3"
        await pilot.pause()
        assert "93.8%" in str(form.query_one("#rate-preview").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        ev = Evaluation.get()
        assert (ev.ballots_valid, ev.votes_satisfied) == (48, 40)
        text = str(app.screen.query_one("#detail").render())
        assert "满意率 93.8%" in text and "参与率 96.0%" in text


@aio
async def test_closed_year_refuses_edits(ledger):
    rules.close_year(2011)
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        assert "只读" in app.sub_title
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "PledgesScreen"  # no form opened
        assert any("已关闭" in n.message for n in app._notifications)
        await pilot.press("enter", "e")
        await pilot.pause()
        assert type(app.screen).__name__ == "PledgeDetailScreen"
        assert Evaluation.select().count() == 0


@aio
async def test_delete_and_undo(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        table = app.screen.query_one("VirtualTable")
        first = table.current_id
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert Pledge.get_by_id(first).deleted_at is not None
        assert table.total == 1
        await pilot.press("u")
        await settle(app, pilot)
        assert Pledge.get_by_id(first).deleted_at is None
        assert table.total == 2


@aio
async def test_mark_fulfilled_and_close_rectification(ledger):
    p = ledger["p1"]
    ev = rules.record_evaluation(p.id, "public", date="2011-09-01", votes_satisfied=10, votes_basic=5, votes_unsatisfied=9,
                                 rect_due="2011-10-30")
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#f-fulfilled_on").value = "2011-09-30"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert Pledge.get_by_id(p.id).status == "fulfilled"
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("#f-rect_done").value = "2011-09-28"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert Evaluation.get_by_id(ev.id).rect_done == date(2011, 9, 28)


@aio
async def test_people_roster_masks_id(ledger):
    rules.update_person(ledger["zhang"].id, id_number="11010519491231002X")
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(app, pilot)
        table = app.screen.query_one("VirtualTable")
        assert table.total == 3
        row = table.row(0)
        assert row.cells[3] == "1101**********002X"
        app.screen.query_one("#people-search").value = "ww"
        await settle(app, pilot)
        assert table.total == 1 and table.row(0).cells[0] == "王五"


@aio
async def test_welcome_create_county(db_path):
    app = make_app(db_path)
    async with app.run_test(size=(100, 40)) as pilot:
        assert type(app.screen).__name__ == "WelcomeScreen"
        app.screen.query_one("#name").value = "测试县"
        app.screen.query_one("#code").value = "12"
        await pilot.click("#create")
        await pilot.pause()
        assert "6位" in str(app.screen.query_one("#e-code").render())
        app.screen.query_one("#code").value = "530822"
        app.screen.query_one("#year").value = "2011"
        # a Button ignores clicks for 0.2 s after a press (its "active" effect)
        await pilot.pause(0.3)
        await pilot.click("#create")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert "测试县" in app.sub_title


@aio
async def test_welcome_load_demo(db_path):
    app = make_app(db_path)
    app.demo_options = {"total_pledges": 300, "seed": 3, "today": TODAY}
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.click("#demo")
        await settle(app, pilot)
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert "云岭县" in app.sub_title


@aio
async def test_data_changed_underneath_refreshes(ledger):
    import sqlite3

    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        table = app.screen.query_one("VirtualTable")
        assert table.total == 2
        app.poll_changes()
        other = sqlite3.connect(ledger["path"])  # another program writes
        other.execute("UPDATE pledge SET deleted_at = '2011-01-01' WHERE id = ?", (ledger["p2"].id,))
        other.commit()
        other.close()
        app.poll_changes()
        await settle(app, pilot)
        assert table.total == 1


@aio
async def test_command_palette_lists_actions(ledger):
    from pledgebook.tui.catalog import COMMANDS

    titles = {c.title for c in COMMANDS if c.action}
    assert {"新建承诺", "记录评议", "切换年度"} <= titles
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        for command in COMMANDS:  # every app action names a real method
            if command.action:
                name = command.action.split("(")[0]
                assert hasattr(app, f"action_{name}"), name
        await pilot.press("ctrl+p")
        await pilot.pause()
        from textual.command import CommandPalette

        assert isinstance(app.screen, CommandPalette)


@aio
async def test_add_and_edit_person(ledger):
    from pledgebook.models.store.tables import Person

    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("3")
        await settle(app, pilot)
        table = app.screen.query_one("VirtualTable")
        assert table.total == 3
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert type(form).__name__ == "PersonForm"
        form.query_one("#f-name").value = "赵六"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "从列表中选择" in str(form.query_one("#e-org_id").render())  # no org chosen yet: shown by the field
        form.query_one("#pledger-search").focus()
        await type_text(pilot, "bxc")  # 碧溪村党支部
        await pilot.pause()
        await pilot.press("enter")
        form.query_one("#f-post").value = "组织委员"
        form.query_one("#f-phone").value = "13812345678"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PeopleScreen"
        zhao = Person.get(Person.name == "赵六")
        assert zhao.org_id == ledger["b2"].id and zhao.post == "组织委员"
        assert table.total == 4
        # edit: open from the list (search by pinyin), the phone stays unless retyped
        app.screen.query_one("#people-search").value = "zl"
        await settle(app, pilot)
        assert table.total == 1
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert type(form).__name__ == "PersonForm" and form.person_id == zhao.id
        assert "138****5678" in str(form.query_one("#f-phone").placeholder)
        form.query_one("#f-post").value = "党支部副书记"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        zhao = Person.get_by_id(zhao.id)
        assert zhao.post == "党支部副书记" and zhao.phone == "13812345678"


@aio
async def test_year_chooser_switches_to_a_closed_year_read_only(ledger):
    rules.open_year(2012)
    rules.close_year(2011)
    rules.create_pledge(2012, "新年度的承诺", org_id=ledger["b1"].id)
    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app.year == 2012 and not app.year_closed
        await pilot.press("y")
        await pilot.pause()
        assert type(app.screen).__name__ == "YearDialog"
        await pilot.press("down", "enter")  # the list is newest first: 2012, 2011
        await settle(app, pilot)
        assert app.year == 2011 and app.year_closed
        assert "只读" in app.sub_title
        assert "只读" in str(app.screen.query_one("#crumbs").render())
        await pilot.press("2")
        await settle(app, pilot)
        assert app.screen.query_one("VirtualTable").total == 2
        assert "只读" in str(app.screen.query_one("#summary").render())
        before = Pledge.select().count()
        await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "PledgesScreen"
        await pilot.press("delete")
        await pilot.pause()
        assert type(app.screen).__name__ == "PledgesScreen"
        assert Pledge.select().count() == before
        assert sum("已关闭" in n.message for n in app._notifications) >= 2
        # and back to the open year: writable again
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("up", "enter")
        await settle(app, pilot)
        assert app.year == 2012 and not app.year_closed


@aio
async def test_launch_starts_without_the_collector_and_turns_it_back_on(ledger):
    """launch() reads the first figures before Textual is imported and keeps Python's cyclic collector
    off while starting (a full collection is 30-60 ms there); once the figures are drawn it is on again."""
    import gc

    from pledgebook.tui.startup import launch

    assert gc.isenabled()
    try:
        app = launch(ledger["path"], today=TODAY, poll_seconds=0)
        assert not gc.isenabled()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            assert "承诺" in str(app.screen.query_one("#crumbs").render())  # the figures read at launch
            assert gc.isenabled()
    finally:
        gc.enable()


@aio
async def test_a_closed_detail_is_freed_at_once(ledger):
    """Its widgets hold each other in cycles; closing the screen collects them, not some later
    run of Python's collector (here switched off, so only the program's own collection counts)."""
    import gc

    from pledgebook.tui.screens.detail import PledgeDetailScreen

    app = make_app(ledger["path"])
    gc.disable()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("2")
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, PledgeDetailScreen)
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.pause()
            assert not any(isinstance(o, PledgeDetailScreen) for o in gc.get_objects())
    finally:
        gc.enable()


@aio
async def test_opening_and_closing_details_leaves_no_widgets_behind(ledger):
    """An afternoon of opening pledges must not grow the program: each detail's header
    and footer keys are gone once it is closed (Textual keeps their watchers otherwise)."""
    import gc

    from textual._styles_cache import StylesCache
    from textual.widget import Widget

    def live_widgets() -> tuple[int, int]:
        """Widgets, and their styles caches (each holds rendered lines)."""
        gc.collect()
        objects = gc.get_objects()
        return (sum(1 for o in objects if isinstance(o, Widget)),
                sum(1 for o in objects if isinstance(o, StylesCache)))

    app = make_app(ledger["path"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        counts = []
        for _ in range(6):
            await pilot.press("enter")
            await settle(app, pilot)
            assert type(app.screen).__name__ == "PledgeDetailScreen"
            await pilot.press("escape")
            await settle(app, pilot)
            counts.append(live_widgets())
    assert counts[-1][0] <= counts[1][0], counts
    assert counts[-1][1] <= counts[1][1], counts
