"""The reader's shortcut for 8-bit label maps (codes present from a histogram) gives the
masks of one look-up per pixel, on the real WorldCover tile and on windows made to hit each
branch."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from eotext.scene.scene import _NODATA, _UNKNOWN, _kinds_table, _label_masks
from tests.conftest import WORLDCOVER_TILE, need

WORLDCOVER = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)


def _by_lookup(labels: np.ndarray, kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kind = kinds[labels]
    return kind != _NODATA, kind == _UNKNOWN


def _same(labels: np.ndarray, kinds: np.ndarray) -> None:
    labelled, unknown = _label_masks(labels, kinds)
    if unknown is None:  # no unknown code anywhere
        unknown = np.zeros(labels.shape, dtype=bool)
    expected = _by_lookup(labels, kinds)
    for g, e in zip((labelled, unknown), expected, strict=True):
        assert g.dtype == bool and g.shape == labels.shape
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize(
    "offset",
    [(0, 0), (2048, 2048), (16384, 30720), (30000, 6000)],  # sea, coast, land
)
def test_real_windows(offset: tuple[int, int]) -> None:
    kinds = _kinds_table(WORLDCOVER, (0,), 1)
    with rasterio.open(need(WORLDCOVER_TILE)) as src:
        labels = src.read(1, window=Window(offset[1], offset[0], 2048, 2048))
    _same(labels, kinds)


def test_every_branch() -> None:
    rng = np.random.default_rng(0)
    land = rng.choice(np.array(WORLDCOVER, dtype=np.uint8), (64, 64))
    one_nodata = _kinds_table(WORLDCOVER, (0,), 1)
    two_nodata = _kinds_table(WORLDCOVER, (0, 255), 1)
    windows = {
        "all sea": np.zeros((64, 64), np.uint8),
        "all one class": np.full((64, 64), 40, np.uint8),
        "classes only": land,
        "classes and nodata": np.where(rng.random((64, 64)) < 0.3, 0, land).astype(np.uint8),
        "unknown code": np.where(rng.random((64, 64)) < 0.01, 7, land).astype(np.uint8),
        "only an unknown code": np.full((64, 64), 7, np.uint8),
    }
    for labels in windows.values():
        _same(labels, one_nodata)
    two = np.where(rng.random((64, 64)) < 0.2, 255, windows["classes and nodata"])
    _same(two.astype(np.uint8), two_nodata)
    _same(np.full((64, 64), 255, np.uint8), two_nodata)
    # Not C-contiguous (a column cut of a window) and 16-bit codes take the general path.
    _same(np.asfortranarray(land[:, 3:40]), one_nodata)
    codes16 = _kinds_table((1000, 2000), (0,), 2)
    _same(np.array([[0, 1000], [2000, 5]], np.uint16), codes16)
