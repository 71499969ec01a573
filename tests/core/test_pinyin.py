"""Pinyin search keys, read from the committed table exactly as pypinyin reads them."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from pledgebook.models.core.pinyin import pinyin_key, pinyin_keys, table


@pytest.mark.parametrize(
    "text, needle",
    [("张三", "zs"), ("张三", "zhs"), ("张三", "zhangsan"), ("联珠镇", "lzz"), ("联珠镇", "lianzhu"),
     ("第3支部", "d3zb"), ("ABC党支部", "abc"), ("重庆市", "cqs")],
)
def test_pinyin_key_substring_search(text, needle):
    assert needle in pinyin_key(text)


def test_pinyin_key_exact():
    assert pinyin_key("张三") == "zs zhs zhangsan"
    assert pinyin_key("李四") == "ls lisi"
    assert pinyin_key("") == ""
    # phrases are read as words, as pypinyin reads them: 重庆 chongqing, 银行 yinhang
    assert pinyin_key("中国银行重庆分行") == "zgyhcqfh zhgyhchqfh zhongguoyinhangchongqingfenhang"


def test_pinyin_keys_bulk_is_fast():
    import time

    names = [f"{a}{b}{c}" for a in "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗" for b in "明华国建文平志伟东海" for c in "强晓生光林小民永杰军金健一忠洪"]
    names = (names * 5)[:14000]
    started = time.perf_counter()
    keys = pinyin_keys(names)
    assert len(keys) == 14000 and keys[0] == pinyin_key(names[0])
    assert time.perf_counter() - started < 5


def test_the_table_reads_as_pypinyin_does():
    """A sample of what make_pinyin_table checks in full: single characters, phrases, and names and
    phrase pieces run together (the segmenter's seams)."""
    pypinyin = pytest.importorskip("pypinyin")
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    from pledgebook.models.core import make_pinyin_table as maker

    rng = random.Random(18)
    phrases = sorted(PHRASES_DICT)
    chars = [chr(code) for code in PINYIN_DICT]
    texts = rng.sample(chars, 3000) + rng.sample(phrases, 3000) + maker.samples(rng, phrases, chars, 5000)
    mark = "\x00".__add__
    read = table()
    for text in texts:
        assert read.syllables(text) == pypinyin.lazy_pinyin(text, errors=mark), text


def test_making_a_key_imports_no_pypinyin():
    code = ("import sys; from pledgebook.models.core.pinyin import pinyin_keys; pinyin_keys(['张三']); "
            "print('pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).parents[2]))
    assert out.stdout.strip() == "False"
