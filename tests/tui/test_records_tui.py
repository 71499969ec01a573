"""Pilot tests of records as a clerk keeps them: evaluations and progress corrected, rectifications
that can always be closed, printing that asks, organizations, templates and the roster's fields."""

from __future__ import annotations

from datetime import date

from tui_util import TODAY, aio, command, make_app, notes, settle, text_of, type_text, widgets_text

from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Pledge

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
async def test_print_notice_dialog_shows_the_counts_and_keeps_dates_by_default(ledger4, tmp_path):
    c = ledger4
    rules.update_pledge(c["p_li"].id, published_on="2011-02-20")
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_print_dialog(app, pilot, c["b1"].id)
        said = text_of(form, "#notice-plan")
        assert "共 3 项承诺要公示，其中 1 项已有公示日期：它们保留原日期，只为其余 2 项设置公示日期" in said
        assert "已有公示日期的 1 项承诺" in widgets_text(app)
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
async def test_print_notice_dialog_overwrites_only_when_chosen(ledger4, tmp_path):
    c = ledger4
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


# --------------------------------------------------------------------------- items 1 and 2: the detail


async def open_detail(app, pilot, pledge_id):
    from pledgebook.tui.screens.detail import PledgeDetailScreen

    await pilot.press("2")
    await settle(app, pilot)
    app.push_screen(PledgeDetailScreen(pledge_id))
    await settle(app, pilot)
    return app.screen


def detail_text(app) -> str:
    return str(app.screen.query_one("#detail").render())


@aio
async def test_a_public_evaluation_needing_rectification_gets_the_default_due_and_r_closes_it(ledger4):
    from pledgebook.models.store.tables import Evaluation

    c = ledger4
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(app, pilot, c["p_zhang"].id)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        form.query_one("#f-date").value = "2011-09-20"
        for name, value in (("votes_satisfied", "20"), ("votes_basic", "5"), ("votes_unsatisfied", "10")):
            form.query_one(f"#f-{name}").value = value
        await pilot.pause()
        preview = text_of(form, "#rate-preview")
        assert "按本县规则需限期整改：整改时限默认为 2011-10-20（可在下方修改）" in preview
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "待整改，时限 2011-10-20" in detail_text(app)
        await pilot.press("r")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CloseRectificationForm"
        app.screen.query_one("#f-rect_done").value = "2011-09-30"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "已整改（2011-09-30）" in detail_text(app)
    ev = Evaluation.get()
    assert (ev.rect_due, ev.rect_done) == (date(2011, 10, 20), date(2011, 9, 30))


@aio
async def test_r_closes_a_legacy_rectification_without_due_date(ledger4):
    from pledgebook.models.store.tables import Evaluation, database

    c = ledger4
    ev = rules.record_evaluation(c["p_zhang"].id, "群众评议", date="2011-09-01", votes_satisfied=5, votes_unsatisfied=5)
    database.execute_sql("UPDATE evaluation SET rect_due = NULL WHERE id = ?", [ev.id])
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(app, pilot, c["p_zhang"].id)
        assert "需整改，未定时限" in detail_text(app) and "r 整改销号" in detail_text(app)
        await pilot.press("r")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "CloseRectificationForm"
        assert "群众评议 2011-09-01（未定时限）" in text_of(form, "#f-evaluation Static")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "已整改" in detail_text(app)
    assert Evaluation.get_by_id(ev.id).rect_done == TODAY


