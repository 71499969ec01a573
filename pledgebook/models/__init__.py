"""The domain, in layers: ``core`` (pure values, vocabulary, errors) < ``store`` (tables, the file,
migrations, backups, audit) < ``ledger`` (pledges) | ``campaign`` (四帮四促).

Import the submodules you need (``from pledgebook.models.ledger import rules``); nothing here
imports textual, rich or typer, or any package of Pledgebook outside ``models``.
"""
