"""Reading a model's free-text answer as yes/no, a number, a choice letter or a short phrase.

Models rarely answer with a bare ``yes`` or ``B``: they write ``Yes, there is a river.``,
``There are three buildings.`` or ``The answer is (B) forest``. These parsers turn such text
into the comparable answer, and return None when the text holds none (the answer then counts
as wrong, and as unparsed).
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

#: Spelled-out numbers read as counts ("none" is the usual spelling of zero in VQA answers).
NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "none": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
_YES = frozenset({"yes", "true", "yeah", "yep"})
_NO = frozenset({"no", "false", "nope"})
_ARTICLES = frozenset({"a", "an", "the"})
_LETTERS = string.ascii_uppercase
# Keep periods and commas that sit between digits (1.5, 1,400); drop other punctuation.
_PUNCT = re.compile(r"(?<!\d)[.,](?!\d)|[^\w\s.,]|(?<=\d)[.,](?!\d)|(?<!\d)[.,](?=\d)")
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


def normalize_answer(text: str) -> str:
    """Lower case, punctuation (outside numbers) and articles removed, spaces collapsed."""
    words = _PUNCT.sub(" ", text.lower()).split()
    return " ".join(w for w in words if w not in _ARTICLES)


def parse_yes_no(text: str) -> str | None:
    """``yes`` or ``no``: the first word if it is one, else the only kind that occurs."""
    words = normalize_answer(text).split()
    if not words:
        return None
    if words[0] in _YES or words[0] in _NO:
        return "yes" if words[0] in _YES else "no"
    has_yes = any(w in _YES for w in words)
    has_no = any(w in _NO for w in words)
    if has_yes != has_no:
        return "yes" if has_yes else "no"
    return None


def parse_number(text: str) -> float | None:
    """The first number in the text, in digits (``1,400``, ``2.5``) or words (``three``)."""
    lowered = text.lower()
    digits = _NUMBER.search(lowered)
    words = re.search(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", lowered)
    if digits and (not words or digits.start() < words.start()):
        return float(digits.group().replace(",", ""))
    if words:
        return float(NUMBER_WORDS[words.group(1)])
    return None


_CHOICE_PATTERNS = (
    re.compile(r"^\W*\(?([A-Za-z])\)?\W*$"),  # "B", "(b)", "B."
    re.compile(r"\b(?i:answer|option|choice)\b\s*(?:is|:)?\s*\(?([A-Z])\b"),  # "Answer: B"
    re.compile(r"^\W*\(?([A-Z])[).:]"),  # "B) forest", "(B) forest", "B. forest"
    re.compile(r"\(([A-Z])\)"),  # "... (B) ..."
)


def parse_choice(text: str, choices: Sequence[str]) -> int | None:
    """The index of the chosen option: from a letter (``B``, ``(B)``, ``Answer: B``, ``B) x``)
    or, failing that, from the text of exactly one option.
    """
    stripped = text.strip()
    for n, pattern in enumerate(_CHOICE_PATTERNS):
        match = pattern.search(stripped)
        if match:
            letter = match.group(1).upper() if n == 0 else match.group(1)
            index = _LETTERS.find(letter)
            if 0 <= index < len(choices):
                return index
    said = f" {normalize_answer(text)} "
    options = [normalize_answer(c) for c in choices]
    exact = [i for i, o in enumerate(options) if o and said.strip() == o]
    if exact:
        return exact[0]
    found = [i for i, o in enumerate(options) if o and f" {o} " in said]
    # "forest" inside "dense forest": keep the longest option that contains the others.
    found = [i for i in found if not any(i != j and options[i] in options[j] for j in found)]
    return found[0] if len(found) == 1 else None


def choice_letter(index: int) -> str:
    """``0`` → ``A``."""
    return _LETTERS[index]
