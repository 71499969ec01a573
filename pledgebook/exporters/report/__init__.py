"""The report workbook a county office hands in (XlsxWriter), and the same tables as CSV.

Sheets: 承诺情况统计表 (one row per 党委/乡镇 — or per county in a prefecture
file — with a native chart of 兑现率), 分类统计, 评议结果汇总, 逾期及待整改,
四帮四促工作情况统计表 and 未覆盖村 (the second ledger, grouped like the first
sheet), 承诺台账 (the full listing). Every figure comes from
:mod:`pledgebook.models.ledger.figures` and :mod:`pledgebook.models.campaign.figures` —
the same numbers ``pledgebook stats`` and the TUI show.

Modules: :mod:`.data` (the tables as plain data), :mod:`.sheets` (the
pledge ledger's tables and :func:`build_report`), :mod:`.campaign` (the second
ledger's), :mod:`.xlsx` (the workbook), :mod:`.files` (:func:`export_report`,
CSV); their public names are here.
"""

from pledgebook.exporters.report.data import UNITS, Progress, ReportData, ReportResult, Sheet
from pledgebook.exporters.report.files import export_report, write_csv_files
from pledgebook.exporters.report.sheets import build_report
from pledgebook.exporters.report.xlsx import write_xlsx

__all__ = [
    "UNITS",
    "Progress",
    "ReportData",
    "ReportResult",
    "Sheet",
    "build_report",
    "export_report",
    "write_csv_files",
    "write_xlsx",
]
