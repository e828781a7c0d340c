"""The PTB tokenizer runs from standard input, keeps pycocoevalcap's quirks and stays aligned."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from eotext.bench.java import locate_tools
from eotext.bench.tokenizer import PUNCTUATIONS, tokenize
from eotext.errors import ToolError


def test_quirks_of_pycocoevalcap_are_kept() -> None:
    out = tokenize(
        ['He said "hi" (twice).', "Rock-climbing isn't easy!", "a b.", "...", "", "Café 🚀 ok"]
    )
    assert out == [
        "he said hi -lrb- twice -rrb-",  # quotes dropped; brackets stay as -lrb- / -rrb-
        "rock-climbing is n't easy",
        "a b.",  # a single letter keeps its period
        "",
        "",
        "café ok",  # emoji dropped by the lexer
    ]


def test_every_line_break_the_lexer_knows_keeps_captions_aligned() -> None:
    texts = ["one\ntwo", "three\rfour", "v\x0bw", "f\x0cg", "x\u2028y", "p\u2029q", "last"]
    assert tokenize(texts) == ["one two", "three four", "v w", "f g", "x y", "p q", "last"]


def test_no_texts_no_java() -> None:
    assert tokenize([]) == []


def test_punctuation_list_is_pycocoevalcaps() -> None:
    from pycocoevalcap.tokenizer import ptbtokenizer

    assert frozenset(ptbtokenizer.PUNCTUATIONS) == PUNCTUATIONS


def test_broken_jar_is_a_tool_error(tmp_path: Path) -> None:
    bogus = tmp_path / "broken.jar"
    bogus.write_bytes(b"not a jar")
    tools = replace(locate_tools(), tokenizer_jar=bogus)
    with pytest.raises(ToolError, match="the PTB tokenizer failed"):
        tokenize(["a caption"], tools)
