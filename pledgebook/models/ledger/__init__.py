"""The pledge ledger (承诺 → 践诺 → 评诺): its rules (writes), queries (reads) and figures."""
