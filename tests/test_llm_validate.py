"""Validation of LLM answers: every problem becomes a finding."""

from __future__ import annotations

import pytest

from eotext.schemes import WORLDCOVER
from eotext.verify.answers import banned_words_in, check_answer, is_english

GOOD = "The image is dominated by tree in the top left, with water in the top right."


def test_a_good_answer_has_no_findings() -> None:
    assert check_answer(GOOD, "stop", WORLDCOVER, [10, 80]) == ()


def test_each_problem_is_a_finding() -> None:
    assert check_answer("   ", "stop") == ("empty",)
    assert "truncated" in check_answer(GOOD, "length")
    assert "refusal" in check_answer("I'm sorry, but I cannot describe this image.", "stop")
    assert "not_english" in check_answer("Das Bild zeigt Wald und Wasser im Norden.", "stop")
    assert "not_english" in check_answer("图像显示了树木和水体。", "stop")
    found = check_answer(GOOD + " Snow likely covers the rest.", "stop", WORLDCOVER, [10, 80])
    assert "banned_word:likely" in found and "class_not_in_patch:snow" in found


def test_banned_words_catch_inflections() -> None:
    assert banned_words_in("It appears to be changing; contexts and transitions.") == [
        "appears", "changing", "contexts", "transitions",
    ]  # fmt: skip
    assert banned_words_in(GOOD) == []
    assert is_english(GOOD)


@pytest.mark.parametrize(
    "answer",
    [
        "The image shows <b>tree cover</b> in the top left and grassland elsewhere in the scene.",
        "The image shows tree cover <script>alert(1)</script> and grassland in the scene.",
        "The image shows **tree cover** in the top left and grassland in the rest of the scene.",
        "The image shows tree cover &amp; grassland in the top left of the scene and the rest.",
    ],
)
def test_markup_is_a_finding(answer: str) -> None:
    assert "markup" in check_answer(answer, "stop", WORLDCOVER, [10, 30])


def test_plain_text_with_comparisons_is_not_markup() -> None:
    text = "The image shows tree cover (about 40 %) > grassland in the top left of the scene."
    assert "markup" not in check_answer(text, "stop", WORLDCOVER, [10, 30])
