"""Domain rules: what a clerk can and cannot record, and the audit trail it leaves."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from pledgebook.models.core.errors import (
    NotInitialized,
    PledgebookError,
    ValidationError,
    ValidationErrors,
    YearClosed,
)
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit, settings
from pledgebook.models.store.tables import AuditLog, Evaluation, Pledge, Progress


def _pledge(county, **kw):
    content = kw.pop("content", "为群众办实事10件")
    fields = dict(person_id=county["zhang"].id, category="服务人民群众", due_date="2011年12月31日")
    fields.update(kw)
    return rules.create_pledge(2011, content, **fields)


def test_init_writes_settings_root_year_and_categories(county):
    from pledgebook.models.store.db import county as county_info

    assert county_info() == {"name": "墨江哈尼族自治县", "code": "530822", "level": "county"}
    assert rules.current_year() == 2011
    assert "推动科学发展" in rules.categories().values()
    assert county["root"].path == f"/{county['root'].id}/"
    assert county["b1"].path.startswith(county["committee"].path)


def test_init_refuses_bad_values_and_a_second_county(db_path):
    with pytest.raises(ValidationErrors) as err:
        rules.init_county("", "5308", 1990)
    assert set(err.value.errors) == {"name", "code", "year"}
    rules.init_county("墨江哈尼族自治县", "530822", 2011)
    with pytest.raises(PledgebookError, match="不能重复建立"):
        rules.init_county("另一个县", "530823", 2011)


def test_uninitialised_file_says_what_to_do(db_path):
    from pledgebook.models.store.db import county as county_info

    with pytest.raises(NotInitialized, match="pledgebook init"):
        county_info()


def test_create_pledge_for_person_and_org(county):
    p = _pledge(county)
    assert p.org_id == county["b1"].id and p.person_id == county["zhang"].id
    assert p.scope == "personal" and p.status == "in_progress" and p.due_date == date(2011, 12, 31)
    o = rules.create_pledge(2011, "建设党员活动室", org_id=county["b2"].id, category="加强基层组织")
    assert o.person_id is None and o.scope == "org"
    entry = AuditLog.get(AuditLog.record_uid == p.uid)
    assert entry.action == "create" and json.loads(entry.changes)["content"][1] == "为群众办实事10件"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"content": "   "}, "content"),
        ({"content": "x" * 2001}, "content"),
        ({"due_date": "2031-01-01"}, "due_date"),
        ({"due_date": "2011-02-30"}, "due_date"),
        ({"category": "不存在的类别"}, "category"),
        ({"content": "带\x07控制字符"}, "content"),
    ],
)
def test_create_pledge_refusals_name_the_field(county, kwargs, field):
    with pytest.raises(ValidationErrors) as err:
        _pledge(county, **kwargs)
    assert field in err.value.errors
    assert Pledge.select().count() == 0


def test_pledger_must_exist(county):
    with pytest.raises(ValidationError, match="承诺人"):
        rules.create_pledge(2011, "内容", person_id=99999)
    with pytest.raises(ValidationError, match="请选择承诺人"):
        rules.create_pledge(2011, "内容")


def test_year_must_exist_and_be_open(county):
    with pytest.raises(ValidationError, match="2012年度尚未建立"):
        rules.create_pledge(2012, "内容", person_id=county["zhang"].id)
    p = _pledge(county)
    ev = rules.record_evaluation(
        p.id, "群众评议", date="2011-11-01", votes_satisfied=8, votes_basic=1, votes_unsatisfied=1, rect_due="2011-12-30"
    )
    rules.close_year(2011)
    refusals = [
        lambda: _pledge(county),
        lambda: rules.update_pledge(p.id, content="改"),
        lambda: rules.add_progress(p.id, "进展"),
        lambda: rules.set_status(p.id, "已兑现"),
        lambda: rules.record_evaluation(p.id, "自评", grade="好"),
        lambda: rules.close_rectification(ev.id),
        lambda: rules.set_rectification(ev.id, "2011-12-31"),
        lambda: rules.soft_delete("pledge", p.id),
        lambda: rules.restore("pledge", p.id),
    ]
    for attempt in refusals:
        with pytest.raises(YearClosed, match="2011年度已关闭"):
            attempt()
    assert Pledge.get_by_id(p.id).content == "为群众办实事10件"


def test_progress_and_status(county):
    p = _pledge(county, status="拟定")
    assert p.status == "draft"
    rules.add_progress(p.id, "已走访10户", on="2011.6.1", percent="50%")
    assert Pledge.get_by_id(p.id).status == "in_progress"
    assert Progress.get().percent == 50 and Progress.get().date == date(2011, 6, 1)
    with pytest.raises(ValidationErrors) as err:
        rules.add_progress(p.id, "", percent=150)
    assert set(err.value.errors) == {"note", "percent"}
    rules.set_status(p.id, "已兑现", on="2011-11-30")
    p = Pledge.get_by_id(p.id)
    assert p.status == "fulfilled" and p.fulfilled_on == date(2011, 11, 30)
    with pytest.raises(ValidationError, match="已结转"):
        rules.set_status(p.id, "已结转")
    rules.set_status(p.id, "践诺中")
    assert Pledge.get_by_id(p.id).fulfilled_on is None


def test_public_evaluation_votes_and_rate(county):
    p = _pledge(county)
    ev = rules.record_evaluation(
        p.id, "群众评议", date="2011-11-20", ballots_issued=50, votes_satisfied=40, votes_basic=6, votes_unsatisfied=2
    )
    assert ev.ballots_valid == 48
    assert rules.satisfaction_rate(ev.votes_satisfied, ev.votes_basic, ev.ballots_valid) == pytest.approx(46 / 48)
    assert rules.participation_rate(ev.ballots_valid, ev.ballots_issued) == pytest.approx(48 / 50)
    # 2 of 48 unsatisfied is under the default 10% threshold; the county's rule decides
    assert not rules.needs_rectification(ev.kind, ev.grade, ev.votes_basic, ev.votes_unsatisfied, ev.ballots_valid)
    settings.set_value("整改规则", "有不满意票")
    assert rules.needs_rectification(ev.kind, ev.grade, ev.votes_basic, ev.votes_unsatisfied, ev.ballots_valid)
    settings.set_value("rectification_rule", "unsatisfied_over_threshold")
    settings.set_value("rectification_threshold", "4")
    assert rules.needs_rectification(ev.kind, ev.grade, ev.votes_basic, ev.votes_unsatisfied, ev.ballots_valid)
    assert rules.default_rectification_due(date(2011, 11, 20)) == date(2011, 12, 20)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"votes_satisfied": -1}, "votes_satisfied"),
        ({"ballots_issued": 10, "votes_satisfied": 11}, "ballots_valid"),
        ({"ballots_valid": 10, "votes_satisfied": 5, "votes_basic": 1}, "ballots_valid"),
        ({"grade": "优秀"}, "grade"),  # 优秀 is not a grade of 群众评议
        ({}, "votes_satisfied"),
        ({"votes_satisfied": "三"}, "votes_satisfied"),
        ({"votes_satisfied": 1, "date": (date.today() + timedelta(days=3)).isoformat()}, "date"),
    ],
)
def test_public_evaluation_refusals(county, kwargs, field):
    p = _pledge(county)
    with pytest.raises(ValidationErrors) as err:
        rules.record_evaluation(p.id, "public", **kwargs)
    assert field in err.value.errors
    assert Evaluation.select().count() == 0


def test_grades_fit_their_kind(county):
    p = _pledge(county)
    assert rules.record_evaluation(p.id, "组织评定", grade="优秀", score=92).grade == "excellent"
    assert rules.record_evaluation(p.id, "自评", grade="较好").grade == "fairly_good"
    with pytest.raises(ValidationErrors, match="不适用于自评"):
        rules.record_evaluation(p.id, "自评", grade="满意")
    with pytest.raises(ValidationErrors, match="0–100"):
        rules.record_evaluation(p.id, "组织评定", grade="合格", score=101)


def test_rectification_set_and_close(county):
    p = _pledge(county)
    fine = rules.record_evaluation(p.id, "群众评议", date="2011-10-01", votes_satisfied=10)
    with pytest.raises(ValidationError, match="没有整改要求"):
        rules.close_rectification(fine.id)
    ev = rules.record_evaluation(p.id, "群众评议", date="2011-10-01", votes_satisfied=5, votes_unsatisfied=5)
    assert ev.rect_due == date(2011, 10, 31)  # the county's 整改期限 (30 days) when none is given
    with pytest.raises(ValidationError, match="不能早于评议日期"):
        rules.set_rectification(ev.id, "2011-09-01")
    rules.set_rectification(ev.id, "2011-11-30", "逐户回访")
    rules.close_rectification(ev.id, "2011-11-15", "已整改")
    ev = Evaluation.get_by_id(ev.id)
    assert ev.rect_done == date(2011, 11, 15) and ev.rect_note == "已整改"
    with pytest.raises(ValidationError, match="已于 2011-11-15 完成"):
        rules.close_rectification(ev.id)


def test_soft_delete_and_restore_travel_in_the_audit(county):
    p = _pledge(county)
    rules.soft_delete("pledge", p.id)
    assert Pledge.get_by_id(p.id).deleted_at is not None
    with pytest.raises(ValidationError, match="已被删除"):
        rules.update_pledge(p.id, content="新内容")
    rules.restore("pledge", p.id)
    assert Pledge.get_by_id(p.id).deleted_at is None
    actions = [h["action"] for h in audit.history(p.uid)]
    assert actions == ["create", "delete", "restore"]


def test_org_with_members_cannot_be_deleted(county):
    with pytest.raises(ValidationError, match="1 名人员|2 名人员"):
        rules.soft_delete("org", county["b1"].id)
    with pytest.raises(ValidationError, match="根组织"):
        rules.soft_delete("org", county["root"].id)


def test_update_pledge_records_from_and_to(county):
    p = _pledge(county)
    rules.update_pledge(p.id, content="为群众办实事12件", person_id=county["wang"].id)
    p = Pledge.get_by_id(p.id)
    assert p.org_id == county["b2"].id
    changes = audit.history(p.uid)[-1]["changes"]
    assert changes["content"] == ["为群众办实事10件", "为群众办实事12件"]
    assert changes["person"] == [county["zhang"].uid, county["wang"].uid]


def test_person_id_number_checked_and_never_in_the_audit(county):
    good = "11010519491231002X"
    person = rules.create_person("赵六", county["b2"].id, id_number="110105194912310021"[:17] + "X", phone="138 1234 5678")
    assert person.id_number == good and person.phone == "13812345678"
    assert good not in "".join(r.changes for r in AuditLog.select())
    with pytest.raises(ValidationErrors) as err:
        rules.create_person("钱七", county["b2"].id, id_number="110105194912310022")
    assert "id_number" in err.value.errors
    with pytest.raises(ValidationErrors) as err:
        rules.create_person("孙八", county["b2"].id, id_number="5.30822e+17")
    assert "科学计数法" in err.value.errors["id_number"]
    with pytest.raises(ValidationError, match="已登记"):
        rules.create_person("周九", county["b2"].id, id_number=good)


def test_inactive_member_cannot_pledge(county):
    rules.update_person(county["li"].id, state="转出")
    with pytest.raises(ValidationError, match="已转出"):
        rules.create_pledge(2011, "内容", person_id=county["li"].id)


def test_stage_and_overdue(county):
    p = _pledge(county, due_date="2011-03-01")
    assert rules.stage(p) == "pledged"
    assert rules.is_overdue(p, today=date(2011, 3, 2)) and not rules.is_overdue(p, today=date(2011, 2, 28))
    rules.update_pledge(p.id, published_on="2011-02-01")
    assert rules.stage(Pledge.get_by_id(p.id)) == "published"
    rules.set_status(p.id, "已兑现", on="2011-02-20")
    assert not rules.is_overdue(Pledge.get_by_id(p.id), today=date(2011, 3, 2))
    rules.record_evaluation(p.id, "群众评议", date="2011-03-01", votes_satisfied=10)
    assert rules.stage(Pledge.get_by_id(p.id)) == "rewarded"


def test_settings_are_validated_and_audited(county):
    assert settings.get("publicity_days") == "7"
    assert settings.set_value("公示期", "10") == "10"
    with pytest.raises(ValidationError, match="1–90"):
        settings.set_value("publicity_days", "0")
    with pytest.raises(ValidationError, match="只能是"):
        settings.set_value("satisfaction_formula", "随便")
    with pytest.raises(ValidationError, match="没有名为"):
        settings.get("nope")
    assert settings.set_value("满意率算法", "满意÷有效票") == "satisfied_only"
    assert [h["changes"] for h in audit.history("publicity_days")] == [{"publicity_days": ["7", "10"]}]
