"""Resolving a recipe source into scenes: its format reads it, this module puts it on a grid.

Nothing here knows a format by name: the format (:mod:`eotext.sources.registry`) gives items
with their imagery, tiling, scene-level labels or area, and their Sentinel-1 partners.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from eotext.errors import RecipeError, SourceError, UnknownClassCodeError
from eotext.scene.scene import Scene, SceneLabels
from eotext.scene.spec import GridSpec, SourceSpec
from eotext.schemes import Scheme, get_scheme
from eotext.schemes.conversion import label_codes, map_code_pairs
from eotext.sources.grid import Grid, reprojected_grid
from eotext.sources.imagery import BandFile, Imagery
from eotext.sources.item import SourceFormat, SourceItem
from eotext.sources.raster import grid_of, open_raster, overlaps
from eotext.sources.registry import get_format
from eotext.sources.stac_search import read_stac_query

log = logging.getLogger(__name__)

#: Cells per side of the lon/lat grid laid over an area before it is put on the target grid.
_AREA_CELLS = 1024


def resolve_scenes(spec: SourceSpec) -> list[Scene]:
    """Turn a source of the recipe into scenes (a folder of BigEarthNet patches gives many).

    The source is cut on ``spec.grid``, the recipe's grid merged with the source's overrides.

    Raises:
        SourceError: a file is missing or unreadable.
        RecipeError: the source's settings contradict its files.
    """
    gspec = spec.grid
    if spec.stac is not None:
        # STAC items found by a search: one scene each, the default S1 pairing.
        fmt = SourceFormat()
        items = read_stac_query(spec.stac, spec.bands)
        if spec.id is not None:
            items = [replace(item, name=f"{spec.id}_{item.name}") for item in items]
        if spec.osm is not None:
            items = [replace(item, osm_path=spec.osm) for item in items]
    elif spec.image is None and spec.labels is not None:
        fmt = SourceFormat()  # a label map alone: no format to read, the default S1 pairing
        items = [SourceItem(osm_path=spec.osm)]
    else:
        path = spec.image or spec.osm
        assert path is not None  # SourceSpec needs image, labels or osm
        fmt = get_format(spec.image_format if spec.image else "osm", path)
        items = fmt.read(path, spec.bands)
        if spec.osm is not None and spec.image is not None:
            items = [replace(item, osm_path=spec.osm) for item in items]
    scenes = [_scene(item, spec, gspec) for item in items]
    if fmt.pairs_s1 and not spec.s1:
        pairs = zip(scenes, items, strict=True)
        return [_with_own_s1(scene, item.s1, spec) for scene, item in pairs]
    partners = fmt.s1_partners(spec.s1, items) if spec.s1 else None
    if partners is None:
        return scenes
    return [_with_s1(scene, s1, spec) for scene, s1 in zip(scenes, partners, strict=True)]


def _scene(item: SourceItem, spec: SourceSpec, gspec: GridSpec) -> Scene:
    """One item on its grid, with its label map or scene-level labels and cloud mask."""
    imagery = item.imagery
    scheme_name = spec.scheme or item.labels_scheme
    scheme = get_scheme(scheme_name) if scheme_name else None
    label_path = spec.labels or item.label_path
    remap: tuple[tuple[int, int], ...] = ()
    if spec.labels is None and item.label_path and item.label_codes and scheme is not None:
        remap = map_code_pairs(item.label_codes, scheme)
    # A source's own id and extra layers belong to a source that is one scene, not to the
    # scenes a format names (BigEarthNet patches) nor to a grid over a map.
    layers = tuple(_layer(n, p) for n, p in spec.layers) if item.name is None else ()
    if spec.labels == "scl":
        scheme = scheme or get_scheme("scl")
        label_path = None  # decided once the grid is known
    if imagery is not None:
        finest = min(imagery.bands, key=lambda b: b.gsd_m or float("inf"))
        with open_raster(finest.path) as src:
            grid = reprojected_grid(grid_of(src, finest.path), gspec.crs, gspec.gsd_m)
    elif label_path is not None:
        with open_raster(label_path) as src:
            base = grid_of(src, label_path)
            _check_label_dtype(src, label_path)
        grid = reprojected_grid(base, gspec.crs, gspec.gsd_m)
    else:
        grid = _area_grid(item, spec, gspec)
        layers = ()
    cloud_path = None
    if imagery is not None:
        scl = imagery.scl_for(grid.gsd_m)
        if spec.labels == "scl":
            if scl is None:
                where = spec.image or imagery.product_id
                raise SourceError(f'{where}: labels = "scl" but the product has no SCL layer')
            label_path = scl
        if spec.cloud_mask:
            cloud_path = scl
    own_map = spec.labels is None and item.label_path is not None
    scene_labels, skip = _scene_labels(item, scheme, has_map=own_map)
    return Scene(
        scene_id=item.name or spec.id or _default_id(imagery, spec),
        grid=grid,
        imagery=imagery,
        layers=layers,
        label_path=label_path,
        scheme=scheme,
        cloud_path=cloud_path,
        scene_labels=scene_labels,
        tiling=item.tiling,
        grid_spec=gspec,
        skip_reason=skip,
        osm_path=item.osm_path,
        # A code outside the map's legend cannot be described: unlabelled, not an error.
        label_remap=remap,
        label_remap_other=0 if remap else None,
        source_split=item.split,
        source_country=item.country,
        flags=item.flags,
    )


def _area_grid(item: SourceItem, spec: SourceSpec, gspec: GridSpec) -> Grid:
    """A grid at ``gsd_m`` (UTM unless the grid names a CRS) over an item's area."""
    if gspec.gsd_m is None:
        raise RecipeError(
            f"source {spec.id or Path(spec.osm or spec.image or '').name} has no imagery, so the "
            "grid needs a ground sampling distance: set gsd_m in [grid] (--gsd)"
        )
    if item.area is None:
        raise SourceError(f"{spec.image or spec.osm}: the source has neither imagery nor an area")
    west, south, east, north = item.area
    # A fine lon/lat grid over the area, which reprojected_grid covers at the target GSD.
    base = Grid(
        CRS.from_epsg(4326),
        Affine((east - west) / _AREA_CELLS, 0, west, 0, -(north - south) / _AREA_CELLS, north),
        _AREA_CELLS,
        _AREA_CELLS,
    )
    return reprojected_grid(base, gspec.crs or "utm", gspec.gsd_m)


