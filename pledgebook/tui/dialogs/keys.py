"""签名密钥 from the hand-off screen: make this ledger's key, trust a county's, each fingerprint to read out by phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Static

from pledgebook.models.core.errors import PledgebookError, ValidationError
from pledgebook.tui.dialogs.form import FormDialog


def spaced(fingerprint: str) -> str:
    """A fingerprint in groups of four, as it is read out on the phone."""
    plain = fingerprint.replace(" ", "").replace(":", "")
    return " ".join(plain[i:i + 4] for i in range(0, len(plain), 4))


class TrustKeyForm(FormDialog):
    """信任下级县（区）的公钥: the file, then its county and fingerprint to compare, then 信任."""

    form_title = "信任下级县（区）的公钥"
    save_label = "信任 Ctrl+S"

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.checked: Any = None  # the key read from the file, once its fingerprint is on screen
        self.replacing = False  # the county already has another trusted key: Ctrl+S replaces it (audited)

    def body(self) -> ComposeResult:
        yield from self.field(
            "path", "公钥文件（县里交来的 .pub）", Input(value=str(self.folder or ""), placeholder="例如 E:\\530822.pub"),
            hint="回车读出指纹",
        )
        yield Static("", id="fingerprint", classes="preview")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.read_key()

    def read_key(self) -> bool:
        from pledgebook.bundle.keys import read_public_key
        from pledgebook.tui.screens.imports import clean_path

        path = clean_path(self.value("path"))
        self.checked = None
        try:
            if path is None or not path.is_file():
                raise ValidationError("找不到这个文件：请写县里交来的公钥文件（.pub）的位置", "path")
            pub = read_public_key(path)
        except PledgebookError as exc:
            self.show_errors(exc)
            self.query_one("#fingerprint", Static).update("")
            return False
        from pledgebook.bundle.keys import trusted_key

        self.clear_errors()
        self.checked = pub
        old = trusted_key(pub.county_code)
        self.replacing = old is not None and old.key != pub.key
        if self.replacing:  # a re-trust: said before Ctrl+S, never a pointer to the command line's --replace
            advice = (f"[b]注意：本台账已信任该县的另一个公钥[/b]（指纹 {spaced(old.fingerprint)}）。\n"
                      "只有该县确实重新生成了密钥时才替换：电话核对新指纹一致，再按 Ctrl+S 替换（记入审计日志）；否则按 Esc。")
        elif old is not None:
            advice = "本台账已信任这个公钥，无需再信任。按 Esc 返回。"
        else:
            advice = "请打电话请该县念一遍他们的指纹；一致再按 Ctrl+S 信任，不一致按 Esc。"
        self.query_one("#fingerprint", Static).update(
            f"{pub.county_name}（{pub.county_code}）的公钥指纹：\n[b]{spaced(pub.fingerprint)}[/b]\n{advice}")
        return True

    def action_save(self) -> None:
        if self.checked is None:  # Ctrl+S before the fingerprint was read: read it, and let the clerk compare first
            self.read_key()
            return
        super().action_save()

    def save(self, values: dict[str, Any]) -> Any:
        from pledgebook.bundle.keys import trust

        trust(self.checked, replace=self.replacing)
        return self.checked


class InitKeysForm(FormDialog):
    """生成本台账的签名密钥: the folder the public key file goes to; again only after a yes."""

    form_title = "生成本台账的签名密钥"
    save_label = "生成 Ctrl+S"

    def __init__(self, folder: Path, existing: str | None) -> None:
        super().__init__()
        self.folder = folder
        self.existing = existing

    def body(self) -> ComposeResult:
        yield from self.field("folder", "公钥文件存到（交给州/市组织部）", Input(value=str(self.folder)))
        if self.existing:
            yield Static(
                f"[b]本台账已有密钥[/b]，指纹 {spaced(self.existing)}。\n重新生成后，上级要重新信任新的公钥，"
                "旧密钥签名的数据包仍然有效。确定要重新生成，再按 Ctrl+S。", classes="form-error")
        else:
            yield Static("私钥只存在本机当前用户的配置文件夹里；公钥文件交给上级，之后生成的数据包都会签名。",
                         classes="preview")

    def save(self, values: dict[str, Any]) -> Any:
        from pledgebook.bundle.keys import init_keys
        from pledgebook.tui.screens.imports import clean_path

        folder = clean_path(values["folder"])
        if folder is None or not folder.is_dir():
            raise ValidationError("找不到这个文件夹：请写一个已有的文件夹（U盘或文档）", "folder")
        return init_keys(folder, force=bool(self.existing))
