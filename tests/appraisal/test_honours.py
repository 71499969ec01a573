"""评选表彰: the county's criteria, candidates proposed from the records, the office's candidates with reasons,
decisions within each 乡镇（党委）'s quota, and every refusal with its message."""

from __future__ import annotations

from datetime import date

import pytest

from pledgebook.models.appraisal import criteria
from pledgebook.models.appraisal import rules as A
from pledgebook.models.core.errors import ValidationError, YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit, settings
from pledgebook.models.store.tables import AuditLog, Honour
from tests.standing_util import YEAR, appraise, build, dispose


@pytest.fixture
def town(county):
    t = build(county)
    A.propose_stars(YEAR)  # b3 5 stars; b1, g, grp 4; b2 1
    return t


def _unmet(t, kind: str, org: str, person: str | None = None) -> list[str]:
    return criteria.unmet(kind, YEAR, org_id=t[org].id, person_id=t[person].id if person else None)


def test_criteria_of_an_excellent_member(town):
    assert _unmet(town, "excellent_member", "b1", "zhang") == []
    assert _unmet(town, "excellent_member", "b1", "li") == [
        "2011年度 1 项承诺中 0 项已兑现，未全部兑现", "还有 1 项承诺的整改未完成", "2011年度民主评议为「合格」，不是「优秀」"]
    assert _unmet(town, "excellent_member", "b3", "zhao") == ["2011年度没有作出个人承诺"]
    assert _unmet(town, "excellent_member", "b2", "sun") == ["2011年度没有作出个人承诺", "2011年度未参加民主评议或尚未评定等次"]


def test_criteria_of_an_excellent_worker(town):
    assert _unmet(town, "excellent_worker", "b1", "zhang") == []
    assert _unmet(town, "excellent_worker", "b3", "zhao") == ["未担任职务（党员信息中职务为空）"]
    # a post that is not party work does not make a 党务工作者
    for post, ok in (("村委会委员", False), ("党员", False), ("致富带头人", False), ("组织委员", True),
                     ("党支部副书记", True), ("乡党委组织员", True)):
        rules.update_person(town["zhao"].id, post=post)
        assert (_unmet(town, "excellent_worker", "b3", "zhao") == []) is ok, post
    assert _unmet(town, "excellent_worker", "b3", "zhao") == []
    rules.update_person(town["zhao"].id, post="村委会委员")
    assert _unmet(town, "excellent_worker", "b3", "zhao") == ["职务「村委会委员」不是党务工作职务（书记、支委、组织员等）"]
    assert _unmet(town, "excellent_worker", "b1", "li") == [
        "2011年度民主评议为「合格」，不是「优秀」", "未担任职务（党员信息中职务为空）", "还有 1 项承诺的整改未完成"]


def test_criteria_of_an_advanced_org(town):
    assert _unmet(town, "advanced_org", "b3") == []
    assert _unmet(town, "advanced_org", "b1") == ["2011年度建议星级为 4 星，不是最高的 5 星"]
    assert _unmet(town, "advanced_org", "b2") == ["2011年度建议星级为 1 星，不是最高的 5 星", "本组织还有 1 项组织处置未销号"]
    assert _unmet(town, "advanced_org", "committee") == ["2011年度没有星级评定", "本组织还有 1 项组织处置未销号"]
    A.confirm_stars(town["b3"].id, YEAR, 4)  # the confirmed stars count, not the proposal
    assert _unmet(town, "advanced_org", "b3") == ["2011年度星级为 4 星，不是最高的 5 星"]


def test_an_open_disposal_in_a_sub_branch_counts_for_the_general_branch(town):
    A.confirm_stars(town["g"].id, YEAR, 5)
    assert _unmet(town, "advanced_org", "g") == []
    dispose(town["appraisals"]["qian"])
    assert _unmet(town, "advanced_org", "g") == ["本组织还有 1 项组织处置未销号"]


