"""Joining OSM objects to a patch: which are visible in it, the focus object and the rest.

SkyScript retrieved each image around one *object of interest* (the focus) and listed the other
objects it shows. eotext's patches come from a grid, so the focus is chosen per patch: among the
visible objects that are mostly inside the patch (``focus_min_share``) or cover much of it
(``focus_min_cover``), the one that covers the most pixels — districts (the rules'
``background``, such as residential land) only when no other object qualifies. All other
visible objects are its surroundings, largest first.

An object is visible in a patch when its part inside covers at least ``min_area_px`` pixels
(areas), runs at least ``min_length_px`` pixels (lines) or lies inside (nodes), and it passed
the layer's own size test at the grid's GSD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from eotext.semantics.osm.layer import OsmLayer, Placed

Box = tuple[float, float, float, float]  # left, bottom, right, top in the grid's CRS


@dataclass(frozen=True)
class Sighting:
    """One object seen in one patch.

    Attributes:
        placed: the object.
        share: share of the object inside the patch (of its area, its length; 1 for a node).
        cover: share of the patch the object covers (areas; 0 for lines and nodes).
        visible_px: pixels it covers in the patch (a line: length × typical width).
    """

    placed: Placed
    share: float
    cover: float
    visible_px: float


@dataclass(frozen=True)
class PatchObjects:
    """The visible objects of one patch: the focus, and the others largest first."""

    focus: Sighting | None
    surrounding: tuple[Sighting, ...]

    @property
    def all(self) -> tuple[Sighting, ...]:
        return ((self.focus,) if self.focus else ()) + self.surrounding


def join_patch(layer: OsmLayer, box: Box) -> PatchObjects:
    """The visible objects of the patch whose footprint is ``box`` on the layer's grid."""
    sightings = see(layer, box)
    rules = layer.rules
    candidates = [
        s for s in sightings if s.share >= rules.focus_min_share or s.cover >= rules.focus_min_cover
    ]
    if not candidates:
        return PatchObjects(None, ())
    objects = [s for s in candidates if not _background(s, layer)]
    focus = max(objects or candidates, key=_rank)
    others = sorted((s for s in sightings if s is not focus), key=_rank, reverse=True)
    return PatchObjects(focus, tuple(others[: rules.max_surrounding]))


def see(layer: OsmLayer, box: Box) -> list[Sighting]:
    """Every object of the layer visible in ``box``, in index order."""
    if not layer.objects:
        return []
    rect = shapely.box(*box)
    hits = layer.tree.query(rect, predicate="intersects")
    if hits.size == 0:
        return []
    hits.sort()
    geoms = np.array([layer.objects[i].geometry for i in hits], dtype=object)
    inside: np.ndarray[Any, Any] = shapely.clip_by_rect(geoms, *box)
    rules, gsd = layer.rules, layer.gsd_m
    patch_area = rect.area
    out = []
    for i, part in zip(hits, inside, strict=True):
        placed = layer.objects[i]
        whole = placed.geometry
        if placed.kind == "area":
            area = float(part.area)
            if area / gsd**2 < rules.min_area_px:
                continue
            out.append(Sighting(placed, area / whole.area, area / patch_area, area / gsd**2))
        elif placed.kind == "line":
            length = float(part.length)
            if length / gsd < rules.min_length_px:
                continue
            width_px = (placed.feature.width_m or 0.0) / gsd
            out.append(Sighting(placed, length / whole.length, 0.0, length / gsd * width_px))
        else:
            if part.is_empty:
                continue  # on the boundary: clip_by_rect keeps only the inside
            size_px = (placed.feature.size_m or 0.0) / gsd
            out.append(Sighting(placed, 1.0, 0.0, size_px**2))
    return out


def _background(s: Sighting, layer: OsmLayer) -> bool:
    f = s.placed.feature
    return layer.rules.is_background(f.key, f.value)


def _rank(s: Sighting) -> tuple[float, str, int]:
    # Largest first; ties broken by element and id so the choice never depends on order.
    return (s.visible_px, s.placed.element, -s.placed.osm_id)
