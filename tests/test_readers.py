"""Readers of real products: what they find out without reading pixels, and aligned reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from eotext.config.recipe import GridSpec, SourceSpec
from eotext.errors import SourceError
from eotext.model import PixelWindow
from eotext.scene.resolve import resolve_scenes
from eotext.sources.bigearthnet import find_bigearthnet_patches, read_bigearthnet_patch
from eotext.sources.grid import Grid, reprojected_grid
from eotext.sources.raster import AlignedReader
from eotext.sources.sentinel2 import read_band_folder, read_multiband, read_safe
from tests.conftest import BEN_S2, COG_FOLDER, SAFE, WORLDCOVER_1024, need

DERIVED = SAFE.parent / "derived"


def test_safe_metadata_and_bands() -> None:
    imagery = read_safe(need(SAFE))
    assert imagery.product_id == "S2A_MSIL2A_20221005T115411_N0400_R023_T29UNU_20221005T164454"
    assert imagery.sensor == "sentinel-2a" and imagery.processing_baseline == "04.00"
    assert imagery.acquired is not None and imagery.acquired.startswith("2022-10-05T11:54")
    # The snapshot holds the 60 m reflectance bands only (B08 and B10 are absent).
    assert imagery.band_names == (
        "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B8A", "B09", "B11", "B12",
    )  # fmt: skip
    b04 = imagery.bands[3]
    assert (
        b04.gsd_m == 60 and b04.scale == pytest.approx(1e-4) and b04.offset == pytest.approx(-0.1)
    )
    assert imagery.scl_for(60).endswith("SCL_60m.jp2")
    assert imagery.scl_for(20).endswith("SCL_20m.jp2")


def test_safe_reflectance_scaling_matches_derived_crop() -> None:
    """The DN in the SAFE equal the staged crop; scaled they are plausible reflectances."""
    imagery = read_safe(need(SAFE))
    b04 = imagery.bands[3]
    with rasterio.open(b04.path) as src:
        dn = src.read(1, window=((0, 256), (0, 256)))
    with rasterio.open(DERIVED / "T29UNU_20221005_L2A_60m_crop256_11bands.tif") as crop:
        assert np.array_equal(dn, crop.read(4))
    reflectance = dn[dn > 0] * b04.scale + b04.offset
    assert 0.0 < np.median(reflectance) < 0.3


def test_band_folder_with_stac_item() -> None:
    imagery = read_band_folder(need(COG_FOLDER))
    assert imagery.sensor == "sentinel-2a" and imagery.processing_baseline == "02.14"
    assert imagery.acquired == "2020-02-19T11:34:25.405000Z"
    assert "B08" in imagery.band_names and imagery.scl_paths
    # Baseline 02.14: no offset.
    assert imagery.bands[0].offset == 0.0 and imagery.bands[0].scale == pytest.approx(1e-4)


def test_multiband_geotiff_band_names() -> None:
    path = need(DERIVED / "T29UNU_20221005_L2A_60m_crop256_11bands.tif")
    imagery = read_multiband(path, ("B04", "B03", "B02"))
    assert imagery.band_names == ("B04", "B03", "B02")
    assert [b.index for b in imagery.bands] == [4, 3, 2]
    assert imagery.rgb_indices() == (0, 1, 2)
    with pytest.raises(SourceError, match="has no band named B08"):
        read_multiband(path, ("B08",))


def test_bigearthnet_patch() -> None:
    folders = find_bigearthnet_patches(need(BEN_S2))
    assert len(folders) == 14
    patch = read_bigearthnet_patch(folders[0])
    assert len(patch.imagery.bands) == 12 and patch.labels
    assert {b.gsd_m for b in patch.imagery.bands} == {10.0, 20.0, 60.0}


def test_bands_resampled_onto_one_grid() -> None:
    """COG bands at 100, 200 and 600 m are read onto one 200 m grid."""
    (scene,) = resolve_scenes(
        SourceSpec(
            image=str(need(COG_FOLDER)), labels="scl", grid=GridSpec(gsd_m=200, patch_size=64)
        )
    )
    assert (scene.grid.width, scene.grid.height) == (549, 549) and scene.grid.gsd_m == 200
    with scene.open() as reader:
        data = reader.read(PixelWindow(100, 100, 64, 64))
    assert data.image is not None and data.image.shape == (12, 64, 64)
    assert data.labels is not None and data.labels.shape == (64, 64)
    assert (data.image > 0).all()  # desert, no gaps: every band covers the window


def test_label_map_reprojected_by_nearest_neighbour() -> None:
    """WorldCover (EPSG:4326) onto a 10 m UTM grid keeps exactly its own codes."""
    path = need(WORLDCOVER_1024)
    with rasterio.open(path) as src:
        native = Grid(src.crs, src.transform, src.width, src.height)
        codes = set(np.unique(src.read(1)).tolist())
    utm = reprojected_grid(native, "utm", 10.0)
    assert utm.crs.to_epsg() == 32632 and utm.gsd_m == 10.0
    with AlignedReader(path, utm) as reader:
        out = reader.read(PixelWindow(0, 0, utm.width, utm.height))[0]
    assert set(np.unique(out).tolist()) <= codes | {0}
    assert (out != 0).mean() > 0.95  # a tiny rim of nodata at the rotated edges only


def test_missing_safe_metadata(tmp_path: Path) -> None:
    (tmp_path / "R60m").mkdir()
    with pytest.raises(SourceError, match=r"no MTD_MSIL2A\.xml"):
        read_safe(tmp_path)
