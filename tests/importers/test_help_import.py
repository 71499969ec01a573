"""The second ledger through the importer: messy township sheets of contact points,
stationed cadres and monthly help logs, built here; idempotence, corrections, closed years."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from pledgebook.importers.apply import import_file
from pledgebook.importers.columns import guess_kind
from pledgebook.models.campaign import rules as helping
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import ContactPoint, HelpLog, Stationing


@pytest.fixture
def town(county):
    c = county
    temp = rules.create_org("联珠镇驻村工作队临时党支部", "临时党支部", c["committee"].id, sector="农村")
    organ = rules.create_org("县直机关工委", "党工委", c["root"].id, sector="机关")
    finance = rules.create_org("县财政局机关党支部", "党支部", organ.id, sector="机关")
    zhao = rules.create_person("赵六", finance.id)
    return {**c, "temp": temp, "finance": finance, "zhao": zhao}


def xlsx(path: Path, header: list, rows: list[list], *, sub: list | None = None, merges=(), title=True) -> Path:
    """A township sheet: title, 填报单位 line, a one- or two-row header, rows, 合计, footer."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("联珠镇")
    r = 0
    if title:
        ws.merge_range(0, 0, 0, len(header) - 1, "联珠镇2011年四帮四促工作情况统计表")
        ws.write(1, 0, "填报单位：联珠镇党委")
        r = 3
    ws.write_row(r, 0, header)
    if sub:
        for first, last, label in merges:  # a parent over sub-columns
            ws.merge_range(r, first, r, last, label)
        for j, name in enumerate(header):
            if name and not any(f <= j <= last for f, last, _ in merges):
                ws.merge_range(r, j, r + 1, j, name)
        r += 1
        for j, name in enumerate(sub):
            if name:
                ws.write_string(r, j, name)
    for i, row in enumerate(rows, start=r + 1):
        for j, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(i, j, dt.datetime(value.year, value.month, value.day))
            elif value is not None:
                ws.write(i, j, value)
    end = r + len(rows) + 1
    ws.write(end, 0, "合计")
    ws.write(end + 2, 0, "填报人：李四")
    wb.close()
    return path


def contacts_file(path: Path) -> Path:
    return xlsx(path, ["序号", "联系领导", "联系点名称", "联系点类型", "所在村", "联系时间"], [
        [1, "张三", "新华村", "村", "新华村党支部", "2011-01-01"],
        [2, "李四", "碧溪小学", "学校", "碧溪村党支部", "2011-02-01"],
    ])


def stationing_csv(path: Path) -> Path:
    text = ("联珠镇驻村干部花名册\n"
            "序号,驻村干部,派出单位,所在村,驻村身份,临时党支部,驻村时间\n"
            "1,赵六,县财政局,碧溪村党支部,第一书记,联珠镇驻村工作队临时党支部,2011年1月5日\n"
            "合计,1人,,,,,\n")
    path.write_bytes(text.encode("gbk"))
    return path


LOG_HEADER = ["序号", "联系领导", "联系点名称", "填报月份", "走访", None, "解决问题(个)", "帮扶资金(万元)",
              "化解矛盾纠纷(起)", "备注"]
LOG_SUB = [None, None, None, None, "户数", "人次", None, None, None, None]


def logs_file(path: Path, rows: list[list]) -> Path:
    return xlsx(path, LOG_HEADER, rows, sub=LOG_SUB, merges=[(4, 5, "走访")])


def test_guess_kinds():
    assert guess_kind(["联系领导", "联系点名称", "联系点类型", "所在村"]) == "contacts"
    assert guess_kind(["驻村干部", "派出单位", "驻村时间", "所在村"]) == "stationing"
    assert guess_kind(["联系领导", "联系点名称", "月份", "走访户数", "解决问题(个)"]) == "helplogs"
    assert guess_kind(["姓名", "党组织", "承诺事项"]) == "pledges"


