"""BigEarthNet v2 (reBEN) roots, on the real v1 sample patches laid out as v2 folders.

The roots are made by ``tests/bigearthnet_v2_fixture.py``: real band files (S2 and the real S1
partners), real labels converted to the 19 classes, and reference maps that are NOT the real
CLC maps but hold exactly each patch's labels, laid out by its real NDVI (see that module).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import rasterio
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import SplitSpec
from eotext.errors import RecipeError, SourceError, UnknownClassCodeError
from eotext.run.splits import assign_splits
from eotext.scene.resolve import resolve_scenes
from eotext.scene.spec import SourceSpec
from eotext.schemes import BIGEARTHNET_19, get_scheme
from eotext.schemes.conversion import label_codes, map_code_pairs
from eotext.schemes.corine import BEN43_TO_BEN19, CLC_TO_BEN19
from eotext.sources.bigearthnet_v2 import acquired_of, is_bigearthnet_v2, read_bigearthnet_v2
from tests.bigearthnet_v2_fixture import make_v2_root, write_metadata
from tests.conftest import BEN_S2, as_dict, need

#: The 6 sample patches with a real co-registered Sentinel-1 partner.
PAIRED = {"87_48", "36_85", "4_55", "56_35", "69_24", "57_38"}


@pytest.fixture(scope="module")
def v2_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("reben") / "ROOT"
    rows = make_v2_root(root, need(BEN_S2).parent)
    return root, rows


def _build(args: list[str]) -> Any:
    result = CliRunner().invoke(cli, ["-q", "build", *args])
    assert result.exit_code == 0, result.output
    return result


def _patches(out: Path) -> dict[str, dict[str, Any]]:
    return {r["scene_id"]: r for r in pq.read_table(out / "patches.parquet").to_pylist()}


def test_v2_names_accepted_in_the_19_class_scheme() -> None:
    ben19, ben43 = get_scheme("bigearthnet-19"), get_scheme("bigearthnet-43")
    names = ["Arable land", "Urban fabric", "Inland waters"]
    assert label_codes(names, "bigearthnet-19", ben19) == (1, 3, 18)
    # v1's 43-class labels convert with the official mapping; dropped classes vanish.
    assert label_codes(["Non-irrigated arable land", "Airports"], "bigearthnet-43", ben19) == (3,)
    with pytest.raises(RecipeError, match="set scheme to one of: bigearthnet-19") as err:
        label_codes(["Arable land"], "bigearthnet-19", ben43)
    assert len(str(err.value)) < 300  # one line, not the whole nomenclature
    with pytest.raises(UnknownClassCodeError, match="Did you mean 'Inland waters'") as err:
        label_codes(["Inland water"], "bigearthnet-19", ben19)
    assert len(str(err.value)) < 300
    with pytest.raises(UnknownClassCodeError, match="is a BigEarthNet-43 label"):
        label_codes(["Non-irrigated arable land"], "bigearthnet-19", ben19)


def test_clc_to_19_mapping_is_data_and_drops_what_19_drops() -> None:
    for code, ben19 in BEN43_TO_BEN19.items():
        assert CLC_TO_BEN19[code] == ben19
    for dropped in (122, 123, 124, 131, 132, 133, 141, 142, 332, 334, 335, 423, 999):
        assert CLC_TO_BEN19[dropped] == 0
    assert all(BIGEARTHNET_19.has_code(v) or v == 0 for v in CLC_TO_BEN19.values())
    # The reference maps are read through the one conversion module.
    assert dict(map_code_pairs("corine", BIGEARTHNET_19)) == CLC_TO_BEN19
    assert dict(map_code_pairs("corine", get_scheme("bigearthnet-43")))[335] == 0


def test_reader_finds_patches_partners_and_maps(v2_root: tuple[Path, list[dict[str, Any]]]) -> None:
    root, rows = v2_root
    assert is_bigearthnet_v2(root) and not is_bigearthnet_v2(root / "BigEarthNet-S2")
    source = read_bigearthnet_v2(root)
    assert [p.record.patch_id for p in source.patches] == sorted(r["patch_id"] for r in rows)
    by_id = {r["patch_id"]: r for r in rows}
    for patch in source.patches:
        row = by_id[patch.record.patch_id]
        assert patch.record.labels == tuple(row["labels"])
        assert len(patch.imagery.bands) == 12 and patch.reference_map is not None
        paired = "_".join(patch.record.patch_id.split("_")[-2:]) in PAIRED
        assert (patch.s1 is not None) == paired
    assert acquired_of("S2A_MSIL2A_20180510T94033_N9999_R036_T35WPN_19_86") == "2018-05-10"
    assert acquired_of("S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_87_48") == (
        "2017-06-13T10:10:31"
    )


def test_registry_sniffs_the_root_and_items_carry_the_archive_metadata(
    v2_root: tuple[Path, list[dict[str, Any]]],
) -> None:
    from eotext.sources.item import Tiling
    from eotext.sources.registry import FORMATS, get_format

    root, rows = v2_root
    fmt = get_format("auto", str(root))
    assert fmt is FORMATS["bigearthnet-v2"] and fmt.pairs_s1
    assert list(FORMATS).index("bigearthnet-v2") < list(FORMATS).index("bands")
    by_id = {r["patch_id"]: r for r in rows}
    for item in fmt.read(str(root), None):
        row = by_id[item.name or ""]
        assert item.tiling is Tiling.WHOLE and item.labels_scheme == "bigearthnet-19"
        assert item.country == row["country"] and item.label_codes == "corine"
        assert item.split == {"validation": "val"}.get(row["split"], row["split"])
    with pytest.raises(RecipeError, match="pairs its patches with Sentinel-1 itself"):
        resolve_scenes(SourceSpec(image=str(root), s1=str(root / "BigEarthNet-S1")))


def test_drop_flags_are_checked_and_new_settings_keep_fingerprints(tmp_path: Path) -> None:
    from eotext.config.recipe import recipe_from_dict

    doc: dict[str, Any] = {"sources": [{"image": str(tmp_path)}]}
    plain = recipe_from_dict(doc)
    defaults = recipe_from_dict(
        {**doc, "filters": {"drop_flags": []}, "splits": {"keep_source": True}}
    )
    assert defaults.fingerprint() == plain.fingerprint()
    dropping = recipe_from_dict({**doc, "filters": {"drop_flags": ["seasonal_snow"]}})
    assert dropping.fingerprint() != plain.fingerprint()
    assert dropping.filters.drop_flags == ("seasonal_snow",)
    with pytest.raises(RecipeError, match="unknown flag\\(s\\) snow; known: seasonal_snow"):
        recipe_from_dict({**doc, "filters": {"drop_flags": ["snow"]}})
    with pytest.raises(RecipeError, match=r"splits\.keep_source"):
        recipe_from_dict({**doc, "splits": {"keep_source": "no"}})


def test_metadata_without_the_v2_columns_is_refused(tmp_path: Path) -> None:
    (tmp_path / "BigEarthNet-S2" / "P" / "P_1_1").mkdir(parents=True)
    pq.write_table(pa.table({"patch_id": ["P_1_1"], "labels": [["Arable land"]]}), tmp_path / "m")
    (tmp_path / "m").rename(tmp_path / "metadata.parquet")
    with pytest.raises(SourceError, match="column\\(s\\) split, country, s1_name"):
        read_bigearthnet_v2(tmp_path)


def test_build_keeps_every_patch_with_its_labels_s1_and_texts(
    v2_root: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """The issue's acceptance command, on the fixture root."""
    root, rows = v2_root
    out = tmp_path / "out"
    args = ["--image", str(root), "--scheme", "bigearthnet-19", "--annotate", "caption,vqa"]
    _build([*args, "-o", str(out)])
    patches = _patches(out)
    assert set(patches) == {r["patch_id"] for r in rows}  # every patch kept
    texts = pq.read_table(out / "texts.parquet").to_pylist()
    for row in rows:
        p = patches[row["patch_id"]]
        assert p["multilabels"] == row["labels"] and p["multilabels_19"] == sorted(
            row["labels"], key=lambda n: BIGEARTHNET_19.by_name(n).code
        )
        expected_split = {"validation": "val"}.get(row["split"], row["split"])
        assert p["source_split"] == expected_split
        assert p["split"] == expected_split or (expected_split == "test" and p["split"] == "bench")
        assert p["source_country"] == row["country"] and p["country"] == row["country"]
        paired = "_".join(row["patch_id"].split("_")[-2:]) in PAIRED
        with rasterio.open(out / p["image_path"]) as src:
            assert src.count == (14 if paired else 12) and src.shape == (120, 120)
            assert list(src.descriptions[-2:]) == (["VV", "VH"] if paired else ["B11", "B12"])
            stacked = src.read()
        if paired:  # the stacked SAR bands are the partner's own pixels
            s1 = row["s1_name"]
            s1_dir = root / "BigEarthNet-S1" / s1.rsplit("_", 3)[0] / s1
            for i, pol in ((12, "VV"), (13, "VH")):
                with rasterio.open(s1_dir / f"{s1}_{pol}.tif") as s1_src:
                    np.testing.assert_array_equal(stacked[i], s1_src.read(1))
        kinds = {(t["type"], t["style"]) for t in texts if t["patch_id"] == p["patch_id"]}
        assert ("caption", "detailed") in kinds and ("vqa", "binary") in kinds
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["counts"]["dropped"] == {}


