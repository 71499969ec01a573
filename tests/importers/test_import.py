"""The import run: ugly township files built here, planned, applied in one transaction, reported."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from workbook_util import HEADER, ledger

from pledgebook.cli import app
from pledgebook.importers.apply import import_file
from pledgebook.importers.errorbook import write_error_workbook
from pledgebook.importers.inbox import run_inbox
from pledgebook.importers.resolve import OrgIndex, Unresolved, vocab_code
from pledgebook.models.core import vocab
from pledgebook.models.ledger import rules
from pledgebook.models.store.db import close_database, open_database
from pledgebook.models.store.tables import Evaluation, ImportBatch, Pledge, Progress

ROOT = Path(__file__).resolve().parents[2]


def good_rows(n: int = 3) -> list[list]:
    return [[i + 1, "联珠镇", "新华村党支部", "张三", f"帮助群众修路{i}公里", "组织施工", dt.date(2011, 12, 31), "践诺中"]
            for i in range(n)]


def dump(db: Path) -> dict[str, list]:
    con = sqlite3.connect(db)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        # some tables (the search index's shadow tables) have no rowid: sort in Python
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def pledges() -> list[Pledge]:
    return list(Pledge.select().where(Pledge.deleted_at.is_null()).order_by(Pledge.id))


# ----------------------------------------------------------------- the run


def test_ugly_ledger_imports_and_reimport_is_noop(county, tmp_path):
    rows = good_rows(3)
    rows[1][6] = "2011.12.31"
    rows[2][6] = 40908.0  # an Excel serial number: 2011-12-31
    rows[2][4] = "帮助群众修路２公里"  # full-width digit
    path = ledger(tmp_path / "联珠镇.xlsx", rows)
    dry = import_file(path, year=2011, dry_run=True)
    assert (dry.added, dry.updated, dry.unchanged, dry.rejected) == (3, 0, 0, 0)
    assert not pledges(), "a dry run writes nothing"
    result = import_file(path, year=2011)
    assert result.status == "done" and result.exit_code == 0 and result.added == 3
    got = pledges()
    assert [p.due_date for p in got] == [dt.date(2011, 12, 31)] * 3
    assert got[2].content == "帮助群众修路2公里" and got[0].person_id == county["zhang"].id
    assert got[0].source == "import" and got[0].batch_id is not None and got[0].source_row == 5
    assert result.backup is not None and result.backup.exists()
    again = import_file(path, year=2011)
    assert again.status == "already" and "已导入过" in again.message and again.exit_code == 0
    assert len(pledges()) == 3 and ImportBatch.select().count() == 1


def test_backup_copied_while_the_file_is_read_is_kept_only_when_the_run_writes(county, tmp_path):
    folder = tmp_path / "备份"
    bad = good_rows(2)
    bad[1][6] = "不知道"
    dry = import_file(ledger(tmp_path / "试.xlsx", good_rows(2)), year=2011, dry_run=True, backup_folder=folder)
    aborted = import_file(ledger(tmp_path / "坏.xlsx", bad), year=2011, on_error="abort", backup_folder=folder)
    assert (dry.status, aborted.status, aborted.rejected) == ("dry_run", "aborted", 1)
    assert dry.backup is None and aborted.backup is None
    assert not list(folder.glob("*.db")), "a run that writes nothing leaves no backup behind"
    done = import_file(ledger(tmp_path / "好.xlsx", good_rows(2)), year=2011, backup_folder=folder)
    assert done.added == 2 and list(folder.glob("*.db")) == [done.backup]
    con = sqlite3.connect(done.backup)
    try:
        assert con.execute("SELECT count(*) FROM pledge").fetchone()[0] == 0, "the backup is the ledger before"
    finally:
        con.close()
    assert len(pledges()) == 2


def test_backup_that_cannot_be_taken_stops_the_import_before_writing(county, tmp_path):
    from pledgebook.models.core.errors import PledgebookError

    blocked = tmp_path / "备份"
    blocked.write_text("不是文件夹")  # the backup folder cannot be made
    with pytest.raises(PledgebookError) as caught:
        import_file(ledger(tmp_path / "好.xlsx", good_rows(2)), year=2011, backup_folder=blocked)
    assert "备份" in caught.value.message and str(blocked.name) in caught.value.message
    assert not pledges() and ImportBatch.select().count() == 0


def test_corrected_file_updates_instead_of_duplicating(county, tmp_path):
    import_file(ledger(tmp_path / "v1.xlsx", good_rows(2)), year=2011)
    rows = good_rows(2)
    rows[0][7] = "已完成"  # synonym of 已兑现
    rows[1][5] = "组织施工并验收"
    dry = import_file(ledger(tmp_path / "v2.xlsx", rows), year=2011, dry_run=True)
    assert (dry.added, dry.updated, dry.unchanged) == (0, 2, 0)
    result = import_file(ledger(tmp_path / "v2.xlsx", rows), year=2011)
    assert (result.added, result.updated, result.unchanged) == (0, 2, 0)
    got = pledges()
    assert len(got) == 2
    assert got[0].status == "fulfilled" and got[0].fulfilled_on is not None
    assert got[1].measures == "组织施工并验收"
    same = import_file(ledger(tmp_path / "v3.xlsx", rows + [[9, "联珠镇", "碧溪村党支部", None, "新承诺", "", None, ""]]),
                       year=2011)
    assert (same.added, same.updated, same.unchanged) == (1, 0, 2)


def test_unknown_org_gets_a_suggestion_and_a_full_place(county, tmp_path):
    rows = good_rows(2)
    rows[1][2] = "新华村党总支"
    rows[1][4] = "另一条"
    path = ledger(tmp_path / "a.xlsx", rows)
    result = import_file(path, year=2011)
    assert result.added == 1 and result.rejected == 1 and result.exit_code == 1
    problem = result.problems[0]
    assert (problem.file, problem.sheet, problem.row, problem.column) == ("a.xlsx", "联珠镇", 6, "C")
    assert problem.header == "所在支部" and problem.value == "新华村党总支"
    assert "是否为「新华村党支部」" in problem.message
    assert "第 6 行 C 列（所在支部）" in problem.text()


def test_duplicate_rows_and_control_chars_and_huge_cells(county, tmp_path):
    rows = good_rows(3)
    rows[1] = list(rows[0])  # duplicated row
    rows[2][5] = "措施\x07响铃"
    path = ledger(tmp_path / "a.xlsx", rows)
    result = import_file(path, year=2011)
    messages = {p.row: p.message for p in result.problems}
    assert "重复" in messages[6] and "控制字符" in messages[7]
    assert result.added == 1
    csv_path = tmp_path / "huge.csv"
    csv_path.write_text("党组织,承诺事项\n新华村党支部," + "长" * 40_000 + "\n新华村党支部,短的\n", encoding="utf-8")
    huge = import_file(csv_path, year=2011)
    assert huge.rejected == 1 and "超过上限" in huge.problems[0].message and huge.added == 1


def test_abort_leaves_database_byte_for_byte_identical(county, tmp_path):
    import_file(ledger(tmp_path / "first.xlsx", good_rows(1)), year=2011)
    before = dump(county["path"])
    rows = good_rows(3)
    rows[2][2] = "不存在的支部"
    result = import_file(ledger(tmp_path / "bad.xlsx", rows), year=2011, on_error="abort")
    assert result.status == "aborted" and result.exit_code == 1
    assert dump(county["path"]) == before


def test_crash_mid_apply_leaves_nothing_half_written(county, tmp_path, monkeypatch):
    from pledgebook.importers.sheets.pledges import Pledges
    from pledgebook.models.core.errors import PledgebookError

    before = dump(county["path"])
    original = Pledges.write_many

    def insert_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise PledgebookError("模拟断电")

    monkeypatch.setattr(Pledges, "write_many", insert_then_fail)
    result = import_file(ledger(tmp_path / "a.xlsx", good_rows(3)), year=2011)
    assert result.status == "failed" and result.exit_code == 2
    after = dump(county["path"])
    assert after == before


def test_closed_year_refuses_every_row(county, tmp_path):
    rules.close_year(2011)
    result = import_file(ledger(tmp_path / "a.xlsx", good_rows(2)), year=2011)
    assert result.rejected == 2 and all("已关闭" in p.message for p in result.problems)
    assert not pledges()


def test_gbk_csv_and_xls(county, tmp_path):
    text = "所属乡镇,党组织名称,承诺人,承诺事项,时限\n联珠镇,新华村党支部,李四,修水渠,2011年12月31日\n"
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    result = import_file(tmp_path / "gbk.csv", year=2011)
    assert result.added == 1 and pledges()[0].person_id == county["li"].id
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the old .xls format for this test")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("承诺")
    for j, name in enumerate(["党组织", "姓名", "承诺事项", "完成时限"]):
        sheet.write(0, j, name)
    sheet.write(1, 0, "碧溪村党支部")
    sheet.write(1, 1, "王五")
    sheet.write(1, 2, "义务植树")
    sheet.write(1, 3, dt.datetime(2011, 6, 30), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    book.save(str(tmp_path / "old.xls"))
    old = import_file(tmp_path / "old.xls", year=2011)
    assert old.added == 1, old.problems
    assert pledges()[-1].due_date == dt.date(2011, 6, 30)


def test_unusable_files_get_one_clear_message(county, tmp_path):
    html = tmp_path / "网页.xlsx"
    html.write_text("<html><body><table><tr><td>x</td></tr></table></body></html>", encoding="utf-8")
    good = ledger(tmp_path / "good.xlsx", good_rows(2))
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:1500])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for path in (html, truncated, empty, tmp_path / "missing.xlsx"):
        result = import_file(path, year=2011)
        assert result.status == "unusable" and result.exit_code == 2, path
        assert path.name in result.message
    nonsense = tmp_path / "nonsense.csv"
    nonsense.write_text("a,b\n1,2\n", encoding="utf-8")
    assert import_file(nonsense).status == "unusable"


# ----------------------------------------------------------------- the other kinds


def test_orgs_people_progress_evaluations(county, tmp_path):
    orgs = tmp_path / "orgs.csv"
    orgs.write_text("党组织名称,组织类别,上级党组织,所属领域\n新华村第二党支部,党支部,联珠镇党委,农村\n"
                    "新华村二组党小组支部,支部,新华村第二党支部,村\n", encoding="utf-8-sig")
    result = import_file(orgs)
    assert result.kind == "orgs" and result.added == 2, result.problems
    index = OrgIndex.load()
    child = index.resolve("新华村二组党小组支部")
    assert index.by_id[child.parent_id].name == "新华村第二党支部"
    assert import_file(orgs).status == "already"
    people = tmp_path / "people.csv"
    people.write_text("姓名,所在党支部,性别,出生年月,公民身份号码\n赵六,新华村第二党支部,男性,1980年5月,\n"
                      "钱七,新华村第二党支部,女,1990-01-01,5.30822E+17\n", encoding="utf-8")
    result = import_file(people)
    assert result.kind == "people" and result.added == 1 and result.rejected == 1
    assert "科学计数法" in result.problems[0].message and result.problems[0].column == "E"

    pledge = rules.create_pledge(2011, "修通进村路", person_id=county["zhang"].id)
    progress = tmp_path / "progress.csv"
    progress.write_text("党组织,姓名,承诺事项,践诺日期,进展情况,完成进度\n"
                        "新华村党支部,张三,修通进村路,2011-05-01,已完成路基,50%\n", encoding="utf-8")
    result = import_file(progress, year=2011)
    assert result.kind == "progress" and result.added == 1, result.problems
    assert Progress.select().where(Progress.pledge == pledge.id).count() == 1

    evals = tmp_path / "evals.xlsx"
    wb = xlsxwriter.Workbook(str(evals))
    ws = wb.add_worksheet("评议")
    for col, name in enumerate(["承诺编号", "承诺事项", "评议日期"]):
        ws.merge_range(0, col, 1, col, name)
    ws.merge_range(0, 3, 0, 7, "群众评议")
    ws.write_row(1, 3, ["有效票", "满意", "基本满意", "不满意", "满意率"])
    ws.write_row(2, 0, [pledge.uid, "修通进村路", "2011-10-01", 20, 15, 3, 2, "90%"])
    ws.write_row(3, 0, ["no-such-uid", "x", "2011-10-01", 10, 9, 1, 0, "100%"])
    wb.close()
    result = import_file(evals)
    assert result.kind == "evaluations" and result.added == 1 and result.rejected == 1
    assert "承诺编号" in result.problems[0].header and "不存在" in result.problems[0].message
    ev = Evaluation.get(Evaluation.pledge == pledge.id)
    assert (ev.kind, ev.ballots_valid, ev.votes_satisfied) == ("public", 20, 15)
    assert ev.date == dt.date(2011, 10, 1)
    assert not result.warnings  # 90% given = (15 + 3) / 20


def test_rate_mismatch_is_reported(county, tmp_path):
    pledge = rules.create_pledge(2011, "修通进村路", org_id=county["b1"].id)
    path = tmp_path / "e.csv"
    path.write_text("承诺编号,评议方式,评议日期,有效票,满意,基本满意,不满意,满意率,发放票数,参与率\n"
                    f"{pledge.uid},很满意不行,2011-10-01,20,15,3,2,95%,25,80%\n"
                    f"{pledge.uid},群众测评,2011-10-02,20,15,3,2,95%,25,80%\n", encoding="utf-8")
    result = import_file(path)
    assert result.rejected == 1 and "评议方式" in result.problems[0].message or "不是可选的值" in result.problems[0].message
    assert result.added == 1
    assert [w.header for w in result.warnings] == ["满意率"]
    assert "90.0%" in result.warnings[0].message


# ----------------------------------------------------------------- template round trip


def test_template_round_trip(county, tmp_path):
    from pledgebook.exporters.template import write_template

    path = write_template("pledges", tmp_path / "模板.xlsx", year=2011)
    wb = openpyxl.load_workbook(path)
    ws = wb["公开承诺台账"]
    headers = [c.value for c in ws[2]]
    assert headers[:3] == ["序号", "所属乡镇", "党组织"]
    assert "填写说明" in wb.sheetnames and wb["选项"].sheet_state == "hidden"
    assert any("选项!" in str(dv.formula1) for dv in ws.data_validations.dataValidation)
    ws.append([1, "联珠镇", "新华村党支部", "张三", None, "服务人民群众", "帮扶困难户", "走访", dt.date(2011, 12, 31),
               dt.date(2011, 3, 1), "践诺中"])
    ws.append([2, "联珠镇", "碧溪村党支部", None, None, "加强基层组织", "规范三会一课", "", dt.date(2011, 6, 30), None,
               "已兑现"])
    ws["I3"].number_format = "yyyy-mm-dd"
    wb.save(path)
    result = import_file(path, year=2011)
    assert (result.added, result.rejected) == (2, 0), [p.text() for p in result.problems]
    assert not result.sheets[0].unknown_columns
    got = pledges()
    assert got[0].category == "service" and got[0].published_on == dt.date(2011, 3, 1)
    assert got[1].status == "fulfilled" and got[1].person_id is None
    for kind in ("orgs", "people", "progress", "evaluations"):
        other = write_template(kind, tmp_path / f"{kind}.xlsx")
        blank = import_file(other)  # the blank template reads back: a known kind, no rows, said so
        assert blank.status == "done" and blank.rows_read == 0 and "没有数据行" in blank.message
        assert blank.kind == kind and not blank.sheets[0].unknown_columns


# ----------------------------------------------------------------- error workbook, inbox


def test_error_workbook_keeps_columns_and_neutralises_formulas(county, tmp_path):
    rows = good_rows(2)
    rows[1][2] = "=HYPERLINK(\"x\")"
    result = import_file(ledger(tmp_path / "a.xlsx", rows), year=2011)
    out = write_error_workbook([result], tmp_path / "错误.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]][:8] == HEADER and ws.cell(1, 9).value == "错误原因"
    assert ws.cell(2, 3).value == '=HYPERLINK("x")' and ws.cell(2, 3).data_type == "s"
    assert "未找到党组织" in ws.cell(2, 9).value
    assert write_error_workbook([import_file(ledger(tmp_path / "b.xlsx", good_rows(1)), year=2011)],
                                tmp_path / "none.xlsx") is None


def test_inbox_moves_files_into_chinese_folders(county, tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    ledger(inbox / "好的.xlsx", good_rows(2))
    bad = good_rows(1)
    bad[0][2] = "不存在的支部"
    ledger(inbox / "有错的.xlsx", bad)
    (inbox / "~$临时.xlsx").write_bytes(b"lock")
    done = run_inbox(inbox, year=2011)
    assert len(done) == 2
    assert (inbox / "已导入" / "好的.xlsx").exists()
    assert (inbox / "有错误" / "有错的.xlsx").exists() and (inbox / "有错误" / "有错的_错误清单.xlsx").exists()
    assert run_inbox(inbox, year=2011) == []


# ----------------------------------------------------------------- CLI


def test_cli_json_exit_codes_and_errors_out(county, tmp_path):
    close_database()
    db = str(county["path"])
    good = ledger(tmp_path / "good.xlsx", good_rows(2))
    bad_rows = good_rows(1)
    bad_rows[0][2] = "不存在的支部"
    bad = ledger(tmp_path / "bad.xlsx", bad_rows)
    runner = CliRunner()
    out = runner.invoke(app, ["import", str(good), "--db", db, "--year", "2011", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["totals"]["added"] == 2 and data["files"][0]["status"] == "done"
    errors = tmp_path / "errors.xlsx"
    out = runner.invoke(app, ["import", str(bad), "--db", db, "--year", "2011", "--json", "--errors-out", str(errors)])
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert data["files"][0]["problems"][0]["column"] == "C" and errors.exists()
    html = tmp_path / "x.xlsx"
    html.write_text("<html></html>", encoding="utf-8")
    out = runner.invoke(app, ["import", str(html), "--db", db, "--json"])
    assert out.exit_code == 2 and json.loads(out.stdout)["files"][0]["status"] == "unusable"
    bundle = tmp_path / "530822_20110101-000000.pledgebook"
    bundle.write_bytes(b"PK\x03\x04")
    out = runner.invoke(app, ["import", str(bundle), "--db", db, "--json"])
    assert out.exit_code == 2 or json.loads(out.stdout)["files"][0]["status"] == "bundle"
    out = runner.invoke(app, ["template", "pledges", "-o", str(tmp_path / "t.xlsx"), "--db", db])
    assert out.exit_code == 0 and (tmp_path / "t.xlsx").exists()
    open_database(county["path"])


def test_subprocess_with_stdin_closed(county, tmp_path):
    close_database()
    good = ledger(tmp_path / "good.xlsx", good_rows(1))
    proc = subprocess.run(
        [sys.executable, "-m", "pledgebook", "import", str(good), "--db", str(county["path"]), "--year", "2011"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "新增 1" in proc.stdout and "\x1b[" not in proc.stdout  # no progress bar, no colours off a terminal
    open_database(county["path"])


# ----------------------------------------------------------------- properties


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(list(vocab.PLEDGE_STATUSES.items())), st.sampled_from(["", " ", "\u3000"]))
def test_dropdown_and_label_forms_resolve(item, pad):
    code, label = item
    for text in (label, f"{code}_{label}", pad + label + pad):
        assert vocab_code(vocab.PLEDGE_STATUSES, text, "status") == code


@given(st.text(min_size=1, max_size=8).filter(lambda t: t.strip()))
def test_unknown_vocabulary_raises_with_choices(text):
    try:
        code = vocab_code(vocab.EVAL_KINDS, text, "eval_kind")
    except Unresolved as exc:
        assert "可选" in str(exc)
    else:
        assert code in vocab.EVAL_KINDS
