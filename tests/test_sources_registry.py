"""The source-format registry: sniffing real samples, STAC items, and formats in recipes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import Recipe
from eotext.errors import RecipeError, SourceError
from eotext.run.build import build_dataset
from eotext.scene.resolve import resolve_scenes
from eotext.scene.spec import GridSpec, SourceSpec
from eotext.schemes import BIGEARTHNET_19
from eotext.sources.item import Tiling
from eotext.sources.registry import FORMATS, IMAGE_FORMATS, get_format
from eotext.sources.stac import read_stac_item
from tests.conftest import BEN_S2, COG_FOLDER, HELSINKI_PBF, SAFE, SLOVENIA, need

STAC_ITEM = COG_FOLDER / "S2A_29RKH_20200219_0_L2A.json"
S2_ORDER = ["coastal", "blue", "green", "red", "rededge1", "rededge2", "rededge3", "nir",
            "nir08", "nir09", "swir16", "swir22"]  # fmt: skip


def test_recipe_choices_are_the_registry() -> None:
    assert IMAGE_FORMATS == ("auto", *FORMATS)
    with pytest.raises(RecipeError, match="stac"):
        SourceSpec(image="x", image_format="jpeg")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (SAFE, "safe"),
        (COG_FOLDER, "bands"),
        (STAC_ITEM, "stac"),
        (BEN_S2, "bigearthnet"),
        (BEN_S2.parent / "S1", "bigearthnet"),  # a root of S1 patches: BigEarthNet metadata
        (SLOVENIA / "MAX_NDVI.tif", "geotiff"),
        (HELSINKI_PBF, "osm"),
    ],
)
def test_sniffing_real_samples(path: Path, name: str) -> None:
    assert get_format("auto", str(need(path))).name == name


def test_s1_patch_folder_sniffs_as_sentinel1() -> None:
    folder = next(p for p in sorted(need(BEN_S2.parent / "S1").iterdir()) if p.is_dir())
    assert get_format("auto", str(folder)).name == "s1"


def test_stac_item_reads_its_assets_as_bands() -> None:
    imagery = read_stac_item(need(STAC_ITEM))
    assert list(imagery.band_names) == S2_ORDER
    assert all(Path(b.path).parent == COG_FOLDER.resolve() for b in imagery.bands)  # not HTTP
    assert {b.scale for b in imagery.bands} == {1e-4} and {b.offset for b in imagery.bands} == {0}
    red = imagery.bands[S2_ORDER.index("red")]
    assert Path(red.path).name == "B04.tif" and red.gsd_m == pytest.approx(100)
    assert imagery.sensor == "sentinel-2a" and imagery.acquired == "2020-02-19T11:34:25.405000Z"
    assert imagery.product_id == "S2A_MSIL2A_20200219T112111_N0214_R037_T29RKH_20200219T123947"
    assert imagery.processing_baseline == "02.14" and imagery.nodata == 0
    assert imagery.scl_paths and Path(imagery.scl_paths[0][1]).name == "SCL.tif"
    assert imagery.rgb_indices() == (3, 2, 1)


def test_stac_bands_by_name_common_name_or_file() -> None:
    imagery = read_stac_item(str(need(STAC_ITEM)), ("B04", "green", "blue"))
    assert list(imagery.band_names) == ["red", "green", "blue"]
    with pytest.raises(SourceError, match="no band asset named B10"):
        read_stac_item(str(STAC_ITEM), ("B10",))


def test_stac_asset_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    doc = json.loads(need(STAC_ITEM).read_text())
    for asset in doc["assets"].values():
        asset["href"] = asset["href"].replace("https://", "s3://")
    item = tmp_path / "item.json"  # no COGs beside it
    item.write_text(json.dumps(doc))
    with pytest.raises(SourceError, match=r"cannot read asset\(s\) coastal \(s3://.*B01.tif\)"):
        read_stac_item(item)


def test_stac_item_as_a_source_uses_its_scl() -> None:
    spec = SourceSpec(image=str(need(STAC_ITEM)), labels="scl", grid=GridSpec(patch_size=128))
    (scene,) = resolve_scenes(spec)
    assert scene.label_path is not None and scene.label_path.endswith("SCL.tif")
    assert scene.cloud_path == scene.label_path and scene.grid.width == 1098


def test_stac_item_builds_from_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["build", "--image", str(need(STAC_ITEM)), "--labels", "scl", "--patch-size", "256",
         "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    patches = pq.read_table(out / "patches.parquet").to_pylist()
    texts = pq.read_table(out / "texts.parquet").to_pylist()
    assert patches and texts
    assert patches[0]["bands"] == S2_ORDER and patches[0]["sensor"] == "sentinel-2a"
    assert all((out / p["image_path"]).is_file() for p in patches)
    manifest = json.loads((out / "manifest.json").read_text())
    (source,) = manifest["sources"]
    assert source["product_id"].startswith("S2A_MSIL2A_20200219")


def test_bigearthnet_folders_are_whole_scenes_with_typed_labels() -> None:
    scenes = resolve_scenes(SourceSpec(image=str(need(BEN_S2))))
    assert scenes and all(s.tiling is Tiling.WHOLE for s in scenes)
    assert all(s.scene_labels is not None and s.scene_labels.codes for s in scenes)


def _ben_copy(tmp_path: Path, n: int = 3) -> Path:
    root = tmp_path / "S2"
    for folder in sorted(p for p in need(BEN_S2).iterdir() if p.is_dir())[:n]:
        shutil.copytree(folder, root / folder.name)
    return root


def test_bigearthnet_19_scheme_maps_the_43_labels(tmp_path: Path) -> None:
    root = _ben_copy(tmp_path)
    spec = SourceSpec(image=str(root), image_format="bigearthnet", scheme="bigearthnet-19")
    result = build_dataset(Recipe(sources=(spec,)), tmp_path / "out")
    assert result.patches == 3
    patches = pq.read_table(tmp_path / "out" / "patches.parquet").to_pylist()
    texts = pq.read_table(tmp_path / "out" / "texts.parquet").to_pylist()
    names_19 = {c.name for c in BIGEARTHNET_19}
    assert all(p["scheme"] == "bigearthnet-19" and p["multilabels_19"] for p in patches)
    assert all(set(p["multilabels_19"]) <= names_19 for p in patches)
    captions = [t for t in texts if t["style"] == "multilabel"]
    assert len(captions) == 3
    for p in patches:
        short = {BIGEARTHNET_19.by_name(n).short_name for n in p["multilabels_19"]}
        (caption,) = [t["text"] for t in captions if t["patch_id"] == p["patch_id"]]
        assert all(s in caption for s in short)


def test_a_scheme_that_cannot_hold_bigearthnet_labels_is_a_clear_error(tmp_path: Path) -> None:
    spec = SourceSpec(image=str(_ben_copy(tmp_path, 1)), scheme="worldcover")
    with pytest.raises(RecipeError, match="bigearthnet-19"):
        resolve_scenes(spec)
