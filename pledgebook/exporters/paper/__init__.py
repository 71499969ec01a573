"""The paper side of the campaign: 公示 notices, 评议 ballots and the tally sheet.

* :func:`print_notice` writes one worksheet per organization (the branch's own
  pledges and its members'), laid out to be read on a notice board: A4
  portrait, fitted to the page width, the column header repeated on every
  page, page numbers; and sets the pledges' 公示 date (one transaction,
  audited).
* :func:`print_ballots` writes the ballots (one worksheet per organization,
  three boxes per pledge, no voter names) and, beside it, the tally workbook:
  the same pledges with blank count columns and a hidden, locked 承诺编号
  (the pledge's uid), so the filled sheet imports back with
  ``pledgebook import`` to exactly the right pledges whatever the clerks did
  to the order of the rows or to the names.

One worksheet per organization (rather than page breaks in one long sheet)
because only then can each notice have its own title, its own repeated
column header and its own page numbers. Organizations come in tree order.

Modules: :mod:`.units` (what to print), :mod:`.sheets` (workbook helpers),
:mod:`.notice`, :mod:`.ballots`, :mod:`.tally`; their public names are here.
"""

from pledgebook.exporters.paper.ballots import BALLOT_KINDS, ballot_kind, print_ballots, tally_path_for
from pledgebook.exporters.paper.notice import (
    NoticePlan,
    check_published_on,
    notice_plan,
    print_notice,
    set_published,
)
from pledgebook.exporters.paper.sheets import PaperResult, Progress
from pledgebook.exporters.paper.tally import TALLY_COLUMNS, TALLY_HEADER_ROW, TALLY_SHEET, write_tally
from pledgebook.exporters.paper.units import Line, Unit, collect, find_org

__all__ = [
    "BALLOT_KINDS",
    "TALLY_COLUMNS",
    "TALLY_HEADER_ROW",
    "TALLY_SHEET",
    "Line",
    "NoticePlan",
    "PaperResult",
    "Progress",
    "Unit",
    "ballot_kind",
    "check_published_on",
    "collect",
    "find_org",
    "notice_plan",
    "print_ballots",
    "print_notice",
    "set_published",
    "tally_path_for",
    "write_tally",
]
