"""Checks on an LLM answer; each problem becomes a finding and the text is flagged."""

from __future__ import annotations

import re
from collections.abc import Iterable

from eotext.schemes import Scheme
from eotext.text.templates import BANNED_WORDS
from eotext.verify.cross_image import remove_cross_image

_REFUSAL = re.compile(
    r"\b(i'?m sorry|i am sorry|i apologi[sz]e|i can(?:no|')t|i am unable|i'm unable|"
    r"as an ai(?: language)? model)\b",
    re.IGNORECASE,
)
#: HTML tags, character references, and Markdown emphasis, headings, links and code fences.
_MARKUP = re.compile(
    r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);|\*\*|__|^#{1,6}\s|"
    r"\]\(|```",
    re.MULTILINE,
)
_ENGLISH = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "of",
        "in",
        "is",
        "are",
        "with",
        "to",
        "by",
        "on",
        "at",
        "this",
        "image",
    ]
)


def _banned_pattern(words: Iterable[str]) -> re.Pattern[str]:
    # Stems, so "changes", "changing", "appears" and "contexts" are caught too.
    stems = sorted({re.escape(w.lower().removesuffix("e")) for w in words}, key=len, reverse=True)
    return re.compile(rf"\b(?:{'|'.join(stems)})[a-z]*\b", re.IGNORECASE)


_BANNED = _banned_pattern(BANNED_WORDS)


def banned_words_in(text: str) -> list[str]:
    """ChatEarthNet's banned words (and their inflections) that ``text`` uses."""
    return sorted({m.group(0).lower() for m in _BANNED.finditer(text)})


def is_english(text: str) -> bool:
    """A cheap guess: mostly Latin letters, and common English words among the first 60."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    if sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return False
    words = re.findall(r"[a-z]+", text.lower())[:60]
    return sum(w in _ENGLISH for w in words) >= min(3, max(1, len(words) // 10))


def check_answer(
    content: str,
    finish_reason: str | None,
    scheme: Scheme | None = None,
    present: Iterable[int] = (),
) -> tuple[str, ...]:
    """Findings on an answer; empty when it may be stored as good.

    Args:
        content: the answer text.
        finish_reason: the endpoint's ``finish_reason`` (``"length"`` = cut at max_tokens).
        scheme: the patch's land-cover scheme, to find class names in the text.
        present: codes of the classes the patch contains.

    Returns:
        Findings such as ``empty``, ``truncated``, ``refusal``, ``not_english``,
        ``banned_word:likely``, ``markup`` (HTML or Markdown that a caption must not carry) or
        ``class_not_in_patch:snow``.
    """
    text = content.strip()
    if not text:
        return ("empty",)
    findings: list[str] = []
    if finish_reason == "length":
        findings.append("truncated")
    if _REFUSAL.search(text):
        findings.append("refusal")
    if not is_english(text):
        findings.append("not_english")
    findings.extend(f"banned_word:{w}" for w in banned_words_in(text))
    if _MARKUP.search(text):
        findings.append("markup")
    if scheme is not None:
        absent = scheme.find_mentions(text) - set(present)
        findings.extend(
            f"class_not_in_patch:{scheme.by_code(c).short_name}" for c in sorted(absent)
        )
    return tuple(findings)


class _AnswerChecks:
    """The LLM answer checks as the caption loop takes them."""

    def findings(
        self, answer: str, finish_reason: str | None, scheme: Scheme | None, present: list[int]
    ) -> tuple[str, ...]:
        return check_answer(answer, finish_reason, scheme, present)

    def remove_cross_image(self, paragraph: str) -> tuple[str, list[str]]:
        return remove_cross_image(paragraph)


#: What every LLM answer goes through before it is kept.
ANSWER_CHECKS = _AnswerChecks()
