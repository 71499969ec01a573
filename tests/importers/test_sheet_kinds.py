"""The shape every sheet kind shares: one SheetKind per kind, each naming its record type; a Row's cells."""

from __future__ import annotations

from pledgebook.importers.plan import Collector, Row, RowErrors, SheetKind
from pledgebook.importers.sheets import BY_TABLE, KIND_NAMES, KINDS, SHEETS


def test_every_kind_is_a_sheet_kind_with_its_own_record_type():
    assert KIND_NAMES == ("orgs", "people", "pledges", "progress", "evaluations", "contacts", "stationing", "helplogs",
                          "appraisals", "honours")
    assert all(isinstance(kind, SheetKind) for kind in SHEETS.values())
    assert len(BY_TABLE) == len(SHEETS)  # one record type each: the writer finds the kind by it
    for name, kind in SHEETS.items():
        assert kind.name == name and KINDS[name] == kind.label and kind.required
        assert type(kind).plan is not SheetKind.plan and type(kind).write is not SheetKind.write


def test_a_row_reads_each_cell_once_blank_text_as_none():
    row = Row(7, ["新华村党支部", "  ", None, 0, "张三 "], {"党组织": 0, "姓名": 1, "备注": 2, "完成进度": 3, "职务": 4})
    assert row.raw("党组织") == "新华村党支部" and row.raw("完成进度") == 0
    assert row.raw("姓名") is None and row.raw("备注") is None and row.raw("没有这一列") is None
    assert row.has("姓名") and not row.has("没有这一列")
    assert row.text("职务") == "张三" and row.text("姓名") == ""


def test_a_collector_reports_every_problem_of_a_row_at_once():
    c = Collector()
    assert c.run("完成进度", int, "12") == 12
    assert c.run("完成进度", int, "十二") is None
    c.add(None, "另一个问题")
    try:
        c.raise_if_any()
    except RowErrors as exc:
        assert [col for col, _ in exc.errors] == ["完成进度", None]
    else:
        raise AssertionError("RowErrors expected")
