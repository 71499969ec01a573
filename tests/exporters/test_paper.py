"""Notices, ballots and the tally sheet: printed from the ledger, counted back in."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from pledgebook.cli import app
from pledgebook.exporters import paper
from pledgebook.importers.apply import import_file
from pledgebook.models.core.errors import PledgebookError, YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store import settings
from pledgebook.models.store.tables import AuditLog, Evaluation, Pledge


@pytest.fixture
def ledger(county):
    c = county
    rules.update_person(c["li"].id, post="党支部副书记")
    c["p_li"] = rules.create_pledge(2011, "帮助困难群众十户", person_id=c["li"].id, due_date="2011-12-31",
                                    measures="每月走访一次")
    c["p_zhang"] = rules.create_pledge(2011, "=为群众代办事项二十件", person_id=c["zhang"].id, due_date="2011-11-30")
    c["p_b1"] = rules.create_pledge(2011, "建成村级活动场所", org_id=c["b1"].id, measures="争取项目资金")
    c["p_b2"] = rules.create_pledge(2011, "调解矛盾纠纷十起", org_id=c["b2"].id, category="harmony")
    c["p_wang"] = rules.create_pledge(2011, "带头发展核桃产业", person_id=c["wang"].id)
    gone = rules.create_pledge(2011, "已撤销的承诺", person_id=c["wang"].id)
    rules.set_status(gone.id, "withdrawn")
    settings.set_value("supervision_phone", "0879-2222222")
    settings.set_value("publicity_days", "7")
    return c


def _rows(ws, first=4):
    out = []
    for row in ws.iter_rows(min_row=first, values_only=True):
        if row[0] is None or not isinstance(row[0], int):
            break
        out.append(row)
    return out


def test_notice_one_sheet_per_branch_in_order_with_print_setup(ledger, tmp_path):
    out = tmp_path / "公示.xlsx"
    result = paper.print_notice(out, year=2011, published_on="2011-03-01")
    assert result.units == 2 and result.pledges == 5
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["新华村党支部", "碧溪村党支部"]
    ws = wb["新华村党支部"]
    assert ws["A1"].value == "新华村党支部党员公开承诺公示"
    assert "2011年3月1日至2011年3月7日（7天）" in ws["A2"].value
    assert [cell.value for cell in ws[3]] == ["序号", "承诺人", "职务", "承诺事项", "践诺措施", "完成时限"]
    rows = _rows(ws)
    # the branch's own pledge first, then members by post (书记 before 副书记)
    assert [r[1] for r in rows] == ["新华村党支部", "张三", "李四"]
    assert rows[1][3] == "=为群众代办事项二十件" and ws["D5"].data_type == "s"  # text, never a formula
    assert rows[2][2:] == ("党支部副书记", "帮助困难群众十户", "每月走访一次", "2011年12月31日")
    assert [r[3] for r in _rows(wb["碧溪村党支部"])] == ["调解矛盾纠纷十起", "带头发展核桃产业"]  # not the withdrawn one
    texts = [cell.value for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any("监督电话：0879-2222222" in t for t in texts)
    for sheet in wb.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "portrait" and setup.paperSize == 9
        assert (setup.fitToWidth or 1) == 1 and setup.fitToHeight == 0  # 1 is the default, left out and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$3:$3"
        assert "&P" in sheet.oddFooter.center.text
    assert not wb["新华村党支部"].row_breaks.brk  # one branch per sheet: each starts a page of its own


def test_notice_sets_published_on_with_audit_in_one_go(ledger, tmp_path):
    c = ledger
    paper.print_notice(tmp_path / "n.xlsx", org="新华村党支部", year=2011, published_on="2011-03-01")
    assert Pledge.get_by_id(c["p_li"].id).published_on == date(2011, 3, 1)
    assert Pledge.get_by_id(c["p_b2"].id).published_on is None  # another branch: not printed
    entry = AuditLog.select().where(AuditLog.record_uid == c["p_li"].uid).order_by(AuditLog.id.desc()).first()
    assert json.loads(entry.changes) == {"published_on": [None, "2011-03-01"]}
    again = paper.print_notice(tmp_path / "n.xlsx", org="新华村党支部", year=2011, published_on="2011-03-01")
    assert again.published == 0


def test_notice_refuses_a_closed_year_and_nonsense_dates(ledger, tmp_path):
    with pytest.raises(PledgebookError):
        paper.print_notice(tmp_path / "n.xlsx", year=2011, published_on="1999-01-01")
    rules.open_year(2012)
    rules.close_year(2011)
    with pytest.raises(YearClosed):
        paper.print_notice(tmp_path / "n.xlsx", year=2011, published_on="2011-03-01")
    assert not (tmp_path / "n.xlsx").exists()


def test_cli_notice_without_date_and_terminal_refuses(ledger, tmp_path):
    out = tmp_path / "n.xlsx"
    r = CliRunner().invoke(app, ["print", "notice", "--db", str(ledger["path"]), "-o", str(out)])
    assert r.exit_code == 2 and "--published-on" in r.output
    assert not out.exists()
    r = CliRunner().invoke(app, ["print", "notice", "--db", str(ledger["path"]), "-o", str(out), "--year", "2011",
                                 "--published-on", "2011-03-02", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["pledges"] == 5
    assert Pledge.get_by_id(ledger["p_b2"].id).published_on == date(2011, 3, 2)


def test_notice_keeps_dates_already_set_unless_told_to_overwrite(ledger, tmp_path):
    c = ledger
    rules.update_pledge(c["p_li"].id, published_on="2011-02-20")  # imported earlier with its own 公示 date
    plan = paper.notice_plan(org="新华村党支部", year=2011)
    assert (plan.pledges, plan.dated, plan.undated) == (3, 1, 2)
    assert plan.text() == "「新华村党支部」2011年度共 3 项承诺要公示，其中 1 项已有公示日期：它们保留原日期，只为其余 2 项设置公示日期。"
    result = paper.print_notice(tmp_path / "n.xlsx", org="新华村党支部", year=2011, published_on="2011-03-01")
    assert (result.published, result.kept) == (2, 1)
    assert result.published_text() == "2 项承诺的公示日期已设为 2011-03-01（已记入修改日志）；1 项已有公示日期，保留原日期。"
    assert Pledge.get_by_id(c["p_li"].id).published_on == date(2011, 2, 20)
    assert Pledge.get_by_id(c["p_zhang"].id).published_on == date(2011, 3, 1)
    assert "原公示日期将改为所填日期" in paper.notice_plan(org="新华村党支部", year=2011).text(overwrite=True)
    result = paper.print_notice(tmp_path / "n.xlsx", org="新华村党支部", year=2011, published_on="2011-03-05",
                                overwrite=True)
    assert (result.published, result.kept) == (3, 0)
    assert {Pledge.get_by_id(c[k].id).published_on for k in ("p_li", "p_zhang", "p_b1")} == {date(2011, 3, 5)}
    entry = AuditLog.select().where(AuditLog.record_uid == c["p_li"].uid).order_by(AuditLog.id.desc()).first()
    assert json.loads(entry.changes) == {"published_on": ["2011-02-20", "2011-03-05"]}


def test_cli_notice_keeps_dates_by_default_and_overwrites_with_the_flag(ledger, tmp_path):
    c = ledger
    rules.update_pledge(c["p_li"].id, published_on="2011-02-20")
    base = ["print", "notice", "--db", str(c["path"]), "-o", str(tmp_path / "n.xlsx"), "--year", "2011"]
    r = CliRunner().invoke(app, [*base, "--published-on", "2011-03-01", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["published_changed"], data["published_kept"]) == (4, 1)
    assert Pledge.get_by_id(c["p_li"].id).published_on == date(2011, 2, 20)
    r = CliRunner().invoke(app, [*base, "--published-on", "2011-03-02", "--overwrite-published"])
    assert r.exit_code == 0, r.output
    assert "5 项承诺的公示日期已设为 2011-03-02" in r.output
    assert Pledge.get_by_id(c["p_li"].id).published_on == date(2011, 3, 2)


def test_cli_notice_on_a_terminal_says_the_counts_and_asks_first(ledger, tmp_path, monkeypatch):
    from pledgebook.cli import paper as paper_cmd

    c = ledger
    rules.update_pledge(c["p_li"].id, published_on="2011-02-20")
    monkeypatch.setattr(paper_cmd, "interactive", lambda: True)
    out = tmp_path / "n.xlsx"
    base = ["print", "notice", "--db", str(c["path"]), "-o", str(out), "--year", "2011"]
    r = CliRunner().invoke(app, base, input="2011-03-01\nn\n")
    assert r.exit_code == 0, r.output
    said = r.output.replace("\n", "")  # Rich wraps at the terminal's width
    assert "共 5 项承诺要公示，其中 1 项已有公示日期：它们保留原日期，只为其余 4 项设置公示日期" in said
    assert "--overwrite-published" in said and "开始打印吗？" in said
    assert "已取消" in said and not out.exists()
    assert Pledge.get_by_id(c["p_zhang"].id).published_on is None
    r = CliRunner().invoke(app, base, input="2011-03-01\ny\n")
    assert r.exit_code == 0, r.output
    assert "4 项承诺的公示日期已设为 2011-03-01（已记入修改日志）；1 项已有公示日期，保留原日期。" in r.output.replace("\n", "")
    assert Pledge.get_by_id(c["p_li"].id).published_on == date(2011, 2, 20)


def _tally_rows(path):
    wb = openpyxl.load_workbook(path)
    ws = wb[paper.TALLY_SHEET]
    header = [cell.value for cell in ws[3]]
    rows = [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    return wb, ws, header, rows


def test_ballots_and_tally_cover_exactly_the_chosen_pledges(ledger, tmp_path):
    c = ledger
    result = paper.print_ballots(tmp_path / "票.xlsx", kind="群众评议", org=c["b1"].name, year=2011)
    wb = openpyxl.load_workbook(result.path)
    assert wb.sheetnames == ["新华村党支部"]
    ws = wb.active
    assert ws["A1"].value == "新华村党支部党员公开承诺群众评议票"
    assert [cell.value for cell in ws[3]] == ["序号", "承诺人", "职务", "承诺事项", "满意", "基本满意", "不满意"]
    assert [r[3] for r in _rows(ws)] == ["建成村级活动场所", "=为群众代办事项二十件", "帮助困难群众十户"]
    assert "不记名" in ws["A2"].value
    assert ws.print_title_rows == "$3:$3" and ws.sheet_properties.pageSetUpPr.fitToPage
    _, tws, header, rows = _tally_rows(result.tally_path)
    uid_col = header.index("承诺编号")
    assert {r[uid_col] for r in rows} == {c["p_b1"].uid, c["p_zhang"].uid, c["p_li"].uid}
    assert tws.column_dimensions["A"].hidden and tws.protection.sheet
    assert all(r[header.index("评议方式")] == "群众评议" for r in rows)
    assert tws.cell(4, header.index("满意") + 1).protection.locked is False
    assert tws.cell(4, uid_col + 1).protection.locked is True


def test_filled_tally_imports_to_the_right_pledges(ledger, tmp_path):
    c = ledger
    result = paper.print_ballots(tmp_path / "票.xlsx", kind="群众评议", year=2011)
    wb, ws, header, rows = _tally_rows(result.tally_path)
    col = {h: i for i, h in enumerate(header)}
    counts = {  # uid -> (发放, 有效, 满意, 基本满意, 不满意)
        c["p_b1"].uid: (60, 50, 45, 5, 0),
        c["p_zhang"].uid: (60, 50, 30, 10, 10),  # 20% 不满意 > 10%: rectification
        c["p_li"].uid: None,  # not yet counted
        c["p_b2"].uid: (40, 40, 40, 0, 0),
        c["p_wang"].uid: (40, 38, 30, 8, 0),
    }
    rows.reverse()  # the clerk re-sorted the rows …
    for r in rows:
        if r[col["承诺人"]] == "张三":
            r[col["承诺人"]] = "张三（书记）"  # … and edited a name
        votes = counts[r[col["承诺编号"]]]
        if votes:
            for name, v in zip(("发放票数", "有效票", "满意", "基本满意", "不满意"), votes, strict=True):
                r[col[name]] = v
            r[col["评议日期"]] = date(2011, 10, 20)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.cell(4 + i, 1 + j).value = v
    filled = tmp_path / "计票表_已填.xlsx"
    wb.save(filled)
    res = import_file(filled, backup_folder=tmp_path / "bk")
    assert res.kind == "evaluations" and res.rejected == 0, [p.text() for p in res.problems]
    assert res.added == 4 and "1 行尚未计票" in res.message
    evs = {e.pledge.uid: e for e in Evaluation.select().where(Evaluation.kind == "public")}
    assert set(evs) == {uid for uid, v in counts.items() if v}
    z = evs[c["p_zhang"].uid]
    assert (z.ballots_issued, z.ballots_valid, z.votes_satisfied, z.votes_basic, z.votes_unsatisfied) == (60, 50, 30,
                                                                                                          10, 10)
    assert z.date == date(2011, 10, 20)
    assert z.rect_due == rules.default_rectification_due(date(2011, 10, 20))
    assert evs[c["p_b1"].uid].rect_due is None and evs[c["p_wang"].uid].rect_due is None
    assert rules.satisfaction_rate(30, 10, 50) == 0.8 and rules.participation_rate(50, 60) == pytest.approx(50 / 60)


def test_rectification_follows_the_county_rule(ledger, tmp_path):
    c = ledger
    settings.set_value("rectification_rule", "basic_or_unsatisfied")
    result = paper.print_ballots(tmp_path / "票.xlsx", kind="群众评议", org=c["b2"].name, year=2011)
    wb, ws, header, rows = _tally_rows(result.tally_path)
    col = {h: i for i, h in enumerate(header)}
    for i, _r in enumerate(rows):
        ws.cell(4 + i, col["有效票"] + 1).value = 40
        ws.cell(4 + i, col["满意"] + 1).value = 39 if i == 0 else 40
        ws.cell(4 + i, col["基本满意"] + 1).value = 1 if i == 0 else 0
        ws.cell(4 + i, col["不满意"] + 1).value = 0
    wb.save(tmp_path / "f.xlsx")
    res = import_file(tmp_path / "f.xlsx", evaluation_date=lambda: date(2011, 11, 1), backup_folder=tmp_path / "bk")
    assert res.added == 2, [p.text() for p in res.problems]
    due = {e.pledge.uid: e.rect_due for e in Evaluation.select()}
    first_uid = rows[0][col["承诺编号"]]
    assert due[first_uid] == date(2011, 11, 1) + (rules.default_rectification_due(date(2011, 1, 1)) - date(2011, 1, 1))
    assert [d for u, d in due.items() if u != first_uid] == [None]


def test_impossible_counts_are_rejected_per_row(ledger, tmp_path):
    result = paper.print_ballots(tmp_path / "票.xlsx", kind="党员评议", year=2011)
    wb, ws, header, rows = _tally_rows(result.tally_path)
    col = {h: i for i, h in enumerate(header)}
    bad = {0: (30, 31, 31, 0, 0), 1: (30, 20, 10, 5, 4), 2: (30, 20, 10, 5, 5)}
    for i, votes in bad.items():
        for name, v in zip(("发放票数", "有效票", "满意", "基本满意", "不满意"), votes, strict=True):
            ws.cell(4 + i, col[name] + 1).value = v
    wb.save(tmp_path / "f.xlsx")
    res = import_file(tmp_path / "f.xlsx", evaluation_date=date(2011, 11, 1), backup_folder=tmp_path / "bk")
    texts = [p.text() for p in res.problems]
    assert res.added == 1 and res.rejected == 2, texts
    assert any("第 4 行" in t and "不能多于发放票数" in t for t in texts), texts
    assert any("第 5 行" in t and "与有效票 20 不符" in t for t in texts), texts
    assert Evaluation.select().where(Evaluation.kind == "member").count() == 1


def test_tally_without_a_date_asks_for_one_or_refuses(ledger, tmp_path):
    result = paper.print_ballots(tmp_path / "票.xlsx", kind="群众评议", year=2011)
    wb, ws, header, rows = _tally_rows(result.tally_path)
    col = {h: i for i, h in enumerate(header)}
    ws.cell(4, col["有效票"] + 1).value = 3
    ws.cell(4, col["满意"] + 1).value = 3
    wb.save(tmp_path / "f.xlsx")
    res = import_file(tmp_path / "f.xlsx", dry_run=True)
    assert res.rejected == 1 and "或在导入时统一指定这些行的评议日期" in res.problems[0].text()
    # the command line names its own way: --date
    out = CliRunner().invoke(app, ["import", str(tmp_path / "f.xlsx"), "--dry-run", "--db", str(ledger["path"])])
    assert "有 1 行没有评议日期" in out.output and "--date 2024-11-20" in out.output
    asked = []
    res = import_file(tmp_path / "f.xlsx", evaluation_date=lambda: asked.append(1) or date(2011, 9, 9),
                      backup_folder=tmp_path / "bk")
    assert res.added == 1 and asked == [1]
    assert Evaluation.get().date == date(2011, 9, 9)


def test_ballots_refuse_other_kinds(ledger, tmp_path):
    with pytest.raises(PledgebookError):
        paper.print_ballots(tmp_path / "票.xlsx", kind="领导点评", year=2011)
