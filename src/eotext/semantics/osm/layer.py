"""One OSM file's visible objects, put on a scene's grid and indexed for joining to patches.

A layer is built once per (file, grid, rules) and process, and cached: every unit of work of a
scene that runs in this process reuses it, so the file is read once per worker, never per patch.

Building a layer:

1. read the objects touching the scene (:func:`eotext.sources.osm.read_osm`, only the tags the
   rules look at),
2. keep those the rules call visible (:func:`eotext.semantics.osm.rules.classify`),
3. turn closed ways into areas unless their tag is linear (roads, walls), repair invalid rings,
4. project to the grid's CRS and test the object's own size against the GSD (an area at least
   ``min_width_px`` wide somewhere, a line at least ``min_line_width_px`` wide, a node of a
   kind that is at least ``min_point_px`` across),
5. put the geometries in an STRtree.
"""

from __future__ import annotations

import logging
import os
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from rasterio.warp import transform_bounds
from shapely.geometry.base import BaseGeometry

from eotext.errors import AlignmentError
from eotext.semantics.osm.rules import Feature, OsmRules, classify
from eotext.sources.grid import Grid
from eotext.sources.osm import OsmObject, extract_bounds, read_osm

log = logging.getLogger(__name__)

KINDS = ("area", "line", "point")
_CACHE_SIZE = 4
_cache: OrderedDict[tuple[Any, ...], OsmLayer] = OrderedDict()


@dataclass(frozen=True)
class Placed:
    """A visible OSM object on the grid.

    Attributes:
        element / osm_id: which OSM object (``"n"``, ``"w"`` or ``"a"`` and its id).
        feature: what the rules make of its tags.
        geometry: in the grid's CRS.
        kind: ``"area"``, ``"line"`` or ``"point"``; only objects wide enough to be seen at
            the grid's GSD are placed (how much lies inside a patch is tested per patch).
    """

    element: str
    osm_id: int
    feature: Feature
    geometry: BaseGeometry
    kind: str

    @property
    def ref(self) -> str:
        return f"{self.element}{self.osm_id}"


@dataclass(frozen=True)
class OsmLayer:
    """The visible objects of one OSM file on one grid, with a spatial index."""

    path: str
    gsd_m: float
    rules: OsmRules
    objects: tuple[Placed, ...]
    tree: shapely.STRtree
    counts: dict[str, Any]
    drawn: dict[int, BaseGeometry] = field(default_factory=dict)  # preview shapes, made lazily


def load_layer(
    path: str | Path, grid: Grid, rules: OsmRules, location_index: str = "auto"
) -> OsmLayer:
    """The layer of ``path`` on ``grid`` (read once per process, then cached).

    Raises:
        MissingDependencyError: pyosmium is not installed.
        SourceError: the file is missing, truncated or corrupt.
    """
    p = Path(path)
    stat = p.stat() if p.exists() else None
    key = (
        str(p.resolve()),
        (stat.st_size, stat.st_mtime_ns) if stat else None,
        grid.crs.to_wkt(),
        tuple(grid.transform)[:6],
        grid.width,
        grid.height,
        rules.fingerprint,
        location_index,
    )
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        return hit
    layer = build_layer(p, grid, rules, location_index)
    _cache[key] = layer
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return layer


def check_overlap(path: str | Path, grid: Grid, scene_id: str) -> None:
    """Refuse an extract that does not overlap a scene, saying where each lies.

    Raises:
        AlignmentError: no overlap.
        SourceError: the file is unreadable.
    """
    w, s, e, n = extract_bounds(path)
    sw, ss, se, sn = transform_bounds(grid.crs, "EPSG:4326", *grid.bounds, densify_pts=21)
    if w < se and e > sw and s < sn and n > ss:
        return
    raise AlignmentError(
        f"{path}: the OpenStreetMap extract covers lon {w:.4f}..{e:.4f}, lat {s:.4f}..{n:.4f}, "
        f"which does not overlap scene '{scene_id}' (lon {sw:.4f}..{se:.4f}, lat "
        f"{ss:.4f}..{sn:.4f}); use an extract of the scene's area (for example "
        f"`osmium extract -b {sw:.4f},{ss:.4f},{se:.4f},{sn:.4f}`) or give the source its own "
        "`osm` file"
    )


def clear_cache() -> None:
    """Forget cached layers (tests; or after the file changed in place)."""
    _cache.clear()


