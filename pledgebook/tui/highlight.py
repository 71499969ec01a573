"""Why a row matched the search: the stretch of a cell that the typed text stands for.

A Chinese search marks the characters it found; a pinyin search (``zs``, ``zhs``, ``zhangsan``,
``lzz``) marks the characters whose initials or syllables it spelled, so a clerk sees that 「zs」 found
张三 and not something in the pledge's text. Pure functions, no Textual; called in the list's worker
thread (pypinyin is imported on the first pinyin search there, never on the UI thread).
"""

from __future__ import annotations

from functools import lru_cache

Span = tuple[int, int]  # [start, end) in characters of the cell

MAX_SPANS = 8


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f"


def _plain(text: str, query: str) -> list[Span]:
    low = text.lower()
    spans: list[Span] = []
    i = low.find(query)
    while i >= 0 and len(spans) < MAX_SPANS:
        spans.append((i, i + len(query)))
        i = low.find(query, i + len(query))
    return spans


@lru_cache(maxsize=4096)
def _syllables(text: str) -> tuple[tuple[str, ...], ...]:
    """For each character, the spellings a search key allows: initial, zh/ch/sh initial, whole syllable."""
    from pypinyin import lazy_pinyin

    out: list[tuple[str, ...]] = []
    for ch in text:
        if not _is_han(ch):
            out.append((ch.lower(),))
            continue
        syllable = lazy_pinyin(ch)[0].lower()
        forms = {syllable[:1], syllable}
        if syllable[:2] in ("zh", "ch", "sh"):
            forms.add(syllable[:2])
        out.append(tuple(sorted(forms, key=len, reverse=True)))
    return tuple(out)


def _spell_from(chars: tuple[tuple[str, ...], ...], start: int, query: str) -> int | None:
    """The end of the run of characters from ``start`` whose spellings make up ``query`` (the last one
    may be a syllable still being typed: 「zhan」 for 张), or None."""
    stack = [(start, 0)]
    while stack:
        i, used = stack.pop()
        if used == len(query):
            return i
        if i >= len(chars):
            continue
        rest = query[used:]
        for form in chars[i]:
            if rest.startswith(form):
                stack.append((i + 1, used + len(form)))
            elif len(form) > 1 and form.startswith(rest):  # the syllable being typed
                stack.append((i + 1, len(query)))
    return None


def _pinyin(text: str, query: str) -> list[Span]:
    chars = _syllables(text)
    spans: list[Span] = []
    i = 0
    while i < len(chars) and len(spans) < MAX_SPANS:
        end = _spell_from(chars, i, query) if _is_han(text[i]) else None
        if end is not None and end > i:
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def match_spans(text: str, query: str, *, pinyin: bool = True) -> list[Span]:
    """Where ``query`` (as typed in the search box) matched ``text``: literal matches first; for a query
    of Latin letters with no literal match, the characters its pinyin spells (when ``pinyin``)."""
    query = "".join(query.split()).lower()
    if not query or not text:
        return []
    spans = _plain(text, query)
    if spans or not pinyin or not (query.isascii() and query.isalpha()):
        return spans
    return _pinyin(text, query)