@aio
async def test_an_evaluation_entered_wrongly_is_corrected_in_the_detail(ledger4):
    from pledgebook.models.ledger.figures import FigureBook

    c = ledger4
    rules.record_evaluation(c["p_zhang"].id, "群众评议", date="2011-09-01", votes_satisfied=40, votes_basic=5,
                            votes_unsatisfied=5)
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(app, pilot, c["p_zhang"].id)
        assert "c 更正/删除" in detail_text(app)
        await pilot.press("c")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "EntryChooser"
        assert "评议  2011-09-01  群众评议  有效 50，满意率 90.0%" in widgets_text(app) + str(
            app.screen.query_one("#entries").get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "EvaluationForm" and form.query_one("#f-votes_satisfied").value == "40"
        form.query_one("#f-votes_satisfied").value = "45"
        form.query_one("#f-votes_unsatisfied").value = "0"
        form.query_one("#f-ballots_valid").value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PledgeDetailScreen"
        assert "有效 50：满意 45，基本满意 5，不满意 0" in detail_text(app)
        assert "修改评诺" in detail_text(app) and "满意票→45" in detail_text(app)  # the change log says so
        assert "votes_" not in detail_text(app) and "ballots_" not in detail_text(app)  # in words, not field names
    fig = FigureBook(2011).subtree()
    assert (fig.evaluations, fig.ballots_valid, fig.votes_satisfied) == (1, 50, 45)


@aio
async def test_progress_and_evaluations_are_deleted_and_undone_in_the_detail(ledger4):
    from pledgebook.models.ledger.figures import FigureBook
    from pledgebook.models.store.tables import Evaluation, Progress

    c = ledger4
    rules.add_progress(c["p_zhang"].id, "走访群众30户", "2011-05-01")
    ev = rules.record_evaluation(c["p_zhang"].id, "群众评议", date="2011-09-01", votes_satisfied=9, votes_unsatisfied=1)
    app = make_app(c["path"])
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, c["p_zhang"].id)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("down", "delete")  # the evaluation (after the progress entry)
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        assert "确定删除这条评议吗？" in widgets_text(app) and "不再计入统计" in widgets_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert "评诺（0）" in detail_text(app)
        assert "已删除这条评议，各项统计不再计入。按 u 可撤销。" in notes(app)
        assert FigureBook(2011).subtree().evaluations == 0
        await pilot.press("u")
        await settle(app, pilot)
        assert "评诺（1）" in detail_text(app) and Evaluation.get_by_id(ev.id).deleted_at is None
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("enter")  # the progress entry
        await settle(app, pilot)
        form = app.screen
        assert form.query_one("#f-note").value == "走访群众30户"
        form.query_one("#f-note").value = "走访群众32户"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "走访群众32户" in detail_text(app)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert "践诺记录（0）" in detail_text(app)
    assert Progress.select().where(Progress.deleted_at.is_null()).count() == 0


@aio
async def test_a_closed_years_detail_offers_no_keys_that_cannot_work(ledger4):
    c = ledger4
    rules.record_evaluation(c["p_zhang"].id, "群众评议", date="2011-09-01", votes_satisfied=9, votes_unsatisfied=1)
    rules.open_year(2012)
    rules.close_year(2011)
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(app, pilot, c["p_zhang"].id)
        text = detail_text(app)
        assert "年度已关闭" in text
        assert not any(key in text for key in ("p 添加", "e 记录评议", "c 更正", "r 整改销号"))
        await pilot.press("c")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PledgeDetailScreen"
        assert "已关闭" in notes(app)


# --------------------------------------------------------------------------- item 8: templates


