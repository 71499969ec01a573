"""民主评议结果 as townships really send it: their own sheets, not our 计票表.

A township's clerk makes the results sheet in Excel or WPS: a merged title, a 填报单位 line, a 序号 column
(often a formula), the branch merged down over its members, the grade under whatever name the township
uses (评议等次, 评定等次, 民主评议等次, 组织评定), the votes under a 民主测评 group or as 测评票数, a
合计 row and a 填表人 footer; counts typed full-width, names and grades with trailing spaces; or a
"CSV (逗号分隔)" saved by WPS in GBK. No hidden 党员编号: members are found by 姓名 in their 党支部, and
told apart by 公民身份号码 when a branch has namesakes.

The county (conftest's ``county`` and a few more members): 联珠镇党委 › 新华村党支部 (张三, 李四 and six more:
8 members, 优秀 at most 2) and 碧溪村党支部 (王五 and two 张伟 with their ID numbers: 3 members, 优秀 at most 1).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Alignment

from pledgebook.importers.apply import import_file
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Appraisal, Person, WorkYear

XINHUA = ["张三", "李四", "赵一", "钱二", "孙三", "周四", "吴五", "郑六"]
BIXI = "碧溪村党支部"


def id_number(body: str) -> str:
    """A valid 18-digit ID number with the 17 digits ``body`` (its check digit computed)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


ZW1, ZW2 = id_number("53082219800101001"), id_number("53082219850505002")


@pytest.fixture
def town(county):
    """The county with 新华村's eight members and 碧溪村's two namesakes 张伟 (told apart by ID number)."""
    for name in XINHUA[2:]:
        rules.create_person(name, county["b1"].id)
    county["zw1"] = rules.create_person("张伟", county["b2"].id, id_number=ZW1)
    county["zw2"] = rules.create_person("张伟", county["b2"].id, id_number=ZW2)
    return county


# 新华村's results: (姓名, 发放, 有效, 优秀, 合格, 基本合格, 不合格, 等次) — 2 优秀 of 8: within the quota
XINHUA_ROWS = [
    ("张三", 30, 29, 20, 9, 0, 0, "优秀"), ("李四", 30, 30, 18, 12, 0, 0, "优秀"),
    ("赵一", 30, 28, 5, 20, 3, 0, "合格"), ("钱二", 30, 30, 2, 26, 2, 0, "合格"),
    ("孙三", 30, 29, 1, 25, 3, 0, "合格"), ("周四", 30, 30, 0, 27, 3, 0, "合格"),
    ("吴五", 30, 30, 0, 10, 15, 5, "基本合格"), ("郑六", 30, 27, 0, 22, 5, 0, "合格"),
]
GRADES = {"excellent": "优秀", "qualified": "合格", "basic": "基本合格", "unqualified": "不合格"}


def stored() -> dict[str, tuple]:
    """Every live appraisal: name (with the ID number's last 4 for the namesakes) → (votes…, grade label)."""
    found = {}
    for a in Appraisal.select().where(Appraisal.deleted_at.is_null()):
        who = a.person.name + (f"-{a.person.id_number[-4:]}" if a.person.id_number else "")
        found[who] = (a.ballots_issued, a.ballots_valid, a.votes_excellent, a.votes_qualified,
                      a.votes_basic_qualified, a.votes_unqualified, GRADES.get(a.grade or "", a.grade))
    return found


def expected(rows=XINHUA_ROWS) -> dict[str, tuple]:
    return {name: tuple(values) for name, *values in rows}


