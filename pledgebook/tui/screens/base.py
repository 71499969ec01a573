"""What the area screens share: reload when the data changed while they were hidden."""

from __future__ import annotations

from textual.screen import Screen


class AreaScreen(Screen):
    loaded_version = -1

    def on_screen_resume(self) -> None:
        if self.loaded_version != getattr(self.app, "version", 0):
            self.refresh_data()

    def refresh_data(self) -> None:
        self.loaded_version = getattr(self.app, "version", 0)
        self.load()

    def load(self) -> None:
        raise NotImplementedError
