"""The command line's own words (typer and its vendored click) in Chinese.

Typer writes some words through gettext (「Aborted!」, 「Options」, 「Commands」,
「default: …」) and its click writes the rest in English in the help and
error paths (「Usage:」, 「Show this message and exit.」, 「Error: No such
option: --x」, 「Try 'pledgebook -h' for help.」). :func:`install` puts our
words at those few places: typer's gettext name, the help option's text, the
usage prefix, and the error display, whose messages are matched by the
patterns below (the parts in braces keep what click put in them).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

WORDS = {
    "Aborted!": "已取消。",
    "Aborted.": "已取消。",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Error": "错误",
    "default: {default}": "默认：{default}",
    "[default: {}]": "[默认：{}]",
    "env var: {var}": "环境变量：{var}",
    "[env var: {}]": "[环境变量：{}]",
    "required": "必填",
    "[required]": "[必填]",
    "(dynamic)": "（运行时决定）",
    "(deprecated) ": "（已停用）",
    "Missing command.": "缺少子命令。",
    "No such command {name!r}.": "没有这个命令：{name!r}。",
}
HELP_TEXT = "显示本帮助并退出"
USAGE = "用法："
# the placeholders in the usage line and beside the options: [OPTIONS], <path>, {year} …
PLACEHOLDERS = {
    "[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]...", "<path>": "<路径>", "<int>": "<整数>",
    "<str>": "<文字>", "<float>": "<数字>", "{bundle}": "{数据包}", "{file}": "{文件}", "[file]": "[文件]",
    "[files]": "[文件]", "{kind}": "{类型}", "{year}": "{年度}", "[key]": "[设置项]", "[value]": "[值]",
    "[to]": "[年度]", "[year]": "[年度]",
}
_PLACEHOLDER = re.compile("|".join(re.escape(k) for k in sorted(PLACEHOLDERS, key=len, reverse=True)))


ARGUMENTS = {"bundle": "数据包", "file": "文件", "files": "文件", "kind": "类型", "year": "年度", "key": "设置项",
             "value": "值", "to": "年度"}


def placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: PLACEHOLDERS[m.group(0)], text)


def argument(name: str) -> str:
    """An argument's row in the help: 「file」 → 「文件」, 「files...」 → 「文件...」 (options stay as they are)."""
    bare = name.removesuffix("...")
    return ARGUMENTS[bare] + name[len(bare):] if bare in ARGUMENTS else name


def cells(text: str) -> int:
    """The width of ``text`` on a terminal: a Chinese character takes two cells (click counts one)."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in plain)

# click's messages, most specific first: (pattern, Chinese with \\1 … for the groups, or a function)
MESSAGES = [
    (r"No such option: (\S+)(?: Did you mean (.+)\?)?", r"没有这个选项：\1。"),
    (r"Missing argument '(.+)'\.", lambda m: f"缺少参数「{ARGUMENTS.get(m.group(1).lower(), m.group(1))}」。"),
    # click names an option by all its names: 「Missing option '-o' / '--output'.」
    (r"Missing option '(.+)'\.", lambda m: "缺少选项 " + m.group(1).replace("' / '", " / ") + "。"),
    (r"Missing parameter: (.+)", r"缺少参数 \1。"),
    (r"Option '(.+)' requires an argument\.", r"选项 \1 后面要写一个值。"),
    (r"Option '(.+)' requires (\d+) arguments\.", r"选项 \1 后面要写 \2 个值。"),
    (r"Option '(.+)' does not take a value\.", r"选项 \1 不带值。"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数：\1。"),
    (r"Invalid value for (.+?): (.+)", r"\1 的值不对：\2"),
    (r"Invalid value: (.+)", r"值不对：\1"),
    (r"'([^']*)' is not a valid (?:integer|int)(?: range)?\.", r"「\1」不是整数。"),
    (r"'([^']*)' is not a valid float(?: range)?\.", r"「\1」不是数字。"),
    (r"'([^']*)' is not a valid boolean\..*", r"「\1」不是 是/否。"),
    (r"'([^']*)' is not one of (.+)\.", r"「\1」不在可选值里：\2。"),
    (r"(?:File|Path|Directory) '(.+)' does not exist\.", r"找不到 \1。"),
    (r"(?:File|Path|Directory) '(.+)' is a directory\.", r"\1 是文件夹，这里要一个文件。"),
    (r"(?:File|Path|Directory) '(.+)' is a file\.", r"\1 是文件，这里要一个文件夹。"),
    (r"(?:File|Path|Directory) '(.+)' is not readable\.", r"\1 读不了（权限不够）。"),
    (r"(?:File|Path|Directory) '(.+)' is not writable\.", r"\1 写不了（权限不够）。"),
    (r"(.+) is not in the range (.+)\.", r"\1 不在范围 \2 内。"),
    (r"Did you mean (.+)\?", r"是不是要写 \1？"),
    (r"\(Possible options: (.+)\)", r"（可以是：\1）"),
    (r"Missing command\.", "缺少子命令。"),
]
PROMPT_ERRORS = {
    "invalid input": "请回答 y（是）或 n（否）。",
    "The value you entered was invalid.": "输入的值不对，请再输入一次。",
    "The two entered values do not match.": "两次输入的不一样，请再输入一次。",
}
_COMPILED: list = [(re.compile(p), zh) for p, zh in MESSAGES]
_installed = False
_TOKEN = re.compile(r"[A-Za-z0-9_.\-<>\[\]|'\"=+]+|\s+|.")


def wrap(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
         preserve_paragraphs: bool = False) -> str:
    """click's ``wrap_text`` by terminal cells, between Chinese characters but never inside an English
    word or a code (click counts a Chinese character as one cell and cut 「evaluations」 in two)."""
    paragraphs = re.split(r"\n\s*\n", text) if preserve_paragraphs else [text]
    out = []
    for paragraph in paragraphs:
        lines: list[str] = []
        line = initial_indent
        for token in _TOKEN.findall(" ".join(paragraph.split())):
            if cells(line) + cells(token) > width and line.strip():
                lines.append(line.rstrip())
                line = subsequent_indent
                if token.isspace():
                    continue
            line += token
        lines.append(line.rstrip())
        out.append("\n".join(lines))
    return "\n\n".join(out)


def translate(message: str) -> str:
    """click's message in Chinese (each sentence matched on its own); unknown ones as they are."""
    out = message
    for pattern, zh in _COMPILED:
        out = pattern.sub(zh, out)
    return out


