"""Shared fixtures: the real sample data, and tiny GeoTIFFs made by code."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine

# Each test session gets its own Hugging Face `datasets` cache: `load_dataset(DIR)` keys its
# cache by the folder's name, so an earlier session's result could stand in for this one's.
_HF_CACHE = tempfile.mkdtemp(prefix="eotext-test-hf-")
os.environ["HF_DATASETS_CACHE"] = _HF_CACHE
atexit.register(shutil.rmtree, _HF_CACHE, ignore_errors=True)

DATA = Path(
    os.environ.get("EOTEXT_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
)
WORLDCOVER_1024 = (
    DATA / "worldcover_N00E006_2021" / "derived" / "WorldCover_2021_SaoTome_NE_1024.tif"
)
WORLDCOVER_TILE = DATA / "worldcover_N00E006_2021" / "ESA_WorldCover_10m_2021_v200_N00E006_Map.tif"
SAFE = DATA / "s2_l2a_safe_T29UNU_20221005" / "original"
COG_FOLDER = DATA / "s2_l2a_cog_T29RKH_20200219"
SLOVENIA = DATA / "eolearn_slovenia" / "derived"
BEN_S2 = DATA / "bigearthnet_v1" / "S2"
HELSINKI_PBF = DATA / "osm_finland" / "Helsinki.osm.pbf"
KYMENLAAKSO_PBF = DATA / "osm_finland" / "test.osm.pbf"
RECIPES = Path(__file__).resolve().parents[1] / "recipes"


def need(path: Path) -> Path:
    """Skip the test, saying why, when a piece of the real sample data is absent."""
    if not path.exists():
        pytest.skip(f"real sample data not found at {path}; set EOTEXT_DATA to ../shared/data")
    return path


def write_tif(
    path: Path,
    array: np.ndarray[Any, Any],
    crs: str = "EPSG:32633",
    transform: Affine | None = None,
    nodata: float | None = None,
    descriptions: list[str] | None = None,
) -> Path:
    """Write a small GeoTIFF (2-D or bands-first 3-D array)."""
    data = array[np.newaxis] if array.ndim == 2 else array
    transform = transform or Affine(10, 0, 500000, 0, -10, 5100000)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        count=data.shape[0],
        height=data.shape[1],
        width=data.shape[2],
        dtype=data.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data)
        for i, d in enumerate(descriptions or [], start=1):
            dst.set_band_description(i, d)
    return path


def as_dict(entries: list[dict[str, Any]] | None) -> dict[Any, Any]:
    """A ``patches.parquet`` key-value column (a list of ``{key, value}``) as a dict."""
    return {e["key"]: e["value"] for e in entries or []}
