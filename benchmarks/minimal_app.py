"""The floor for the whole-process first-screen figure (benchmarks/tui_bench.py --terminal).

A minimal Textual app as a user would start one: Header, Footer, a Static and an
empty DataTable. The benchmark starts it in a terminal (tmux) and waits for READY.
"""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

READY = "minimal app ready"


class Minimal(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(READY)
        yield DataTable()
        yield Footer()


if __name__ == "__main__":
    Minimal().run()
