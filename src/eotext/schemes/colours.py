"""Label maps drawn in their scheme's colours, for previews and for vision-model prompts."""

from __future__ import annotations

from typing import Any

import numpy as np


def colour_labels(
    labels: np.ndarray[Any, Any],
    valid: np.ndarray[Any, Any],
    colormap: dict[int, tuple[int, int, int, int]],
) -> np.ndarray[Any, Any]:
    """Colour a label array with a scheme's colours (``Scheme.colormap()``) as (rows, cols, 3)
    RGB; invalid pixels and codes outside the colour map are black."""
    lut = np.zeros((max(max(colormap), int(labels.max(initial=0))) + 1, 3), dtype=np.uint8)
    for code, rgba in colormap.items():
        lut[code] = rgba[:3]
    rgb: np.ndarray[Any, Any] = lut[labels]
    rgb[~valid] = 0
    return rgb
