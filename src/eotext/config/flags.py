"""Turning ``eotext build`` flags (with or without a recipe file) into a :class:`Recipe`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from eotext.config.recipe import (
    AnnotateSpec,
    GridSpec,
    OsmSpec,
    Recipe,
    SourceSpec,
    load_recipe,
    resolve_path,
)
from eotext.errors import RecipeError
from eotext.sources.stac_search import StacQuery, parse_bbox


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
    unknown_codes: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
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
    ``--labels`` (or a recipe) it adds OSM captions to their patches.
    """
    cwd = Path.cwd()
    kinds = tuple(k.strip() for k in annotate.split(",") if k.strip()) if annotate else None
    osm_str = resolve_path(str(osm), cwd) if osm is not None else None
    grid_flags = _given(patch_size=patch_size, stride=stride, gsd_m=gsd_m, crs=crs)
    query = _stac_query(stac, stac_collection, bbox, datetime, max_items, max_cloud_cover, cwd)
    if recipe_path is not None:
        recipe = load_recipe(recipe_path)
        if images or labels or query:
            raise RecipeError("give either a RECIPE or --image/--stac/--labels, not both")
        base_kinds = recipe.annotate.kinds
    else:
        if not images and labels is None and osm is None and query is None:
            raise RecipeError(
                "nothing to build: give a RECIPE file, or --labels, --image, --stac and/or --osm"
            )
        if images and query is not None:
            raise RecipeError("give --image or --stac, not both")
        label_str = (
            None
            if labels is None
            else ("scl" if str(labels) == "scl" else resolve_path(str(labels), cwd))
        )
        if label_str is not None and label_str != "scl" and scheme is None:
            raise RecipeError("--labels needs --scheme (list them with `eotext schemes`)")
        sources: list[SourceSpec] = []
        if query is not None:
            sources.append(SourceSpec(stac=query, labels=label_str, scheme=scheme))
        elif images:
            for img in images:
                sources.append(
                    SourceSpec(image=resolve_path(str(img), cwd), labels=label_str, scheme=scheme)
                )
        elif label_str is not None:
            sources.append(SourceSpec(labels=label_str, scheme=scheme))
        else:
            sources.append(SourceSpec(osm=osm_str))
        base_kinds = ("caption",) if images or labels or query else ()
        if osm_str is not None:
            base_kinds = (*base_kinds, "osm")
        # Built in one go: an OSM-only source is valid only with its grid and annotator.
        recipe = Recipe(
            sources=tuple(sources),
            grid=GridSpec(**grid_flags),
            annotate=AnnotateSpec(
                kinds=kinds or base_kinds,
                osm=OsmSpec(file=osm_str if images or labels or query else None),
            ),
        )
    if osm_str is not None and recipe_path is not None:
        osm_spec = dataclasses.replace(recipe.annotate.osm, file=osm_str)
        osm_kinds = base_kinds if "osm" in base_kinds else (*base_kinds, "osm")
        recipe = dataclasses.replace(
            recipe,
            annotate=dataclasses.replace(recipe.annotate, kinds=kinds or osm_kinds, osm=osm_spec),
        )
    grid = dataclasses.replace(recipe.grid, **grid_flags)
    filters = dataclasses.replace(
        recipe.filters, **_given(min_valid_fraction=min_valid, max_cloud_fraction=max_cloud)
    )
    output = dataclasses.replace(recipe.output, **_given(workers=workers, scheduler=scheduler))
    if llm_model and "llm" not in (kinds or recipe.annotate.kinds):
        kinds = (*(kinds or recipe.annotate.kinds), "llm")
    llm = dataclasses.replace(
        recipe.annotate.llm,
        **_given(
            base_url=llm_base_url,
            model=llm_model,
            mode=llm_mode,
            concurrency=llm_concurrency,
            max_tokens=llm_max_tokens,
            temperature=llm_temperature,
            api_key_env=llm_api_key_env,
        ),
    )
    return dataclasses.replace(
        recipe,
        grid=grid,
        filters=filters,
        output=output,
        annotate=dataclasses.replace(recipe.annotate, llm=llm, **_given(kinds=kinds)),
        **_given(seed=seed, unknown_codes=unknown_codes),
    )


def _stac_query(
    url: str | None,
    collection: str | None,
    bbox: str | None,
    when: str | None,
    max_items: int | None,
    max_cloud_cover: float | None,
    cwd: Path,
) -> StacQuery | None:
    """The ``--stac`` query, or None; its filter flags alone are a mistake worth a message."""
    if url is None:
        if any(v is not None for v in (collection, bbox, when, max_items, max_cloud_cover)):
            raise RecipeError(
                "--stac-collection, --bbox, --datetime, --max-items and --max-cloud-cover "
                "filter --stac: give --stac URL as well"
            )
        return None
    return StacQuery(
        url=resolve_path(url, cwd),
        collection=collection,
        bbox=parse_bbox(bbox) if bbox is not None else None,
        datetime=when,
        max_items=max_items,
        max_cloud_cover=max_cloud_cover,
    )


def _given(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}
