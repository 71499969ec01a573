"""The third ledger's write rules: every change checked, audited and in one transaction."""