def build_layer(path: Path, grid: Grid, rules: OsmRules, location_index: str = "auto") -> OsmLayer:
    """Read, classify, project and index the objects of ``path`` that touch ``grid``."""
    aoi = transform_bounds(grid.crs, "EPSG:4326", *grid.bounds, densify_pts=21)
    data = read_osm(path, rules.keys, rules.tag_keys, aoi, location_index)
    tally: Counter[str] = Counter()
    kept: list[tuple[OsmObject, Feature, BaseGeometry, str]] = []
    classified: dict[frozenset[tuple[str, str]], tuple[Feature | None, Counter[str]]] = {}
    for obj in data.objects:
        # A city has a few hundred distinct sets of the tags the rules read, not thousands.
        key = frozenset(obj.tags.items())
        hit = classified.get(key)
        if hit is None:
            reasons: Counter[str] = Counter()
            hit = classified[key] = (classify(obj.tags, rules, reasons), reasons)
        feature, reasons = hit
        if reasons:
            tally.update(reasons)
        if feature is None:
            continue
        shaped = _shape(obj, feature, tally)
        if shaped is not None:
            kept.append((obj, feature, *shaped))
    projected = _project([g for _, _, g, _ in kept], grid)
    gsd = grid.gsd_m
    areas = [g for (_, _, _, kind), g in zip(kept, projected, strict=True) if kind == "area"]
    wide = _wide_areas(areas, gsd, rules)
    placed = []
    for (obj, feature, _, kind), geom in zip(kept, projected, strict=True):
        if not (next(wide) if kind == "area" else _size_ok(kind, feature, gsd, rules)):
            tally[f"too_small_{kind}"] += 1
            continue
        placed.append(Placed(obj.element, obj.osm_id, feature, geom, kind))
    tally_kinds = Counter(p.kind for p in placed)
    counts = {
        "file": os.path.basename(str(path)),
        "read": data.counts,
        "visible": dict(sorted(tally_kinds.items())),
        "not_used": dict(sorted(tally.items())),
    }
    log.info(
        "%s: %d objects read, %d visible at %.2f m (%s)",
        os.path.basename(str(path)),
        len(data.objects),
        len(placed),
        gsd,
        ", ".join(f"{k} {v}" for k, v in sorted(tally.items())) or "nothing left out",
    )
    tree = shapely.STRtree([p.geometry for p in placed])
    return OsmLayer(str(path), gsd, rules, tuple(placed), tree, counts)


def _shape(
    obj: OsmObject, feature: Feature, tally: Counter[str]
) -> tuple[BaseGeometry, str] | None:
    """The geometry an object is seen as, and its kind; None (tallied) when it cannot be."""
    geom = obj.geometry
    if obj.element == "n":
        if feature.size_m is None:
            tally["node_without_size"] += 1
            return None
        return geom, "point"
    if obj.element == "a":
        valid = _valid_area(geom, tally)
        return (valid, "area") if valid is not None else None
    if feature.linear:
        return geom, "line"
    if not obj.closed or len(geom.coords) < 4:
        tally["area_not_closed"] += 1  # an unclosed building or landuse way, or one cut
        return None
    area = _valid_area(shapely.Polygon(geom.coords), tally)
    return (area, "area") if area is not None else None


def _valid_area(geom: BaseGeometry, tally: Counter[str]) -> BaseGeometry | None:
    if geom.is_valid:
        return geom
    fixed = shapely.make_valid(geom)
    parts = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        tally["area_invalid"] += 1
        return None
    tally["area_repaired"] += 1
    return shapely.union_all(parts)


def _project(geoms: list[BaseGeometry], grid: Grid) -> list[BaseGeometry]:
    if not geoms:
        return []
    to_grid = Transformer.from_crs("EPSG:4326", grid.crs.to_wkt(), always_xy=True)

    def fn(xy: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        x, y = to_grid.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    out: np.ndarray[Any, Any] = shapely.transform(np.array(geoms, dtype=object), fn)
    return list(out)


def _size_ok(kind: str, feature: Feature, gsd: float, rules: OsmRules) -> bool:
    """Whether a point or a line is wide enough to be seen at ``gsd``."""
    if kind == "point":
        return (feature.size_m or 0.0) / gsd >= rules.min_point_px
    return (feature.width_m or 0.0) / gsd >= rules.min_line_width_px


def _wide_areas(areas: list[BaseGeometry], gsd: float, rules: OsmRules) -> Iterator[bool]:
    """For each area, whether it is somewhere at least ``min_width_px`` wide: whether anything
    is left after shrinking it by half that width (all areas in one call)."""
    half_width = rules.min_width_px * gsd / 2
    if half_width <= 0 or not areas:
        return iter([True] * len(areas))
    shrunk = shapely.buffer(np.array(areas, dtype=object), -half_width, quad_segs=2)
    return iter((~shapely.is_empty(shrunk)).tolist())
