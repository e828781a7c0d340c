"""Recipes: strict conversion of TOML into the specs, per-source grids, and the fingerprint."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from eotext.config.fingerprint import ROLES, role
from eotext.config.flags import recipe_from_flags
from eotext.config.recipe import (
    AnnotateSpec,
    FilterSpec,
    GridSpec,
    LlmSpec,
    OsmSpec,
    Recipe,
    SourceSpec,
    load_recipe,
    recipe_from_dict,
)
from eotext.errors import RecipeError
from eotext.sources.stac_search import StacQuery
from tests.conftest import RECIPES

SOURCE = '[[sources]]\nlabels = "wc.tif"\nscheme = "worldcover"\n'


def _load(tmp_path: Path, text: str) -> Recipe:
    path = tmp_path / "demo.toml"
    path.write_text(text, encoding="utf-8")
    return load_recipe(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Each of these was accepted or ended in a traceback before the strict converter.
        (
            SOURCE + 'cloud_mask = "no"\n',
            'demo.toml: sources[0].cloud_mask must be true or false, got "no"',
        ),
        (
            SOURCE + 'bands = "B04"\n',
            'sources[0].bands must be a list of strings, got "B04" (write ["B04"])',
        ),
        ("seed = 1.5\n" + SOURCE, "seed must be a whole number, got 1.5"),
        ("[grid]\npatch_size = 256.0\n" + SOURCE, "grid.patch_size must be a whole number"),
        (SOURCE + "patch_size = 64.5\n", "sources[0].patch_size must be a whole number"),
        ("[output]\nworkers = true\n" + SOURCE, "output.workers must be a whole number, got true"),
        (
            '[annotate]\nkinds = "caption"\n' + SOURCE,
            'annotate.kinds must be a list of strings, got "caption" (write ["caption"])',
        ),
        ("[filters]\nmin_valid_fraction = '0.5'\n" + SOURCE, 'must be a number, got "0.5"'),
        ("[splits]\nfractions = [0.5, 0.5]\n" + SOURCE, "splits.fractions must be a list of 3"),
        (SOURCE + 'layers = ["ndvi.tif"]\n', "sources[0].layers must be a table of name"),
        ("[annotate.osm]\nrules = 3\n" + SOURCE, "annotate.osm.rules must be a table"),
        ("[grid]\npatchsize = 256\n" + SOURCE, "grid.patchsize; did you mean patch_size"),
        (SOURCE + "cloudmask = false\n", "sources[0].cloudmask; did you mean cloud_mask"),
        ("colour = 1\n" + SOURCE, "unknown key colour; known keys: annotate, filters"),
        (SOURCE + "grid = 3\n", "unknown key sources[0].grid"),  # merged by the code, not set
        (
            "[annotate.llm]\nendpoint = 'http://a:1/v1'\nbase_url = 'http://b:1/v1'\n" + SOURCE,
            "annotate.llm.endpoint and annotate.llm.base_url are the same setting",
        ),
        ("sources = 3\n", "sources must be a list of tables, got 3"),
        ("[grid]\npatch_size = 4\n" + SOURCE, "demo.toml: grid.patch_size must be at least 8 px"),
        (SOURCE + "patch_size = 4\n", "patch_size must be at least 8 px, got 4"),
        ("[[sources]]\nscheme = 'worldcover'\n", "sources[0]: a source needs `image`"),
        ("seed = 0\n", "the recipe has no sources"),
    ],
)
def test_malformed_recipes_name_the_key_and_the_type(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(RecipeError) as info:
        _load(tmp_path, text)
    text_of = str(info.value)
    assert message in text_of and "\n" not in text_of, text_of
    assert text_of.startswith(f"recipe {tmp_path / 'demo.toml'}: "), text_of


def test_recipe_that_is_not_utf8_or_not_toml_is_one_line(tmp_path: Path) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "S\xe3o Tom\xe9"\n'.encode("latin-1") + SOURCE.encode())
    with pytest.raises(RecipeError, match=r"^recipe .*latin\.toml is not UTF-8 text .*save it as"):
        load_recipe(latin)
    broken = tmp_path / "broken.toml"
    broken.write_text("[grid\n")
    with pytest.raises(RecipeError, match=r"^recipe .*broken\.toml is not valid TOML"):
        load_recipe(broken)
    with pytest.raises(RecipeError, match="is a folder"):
        load_recipe(tmp_path)


def test_well_typed_recipe_converts_exactly(tmp_path: Path) -> None:
    recipe = _load(
        tmp_path,
        "seed = 7\n[grid]\npatch_size = 128\nstride = 64\n[splits]\nfractions = [0.7, 0.2, 0.1]\n"
        "[annotate]\nkinds = ['caption', 'vqa']\n" + SOURCE + "bands = ['B04', 'B03']\n"
        "cloud_mask = false\nlayers = { ndvi = 'n.tif' }\nmax_s1_s2_days = 2\n",
    )
    (source,) = recipe.sources
    assert recipe.seed == 7 and recipe.splits.fractions == (0.7, 0.2, 0.1)
    assert source.bands == ("B04", "B03") and source.cloud_mask is False
    assert source.labels == str(tmp_path / "wc.tif")  # relative to the recipe's folder
    assert source.layers == (("ndvi", str(tmp_path / "n.tif")),)
    assert recipe.annotate.kinds == ("caption", "vqa")


def test_per_source_grid_is_merged_when_parsed(tmp_path: Path) -> None:
    recipe = _load(
        tmp_path,
        "[grid]\npatch_size = 256\nstride = 200\ngsd_m = 20.0\nedge = 'drop'\n"
        + SOURCE
        + "patch_size = 64\n"
        + SOURCE
        + "stride = 100\n"
        + SOURCE,
    )
    first, second, third = (s.grid for s in recipe.sources)
    # A patch_size override resets the stride to it; the rest comes from [grid].
    assert (first.patch_size, first.stride, first.gsd_m, first.edge) == (64, None, 20.0, "drop")
    assert (second.patch_size, second.stride) == (256, 100)
    assert third == recipe.grid
    # Replacing the recipe's grid re-merges every source.
    moved = dataclasses.replace(recipe, grid=GridSpec(patch_size=512, crs="EPSG:4326"))
    assert moved.sources[0].grid.crs == "EPSG:4326" and moved.sources[1].grid.patch_size == 512


def test_demo_recipe_keeps_its_fingerprint() -> None:
    """Folders built before the metadata-driven fingerprint resume (values from that code)."""
    assert load_recipe(RECIPES / "demo.toml").fingerprint() == "daf2679bbca4bc0a"
    assert load_recipe(RECIPES / "osm_helsinki.toml").fingerprint() == "8248013264201bfa"
    labels_only = recipe_from_dict(
        {"sources": [{"labels": "/d/WorldCover.tif", "scheme": "worldcover"}]}
    )
    assert labels_only.fingerprint() == "11ce9fdc9dc33f4e"


# --- the fingerprint, field by field -------------------------------------------------------

_BASE = Recipe(
    sources=(
        SourceSpec(
            id="a",
            image="/data/x/img.tif",
            labels="/data/x/lab.tif",
            scheme="worldcover",
            bands=("B04",),
            layers=(("ndvi", "/data/x/ndvi.tif"),),
            s1="/data/x/s1",
            patch_size=128,
            stride=64,
            osm="/data/x/src.osm.pbf",
        ),
        SourceSpec(
            id="b",
            labels="scl",
            stac=StacQuery(
                url="/data/x/items.json",
                collection="sentinel-2-l2a",
                bbox=(-12.0, 24.0, -11.0, 25.0),
                datetime="2020-02-01/2020-02-29",
                max_items=2,
                max_cloud_cover=10.0,
            ),
        ),
    ),
    grid=GridSpec(gsd_m=10.0, crs="EPSG:32629"),
    filters=FilterSpec(max_dominant_share=0.8, max_same_composition=3),
    annotate=AnnotateSpec(
        kinds=("caption", "osm", "llm"),
        osm=OsmSpec(file="/data/x/h.osm.pbf"),
        llm=LlmSpec(model="m"),
    ),
)
_CHOICES: dict[str, Any] = {
    "edge": "drop",
    "unknown_codes": "unlabelled",
    "image_format": "bigearthnet",
    "mode": "paraphrase",
    "on_error": "stop",
    "location_index": "disk",
    "base_url": "http://10.0.0.1:9000/v1",
    "styles": ("title",),
    "kinds": ("caption", "osm", "llm", "vqa"),
    "rules": {"min_area_px": 10},
    "fractions": (0.7, 0.2, 0.1),
    "stride": 32,
    "drop_flags": ("seasonal_snow",),
    "scheduler": "tcp://10.0.0.5:8786",
    "bbox": (10.0, 40.0, 11.0, 41.0),
    "datetime": "2021-01-01/..",
}


def _walk(spec: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        if f.name == "sources":
            found += _walk(value[0], (*path, "sources", 0))
            # The first source has imagery; the second's STAC query stands for `stac`.
            found += _walk(value[1].stac, (*path, "sources", 1, "stac"))
        elif f.name == "stac":
            continue
        elif dataclasses.is_dataclass(value) and role(f) != "derived":
            found += _walk(value, (*path, f.name))
        else:
            found.append((*path, f.name))
    return found


def _field(path: tuple[Any, ...]) -> dataclasses.Field[Any]:
    spec: Any = _BASE
    for step in path[:-1]:
        spec = spec[step] if isinstance(step, int) else getattr(spec, step)
    return next(f for f in dataclasses.fields(spec) if f.name == path[-1])


def _get(spec: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        spec = spec[step] if isinstance(step, int) else getattr(spec, step)
    return spec


def _set(spec: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(spec)
        items[head] = _set(items[head], rest, value)
        return tuple(items)
    return dataclasses.replace(spec, **{head: _set(getattr(spec, head), rest, value)})


def _other(name: str, value: Any) -> Any:
    """A different valid value for a field."""
    if name in _CHOICES:
        return _CHOICES[name]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.05 if value < 0.9 else value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return (*value, "B03")
    if isinstance(value, GridSpec):  # a source's merged grid: rebuilt from [grid] anyway
        return GridSpec(patch_size=512)
    raise AssertionError(f"no other value for {name}={value!r}")


FIELDS = _walk(_BASE)


def test_every_field_declares_a_known_role() -> None:
    assert len(FIELDS) > 60
    assert all(role(_field(p)) in ROLES for p in FIELDS)


@pytest.mark.parametrize("path", FIELDS, ids=[".".join(map(str, p)) for p in FIELDS])
def test_content_fields_change_the_fingerprint_run_fields_do_not(path: tuple[Any, ...]) -> None:
    f = _field(path)
    before = _BASE.fingerprint()
    if role(f) == "path":
        value = _get(_BASE, path)
        if isinstance(value, tuple):  # (name, path) pairs
            moved = tuple((n, p.replace("/data/x/", "/elsewhere/")) for n, p in value)
            renamed = tuple((n, p.replace(".tif", "-2.tif")) for n, p in value)
        else:
            moved = value.replace("/data/x/", "/elsewhere/")
            renamed = value + "-2"
        assert _set(_BASE, path, moved).fingerprint() == before, "moving the data orphans it"
        assert _set(_BASE, path, renamed).fingerprint() != before
        return
    changed = _set(_BASE, path, _other(path[-1], _get(_BASE, path)))
    if role(f) in ("run", "derived"):
        assert changed.fingerprint() == before
    else:
        assert changed.fingerprint() != before


def test_run_and_content_settings_of_the_llm() -> None:
    run = {f.name for f in dataclasses.fields(LlmSpec) if role(f) == "run"}
    assert {"base_url", "api_key_env", "concurrency", "timeout_s", "retries"} <= run
    content = {"model", "prompts", "mode", "max_tokens", "temperature", "validation_retries"}
    assert content.isdisjoint(run)


def test_annotator_tables_count_only_when_the_annotator_runs() -> None:
    plain = Recipe(sources=(SourceSpec(labels="/d/wc.tif", scheme="worldcover"),))
    tuned = dataclasses.replace(
        plain,
        annotate=AnnotateSpec(llm=LlmSpec(model="other"), osm=OsmSpec(styles=("title",))),
    )
    assert tuned.fingerprint() == plain.fingerprint()


def test_endpoint_moved_to_another_port_resumes(tmp_path: Path) -> None:
    body = "[annotate]\nkinds = ['caption', 'llm']\n[annotate.llm]\nmodel = 'm'\n"
    first = _load(tmp_path, body + "endpoint = 'http://127.0.0.1:8080/v1'\n" + SOURCE)
    moved = _load(tmp_path, body + "endpoint = 'http://127.0.0.1:9090/v1'\n" + SOURCE)
    assert first.annotate.llm.base_url != moved.annotate.llm.base_url
    assert first.fingerprint() == moved.fingerprint()
    other_model = _load(tmp_path, body.replace("'m'", "'n'") + SOURCE)
    assert other_model.fingerprint() != first.fingerprint()


# --- flags: the same parse as a recipe file -------------------------------------------------


def test_flags_overlay_the_recipe_file(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text("[grid]\npatch_size = 128\n" + SOURCE)
    recipe = recipe_from_flags(path, stride=64, seed=3, workers=2)
    assert recipe.grid == GridSpec(patch_size=128, stride=64) and recipe.seed == 3
    assert recipe.output.workers == 2
    assert recipe.sources[0].labels == str(tmp_path / "wc.tif")
    with pytest.raises(RecipeError, match=r"^--patch-size: grid\.patch_size must be at least 8"):
        recipe_from_flags(path, patch_size=4)
    with pytest.raises(RecipeError, match=r"^--annotate: annotate\.kinds has unknown annotator"):
        recipe_from_flags(path, annotate="caption,captoin")
    with pytest.raises(RecipeError, match=r"^--min-valid: filters\.min_valid_fraction must lie"):
        recipe_from_flags(path, min_valid=1.5)


def test_every_image_flag_is_a_source(tmp_path: Path) -> None:
    recipe = recipe_from_flags(None, images=(Path("a.tif"), Path("b.tif")), labels=Path("scl"))
    assert [Path(s.image or "").name for s in recipe.sources] == ["a.tif", "b.tif"]
    assert all(s.labels == "scl" for s in recipe.sources)


def test_flag_values_get_the_strict_checks() -> None:
    with pytest.raises(RecipeError, match=r"^--seed must be a whole number, got 1\.5"):
        recipe_from_flags(None, labels=Path("wc.tif"), scheme="worldcover", seed=1.5)  # type: ignore[arg-type]


def test_stac_flags_make_a_stac_source_checked_like_the_recipe_key(tmp_path: Path) -> None:
    recipe = recipe_from_flags(
        None,
        labels="scl",
        stac="items.json",
        stac_collection="sentinel-2-l2a",
        bbox="-12,24,-11,25",
        datetime="2020-02-01/..",
        max_items=2,
        max_cloud_cover=10.0,
        scheduler="tcp://127.0.0.1:8786",
    )
    source = recipe.sources[0]
    assert source.stac == StacQuery(
        str(Path.cwd() / "items.json"), "sentinel-2-l2a", (-12.0, 24.0, -11.0, 25.0),
        "2020-02-01/..", 2, 10.0,
    )  # fmt: skip
    assert source.image is None and recipe.annotate.kinds == ("caption",)
    assert recipe.output.scheduler == "tcp://127.0.0.1:8786"
    # The scheduler decides how the build runs, not what it makes.
    plain = recipe_from_flags(None, labels="scl", stac="items.json")
    assert dataclasses.replace(plain, output=recipe.output).fingerprint() == plain.fingerprint()
    with pytest.raises(RecipeError, match=r"^--max-items: max_items must be ≥ 1"):
        recipe_from_flags(None, labels="scl", stac="x.json", max_items=0)
    with pytest.raises(RecipeError, match=r"^--datetime: .*ISO 8601"):
        recipe_from_flags(None, labels="scl", stac="x.json", datetime="2020-13-45")
    with pytest.raises(RecipeError, match=r"^--bbox must be W,S,E,N"):
        recipe_from_flags(None, labels="scl", stac="x.json", bbox="1,2")
    with pytest.raises(RecipeError, match=r"^--max-items filter the items of --stac"):
        recipe_from_flags(None, labels="scl", max_items=3)
    with pytest.raises(RecipeError, match=r"--image or --stac, not both"):
        recipe_from_flags(None, images=(tmp_path,), stac="x.json")
    with pytest.raises(RecipeError, match=r"^--scheduler: output.scheduler must be a Dask"):
        recipe_from_flags(None, labels="scl", stac="x.json", scheduler="10.0.0.5")
    toml = tmp_path / "r.toml"
    toml.write_text(
        '[[sources]]\nlabels = "scl"\nstac = { url = "x.json" }\n[output]\nscheduler = 5\n'
    )
    with pytest.raises(RecipeError, match=r"output\.scheduler must be a string"):
        load_recipe(toml)
