"""Automatic fixes, made only where the fix is certain (ChatEarthNet's manual edits).

Each rule rewrites one kind of cross-image reference that a caption written for one of several
images in a request may carry; the original text is always kept by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_ORDINAL_IMAGE = re.compile(
    r"\b(?:the|in the) (?:first|second|third|fourth|last) (?:image|picture)\b", re.IGNORECASE
)
_SIMILARLY = re.compile(
    r"(?:(?<=^)|(?<=[.!?]\s))(?:Similarly|Likewise|As in the other images),\s+"
    r"(\w)"
)
_COMPARATIVE = re.compile(
    r",?\s*(?:with |showing |having )?(?:a |an )?(?:much |slightly |even )?"
    r"(?:larger|smaller|greater|higher|lower|more|less|denser|sparser|wider|narrower|bigger)\b"
    r"[^,.;]*?\bthan (?:in |that of |those of )?(?:the |all )?"
    r"(?:other|previous|preceding|first|second|third|fourth|remaining) "
    r"(?:images?|pictures?|ones?|scenes?)\b",
    re.IGNORECASE,
)
#: Words every match of a rule holds: a text without them is left alone without the full
#: pattern's scan (``_COMPARATIVE`` tries every position of a text otherwise).
_ORDINAL_HINT = re.compile(r"image|picture", re.IGNORECASE)
_SIMILARLY_HINT = re.compile(r"Similarly,|Likewise,|As in the other images,")
_COMPARATIVE_HINT = re.compile(r"than ", re.IGNORECASE)
_SPACES = re.compile(r"\s{2,}")


def _ordinal(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        out = "in this image" if word.lower().startswith("in ") else "this image"
        return out[:1].upper() + out[1:] if word[:1].isupper() else out

    return _ORDINAL_IMAGE.sub(repl, text) if _ORDINAL_HINT.search(text) else text


def _similarly(text: str) -> str:
    if not _SIMILARLY_HINT.search(text):
        return text
    return _SIMILARLY.sub(lambda m: m.group(1).upper(), text)


def _comparative(text: str) -> str:
    return _COMPARATIVE.sub("", text) if _COMPARATIVE_HINT.search(text) else text


#: Rule name → rewrite. Applied in this order.
FIX_RULES: dict[str, Callable[[str], str]] = {
    "ordinal_image_to_this_image": _ordinal,
    "drop_similarly": _similarly,
    "drop_comparative_clause": _comparative,
}


def auto_fix(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with every certain fix applied, and the names of the rules that changed it."""
    applied = []
    for name, rule in FIX_RULES.items():
        fixed = rule(text)
        if fixed != text:
            applied.append(name)
            text = fixed
    return _SPACES.sub(" ", text).strip(), tuple(applied)
