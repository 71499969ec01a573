"""The store: the peewee tables, the ledger file, opening it (pragmas, migrations), backups, settings,
search, the audit log and the health check. Imports only the core.

Inside, in layers (import-linter checks them): tables; files (where the ledger is, whether it can be
written), migrations, audit; settings, search; backup (copy, list, rotate, verify); db (open: a backup
before each migration); restore, health.
"""
