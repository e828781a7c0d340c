"""Class shares of a patch, overall and per region."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from eotext.model import LandCoverStats

#: ChatEarthNet's share → size-word bins (percent, inclusive lower bound).
SIZE_WORDS: tuple[tuple[float, str], ...] = (
    (80.0, "extra large"),
    (50.0, "large"),
    (20.0, "medium"),
    (10.0, "small"),
    (0.0, "extra small"),
)


def size_percent(share: float) -> int:
    """The whole percent ChatEarthNet bins: ``int(round(share, 2) * 100)`` on a float64.

    Exactly its released script's arithmetic, float quirks included: a share of 0.7996 rounds
    to 0.8 and is 80 (extra large); 0.29 times 100 is 28.999… and is 28 (medium).
    """
    return int(np.round(np.float64(share), 2) * 100)


def size_word(share: float) -> str:
    """ChatEarthNet's size word for a share in [0, 1]: 0–9 % extra small, 10–19 small,
    20–49 medium, 50–79 large, 80–100 extra large, of :func:`size_percent`."""
    return percent_word(size_percent(share))


def percent_word(percent: float) -> str:
    """The size word of a whole percentage (ChatEarthNet's bins)."""
    for lower, word in SIZE_WORDS:
        if percent >= lower:
            return word
    return SIZE_WORDS[-1][1]


def count_classes(labels: np.ndarray[Any, Any], valid: np.ndarray[Any, Any]) -> dict[int, int]:
    """Pixel count of every code among the valid pixels.

    An 8-bit patch is counted by Pillow's histogram under the valid pixels as its mask: no copy
    of the valid pixels and no 64-bit conversion (about a third of the time of ``bincount``).
    """
    if labels.size and valid.all():  # no mask: the commonest case
        if labels.min() == labels.max():  # one class (open water, a forest): no histogram
            return {int(labels.flat[0]): int(labels.size)}
        if labels.dtype == np.uint8 and labels.ndim == 2:
            return {code: n for code, n in enumerate(Image.fromarray(labels).histogram()) if n}
    if labels.dtype == np.uint8 and labels.ndim == 2 and valid.dtype == bool:
        mask = Image.fromarray(np.ascontiguousarray(valid).view(np.uint8))
        hist = Image.fromarray(labels).histogram(mask=mask)
        return {code: n for code, n in enumerate(hist) if n}
    values = labels[valid]
    if values.size == 0:
        return {}
    counts = np.bincount(values.astype(np.int64, copy=False).ravel())
    present = np.flatnonzero(counts)
    return {int(c): int(counts[c]) for c in present}


def compute_class_shares(
    labels: np.ndarray[Any, Any],
    valid: np.ndarray[Any, Any],
    unknown: np.ndarray[Any, Any] | None = None,
) -> LandCoverStats:
    """Pixel counts per class over the valid pixels of a patch.

    Args:
        labels: (rows, cols) class codes.
        valid: (rows, cols) True where the pixel counts (has data, not cloud, known code).
        unknown: (rows, cols) True where the code was unknown to the scheme (reported only).
    """
    counts = count_classes(labels, valid)
    return LandCoverStats(
        total_px=int(labels.size),
        valid_px=int(np.count_nonzero(valid)),
        counts=counts,
        unknown_px=int(np.count_nonzero(unknown)) if unknown is not None else 0,
    )


def region_slices(height: int, width: int) -> dict[str, tuple[slice, slice]]:
    """ChatEarthNet's five regions: four quadrants and the centre crop [H/4:3H/4, W/4:3W/4]."""
    h2, w2 = height // 2, width // 2
    return {
        "top left": (slice(0, h2), slice(0, w2)),
        "top right": (slice(0, h2), slice(w2, width)),
        "bottom left": (slice(h2, height), slice(0, w2)),
        "bottom right": (slice(h2, height), slice(w2, width)),
        "center": (slice(height // 4, 3 * height // 4), slice(width // 4, 3 * width // 4)),
    }


def grid3_slices(height: int, width: int) -> list[tuple[slice, slice]]:
    """The 3×3 grid cells, row by row (northwest … southeast)."""
    rows = [0, height // 3, 2 * height // 3, height]
    cols = [0, width // 3, 2 * width // 3, width]
    return [
        (slice(rows[i], rows[i + 1]), slice(cols[j], cols[j + 1]))
        for i in range(3)
        for j in range(3)
    ]
