"""Pilot tests of 评议评星 at 80×24, its stars and honours: stars proposed for every branch, a branch's points
(refused beyond an item's full points) and its stars confirmed, the stars over the years; a candidate who
does not meet the criteria put forward with a reason; a decision refused beyond the township's quota; the
printing from the palette and the keys in F1."""

from __future__ import annotations

from appraisal_tui_util import choose_member, open_area, open_branch
from tui_util import aio, command, make_app, notes, settle, text_of

from pledgebook.models.appraisal import rules as appraisal_rules
from pledgebook.models.appraisal.rules import honours, stars
from pledgebook.models.store.tables import Honour, StarRating


def live_rating(org_id: int) -> StarRating:
    return StarRating.get((StarRating.org == org_id) & (StarRating.year == 2011))


@aio
async def test_stars_proposed_for_every_branch_then_scored_and_confirmed(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(app, pilot)
        await pilot.press("P")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("y")
        await settle(app, pilot)
        assert StarRating.select().count() == 2  # both branches
        assert "新建 2 个" in notes(app)
        proposed = live_rating(county["b1"].id).proposed_stars
        assert f"建议{proposed}星" in [str(c) for c in app.screen.query_one("#ap-branches").get_row_at(0)]
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "StarScoreForm"
        assert "领导班子好（满分 20）" in text_of(form, ".inline-label")
        form.query_one("#f-score_leadership").value = "25"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "领导班子好的得分应在 0 到 20 分之间" in text_of(form, "#e-score_leadership")
        assert live_rating(county["b1"].id).score_leadership == 20  # unchanged
        form.query_one("#f-score_leadership").value = "15"
        await settle(app, pilot)
        rating = live_rating(county["b1"].id)
        total = round(15 + rating.score_members + rating.score_mechanism + rating.score_performance
                      + rating.score_public, 1)
        assert f"合计 {total:g} 分，按分数线为{'一二三四五'[stars.stars_for(total) - 1]}星" in text_of(form, "#star-total")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "BranchScreen"
        assert live_rating(county["b1"].id).score_leadership == 15
        await pilot.press("a")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmStarsForm"
        app.screen.query_one("#f-stars").value = 2
        app.screen.query_one("#f-note").value = "群众反映较多"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        rating = live_rating(county["b1"].id)
        assert (rating.stars, rating.note, rating.confirmed_on is not None) == (2, "群众反映较多", True)
        summary = text_of(app.screen, "#br-summary")
        assert "星级：2星" in summary and "历年：2011 2星" in summary


@aio
async def test_confirm_all_takes_the_proposals_of_the_committee_shown(county):
    stars.propose_stars(2011)
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(app, pilot)
        app.screen.query_one("#ap-committee").value = county["committee"].id
        await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        assert "联珠镇党委" in text_of(app.screen, ".confirm-text")
        await pilot.press("y")
        await settle(app, pilot)
        assert [r.stars for r in StarRating.select()] == [r.proposed_stars for r in StarRating.select()]
        assert "已按建议确定 2 个党支部的星级" in notes(app)


@aio
async def test_a_candidate_short_of_the_criteria_needs_a_reason(county):
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_branch(app, pilot)
        await choose_member(app, pilot, "张三")
        await pilot.press("h")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "CandidateForm"
        assert "不符合优秀共产党员的条件" in text_of(form, "#criteria-line")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "张三不符合优秀共产党员的条件" in text_of(form, "#e-reason") and "请填写理由" in text_of(form, "#e-reason")
        assert Honour.select().count() == 0
        form.query_one("#f-reason").value = "抗洪抢险中表现突出"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "BranchScreen"
        honour = Honour.get()
        assert (honour.kind, honour.person_id, honour.meets_criteria, honour.reason) == (
            "excellent_member", county["zhang"].id, False, "抗洪抢险中表现突出")


@aio
async def test_decisions_within_the_townships_quota(county):
    for who in ("zhang", "li"):  # 优秀党务工作者: one a township by default
        honours.add_candidate("excellent_worker", 2011, org_id=county["b1"].id, person_id=county[who].id, reason="推荐")
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HonoursScreen"
        assert "名额 1 名，已确定 0 名" in text_of(app.screen, "#ho-quota")
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "DecideForm"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HonoursScreen"
        assert "已确定 1 名" in text_of(app.screen, "#ho-quota")
        app.screen.query_one("#ho-table").move_cursor(row=1)
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        said = text_of(form, "#e-status")
        assert "中共联珠镇委员会2011年度优秀党务工作者名额为 1 名，已确定 1 名" in said
        assert sorted(h.status for h in Honour.select()) == ["candidate", "confirmed"]
        await pilot.press("escape")  # nothing typed: leaves at once
        await settle(app, pilot)
        await pilot.press("x")  # the same form, 未通过 chosen
        await settle(app, pilot)
        assert app.screen.query_one("#f-status").value == "declined"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HonoursScreen"
        assert sorted(h.status for h in Honour.select()) == ["confirmed", "declined"]


@aio
async def test_print_the_star_table_from_the_palette(county, tmp_path):
    stars.propose_stars(2011)
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(app, pilot)
        command("打印星级评定表").run(app)
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "AppraisalPrintDialog"
        assert "墨江哈尼族自治县" in text_of(form, ".dialog-title")
        form.query_one("#f-path").value = str(tmp_path / "星级")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert (tmp_path / "星级.xlsx").stat().st_size > 0
        assert "2 个党支部" in notes(app)
        # a 公示 of honours with none confirmed: refused in the form, no file
        command("打印表彰名单").run(app)
        await settle(app, pilot)
        app.screen.query_one("#f-path").value = str(tmp_path / "表彰名单.xlsx")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "AppraisalPrintDialog"
        assert text_of(app.screen, "#form-error").startswith("✗")
        assert not (tmp_path / "表彰名单.xlsx").exists()


@aio
async def test_f1_lists_the_areas_keys(county):
    appraisal_rules.save_appraisal({"grade": "qualified"}, person_id=county["li"].id, year=2011)
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(app, pilot)
        await pilot.press("f1")
        await settle(app, pilot)
        shown = text_of(app.screen, "Static")
        assert "8            评议评星" in shown and "[b]评议评星[/b]" not in shown
        assert "生成全县星级建议" in shown and "处置销号" in shown and "按评选条件推荐候选" in shown


@aio
async def test_print_the_ballots_and_the_notice_of_the_branch_shown(county, tmp_path):
    appraisal_rules.save_appraisal({"grade": "qualified"}, person_id=county["li"].id, year=2011)
    app = make_app(county["path"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_branch(app, pilot)  # 新华村党支部: what is printed
        command("打印民主测评票").run(app)
        await settle(app, pilot)
        form = app.screen
        assert "新华村党支部" in text_of(form, ".dialog-title")
        form.query_one("#f-path").value = str(tmp_path / "测评票.xlsx")
        form.query_one("#f-copies").value = ""  # one per member taking part
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert (tmp_path / "测评票.xlsx").exists() and (tmp_path / "测评票_计票表.xlsx").exists()
        assert "1 张表，2 人" in notes(app) and "测评票_计票表.xlsx" in notes(app)
        command("打印民主评议公示").run(app)
        await settle(app, pilot)
        form = app.screen
        form.query_one("#f-path").value = str(tmp_path / "公示.xlsx")
        form.query_one("#f-published_on").value = "2011-09-20"
        form.query_one("#f-by").value = "township"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert (tmp_path / "公示.xlsx").exists()
        assert "1 张表，1 人" in notes(app)
