"""End-to-end builds on the real sample data, checked independently of the code under test."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
import shapely
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import FilterSpec, GridSpec, Recipe, SourceSpec, load_recipe
from eotext.run.build import build_dataset
from tests.conftest import BEN_S2, RECIPES, SAFE, SLOVENIA, WORLDCOVER_1024, as_dict, need
from tests.faithfulness import check_dataset

PATCH_COLUMNS = {
    "patch_id", "scene_id", "sensor", "acquired", "crs", "transform", "width", "height", "gsd_m",
    "geometry", "scheme", "class_fractions", "valid_fraction", "cloud_fraction", "image_path",
    "label_path", "preview_path",
}  # fmt: skip
TEXT_COLUMNS = {
    "text_id", "patch_id", "type", "generator", "prompt", "text", "question", "answer",
    "choices", "box", "status", "findings",
}  # fmt: skip


def test_quick_form_worldcover_is_faithful(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    out = tmp_path / "wc"
    result = CliRunner().invoke(
        cli, ["-q", "build", "--labels", str(labels), "--scheme", "worldcover", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "16 patches, 32 texts" in result.output
    figures = check_dataset(out)
    assert figures == {"patches": 16, "texts": 32, "checked": 32}

    patches = pq.read_table(out / "patches.parquet")
    assert PATCH_COLUMNS <= set(patches.column_names)
    assert TEXT_COLUMNS <= set(pq.read_table(out / "texts.parquet").column_names)
    geo = json.loads(patches.schema.metadata[b"geo"])
    assert geo["primary_column"] == "geometry"
    rows = patches.to_pylist()
    # Footprints are WGS84 polygons inside the window's bounds (lon 6.660-6.745, lat 0.315-0.400).
    for row in rows:
        poly = shapely.from_wkb(row["geometry"])
        minx, miny, maxx, maxy = poly.bounds
        assert 6.659 < minx < maxx < 6.746 and 0.314 < miny < maxy < 0.401
        assert row["image_path"] is None  # label map alone: no imagery
        assert (out / row["preview_path"]).exists()
    # The 16 patches tile the 1024 x 1024 window exactly.
    coverage = np.zeros((1024, 1024), dtype=int)
    with rasterio.open(labels) as src:
        origin = ~src.transform
    for row in rows:
        col, r = (round(v) for v in origin @ (row["transform"][2], row["transform"][5]))
        coverage[r : r + 256, col : col + 256] += 1
    assert (coverage == 1).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["counts"]["patches"] == 16
    assert manifest["sources"][0]["licences"][0]["licence"] == "CC-BY-4.0"


def test_label_patch_matches_source_window(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    recipe = Recipe(sources=(SourceSpec(labels=str(labels), scheme="worldcover"),))
    out = tmp_path / "wc"
    build_dataset(recipe, out)
    row = pq.read_table(out / "patches.parquet").to_pylist()[5]
    with rasterio.open(out / row["label_path"]) as patch, rasterio.open(labels) as src:
        window = rasterio.windows.from_bounds(*patch.bounds, transform=src.transform)
        expected = src.read(1, window=window.round_offsets().round_lengths())
        assert patch.crs == src.crs
        assert np.array_equal(patch.read(1), expected)


@pytest.mark.slow
def test_safe_with_scl_labels_cloud_masking_and_scaling(tmp_path: Path) -> None:
    safe = need(SAFE)
    recipe = Recipe(
        sources=(SourceSpec(id="t29unu", image=str(safe), labels="scl", patch_size=128),),
        filters=FilterSpec(min_valid_fraction=0.5, max_cloud_fraction=0.2),
    )
    out = tmp_path / "safe"
    result = build_dataset(recipe, out)
    assert result.patches > 0 and result.dropped["cloudy"] > 0
    assert result.dropped["low_valid_fraction"] > 0  # the swath edge on the right is no-data
    check_dataset(out)
    rows = pq.read_table(out / "patches.parquet").to_pylist()
    for row in rows:
        assert row["cloud_fraction"] <= 0.2 and row["valid_fraction"] >= 0.5
        assert row["crs"] == "EPSG:32629" and row["gsd_m"] == 60.0
    with rasterio.open(out / rows[0]["image_path"]) as img:
        assert img.count == 11 and img.dtypes[0] == "uint16"
        assert img.descriptions[3] == "B04"
        # Baseline 04.00: reflectance = (DN - 1000) / 10000.
        assert img.scales[3] == pytest.approx(1e-4) and img.offsets[3] == pytest.approx(-0.1)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sources"][0]["processing_baseline"] == "04.00"


def test_bigearthnet_patches_caption_their_labels(tmp_path: Path) -> None:
    ben = need(BEN_S2)
    recipe = Recipe(sources=(SourceSpec(image=str(ben), image_format="bigearthnet"),))
    out = tmp_path / "ben"
    result = build_dataset(recipe, out)
    folders = sorted(p for p in ben.iterdir() if p.is_dir())
    assert result.patches == len(folders) == 14
    texts = {t["patch_id"]: t["text"] for t in pq.read_table(out / "texts.parquet").to_pylist()}
    from eotext.schemes import BIGEARTHNET_43

    for folder in folders:
        meta = json.loads(next(folder.glob("*_labels_metadata.json")).read_text())
        expected = {BIGEARTHNET_43.by_name(n).code for n in meta["labels"]}
        text = texts[f"{folder.name}_r000000_c000000"]
        assert BIGEARTHNET_43.find_mentions(text) == expected, text
    row = pq.read_table(out / "patches.parquet").to_pylist()[0]
    with rasterio.open(out / row["image_path"]) as img:
        assert img.count == 12 and img.width == 120 and img.res == (10.0, 10.0)


def test_slovenia_labels_with_ndvi_layer(tmp_path: Path) -> None:
    need(SLOVENIA)
    recipe = Recipe(
        sources=(
            SourceSpec(
                labels=str(SLOVENIA / "LULC.tif"),
                scheme="eolearn-lulc",
                layers=(("MAX_NDVI", str(SLOVENIA / "MAX_NDVI.tif")),),
                patch_size=50,
            ),
        )
    )
    out = tmp_path / "svn"
    build_dataset(recipe, out)
    check_dataset(out)
    rows = pq.read_table(out / "patches.parquet").to_pylist()
    assert len(rows) == 6
    for row in rows:
        ndvi = as_dict(row["layer_means"])["MAX_NDVI"]
        assert 0.0 < ndvi <= 1.0
        assert row["bands"] == ["MAX_NDVI"]


@pytest.mark.slow
def test_demo_recipe_builds_and_resumes(tmp_path: Path) -> None:
    need(WORLDCOVER_1024)
    recipe = load_recipe(RECIPES / "demo.toml")
    out = tmp_path / "demo"
    first = build_dataset(recipe, out)
    figures = check_dataset(out)
    assert first.patches > 40 and figures["checked"] > 60
    texts_before = pq.read_table(out / "texts.parquet")
    second = build_dataset(recipe, out)
    assert second.units_run == 0 and second.units_skipped == first.units_total
    assert pq.read_table(out / "texts.parquet").equals(texts_before)


def test_rebuild_gives_identical_texts(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    recipe = Recipe(
        sources=(SourceSpec(labels=str(labels), scheme="worldcover"),),
        grid=GridSpec(patch_size=128),
        seed=7,
    )
    build_dataset(recipe, tmp_path / "a")
    build_dataset(recipe, tmp_path / "b")
    a = pq.read_table(tmp_path / "a" / "texts.parquet")
    b = pq.read_table(tmp_path / "b" / "texts.parquet")
    assert a.equals(b) and a.num_rows == 2 * 64