@aio
async def test_download_a_template_from_the_palette_to_a_chosen_folder(ledger4, tmp_path):
    import openpyxl

    folder = tmp_path / "发给乡镇"
    folder.mkdir()
    app = make_app(ledger4["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        command("下载模板").run(app)
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "TemplateDialog"
        assert form.query_one("#f-path").value.endswith("墨江哈尼族自治县_承诺台账模板.xlsx")
        form.query_one("#f-kind").value = "people"
        await pilot.pause()
        assert form.query_one("#f-path").value.endswith("墨江哈尼族自治县_党员名册模板.xlsx")
        assert "列：姓名、所在党组织、性别、民族、学历、出生日期" in text_of(form, "#template-note")
        form.query_one("#f-path").value = str(tmp_path / "没有的文件夹" / "名册.xlsx")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "不存在" in text_of(form, "#e-path")
        form.query_one("#f-path").value = str(folder / "名册")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ != "TemplateDialog"
        assert f"已保存模板「{folder / '名册.xlsx'}」" in notes(app)
    wb = openpyxl.load_workbook(folder / "名册.xlsx")
    assert "党员名册" in wb.sheetnames


@aio
async def test_the_import_screen_offers_the_template_of_the_kind_chosen(ledger4, tmp_path):
    app = make_app(ledger4["path"])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ImportScreen"
        assert "下载模板 F6" in widgets_text(app) or app.screen.query_one("#imp-template")
        app.screen.query_one("#imp-kind").value = "evaluations"
        await pilot.pause()
        await pilot.press("f6")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "TemplateDialog" and form.query_one("#f-kind").value == "evaluations"
        form.query_one("#f-path").value = str(tmp_path / "评诺.xlsx")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert (tmp_path / "评诺.xlsx").exists()


# --------------------------------------------------------------------------- item 11: the person form


@aio
async def test_the_person_form_has_the_rosters_fields_checked_as_the_import_checks_them(ledger4):
    from pledgebook.models.store.tables import Person

    c = ledger4
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(app, pilot)
        table = app.screen.query_one("VirtualTable")
        table.focus()
        await pilot.press("enter")  # the first person of the roster
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "PersonForm"
        labels = widgets_text(app)
        for label in ("民族", "学历", "出生日期", "入党时间", "职务"):
            assert label in labels
        form.query_one("#f-ethnicity").value = "哈尼族"
        form.query_one("#f-education").value = "大专"
        form.query_one("#f-birth_date").value = "1980年13月1日"
        form.query_one("#f-joined_date").value = "1970-07-01"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PersonForm"
        assert text_of(form, "#e-birth_date").startswith("✗ 出生日期")
        form.query_one("#f-birth_date").value = "1980.5.1"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "入党时间应晚于出生日期" in text_of(form, "#e-joined_date")
        form.query_one("#f-joined_date").value = "2005年7月1日"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PeopleScreen"
    edited = Person.get(Person.ethnicity == "哈尼族")
    assert edited.education == "大专"
    assert (edited.birth_date, edited.joined_date) == (date(1980, 5, 1), date(2005, 7, 1))


# --------------------------------------------------------------------------- item 7: organizations


async def open_orgs(app, pilot, select=None):
    from pledgebook.tui.screens.orgs import OrgScreen

    await settle(app, pilot)
    app.push_screen(OrgScreen(select))
    await settle(app, pilot)
    return app.screen


@aio
async def test_organizations_added_renamed_moved_and_deactivated_from_the_tui(ledger4):
    from pledgebook.models.store.tables import Org

    c = ledger4
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        command("组织管理").run(app)
        await settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "OrgScreen"
        screen.reload(c["committee"].id)
        await settle(app, pilot)
        assert "中共联珠镇委员会" in text_of(screen, "#org-info") and "在册 0 人" in text_of(screen, "#org-info")
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "OrgForm" and "上级：中共联珠镇委员会" in form.form_title
        assert form.query_one("#f-kind").value == "branch" and form.query_one("#f-township").value == "联珠镇"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "党组织名称不能为空" in text_of(form, "#e-name")
        form.query_one("#f-name").value = "联珠社区党支部"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "OrgScreen"
        new = Org.get(Org.name == "联珠社区党支部")
        assert new.parent_id == c["committee"].id
        assert "联珠社区党支部" in text_of(screen, "#org-info")  # the new one is selected
        await pilot.press("E")
        await settle(app, pilot)
        app.screen.query_one("#f-name").value = "联珠镇城东社区党支部"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert Org.get_by_id(new.id).name == "联珠镇城东社区党支部"
        # move it under 新华村党支部 … and back is refused when it would be a cycle
        await pilot.press("m")
        await settle(app, pilot)
        move = app.screen
        assert type(move).__name__ == "MoveOrgForm"
        move.query_one("#pledger-search").focus()
        await type_text(pilot, "xhc")
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert Org.get_by_id(new.id).parent_id == c["b1"].id
        screen.reload(c["b1"].id)
        await settle(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        move = app.screen
        move.query_one("#pledger-search").focus()
        await type_text(pilot, "cdsq")  # its own child
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "不能把「新华村党支部」移到它自己或它的下级" in text_of(move, "#e-parent")
        await pilot.press("escape")  # the form has a change: it asks before discarding it
        await settle(app, pilot)
        assert "确定放弃吗" in widgets_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        # deactivate 新华村党支部: says what stays, asks
        await pilot.press("x")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        said = widgets_text(app)
        assert "停用「新华村党支部」吗？" in said and "在册党员 2 名仍记在该组织名下" in said
        assert "它下面还有 1 个启用的下级组织" in said and "未完成的承诺 3 条" in said
        await pilot.press("y")
        await settle(app, pilot)
        assert not Org.get_by_id(c["b1"].id).active
        assert "已停用" in text_of(screen, "#org-info")


@aio
async def test_the_org_tree_shows_a_branchs_stars_over_the_years(ledger4):
    from pledgebook.models.store.tables import StarRating

    c = ledger4
    StarRating.create(year=2011, org=c["b1"], stars=4, proposed_stars=4)
    rules.open_year(2012)
    StarRating.create(year=2012, org=c["b1"], proposed_stars=5)
    app = make_app(c["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_orgs(app, pilot, c["b1"].id)
        # the latest confirmed stars beside the name, the years in the line below
        labels = [str(node.label) for node in screen.query_one("#org-tree").root.children[0].children[0].children]
        assert any("新华村党支部" in label and "四星" in label for label in labels), labels
        assert "星级 2011年四星、2012年建议五星" in text_of(screen, "#org-info")
