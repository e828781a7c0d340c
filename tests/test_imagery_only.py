"""Imagery without labels: 8-bit RGB previews are the pixels themselves, and a build that can
write no text says so when it plans."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
from PIL import Image

from eotext.config.recipe import GridSpec, Recipe, SourceSpec
from eotext.run.build import build_dataset
from eotext.sources.sentinel2 import read_multiband
from tests.conftest import DATA, need

RSVQA_CHIP = DATA / "rsvqa_lr" / "Images_LR" / "102.tif"


def test_rgb_bands_are_named_by_their_colour_and_band_i_still_works() -> None:
    chip = need(RSVQA_CHIP)
    imagery = read_multiband(chip)
    assert imagery.band_names == ("red", "green", "blue") and imagery.rgb_indices() == (0, 1, 2)
    assert read_multiband(chip, ("band3", "band1")).band_names == ("blue", "red")


def test_an_rgb_chip_without_labels_gets_true_previews_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chip = need(RSVQA_CHIP)
    recipe = Recipe(sources=(SourceSpec(image=str(chip)),), grid=GridSpec(patch_size=128))
    with caplog.at_level(logging.WARNING, logger="eotext.run.build"):
        result = build_dataset(recipe, tmp_path / "out")
    assert result.patches == 4 and result.texts == 0
    assert any("imagery only" in r.getMessage() and "--labels" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    with rasterio.open(chip) as src:
        pixels = src.read()
    for row in pq.read_table(tmp_path / "out" / "patches.parquet").to_pylist():
        preview = np.asarray(Image.open(tmp_path / "out" / row["preview_path"]))
        r0, c0 = (int(x) for x in row["patch_id"].split("_r")[1].split("_c"))
        assert (preview == np.moveaxis(pixels[:, r0 : r0 + 128, c0 : c0 + 128], 0, -1)).all()
