"""OSM captions end to end on the real Helsinki extract, checked against the file itself.

The check reads the PBF again with pyosmium directly (:mod:`tests.osm_truth`), not through
eotext: every object a caption names must carry the tags its metadata records, must intersect
the patch's footprint, and must be named by a word of its own tags.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
import shapely
from affine import Affine
from click.testing import CliRunner
from pyproj import Transformer

from eotext.cli.main import cli
from eotext.config.recipe import (
    AnnotateSpec,
    GridSpec,
    OsmSpec,
    OutputSpec,
    Recipe,
    SourceSpec,
    load_recipe,
)
from eotext.errors import AlignmentError, RecipeError, SourceError
from eotext.run.build import build_dataset
from tests.conftest import HELSINKI_PBF, KYMENLAAKSO_PBF, WORLDCOVER_1024, need, write_tif
from tests.osm_truth import Truth, read_truth

#: Keys whose values name objects in captions; the words of a caption come from these.
NAMING_KEYS = (
    "building", "landuse", "natural", "leisure", "amenity", "highway", "waterway", "railway",
    "aeroway", "man_made", "power", "barrier", "water", "wetland", "service", "parking",
)  # fmt: skip


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Helsinki extract built from the command line: a 1 m grid, OSM captions only."""
    pbf = need(HELSINKI_PBF)
    out = tmp_path_factory.mktemp("osm") / "helsinki"
    args = ["-q", "build", "--osm", str(pbf), "--gsd", "1", "--workers", "1", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert re.search(r": \d+ patches, \d+ texts", result.output)
    return out


@pytest.fixture(scope="module")
def truth() -> Truth:
    return read_truth(need(HELSINKI_PBF))


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _naming_words(tags: dict[str, str]) -> set[str]:
    words = set()
    for key in NAMING_KEYS:
        if key in tags:
            words.add(_stem(key))
            for item in re.split(r"[;_\s-]+", tags[key].lower()):
                if item:
                    words.add(_stem(item))
    return words


def test_helsinki_captions_name_real_visible_objects(helsinki: Path, truth: Truth) -> None:
    patches = {r["patch_id"]: r for r in pq.read_table(helsinki / "patches.parquet").to_pylist()}
    texts = pq.read_table(helsinki / "texts.parquet").to_pylist()
    assert len(patches) > 20 and len(texts) > 40
    named_total = 0
    for t in texts:
        assert (t["type"], t["generator"]) == ("osm_caption", "osm")
        assert t["style"] in ("title", "title_multi_objects")
        meta = json.loads(t["meta"])
        patch = patches[t["patch_id"]]
        footprint = shapely.from_wkb(patch["geometry"])
        recorded = {(meta["element"], meta["id"]): meta["center_tags"]}
        for s, s_tags in zip(meta["surrounding"], meta["surrounding_tags"], strict=True):
            recorded[(s["element"], s["id"])] = s_tags
        caption = t["text"].replace(" ", "").replace("-", "")
        for ref in meta["named"]:
            key = (ref["element"], ref["id"])
            osm_tags = truth.tags[key]
            # The tags the metadata records are the object's tags in the OSM file ...
            assert recorded[key].items() <= osm_tags.items(), (key, recorded[key], osm_tags)
            # ... the object lies (at least partly) in the patch ...
            assert truth.geometry[key].intersects(footprint.buffer(1e-7)), (t["text_id"], key)
            # ... and the caption names it with a word of its own tags.
            words = _naming_words(osm_tags)
            assert any(w in caption for w in words), (t["text"], key, osm_tags)
            named_total += 1
    assert named_total > len(texts)  # multi-object captions name several objects


def test_focus_shares_agree_with_the_file(helsinki: Path, truth: Truth) -> None:
    """The share of a focus area inside its patch, recomputed from the file, in metres."""
    patches = {r["patch_id"]: r for r in pq.read_table(helsinki / "patches.parquet").to_pylist()}
    checked = 0
    for t in pq.read_table(helsinki / "texts.parquet").to_pylist():
        meta = json.loads(t["meta"])
        if t["style"] != "title" or meta["focus"]["kind"] != "area":
            continue
        patch = patches[t["patch_id"]]
        to_utm = Transformer.from_crs("EPSG:4326", patch["crs"], always_xy=True)

        def project(xy: np.ndarray[Any, Any], t: Transformer = to_utm) -> np.ndarray[Any, Any]:
            return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

        geom = shapely.transform(truth.geometry[(meta["element"], meta["id"])], project)
        foot = shapely.transform(shapely.from_wkb(patch["geometry"]), project)
        share = geom.intersection(foot).area / geom.area
        assert share == pytest.approx(meta["focus"]["share"], abs=0.02), t["text_id"]
        assert share >= 0.5 or meta["focus"]["cover"] >= 0.3  # why it is the focus
        checked += 1
    assert checked >= 10


def test_helsinki_folder_carries_odbl_metadata_and_previews(helsinki: Path) -> None:
    manifest = json.loads((helsinki / "manifest.json").read_text())
    source = manifest["sources"][0]
    assert source["sensor"] == "none" and source["osm"]["file"].endswith("Helsinki.osm.pbf")
    assert any(lic["licence"] == "ODbL-1.0" for lic in source["licences"])
    assert any("OpenStreetMap contributors" in a for a in manifest["attribution"])
    read = source["osm"]["read"]
    assert read["objects"]["a"] > 50 and read["skipped"]["multipolygon_not_assembled"] > 0
    assert sum(source["osm"]["visible"].values()) > 1000
    card = (helsinki / "DATACARD.md").read_text()
    assert "ODbL-1.0" in card and "© OpenStreetMap contributors" in card
    rows = pq.read_table(helsinki / "patches.parquet").to_pylist()
    assert all(r["image_path"] is None and r["gsd_m"] == 1.0 for r in rows)
    with rasterio.open(helsinki / rows[0]["preview_path"]) as png:
        assert png.count == 3 and png.width == 256
    # SkyScript's metadata: element and id, box, time, center and surrounding tags.
    meta = json.loads(pq.read_table(helsinki / "texts.parquet").to_pylist()[0]["meta"])
    assert {"element", "id", "box", "time", "center_tags", "surrounding_tags"} <= set(meta)
    west, south, east, north = meta["box"]
    assert 24.93 < west < east < 24.96 and 60.16 < south < north < 60.18
    info = CliRunner().invoke(cli, ["info", str(helsinki)])
    assert "ODbL-1.0" in info.output and "attribution:" in info.output


def test_hub_cards_name_osm_data_odbl(helsinki: Path, tmp_path: Path) -> None:
    """The data card and the Hugging Face export give OSM's ODbL-1.0 the Hub's id, ``odbl``
    (the export once had its own table without it and wrote ``other``)."""
    card = (helsinki / "DATACARD.md").read_text()
    assert re.search(r'^license: .*"odbl"', card, re.MULTILINE), card[:400]
    # A folder without its card (built by an older eotext): the export writes its own header.
    folder = tmp_path / "helsinki"
    shutil.copytree(helsinki, folder)
    (folder / "DATACARD.md").unlink()
    for name, source in (("with_card", helsinki), ("without_card", folder)):
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["export", "hf", str(source), "-o", str(out)])
        assert result.exit_code == 0, result.output
        front = (out / "README.md").read_text().split("---", 2)[1]
        assert re.search(r'^license: .*"odbl"', front, re.MULTILINE), (name, front[:300])
        assert not re.search(r'^license: .*"other"', front, re.MULTILINE), name


