"""Command groups of the CLI, one module each; ``pledgebook.cli`` registers them."""
