"""Pilot tests of the 评议评星 area (8) at 80×24: the branch list, a branch's members beside their pledges,
an appraisal recorded, the 优秀 quota's refusal shown in the form with nothing saved, a 处置 saved and closed,
and a closed year read-only."""

from __future__ import annotations

from datetime import date, timedelta

from appraisal_tui_util import cell_texts, choose_member, open_area, open_branch
from tui_util import aio, footer_keys, make_app, notes, settle, text_of, type_text

from pledgebook.models.appraisal import rules as appraisal_rules
from pledgebook.models.ledger import rules
from pledgebook.models.store import settings
from pledgebook.models.store.tables import Appraisal, Disposal


@aio
async def test_the_area_lists_the_branches_with_their_appraisal_progress(county):
    appraisal_rules.save_appraisal({"grade": "qualified"}, person_id=county["li"].id, year=2011)
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(app, pilot)
        rows = cell_texts(app.screen.query_one("#ap-branches"))
        assert [r[0].strip() for r in rows] == ["新华村党支部", "碧溪村党支部"]
        # 党员, 已评, 待评, 优秀/名额
        assert rows[0][1:5] == ["2", "1", "1", "0/0"]
        assert rows[1][1:5] == ["1", "0", "1", "0/0"]
        summary = text_of(app.screen, "#ap-summary")
        assert "党支部 2 个，党员 3 人" in summary and "合格 1" in summary
        assert "P 星级建议" in footer_keys(app)


@aio
async def test_a_branch_shows_its_members_and_the_selected_members_pledges(county):
    rules.create_pledge(2011, "为群众代办事项二十件", person_id=county["zhang"].id)
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_branch(app, pilot)
        rows = cell_texts(app.screen.query_one("#br-members"))
        assert [r[0] for r in rows] == ["李四", "张三"]  # by pinyin
        assert rows[1][3] == "0/1"  # 承诺: 已兑现 / 项
        await choose_member(app, pilot, "张三")
        detail = text_of(app.screen, "#br-detail")
        assert "张三" in detail and "尚未录入" in detail and "为群众代办事项二十件" in detail and "践诺中" in detail
        assert "新华村党支部（联珠镇党委） · 2011年度 · 参评党员 0 人，优秀最多 0 人" in text_of(app.screen, "#br-summary")