def test_openclip_export_of_helsinki(helsinki: Path, tmp_path: Path) -> None:
    out = tmp_path / "clip.csv"
    result = CliRunner().invoke(cli, ["export", "openclip", str(helsinki), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))  # open_clip's default separator
    titles = [
        t for t in pq.read_table(helsinki / "texts.parquet").to_pylist() if t["style"] == "title"
    ]
    assert len(rows) == len(titles) and set(rows[0]) == {"filepath", "title"}
    for row in rows:
        assert Path(row["filepath"]).is_absolute() and Path(row["filepath"]).is_file()
        assert row["title"].startswith(("a ", "an "))


def test_rebuild_gives_identical_osm_texts(tmp_path: Path) -> None:
    pbf = need(KYMENLAAKSO_PBF)
    recipe = Recipe(
        sources=(SourceSpec(osm=str(pbf)),),
        grid=GridSpec(gsd_m=2.0),
        annotate=AnnotateSpec(kinds=("osm",)),
        output=OutputSpec(workers=1, write_previews=False),
        seed=3,
    )
    build_dataset(recipe, tmp_path / "a")
    build_dataset(recipe, tmp_path / "b")
    a = pq.read_table(tmp_path / "a" / "texts.parquet")
    assert a.equals(pq.read_table(tmp_path / "b" / "texts.parquet")) and a.num_rows > 10


