"""The report workbook: figures equal the core's, layout and print setup, CSV variant, inert formulas."""

from __future__ import annotations

import zipfile
from datetime import date

import openpyxl
import pytest

from pledgebook.exporters.report import export_report
from pledgebook.models.campaign.figures import CampaignBook
from pledgebook.models.ledger import rules
from pledgebook.models.ledger.figures import FigureBook, evaluation_summary
from pledgebook.models.store.tables import Org

TODAY = date.today()


def _rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=4)]


HELP = "四帮四促工作情况统计表"
LATER = date(2026, 1, 1)  # the 2011 campaign is seen as on 2011-12-31


def test_report_figures_equal_the_core(demo_path, tmp_path):
    year = rules.current_year()
    out = tmp_path / "报表.xlsx"
    result = export_report(out, year=year, today=TODAY)
    book = FigureBook(year, today=TODAY)
    total = book.subtree(book.root_id())
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["承诺情况统计表", "分类统计", "评议结果汇总", "逾期及待整改", "四帮四促工作情况统计表",
                             "未覆盖村", "民主评议党员", "星级评定", "评选表彰", "承诺台账"]

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
        assert row[1:6] == [fig.orgs_pledged, fig.people_pledged, fig.pledges, fig.fulfilled, fig.carried]
        assert row[6] == pytest.approx(fig.fulfilment_rate) if fig.fulfilment_rate is not None else row[6] == "—"
        assert row[7] == fig.overdue and row[9] == fig.rectification_open
    total_row = rows[len(kids)]
    assert total_row[0] == "合计" and total_row[3] == total.pledges and total_row[4] == total.fulfilled
    assert total_row[5] == total.carried
    assert total_row[6] == pytest.approx(total.fulfilment_rate)
    assert total_row[8] == pytest.approx(total.satisfaction_rate)

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
    assert len(result.paths) == 10
    first = result.paths[0].read_bytes()
    assert first.startswith(b"\xef\xbb\xbf")
    text = first.decode("utf-8-sig").splitlines()
    total = FigureBook(year, today=TODAY).subtree()
    last = text[-1].split(",")
    assert last[0] == "合计" and int(last[3]) == total.pledges


def test_report_refuses_missing_folder_and_unknown_org(demo_path, tmp_path):
    from pledgebook.models.core.errors import PledgebookError

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


# ------------------------------------------------------------ the second ledger


def _help_row(fig) -> list:
    """A 四帮四促 row as CampaignBook gives it, in the sheet's column order (without the name)."""
    from pledgebook.models.core import vocab

    d = fig.as_dict()
    work = [d["work"][kind][m] for kind in vocab.WORK_KINDS for m in vocab.WORK_MEASURES[kind]]
    rate = "—" if fig.coverage_rate is None else pytest.approx(fig.coverage_rate)
    return [d["contact_points"], d["pairings"], d["stationed_cadres"], d["logs"], *work,
            d["villages"], d["villages_covered"], d["villages"] - d["villages_covered"], rate]


