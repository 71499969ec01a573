"""The Textual face of Pledgebook. Imported only when the TUI starts."""