def test_reference_maps_are_the_label_maps_in_19_classes(
    v2_root: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    root, _ = v2_root
    out = tmp_path / "out"
    _build(["--image", str(root), "--annotate", "caption,vqa,referring", "-o", str(out)])
    for pid, p in _patches(out).items():
        product = pid.rsplit("_", 2)[0]
        ref = root / "Reference_Maps" / product / pid / f"{pid}_reference_map.tif"
        with rasterio.open(ref) as src:
            clc = src.read(1)
        with rasterio.open(out / p["label_path"]) as src:
            written = src.read(1)
        expected = np.vectorize(CLC_TO_BEN19.get)(clc)
        np.testing.assert_array_equal(written, expected)
        codes = np.unique(written)
        names = {BIGEARTHNET_19.by_code(int(c)).name for c in codes if c}
        assert names == set(p["multilabels"])  # the maps hold exactly the labels
        assert sum(as_dict(p["class_fractions"]).values()) == pytest.approx(1.0)
    texts = pq.read_table(out / "texts.parquet").to_pylist()
    assert any(t["type"] == "referring" for t in texts)


def test_without_reference_maps_captions_name_the_labels(tmp_path: Path) -> None:
    root = tmp_path / "ROOT"
    rows = make_v2_root(root, need(BEN_S2).parent, with_maps=False, with_s1=False)
    out = tmp_path / "out"
    _build(["--image", str(root), "--annotate", "caption,vqa", "-o", str(out)])
    texts = pq.read_table(out / "texts.parquet").to_pylist()
    by_patch = {t["patch_id"]: t["text"] for t in texts if t["type"] == "caption"}
    patches = _patches(out)
    assert len(patches) == len(rows)
    for row in rows:
        caption = by_patch[patches[row["patch_id"]]["patch_id"]].lower()
        for name in row["labels"]:
            assert BIGEARTHNET_19.by_name(name).short_name in caption
    result = CliRunner().invoke(
        cli, ["build", "--image", str(root), "--scheme", "bigearthnet-43", "-o", str(out / "x")]
    )
    assert result.exit_code == 1 and "set scheme to one of: bigearthnet-19" in result.output


def test_snow_and_cloud_flags_are_counted_drops_when_asked(tmp_path: Path) -> None:
    root = tmp_path / "ROOT"
    flags = {"S2A_MSIL2A_20180510T94033_19_86": (True, False)}  # set on purpose for the test
    flags["S2B_MSIL2A_20180204T94161_57_38"] = (True, True)
    rows = make_v2_root(root, need(BEN_S2).parent, with_maps=False, flags=flags)
    assert (root / "metadata_for_patches_with_snow_cloud_or_shadow.parquet").is_file()
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        f'[[sources]]\nimage = "{root}"\nimage_format = "bigearthnet-v2"\n'
        '[filters]\ndrop_flags = ["seasonal_snow", "cloud_or_shadow"]\n'
    )
    out = tmp_path / "out"
    _build([str(recipe), "-o", str(out)])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["dropped"] == {"cloud_or_shadow": 1, "seasonal_snow": 1}
    assert manifest["counts"]["patches"] == len(rows) - 2
    _build(["--image", str(root), "-o", str(tmp_path / "all")])  # off by default
    assert len(_patches(tmp_path / "all")) == len(rows)


