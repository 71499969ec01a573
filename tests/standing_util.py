"""A small county for the stars and honours tests, with every figure the star proposal reads worked out by hand.

Year 2011 (open). Full points 20 per item (the default scoring table), lines 90/80/70/60, deductions 1 point
per 逾期 pledge and per open rectification.

中共联珠镇委员会 (committee)
  新华村党支部 b1: 张三 (党支部书记) 优秀, 李四 合格
      pledges: the branch's, 已兑现, 群众评议 20 valid = 15 满意 + 3 基本满意 + 2 不满意 (满意率 0.9);
      张三's, 已兑现; 李四's, 践诺中 and due 2011-06-30 (逾期), with a 领导点评 「差」 (an open rectification);
      李四's second, 已撤销 (not counted)
      → 兑现率 2/3: 工作业绩 20 × 2/3 − 1 = 12.3; 群众反映 20 × 0.9 − 1 = 17.0; 党员队伍 20 × 2/2 = 20
      → total 20 + 20 + 20 + 12.3 + 17.0 = 89.3 → 4 stars
  碧溪村党支部 b2: 王五 基本合格 (an open 处置), 孙八 exempt (流动党员); no pledges, no ballots
      → 党员队伍 20 × 0/1 = 0; 工作业绩 0; 群众反映 0 → total 40 → 1 star
  龙坝村党总支 g (a general branch) › 龙坝村一组党支部 grp: 钱七 (in grp) 合格
      pledges: g's own, 已兑现; 钱七's, 已兑现; no ballots
      → g (its subtree): 工作业绩 20, 群众反映 0, 党员队伍 20 → 80 → 4 stars; grp the same → 80 → 4 stars
中共通关镇委员会 (committee)
  勐先村党支部 b3: 赵六 优秀 (no post, no pledges of his own)
      pledges: the branch's, 已兑现, 群众评议 10 valid = 10 满意 → 工作业绩 20, 群众反映 20, 党员队伍 20
      → 100 → 5 stars
"""

from __future__ import annotations

from datetime import date

from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Appraisal, Disposal, Person

YEAR = 2011


def appraise(person: Person, grade: str | None, *, exempt: str | None = None, year: int = YEAR) -> Appraisal:
    """A stored appraisal, written directly (the appraisal rules are not what these tests are about)."""
    return Appraisal.create(year=year, person=person, org=person.org_id, grade=grade, exempt_reason=exempt,
                            decided_on=date(year, 12, 1) if grade else None)


def dispose(appraisal: Appraisal, *, closed: bool = False) -> Disposal:
    return Disposal.create(appraisal=appraisal, kind="correct", decided_on=date(YEAR, 12, 5),
                           due_date=date(YEAR + 1, 3, 5), closed_on=date(YEAR + 1, 2, 1) if closed else None)


def build(c: dict) -> dict:
    """The county of the module's docstring on top of the ``county`` fixture; the records by short name."""
    comm, b1, b2 = c["committee"], c["b1"], c["b2"]
    zhang, li, wang = c["zhang"], c["li"], c["wang"]
    g = rules.create_org("龙坝村党总支", "党总支", comm.id, sector="农村")
    grp = rules.create_org("龙坝村一组党支部", "党支部", g.id, sector="农村")
    other = rules.create_org("中共通关镇委员会", "党委", c["root"].id, township="通关镇", sector="农村")
    b3 = rules.create_org("勐先村党支部", "党支部", other.id, sector="农村")
    sun = rules.create_person("孙八", b2.id)
    qian = rules.create_person("钱七", grp.id)
    zhao = rules.create_person("赵六", b3.id)

    p1 = rules.create_pledge(YEAR, "修通村组道路", org_id=b1.id, due_date="2011-10-31")
    rules.record_evaluation(p1.id, "群众评议", date="2011-11-20", ballots_issued=22, ballots_valid=20,
                            votes_satisfied=15, votes_basic=3, votes_unsatisfied=2)
    rules.set_status(p1.id, "已兑现", on="2011-11-01")
    p2 = rules.create_pledge(YEAR, "带头发展茶叶产业", person_id=zhang.id, due_date="2011-09-30")
    rules.set_status(p2.id, "已兑现", on="2011-09-01")
    p3 = rules.create_pledge(YEAR, "帮扶两户困难群众", person_id=li.id, due_date="2011-06-30")
    poor = rules.record_evaluation(p3.id, "领导点评", date="2011-07-10", grade="差")
    p4 = rules.create_pledge(YEAR, "参加夜校学习", person_id=li.id)
    rules.set_status(p4.id, "已撤销")
    p5 = rules.create_pledge(YEAR, "建设村级活动场所", org_id=g.id, due_date="2011-08-31")
    rules.set_status(p5.id, "已兑现", on="2011-08-20")
    p6 = rules.create_pledge(YEAR, "义务植树", person_id=qian.id, due_date="2011-04-30")
    rules.set_status(p6.id, "已兑现", on="2011-04-12")
    p7 = rules.create_pledge(YEAR, "调解邻里纠纷", org_id=b3.id, due_date="2011-10-31")
    rules.record_evaluation(p7.id, "群众评议", date="2011-11-20", ballots_issued=10, ballots_valid=10,
                            votes_satisfied=10, votes_basic=0, votes_unsatisfied=0)
    rules.set_status(p7.id, "已兑现", on="2011-10-30")

    appraisals = {
        "zhang": appraise(zhang, "excellent"),
        "li": appraise(li, "qualified"),
        "wang": appraise(wang, "basic"),
        "sun": appraise(sun, None, exempt="流动党员"),
        "qian": appraise(qian, "qualified"),
        "zhao": appraise(zhao, "excellent"),
    }
    disposal = dispose(appraisals["wang"])
    return {**c, "g": g, "grp": grp, "other": other, "b3": b3, "sun": sun, "qian": qian, "zhao": zhao,
            "pledges": [p1, p2, p3, p4, p5, p6, p7], "poor": poor, "appraisals": appraisals, "disposal": disposal}
