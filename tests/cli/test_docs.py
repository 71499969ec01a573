"""Every command has help text and appears in README.md."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from pledgebook.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix=()):
    for name, cmd in getattr(group, "commands", {}).items():
        path = (*prefix, name)
        yield path, cmd
        yield from _commands(cmd, path)


def test_every_command_has_help_and_is_in_the_readme():
    click_app = typer.main.get_command(app)
    missing_help, missing_doc = [], []
    for path, cmd in _commands(click_app):
        if not (cmd.help or "").strip():
            missing_help.append(" ".join(path))
        if f"pledgebook {' '.join(path)}" not in README:
            missing_doc.append(" ".join(path))
    assert not missing_help, f"commands without help text: {missing_help}"
    assert not missing_doc, f"commands not documented in README.md: {missing_doc}"


def test_readme_opens_with_the_two_setup_commands():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert "pledgebook" in blocks[0] and "pip install" in blocks[0]
    assert blocks[1].strip() == "./check"
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "./check" in ci
