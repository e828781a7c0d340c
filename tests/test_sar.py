"""Sentinel-1: BigEarthNet S1/S2 pairs on one grid, raw GRD warped by its GCPs, bad pairs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
from rasterio.control import GroundControlPoint

from eotext.config.recipe import Recipe, SourceSpec
from eotext.errors import SourceError
from eotext.run.build import build_dataset
from tests.conftest import BEN_S2, DATA, need, write_tif

BEN_S1 = DATA / "bigearthnet_v1" / "S1"
RAW_GRD = (
    DATA / "s1_grd_raw" / "sentinel-s1-l1c" / "GRD" / "2018" / "7" / "16" / "IW" / "DV"
    / "S1A_IW_GRDH_1SDV_20180716T004042_20180716T004107_022812_02792A_FD5B"
)  # fmt: skip


def _ben(tmp_path: Path, **kw: object) -> tuple[Path, dict]:
    source = SourceSpec(
        image=str(need(BEN_S2)), image_format="bigearthnet", s1=str(need(BEN_S1)), **kw
    )  # type: ignore[arg-type]
    out = tmp_path / "ben"
    result = build_dataset(Recipe(sources=(source,)), out)
    return out, result.dropped


def test_bigearthnet_pairs_share_one_grid(tmp_path: Path) -> None:
    out, dropped = _ben(tmp_path, require_s1=True)
    assert dropped == {"no_s1_pair": 8}
    rows = pq.read_table(out / "patches.parquet").to_pylist()
    assert len(rows) == 6
    for row in rows:
        s1_meta = next(
            json.loads(m.read_text())
            for m in BEN_S1.glob("*/*_labels_metadata.json")
            if json.loads(m.read_text())["corresponding_s2_patch"] == row["scene_id"]
        )
        s1_name = s1_meta["scene_source"]
        assert row["bands"][-2:] == ["VV", "VH"]
        folder = next(p for p in BEN_S1.iterdir() if (p / f"{p.name}_labels_metadata.json").exists()
                      and json.loads((p / f"{p.name}_labels_metadata.json").read_text())
                      ["corresponding_s2_patch"] == row["scene_id"])  # fmt: skip
        with (
            rasterio.open(out / row["image_path"]) as img,
            rasterio.open(next(folder.glob("*_VV.tif"))) as vv,
        ):
            assert img.count == 14 and img.dtypes[0] == "float32"  # holds uint16 and dB exactly
            assert np.array_equal(img.read(13), vv.read(1))  # co-registered: same pixels
            assert img.transform == vv.transform
        assert s1_name
    manifest = json.loads((out / "manifest.json").read_text())
    paired = [s for s in manifest["sources"] if s["s1_acquired"]]
    assert len(paired) == 6
    assert all(s["band_sensors"]["VV"] == "sentinel-1 (dB)" for s in paired)


def test_date_limit_drops_pairs(tmp_path: Path) -> None:
    _, dropped = _ben(tmp_path, max_s1_s2_days=0.1)  # every pair is hours apart
    assert dropped == {"s1_s2_date_gap": 6}


def test_raw_grd_warped_by_gcps(tmp_path: Path) -> None:
    source = SourceSpec(image=str(need(RAW_GRD)), patch_size=128)
    out = tmp_path / "grd"
    result = build_dataset(Recipe(sources=(source,)), out)
    assert result.patches > 10
    rows = pq.read_table(out / "patches.parquet").to_pylist()
    assert rows[0]["crs"] == "EPSG:32643"  # the UTM zone of the GCPs' centre (about 76.9 E)
    with rasterio.open(out / rows[0]["image_path"]) as img:
        vv = img.read(1)
    valid = vv[vv > 0]
    # Real backscatter, not a constant: the GCP warp reads full-resolution pixels.
    assert len(np.unique(valid)) > 50
    # The footprint agrees with the product's own footprint polygon.
    info = json.loads((RAW_GRD / "productInfo.json").read_text())
    lons = [c[0] for c in info["footprint"]["coordinates"][0]]
    lats = [c[1] for c in info["footprint"]["coordinates"][0]]
    for row in rows:
        assert min(lons) - 0.1 < row["longitude"] < max(lons) + 0.1
        assert min(lats) - 0.1 < row["latitude"] < max(lats) + 0.1


def test_too_few_gcps(tmp_path: Path) -> None:
    path = tmp_path / "few.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=32, height=32, count=1, dtype="uint16"
    ) as dst:
        dst.write(np.ones((1, 32, 32), np.uint16))
        gcps = [GroundControlPoint(0, 0, 10.0, 50.0), GroundControlPoint(0, 31, 10.0, 49.9),
                GroundControlPoint(31, 0, 10.1, 50.0)]  # fmt: skip
        dst.gcps = (gcps, rasterio.crs.CRS.from_epsg(4326))
    with pytest.raises(SourceError, match="3 ground control points"):
        build_dataset(
            Recipe(sources=(SourceSpec(image=str(path), image_format="s1"),)), tmp_path / "o"
        )


def test_s1_not_overlapping_is_dropped(tmp_path: Path) -> None:
    s2 = write_tif(tmp_path / "s2.tif", np.full((3, 64, 64), 500, np.uint16),
                   descriptions=["B04", "B03", "B02"])  # fmt: skip
    s1 = tmp_path / "s1"
    s1.mkdir()
    far = rasterio.transform.Affine(10, 0, 100000, 0, -10, 1000000)
    write_tif(s1 / "x_VV.tif", np.full((64, 64), -10, np.float32), transform=far)
    write_tif(s1 / "x_VH.tif", np.full((64, 64), -15, np.float32), transform=far)
    source = SourceSpec(image=str(s2), s1=str(s1), patch_size=32)
    result = build_dataset(Recipe(sources=(source,)), tmp_path / "o")
    assert result.patches == 0 and result.dropped == {"s1_no_overlap": 4}
