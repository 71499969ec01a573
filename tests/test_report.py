"""The report workbook: figures equal the core's, layout and print setup, CSV variant, inert formulas."""

from __future__ import annotations

import zipfile
from datetime import date

import openpyxl
import pytest

from pledgebook.exporters.report import export_report
from pledgebook.models import rules
from pledgebook.models.figures import FigureBook, evaluation_summary
from pledgebook.models.tables import Org

TODAY = date.today()


def _rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=4)]


def test_report_figures_equal_the_core(demo_path, tmp_path):
    year = rules.current_year()
    out = tmp_path / "报表.xlsx"
    result = export_report(out, year=year, today=TODAY)
    book = FigureBook(year, today=TODAY)
    total = book.subtree(book.root_id())
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["承诺情况统计表", "分类统计", "评议结果汇总", "逾期及待整改", "承诺台账"]

    ws = wb["承诺情况统计表"]
    assert "云岭县" in ws["A1"].value and str(year) in ws["A1"].value
    assert "填报单位" in ws["A2"].value and "填报日期" in ws["A2"].value and "单位" in ws["A2"].value
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$3:$3"
    rows = _rows(ws)
    kids = book.children(book.root_id())
    assert len(rows) >= len(kids) + 1
    for (node, fig), row in zip(kids, rows):
        assert row[0] == node.name
        assert row[1:5] == [fig.orgs_pledged, fig.people_pledged, fig.pledges, fig.fulfilled]
        assert row[5] == pytest.approx(fig.fulfilment_rate) if fig.fulfilment_rate is not None else row[5] == "—"
        assert row[6] == fig.overdue and row[8] == fig.rectification_open
    total_row = rows[len(kids)]
    assert total_row[0] == "合计" and total_row[3] == total.pledges and total_row[4] == total.fulfilled
    assert total_row[5] == pytest.approx(total.fulfilment_rate)
    assert total_row[7] == pytest.approx(total.satisfaction_rate)

    cat_rows = _rows(wb["分类统计"])
    assert sum(r[1] for r in cat_rows[:-1]) == total.pledges == cat_rows[-1][1]

    evals = {r[0]: r for r in _rows(wb["评议结果汇总"])}
    public = evals["群众评议"]
    assert public[3] == total.ballots_valid and public[4] == total.votes_satisfied
    assert public[7] == pytest.approx(total.satisfaction_rate)
    assert sum(r[1] for r in evals.values()) == total.evaluations == sum(k.figures.evaluations for k in evaluation_summary(year))

    lists = _rows(wb["逾期及待整改"])
    assert sum(1 for r in lists if r[0] == "逾期") == total.overdue
    assert sum(1 for r in lists if r[0] == "待整改") == total.rectification_open
    listing = _rows(wb["承诺台账"])
    assert len(listing) == total.pledges == result.rows["承诺台账"]
    assert sum(1 for r in listing if r[12] == "是") == total.overdue
    with zipfile.ZipFile(out) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())


def test_report_for_one_committee(demo_path, tmp_path):
    year = rules.current_year()
    committee = Org.select().where(Org.kind == "committee").order_by(Org.id).first()
    out = tmp_path / "one.xlsx"
    export_report(out, year=year, org_code=committee.code, today=TODAY)
    fig = FigureBook(year, today=TODAY).subtree(committee.id)
    rows = _rows(openpyxl.load_workbook(out)["承诺台账"])
    assert len(rows) == fig.pledges


def test_csv_variant_has_bom_and_same_numbers(demo_path, tmp_path):
    year = rules.current_year()
    result = export_report(tmp_path / "报表.csv", year=year, fmt="csv", today=TODAY)
    assert len(result.paths) == 5
    first = result.paths[0].read_bytes()
    assert first.startswith(b"\xef\xbb\xbf")
    text = first.decode("utf-8-sig").splitlines()
    total = FigureBook(year, today=TODAY).subtree()
    last = text[-1].split(",")
    assert last[0] == "合计" and int(last[3]) == total.pledges


def test_report_refuses_missing_folder_and_unknown_org(demo_path, tmp_path):
    from pledgebook.models.errors import PledgebookError

    with pytest.raises(PledgebookError, match="不存在"):
        export_report(tmp_path / "nope" / "r.xlsx")
    with pytest.raises(PledgebookError, match="组织代码"):
        export_report(tmp_path / "r.xlsx", org_code="999999")


EVIL = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(1)", "\t=1", "\r=1"]


def test_formula_cells_are_inert(county, tmp_path):
    for i, text in enumerate(EVIL):
        rules.create_pledge(2011, f"{text}内容", org_id=county["b1"].id, measures=text, category="service",
                            due_date=date(2011, 12, 1 + i))
    out = tmp_path / "evil.xlsx"
    export_report(out, year=2011)
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name), name
    ws = openpyxl.load_workbook(out)["承诺台账"]
    measures = {c.value for c in ws["H"][3:]}
    for text in EVIL:
        assert text.strip() in measures  # the rules trim whitespace; the rest must stay text
    for row in ws.iter_rows(min_row=4):
        assert all(c.data_type != "f" for c in row)
    paths = export_report(tmp_path / "evil.csv", year=2011, fmt="csv").paths
    import csv

    listing = next(p for p in paths if p.name.endswith("承诺台账.csv")).read_text(encoding="utf-8-sig")
    cells = [c for row in csv.reader(listing.splitlines()) for c in row]
    for text in EVIL:
        assert ("'" + text.strip()) in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