def test_help_sheets_by_hand(campaign, tmp_path):
    out = tmp_path / "报表.xlsx"
    export_report(out, year=2011, today=LATER)
    wb = openpyxl.load_workbook(out)
    ws = wb[HELP]
    assert ws["A1"].value == "墨江哈尼族自治县2011年度四帮四促工作情况统计表"
    sub = ws["A2"].value
    assert "填报单位" in sub and "填报日期：2026年1月1日" in sub and "截至2011年12月31日" in sub
    assert "联系点按类型：村 1、园区 1、学校 1、困难户 1" in sub  # cp2 (企业) ended 06-30
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    headers = [c.value for c in ws[3]]
    assert headers[:5] == ["党委（乡镇）", "联系点\n（个）", "结对帮扶\n（对）", "驻村干部\n（名）", "帮扶记录\n（条）"]
    assert headers[5:17] == [
        "走访\n（户）", "走访\n（人次）", "接访\n（人次）", "解决问题\n（个）", "制定规划\n（个）", "化解矛盾纠纷\n（起）",
        "引进项目\n（个）", "引进项目\n（万元）", "协调资金\n（万元）", "培训\n（期）", "培训\n（人次）", "办实事\n（件）",
    ]
    assert headers[17:] == ["村\n（个）", "已覆盖村\n（个）", "未覆盖村\n（个）", "覆盖率"]
    rows = {r[0]: r[1:] for r in _rows(ws)}
    # by hand (see the campaign fixture): 4 points running on 12-31, 1 pairing, 1 cadre, 7 logs;
    # 走访 12户/30人次, 解决问题 3个, 化解 2起, 引进项目 1个/100万元, 协调资金 2.5万元, 培训 1期/40人次, 办实事 4件
    town = [4, 1, 1, 7, 12, 30, 0, 3, 0, 2, 1, 100, 2.5, 1, 40, 4, 4, 3, 1, 0.75]
    assert rows["中共联珠镇委员会"] == town
    assert rows["县直机关工委"] == [0] * 19 + ["—"]
    assert rows["合计"] == town
    assert list(rows) == ["中共联珠镇委员会", "县直机关工委", "合计"]
    assert ws["N4"].number_format == "0.00" and ws["U4"].number_format == "0.0%"
    # and each row is CampaignBook's, the figures `pledgebook stats` prints
    book = CampaignBook(2011, today=LATER)
    for node, fig in book.children():
        assert rows[node.name] == _help_row(fig)
    assert rows["合计"] == _help_row(book.subtree(book.root_id()))

    ws = wb["未覆盖村"]
    assert ws["A1"].value == "墨江哈尼族自治县2011年度未覆盖村名单（1个）"
    assert "截至2011年12月31日" in ws["A2"].value and ws.freeze_panes == "A4"
    assert [c.value for c in ws[3]] == ["序号", "党委（乡镇）", "乡镇", "村（党组织）", "组织代码"]
    assert _rows(ws) == [[1, "中共联珠镇委员会", "联珠镇", "坝溜村党支部", None]]
    assert [v.name for v in book.uncovered_villages()] == ["坝溜村党支部"]


