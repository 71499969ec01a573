"""The pledge ledger (承诺 → 践诺 → 评诺).

- ``rules/``: the writes, one module per record (county and years, orgs, people, pledges and progress,
  evaluations and rectifications, deletion); ``rules`` itself re-exports them all
- ``validate``: the public, pure validators the rules and the importers share
- ``queries`` (the pledge list, years, tree, people), ``detail`` (one pledge), ``categories``: reads
- ``figures`` (兑现率, 满意率 … per org subtree), ``rectification`` (what an evaluation's result asks for),
  ``tally`` (counted ballots typed in by hand)

Built on the shared rooms of ``store``: ``lifecycle`` (transaction, soft delete), ``orgtree`` (the
tree and its roll-up), ``years`` (the closed-year lock), ``pickers``; and ``core.fields``.
Inside: categories, rectification < figures < detail < queries < validate < rules.
"""
