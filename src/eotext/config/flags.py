"""Turning ``eotext build`` flags (with or without a recipe file) into a :class:`Recipe`.

Flags become a TOML-shaped overlay laid onto the recipe file's document (or onto an empty one),
and the result goes through the one strict parse of :mod:`.recipe`: a flag's value gets the
same checks as the recipe key it sets, and messages name the flag.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eotext.config.convert import Origin, resolve_path
from eotext.config.recipe import Recipe, read_toml, recipe_from_dict
from eotext.errors import RecipeError
from eotext.sources.stac_search import parse_bbox

#: Flag → the recipe key it sets (``sources`` keys apply to every source the flags make).
FLAG_KEYS = {
    "--patch-size": "grid.patch_size",
    "--stride": "grid.stride",
    "--gsd": "grid.gsd_m",
    "--crs": "grid.crs",
    "--seed": "seed",
    "--min-valid": "filters.min_valid_fraction",
    "--max-cloud": "filters.max_cloud_fraction",
    "--max-dominant-share": "filters.max_dominant_share",
    "--max-same-composition": "filters.max_same_composition",
    "--unknown-codes": "unknown_codes",
    "--workers": "output.workers",
    "--scheduler": "output.scheduler",
    "--no-verify": "output.verify",
    "--annotate": "annotate.kinds",
    "--osm": "annotate.osm.file",
    "--llm-base-url": "annotate.llm.base_url",
    "--llm-model": "annotate.llm.model",
    "--llm-mode": "annotate.llm.mode",
    "--llm-concurrency": "annotate.llm.concurrency",
    "--llm-max-tokens": "annotate.llm.max_tokens",
    "--llm-temperature": "annotate.llm.temperature",
    "--llm-api-key-env": "annotate.llm.api_key_env",
}


def recipe_from_flags(
    recipe_path: Path | None,
    images: tuple[Path, ...] = (),
    labels: str | Path | None = None,
    scheme: str | None = None,
    patch_size: int | None = None,
    stride: int | None = None,
    gsd_m: float | None = None,
    crs: str | None = None,
    seed: int | None = None,
    min_valid: float | None = None,
    max_cloud: float | None = None,
    max_dominant_share: float | None = None,
    max_same_composition: int | None = None,
    unknown_codes: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    no_verify: bool = False,
    annotate: str | None = None,
    osm: Path | None = None,
    llm_base_url: str | None = None,
    llm_model: str | None = None,
    llm_mode: str | None = None,
    llm_concurrency: int | None = None,
    llm_max_tokens: int | None = None,
    llm_temperature: float | None = None,
    llm_api_key_env: str | None = None,
    stac: str | None = None,
    stac_collection: str | None = None,
    bbox: str | None = None,
    datetime: str | None = None,
    max_items: int | None = None,
    max_cloud_cover: float | None = None,
) -> Recipe:
    """A recipe from a file and/or flags; flags override the file's settings.

    ``--osm FILE`` alone builds a grid over the extract (captions ``osm``); with ``--image`` or
    ``--labels`` (or a recipe) it adds OSM captions to their patches. ``--stac URL`` (with its
    filters ``--stac-collection``, ``--bbox``, ``--datetime``, ``--max-items`` and
    ``--max-cloud-cover``) is a source's ``stac`` table: one scene per STAC item found.

    Raises:
        RecipeError: the flags contradict each other or the recipe, or a value is invalid;
            the message names the flag.
    """
    cwd = Path.cwd()
    osm_path = None if osm is None else resolve_path(str(osm), cwd)
    values: dict[str, Any] = {
        "--patch-size": patch_size,
        "--stride": stride,
        "--gsd": gsd_m,
        "--crs": crs,
        "--seed": seed,
        "--min-valid": min_valid,
        "--max-cloud": max_cloud,
        "--max-dominant-share": max_dominant_share,
        "--max-same-composition": max_same_composition,
        "--unknown-codes": unknown_codes,
        "--workers": workers,
        "--scheduler": scheduler,
        "--no-verify": False if no_verify else None,
        "--osm": osm_path,
        "--llm-base-url": llm_base_url,
        "--llm-model": llm_model,
        "--llm-mode": llm_mode,
        "--llm-concurrency": llm_concurrency,
        "--llm-max-tokens": llm_max_tokens,
        "--llm-temperature": llm_temperature,
        "--llm-api-key-env": llm_api_key_env,
    }
    given = {flag: v for flag, v in values.items() if v is not None}
    stac_query = _stac_table(stac, stac_collection, bbox, datetime, max_items, max_cloud_cover)
    if recipe_path is not None:
        if images or labels or stac_query:
            raise RecipeError("give either a RECIPE or --image/--stac/--labels, not both")
        doc = read_toml(recipe_path)
        origin = Origin(file=str(recipe_path), base_dir=recipe_path.resolve().parent)
        annotate_doc = doc.get("annotate", {})
        base_kinds = (
            annotate_doc.get("kinds", ["caption"]) if isinstance(annotate_doc, dict) else None
        )
    else:
        doc = {"sources": _sources(images, labels, scheme, osm_path, stac_query, cwd)}
        origin = Origin(base_dir=cwd)
        base_kinds = ["caption"] if images or labels or stac_query else []
        if not (images or labels or stac_query):
            given.pop("--osm", None)  # the extract is the source itself, not an [annotate.osm] file
    flags: dict[str, str] = {}
    for flag, value in given.items():
        _put(doc, FLAG_KEYS[flag], value)
        flags[FLAG_KEYS[flag]] = flag
    # --osm and --llm-model switch their annotators on, unless --annotate says otherwise.
    wanted = [k for k, on in (("osm", osm is not None), ("llm", bool(llm_model))) if on]
    kinds = _kinds(annotate)
    if kinds is not None:
        _put(doc, "annotate.kinds", kinds + (["llm"] if llm_model and "llm" not in kinds else []))
        flags["annotate.kinds"] = "--annotate"
    elif isinstance(base_kinds, list) and (recipe_path is None or wanted):
        _put(doc, "annotate.kinds", base_kinds + [k for k in wanted if k not in base_kinds])
    if recipe_path is None:
        for i, source in enumerate(doc["sources"]):
            for key, flag in (("image", "--image"), ("labels", "--labels"), ("osm", "--osm")):
                if key in source:
                    flags[f"sources[{i}].{key}"] = flag
            if "scheme" in source:
                flags[f"sources[{i}].scheme"] = "--scheme"
            for key in source.get("stac", {}):
                flags[f"sources[{i}].stac.{key}"] = STAC_FLAGS[key]
    return recipe_from_dict(doc, origin=Origin(origin.file, flags, origin.base_dir))


def _sources(
    images: tuple[Path, ...],
    labels: str | Path | None,
    scheme: str | None,
    osm: str | None,
    stac: dict[str, Any] | None,
    cwd: Path,
) -> list[dict[str, Any]]:
    """The ``[[sources]]`` the flags describe: one per ``--image``, else the STAC query, the
    label map or OSM."""
    if not images and labels is None and osm is None and stac is None:
        raise RecipeError(
            "nothing to build: give a RECIPE file, or --labels, --image, --stac and/or --osm"
        )
    if images and stac is not None:
        raise RecipeError("give --image or --stac, not both (a recipe may hold both sources)")
    label = None if labels is None else str(labels)
    if label is not None and label != "scl":
        label = resolve_path(label, cwd)
        if scheme is None:
            raise RecipeError("--labels needs --scheme (list them with `eotext schemes`)")
    common = {k: v for k, v in (("labels", label), ("scheme", scheme)) if v is not None}
    if images:
        return [{"image": resolve_path(str(img), cwd), **common} for img in images]
    if stac is not None:
        return [{"stac": stac, **common}]
    if label is not None:
        return [common]
    return [{"osm": osm}]


#: The ``stac`` table's keys, by the flag that sets each.
STAC_FLAGS = {
    "url": "--stac",
    "collection": "--stac-collection",
    "bbox": "--bbox",
    "datetime": "--datetime",
    "max_items": "--max-items",
    "max_cloud_cover": "--max-cloud-cover",
}


def _stac_table(
    url: str | None,
    collection: str | None,
    bbox: str | None,
    when: str | None,
    max_items: int | None,
    max_cloud_cover: float | None,
) -> dict[str, Any] | None:
    """The ``stac`` table of the source ``--stac`` makes, or None without ``--stac``.

    Its values go through the same strict parse as a recipe's ``stac = { ... }``; only
    ``--bbox``'s text is split into numbers here.

    Raises:
        RecipeError: a filter flag without ``--stac``, or a ``--bbox`` that is not W,S,E,N.
    """
    filters = {
        "collection": collection,
        "bbox": None if bbox is None else list(parse_bbox(bbox)),
        "datetime": when,
        "max_items": max_items,
        "max_cloud_cover": max_cloud_cover,
    }
    given = {k: v for k, v in filters.items() if v is not None}
    if url is None:
        if given:
            named = ", ".join(STAC_FLAGS[k] for k in given)
            raise RecipeError(f"{named} filter the items of --stac: give --stac URL as well")
        return None
    return {"url": url, **given}


def _kinds(annotate: str | None) -> list[str] | None:
    if not annotate:
        return None
    return [k.strip() for k in annotate.split(",") if k.strip()]


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``doc["a"]["b"]["c"] = value`` for ``"a.b.c"``, creating tables on the way."""
    *tables, key = dotted.split(".")
    for name in tables:
        table = doc.get(name)
        if not isinstance(table, dict):
            table = {}  # a flag replaces a malformed table; the recipe's own key is then moot
            doc[name] = table
        doc = table
    doc[key] = value
