"""The hand-off bundle: its format, writing and reading it back, verifying, keys, and the merge at the
prefecture. Imports the models, never textual, rich or typer."""