def township_sheet(path: Path, header: list[str], rows: list[list], *, title: str = "联珠镇2011年度民主评议党员结果汇总表",
                   merge_branch: int | None = None, total: bool = True, serial_formulas: bool = True) -> Path:
    """A township's own workbook (openpyxl, as Excel saves it): a merged title, a 填报单位 line, the header on
    row 3, the data, a 合计 row of SUM formulas and a 填表人 footer. ``merge_branch``: the column (0-based)
    merged down over each branch's rows, its value only in the top cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "联珠镇"
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.cell(2, 1, "填报单位：中共联珠镇委员会（盖章）")
    ws.cell(2, len(header) - 2, "填报日期：2011年12月25日")
    for j, name in enumerate(header, start=1):
        ws.cell(3, j, name)
    first = 4
    for i, row in enumerate(rows):
        for j, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(first + i, j, value)
        if serial_formulas and header[0] == "序号":
            ws.cell(first + i, 1, f"=ROW()-{first - 1}")
    if merge_branch is not None:
        _merge_down(ws, merge_branch + 1, first, first + len(rows) - 1)
    end = first + len(rows)
    if total:
        ws.cell(end, 2, "合计")
        for j, name in enumerate(header, start=1):
            if any(word in name for word in ("票", "优秀", "合格")) and "等次" not in name:
                letter = openpyxl.utils.get_column_letter(j)
                ws.cell(end, j, f"=SUM({letter}{first}:{letter}{end - 1})")
        end += 1
    ws.cell(end + 1, 1, "填表人：李文  审核人：王武  联系电话：0879-1234567")
    wb.save(path)
    return path


def _merge_down(ws, column: int, first: int, last: int) -> None:
    """Merge each run of equal values in ``column`` (rows first..last), keeping only the top cell's value."""
    start = first
    for r in range(first + 1, last + 2):
        if r > last or ws.cell(r, column).value != ws.cell(start, column).value:
            if r - 1 > start:
                value = ws.cell(start, column).value
                for k in range(start + 1, r):
                    ws.cell(k, column).value = None
                ws.merge_cells(start_row=start, start_column=column, end_row=r - 1, end_column=column)
                ws.cell(start, column).value = value
            start = r


def xinhua_rows(columns: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)) -> list[list]:
    """新华村's rows as [序号, 党支部, 姓名, *the chosen values]."""
    return [[None, "新华村党支部", name, *(values[k] for k in columns)]
            for name, *values in XINHUA_ROWS]


COUNTS_HEADER = ["发放票数", "有效票", "优秀", "合格", "基本合格", "不合格"]


# ----------------------------------------------------------------- the sheet as the township lays it out


def test_merged_title_serial_formulas_merged_branch_totals_and_footer(town, tmp_path):
    path = township_sheet(tmp_path / "联珠镇民主评议结果.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"],
                          xinhua_rows(), merge_branch=1)
    result = import_file(path)
    assert result.kind == "appraisals" and result.status == "done", [p.text() for p in result.problems]
    assert (result.added, result.rejected) == (8, 0)
    assert stored() == expected()
    sheet = result.sheets[0]
    assert any("合计" in reason for _, reason in sheet.dropped)  # the 合计 row is not a member
    zhang = Appraisal.get(Appraisal.person == town["zhang"].id)
    assert (zhang.year, zhang.org_id, zhang.source) == (2011, town["b1"].id, "import")


@pytest.mark.parametrize("grade_header", ["评定等次", "评议等次", "组织评定等次", "评定结果"])
def test_grade_header_spellings_the_importer_knows(town, tmp_path, grade_header):
    path = township_sheet(tmp_path / "结果.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, grade_header],
                          xinhua_rows())
    result = import_file(path)
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored() == expected()


@pytest.mark.parametrize("grade_header", ["民主评议等次", "组织评定", "民主评议结果", "评定等级"])
def test_grade_header_spellings_of_the_townships(town, tmp_path, grade_header):
    path = township_sheet(tmp_path / "结果.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, grade_header],
                          xinhua_rows())
    result = import_file(path)
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored() == expected()


@pytest.mark.parametrize("ballot_headers", [
    ("发放票数（张）", "有效票数（张）"),
    ("发放测评票", "收回有效票"),
    ("测评票数", "有效测评票"),
    ("发出测评票（张）", "收回有效票数"),
])
def test_ballot_header_spellings(town, tmp_path, ballot_headers):
    header = ["序号", "党支部", "姓名", *ballot_headers, "优秀票数", "合格票数", "基本合格票数", "不合格票数", "评定等次"]
    result = import_file(township_sheet(tmp_path / "结果.xlsx", header, xinhua_rows()))
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored() == expected()


