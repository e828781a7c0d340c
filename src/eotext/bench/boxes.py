"""Boxes: reading them from model text in the common conventions, and their overlap (IoU).

=========== ========================================= =======================================
convention  looks like                                coordinates
=========== ========================================= =======================================
geochat     ``{<x1><y1><x2><y2>}`` or with ``|<θ>``   0-100 of the image width and height;
                                                      the angle θ is ignored (IoU of the
                                                      axis-aligned box)
qwen        ``<box>(x1,y1),(x2,y2)</box>``            0-1000 of the image width and height
pixel       ``[x1, y1, x2, y2]``                      pixels
norm1       ``[0.25, 0.1, 0.5, 0.75]``                0-1 of the image width and height
                                                      (lmms-eval's referring tasks)
qwen2-vl    ``<|box_start|>(x1,y1),(x2,y2)<|box_end|>`` 0-1000 (Qwen2-VL)
internvl    ``<box>[[x1, y1, x2, y2]]</box>``         0-1000 (InternVL)
qwen3-vl    ``{"bbox_2d": [x1, y1, x2, y2]}``         0-1000 (Qwen3-VL)
qwen2.5-vl  ``{"bbox_2d": [x1, y1, x2, y2]}``         pixels of the image as Qwen2.5-VL resizes
                                                      it (:func:`qwen25_resized_size`)
=========== ========================================= =======================================

The names and scales are those of ``eotext export --box-format``, so a model trained on an
export is scored in its own convention. ``auto`` tries geochat, qwen and pixel in that order
and takes the first box found; the other conventions look alike (``norm1`` and ``pixel``,
``qwen3-vl`` and ``qwen2.5-vl``), so they are read only when named. Boxes are pixel edges
``[x_min, y_min, x_max, y_max]`` (maxima exclusive, the dataset convention): area is
``(x_max - x_min) * (y_max - y_min)``, with no +1.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from eotext.errors import BenchInputError

_NUM = r"\s*(-?\d+(?:\.\d+)?)\s*"

#: Built-in conventions: name → (pattern with four coordinate groups, full scale or None for
#: pixels).
BOX_CONVENTIONS: dict[str, tuple[re.Pattern[str], float | None]] = {
    "geochat": (re.compile(r"\{" + 4 * rf"<{_NUM}>" + r"\s*(?:\|\s*<[^>]*>\s*)?\}"), 100.0),
    "qwen": (re.compile(rf"<box>\s*\({_NUM},{_NUM}\)\s*,\s*\({_NUM},{_NUM}\)\s*</box>"), 1000.0),
    "pixel": (re.compile(rf"\[{_NUM},{_NUM},{_NUM},{_NUM}\]"), None),
    "norm1": (re.compile(rf"\[{_NUM},{_NUM},{_NUM},{_NUM}\]"), 1.0),
    "qwen2-vl": (
        re.compile(rf"<\|box_start\|>\s*\({_NUM},{_NUM}\)\s*,\s*\({_NUM},{_NUM}\)\s*<\|box_end\|>"),
        1000.0,
    ),
    "internvl": (re.compile(rf"<box>\s*\[\[{_NUM},{_NUM},{_NUM},{_NUM}\]\]\s*</box>"), 1000.0),
    "qwen3-vl": (re.compile(rf'"bbox_2d"\s*:\s*\[{_NUM},{_NUM},{_NUM},{_NUM}\]'), 1000.0),
    "qwen2.5-vl": (re.compile(rf'"bbox_2d"\s*:\s*\[{_NUM},{_NUM},{_NUM},{_NUM}\]'), None),
}
#: Conventions ``auto`` tries, in order.
AUTO_CONVENTIONS = ("geochat", "qwen", "pixel")
#: Conventions whose coordinates are pixels of the image resized by the model's processor.
RESIZED_CONVENTIONS = frozenset({"qwen2.5-vl"})

#: Qwen2.5-VL's resize rule (``qwen_vl_utils.smart_resize`` and the processor defaults):
#: sides rounded to multiples of 28, the area kept within [4, 16384] × 28 × 28 pixels.
QWEN25_FACTOR = 28
QWEN25_MIN_PIXELS = 4 * 28 * 28
QWEN25_MAX_PIXELS = 16384 * 28 * 28


def qwen25_resized_size(width: float, height: float) -> tuple[int, int]:
    """(width, height) of an image as Qwen2.5-VL's processor resizes it (``smart_resize``)."""
    f = QWEN25_FACTOR
    h_bar = max(f, round(height / f) * f)
    w_bar = max(f, round(width / f) * f)
    if h_bar * w_bar > QWEN25_MAX_PIXELS:
        beta = math.sqrt(height * width / QWEN25_MAX_PIXELS)
        h_bar = max(f, math.floor(height / beta / f) * f)
        w_bar = max(f, math.floor(width / beta / f) * f)
    elif h_bar * w_bar < QWEN25_MIN_PIXELS:
        beta = math.sqrt(QWEN25_MIN_PIXELS / (height * width))
        h_bar = math.ceil(height * beta / f) * f
        w_bar = math.ceil(width * beta / f) * f
    return int(w_bar), int(h_bar)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels: ``x_min <= x_max`` and ``y_min <= y_max``."""

    x_min: float
    y_min: float
    x_max: float
    y_max: float

    def __post_init__(self) -> None:
        values = (self.x_min, self.y_min, self.x_max, self.y_max)
        if not all(math.isfinite(v) for v in values):
            raise BenchInputError(f"box {list(values)} has a non-finite coordinate")
        if self.x_max < self.x_min or self.y_max < self.y_min:
            raise BenchInputError(
                f"box {list(values)} is not [x_min, y_min, x_max, y_max]: a maximum is below its "
                "minimum; check the coordinate order"
            )

    @classmethod
    def from_corners(cls, x1: float, y1: float, x2: float, y2: float) -> Box:
        """The box spanned by two opposite corners, in any order."""
        return cls(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))

    @property
    def area(self) -> float:
        """Area in square pixels."""
        return (self.x_max - self.x_min) * (self.y_max - self.y_min)

    def iou(self, other: Box) -> float:
        """Intersection over union with ``other`` (0 when both are empty)."""
        width = min(self.x_max, other.x_max) - max(self.x_min, other.x_min)
        height = min(self.y_max, other.y_max) - max(self.y_min, other.y_min)
        inter = max(width, 0.0) * max(height, 0.0)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def to_list(self) -> list[float]:
        """``[x_min, y_min, x_max, y_max]``."""
        return [self.x_min, self.y_min, self.x_max, self.y_max]


def parse_box(
    text: str, width: float | None = None, height: float | None = None, convention: str = "auto"
) -> Box | None:
    """The first box in ``text``, in pixels, or None when there is none.

    Args:
        text: model output.
        width, height: image size in pixels; needed for the relative conventions.
        convention: ``auto``, or a key of :data:`BOX_CONVENTIONS`.

    Raises:
        BenchInputError: unknown convention, or a relative box without the image size.
    """
    if convention != "auto" and convention not in BOX_CONVENTIONS:
        raise BenchInputError(
            f"unknown box convention {convention!r}; choose auto, {', '.join(BOX_CONVENTIONS)}"
        )
    names = list(AUTO_CONVENTIONS) if convention == "auto" else [convention]
    for name in names:
        pattern, scale = BOX_CONVENTIONS[name]
        match = pattern.search(text)
        if match is None:
            continue
        x1, y1, x2, y2 = (float(g) for g in match.groups())
        if scale is not None:
            if not width or not height:
                raise BenchInputError(
                    f"a {name} box is relative to the image size (0-{scale:g}), but the image "
                    "size is unknown; give width and height in the references"
                )
            x1, x2 = x1 * width / scale, x2 * width / scale
            y1, y2 = y1 * height / scale, y2 * height / scale
        elif name in RESIZED_CONVENTIONS:
            if not width or not height:
                raise BenchInputError(
                    f"a {name} box is in pixels of the resized image, but the image size is "
                    "unknown; give width and height in the references"
                )
            rw, rh = qwen25_resized_size(width, height)
            x1, x2 = x1 * width / rw, x2 * width / rw
            y1, y2 = y1 * height / rh, y2 * height / rh
        return Box.from_corners(x1, y1, x2, y2)
    return None
