"""The campaign ledger (四帮四促 / 帮联驻): contact points, pairings, stationing and help logs.

Same shape as ``ledger``: ``rules/`` (writes, one module per record: places, stationing, logs,
deletion, yearend), ``validate`` (public validators), ``queries`` (what the screens show, reads only)
and ``figures`` (per org subtree, rolled up by ``store.orgtree``). It does not import ``ledger``:
both stand on ``store`` and ``core``. Inside: figures < validate, queries < rules.
"""
