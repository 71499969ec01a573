"""Files in: read (xlsx/xls/ods/csv) → find the header → parse values → resolve names → apply.

This package never imports textual, rich or typer. The low layer —
``reader`` (hostile files into plain rows), ``table`` (finding the header and
the data rows), ``columns`` (column names and their variants) — has no
database access.
"""
