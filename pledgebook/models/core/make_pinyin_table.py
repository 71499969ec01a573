"""Make ``pinyin_table.txt`` (beside this file) from pypinyin, and prove it reads every text as pypinyin does.

    python -m pledgebook.models.core.make_pinyin_table           # write the table, then check it
    python -m pledgebook.models.core.make_pinyin_table --check   # check the committed table only

A developer's tool, run when pypinyin's version in kit/constraints.txt changes; the program itself never
imports pypinyin to make a search key (:mod:`.pinyin` reads the table). The table holds what
``pypinyin.lazy_pinyin`` gives in its default style: every character's reading, the phrases its
segmenter knows (their readings only where they differ from their characters' own), and the class of
characters it treats as Chinese. pypinyin and the pinyin data it ships are MIT-licensed; the table says
so in its header.

The check is exhaustive where it can be: every character of that class alone, every phrase alone, and
then texts made of phrases and characters run together (names, org names, shuffled phrase pieces), so
that the segmenter's choices at the seams are compared too.
"""

from __future__ import annotations

import argparse
import random
import sys

from pledgebook.models.core.pinyin import OFFSET, TABLE  # a syllable n is stored as chr(OFFSET + n)

GAP = 4096  # characters without a reading that may lie inside one run of the table


def _mark(chars: str) -> str:
    return "\x00" + chars


def _han_class(pattern: str) -> str:
    head, tail = "^(?:[", "])+$"
    assert pattern.startswith(head) and pattern.endswith(tail), pattern
    return pattern[len(head):-len(tail)]


def _han_chars(han_class: str) -> list[str]:
    import re

    one = re.compile(f"[{han_class}]")
    return [chr(code) for code in range(0x3000, 0x32400) if one.fullmatch(chr(code))]


def _ranges(codes: list[int]) -> list[tuple[int, int]]:
    """Runs of code points, split where more than GAP in a row have no reading."""
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and code - runs[-1][1] <= GAP:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return runs


def build() -> str:
    import pypinyin
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import PHRASES_DICT, RE_HANS
    from pypinyin.converter import DefaultConverter

    convert = DefaultConverter().convert  # what lazy_pinyin runs by default (its own instance holds no state)

    han_class = _han_class(RE_HANS.pattern)
    chars: dict[str, str] = {}
    for ch in _han_chars(han_class):
        got = lazy_pinyin(ch, errors=_mark)
        if got == [_mark(ch)]:
            continue  # no reading: the program marks such a character itself
        assert len(got) == 1 and got[0] and not any(c.isspace() for c in got[0]) and "\x00" not in got[0], (ch, got)
        chars[ch] = got[0]
    phrases = sorted(PHRASES_DICT)
    own: dict[str, list[str]] = {}
    for phrase in phrases:
        if len(phrase) < 2:
            continue
        got = [item[0] for item in convert(phrase, Style.NORMAL, False, _mark, True)]
        if got != [chars.get(ch, _mark(ch)) for ch in phrase]:
            assert len(got) == len(phrase) and all(s and not any(c.isspace() for c in s) for s in got), (phrase, got)
            own[phrase] = got
    syllables = sorted(set(chars.values()))
    number = {syllable: i for i, syllable in enumerate(syllables, start=1)}
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        groups.setdefault(phrase[0], []).append(phrase)
    lines = [
        f"# pinyin readings for search keys, made by make_pinyin_table.py from pypinyin {pypinyin.__version__}",
        "# (https://github.com/mozillazg/python-pinyin, MIT licence, Copyright (c) 2016 mozillazg, 闲耘 <hotoo.cn@gmail.com>;",
        "# its data from pinyin-data and phrase-pinyin-data, MIT licence). Do not edit: run the script.",
        "# hans <the characters pypinyin reads as Chinese>; s <every syllable>; d <first code, hex> <per character",
        f"# from there: chr({OFFSET:#x} + number of its syllable in s, from 1), or chr({OFFSET:#x}) for none>;",
        "# g <phrases with one first character> (space before and after each); r <phrase> <its syllables>,",
        "# only for phrases not read as their characters are; longest <characters in the longest phrase>",
        f"hans {han_class}",
        "s " + " ".join(syllables),
    ]
    for first, last in _ranges(sorted(ord(ch) for ch in chars)):
        run = "".join(chr(OFFSET + number.get(chars.get(chr(code), ""), 0)) for code in range(first, last + 1))
        lines.append(f"d {first:x} {run}")
    lines += ["g " + " ".join(group) + " " for group in groups.values()]
    lines += [f"r {phrase} {' '.join(got)}" for phrase, got in own.items()]
    lines.append(f"longest {max(map(len, phrases))}")
    return "\n".join(lines) + "\n"


def samples(rng: random.Random, phrases: list[str], chars: list[str], count: int) -> list[str]:
    common = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈"
    given = "建国秀英志强海燕丽华明军文静春梅国庆长乐重阳单行朝阳传银行会计乐都和平调解"
    samples: list[str] = []
    for _ in range(count):
        parts: list[str] = []
        for _ in range(rng.randint(1, 4)):
            pick = rng.random()
            if pick < 0.4:
                phrase = rng.choice(phrases)
                start = rng.randrange(len(phrase))
                parts.append(phrase[start:start + rng.randint(1, len(phrase))])
            elif pick < 0.7:
                parts.append(rng.choice(common) + "".join(rng.choice(given) for _ in range(rng.randint(1, 2))))
            elif pick < 0.95:
                parts.append("".join(rng.choice(chars) for _ in range(rng.randint(1, 3))))
            else:
                parts.append(rng.choice(["ab", " ", "3", "Ⅱ", "·", "（一）"]))
        samples.append("".join(parts))
    return samples


def check(count: int = 200_000) -> int:
    """Compare :mod:`.pinyin` with pypinyin; returns the number of texts compared."""
    from pypinyin import lazy_pinyin
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    from pledgebook.models.core import pinyin

    table = pinyin.Table.load(TABLE)
    phrases = sorted(PHRASES_DICT)
    chars = [chr(code) for code in PINYIN_DICT]
    texts = _han_chars(table.han_class) + phrases + ["", "a", "〇〇七", "12张三ab", "联珠镇 党委"]
    texts += samples(random.Random(15), phrases, chars, count)
    for text in texts:
        want = lazy_pinyin(text, errors=_mark)
        got = table.syllables(text)
        if got != want:
            raise SystemExit(f"differs for {text!r}: pypinyin {want!r}, table {got!r}")
    return len(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the committed table")
    args = parser.parse_args()
    if not args.check:
        TABLE.write_text(build(), encoding="utf-8", newline="\n")
        print(f"wrote {TABLE} ({TABLE.stat().st_size:,} bytes)")
    print(f"{check():,} texts read alike")
    return 0


if __name__ == "__main__":
    sys.exit(main())
