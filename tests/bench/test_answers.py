"""Free-text answers are read as yes/no, numbers, choice letters or normalised phrases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eotext.bench.answers import normalize_answer, parse_choice, parse_number, parse_yes_no

CHOICES = ["forest", "dense forest", "water", "urban area"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("Yes, there is a river.", "yes"),
        ("NO.", "no"),
        ("There is no forest in the image", "no"),
        ("true", "yes"),
        ("yes and no", "yes"),  # the first word decides
        ("It could be either", None),
        ("", None),
    ],
)
def test_yes_no(text: str, expected: str | None) -> None:
    assert parse_yes_no(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3.0),
        ("There are three buildings.", 3.0),
        ("1,400", 1400.0),
        ("about 2.5 km", 2.5),
        ("none", 0.0),
        ("12 or maybe fifteen", 12.0),
        ("eleven, not 12", 11.0),
        ("many", None),
    ],
)
def test_numbers(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B", 1),
        ("(b)", 1),
        ("C.", 2),
        ("Answer: D", 3),
        ("The correct option is A", 0),
        ("B) dense forest", 1),
        ("(C) water", 2),
        ("I pick (D) because of the roads", 3),
        ("It is water.", 2),
        ("forest", 0),
        ("the answer is a dense forest", 1),  # the longer option wins over the one inside it
        ("E", None),  # no fifth option
        ("forest or water", None),  # ambiguous
        ("no idea", None),
    ],
)
def test_choice_letters_and_texts(text: str, expected: int | None) -> None:
    assert parse_choice(text, CHOICES) == expected


def test_normalisation_keeps_numbers_and_drops_articles() -> None:
    assert normalize_answer("The  Urban area!") == "urban area"
    assert normalize_answer("It's 1,400.5 m, approx.") == "it s 1,400.5 m approx"


@given(st.text(max_size=60))
def test_parsers_never_crash(text: str) -> None:
    parse_yes_no(text)
    parse_number(text)
    assert parse_choice(text, CHOICES) in (None, 0, 1, 2, 3)
    assert normalize_answer(text) == normalize_answer(normalize_answer(text))
