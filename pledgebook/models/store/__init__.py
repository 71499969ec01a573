"""The store: peewee tables, opening the file (pragmas), migrations, backups, settings, search,
the audit log and the health check. Imports only the core."""
