"""The core: errors and their Chinese explanations, the vocabulary, value parsing and validation.

Pure Python: no database, no textual, rich or typer. Every other layer may import it.
"""
