"""Pinyin search keys: '张三' → 'zs zhs zhangsan', '联珠镇' → 'lzz lzhzh lianzhuzhen'.

The readings are pypinyin's (``lazy_pinyin`` in its default style, with its phrase segmentation, so
that 重庆 is chongqing and 银行 yinhang), read from ``pinyin_table.txt`` beside this module. The table is
made from pypinyin by ``make_pinyin_table.py`` (also beside it), which checks that the two read every
character, every phrase and 200,000 mixed texts alike; pypinyin and its data are MIT-licensed.

Why not pypinyin itself: importing it costs 0.17 s (a 2.5 MB JSON phrase list, and its segmenter
builds a prefix set of it at import): a 2,000-member roster's import took 0.72 s of CPU with it,
0.49 s with the table. The table loads in 10-20 ms, on the first key asked for.
"""

from __future__ import annotations

import re
from pathlib import Path

from pledgebook.models.core.values import normalize_text

__all__ = ["Table", "pinyin_key", "pinyin_keys"]

TABLE = Path(__file__).with_name("pinyin_table.txt")
_ZH_INITIALS = ("zh", "ch", "sh")
_FOREIGN = "\x00"  # marks a chunk that has no pinyin: it passes through whole
OFFSET = 0x100  # a syllable's number n is stored as chr(OFFSET + n) (see make_pinyin_table)


class Table:
    """The readings of :data:`TABLE`: :meth:`syllables` is ``lazy_pinyin(text, errors=mark)``.

    Kept as the file has it, so that loading makes few objects: a character's syllable is looked up
    in runs of code points, a phrase by a substring search in the line of phrases of its first
    character (a few dozen at most)."""

    def __init__(self, han_class: str, syllables: list[str], runs: list[tuple[int, str]], groups: dict[str, str],
                 own: dict[str, list[str]], longest: int) -> None:
        self.han_class = han_class
        self._chunks = re.compile(f"([{han_class}]+)")
        self._syllables = syllables
        self._runs = runs
        self._groups = groups
        self._own = own
        self._longest = longest

    @classmethod
    def load(cls, path: Path = TABLE) -> Table:
        han_class = ""
        syllables: list[str] = []
        runs: list[tuple[int, str]] = []
        groups: dict[str, str] = {}
        own: dict[str, list[str]] = {}
        longest = 1
        with open(path, encoding="utf-8", newline="\n") as handle:
            for line in handle:
                kind = line[:2]
                if kind == "g ":
                    groups[line[2]] = line[1:-1]  # " phrase phrase … ": each phrase with a space either side
                elif kind == "r ":
                    phrase, *read = line[2:].split()
                    own[phrase] = read
                elif kind == "d ":
                    _, first, run = line.rstrip("\n").split(" ", 2)
                    runs.append((int(first, 16), run))
                elif kind == "s ":
                    syllables = ["", *line[2:].split()]
                elif line.startswith("hans "):
                    han_class = line[5:].rstrip("\n")
                elif line.startswith("longest "):
                    longest = int(line[8:])
        return cls(han_class, syllables, runs, groups, own, longest)

    def reading(self, ch: str) -> str:
        """The syllable of one character read alone, or '' when it has none."""
        code = ord(ch)
        for first, run in self._runs:
            if first <= code < first + len(run):
                return self._syllables[ord(run[code - first]) - OFFSET]
        return ""

    def syllables(self, text: str) -> list[str]:
        """One item per Chinese character (its syllable, or the mark and itself when it has none), and
        one per run of other characters (the mark and the run)."""
        out: list[str] = []
        for index, chunk in enumerate(self._chunks.split(text)):
            if index % 2 == 0:
                if chunk or not text:
                    out.append(_FOREIGN + chunk)
                continue
            for word in self._cut(chunk):
                if len(word) > 1 and word in self._own:
                    out += self._own[word]
                else:
                    out += [self.reading(ch) or _FOREIGN + ch for ch in word]
        return out

    def _cut(self, text: str) -> list[str]:
        """pypinyin's segmenter (forward maximum matching over its phrases, strict about them)."""
        words: list[str] = []
        start, end = 0, len(text)
        while start < end:
            group = self._groups.get(text[start], "")
            for size in range(min(self._longest, end - start), 0, -1):
                if f" {text[start:start + size]} " in group:
                    words.append(text[start:start + size])
                    start += size
                    break
            else:
                rest = text[start:]
                if f" {rest}" in group:  # the rest begins some phrase: pypinyin reads it character by character
                    words += rest
                    break
                words.append(text[start])
                start += 1
        return words


_TABLE: list[Table] = []


def table() -> Table:
    """The table, loaded on first use."""
    if not _TABLE:
        _TABLE.append(Table.load())
    return _TABLE[0]


def pinyin_key(text: str) -> str:
    """A search key for ``text``: initials, initials with zh/ch/sh, full pinyin.

    '张三' → 'zs zhs zhangsan'; '联珠镇' → 'lzz lzhzh lianzhuzhen'. Lowercase,
    toneless, space-separated; a part equal to the one before it is left out
    ('李四' → 'ls lisi'). Characters that are not Chinese pass through
    lowercased. Matching is by substring: typing 'lzz' finds 联珠镇.
    """
    return pinyin_keys([text])[0]


def pinyin_keys(texts: list[str]) -> list[str]:
    """:func:`pinyin_key` for many texts at once (repeated texts are computed once)."""
    syllables = table().syllables
    cache: dict[str, str] = {}
    keys: list[str] = []
    for raw in texts:
        text = normalize_text(raw)
        key = cache.get(text)
        if key is None:
            key = _key_from_syllables(syllables(text))
            cache[text] = key
        keys.append(key)
    return keys


def _key_from_syllables(syllables: list[str]) -> str:
    initials: list[str] = []
    initials_zh: list[str] = []
    full: list[str] = []
    for syllable in syllables:
        chunk = syllable.lower().replace(" ", "")
        foreign = chunk.startswith(_FOREIGN)
        chunk = chunk.lstrip(_FOREIGN)
        if not chunk:
            continue
        full.append(chunk)
        if not foreign:
            initials.append(chunk[0])
            initials_zh.append(chunk[:2] if chunk.startswith(_ZH_INITIALS) else chunk[0])
        else:
            initials.append(chunk)
            initials_zh.append(chunk)
    parts: list[str] = []
    for part in ("".join(initials), "".join(initials_zh), "".join(full)):
        if part and part not in parts:
            parts.append(part)
    return " ".join(parts)