def test_contacts_stationing_and_logs(town, tmp_path):
    # contact points: xlsx with a title and a 合计 row
    result = import_file(contacts_file(tmp_path / "联系点.xlsx"), year=2011)
    assert result.kind == "contacts" and result.status == "done", result.problems
    assert (result.added, result.rejected) == (2, 0)
    cps = {cp.name: cp for cp in ContactPoint.select()}
    assert cps["碧溪小学"].kind == "school" and cps["碧溪小学"].org_id == town["b2"].id
    assert import_file(tmp_path / "联系点.xlsx").status == "already"

    # stationed cadres: a GBK CSV
    result = import_file(stationing_csv(tmp_path / "驻村.csv"), year=2011)
    assert result.kind == "stationing" and result.added == 1, [p.text() for p in result.problems]
    st = Stationing.get()
    assert (st.cadre_id, st.village_id, st.role, st.branch_id) == (town["zhao"].id, town["b2"].id, "first_secretary",
                                                                   town["temp"].id)
    assert st.planned_end == dt.date(2014, 1, 5)

    # a monthly sheet with a two-row header: one wide row → one log per kind of work
    rows = [
        [1, "张三", "新华村", "2011年3月", 12, 30, 3, 2.5, 0, "入户走访"],
        [2, "李四", "碧溪小学", "2011-03", None, None, 1, None, None, None],
        [3, "张三丰", "新华村", "2011年3月", 1, 1, 0, 0, 0, None],
    ]
    dry = import_file(logs_file(tmp_path / "三月.xlsx", rows), year=2011, dry_run=True)
    assert dry.status == "dry_run" and dry.added == 4 and HelpLog.select().count() == 0
    result = import_file(tmp_path / "三月.xlsx", year=2011)
    assert result.kind == "helplogs" and (result.added, result.rejected) == (4, 1)
    problem = result.problems[0]
    assert problem.row and problem.column == "B" and "张三" in problem.message and "是否为" in problem.message
    logs = {(log.person.name, log.kind): log for log in HelpLog.select()}
    visit = logs[("张三", "visit")]
    assert (visit.households, visit.person_times, visit.date, visit.source) == (12, 30, dt.date(2011, 3, 1), "import")
    assert logs[("张三", "funds")].funds == 2.5 and logs[("张三", "solve")].units == 3
    assert logs[("李四", "solve")].contact_point_id == town_cp(town, "碧溪小学")

    # a corrected file: 走访 changed, 解决问题 set to 0 (its log is withdrawn), the rest as it was
    rows[0] = [1, "张三", "新华村", "2011年3月", 15, 30, 0, 2.5, 0, "入户走访"]
    result = import_file(logs_file(tmp_path / "三月（更正）.xlsx", rows), year=2011)
    assert (result.added, result.updated, result.unchanged) == (0, 2, 2), [p.text() for p in result.problems]
    live = HelpLog.select().where(HelpLog.deleted_at.is_null())
    assert live.count() == 3
    assert HelpLog.get_by_id(visit.id).households == 15


def town_cp(town, name: str) -> int:
    return ContactPoint.get(ContactPoint.name == name).id


def test_stationed_cadre_logs_by_village_and_closed_year(town, tmp_path):
    helping.create_stationing(town["zhao"].id, town["b2"].id, "县财政局", start_date="2010-06-01")
    rules.open_year(2010)
    rules.close_year(2010)
    header = ["驻村干部", "所在村", "月份", "走访户数", "走访人次", "培训(期)", "培训人次", "办实事(件)"]
    path = xlsx(tmp_path / "驻村月报.xlsx", header, [
        ["赵六", "碧溪村党支部", "2011-05", 8, 20, 1, 35, 2],
        ["赵六", "碧溪村党支部", "2010-12", 1, 1, 0, 0, 0],
    ])
    result = import_file(path, year=2011)
    assert result.kind == "helplogs"
    by_kind = {log.kind: log for log in HelpLog.select()}
    assert by_kind["training"].sessions == 1 and by_kind["training"].person_times == 35
    assert by_kind["practical"].items == 2 and by_kind["visit"].stationing_id is not None
    assert result.rejected == 1 and "2010年度已关闭" in result.problems[0].message
    assert result.problems[0].column == "C"  # the 月份 column


def test_person_without_a_place_is_told_what_to_fill(town, tmp_path):
    helping.create_stationing(town["zhao"].id, town["b2"].id, "县财政局", start_date="2011-01-01")
    header = ["驻村干部", "月份", "走访户数"]
    path = xlsx(tmp_path / "a.xlsx", header, [["赵六", "2011-04", 3], ["赵六", "2010-11", 2], ["王五", "2011-04", 1]],
                title=False)
    result = import_file(path, year=2011)
    assert (result.added, result.rejected) == (1, 2)
    assert "不在该驻村的期间" in result.problems[0].message
    assert "没有在期的联系点" in result.problems[1].message


def test_templates_read_back(town, tmp_path):
    from pledgebook.exporters.template import write_template

    for kind in ("contacts", "stationing", "helplogs"):
        write_template(kind, tmp_path / f"{kind}.xlsx", year=2011)
    fill(tmp_path / "contacts.xlsx", [[1, "张三", None, "新华村", "村", "新华村党支部", dt.date(2011, 1, 1)]])
    fill(tmp_path / "stationing.xlsx", [[1, "赵六", None, "县财政局", "碧溪村党支部", "工作队员",
                                         "联珠镇驻村工作队临时党支部", dt.date(2011, 2, 1)]])
    fill(tmp_path / "helplogs.xlsx", [["2011-03", "张三", None, "新华村", None, 5, 9, 0, 1, 0, 0, 1, 120, 0, 0, 0, 2],
                                      ["2011-03", "赵六", None, None, "碧溪村党支部", 4, 4]])
    for kind in ("contacts", "stationing", "helplogs"):
        result = import_file(tmp_path / f"{kind}.xlsx", year=2011)
        assert result.kind == kind and result.rejected == 0 and not result.warnings, [p.text() for p in result.problems]
    project = HelpLog.get(HelpLog.kind == "project")
    assert (project.units, project.funds) == (1, 120)
    assert HelpLog.select().count() == 5  # 张三: visit, solve, project, practical; 赵六: visit
    wb = openpyxl.load_workbook(tmp_path / "helplogs.xlsx")
    assert wb.sheetnames[0] == "帮扶工作月报"


def fill(path: Path, rows: list[list]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for i, row in enumerate(rows, start=3):
        for j, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(i, j, value)
    wb.save(path)