def test_spatial_split_on_request(
    v2_root: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    root, _ = v2_root
    recipe = tmp_path / "r.toml"
    recipe.write_text(f'[[sources]]\nimage = "{root}"\n[splits]\nkeep_source = false\n')
    out = tmp_path / "out"
    _build([str(recipe), "--annotate", "caption", "-o", str(out)])
    rows = list(_patches(out).values())
    # Without the source's splits, the splits are eotext's spatial ones for the same rows.
    spatial = assign_splits([{**r, "source_split": None} for r in rows], SplitSpec(), 0)
    assert [r["split"] for r in rows] == spatial


def test_folders_missing_from_metadata_are_left_out_and_rows_without_folders_ignored(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ROOT"
    rows = make_v2_root(root, need(BEN_S2).parent, with_maps=False, with_s1=False)
    kept, extra = rows[:-1], rows[-1]
    ghost = dict(kept[0], patch_id="S2A_MSIL2A_20990101T000000_N9999_R001_T99XXX_1_1")
    write_metadata(root / "metadata.parquet", [*kept, ghost])  # one folder unlisted, one row ghost
    scenes = resolve_scenes(SourceSpec(image=str(root)))
    assert {s.scene_id for s in scenes} == {r["patch_id"] for r in kept}
    assert extra["patch_id"] not in {s.scene_id for s in scenes}


def test_a_patch_missing_a_band_is_named(tmp_path: Path) -> None:
    root = tmp_path / "ROOT"
    rows = make_v2_root(root, need(BEN_S2).parent, with_maps=False, with_s1=False)
    pid = rows[0]["patch_id"]
    (root / "BigEarthNet-S2" / pid.rsplit("_", 2)[0] / pid / f"{pid}_B8A.tif").unlink()
    with pytest.raises(SourceError, match=f"{pid}_B8A.tif"):
        resolve_scenes(SourceSpec(image=str(root)))


def test_v1_folders_with_the_19_class_scheme(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(["--image", str(need(BEN_S2)), "--scheme", "bigearthnet-19", "-o", str(out)])
    patches = _patches(out)
    assert len(patches) == 14
    for p in patches.values():
        assert p["scheme"] == "bigearthnet-19" and p["multilabels_19"]


def test_reference_maps_in_43_classes_keep_the_19_class_labels_by_name(
    v2_root: tuple[Path, list[dict[str, Any]]],
) -> None:
    root, rows = v2_root
    scenes = resolve_scenes(SourceSpec(image=str(root), scheme="bigearthnet-43"))
    assert len(scenes) == len(rows)
    by_id = {r["patch_id"]: r for r in rows}
    for scene in scenes:
        assert scene.skip_reason is None and scene.scheme is not None
        assert scene.scheme.name == "bigearthnet-43" and (335, 0) in scene.label_remap
        assert scene.scene_labels is not None
        assert scene.scene_labels.names == tuple(by_id[scene.scene_id]["labels"])
        assert scene.scene_labels.codes == ()  # the map, not the names, describes the patch


def test_unsupported_scheme_for_v2_is_a_recipe_error(
    v2_root: tuple[Path, list[dict[str, Any]]],
) -> None:
    root, _ = v2_root
    with pytest.raises(RecipeError, match="cannot be read in scheme 'worldcover'"):
        resolve_scenes(SourceSpec(image=str(root), scheme="worldcover"))


@pytest.mark.parametrize(("band", "tolerance"), [("B05", 0), ("B01", 1)])
def test_coarse_band_read_whole_matches_the_warper(band: str, tolerance: int) -> None:
    """A 20 m / 60 m band under its 10 m grid is read in one resampled read, as the warper
    would read it: identical at 20 m, at most 1 DN apart (rounding) at 60 m."""
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    from eotext.sources.raster import AlignedReader, grid_of

    folder = need(BEN_S2) / "S2A_MSIL2A_20170613T101031_87_48"
    with rasterio.open(folder / f"{folder.name}_B02.tif") as src:
        grid = grid_of(src, folder)
    path = folder / f"{folder.name}_{band}.tif"
    with AlignedReader(path, grid, Resampling.bilinear) as reader:
        whole = reader.read(grid.full_window())[0].astype(np.int64)
    with rasterio.open(path) as src, WarpedVRT(
        src, crs=grid.crs, transform=grid.transform, width=grid.width, height=grid.height,
        resampling=Resampling.bilinear, nodata=0,
    ) as vrt:  # fmt: skip
        warped = vrt.read(1).astype(np.int64)
    assert whole.shape == (120, 120)
    assert np.abs(whole - warped).max() <= tolerance


@pytest.mark.parametrize("with_maps", [True, False])
def test_anchored_texts_name_place_time_and_plausible_negatives(
    tmp_path: Path, with_maps: bool
) -> None:
    from eotext.text.bigearthnet import plausible_codes
    from eotext.text.templates import BANNED_WORDS

    root = tmp_path / "ROOT"
    rows = make_v2_root(root, need(BEN_S2).parent, with_maps=with_maps, with_s1=False)
    out = tmp_path / "out"
    _build(["--image", str(root), "--annotate", "anchored", "-o", str(out)])
    patches = _patches(out)
    texts = pq.read_table(out / "texts.parquet").to_pylist()
    assert len(patches) == len(rows)
    for p in patches.values():
        mine = [t for t in texts if t["patch_id"] == p["patch_id"]]
        captions = {t["style"]: t["text"] for t in mine if t["type"] == "caption"}
        assert {"anchored", "anchored_brief"} <= set(captions)
        assert ("anchored_relations" in captions) == with_maps or len(p["multilabels"]) == 1
        for text in captions.values():
            assert p["source_country"] in text and p["acquired"][:4] in text
            assert not set(text.lower().replace(",", " ").replace(".", " ").split()) & set(
                BANNED_WORDS
            )
        present = {BIGEARTHNET_19.by_name(n).code for n in p["multilabels"]}
        pool = set(plausible_codes(BIGEARTHNET_19, p["climate_zone"]))
        for t in mine:
            if t["type"] != "vqa":
                continue
            code = json.loads(t["meta"])["code"]
            if t["style"] == "binary" and t["answer"] == "no":
                assert code not in present and (code in pool or len(pool - present) < 3)
            if t["style"] == "binary" and t["answer"] == "yes":
                assert code in present
            if t["style"] == "mcq":
                right = t["answer"][3:]
                assert BIGEARTHNET_19.by_name(right).code in present
                wrong = [c[3:] for c in t["choices"] if c != t["answer"]]
                assert not {BIGEARTHNET_19.by_name(w).code for w in wrong} & present


@pytest.mark.parametrize("dtype", ["uint16", "int32", "uint8"])
def test_reference_maps_of_any_integer_type_are_remapped(dtype: str) -> None:
    from eotext.scene.scene import _apply_remap, _remap_table

    pairs = tuple(sorted(CLC_TO_BEN19.items()))
    clc = np.array([[211, 312], [122, 523]]) if dtype != "uint8" else np.array([[5, 7]])
    for other in (None, 0):
        table = _remap_table(pairs, other)
        assert table is not None
        out = _apply_remap(table, clc.astype(dtype))
        expected = np.array(
            [[CLC_TO_BEN19.get(int(c), int(c) if other is None else other) for c in r] for r in clc]
        )
        np.testing.assert_array_equal(out, expected)
        assert out.dtype.kind in "iu"


def test_codes_outside_the_clc_legend_are_unlabelled_not_fatal(tmp_path: Path) -> None:
    root = tmp_path / "ROOT"
    rows = make_v2_root(root, need(BEN_S2).parent, with_s1=False)
    pid = rows[0]["patch_id"]
    ref = root / "Reference_Maps" / pid.rsplit("_", 2)[0] / pid / f"{pid}_reference_map.tif"
    with rasterio.open(ref, "r+") as dst:
        clc = dst.read(1)
        clc[:10, :10] = 65535  # not a CLC code
        dst.write(clc, 1)
    out = tmp_path / "out"
    _build(["--image", str(root), "-o", str(out)])
    p = _patches(out)[pid]
    with rasterio.open(out / p["label_path"]) as src:
        assert (src.read(1)[:10, :10] == 0).all()
    assert len(_patches(out)) == len(rows)