def _helsinki_image(tmp_path: Path) -> Path:
    """A 3-band GeoTIFF at 1 m over central Helsinki (pixels made up; only the grid matters)."""
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32635", always_xy=True)
    x, y = to_utm.transform(24.940, 60.173)
    rng = np.random.default_rng(0)
    pixels = rng.integers(1, 3000, size=(3, 512, 512), dtype=np.uint16)
    return write_tif(
        tmp_path / "helsinki_rgb.tif",
        pixels,
        crs="EPSG:32635",
        transform=Affine(1, 0, round(x), 0, -1, round(y)),
        nodata=0,
        descriptions=["B04", "B03", "B02"],
    )


def test_recipe_with_imagery_and_annotate_osm(tmp_path: Path) -> None:
    pbf = need(HELSINKI_PBF)
    image = _helsinki_image(tmp_path)
    recipe_file = tmp_path / "r.toml"
    recipe_file.write_text(
        f"""
[[sources]]
image = "{image.name}"
[annotate]
kinds = ["osm"]
[annotate.osm]
file = "{pbf}"
styles = ["title"]
[annotate.osm.rules]
min_area_px = 100
[output]
workers = 1
"""
    )
    out = tmp_path / "img"
    result = build_dataset(load_recipe(recipe_file), out)
    assert result.patches == 4 and result.texts == 4
    rows = pq.read_table(out / "patches.parquet").to_pylist()
    assert all(r["image_path"] and r["preview_path"] for r in rows)
    texts = pq.read_table(out / "texts.parquet").to_pylist()
    assert {t["style"] for t in texts} == {"title"}
    manifest = json.loads((out / "manifest.json").read_text())
    lic = {x["what"]: x["licence"] for x in manifest["sources"][0]["licences"]}
    assert lic["OpenStreetMap data"] == "ODbL-1.0" and "imagery" in lic