def test_help_sheets_csv(campaign, tmp_path):
    import csv

    result = export_report(tmp_path / "报表.csv", year=2011, fmt="csv", today=LATER)
    by_name = {p.name: p for p in result.paths}
    raw = by_name[f"报表_{HELP}.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert lines[0] == ["墨江哈尼族自治县2011年度四帮四促工作情况统计表"]
    assert "截至2011年12月31日" in lines[1][3]
    assert lines[2][:3] == ["党委（乡镇）", "联系点（个）", "结对帮扶（对）"] and lines[2][13] == "协调资金（万元）"
    assert lines[-1] == ["合计", "4", "1", "1", "7", "12", "30", "0", "3", "0", "2", "1", "100.00", "2.50", "1", "40", "4",
                         "4", "3", "1", "75.0%"]
    villages = list(csv.reader(by_name["报表_未覆盖村.csv"].read_text(encoding="utf-8-sig").splitlines()))
    assert villages[0] == ["墨江哈尼族自治县2011年度未覆盖村名单（1个）"]
    assert villages[3:] == [["1", "中共联珠镇委员会", "联珠镇", "坝溜村党支部", ""]]


def test_help_sheets_without_a_campaign(county, tmp_path):
    """No second ledger yet: zeros and the villages listed; all covered; no village at all."""
    from pledgebook.models.campaign import rules as helping

    out = tmp_path / "empty.xlsx"
    export_report(out, year=2011)
    wb = openpyxl.load_workbook(out)
    rows = _rows(wb[HELP])
    assert rows[0] == ["中共联珠镇委员会"] + [0] * 16 + [2, 0, 2, 0]
    assert rows[1][0] == "合计" and rows[1][1:17] == [0] * 16
    assert "联系点按类型" not in wb[HELP]["A2"].value
    assert wb["未覆盖村"]["A1"].value.endswith("未覆盖村名单（2个）")
    assert [r[3] for r in _rows(wb["未覆盖村"])] == ["新华村党支部", "碧溪村党支部"]

    for branch in ("b1", "b2"):
        helping.create_contact_point(county["zhang"].id, "村", "点", county[branch].id, start_date="2011-01-01")
    export_report(out, year=2011)
    ws = openpyxl.load_workbook(out)["未覆盖村"]
    assert ws["A1"].value.endswith("未覆盖村名单（0个）") and _rows(ws) == [["全部村已覆盖", None, None, None, None]]
    paths = export_report(tmp_path / "empty.csv", year=2011, fmt="csv").paths
    assert next(p for p in paths if p.name.endswith("未覆盖村.csv")).read_text(encoding="utf-8-sig").splitlines()[-1] == "全部村已覆盖"


def test_help_sheets_on_a_bare_ledger(db_path, tmp_path):
    rules.init_county("某县", "530822", 2011)
    out = tmp_path / "bare.xlsx"
    export_report(out, year=2011)
    wb = openpyxl.load_workbook(out)
    assert _rows(wb[HELP]) == [["合计"] + [0] * 19 + ["—"], ["（无）"] + [None] * 20]
    assert _rows(wb["未覆盖村"])[0][0] == "台账中没有村级党组织（农村党支部、党总支）"


def test_help_sheets_of_a_prefecture(prefecture, tmp_path):
    """Merged counties: one row per county, as on 承诺情况统计表; the uncovered village under its county."""
    out = tmp_path / "州.xlsx"
    export_report(out, year=2011, today=LATER)
    wb = openpyxl.load_workbook(out)
    assert [r[0] for r in _rows(wb["承诺情况统计表"])][:2] == ["墨江县", "宁洱县"]
    ws = wb[HELP]
    assert ws["A3"].value == "县（区）"
    rows = {r[0]: r[1:] for r in _rows(ws)}
    assert rows["墨江县"] == [1, 0, 0, 2, 12, 30, 0, 0, 0, 0, 0, 0, 2.5, 0, 0, 0, 2, 1, 1, 0.5]
    assert rows["宁洱县"] == [1, 0, 1, 2, 0, 0, 0, 3, 0, 2, 0, 0, 0, 0, 0, 0, 2, 2, 0, 1]
    assert rows["合计"] == [2, 0, 1, 4, 12, 30, 0, 3, 0, 2, 0, 0, 2.5, 0, 0, 0, 4, 3, 1, 0.75]
    assert _rows(wb["未覆盖村"]) == [[1, "墨江县", "联珠镇", "碧溪村党支部", None]]
    # one county alone (--org): its 党委 are the rows
    export_report(out, year=2011, org_code="530821", today=LATER)
    wb = openpyxl.load_workbook(out)
    assert wb[HELP]["A1"].value == "普洱市宁洱县2011年度四帮四促工作情况统计表"
    assert [r[0] for r in _rows(wb[HELP])] == ["中共宁洱镇委员会", "合计"]
    assert _rows(wb["未覆盖村"]) == [["全部村已覆盖", None, None, None, None]]


def test_help_cells_are_inert(campaign, tmp_path):
    rules.update_org(campaign["b4"].id, name="=HYPERLINK(\"http://x\")村党支部")
    out = tmp_path / "evil.xlsx"
    export_report(out, year=2011, today=LATER)
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name), name
    assert _rows(openpyxl.load_workbook(out)["未覆盖村"])[0][3] == "=HYPERLINK(\"http://x\")村党支部"


def test_a_listing_longer_than_a_worksheet_goes_on_in_a_second_sheet(demo_path, tmp_path, monkeypatch):
    """A province's 承诺台账 (1.1 million pledges) is longer than the 1,048,576 rows of a worksheet: it goes
    on in 承诺台账（2）, … with nothing cut off (here a worksheet of 400 rows stands in for Excel's)."""
    from pledgebook.exporters.report import data

    monkeypatch.setattr(data, "SHEET_ROWS", 400)
    year = rules.current_year()
    out = tmp_path / "报表.xlsx"
    export_report(out, year=year, today=TODAY)
    wb = openpyxl.load_workbook(out, read_only=True)
    parts = [name for name in wb.sheetnames if name.startswith("承诺台账")]
    assert parts[:3] == ["承诺台账", "承诺台账（2）", "承诺台账（3）"]
    numbers = [row[0] for name in parts for row in wb[name].iter_rows(min_row=4, values_only=True)]
    assert numbers == list(range(1, FigureBook(year, today=TODAY).subtree().pledges + 1))
    assert "续" in wb["承诺台账（2）"]["A1"].value
