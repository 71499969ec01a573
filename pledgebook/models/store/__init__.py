"""The store: the peewee tables, the ledger file, opening it (pragmas, migrations), backups, settings,
search, the audit log and the health check; and what every ledger shares: ``lifecycle`` (the write
transaction, changing a record with its audit entry, soft delete / restore), ``orgtree`` (the org tree
and the roll-up of figures), ``years`` (closed years are read-only) and ``pickers``. Imports only the core.

Inside, in layers (import-linter checks them): tables; files (where the ledger is, whether it can be
written), migrations, audit; settings, search; backup (copy, list, rotate, verify); db (open: a backup
before each migration); restore, health.
"""
