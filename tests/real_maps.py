"""Real label patches from the sample data, for property tests of the text generators.

Every patch is read from a real map: the WorldCover window over São Tomé, windows of the full
WorldCover tile (Príncipe's coast and open ocean), the Slovenia LULC raster and the SCL of the
Sentinel-2 SAFE product (full 60 m scene and the derived crop).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import rasterio
from rasterio.windows import Window

from eotext.schemes import EOLEARN_LULC, SCL, WORLDCOVER, Scheme
from tests.conftest import DATA, SLOVENIA, WORLDCOVER_1024, WORLDCOVER_TILE

Array = np.ndarray[Any, Any]
SCL_60M = (
    DATA
    / "s2_l2a_safe_T29UNU_20221005"
    / "original"
    / "R60m"
    / "T29UNU_20221005T115411_SCL_60m.jp2"
)
SCL_CROP = DATA / "s2_l2a_safe_T29UNU_20221005" / "derived" / "T29UNU_20221005_SCL_60m_crop256.tif"


@dataclass(frozen=True)
class RealPatch:
    """One label patch of a real map: its id, scheme, codes and the pixels that count."""

    patch_id: str
    scheme: Scheme
    labels: Array
    valid: Array


def _tiles(
    name: str, scheme: Scheme, labels: Array, size: int, step: int | None = None
) -> Iterator[RealPatch]:
    step = step or size
    known = np.isin(labels, scheme.codes)
    for r in range(0, labels.shape[0] - size + 1, step):
        for c in range(0, labels.shape[1] - size + 1, step):
            lab = labels[r : r + size, c : c + size]
            yield RealPatch(f"{name}_r{r}_c{c}", scheme, lab, known[r : r + size, c : c + size])


def _read(path: Any, window: Window | None = None) -> Array:
    with rasterio.open(path) as src:
        return src.read(1, window=window)


def real_patches() -> list[RealPatch]:
    """All real patches whose source file is present (an empty list when none is)."""
    out: list[RealPatch] = []
    if WORLDCOVER_1024.exists():
        out += _tiles("saotome", WORLDCOVER, _read(WORLDCOVER_1024), 256)
    if WORLDCOVER_TILE.exists():
        # Príncipe and its coast (1.53–1.70° N, 7.33–7.47° E at 12,000 px per degree).
        principe = _read(WORLDCOVER_TILE, Window(15872, 15872, 2048, 2048))
        out += _tiles("principe", WORLDCOVER, principe, 256)
        # São Tomé's north coast at a 128 px patch size, and open ocean in the tile's corner.
        saotome = _read(WORLDCOVER_TILE, Window(5632, 30720, 1024, 1024))
        out += _tiles("saotome_tile", WORLDCOVER, saotome, 128, 256)
        out += _tiles("ocean", WORLDCOVER, _read(WORLDCOVER_TILE, Window(0, 0, 256, 256)), 256)
    if (SLOVENIA / "LULC.tif").exists():
        lulc = _read(SLOVENIA / "LULC.tif")
        out += _tiles("slovenia", EOLEARN_LULC, lulc, 100)
        out += _tiles("slovenia48", EOLEARN_LULC, lulc, 48, 24)
    if SCL_60M.exists():
        out += _tiles("scl", SCL, _read(SCL_60M), 256)
    if SCL_CROP.exists():
        out += _tiles("scl_crop", SCL, _read(SCL_CROP), 256)
    return out
