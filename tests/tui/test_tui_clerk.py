"""A clerk's keys, read off the screen: nothing typed is lost, Esc closes the innermost thing first,
the footer promises only what works, and every word is Chinese (issue 16, part B)."""

from __future__ import annotations

import json

from tui_util import aio, footer_keys, make_app, screen_text, settle, type_fast

from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Pledge


async def open_new_pledge(app, pilot):
    await settle(app, pilot)
    await pilot.press("2")
    await settle(app, pilot)
    await pilot.press("n")
    await pilot.pause()
    return app.screen


# ---------------------------------------------------------------- 15, 13: the picker
@aio
async def test_tab_right_after_chinese_text_goes_to_the_next_field(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_pledge(app, pilot)
        # typed fast, as an IME commits: no pause between the name, Tab and the next field's text
        type_fast(app, "张", "tab", *"代办理", "backspace", "tab", *"上门")
        await settle(app, pilot)
        assert form.query_one("#f-content").value == "代办"
        assert app.focused is form.query_one("#f-measures")
        assert form.query_one("#f-measures").value == "上门"
        assert not form.query_one("#pledger-options").display
        assert form.query_one("#pledger-search").value == "张"


@aio
async def test_arrows_and_enter_pick_from_the_list_without_leaving_the_box(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_pledge(app, pilot)
        await pilot.press("z", "s", "down", "up", "enter")
        await pilot.pause()
        assert form.query_one("#pledger-search").value == "张三 · 新华村党支部"
        assert app.focused is form.query_one("#f-content")


@aio
async def test_esc_closes_the_suggestions_first_then_asks_before_discarding(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_pledge(app, pilot)
        await pilot.press("z", "s")
        await pilot.pause()
        assert form.query_one("#pledger-options").display
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form and not form.query_one("#pledger-options").display
        assert app.focused is form.query_one("#pledger-search")
        await pilot.press("escape")  # the form holds 「zs」: it asks
        await pilot.pause()
        assert "没保存的修改" in str(app.screen.query_one(".confirm-text").render())
        await pilot.press("n")  # back to the form, nothing lost
        await pilot.pause()
        assert app.screen is form and form.query_one("#pledger-search").value == "zs"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert type(app.screen).__name__ == "PledgesScreen"
        assert Pledge.select().count() == 2


@aio
async def test_an_untouched_form_closes_on_esc_at_once(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_new_pledge(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "PledgesScreen"


# ---------------------------------------------------------------- 15: the search box
@aio
async def test_typing_right_after_slash_and_backspace_lands_in_the_search_box(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        for _ in range(3):
            type_fast(app, "slash", "t", "f", "m", "backspace", "backspace", "backspace", "z", "s")
            await settle(app, pilot)
            search = app.screen.query_one("#search")
            assert search.value == "zs" and app.focused is search
            assert type(app.screen).__name__ == "PledgesScreen"  # no 兑现 form opened by the 「f」
            assert "1 条" in str(app.screen.query_one("#summary").render())
            type_fast(app, "backspace", "backspace", "enter")
            await settle(app, pilot)


# ---------------------------------------------------------------- 14: the footer in a text field; Esc leaves it
@aio
async def test_a_text_field_shows_only_keys_that_work_there_and_esc_leaves_it(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert "1-8 切换区域" in footer_keys(app) and "/ 搜索" in footer_keys(app)
        await pilot.press("slash", *"zs")
        await settle(app, pilot)
        keys = footer_keys(app)
        assert "1-8 切换区域" not in keys and "/ 搜索" not in keys and "s 排序" not in keys
        assert "Esc 离开搜索框" in keys and "⏎ 到列表" in keys
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#list")
        assert app.screen.query_one("#search").value == "zs"  # the filter stays
        assert "1 条" in str(app.screen.query_one("#summary").render())
        await pilot.press("escape")  # on the list: clears the filter
        await settle(app, pilot)
        assert app.screen.query_one("#search").value == ""


@aio
async def test_a_form_shows_its_own_keys_not_the_screen_below(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_new_pledge(app, pilot)
        keys = footer_keys(app)
        assert "Esc 取消" in keys and "^s 保存" in keys
        assert not any("切换区域" in k or "新建" in k for k in keys)
        assert "切换区域" not in screen_text(app)


# ---------------------------------------------------------------- 16: F1 scrolls at 80×24
@aio
async def test_f1_help_scrolls_at_80x24_by_keys_and_wheel(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert "表单" not in screen_text(app)  # the last section is below the fold
        await pilot.press("end")
        await pilot.pause()
        assert "Tab / Shift+Tab" in screen_text(app)
        await pilot.press("home")
        await pilot.pause()
        assert "全局" in screen_text(app)
        body = app.screen.query_one("#help-body")
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("home")
        await pilot.pause()
        from textual import events

        region = body.region
        x, y = region.x + 2, region.y + 2
        for _ in range(3):  # the wheel, where the mouse is
            app.post_message(events.MouseScrollDown(None, x, y, 0, 1, 0, False, False, False, screen_x=x, screen_y=y))
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"


# ---------------------------------------------------------------- 17: a closed year shows no write keys
@aio
async def test_a_closed_year_shows_no_keys_that_cannot_work(ledger):
    rules.close_year(2011)
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not any("新建" in k for k in footer_keys(app))
        await pilot.press("2")
        await settle(app, pilot)
        assert not any("新建" in k for k in footer_keys(app))
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PledgeDetailScreen"
        keys = footer_keys(app)
        assert keys and not any(word in k for k in keys for word in ("兑现", "编辑", "删除", "评议", "践诺"))
        text = screen_text(app)
        assert "p 添加" not in text and "e 记录评议" not in text and "r 整改销号" not in text
        await pilot.press("e")  # still answers, with the reason
        await pilot.pause()
        assert type(app.screen).__name__ == "PledgeDetailScreen"
        assert any("已关闭" in n.message for n in app._notifications)


@aio
async def test_an_open_year_shows_the_write_keys(ledger):
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        keys = footer_keys(app)
        assert "f 兑现" in keys and "E 编辑" in keys and "Del 删除" in keys
        assert "p 添加" in screen_text(app)


# ---------------------------------------------------------------- 12: a new county
@aio
async def test_enter_on_the_welcome_form_creates_the_county_and_home_says_what_next(db_path):
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "WelcomeScreen"
        assert "pledgebook import" not in screen_text(app)
        # typed in one burst, as a terminal delivers it: each Enter moves on before the next field's digits
        type_fast(app, *"墨江哈尼族自治县", "enter", *"530822", "enter", *"2011", "enter")
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        text = screen_text(app)
        assert "下一步" in text and "党组织名单" in text and "按4打开「导入」" in text


@aio
async def test_home_says_next_steps_until_there_are_pledges(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "按n直接新建一条承诺" in screen_text(app)
        rules.create_pledge(2011, "修路", org_id=county["b1"].id)
        app.bump()
        await settle(app, pilot)
        assert "下一步" not in screen_text(app) and "逾期＝已过时限仍未兑现" in screen_text(app)


# ---------------------------------------------------------------- 20, 21: one name; 80×24 first
@aio
async def test_home_at_80x24_keeps_each_line_whole_and_names_the_committee_as_the_tree_does(ledger):
    from rich.cells import cell_len

    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        lines = screen_text(app).splitlines()
        status = next(i for i, line in enumerate(lines) if "■" in line)
        assert "■践诺中 2" in lines[status] and lines[status + 1].startswith("党组织")  # one line, not wrapped
        assert "联珠镇党委 ›" in screen_text(app) and "中共联珠镇委员会" not in screen_text(app)
        await pilot.press("down", "enter")  # into the township
        await settle(app, pilot)
        crumbs = str(app.screen.query_one("#crumbs").render())
        assert "联珠镇党委" in crumbs and "满意率" in crumbs and cell_len(crumbs) <= 78
        await pilot.press("l")
        await settle(app, pilot)
        tree = app.screen.query_one("#orgs")
        assert any("联珠镇党委" in str(node.label) for node in tree.root.children[0].children)
        assert str(app.screen.query_one("#summary").render()).startswith("联珠镇党委 · ")


def test_short_names():
    from pledgebook.tui.names import short_name

    assert short_name("中共联珠镇委员会") == "联珠镇党委"
    assert short_name("中共县直机关工作委员会") == "县直机关工委"
    assert short_name("新华村党支部") == "新华村党支部"


def test_the_status_breakdown_fits_its_line():
    from rich.cells import cell_len
    from rich.text import Text

    from pledgebook.tui.screens.home import status_breakdown

    counts = {"draft": 240, "in_progress": 2378, "fulfilled": 7824, "partly": 624, "unfulfilled": 313, "withdrawn": 121}
    for room in (78, 100, 118):
        line = Text.from_markup(status_breakdown(counts, room=room)).plain
        assert cell_len(line) <= room and "■已撤销 121" in line


@aio
async def test_compact_inputs_stand_out_from_the_dialog_on_every_theme(ledger):
    from pledgebook.models.campaign import rules as helping

    helping.create_contact_point(ledger["zhang"].id, "村", "新华村", ledger["b1"].id, start_date="2010-06-01")
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("7")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CampaignMonthForm"
        for theme in ("textual-dark", "textual-light", "nord", "gruvbox", "monokai", "solarized-light"):
            app.theme = theme
            await pilot.pause()
            box = app.screen.query_one("#hm-visit-households")
            dialog = app.screen.query_one(".dialog")
            unfocused = box.styles.background if not box.has_focus else None
            other = next(i for i in app.screen.query("Input") if not i.has_focus)
            assert other.styles.background.rgb != dialog.styles.background.rgb, theme
            assert unfocused is None or unfocused.rgb != dialog.styles.background.rgb, theme


# ---------------------------------------------------------------- 10: keys from the hand-off screen
@aio
async def test_keys_init_and_trust_from_the_handoff_screen(ledger, tmp_path):
    from pledgebook.bundle import keys
    from pledgebook.tui.dialogs.keys import spaced

    stick = tmp_path / "stick"
    stick.mkdir()
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        assert "还没有密钥" in screen_text(app) and "pledgebook keys" not in screen_text(app)
        app.screen.query_one("#ho-dir").value = str(stick)
        await pilot.press("f6")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "InitKeysForm"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        own = keys.own_public_key()
        assert own is not None and (stick / "530822.pub").is_file()
        text = screen_text(app)
        assert spaced(own.fingerprint)[:14] in text and "交给州/市组织部" in text
        # a second F6 warns before making a new key
        await pilot.press("f6")
        await settle(app, pilot)
        assert "本台账已有密钥" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        # trust a county's key: the path, Enter shows the fingerprint, Ctrl+S trusts
        pub = keys.read_public_key(stick / "530822.pub")
        await pilot.press("f7")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "TrustKeyForm"
        form.query_one("#f-path").value = str(tmp_path / "nothere.pub")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "找不到这个文件" in screen_text(app)
        form.query_one("#f-path").value = str(stick / "530822.pub")
        await pilot.press("enter")
        await settle(app, pilot)
        assert spaced(pub.fingerprint) in screen_text(app) and "打电话" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HandoffScreen"
        assert [k.fingerprint for k in keys.trusted_keys()] == [pub.fingerprint]
        assert "已信任" in screen_text(app)
        # the county made a new key: the form says a key is already trusted, and Ctrl+S replaces it (audited)
        import nacl.signing

        from pledgebook.models.store.tables import AuditLog

        new = keys.PublicKey(pub.county_name, pub.county_code, bytes(nacl.signing.SigningKey.generate().verify_key))
        (stick / "new.pub").write_text(json.dumps(new.as_dict(), ensure_ascii=False), encoding="utf-8")
        await pilot.press("f7")
        await settle(app, pilot)
        app.screen.query_one("#f-path").value = str(stick / "new.pub")
        await pilot.press("enter")
        await settle(app, pilot)
        text = screen_text(app)
        assert "本台账已信任该县的另一个公钥" in text and "--replace" not in text
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HandoffScreen"
        assert keys.trusted_key(pub.county_code) == new
        assert AuditLog.select().where(AuditLog.note.contains("重新信任")).count() == 1


@aio
async def test_a_date_the_file_did_not_give_is_asked_for_right_there(ledger):
    from datetime import date

    from pledgebook.tui.dialogs.ask_date import AskDateDialog

    app = make_app(ledger["path"])
    answers = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.push_screen(AskDateDialog("计票表中有 3 行没有填写评议日期，这些行用哪一天？", date(2011, 10, 1)), answers.append)
        await pilot.pause()
        assert "--date" not in screen_text(app) and "评议日期" in screen_text(app)
        field = app.screen.query_one("#f-day")
        field.value = "2011年13月1日"
        await pilot.press("enter")
        await pilot.pause()
        assert "不是日期" in screen_text(app) and answers == []
        field.value = "2011.11.20"
        await pilot.press("enter")
        await pilot.pause()
        assert answers == [date(2011, 11, 20)]


# ---------------------------------------------------------------- 9: the list like a spreadsheet
@aio
async def test_the_list_sorts_names_by_pinyin_and_shows_the_org_when_wide(ledger):
    c = ledger
    ding = rules.create_person("丁一", c["b2"].id)
    an = rules.create_person("安二", c["b2"].id)
    rules.create_pledge(2011, "修路", person_id=ding.id)
    rules.create_pledge(2011, "种茶", person_id=an.id)
    app = make_app(c["path"])
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("s")  # 编号 → 承诺人
        await settle(app, pilot)
        table = app.screen.query_one("#list")
        names = [table.row(i).cells[1] for i in range(table.total)]
        assert names == ["安二", "碧溪村党支部", "丁一", "张三"]  # an, bi, ding, zhang — not 丁 first
        assert [col.label for col in table.columns][:3] == ["编号", "承诺人", "党组织"]
        assert table.row(0).cells[2] == "碧溪村党支部"  # a member's pledge names the member's org
        await pilot.press("S")
        await settle(app, pilot)
        assert [table.row(i).cells[1] for i in range(table.total)] == ["张三", "丁一", "碧溪村党支部", "安二"]
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert "党组织" not in [col.label for col in app.screen.query_one("#list").columns]


@aio
async def test_export_the_current_list_writes_exactly_the_filtered_sorted_rows(ledger, tmp_path):
    import openpyxl

    c = ledger
    rules.create_pledge(2011, "=HYPERLINK(1)种茶", org_id=c["b1"].id)
    rules.create_pledge(2011, "修路", person_id=rules.create_person("丁一", c["b2"].id).id)
    target = tmp_path / "列表.xlsx"
    app = make_app(c["path"])
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("slash", *"xhc", "enter")  # 新华村: 张三's pledge and the branch's own
        await settle(app, pilot)
        await pilot.press("s")  # by 承诺人 (pinyin)
        await settle(app, pilot)
        table = app.screen.query_one("#list")
        shown = [table.row(i).cells[0] for i in range(table.total)]
        await pilot.press("x")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ExportListForm"
        app.screen.query_one("#f-path").value = str(target)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PledgesScreen"
        assert any("已导出 2 条承诺" in n.message for n in app._notifications)
    sheet = openpyxl.load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "承诺人", "党组织")
    assert [str(r[0]) for r in rows[1:]] == shown and len(shown) == 2
    assert [r[1] for r in rows[1:]] == ["新华村党支部", "张三"]  # x before z
    formula_cell = next(r[7] for r in rows[1:] if "种茶" in r[7])
    assert formula_cell.startswith("=HYPERLINK")  # kept as text, not a formula
    assert sheet.cell(row=2, column=8).data_type == "s" and sheet.cell(row=3, column=8).data_type == "s"
    assert not list(tmp_path.glob("*.part.xlsx"))


@aio
async def test_export_the_current_list_from_the_palette(ledger):
    from pledgebook.tui.catalog import command

    assert command("导出当前列表").action == "export_list"
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await app.run_action("export_list")  # from the home screen: opens the ledger, then asks where
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ExportListForm"
        assert "承诺台账2011年度" in app.screen.query_one("#f-path").value


@aio
async def test_the_roster_and_the_campaign_area_name_the_committee_as_the_tree_does(ledger):
    from pledgebook.models.campaign import rules as helping

    rules.create_person("赵六", ledger["committee"].id)
    helping.create_contact_point(ledger["zhang"].id, "村", "新华村", ledger["b1"].id, start_date="2010-06-01")
    app = make_app(ledger["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        text = screen_text(app)
        assert "联珠镇党委" in text and "中共联珠镇委员会" not in text and "在册" in text  # 状态 not cut
        await pilot.press("7")
        await settle(app, pilot)
        text = screen_text(app)
        assert "联珠镇党委" in text and "中共联珠镇委员会" not in text