def test_propose_candidates_from_the_records(town):
    assert A.propose_candidates(YEAR) == {"advanced_org": 1, "excellent_member": 1, "excellent_worker": 1}
    made = {(h.kind, h.org_id, h.person_id, h.source, h.status, h.meets_criteria) for h in Honour.select()}
    assert made == {
        ("advanced_org", town["b3"].id, None, "proposed", "candidate", True),
        ("excellent_member", town["b1"].id, town["zhang"].id, "proposed", "candidate", True),
        ("excellent_worker", town["b1"].id, town["zhang"].id, "proposed", "candidate", True),
    }
    assert AuditLog.select().where(AuditLog.table == "honour").count() == 3
    proposed = Honour.get(Honour.kind == "advanced_org")
    assert audit.history(proposed.uid)[0]["changes"]["org"] == [None, town["b3"].uid]
    assert A.propose_candidates(YEAR) == {"advanced_org": 0, "excellent_member": 0, "excellent_worker": 0}
    assert Honour.select().count() == 3


def test_a_candidate_meeting_the_criteria(town):
    honour = A.add_candidate("优秀共产党员", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id, source="乡镇推荐")
    assert (honour.kind, honour.source, honour.status, honour.meets_criteria, honour.reason) == (
        "excellent_member", "recommended", "candidate", True, "")
    assert audit.history(honour.uid)[0]["action"] == "create"


def test_a_candidate_not_meeting_the_criteria_needs_a_reason(town):
    with pytest.raises(ValidationError, match="赵六不符合优秀党务工作者的条件：未担任职务（党员信息中职务为空）。如确需提名，请填写理由"):
        A.add_candidate("excellent_worker", YEAR, org_id=town["b3"].id, person_id=town["zhao"].id)
    assert Honour.select().count() == 0
    honour = A.add_candidate("excellent_worker", YEAR, org_id=town["b3"].id, person_id=town["zhao"].id,
                             reason="长期负责党费收缴和组织生活记录，群众公认")
    assert (honour.meets_criteria, honour.reason) == (False, "长期负责党费收缴和组织生活记录，群众公认")
    assert audit.history(honour.uid)[0]["changes"]["meets_criteria"] == [None, False]


def test_one_live_candidate_per_person_and_kind(town):
    A.add_candidate("excellent_member", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id)
    with pytest.raises(ValidationError, match="张三已是2011年度优秀共产党员的候选（同一类表彰每年只能提名一次），不能重复提名"):
        A.add_candidate("excellent_member", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id, reason="再报")
    A.add_candidate("excellent_worker", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id)  # another kind
    A.add_candidate("advanced_org", YEAR, org_id=town["b3"].id)
    with pytest.raises(ValidationError, match="勐先村党支部已是2011年度先进基层党组织的候选"):
        A.add_candidate("advanced_org", YEAR, org_id=town["b3"].id)
    assert Honour.select().count() == 3


def test_candidate_refusals_name_what_to_fix(town):
    with pytest.raises(ValidationError, match="表彰类别「劳动模范」不在可选范围内"):
        A.add_candidate("劳动模范", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id)
    with pytest.raises(ValidationError, match="优秀共产党员表彰的是党员，请选择党员"):
        A.add_candidate("excellent_member", YEAR, org_id=town["b1"].id)
    with pytest.raises(ValidationError, match="张三是新华村党支部的党员，不是碧溪村党支部的"):
        A.add_candidate("excellent_member", YEAR, org_id=town["b2"].id, person_id=town["zhang"].id)
    rules.update_person(town["li"].id, state="转出")
    with pytest.raises(ValidationError, match="李四已转出，不能提名表彰"):
        A.add_candidate("excellent_member", YEAR, org_id=town["b1"].id, person_id=town["li"].id, reason="x")
    assert Honour.select().count() == 0


