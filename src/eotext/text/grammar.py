"""English grammar helpers shared by every text writer: articles, lists, numbers, agreement."""

from __future__ import annotations

from collections.abc import Sequence

_CONSONANT_SOUND = ("uni", "use", "usu", "uti", "eu", "one ", "one-", "once")  # "a university"
_SILENT_H = ("hour", "honest", "honour")  # "an hour"


def article(phrase: str) -> str:
    """``phrase`` with "a" or "an" by its sound: "an apartment", "a university", "an hour"."""
    return ("an " if _vowel_sound(phrase) else "a ") + phrase


def _vowel_sound(phrase: str) -> bool:
    word = phrase.lower()
    if word.startswith(_CONSONANT_SOUND):
        return False
    return word[:1] in "aeiou" or word.startswith(_SILENT_H)


def capitalise(text: str) -> str:
    """``text`` with its first letter upper-case, the rest untouched."""
    return text[:1].upper() + text[1:]


def join_words(items: Sequence[str], serial_comma: bool = True, conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b, and c" (``serial_comma=False``: "a, b and c"); another
    ``conjunction`` ("as well as", "plus") takes the place of "and"."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {conjunction} {items[1]}"
    last = f", {conjunction} " if serial_comma else f" {conjunction} "
    return ", ".join(items[:-1]) + last + items[-1]


_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip


def number_word(n: int) -> str:
    """A count as English writes it in running text: "seven", but "23"."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def agree(plural: bool, singular_form: str, plural_form: str) -> str:
    """The verb form that agrees with a noun: ``agree(True, "is", "are")`` is "are"."""
    return plural_form if plural else singular_form
