"""Pilot tests of records as a clerk keeps them: evaluations and progress corrected, rectifications
that can always be closed, printing that asks, organizations, templates and the roster's fields."""

from __future__ import annotations

from datetime import date

import pytest
from tui_kit import aio, command, make_app, notes, screen_text, settle, text_of

from pledgebook.models import rules
from pledgebook.models.tables import Pledge


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch):
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)


@pytest.fixture
def ledger(county):
    c = county
    c["p_b1"] = rules.create_pledge(2011, "建成村级活动场所", org_id=c["b1"].id)
    c["p_zhang"] = rules.create_pledge(2011, "为群众代办事项二十件", person_id=c["zhang"].id)
    c["p_li"] = rules.create_pledge(2011, "帮助困难群众十户", person_id=c["li"].id)
    c["p_b2"] = rules.create_pledge(2011, "调解矛盾纠纷十起", org_id=c["b2"].id)
    return c


# --------------------------------------------------------------------------- item 3: printing asks


async def open_print_dialog(app, pilot, org_id):
    await pilot.press("2")
    await settle(app, pilot)
    app.screen.select_org(org_id)
    await settle(app, pilot)
    command("打印公示").run(app)
    await settle(app, pilot)
    return app.screen


@aio
async def test_print_notice_dialog_shows_the_counts_and_keeps_dates_by_default(ledger, tmp_path):
    c = ledger
    rules.update_pledge(c["p_li"].id, published_on="2011-02-20")
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_print_dialog(app, pilot, c["b1"].id)
        said = text_of(form, "#notice-plan")
        assert "共 3 项承诺要公示，其中 1 项已有公示日期：它们保留原日期，只为其余 2 项设置公示日期" in said
        assert "已有公示日期的 1 项承诺" in screen_text(app)
        form.query_one("#f-path").value = str(tmp_path / "公示.xlsx")
        form.query_one("#f-published_on").value = "2011-03-05"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PledgesScreen"
        said = notes(app)
        assert "2 项承诺的公示日期已设为 2011-03-05" in said and "1 项已有公示日期，保留原日期" in said
    assert Pledge.get_by_id(c["p_li"].id).published_on == date(2011, 2, 20)
    assert Pledge.get_by_id(c["p_zhang"].id).published_on == date(2011, 3, 5)


@aio
async def test_print_notice_dialog_overwrites_only_when_chosen(ledger, tmp_path):
    c = ledger
    rules.update_pledge(c["p_li"].id, published_on="2011-02-20")
    app = make_app(c["path"])
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_print_dialog(app, pilot, c["b1"].id)
        form.query_one("#f-path").value = str(tmp_path / "公示.xlsx")
        form.query_one("#f-overwrite").value = "overwrite"
        await pilot.pause()
        assert "这 1 项的原公示日期将改为所填日期" in text_of(form, "#notice-plan")
        form.query_one("#f-published_on").value = "2011-03-05"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert Pledge.get_by_id(c["p_li"].id).published_on == date(2011, 3, 5)
