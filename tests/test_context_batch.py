"""Context looked up for a unit's patches together equals the look-up of each patch alone."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from eotext.semantics.context import patch_context, patch_contexts


@pytest.mark.parametrize("acquired", ["2021-07-01T10:00:00Z", None, "2021-00-01"])
def test_patch_contexts_match_one_by_one(acquired: str | None) -> None:
    rng = np.random.default_rng(0)
    lons = rng.uniform(-180, 180, 400)
    lats = rng.uniform(-85, 85, 400)
    grid_lon, grid_lat = np.meshgrid(np.linspace(2, 30, 25), np.linspace(40, 60, 20))
    lons = np.concatenate([lons, grid_lon.ravel()])  # many points near land borders
    lats = np.concatenate([lats, grid_lat.ravel()])
    footprints = [shapely.box(x, y, x + 0.02, y + 0.02) for x, y in zip(lons, lats, strict=True)]
    elevations = [None if i % 3 else float(i) for i in range(len(footprints))]
    together = patch_contexts(footprints, acquired, elevations)
    alone = [patch_context(f, acquired, e) for f, e in zip(footprints, elevations, strict=True)]
    assert together == alone


def test_no_patches_no_contexts() -> None:
    assert patch_contexts([], "2021-07-01", []) == []
