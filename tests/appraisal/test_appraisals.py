"""民主评议党员: the values a form gives, one appraisal per member and year, the 优秀 quota, delete/restore."""

from __future__ import annotations

import json
from datetime import date

import pytest
from appraisal_util import appraise, members

from pledgebook.models.appraisal import rules as appraising
from pledgebook.models.appraisal.validate import FieldErrors, appraisal_values
from pledgebook.models.core.errors import ValidationError, YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store import settings
from pledgebook.models.store.tables import Appraisal, AuditLog

# ------------------------------------------------------------------ validate (pure)


def test_values_take_labels_and_counts():
    values = appraisal_values({"grade": "优秀", "ballots_issued": "20", "ballots_valid": 19, "votes_excellent": 12,
                               "votes_qualified": 6, "decided_on": "2011-12-20", "comment": " 表现突出 "})
    assert values == {"grade": "excellent", "ballots_issued": 20, "ballots_valid": 19, "votes_excellent": 12,
                      "votes_qualified": 6, "decided_on": date(2011, 12, 20), "comment": "表现突出"}
    assert appraisal_values({"grade": ""}) == {"grade": None}
    assert appraisal_values({"exempt_reason": "流动党员"}) == {"exempt_reason": "流动党员"}


@pytest.mark.parametrize(("raw", "field", "words"), [
    ({"grade": "良好"}, "grade", "组织评定等次「良好」不在可选范围内"),
    ({"ballots_issued": -1}, "ballots_issued", "发放票数不能为负数"),
    ({"ballots_issued": "很多"}, "ballots_issued", "发放票数应为整数"),
    ({"ballots_issued": 10, "ballots_valid": 11}, "ballots_valid", "有效票 11 不能多于发放票数 10"),
    ({"ballots_valid": 10, "votes_excellent": 6, "votes_qualified": 5}, "votes_excellent", "多于有效票 10"),
    ({"grade": "合格", "exempt_reason": "长期病休"}, "grade", "不参评的党员（原因：长期病休）不评定等次"),
    ({"decided_on": "2011-13-40"}, "decided_on", "评定日期"),
    ({"decided_on": date(2999, 1, 1)}, "decided_on", "不能晚于今天"),
    ({"grades": "优秀"}, "grades", "民主评议没有「grades」这一项"),
])
def test_values_refused_naming_the_field(raw, field, words):
    with pytest.raises(ValidationError) as err:
        appraisal_values(raw)
    assert isinstance(err.value, FieldErrors)
    assert field in err.value.errors
    assert words in err.value.errors[field]
    assert words in err.value.message


def test_every_refused_field_at_once():
    with pytest.raises(FieldErrors) as err:
        appraisal_values({"grade": "良好", "ballots_issued": -3})
    assert set(err.value.errors) == {"grade", "ballots_issued"}


# ------------------------------------------------------------------ one per member and year


def test_save_and_change_are_audited(county):
    zhang = county["zhang"]
    saved = appraising.save_appraisal({"grade": "合格", "ballots_issued": 3, "ballots_valid": 3, "votes_qualified": 3},
                                      person_id=zhang.id, year=2011)
    assert (saved.org_id, saved.grade, saved.ballots_valid) == (county["b1"].id, "qualified", 3)
    changed = appraising.save_appraisal({"comment": "认真履职"}, person_id=zhang.id, year=2011, appraisal_id=saved.id)
    assert (changed.grade, changed.comment) == ("qualified", "认真履职")  # what was not given stays
    log = [(a.action, json.loads(a.changes)) for a in AuditLog.select().where(AuditLog.record_uid == saved.uid)
           .order_by(AuditLog.id)]
    assert log[0][0] == "create" and log[0][1]["grade"] == [None, "qualified"]
    assert log[1] == ("update", {"comment": ["", "认真履职"]})


def test_one_appraisal_per_member_per_year(county):
    zhang = county["zhang"]
    first = appraising.save_appraisal({"grade": "合格"}, person_id=zhang.id, year=2011)
    with pytest.raises(ValidationError, match=f"张三 2011年度已有民主评议记录（编号 {first.id}）：每名党员每年只评议一次"):
        appraising.save_appraisal({"grade": "基本合格"}, person_id=zhang.id, year=2011)
    assert Appraisal.select().count() == 1
    appraising.delete_appraisal(first.id)
    second = appraising.save_appraisal({"grade": "基本合格"}, person_id=zhang.id, year=2011)
    with pytest.raises(ValidationError, match="已有民主评议记录"):  # the deleted one cannot come back beside it
        appraising.restore_appraisal(first.id)
    assert Appraisal.get_by_id(second.id).deleted_at is None


