"""STAC input against real servers: ``rustac serve`` (a STAC API, in-memory backend) over the real
Earth Search item of tile 29RKH, whose COGs a byte-range HTTP server serves from the sample data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import rasterio
from click.testing import CliRunner

from eotext.cli.main import cli
from eotext.config.recipe import load_recipe
from eotext.errors import RecipeError, SourceError
from eotext.sources.stac_search import StacQuery, find_items, parse_bbox, parse_interval
from tests.conftest import COG_FOLDER, need
from tests.stac_servers import RangeServer, StacApi, item_served_from

ITEM_ID = "S2A_29RKH_20200219_0_L2A"
COLLECTION = "sentinel-2-l2a"
INSIDE = (-11.5, 24.5, -11.4, 24.6)  # the tile covers lon -11.98..-10.87, lat 24.30..25.30


@pytest.fixture(scope="module")
def cogs() -> Iterator[RangeServer]:
    with RangeServer(need(COG_FOLDER)) as server:
        yield server


@pytest.fixture(scope="module")
def item_json(cogs: RangeServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("stac") / "item.json"
    return item_served_from(COG_FOLDER / f"{ITEM_ID}.json", cogs.url, out, COLLECTION)


@pytest.fixture(scope="module")
def api(item_json: Path) -> Iterator[StacApi]:
    with StacApi([item_json]) as server:
        yield server


def _ids(query: StacQuery) -> list[str]:
    return [item.id for item in find_items(query)]


def test_range_server_serves_byte_ranges(cogs: RangeServer) -> None:
    import urllib.request

    req = urllib.request.Request(cogs.url + "/B04.tif", headers={"Range": "bytes=0-3"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 206 and r.read() == b"II*\x00"


def test_api_search_applies_every_filter(api: StacApi, cogs: RangeServer) -> None:
    assert _ids(StacQuery(api.url, COLLECTION)) == [ITEM_ID]
    assert _ids(StacQuery(api.url, COLLECTION, bbox=INSIDE)) == [ITEM_ID]
    assert _ids(StacQuery(api.url, COLLECTION, bbox=(10.0, 40.0, 11.0, 41.0))) == []
    assert _ids(StacQuery(api.url, COLLECTION, datetime="2020-02-01/2020-02-29")) == [ITEM_ID]
    assert _ids(StacQuery(api.url, COLLECTION, datetime="2020-02-19")) == [ITEM_ID]
    assert _ids(StacQuery(api.url, COLLECTION, datetime="../2020-02-18")) == []
    # The item's eo:cloud_cover is 4.05 %.
    assert _ids(StacQuery(api.url, COLLECTION, max_cloud_cover=5)) == [ITEM_ID]
    assert _ids(StacQuery(api.url, COLLECTION, max_cloud_cover=4)) == []
    assert _ids(StacQuery(api.url, COLLECTION, max_items=1)) == [ITEM_ID]
    assert _ids(StacQuery(api.url, "landsat-c2-l2")) == []
    item = next(find_items(StacQuery(api.url, COLLECTION)))
    assert item.assets["red"].href == f"{cogs.url}/B04.tif"
    with pytest.raises(RecipeError, match="--stac-collection"):
        _ids(StacQuery(api.url))


def test_item_itemcollection_and_static_catalog(item_json: Path, tmp_path: Path) -> None:
    import pystac

    assert _ids(StacQuery(str(item_json))) == [ITEM_ID]
    assert _ids(StacQuery(str(item_json), max_cloud_cover=1)) == []
    doc = json.loads(item_json.read_text())
    collection = tmp_path / "items.json"
    collection.write_text(json.dumps({"type": "FeatureCollection", "features": [doc]}))
    assert _ids(StacQuery(str(collection), bbox=INSIDE)) == [ITEM_ID]
    catalog = pystac.Catalog("cat", "one real item")
    catalog.add_item(pystac.Item.from_file(str(item_json)))
    catalog.normalize_hrefs(str(tmp_path / "catalog"))
    catalog.save(pystac.CatalogType.SELF_CONTAINED)
    assert _ids(StacQuery(str(tmp_path / "catalog" / "catalog.json"))) == [ITEM_ID]
    assert (
        _ids(StacQuery(str(tmp_path / "catalog" / "catalog.json"), datetime="2021-01-01/..")) == []
    )


def test_bad_queries_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="W,S,E,N"):
        parse_bbox("1,2,3")
    with pytest.raises(RecipeError, match="south below north"):
        StacQuery("x", bbox=(0, 10, 1, 5))
    with pytest.raises(RecipeError, match="ISO 8601"):
        parse_interval("2020-13-45/..")
    with pytest.raises(RecipeError, match="percentage"):
        StacQuery("x", max_cloud_cover=150)
    with pytest.raises(SourceError, match="no such file"):
        _ids(StacQuery(str(tmp_path / "missing.json")))
    (tmp_path / "x.json").write_text('{"type": "Other"}')
    with pytest.raises(SourceError, match="not a STAC item"):
        _ids(StacQuery(str(tmp_path / "x.json")))
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--bbox", "0,0,1,1", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "give --stac URL as well" in result.output


def test_cli_no_matching_item_is_one_line_error(api: StacApi, tmp_path: Path) -> None:
    args = ["-q", "build", "--stac", api.url, "--stac-collection", COLLECTION]
    args += ["--bbox", "10,40,11,41", "--labels", "scl", "-o", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output.startswith(f"eotext: error: {api.url}: no STAC item matches")


def test_recipe_stac_table(tmp_path: Path) -> None:
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        '[[sources]]\nlabels = "scl"\n'
        'stac = { url = "http://127.0.0.1:1/", collection = "sentinel-2-l2a", '
        'bbox = [-12, 24, -11, 25], datetime = "2020-02-01/2020-02-29", max_items = 3, '
        "max_cloud_cover = 10 }\n"
    )
    source = load_recipe(recipe).sources[0]
    assert source.stac == StacQuery(
        "http://127.0.0.1:1/", COLLECTION, (-12.0, 24.0, -11.0, 25.0), "2020-02-01/2020-02-29",
        3, 10.0,
    )  # fmt: skip
    recipe.write_text('[[sources]]\nlabels = "scl"\nstac = { url = "x", cloud = 3 }\n')
    with pytest.raises(RecipeError, match=r"unknown key sources\[0\]\.stac\.cloud; known keys"):
        load_recipe(recipe)
    recipe.write_text('[[sources]]\nlabels = "scl"\nstac = { url = "x", max_items = 1.5 }\n')
    with pytest.raises(RecipeError, match=r"sources\[0\]\.stac\.max_items must be a whole"):
        load_recipe(recipe)
    recipe.write_text('[[sources]]\nlabels = "scl"\nstac = { url = "x", bbox = [0, 10, 1, 5] }\n')
    with pytest.raises(RecipeError, match=r"sources\[0\]\.stac: bbox .*south below north"):
        load_recipe(recipe)
    recipe.write_text('[[sources]]\nlabels = "scl"\nimage = "a.tif"\nstac = { url = "x" }\n')
    with pytest.raises(RecipeError, match="`image` or `stac`, not both"):
        load_recipe(recipe)


def test_cog_over_http_gives_the_same_patches(cogs: RangeServer, tmp_path: Path) -> None:
    """A label map read over HTTP range requests yields the same dataset as the local file."""
    tables = {}
    for name, path in (("local", str(COG_FOLDER / "SCL.tif")), ("http", f"{cogs.url}/SCL.tif")):
        out = tmp_path / name
        args = ["-q", "build", "--labels", path, "--scheme", "scl", "--patch-size", "128"]
        result = CliRunner().invoke(cli, [*args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        tables[name] = (
            pq.read_table(out / "patches.parquet"),
            pq.read_table(out / "texts.parquet"),
        )
    assert tables["local"][0].num_rows > 0
    assert tables["local"][0].equals(tables["http"][0])
    assert tables["local"][1].equals(tables["http"][1])


def test_build_from_stac_api_equals_build_from_local_files(api: StacApi, tmp_path: Path) -> None:
    """The acceptance check: imagery found through a STAC API, COGs read over HTTP ranges."""
    bands = "B02,B03,B04"
    local = tmp_path / "local"
    remote = tmp_path / "stac"
    common = ["-q", "build", "--labels", "scl", "--patch-size", "128"]
    recipe = tmp_path / "local.toml"
    recipe.write_text(
        f'[[sources]]\nimage = "{COG_FOLDER}"\nlabels = "scl"\nbands = {bands.split(",")!r}\n'
        "[grid]\npatch_size = 128\n".replace("'", '"')
    )
    result = CliRunner().invoke(cli, ["-q", "build", str(recipe), "-o", str(local)])
    assert result.exit_code == 0, result.output
    stac_recipe = tmp_path / "stac.toml"
    stac_recipe.write_text(
        f'[[sources]]\nlabels = "scl"\nbands = {bands.split(",")!r}\n'.replace("'", '"')
        + f'stac = {{ url = "{api.url}", collection = "{COLLECTION}", '
        f'bbox = [-12, 24, -10, 26], datetime = "2020-02-01/2020-02-29", max_items = 1, '
        "max_cloud_cover = 10 }\n[grid]\npatch_size = 128\n"
    )
    assert common  # the recipes above carry the same settings as the flags would
    result = CliRunner().invoke(cli, ["-q", "build", str(stac_recipe), "-o", str(remote)])
    assert result.exit_code == 0, result.output
    a = pq.read_table(local / "patches.parquet").to_pylist()
    b = pq.read_table(remote / "patches.parquet").to_pylist()
    assert len(a) == len(b) > 0
    keys = ("transform", "class_fractions", "valid_fraction", "cloud_fraction", "width")
    for ra, rb in zip(a, b, strict=True):
        assert {k: ra[k] for k in keys} == {k: rb[k] for k in keys}
        with (
            rasterio.open(local / ra["image_path"]) as fa,
            rasterio.open(remote / rb["image_path"]) as fb,
        ):
            assert np.array_equal(fa.read(), fb.read())


def test_gdal_http_defaults_leave_user_settings_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from eotext.sources.http import GDAL_HTTP_DEFAULTS, apply_gdal_http_defaults

    for key in GDAL_HTTP_DEFAULTS:  # set then delete: the fixture restores the original state
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    monkeypatch.setenv("GDAL_HTTP_MAX_RETRY", "9")
    apply_gdal_http_defaults()
    assert os.environ["GDAL_HTTP_MAX_RETRY"] == "9"
    assert os.environ["GDAL_DISABLE_READDIR_ON_OPEN"] == "EMPTY_DIR"
