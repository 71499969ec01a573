"""下载模板: a blank template of any kind, saved where the clerk chooses (palette, import screen F6)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from pledgebook.tui.dialogs.form import FormDialog

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp


class TemplateDialog(FormDialog):
    form_title = "下载空白模板（发给乡镇填写，填好后可直接导入）"
    save_label = "保存模板 Ctrl+S"

    def __init__(self, kind: str | None = None, year: int | None = None) -> None:
        super().__init__()
        from pledgebook.exporters import template

        self.kind = kind if kind in template.COLUMNS else "pledges"
        self.year = year
        self.folder = _save_folder()
        self._offered = ""  # the file name offered; replaced when the kind changes unless the clerk typed one

    def body(self) -> ComposeResult:
        from pledgebook.exporters import template

        kinds = [(f"{template.NAMES[k]}（{k}）", k) for k in template.COLUMNS]
        yield from self.field("kind", "模板类型", Select(kinds, value=self.kind, allow_blank=False))
        self._offered = str(self.folder / template.default_name(self.kind, _county()))
        yield from self.field("path", "保存为（可改文件夹和文件名）", Input(value=self._offered))
        yield Static("", id="template-note", classes="preview")

    def on_mount(self) -> None:
        super().on_mount()
        self._note()

    def on_select_changed(self, event: Select.Changed) -> None:
        from pledgebook.exporters import template

        if event.select.id != "f-kind" or not isinstance(event.value, str):
            return
        self.kind = event.value
        path = self.query_one("#f-path", Input)
        if path.value == self._offered:  # not edited: follow the kind
            folder = Path(path.value).parent if path.value else self.folder
            self._offered = str(folder / template.default_name(self.kind, _county()))
            path.value = self._offered
        self._note()

    def _note(self) -> None:
        from pledgebook.exporters import template

        columns = "、".join(c[0] for c in template.COLUMNS[self.kind])
        self.query_one("#template-note", Static).update(f"列：{columns}")

    def save(self, values: dict[str, Any]) -> Any:
        from pledgebook.exporters import template
        from pledgebook.models.core.errors import ValidationError

        if not values["path"]:
            raise ValidationError("请填写保存的文件名", "path")
        path = Path(values["path"]).expanduser()
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        if path.is_dir():
            raise ValidationError("这是一个文件夹，请在后面加上文件名，例如 党员名册模板.xlsx", "path")
        if not path.parent.is_dir():
            raise ValidationError(f"文件夹「{path.parent}」不存在，请先建立或换一个文件夹", "path")
        return template.write_template(values["kind"], path, year=self.year)


def _save_folder() -> Path:
    from pledgebook.tui import folders

    return folders.save_folder()


def _county() -> str:
    from pledgebook.models.store import db

    return db.county().get("name", "")


def open_template(app: PledgebookApp, kind: str | None = None) -> None:
    """The dialog, then a note saying where the template went."""

    def done(path: Any) -> None:
        if path:
            app.notify(f"已保存模板「{path}」。发给乡镇填写，交回后在「导入」中导入。", title="已下载模板", timeout=12)

    app.push_screen(TemplateDialog(kind, getattr(app, "year", None)), done)
