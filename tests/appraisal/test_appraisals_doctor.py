"""``pledgebook doctor``'s checks of the third ledger: a branch over its 优秀 quota, a 基本合格/不合格 member with
no 处置 (warnings), an open 处置 past its due date (a reminder)."""

from __future__ import annotations

import json
from datetime import date

from appraisal_util import december
from typer.testing import CliRunner

from pledgebook.cli import app
from pledgebook.models.appraisal import rules as appraising
from pledgebook.models.appraisal.checks import (
    APPRAISAL_CHECKS,
    codes_check,
    over_quota_check,
    overdue_disposal_check,
    undisposed_check,
)
from pledgebook.models.store import health, settings
from pledgebook.models.store.db import close_database, open_database


def test_a_clean_ledger_passes(county):
    made = december(county)
    assert over_quota_check().ok and undisposed_check().ok
    assert overdue_disposal_check(today=date(2012, 3, 20)).items == []  # due that day: not yet late
    late = overdue_disposal_check(today=date(2012, 3, 21))
    # a reminder, not a warning: overdue work is the office's business, not a fault of the file
    assert (late.ok, late.warning) == (True, False)
    assert late.items == ["2011年度 新华村党支部 甲（限期改正，期限 2012-03-20）"]
    assert "1 条组织处置已过整改期限仍未销号" in late.detail
    appraising.close_disposal(made["open_disposal"].id, date(2012, 1, 31), "已改正")
    assert overdue_disposal_check(today=date(2012, 3, 21)).items == []


def test_a_lowered_setting_leaves_a_branch_over(county):
    december(county)
    settings.set_value("appraisal_excellent_max", "20%")  # 新华村: 3 参评 → 0 优秀 allowed, 1 graded
    found = over_quota_check()
    assert (found.ok, found.warning) == (False, True)
    assert found.items == ["2011年度 新华村党支部参评党员 3 人，优秀最多 0 人（比例上限 20%），现为 1 人"]
    assert "优秀比例上限" in found.detail


def test_a_poor_grade_without_disposal(county):
    made = december(county)
    appraising.delete_disposal(made["closed_disposal"].id)
    found = undisposed_check()
    assert not found.ok and found.items == ["2011年度 通关村党支部 丁（不合格）"]
    assert "还没有组织处置记录" in found.detail


def test_codes_no_one_knows_are_errors(county):
    made = december(county)
    assert codes_check().ok
    made["li_a"].grade = "good"  # as a newer version, a bundle or a hand edit could leave it
    made["li_a"].save()
    made["zhang_a"].exempt_reason = "流动党员"
    made["zhang_a"].save()
    found = codes_check()
    assert (found.ok, found.warning) == (False, False)
    assert found.items == ["appraisal.grade=good（1 条）", "2011年度 新华村党支部 张三：既有等次又有不参评原因"]


def test_doctor_lists_them(county):
    made = december(county)
    appraising.delete_disposal(made["closed_disposal"].id)
    report = health.check(county["path"], ledger_checks=APPRAISAL_CHECKS)
    names = {c["name"]: c for c in report["checks"]}
    assert {"优秀比例", "组织处置", "处置期限", "民主评议代码"} <= set(names)
    assert report["ok"] and "组织处置" in report["warnings"]  # warnings: work to do, not damage
    close_database()
    result = CliRunner().invoke(app, ["doctor", "--db", str(county["path"]), "--json"])
    close_database()
    open_database(county["path"])
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert checks["组织处置"]["items"] == ["2011年度 通关村党支部 丁（不合格）"]
