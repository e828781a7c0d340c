"""An independent reading of an OSM file for tests: pyosmium directly, geometries by shapely.

Nothing here uses eotext: it is what the captions are checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import osmium
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Truth:
    """Tags and geometries (WGS84) by (element, id): n = node, w = way, a = relation."""

    tags: dict[tuple[str, int], dict[str, str]]
    geometry: dict[tuple[str, int], BaseGeometry]


def read_truth(path: Path) -> Truth:
    tags: dict[tuple[str, int], dict[str, str]] = {}
    geometry: dict[tuple[str, int], BaseGeometry] = {}
    way_coords: dict[int, list[tuple[float, float]]] = {}
    relations: dict[int, list[tuple[int, str]]] = {}
    for o in osmium.FileProcessor(str(path)).with_locations():
        if o.is_node():
            if len(o.tags):
                tags[("n", o.id)] = dict(o.tags)
                geometry[("n", o.id)] = shapely.Point(o.location.lon, o.location.lat)
        elif o.is_way():
            coords = [(n.lon, n.lat) for n in o.nodes if n.location.valid()]
            way_coords[o.id] = coords
            if len(o.tags) and len(coords) >= 2:
                tags[("w", o.id)] = dict(o.tags)
                complete = len(coords) == len(o.nodes)
                if complete and o.is_closed() and len(coords) >= 4:
                    # Whether a closed way is an area or a line, its outline decides both.
                    geometry[("w", o.id)] = shapely.Polygon(coords).buffer(0)
                else:
                    geometry[("w", o.id)] = shapely.LineString(coords)
        elif o.is_relation() and o.tags.get("type") in ("multipolygon", "boundary"):
            tags[("a", o.id)] = dict(o.tags)
            relations[o.id] = [(m.ref, m.role) for m in o.members if m.type == "w"]
    for rid, members in relations.items():
        rings: dict[str, list[BaseGeometry]] = {"outer": [], "inner": []}
        for ref, role in members:
            coords = way_coords.get(ref, [])
            if len(coords) >= 2:
                rings["inner" if role == "inner" else "outer"].append(shapely.LineString(coords))
        outer = shapely.union_all(shapely.get_parts(shapely.polygonize(rings["outer"])))
        inner = shapely.union_all(shapely.get_parts(shapely.polygonize(rings["inner"])))
        if not outer.is_empty:
            geometry[("a", rid)] = outer.difference(inner) if not inner.is_empty else outer
    return Truth(tags, geometry)
