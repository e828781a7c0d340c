"""A window's transform and bounds, written out, are Affine's to the last bit."""

from __future__ import annotations

import random

import rasterio
from affine import Affine
from rasterio.crs import CRS

from eotext.model import PixelWindow
from eotext.sources.grid import Grid
from eotext.sources.raster import grid_of
from tests.conftest import WORLDCOVER_TILE, need


def _by_affine(t: Affine, w: PixelWindow) -> tuple[Affine, tuple[float, float, float, float]]:
    wt = t @ Affine.translation(w.col_off, w.row_off)
    x0, y0 = wt @ (0, 0)
    x1, y1 = wt @ (w.width, w.height)
    return wt, (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def test_windows_of_random_and_real_grids_equal_affine() -> None:
    rng = random.Random(7)
    grids = []
    for _ in range(200):
        rotation = rng.choice([0.0, rng.uniform(-1, 1)])
        t = Affine(rng.uniform(-30, 30), rotation, rng.uniform(-1e6, 1e6),
                   rotation, rng.uniform(-30, 30), rng.uniform(-1e7, 1e7))  # fmt: skip
        grids.append(Grid(CRS.from_epsg(32633), t, 100_000, 100_000))
    with rasterio.open(need(WORLDCOVER_TILE)) as src:
        grids.append(grid_of(src, WORLDCOVER_TILE))
    for grid in grids:
        for _ in range(20):
            w = PixelWindow(rng.randint(0, 50_000), rng.randint(0, 50_000),
                            rng.randint(1, 5_000), rng.randint(1, 5_000))  # fmt: skip
            transform, bounds = _by_affine(grid.transform, w)
            assert tuple(grid.window_transform(w)) == tuple(transform)
            assert grid.window_bounds(w) == bounds
