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

The third ledger (民主评议党员, 星级评定, 评选表彰), per branch and per 乡镇（党委）:

* :func:`print_appraisal_ballots` (民主测评票, with the 民主评议计票表 beside it: hidden 党员编号, protected
  cells; imported back as the ``appraisals`` sheet kind) and :func:`print_appraisal_notice` (结果公示);
* :func:`print_star_table`, :func:`print_flag_list` (授旗名单), :func:`print_star_notice`;
* :func:`print_honour_notice` (拟表彰对象公示), :func:`print_honour_list` (表彰名单).

Modules: :mod:`.units` (what to print), :mod:`.sheets` (workbook helpers),
:mod:`.notice`, :mod:`.ballots`, :mod:`.tally`; for the third ledger :mod:`.roster` (branches and members),
:mod:`.listing` (one printed list per sheet), :mod:`.appraisal`, :mod:`.appraisal_tally`, :mod:`.stars`,
:mod:`.honours`; their public names are here.
"""

from pledgebook.exporters.paper.appraisal import print_appraisal_ballots, print_appraisal_notice
from pledgebook.exporters.paper.appraisal_tally import APPRAISAL_TALLY_COLUMNS, APPRAISAL_TALLY_HEADER_ROW
from pledgebook.exporters.paper.ballots import BALLOT_KINDS, ballot_kind, print_ballots, tally_path_for
from pledgebook.exporters.paper.honours import print_honour_list, print_honour_notice
from pledgebook.exporters.paper.notice import (
    NoticePlan,
    check_published_on,
    notice_plan,
    print_notice,
    set_published,
)
from pledgebook.exporters.paper.sheets import PaperResult, Progress
from pledgebook.exporters.paper.stars import print_flag_list, print_star_notice, print_star_table
from pledgebook.exporters.paper.tally import TALLY_COLUMNS, TALLY_HEADER_ROW, TALLY_SHEET, write_tally
from pledgebook.exporters.paper.units import Line, Unit, collect, find_org

__all__ = [
    "APPRAISAL_TALLY_COLUMNS",
    "APPRAISAL_TALLY_HEADER_ROW",
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
    "print_appraisal_ballots",
    "print_appraisal_notice",
    "print_ballots",
    "print_flag_list",
    "print_honour_list",
    "print_honour_notice",
    "print_notice",
    "print_star_notice",
    "print_star_table",
    "set_published",
    "tally_path_for",
    "write_tally",
]
