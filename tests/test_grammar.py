"""The grammar helpers every text writer shares."""

from __future__ import annotations

import pytest

from eotext.text.grammar import article, capitalise, join_words


@pytest.mark.parametrize(
    ("items", "serial", "joined"),
    [
        ([], True, ""),
        (["water"], True, "water"),
        (["water", "trees"], True, "water and trees"),
        (["water", "trees", "crops"], True, "water, trees, and crops"),
        (["water", "trees", "crops"], False, "water, trees and crops"),
        (["a", "b", "c", "d"], False, "a, b, c and d"),
    ],
)
def test_join_words(items: list[str], serial: bool, joined: str) -> None:
    assert join_words(items, serial_comma=serial) == joined


def test_article_and_capitalise() -> None:
    assert capitalise(article("extra small")) == "An extra small"
    assert capitalise(article("small")) == "A small"
    assert article("university") == "a university"