def _two_row_header(path: Path, top: list[tuple[str, int]], leaves: list[str | None], rows: list[list]) -> Path:
    """A two-row header: ``top`` lists (label, span) across row 3 — a span of 1 with no leaf is merged down over
    rows 3–4, a span > 1 merged across over its leaves on row 4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "民主评议结果"
    width = sum(span for _, span in top)
    ws.cell(1, 1, "联珠镇2011年度民主评议党员情况登记表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    j = 1
    for label, span in top:
        ws.cell(3, j, label)
        if span > 1:
            ws.merge_cells(start_row=3, start_column=j, end_row=3, end_column=j + span - 1)
        elif leaves[j - 1] is None:
            ws.merge_cells(start_row=3, start_column=j, end_row=4, end_column=j)
        j += span
    for j, leaf in enumerate(leaves, start=1):
        if leaf is not None:
            ws.cell(4, j, leaf)
    for i, row in enumerate(rows, start=5):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j, value)
    wb.save(path)
    return path


def test_two_row_header_with_the_votes_under_a_democratic_appraisal_group(town, tmp_path):
    top = [("序号", 1), ("党支部", 1), ("姓名", 1), ("发放票数", 1), ("有效票", 1), ("民主测评情况", 4), ("评议等次", 1)]
    leaves = [None, None, None, None, None, "优秀", "合格", "基本合格", "不合格", None]
    rows = [[i, *row[1:]] for i, row in enumerate(xinhua_rows(), start=1)]
    result = import_file(_two_row_header(tmp_path / "两行表头.xlsx", top, leaves, rows))
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored() == expected()


def test_two_row_header_with_the_organisation_grade_merged_down(town, tmp_path):
    top = [("序号", 1), ("党支部", 1), ("姓名", 1), ("测评票数", 2), ("民主测评", 4), ("组织评定", 1)]
    leaves = [None, None, None, "发放", "有效", "优秀", "合格", "基本合格", "不合格", None]
    rows = [[i, *row[1:]] for i, row in enumerate(xinhua_rows(), start=1)]
    result = import_file(_two_row_header(tmp_path / "组织评定.xlsx", top, leaves, rows))
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored() == expected()


def test_grades_only_sheet_without_votes(town, tmp_path):
    """Many townships send only the grade per member (the votes stay in the branch's files)."""
    rows = [[i, "新华村党支部", name, values[-1]] for i, (name, *values) in enumerate(XINHUA_ROWS, start=1)]
    header = ["序号", "党支部", "姓名", "评定等次"]
    result = import_file(township_sheet(tmp_path / "等次.xlsx", header, rows, total=False, serial_formulas=False),
                         kind="appraisals")
    assert result.added == 8, [p.text() for p in result.problems]
    assert {k: v[-1] for k, v in stored().items()} == {k: v[-1] for k, v in expected().items()}


def test_grades_only_sheet_is_told_from_its_headers(town, tmp_path):
    rows = [[i, "新华村党支部", name, values[-1]] for i, (name, *values) in enumerate(XINHUA_ROWS, start=1)]
    header = ["序号", "党支部", "姓名", "性别", "评议等次"]
    rows = [[*row[:3], "男", row[3]] for row in rows]
    result = import_file(township_sheet(tmp_path / "等次.xlsx", header, rows, total=False, serial_formulas=False))
    assert result.kind == "appraisals" and result.added == 8, [s.skipped for s in result.sheets]


# ----------------------------------------------------------------- values as clerks type them


def test_full_width_digits_trailing_spaces_and_spaced_grades(town, tmp_path):
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    rows = []
    for i, (name, *values) in enumerate(XINHUA_ROWS, start=1):
        counts = [str(v).translate(full) + (" " if k % 2 else "") for k, v in enumerate(values[:-1])]
        grade = {"优秀": "优　秀", "合格": "合 格 "}.get(values[-1], values[-1] + "\u00a0")
        rows.append([i, "新华村党支部 ", name + " ", *counts, grade])
    result = import_file(township_sheet(tmp_path / "全角.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"],
                                        rows, serial_formulas=False))
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored() == expected()


