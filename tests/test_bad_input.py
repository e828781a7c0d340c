"""Bad input gets one clear error naming the file, and loses nothing already written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from affine import Affine
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import GridSpec, Recipe, SourceSpec
from eotext.errors import (
    AlignmentError,
    EotextError,
    OutputError,
    RecipeError,
    SourceError,
    TilingError,
    UnknownClassCodeError,
)
from eotext.run.build import build_dataset
from eotext.run.engine import LocalRunner
from tests.conftest import SAFE, WORLDCOVER_1024, as_dict, need, write_tif


def _wc_recipe(path: Path, **kw: object) -> Recipe:
    return Recipe(sources=(SourceSpec(labels=str(path), scheme="worldcover"),), **kw)  # type: ignore[arg-type]


def test_corrupt_raster_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.tif"
    bad.write_bytes(b"II*\x00" + b"\x00garbage" * 100)
    with pytest.raises(SourceError, match=r"broken\.tif.*cannot be read") as info:
        build_dataset(_wc_recipe(bad), tmp_path / "out")
    assert isinstance(info.value, OSError)
    assert not (tmp_path / "out").exists()


def test_truncated_real_raster(tmp_path: Path) -> None:
    data = need(WORLDCOVER_1024).read_bytes()
    cut = tmp_path / "cut.tif"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(SourceError, match=r"cut\.tif"):
        build_dataset(_wc_recipe(cut), tmp_path / "out")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        build_dataset(_wc_recipe(tmp_path / "nope.tif"), tmp_path / "out")


def test_label_map_not_overlapping_image(tmp_path: Path) -> None:
    image = write_tif(
        tmp_path / "img.tif", np.ones((3, 64, 64), np.uint16), descriptions=["B04", "B03", "B02"]
    )
    far = Affine(10, 0, 100000, 0, -10, 1000000)
    labels = write_tif(tmp_path / "lab.tif", np.full((64, 64), 10, np.uint8), transform=far)
    recipe = Recipe(
        sources=(SourceSpec(image=str(image), labels=str(labels), scheme="worldcover"),),
        grid=GridSpec(patch_size=32),
    )
    with pytest.raises(AlignmentError, match=r"lab\.tif: does not overlap"):
        build_dataset(recipe, tmp_path / "out")


def test_crs_mismatch_is_reprojected(tmp_path: Path) -> None:
    """A WorldCover map in EPSG:4326 labels a UTM image: reprojected by nearest neighbour."""
    labels = need(WORLDCOVER_1024)
    # A 10 m UTM 32N grid over the window (lon 6.66-6.745, lat 0.315-0.40).
    from pyproj import Transformer

    x0, y0 = Transformer.from_crs(4326, 32632, always_xy=True).transform(6.67, 0.39)
    image = write_tif(
        tmp_path / "img.tif",
        np.full((3, 512, 512), 1200, np.uint16),
        crs="EPSG:32632",
        transform=Affine(10, 0, x0, 0, -10, y0),
        descriptions=["B04", "B03", "B02"],
    )
    recipe = Recipe(
        sources=(SourceSpec(image=str(image), labels=str(labels), scheme="worldcover"),),
        grid=GridSpec(patch_size=256),
    )
    out = tmp_path / "out"
    result = build_dataset(recipe, out)
    assert result.patches == 4
    from tests.faithfulness import check_dataset

    check_dataset(out)
    row = pq.read_table(out / "patches.parquet").to_pylist()[0]
    assert row["crs"] == "EPSG:32632" and len(as_dict(row["class_fractions"])) >= 2


def test_all_nodata_scene_reports_every_drop(tmp_path: Path) -> None:
    empty = write_tif(tmp_path / "empty.tif", np.zeros((128, 128), np.uint8), nodata=0)
    result = build_dataset(_wc_recipe(empty, grid=GridSpec(patch_size=64)), tmp_path / "out")
    assert result.patches == 0 and result.dropped == {"low_valid_fraction": 4}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["dropped"] == {"low_valid_fraction": 4}


def test_unknown_class_codes_error_or_unlabelled(tmp_path: Path) -> None:
    arr = np.full((64, 64), 10, np.uint8)
    arr[:8, :8] = 77  # not a WorldCover code
    path = write_tif(tmp_path / "odd.tif", arr)
    with pytest.raises(UnknownClassCodeError, match=r"odd\.tif: codes \[77\].*unlabelled"):
        build_dataset(_wc_recipe(path, grid=GridSpec(patch_size=64)), tmp_path / "a")
    recipe = _wc_recipe(path, grid=GridSpec(patch_size=64), unknown_codes="unlabelled")
    result = build_dataset(recipe, tmp_path / "b")
    assert result.patches == 1
    row = pq.read_table(tmp_path / "b" / "patches.parquet").to_pylist()[0]
    assert row["unknown_px"] == 64 and as_dict(row["class_pixels"]) == {10: 64 * 64 - 64}
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["counts"]["unknown_code_pixels"] == 64


def test_patch_larger_than_scene(tmp_path: Path) -> None:
    small = write_tif(tmp_path / "small.tif", np.full((100, 90), 10, np.uint8))
    with pytest.raises(TilingError, match=r"larger than the scene \(90 px"):
        build_dataset(_wc_recipe(small), tmp_path / "out")


def test_missing_band(tmp_path: Path) -> None:
    safe = need(SAFE)
    recipe = Recipe(sources=(SourceSpec(image=str(safe), labels="scl", bands=("B04", "B08")),))
    with pytest.raises(SourceError, match="band B08 is missing"):
        build_dataset(recipe, tmp_path / "out")


def test_output_folder_from_a_different_recipe_is_left_alone(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    out = tmp_path / "out"
    build_dataset(_wc_recipe(labels), out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    with pytest.raises(OutputError, match="different recipe"):
        build_dataset(_wc_recipe(labels, seed=3), out)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_foreign_output_folder(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(OutputError, match="not an eotext dataset"):
        build_dataset(_wc_recipe(labels), tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "precious"


class _DiesAfter(LocalRunner):
    """A runner killed after ``n`` units, like a build interrupted halfway."""

    def __init__(self, n: int) -> None:
        self.n = n

    def map_unordered(self, fn, tasks):  # type: ignore[no-untyped-def]
        for i, task in enumerate(tasks):
            if i == self.n:
                raise KeyboardInterrupt
            yield fn(task)


def test_killed_build_keeps_finished_units_and_resumes(tmp_path: Path) -> None:
    labels = need(WORLDCOVER_1024)
    recipe = _wc_recipe(labels, grid=GridSpec(patch_size=128))
    recipe = Recipe(
        sources=recipe.sources, grid=recipe.grid, output=type(recipe.output)(unit_patches=2)
    )
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        build_dataset(recipe, out, runner=_DiesAfter(5))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["counts"]["units_done"] == 5
    assert pq.read_table(out / "patches.parquet").num_rows == 5 * 4
    result = build_dataset(recipe, out)
    assert result.units_skipped == 5 and result.units_run == 11 and result.patches == 64
    clean = tmp_path / "clean"
    build_dataset(recipe, clean)
    assert pq.read_table(out / "texts.parquet").equals(pq.read_table(clean / "texts.parquet"))


def test_recipe_errors_are_value_errors() -> None:
    with pytest.raises(RecipeError, match="needs a `scheme`"):
        SourceSpec(labels="x.tif")
    with pytest.raises(ValueError, match="patch_size"):
        GridSpec(patch_size=0)


def test_cli_turns_errors_into_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.tif"
    bad.write_bytes(b"not a tiff")
    result = CliRunner().invoke(
        cli,
        ["-q", "build", "--labels", str(bad), "--scheme", "worldcover", "-o", str(tmp_path / "o")],
    )
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("eotext: error:") and "broken.tif" in lines[0]
    assert issubclass(SourceError, EotextError)


def test_bigearthnet_unknown_label_drops_only_that_patch(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import BEN_S2

    src = sorted(p for p in need(BEN_S2).iterdir() if p.is_dir())[:3]
    root = tmp_path / "S2"
    for folder in src:
        shutil.copytree(folder, root / folder.name)
    meta = next((root / src[0].name).glob("*_labels_metadata.json"))
    doc = json.loads(meta.read_text())
    doc["labels"] = ["Broad-leaved forrest"]  # misspelt
    meta.write_text(json.dumps(doc))
    recipe = Recipe(sources=(SourceSpec(image=str(root), image_format="bigearthnet"),))
    result = build_dataset(recipe, tmp_path / "out")
    assert result.patches == 2 and result.dropped == {"unknown_label_name": 1}
    rows = pq.read_table(tmp_path / "out" / "patches.parquet").to_pylist()
    assert all(r["multilabels_19"] for r in rows)
