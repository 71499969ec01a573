"""Files in: read (xlsx/xls/ods/csv) → find the header → plan every row → apply in one transaction.

This package never imports textual, rich or typer. The low layer —
``reader`` (hostile files into plain rows), ``table`` (finding the header and
the data rows), ``columns`` and ``measures`` (column names and their variants) —
has no database access.

Above it: ``plan`` (the shape every sheet kind shares: Row, Planned, Collector,
SheetKind), ``cells`` (reading one cell), ``context`` (what one import loads once),
``sheets/`` (one module per kind of sheet, each a SheetKind), ``headers`` (which
sheets import, as what), ``planning`` (one table's rows), ``write`` (the planned
records into the ledger), ``apply`` (the run: :func:`apply.import_file`),
``result`` (what a run did), ``inbox`` and ``errorbook``.
"""
