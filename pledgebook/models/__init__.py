"""The ledger: peewee tables, opening the file, migrations, domain rules and the figures.

Import the submodules you need (``from pledgebook.models import rules``); this
package imports none of textual, rich and typer, and nothing outside itself.
"""
