"""Pledgebook (承诺台账): an offline ledger of public pledges for a county organization department."""

__version__ = "0.1.0"