def test_full_width_digits_and_trailing_spaces(town, tmp_path):
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    rows = []
    for i, (name, *values) in enumerate(XINHUA_ROWS, start=1):
        counts = [str(v).translate(full) + (" " if k % 2 else "") for k, v in enumerate(values[:-1])]
        rows.append([i, "新华村党支部 ", name + " ", *counts, values[-1] + " "])
    result = import_file(township_sheet(tmp_path / "全角.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"],
                                        rows, serial_formulas=False))
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored() == expected()


def _wps_csv(path: Path, header: list[str], rows: list[list], total: bool = True) -> Path:
    """"CSV (逗号分隔)" as WPS saves it: GBK without BOM, CRLF, a title line, a 合计 line."""
    lines = ["联珠镇2011年度民主评议党员结果" + "," * (len(header) - 1), ",".join(header)]
    lines += [",".join("" if v is None else str(v) for v in row) for row in rows]
    if total:
        sums = [sum(int(r[j]) for r in rows) if j >= 4 and j < len(header) - 1 else "" for j in range(len(header))]
        lines.append(",".join(["", "合计", *[str(s) for s in sums[2:]]]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def test_gbk_csv_saved_by_wps_with_id_numbers_for_the_namesakes(town, tmp_path):
    header = ["序号", "党支部", "姓名", "公民身份号码", *COUNTS_HEADER, "评议等次"]
    rows = [[1, BIXI, "王五", "", 12, 12, 2, 10, 0, 0, "合格"],
            [2, BIXI, "张伟", ZW1, 12, 12, 9, 3, 0, 0, "优秀"],
            [3, BIXI, "张伟", ZW2, 12, 11, 0, 3, 6, 2, "基本合格"]]
    result = import_file(_wps_csv(tmp_path / "碧溪村.csv", header, rows))
    assert result.kind == "appraisals" and result.added == 3, [p.text() for p in result.problems]
    assert stored() == {"王五": (12, 12, 2, 10, 0, 0, "合格"), f"张伟-{ZW1[-4:]}": (12, 12, 9, 3, 0, 0, "优秀"),
                        f"张伟-{ZW2[-4:]}": (12, 11, 0, 3, 6, 2, "基本合格")}


def test_namesakes_without_id_numbers_are_refused_asking_for_them(town, tmp_path):
    header = ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"]
    rows = [[1, BIXI, "王五", 12, 12, 2, 10, 0, 0, "合格"], [2, BIXI, "张伟", 12, 12, 9, 3, 0, 0, "优秀"]]
    result = import_file(_wps_csv(tmp_path / "碧溪村.csv", header, rows))
    assert result.status == "aborted" and Appraisal.select().count() == 0
    problem = next(p for p in result.problems if p.row == 4)
    assert problem.header == "姓名" and "公民身份号码" in problem.message, problem.message


def test_old_xls_from_excel_2003(town, tmp_path):
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the old .xls format for this test")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("民主评议")
    sheet.write_merge(0, 0, 0, 9, "联珠镇2011年度民主评议党员结果")
    header = ["序号", "党支部", "姓名", *COUNTS_HEADER, "评定等次"]
    for j, name in enumerate(header):
        sheet.write(1, j, name)
    for i, row in enumerate(xinhua_rows(), start=2):
        for j, value in enumerate([i - 1, *row[1:]]):
            sheet.write(i, j, value)
    book.save(str(tmp_path / "联珠镇.xls"))
    result = import_file(tmp_path / "联珠镇.xls")
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored() == expected()


def test_one_sheet_per_branch_and_an_instructions_sheet(town, tmp_path):
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "填写说明"
    notes["A1"] = "1. 每名党员一行；2. 组织评定等次填写优秀、合格、基本合格或不合格。"
    for branch, rows in (("新华村", XINHUA_ROWS[2:5]), ("碧溪村", [("王五", 12, 12, 2, 10, 0, 0, "合格")])):
        ws = wb.create_sheet(branch)
        ws.append([f"{branch}党支部2011年度民主评议党员结果"])
        ws.append(["序号", "姓名", *COUNTS_HEADER, "评定等次"])
        for i, (name, *values) in enumerate(rows, start=1):
            ws.append([i, name, *values])
    wb.save(tmp_path / "分支部.xlsx")
    result = import_file(tmp_path / "分支部.xlsx")
    assert result.added == 4, [p.text() for p in result.problems]
    assert stored() == {**expected(XINHUA_ROWS[2:5]), "王五": (12, 12, 2, 10, 0, 0, "合格")}


def test_exempt_members_under_the_townships_column_name(town, tmp_path):
    rows = [row + [None] for row in xinhua_rows()]
    rows[6] = [None, "新华村党支部", "吴五", None, None, None, None, None, None, None, "外出务工（流动党员）"]
    header = ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次", "未参评原因"]
    result = import_file(township_sheet(tmp_path / "不参评.xlsx", header, rows))
    assert result.added == 8, [p.text() for p in result.problems]
    assert stored()["吴五"] == (None, None, None, None, None, None, None)
    wu = Appraisal.get(Appraisal.person == Person.get(Person.name == "吴五").id)
    assert wu.exempt_reason == "外出务工（流动党员）"


def test_an_id_number_of_another_member_is_refused_not_written_onto_them(town, tmp_path):
    header = ["序号", "党支部", "姓名", "公民身份号码", *COUNTS_HEADER, "评议等次"]
    rows = [[1, BIXI, "王五", ZW1, 12, 12, 2, 10, 0, 0, "合格"]]  # 张伟's number typed on 王五's row
    result = import_file(_wps_csv(tmp_path / "碧溪村.csv", header, rows, total=False))
    assert result.status == "aborted" and Appraisal.select().count() == 0
    [problem] = result.problems
    assert problem.header == "公民身份号码" and "张伟" in problem.message and "王五" in problem.message


def test_a_shared_org_name_with_the_id_number_finding_the_member(town, tmp_path):
    twin = rules.create_org("碧溪村党支部", "党支部", town["committee"].id, sector="农村")  # a second, same name
    other = rules.create_person("张伟", twin.id, id_number=id_number("53082219900909003"))
    header = ["序号", "党支部", "姓名", "公民身份号码", *COUNTS_HEADER, "评议等次"]
    rows = [[1, BIXI, "张伟", ZW1, 12, 12, 2, 10, 0, 0, "合格"], [2, BIXI, "张伟", other.id_number, 9, 9, 0, 9, 0, 0, "合格"]]
    result = import_file(_wps_csv(tmp_path / "碧溪村.csv", header, rows, total=False))
    assert result.added == 2, [p.text() for p in result.problems]
    assert Appraisal.get(Appraisal.person == other.id).org_id == twin.id


# ----------------------------------------------------------------- refusals: each names its row and column


def test_a_member_twice_in_the_file_is_refused_naming_the_first_row(town, tmp_path):
    rows = xinhua_rows() + [[None, "新华村党支部", "赵一", 30, 28, 5, 20, 3, 0, "合格"]]
    path = township_sheet(tmp_path / "重复.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"], rows,
                          total=False)
    result = import_file(path)
    assert result.status == "aborted" and Appraisal.select().count() == 0
    twice = [p for p in result.problems if p.row == 12]
    assert twice and "与本表第 6 行重复" in twice[0].message, [p.text() for p in result.problems]


def test_a_branch_over_its_quota_is_refused_naming_the_branch(town, tmp_path):
    rows = xinhua_rows()
    rows[2] = [None, "新华村党支部", "赵一", 30, 28, 25, 3, 0, 0, "优秀"]  # a third 优秀 of 8: over ⌊8/3⌋ = 2
    path = township_sheet(tmp_path / "超额.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"], rows)
    result = import_file(path)
    assert result.status == "aborted" and Appraisal.select().count() == 0
    assert sorted(p.row for p in result.problems) == [4, 5, 6]  # every 优秀 row of the branch, in 评议等次
    assert {p.header for p in result.problems} == {"评议等次"}
    assert "新华村党支部参评党员 8 人，优秀最多 2 人" in result.problems[0].message
    assert "现为 3 人" in result.problems[0].message