def test_cli_osm_with_image(tmp_path: Path) -> None:
    pbf = need(HELSINKI_PBF)
    image = _helsinki_image(tmp_path)
    out = tmp_path / "o"
    args = ["-q", "build", "--image", str(image), "--osm", str(pbf), "--workers", "1",
            "-o", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    texts = pq.read_table(out / "texts.parquet").to_pylist()
    assert texts and all(t["type"] == "osm_caption" for t in texts)  # no labels: no templates


def test_extract_not_overlapping_the_scene(tmp_path: Path) -> None:
    pbf = need(HELSINKI_PBF)
    labels = need(WORLDCOVER_1024)
    args = ["build", "--labels", str(labels), "--scheme", "worldcover", "--osm", str(pbf),
            "-o", str(tmp_path / "o")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "does not overlap scene" in result.output and "osmium extract -b" in result.output
    assert not (tmp_path / "o").exists()
    with pytest.raises(AlignmentError):
        build_dataset(
            Recipe(
                sources=(SourceSpec(labels=str(labels), scheme="worldcover", osm=str(pbf)),),
                annotate=AnnotateSpec(kinds=("caption", "osm")),
            ),
            tmp_path / "p",
        )


def test_corrupt_and_truncated_pbf_stop_before_writing(tmp_path: Path) -> None:
    data = need(HELSINKI_PBF).read_bytes()
    for name, blob in (("cut.osm.pbf", data[: len(data) // 2]), ("junk.osm.pbf", b"\x00" * 999)):
        bad = tmp_path / name
        bad.write_bytes(blob)
        recipe = Recipe(
            sources=(SourceSpec(osm=str(bad)),),
            grid=GridSpec(gsd_m=1.0),
            annotate=AnnotateSpec(kinds=("osm",)),
        )
        with pytest.raises(SourceError, match=re.escape(name) + ".*truncated or corrupt"):
            build_dataset(recipe, tmp_path / name.split(".")[0])
        assert not (tmp_path / name.split(".")[0]).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sources": (SourceSpec(osm="x.osm.pbf"),), "grid": GridSpec(gsd_m=1.0)}, 'add "osm"'),
        (
            {"sources": (SourceSpec(osm="x.osm.pbf"),), "annotate": AnnotateSpec(kinds=("osm",))},
            "gsd_m",
        ),
        (
            {
                "sources": (SourceSpec(labels="x.tif", scheme="worldcover"),),
                "annotate": AnnotateSpec(kinds=("osm",)),
            },
            "needs OpenStreetMap data",
        ),
    ],
)
def test_recipe_errors_say_how_to_fix(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(RecipeError, match=message):
        Recipe(**kwargs)


def test_bad_rule_overrides_are_recipe_errors() -> None:
    with pytest.raises(RecipeError, match=r"unknown setting.*min_aera_px"):
        OsmSpec(rules={"min_aera_px": 3})
    with pytest.raises(RecipeError, match="keys must be a list"):
        OsmSpec(rules={"keys": "building"})
    with pytest.raises(RecipeError, match="styles"):
        OsmSpec(styles=("headline",))


def test_rule_overrides_change_the_captions(tmp_path: Path) -> None:
    pbf = need(HELSINKI_PBF)
    recipe = Recipe(
        sources=(SourceSpec(osm=str(pbf)),),
        grid=GridSpec(gsd_m=1.0),
        annotate=AnnotateSpec(
            kinds=("osm",), osm=OsmSpec(styles=("title",), rules={"keys": ["building"]})
        ),
        output=OutputSpec(workers=1, write_previews=False),
    )
    result = build_dataset(recipe, tmp_path / "b")
    texts = pq.read_table(tmp_path / "b" / "texts.parquet").to_pylist()
    assert texts and result.dropped.get("no_visible_osm_objects", 0) > 0
    for t in texts:
        assert set(json.loads(t["meta"])["center_tags"]) >= {"building"}


def test_core_imports_without_pyosmium() -> None:
    """Building, recipes and the CLI import without pyosmium; only the OSM reader needs it."""
    code = (
        "import sys; sys.modules['osmium'] = None\n"
        "import eotext.run.build, eotext.cli.main, eotext.run.annotators\n"
        "import eotext.semantics.osm.join, eotext.text.osm\n"
        "from eotext.config.recipe import Recipe, SourceSpec\n"
        "Recipe(sources=(SourceSpec(labels='x.tif', scheme='worldcover'),))\n"
        "assert sys.modules['osmium'] is None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_example_recipe_loads() -> None:
    recipe = load_recipe(Path(__file__).resolve().parents[1] / "recipes" / "osm_helsinki.toml")
    assert recipe.sources[0].osm and recipe.sources[0].osm.endswith("Helsinki.osm.pbf")
    assert recipe.annotate.kinds == ("osm",) and recipe.grid.gsd_m == 0.5
    assert recipe.annotate.osm.resolved_rules().min_area_px == 64


def test_osm_flag_adds_captions_to_a_recipe(tmp_path: Path) -> None:
    from eotext.config.flags import recipe_from_flags

    recipe_file = tmp_path / "r.toml"
    recipe_file.write_text('[[sources]]\nlabels = "x.tif"\nscheme = "worldcover"\n')
    recipe = recipe_from_flags(recipe_file, osm=Path("extract.osm.pbf"))
    assert recipe.annotate.kinds == ("caption", "osm")
    assert recipe.annotate.osm.file == str(Path.cwd() / "extract.osm.pbf")
    only = recipe_from_flags(recipe_file, osm=Path("e.osm.pbf"), annotate="osm")
    assert only.annotate.kinds == ("osm",)
    with pytest.raises(RecipeError, match="--osm"):
        recipe_from_flags(None)
