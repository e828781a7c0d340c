"""Cross-image comparisons: ChatEarthNet removed them from its GPT-4V captions by hand.

A caption written for one of four images in a request must not compare it with the others
("unlike the first image", "similarly"); such sentences are removed and recorded.
"""

from __future__ import annotations

import re

_CROSS = re.compile(
    r"\b(?:(?:first|second|third|fourth|other|previous|preceding|next|following|last)\s+"
    r"(?:image|picture|one)s?|images|both|all four|compared (?:to|with)|in comparison|"
    r"unlike|similarly|likewise)\b",
    re.IGNORECASE,
)


def remove_cross_image(paragraph: str) -> tuple[str, list[str]]:
    """Drop sentences that compare with the other images; returns (kept text, removed)."""
    sentences = re.split(r"(?<=[.!?])\s+", paragraph.strip())
    kept = [s for s in sentences if not _CROSS.search(s)]
    removed = [s for s in sentences if _CROSS.search(s)]
    return " ".join(kept), removed