def test_year_must_exist_and_person_be_known(county):
    with pytest.raises(ValidationError, match="2012年度尚未建立"):
        appraising.save_appraisal({"grade": "合格"}, person_id=county["li"].id, year=2012)
    with pytest.raises(ValidationError, match="未找到参评党员"):
        appraising.save_appraisal({"grade": "合格"}, person_id=99999, year=2011)


def test_not_on_the_roll_is_refused(county):
    li = county["li"]
    li.state = "transferred"
    li.save()
    with pytest.raises(ValidationError, match="参评党员「李四」不是在册人员（转出）"):
        appraising.save_appraisal({"grade": "合格"}, person_id=li.id, year=2011)


def test_grade_with_exempt_reason_is_refused_on_change_too(county):
    saved = appraising.save_appraisal({"grade": "合格"}, person_id=county["zhang"].id, year=2011)
    with pytest.raises(ValidationError, match="不参评的党员（原因：流动党员）不评定等次：请清空组织评定等次"):
        appraising.save_appraisal({"exempt_reason": "流动党员"}, person_id=county["zhang"].id, year=2011,
                                  appraisal_id=saved.id)
    exempt = appraising.save_appraisal({"exempt_reason": "流动党员", "grade": None}, person_id=county["zhang"].id,
                                       year=2011, appraisal_id=saved.id)
    assert (exempt.grade, exempt.exempt_reason) == (None, "流动党员")


def test_closed_year_is_read_only(county):
    saved = appraising.save_appraisal({"grade": "合格"}, person_id=county["zhang"].id, year=2011)
    rules.close_year(2011)
    with pytest.raises(YearClosed, match="2011年度已关闭"):
        appraising.save_appraisal({"comment": "补记"}, person_id=county["zhang"].id, year=2011, appraisal_id=saved.id)
    with pytest.raises(YearClosed):
        appraising.save_appraisal({"grade": "合格"}, person_id=county["li"].id, year=2011)
    with pytest.raises(YearClosed):
        appraising.delete_appraisal(saved.id)
    assert Appraisal.get_by_id(saved.id).comment == ""


def test_record_cannot_move_to_another_member(county):
    saved = appraising.save_appraisal({"grade": "合格"}, person_id=county["zhang"].id, year=2011)
    with pytest.raises(ValidationError, match="是 张三 2011年度的，不能改到别的党员或年度"):
        appraising.save_appraisal({"grade": "优秀"}, person_id=county["li"].id, year=2011, appraisal_id=saved.id)


# ------------------------------------------------------------------ the quota


def test_quota_boundary_three_appraised_one_excellent(county):
    b2 = county["b2"]
    people = [county["wang"], *members(b2, ["赵一", "钱二"])]
    appraise(people, ["优秀", "合格", "合格"])  # 3 appraised → ⌊3 × 1/3⌋ = 1 优秀 allowed
    q = appraising.quota(b2.id, 2011)
    assert (q.appraised, q.excellent, q.limit, q.over) == (3, 1, 1, False)
    second = Appraisal.get(Appraisal.person == people[1].id)
    with pytest.raises(appraising.QuotaError) as err:
        appraising.save_appraisal({"grade": "优秀"}, person_id=people[1].id, year=2011, appraisal_id=second.id)
    assert err.value.field == "grade"
    assert err.value.message.startswith("碧溪村党支部参评党员 3 人，优秀最多 1 人（比例上限 1/3），现为 2 人。")
    assert "优秀比例上限" in err.value.message and "改评为其他等次" in err.value.message
    assert Appraisal.get_by_id(second.id).grade == "qualified"  # nothing changed
    assert appraising.quota(b2.id, 2011).excellent == 1


def test_exempt_members_are_not_counted_undecided_ones_are(county):
    b1 = county["b1"]
    people = [county["zhang"], county["li"], *members(b1, ["甲", "乙", "丙", "丁"])]
    appraise(people[2:5], [None, None, None], exempt_reason="流动党员")  # exempt: never counted
    with pytest.raises(appraising.QuotaError, match="参评党员 1 人，优秀最多 0 人（比例上限 1/3），现为 1 人"):
        appraising.save_appraisal({"grade": "优秀"}, person_id=people[0].id, year=2011)
    undecided = appraise(people[:2], [None, None])  # votes in, branch not decided yet: counted
    assert appraising.quota(b1.id, 2011).appraised == 2
    with pytest.raises(appraising.QuotaError, match="参评党员 2 人，优秀最多 0 人"):
        appraising.save_appraisal({"grade": "优秀"}, person_id=people[0].id, year=2011, appraisal_id=undecided[0].id)
    appraise(people[5:], [None])
    appraising.save_appraisal({"grade": "优秀"}, person_id=people[0].id, year=2011, appraisal_id=undecided[0].id)
    q = appraising.quota(b1.id, 2011)
    assert (q.appraised, q.excellent, q.limit) == (3, 1, 1)