def test_the_quota_counts_what_is_stored_beside_the_file(town, tmp_path):
    first = xinhua_rows()[:6]  # 张三, 李四 优秀; four 合格: 6 appraised, 优秀 at most 2
    import_file(township_sheet(tmp_path / "一.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"], first))
    later = [[None, "新华村党支部", "吴五", 30, 29, 21, 8, 0, 0, "优秀"]]
    result = import_file(township_sheet(tmp_path / "二.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"],
                                        later))
    assert result.status == "aborted", result.message
    assert "新华村党支部参评党员 7 人，优秀最多 2 人" in result.problems[0].message
    assert "现为 3 人" in result.problems[0].message
    assert len(stored()) == 6


def test_a_closed_year_is_refused_and_nothing_written(town, tmp_path):
    path = township_sheet(tmp_path / "结果.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"], xinhua_rows())
    WorkYear.update(closed=True).where(WorkYear.year == 2011).execute()
    result = import_file(path)
    assert result.status == "aborted" and Appraisal.select().count() == 0
    assert "2011年度已关闭" in result.problems[0].message


def test_an_unknown_member_and_branch_are_named(town, tmp_path):
    rows = xinhua_rows()[:2] + [[None, "新华村党支部", "查无此人", 30, 30, 0, 30, 0, 0, "合格"],
                                [None, "不存在村党支部", "王五", 12, 12, 0, 12, 0, 0, "合格"]]
    result = import_file(township_sheet(tmp_path / "查无.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"],
                                        rows, total=False))
    assert result.status == "aborted" and Appraisal.select().count() == 0
    by_row = {p.row: p for p in result.problems}
    assert by_row[6].header == "姓名" and "查无此人" in by_row[6].message
    assert by_row[7].header == "党支部" and "不存在村党支部" in by_row[7].message


