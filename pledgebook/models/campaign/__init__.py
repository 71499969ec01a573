"""The campaign ledger (四帮四促 / 帮联驻): contact points, pairings, stationing and help logs —
its rules (writes), queries (reads) and figures."""
