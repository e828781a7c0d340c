"""How much work the units of a scene hold, guessed from an overview of its label map.

Units are handed out heaviest first, so that the last units of a build are light ones and no
worker waits long for another's last unit. A WorldCover tile is mostly sea: a unit of open sea
takes a few milliseconds, a unit of land a few hundred; in plan order, one worker could start
the last unit of land while the other finishes the sea around it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rasterio.errors import RasterioError

from eotext.sources.raster import open_raster

if TYPE_CHECKING:
    from eotext.scene.scene import Scene
    from eotext.scene.tiling import Unit


def data_weights(scene: Scene, units: Sequence[Unit]) -> list[int] | None:
    """The pixels with data in each unit's window, counted on the coarsest overview of the
    label file that still has a pixel per patch side.

    None (no guess: keep the plan's order) for a scene with imagery or layers (its units hold
    about the same work each, and its grid is not the label file's), for a label file
    without overviews (reading it whole would cost more than the guess saves), without a
    nodata value, or that cannot be read (the units will say why).
    """
    if scene.imagery is not None or scene.layers or not scene.label_path or len(units) < 2:
        return None
    grid, patch = scene.grid, scene.grid_spec.patch_size
    try:
        with open_raster(scene.label_path) as src:
            if (src.width, src.height, src.transform) != (grid.width, grid.height, grid.transform):
                return None
            factors = [f for f in src.overviews(1) if f <= patch]
            if not factors or src.nodata is None:
                return None
            factor = max(factors)
            shape = (math.ceil(src.height / factor), math.ceil(src.width / factor))
            data = src.read(1, out_shape=shape) != src.nodata
    except (RasterioError, OSError):  # SourceError included
        return None
    weights = []
    for unit in units:
        w = unit.window
        rows = slice(w.row_off // factor, math.ceil((w.row_off + w.height) / factor))
        cols = slice(w.col_off // factor, math.ceil((w.col_off + w.width) / factor))
        weights.append(int(np.count_nonzero(data[rows, cols])))
    return weights


def heaviest_first(scenes: Sequence[Scene], units: Sequence[Unit]) -> list[Unit]:
    """``units`` reordered for handing out: the units of scenes without a guess first, in plan
    order, then the others by their data, most first (ties in plan order)."""
    by_scene: dict[int, list[Unit]] = {}
    for unit in units:
        by_scene.setdefault(unit.scene_index, []).append(unit)
    weight: dict[str, int] = {}
    for index, members in by_scene.items():
        found = data_weights(scenes[index], members)
        if found is not None:
            weight.update((u.unit_id, n) for u, n in zip(members, found, strict=True))
    if not weight:
        return list(units)
    guessed = sorted((u for u in units if u.unit_id in weight), key=lambda u: -weight[u.unit_id])
    return [u for u in units if u.unit_id not in weight] + guessed