def _gettext(msgid: str) -> str:
    return WORDS.get(msgid, msgid)


def install() -> None:
    """Once per process: typer's and click's words in Chinese (see the module)."""
    global _installed
    if _installed:
        return
    _installed = True
    from typer import _click, core
    from typer._click import exceptions, formatting

    core._ = _gettext  # type: ignore[attr-defined]

    original_help_option = _click.core.Command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    _click.core.Command.get_help_option = get_help_option  # type: ignore[method-assign]

    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original_usage(self, prog, placeholders(args), USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]

    def write_heading(self: Any, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    formatting.HelpFormatter.write_heading = write_heading  # type: ignore[method-assign]

    original_dl = formatting.HelpFormatter.write_dl

    def write_dl(self: Any, rows: Any, *args: Any, **kwargs: Any) -> None:
        original_dl(self, [(argument(placeholders(first)), second) for first, second in rows], *args, **kwargs)

    formatting.HelpFormatter.write_dl = write_dl  # type: ignore[method-assign]
    # the option column lines up beside Chinese placeholders
    formatting.term_len = cells  # pyright: ignore[reportPrivateImportUsage] - click's own helper, replaced to put its words in Chinese
    formatting.wrap_text = wrap

    def show(self: Any, file: Any = None) -> None:
        ctx = getattr(self, "ctx", None)
        color = ctx.color if ctx is not None else None
        if isinstance(self, exceptions.UsageError) and ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = f"查看帮助：{ctx.command_path} {ctx.help_option_names[0]}\n"
            _click.echo(f"{ctx.get_usage()}\n{hint}", file=file, err=file is None, color=color)
        _click.echo(f"错误：{translate(self.format_message())}", file=file, err=file is None, color=color)

    from typer._click import termui

    plain_echo = termui.echo  # pyright: ignore[reportPrivateImportUsage] - click's own helper, replaced to put its words in Chinese

    def prompt_echo(message: Any = None, *args: Any, **kwargs: Any) -> None:
        if isinstance(message, str) and message.startswith("Error: "):
            message = "错误：" + PROMPT_ERRORS.get(message[7:], translate(message[7:]))
        plain_echo(message, *args, **kwargs)

    # the answers to a prompt or a yes/no question
    termui.echo = prompt_echo  # pyright: ignore[reportPrivateImportUsage] - click's own helper, replaced to put its words in Chinese

    exceptions.ClickException.show = show  # type: ignore[method-assign]
    exceptions.UsageError.show = show  # type: ignore[method-assign]
