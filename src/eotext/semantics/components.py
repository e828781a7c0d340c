"""Connected components of a patch's classes, labelled once per patch and shared.

The layout (shapes of the largest classes, which the captions and VQA use) and the referring
expressions both need the 8-connected components of the same classes of the same patch;
:class:`PatchComponents` labels each class on first use and hands the same result to both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

#: A class or component is visible from 20 pixels on (ChatEarthNet's ``counts >= 20``); borders
#: need more than this many shared pixel edges.
MIN_PX = 20
_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class ClassComponents:
    """The 8-connected components of one class over the usable pixels of a patch.

    Attributes:
        code: the class.
        labelled: (rows, cols) component number per pixel, 1..count; 0 outside the class.
        count: how many components there are.
        area_px: pixels of component ``i + 1`` at index ``i``.
        boxes: the (rows, cols) slices of component ``i + 1`` at index ``i``.
    """

    code: int
    labelled: np.ndarray[Any, Any]
    count: int
    area_px: np.ndarray[Any, Any]
    boxes: tuple[tuple[slice, slice], ...]

    def pixels(self, i: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Rows and columns of component ``i + 1``, relative to its box."""
        rows, cols = self.boxes[i]
        ys, xs = np.nonzero(self.labelled[rows, cols] == i + 1)
        return ys, xs


class PatchComponents:
    """Connected components of the classes of one patch, each class labelled at most once."""

    def __init__(self, labels: np.ndarray[Any, Any], usable: np.ndarray[Any, Any]) -> None:
        self.labels = labels
        self.usable = usable
        self._by_code: dict[int, ClassComponents] = {}

    @property
    def shape(self) -> tuple[int, int]:
        height, width = self.labels.shape
        return int(height), int(width)

    def of(self, code: int) -> ClassComponents:
        """The components of class ``code`` (labelled on the first call, then reused)."""
        found = self._by_code.get(code)
        if found is None:
            mask = (self.labels == code) & self.usable
            labelled, count = ndimage.label(mask, structure=_EIGHT_CONNECTED)
            area = np.bincount(labelled.ravel(), minlength=count + 1)[1:]
            boxes = tuple(ndimage.find_objects(labelled)) if count else ()
            found = ClassComponents(code, labelled, int(count), area, boxes)
            self._by_code[code] = found
        return found
