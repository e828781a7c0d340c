"""Units are handed out heaviest first, by a guess from the label map's overview (real tile)."""

from __future__ import annotations

import numpy as np
import rasterio

from eotext.config.recipe import OutputSpec, Recipe, SourceSpec
from eotext.run.build import plan_build
from eotext.scene.workload import data_weights, heaviest_first

from .conftest import COG_FOLDER, WORLDCOVER_1024, WORLDCOVER_TILE, need


def test_the_guess_follows_the_land_of_the_whole_tile() -> None:
    recipe = Recipe(sources=(SourceSpec(labels=str(need(WORLDCOVER_TILE)), scheme="worldcover"),))
    scenes, units = plan_build(recipe)
    weights = data_weights(scenes[0], units)
    assert weights is not None and len(weights) == len(units)
    land = []
    with rasterio.open(WORLDCOVER_TILE) as src:
        for unit in units:
            w = unit.window
            block = src.read(1, window=((w.row_off, w.row_off + w.height),
                                        (w.col_off, w.col_off + w.width)))  # fmt: skip
            land.append(np.count_nonzero(block) / block.size)
    weights_a, land_a = np.array(weights), np.array(land)
    # Open sea is guessed (nearly) empty, and every unit guessed empty is (nearly) open sea.
    assert weights_a[land_a == 0].max() < 0.01 * weights_a.max()
    assert land_a[weights_a == 0].max() < 0.01
    assert np.corrcoef(weights_a, land_a)[0, 1] > 0.99
    ordered = heaviest_first(scenes, units)
    assert sorted(u.unit_id for u in ordered) == sorted(u.unit_id for u in units)
    by_id = dict(zip((u.unit_id for u in units), weights, strict=True))
    assert [by_id[u.unit_id] for u in ordered] == sorted(weights, reverse=True)
    # The last units handed out are the emptiest: a fifth of the units hold (nearly) no land.
    assert all(land[units.index(u)] < 0.01 for u in ordered[-len(units) // 5 :])


def test_no_guess_keeps_the_plan_order() -> None:
    # A label file without overviews; a scene with imagery.
    for source in (
        SourceSpec(labels=str(need(WORLDCOVER_1024)), scheme="worldcover", patch_size=128),
        SourceSpec(image=str(need(COG_FOLDER))),
    ):
        scenes, units = plan_build(Recipe(sources=(source,), output=OutputSpec(unit_patches=2)))
        assert len(units) > 1
        assert data_weights(scenes[0], units) is None
        assert heaviest_first(scenes, units) == units
