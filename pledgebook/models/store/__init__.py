"""The store: peewee tables, opening the file (pragmas), migrations, backups, settings, search,
the audit log and the health check; and what every ledger shares: ``lifecycle`` (the write
transaction, changing a record with its audit entry, soft delete / restore), ``orgtree`` (the org
tree and the roll-up of figures), ``years`` (closed years are read-only) and ``pickers``. Imports
only the core."""