def test_the_same_file_again_changes_nothing(town, tmp_path):
    path = township_sheet(tmp_path / "结果.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"], xinhua_rows())
    import_file(path)
    before = [(a.id, a.updated_at) for a in Appraisal.select()]
    again = township_sheet(tmp_path / "再次.xlsx", ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次"], xinhua_rows(),
                           title="联珠镇2011年度民主评议党员结果汇总表（修订）")
    result = import_file(again)
    assert (result.added, result.updated, result.unchanged) == (0, 0, 8)
    assert [(a.id, a.updated_at) for a in Appraisal.select()] == before


def test_decided_on_from_the_sheet(town, tmp_path):
    rows = [row + [dt.datetime(2011, 12, 20)] for row in xinhua_rows()]
    header = ["序号", "党支部", "姓名", *COUNTS_HEADER, "评议等次", "评议日期"]
    result = import_file(township_sheet(tmp_path / "日期.xlsx", header, rows))
    assert result.added == 8, [p.text() for p in result.problems]
    assert {a.decided_on for a in Appraisal.select()} == {dt.date(2011, 12, 20)}


# ----------------------------------------------------------------- our own template, filled by a township


def test_template_filled_and_imported(town, tmp_path):
    from pledgebook.exporters.template import write_template

    path = write_template("民主评议结果", tmp_path / "模板.xlsx", year=2011)
    blank = import_file(path)
    assert blank.kind == "appraisals" and blank.rows_read == 0 and not blank.sheets[0].unknown_columns
    wb = openpyxl.load_workbook(path)
    ws = wb["民主评议党员结果"]
    header = [c.value for c in ws[2]]
    assert header[:4] == ["序号", "所属乡镇", "党组织", "姓名"] and "组织评定等次" in header and "不参评原因" in header
    options = wb["选项"]
    branches = [c.value for c in next(col for col in options.columns if col[0].value == "branches")[1:] if c.value]
    assert branches == ["新华村党支部", "碧溪村党支部"]  # the branches only: no 党委 in the dropdown
    col = {name: j for j, name in enumerate(header)}
    for i, (name, *values) in enumerate(XINHUA_ROWS, start=3):
        ws.cell(i, col["序号"] + 1, i - 2)
        ws.cell(i, col["党组织"] + 1, "新华村党支部")
        ws.cell(i, col["姓名"] + 1, name)
        for h, value in zip(COUNTS_HEADER + ["组织评定等次"], values, strict=True):
            ws.cell(i, col[h] + 1, value)
    wb.save(tmp_path / "已填.xlsx")
    result = import_file(tmp_path / "已填.xlsx")
    assert (result.added, result.rejected) == (8, 0), [p.text() for p in result.problems]
    assert stored() == expected()