@aio
async def test_record_an_appraisal_with_its_votes(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_branch(app, pilot)
        await choose_member(app, pilot, "李四")
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "AppraisalForm"
        assert "参评党员 0 人" in text_of(form, "#quota-line")
        form.query_one("#f-grade").value = "qualified"
        for field, value in (("ballots_issued", "12"), ("ballots_valid", "11"), ("votes_excellent", "2"),
                             ("votes_qualified", "9")):
            form.query_one(f"#f-{field}").value = value
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "BranchScreen"
        saved = Appraisal.get(Appraisal.person == county["li"].id)
        assert (saved.year, saved.org_id, saved.grade) == (2011, county["b1"].id, "qualified")
        assert (saved.ballots_issued, saved.ballots_valid, saved.votes_excellent, saved.votes_qualified) == (12, 11, 2, 9)
        assert saved.decided_on == date(2011, 10, 1)  # the form's default: today
        assert cell_texts(app.screen.query_one("#br-members"))[0][1:3] == ["合格", "11"]
        assert "测评票：发放 12，有效 11，优秀 2，合格 9" in text_of(app.screen, "#br-detail")


@aio
async def test_impossible_votes_are_shown_by_their_fields_and_nothing_is_saved(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_branch(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        form.query_one("#f-ballots_issued").value = "10"
        form.query_one("#f-ballots_valid").value = "12"
        form.query_one("#f-exempt_reason").value = "流动党员"
        form.query_one("#f-grade").value = "qualified"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "AppraisalForm"
        assert "有效票 12 不能多于发放票数 10" in text_of(form, "#e-ballots_valid")
        assert "不参评的党员" in text_of(form, "#e-grade")
        assert Appraisal.select().count() == 0


@aio
async def test_a_grade_beyond_the_quota_is_refused_in_the_form_and_nothing_is_saved(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_branch(app, pilot)
        await choose_member(app, pilot, "张三")
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        form.query_one("#f-grade").value = "excellent"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # still open, with the rules' own message under the grade
        said = text_of(form, "#e-grade")
        assert "新华村党支部参评党员 1 人，优秀最多 0 人（比例上限 1/3），现为 1 人" in said
        assert Appraisal.select().count() == 0
        # put right: 合格 saves
        form.query_one("#f-grade").value = "qualified"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "BranchScreen"
        assert Appraisal.get().grade == "qualified"


@aio
async def test_a_disposal_with_the_default_due_date_is_saved_and_closed(county):
    appraisal_rules.save_appraisal({"grade": "basic"}, person_id=county["li"].id, year=2011)
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_branch(app, pilot)
        await choose_member(app, pilot, "张三")
        await pilot.press("d")  # 张三 has no appraisal: no 处置, and why
        await settle(app, pilot)
        assert type(app.screen).__name__ == "BranchScreen"
        assert "只有评定为基本合格、不合格的党员才作组织处置" in notes(app)
        await choose_member(app, pilot, "李四")
        await pilot.press("d")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "DisposalForm"
        days = int(settings.get("disposal_days"))
        assert form.query_one("#f-due_date").value == (date(2011, 10, 1) + timedelta(days=days)).isoformat()
        form.query_one("#f-due_date").value = ""  # no due date: refused by its field
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "组织处置必须有整改期限" in text_of(form, "#e-due_date")
        assert Disposal.select().count() == 0
        form.query_one("#f-decided_on").value = "2011-09-01"  # the due date follows the decision date
        await settle(app, pilot)
        assert form.query_one("#f-due_date").value == (date(2011, 9, 1) + timedelta(days=days)).isoformat()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "BranchScreen"
        disposal = Disposal.get()
        assert (disposal.kind, disposal.decided_on, disposal.closed_on) == ("correct", date(2011, 9, 1), None)
        assert "未销号" in text_of(app.screen, "#br-detail")
        await pilot.press("x")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CloseDisposalForm"
        app.screen.query_one("#f-closed_on").value = "2011-09-30"
        app.screen.query_one("#f-result").value = "已按期改正"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        closed = Disposal.get()
        assert (closed.closed_on, closed.result) == (date(2011, 9, 30), "已按期改正")
        assert "已于 2011-09-30 销号：已按期改正" in text_of(app.screen, "#br-detail")


@aio
async def test_a_closed_year_is_read_only_and_its_keys_say_why(county):
    rules.open_year(2010)
    appraised = appraisal_rules.save_appraisal({"grade": "basic"}, person_id=county["li"].id, year=2010)
    appraisal_rules.save_disposal({"kind": "correct", "decided_on": "2010-12-01", "due_date": "2011-03-01"},
                                  appraisal_id=appraised.id)
    rules.close_year(2010)
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.set_year(2010)
        await open_area(app, pilot)
        assert "P 星级建议" not in footer_keys(app)  # a write the closed year refuses: not offered
        assert "已关闭，只读" in text_of(app.screen, "#ap-summary")
        await pilot.press("P")
        await settle(app, pilot)
        assert "2010年度已关闭" in notes(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "e 评议" not in footer_keys(app) and "Esc 返回" in footer_keys(app)
        await choose_member(app, pilot, "李四")
        for key in ("e", "d", "s", "h"):
            await pilot.press(key)
            await settle(app, pilot)
            assert type(app.screen).__name__ == "BranchScreen", key
        assert Appraisal.get().grade == "basic"
        assert "本年度已关闭，只能查看" in text_of(app.screen, "#br-summary")
        # an open 处置 is carried on: it can still be closed (销号), in the open year
        await pilot.press("x")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CloseDisposalForm"
        app.screen.query_one("#f-closed_on").value = "2010-12-20"  # a date in the closed year: refused
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "2010年度已关闭" in text_of(app.screen, "#form-error, .field-error")
        assert Disposal.get().closed_on is None
        app.screen.query_one("#f-closed_on").value = "2011-02-20"
        app.screen.query_one("#f-result").value = "已改正"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "BranchScreen"
        assert (Disposal.get().closed_on, Disposal.get().result) == (date(2011, 2, 20), "已改正")


@aio
async def test_an_appraisal_typed_with_the_keyboard_alone(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_branch(app, pilot)
        await pilot.press("enter")  # Enter on a member: the appraisal form
        await settle(app, pilot)
        assert type(app.screen).__name__ == "AppraisalForm"
        assert app.screen.focused.id == "f-grade"
        await pilot.press("enter", "down", "down", "enter")  # 未评定 → 优秀 → 合格
        await settle(app, pilot)
        assert app.screen.query_one("#f-grade").value == "qualified"
        await pilot.press("tab")
        for text in ("9", "8", "1", "7"):  # 发放, 有效, 优秀, 合格
            await type_text(pilot, text)
            await pilot.press("tab")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "BranchScreen"
        saved = Appraisal.get(Appraisal.person == county["li"].id)
        assert (saved.grade, saved.ballots_issued, saved.ballots_valid, saved.votes_excellent, saved.votes_qualified) \
            == ("qualified", 9, 8, 1, 7)