def test_first_excellent_of_an_empty_branch_is_refused_with_what_to_do(county):
    with pytest.raises(appraising.QuotaError, match="参评党员 1 人，优秀最多 0 人.*先录入他们的测评票数或等次"):
        appraising.save_appraisal({"grade": "优秀"}, person_id=county["wang"].id, year=2011)
    assert Appraisal.select().count() == 0 and AuditLog.select().where(AuditLog.table == "appraisal").count() == 0


def test_setting_in_percent_and_a_branch_already_over(county):
    b2 = county["b2"]
    people = [county["wang"], *members(b2, ["赵一", "钱二", "孙三", "周四", "吴五"])]
    done = appraise(people, ["优秀", "优秀", "合格", "合格", "合格", "合格"])  # 6 → 2 allowed
    settings.set_value("appraisal_excellent_max", "20%")  # 6 × 1/5 → 1: now over
    q = appraising.quota(b2.id, 2011)
    assert (q.limit, q.over, q.share) == (1, True, "20%")
    # a change that does not make it worse goes through; one that does is refused
    appraising.save_appraisal({"comment": "已核"}, person_id=people[0].id, year=2011, appraisal_id=done[0].id)
    with pytest.raises(appraising.QuotaError, match="比例上限 20%"):
        appraising.save_appraisal({"grade": "优秀"}, person_id=people[2].id, year=2011, appraisal_id=done[2].id)
    appraising.save_appraisal({"grade": "合格"}, person_id=people[1].id, year=2011, appraisal_id=done[1].id)
    assert not appraising.quota(b2.id, 2011).over


def test_quota_problems_with_planned(county):
    b1, b2 = county["b1"], county["b2"]
    extra = members(b1, ["甲"])
    appraise([county["zhang"], county["li"], extra[0]], ["优秀", "合格", "合格"])
    assert appraising.quota_problems(2011) == []
    # a sheet that would grade 李四 优秀 too and grade 王五 (no record yet) 优秀
    found = appraising.quota_problems(2011, {county["li"].id: "excellent", county["wang"].id: "excellent"})
    assert [(q.org_name, q.appraised, q.excellent, q.limit) for q in found] == [
        ("新华村党支部", 3, 2, 1), ("碧溪村党支部", 1, 1, 0)]
    # the sheet marks 张三 exempt instead: 2 appraised, 1 优秀 → ⌊2/3⌋ = 0, still over
    found = appraising.quota_problems(2011, {county["zhang"].id: appraising.EXEMPT, county["li"].id: "excellent"})
    assert [(q.org_id, q.appraised, q.excellent, q.limit) for q in found] == [(b1.id, 2, 1, 0)]
    # undecided (None) still counts: 3 appraised, 1 优秀 (李四) → fine
    assert appraising.quota_problems(2011, {county["zhang"].id: None, county["li"].id: "excellent"}) == []
    assert Appraisal.select().where(Appraisal.grade == "excellent").count() == 1  # nothing written
    assert b2.id not in {q.org_id for q in appraising.quota_problems(2011, {county["wang"].id: "qualified"})}


# ------------------------------------------------------------------ delete / restore


def test_delete_and_restore_keep_the_quota(county):
    b2 = county["b2"]
    people = [county["wang"], *members(b2, ["赵一", "钱二", "孙三"])]
    done = appraise(people, ["优秀", "合格", "合格", "合格"])
    appraising.delete_appraisal(done[3].id)  # 3 left, 1 优秀: still within
    with pytest.raises(appraising.QuotaError, match="参评党员 2 人，优秀最多 0 人（比例上限 1/3），现为 1 人"):
        appraising.delete_appraisal(done[2].id)
    assert Appraisal.get_by_id(done[2].id).deleted_at is None
    appraising.restore_appraisal(done[3].id)
    appraising.delete_appraisal(done[0].id)
    appraising.save_appraisal({"grade": "优秀"}, person_id=people[1].id, year=2011, appraisal_id=done[1].id)
    with pytest.raises(appraising.QuotaError, match="现为 2 人"):
        appraising.restore_appraisal(done[0].id)
    appraising.save_appraisal({"grade": "合格"}, person_id=people[1].id, year=2011, appraisal_id=done[1].id)
    appraising.restore_appraisal(done[0].id)
    assert Appraisal.get_by_id(done[0].id).deleted_at is None
    actions = [a.action for a in AuditLog.select().where(AuditLog.record_uid == done[0].uid).order_by(AuditLog.id)]
    assert actions == ["create", "update", "delete", "restore"]  # made, graded 优秀, deleted, back