def _scene_labels(
    item: SourceItem, scheme: Scheme | None, has_map: bool = False
) -> tuple[SceneLabels | None, str | None]:
    """An item's scene-level labels as codes of ``scheme``, or the reason to drop the scene.

    Labels that cannot be put in ``scheme`` are an error, unless the item's own label map
    describes the scene (BigEarthNet v2's 19-class labels beside its CORINE map read in 43
    classes): then they are kept by name only.
    """
    if not item.labels or not item.labels_scheme or scheme is None:
        return None, None
    try:
        names_19 = _names_19(item)
        codes = label_codes(item.labels, item.labels_scheme, scheme)
    except UnknownClassCodeError as exc:
        # One patch with a misspelt label must not stop the build: drop it, say why.
        log.warning("%s: dropped: %s", item.name, exc)
        return SceneLabels(item.labels, ()), "unknown_label_name"
    except RecipeError:
        if not has_map:
            raise
        codes = ()
    return SceneLabels(item.labels, codes, names_19), None


def _names_19(item: SourceItem) -> tuple[str, ...]:
    """The labels in the BigEarthNet 19-class nomenclature (empty when they do not map to it)."""
    assert item.labels_scheme is not None
    ben19 = get_scheme("bigearthnet-19")
    try:
        codes = label_codes(item.labels, item.labels_scheme, ben19)
    except RecipeError:
        return ()
    return tuple(ben19.by_code(c).name for c in codes)


def _with_s1(scene: Scene, s1: Imagery | None, spec: SourceSpec) -> Scene:
    """The scene with Sentinel-1 bands stacked after its own, or with the reason to drop it."""
    if s1 is None:
        return replace(scene, skip_reason="no_s1_pair") if spec.require_s1 else scene
    with open_raster(s1.bands[0].path) as src:
        s1_grid = grid_of(src, s1.bands[0].path)
    if not overlaps(s1_grid, scene.grid):
        log.warning("%s: Sentinel-1 %s does not overlap the scene", scene.scene_id, s1.product_id)
        return replace(scene, skip_reason="s1_no_overlap")
    gap = _days_between(scene.acquired, s1.acquired)
    if gap is not None and gap > spec.max_s1_s2_days:
        log.warning("%s: S1 and S2 are %.1f days apart", scene.scene_id, gap)
        return replace(scene, skip_reason="s1_s2_date_gap")
    bands = tuple(replace(b, sensor=s1.sensor) for b in s1.bands)
    return replace(scene, layers=scene.layers + bands, s1_acquired=s1.acquired)


def _with_own_s1(scene: Scene, s1: Imagery | None, spec: SourceSpec) -> Scene:
    """The scene with the partner its source pairs it with (trusted: no date or overlap check)."""
    if s1 is None:
        if spec.require_s1 and scene.skip_reason is None:
            return replace(scene, skip_reason="no_s1_pair")
        return scene
    bands = tuple(replace(b, sensor=s1.sensor) for b in s1.bands)
    return replace(scene, layers=scene.layers + bands, s1_acquired=s1.acquired)


def _days_between(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    try:
        ta = datetime.fromisoformat(a.replace("Z", "+00:00")).replace(tzinfo=None)
        tb = datetime.fromisoformat(b.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None
    return abs((ta - tb).total_seconds()) / 86400


def _layer(name: str, path: str) -> BandFile:
    with open_raster(path) as src:
        if src.count != 1:
            raise SourceError(
                f"{path}: layer '{name}' must have exactly one band, it has {src.count}"
            )
        return BandFile(name, path, 1, float(abs(src.transform.a)))


def _check_label_dtype(src: Any, path: str) -> None:
    if np.dtype(src.dtypes[0]).kind not in "iu":
        raise SourceError(
            f"{path}: a label map must hold integer class codes, but its data type is "
            f"{src.dtypes[0]}; pass the classified map, not a continuous layer"
        )


def _default_id(imagery: Imagery | None, spec: SourceSpec) -> str:
    if imagery is not None and imagery.product_id:
        raw = imagery.product_id
    else:
        raw = Path(spec.labels or spec.image or spec.osm or "scene").name
        raw = raw.split(".")[0]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-") or "scene"
