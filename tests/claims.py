"""An independent reader of exclusivity claims: re-derives each claim's scope from the labels.

A sentence claims exclusivity when it says "entirely", "only", "whole", "every part", "nothing
but", "alone" or "completely" without "almost". The claim is about the one class the sentence
names, over the scope it names (a quadrant, the center, a half, else the whole patch); it holds
when no other class and no unlabelled area reaches 20 pixels there.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from eotext.schemes import Scheme

Array = np.ndarray[Any, Any]
MIN_PX = 20
_CLAIM = re.compile(
    r"\b(entirely|entire|whole|only|every part|nothing but|alone|completely|solely|exclusively)\b"
)
_HEDGE = re.compile(r"\b(almost|nearly|largely|mostly|overwhelmingly)\s+(entirely|completely)\b")
_HALVES = {
    "top half": ("top",), "northern half": ("top",), "upper half": ("top",),
    "bottom half": ("bottom",), "southern half": ("bottom",), "lower half": ("bottom",),
    "left half": ("left",), "western half": ("left",),
    "right half": ("right",), "eastern half": ("right",),
}  # fmt: skip
_REGIONS = ("top left", "top right", "bottom left", "bottom right", "center", "middle", "central")


def _mask(name: str, shape: tuple[int, int]) -> Array:
    rows, cols = shape
    m = np.zeros(shape, dtype=bool)
    h2, w2 = rows // 2, cols // 2
    if name in _HALVES:
        side = _HALVES[name][0]
        if side == "top":
            m[:h2, :] = True
        elif side == "bottom":
            m[h2:, :] = True
        elif side == "left":
            m[:, :w2] = True
        else:
            m[:, w2:] = True
        return m
    if name in ("center", "middle", "central"):
        m[rows // 4 : 3 * rows // 4, cols // 4 : 3 * cols // 4] = True
        return m
    r = slice(0, h2) if name.startswith("top") else slice(h2, rows)
    c = slice(0, w2) if name.endswith("left") else slice(w2, cols)
    m[r, c] = True
    return m


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


def claims(text: str) -> list[str]:
    """The sentences of ``text`` that claim exclusivity."""
    out = []
    for s in sentences(text):
        bare = _HEDGE.sub("", s.lower())
        if _CLAIM.search(bare):
            out.append(s)
    return out


def violations(scheme: Scheme, text: str, labels: Array, valid: Array) -> list[str]:
    """The exclusivity claims of ``text`` that the label patch contradicts, with the reason."""
    bad = []
    for s in claims(text):
        lowered = s.lower()
        scopes = [h for h in _HALVES if h in lowered] or [r for r in _REGIONS if r in lowered]
        mask = np.zeros(labels.shape, dtype=bool)
        for name in scopes or ["patch"]:
            mask |= np.ones(labels.shape, bool) if name == "patch" else _mask(name, labels.shape)
        named = scheme.find_mentions(s)
        if len(named) != 1:
            bad.append(f"claim names {len(named)} classes: {s}")
            continue
        (code,) = named
        inside = labels[mask & valid]
        codes, counts = np.unique(inside, return_counts=True)
        others = {int(c): int(n) for c, n in zip(codes, counts, strict=True) if c != code}
        big = {c: n for c, n in others.items() if n >= MIN_PX}
        unlabelled = int((mask & ~valid).sum())
        if big or unlabelled >= MIN_PX:
            bad.append(f"{s!r} but {big} px of other classes, {unlabelled} px unlabelled")
    return bad
