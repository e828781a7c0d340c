"""When a text may say "entirely", and what it says otherwise.

An exclusivity claim ("entirely", "only", "the whole", "every part", "nothing but") is true of a
scope (the patch, a region, a half) only when no class other than the one named has 20 pixels
or more there (ChatEarthNet's visibility threshold) and fewer than 20 of its pixels are without
data. Otherwise a text says "almost entirely", "mostly" or "largely", by the class's share.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eotext.model import Layout
from eotext.semantics.components import MIN_PX
from eotext.semantics.stats import region_slices


@dataclass(frozen=True)
class Scope:
    """Pixel counts of one part of a patch: per class (valid pixels), valid and all pixels."""

    counts: Mapping[int, int]
    valid_px: int
    total_px: int

    def share(self, code: int) -> float:
        return self.counts.get(code, 0) / self.valid_px if self.valid_px else 0.0


def is_exclusive(scope: Scope, code: int) -> bool:
    """Whether ``code`` is the only visible thing in the scope: every other class and the
    pixels without data stay under 20 pixels, and the class itself is visible."""
    if scope.counts.get(code, 0) < MIN_PX or scope.total_px - scope.valid_px >= MIN_PX:
        return False
    return all(n < MIN_PX for c, n in scope.counts.items() if c != code)


def region_scopes(layout: Layout) -> dict[str, Scope]:
    """The scope of each of ChatEarthNet's five regions, by name."""
    sizes = {
        name: (rows.stop - rows.start) * (cols.stop - cols.start)
        for name, (rows, cols) in region_slices(layout.height, layout.width).items()
    }
    return {r.name: Scope(r.counts, r.valid_px, sizes[r.name]) for r in layout.regions}


def union(scopes: Iterable[Scope]) -> Scope:
    """The scope of disjoint parts taken together (two quadrants make a half)."""
    counts: dict[int, int] = {}
    valid = total = 0
    for s in scopes:
        for c, n in s.counts.items():
            counts[c] = counts.get(c, 0) + n
        valid += s.valid_px
        total += s.total_px
    return Scope(counts, valid, total)


def extent_adverb(rng: random.Random, scope: Scope, code: int) -> str | None:
    """How much of the scope ``code`` covers, as an adverb that is true of the scope:
    "entirely" (exclusive only), "almost entirely" (≥ 90 %), "mostly" (≥ 70 %), "largely"
    (≥ 50 %); None below half."""
    share = scope.share(code)
    if is_exclusive(scope, code):
        return rng.choice(("entirely", "completely"))
    if share >= 0.9:
        return rng.choice(("almost entirely", "overwhelmingly"))
    if share >= 0.7:
        return rng.choice(("mostly", "predominantly"))
    if share >= 0.5:
        return rng.choice(("largely", "for the most part"))
    return None