def test_decide_within_the_township_quota(town):
    zhang = A.add_candidate("excellent_worker", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id)
    li = A.add_candidate("excellent_worker", YEAR, org_id=town["b1"].id, person_id=town["li"].id, reason="组织委员，工作扎实")
    zhao = A.add_candidate("excellent_worker", YEAR, org_id=town["b3"].id, person_id=town["zhao"].id, reason="党费管理")
    decided = A.decide(zhang.id, "确定表彰")
    assert (decided.status, decided.decided_on) == ("confirmed", date.today())
    with pytest.raises(ValidationError, match=(
            "中共联珠镇委员会2011年度优秀党务工作者名额为 1 名，已确定 1 名（张三），不能再确定「李四」。"
            "如需调整，请先把其中一名改为「未通过」或「候选」")):
        A.decide(li.id, "confirmed")
    assert Honour.get_by_id(li.id).status == "candidate"
    A.decide(zhao.id, "confirmed")  # 通关镇 has a quota of its own
    A.decide(zhang.id, "declined", decided_on="2011-12-20")
    assert Honour.get_by_id(zhang.id).decided_on == date(2011, 12, 20)
    A.decide(li.id, "confirmed")
    back = A.decide(li.id, "候选")
    assert (back.status, back.decided_on) == ("candidate", None)


def test_quota_follows_the_setting_and_counts_the_whole_township(town):
    settings.set_value("honour_quota", "1/1/1")
    appraise(town["wang"], None, year=YEAR + 1)  # another year's appraisal changes nothing here
    first = A.add_candidate("excellent_member", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id)
    second = A.add_candidate("excellent_member", YEAR, org_id=town["grp"].id, person_id=town["qian"].id, reason="带头")
    A.decide(first.id, "confirmed")
    with pytest.raises(ValidationError, match="中共联珠镇委员会2011年度优秀共产党员名额为 1 名"):
        A.decide(second.id, "confirmed")  # a member of a branch under a 党总支: the same township


def test_quota_usage(town):
    A.propose_candidates(YEAR)
    zhang = Honour.get((Honour.kind == "excellent_member") & (Honour.person == town["zhang"].id))
    A.decide(zhang.id, "confirmed")
    usage = {(u.committee, u.kind): (u.candidates, u.confirmed, u.quota, u.left) for u in A.quota_usage(YEAR)}
    assert usage == {
        ("中共联珠镇委员会", "advanced_org"): (0, 0, 1, 1),
        ("中共联珠镇委员会", "excellent_member"): (1, 1, 3, 2),
        ("中共联珠镇委员会", "excellent_worker"): (1, 0, 1, 1),
        ("中共通关镇委员会", "advanced_org"): (1, 0, 1, 1),
        ("中共通关镇委员会", "excellent_member"): (0, 0, 3, 3),
        ("中共通关镇委员会", "excellent_worker"): (0, 0, 1, 1),
    }


def test_delete_and_restore(town):
    first = A.add_candidate("excellent_worker", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id)
    A.decide(first.id, "confirmed")
    A.delete_honour(first.id)
    assert Honour.get_by_id(first.id).deleted_at is not None
    other = A.add_candidate("excellent_worker", YEAR, org_id=town["b1"].id, person_id=town["li"].id, reason="组织委员")
    A.decide(other.id, "confirmed")
    with pytest.raises(ValidationError, match="名额为 1 名，已确定 1 名（李四），不能再确定「张三」"):
        A.restore_honour(first.id)
    A.delete_honour(other.id)
    again = A.add_candidate("excellent_worker", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id)
    with pytest.raises(ValidationError, match="张三已是2011年度优秀党务工作者的候选"):
        A.restore_honour(first.id)
    A.delete_honour(again.id)
    A.restore_honour(first.id)
    assert Honour.get_by_id(first.id).deleted_at is None


def test_closed_year_is_read_only(town):
    honour = A.add_candidate("excellent_member", YEAR, org_id=town["b1"].id, person_id=town["zhang"].id)
    rules.close_year(YEAR)
    for call in (lambda: A.propose_candidates(YEAR),
                 lambda: A.add_candidate("advanced_org", YEAR, org_id=town["b3"].id),
                 lambda: A.decide(honour.id, "confirmed"), lambda: A.delete_honour(honour.id)):
        with pytest.raises(YearClosed, match="2011年度已关闭"):
            call()
    assert Honour.get_by_id(honour.id).status == "candidate"
    assert Honour.select().count() == 1
