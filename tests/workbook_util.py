"""Workbooks the import tests build, shared by several test modules (no test module imports another).

:func:`ledger` is a township ledger as townships send it (title, 填报单位 line, header, rows, 合计,
footer lines); :func:`pledge_workbook` is a plain pledge sheet of ``n`` rows for the people of an
existing ledger file, for the crash, fault and concurrency tests.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import xlsxwriter

HEADER = ["序号", "所属乡镇", "所在支部", "党员姓名", "承诺内容", "措施", "完成时限", "完成情况"]
CATS = ["推动科学发展", "促进社会和谐", "服务人民群众", "加强基层组织", "维护社会稳定", "加强自身建设"]


def ledger(path: Path, rows: list[list], *, header=HEADER, title=True, footer=True) -> Path:
    """A township ledger: title, 填报单位 line, header, rows, 合计, footer lines."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("联珠镇")
    r = 0
    if title:
        ws.merge_range(0, 0, 0, len(header) - 1, "XX县2011年党员公开承诺台账")
        ws.write(1, 0, "填报单位：联珠镇党委")
        r = 3
    ws.write_row(r, 0, header)
    for i, row in enumerate(rows, start=r + 1):
        for j, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(i, j, dt.datetime(value.year, value.month, value.day),
                                  wb.add_format({"num_format": "yyyy年m月d日"}))
            elif isinstance(value, str):
                ws.write_string(i, j, value)
            elif value is not None:
                ws.write(i, j, value)
    end = r + len(rows) + 1
    if footer:
        ws.write(end, 0, "合计")
        ws.write(end + 2, 0, "填报人：李四")
        ws.write(end + 2, 4, "联系电话：13812345678")
    wb.close()
    return path


def pledge_workbook(db: Path, xlsx: Path, n: int) -> int:
    """``n`` pledges (one row each, round the people whose org and name are unique) of the ledger file
    ``db``'s open year, written to ``xlsx``; returns that year."""
    con = sqlite3.connect(db)
    year = con.execute("SELECT max(year) FROM work_year WHERE closed = 0").fetchone()[0]
    people = con.execute(
        "SELECT o.name, p.name FROM person p JOIN org o ON o.id = p.org_id WHERE p.state = 'active' "
        "AND o.name IN (SELECT name FROM org GROUP BY name HAVING count(*) = 1) "
        "AND (p.org_id, p.name) IN (SELECT org_id, name FROM person GROUP BY org_id, name HAVING count(*) = 1) "
        "ORDER BY p.id").fetchall()
    con.close()
    wb = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True})
    ws = wb.add_worksheet("承诺台账")
    ws.write_row(0, 0, ["序号", "党组织", "姓名", "承诺类别", "承诺事项", "践诺措施", "完成时限"])
    for i in range(n):
        org, name = people[i % len(people)]
        ws.write_row(i + 1, 0, [i + 1, org, name, CATS[i % 6], f"为群众办实事第{i}件", "走访群众，按月推进", f"{year}-12-31"])
    wb.close()
    return year
