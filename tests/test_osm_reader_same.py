"""The reader's output on the real Helsinki extract, pinned object by object.

Digests of every object (element, id, tags, closed flag, geometry rounded to OSM's 1e-7
degrees) and of the layer the default rules build, recorded from the reader before it was made
faster: a faster reader must return the same objects with the same geometries and tags.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from eotext.semantics.osm.layer import build_layer
from eotext.semantics.osm.rules import DEFAULT_RULES
from eotext.sources.osm import OsmObject, extract_bounds, read_osm
from tests.conftest import HELSINKI_PBF, need


def _geometry_key(geom: BaseGeometry) -> bytes:
    rounded = shapely.transform(geom, lambda xy: np.round(xy, 7))
    return bytes(shapely.to_wkb(rounded, output_dimension=2, byte_order=1))


def _digest(rows: list[bytes]) -> str:
    h = hashlib.sha256()
    for row in sorted(rows):
        h.update(hashlib.sha256(row).digest())
    return h.hexdigest()[:16]


def _objects_digest(objects: tuple[OsmObject, ...]) -> dict[str, Any]:
    rows = [
        repr((o.element, o.osm_id, sorted(o.tags.items()), o.closed)).encode()
        + _geometry_key(o.geometry)
        for o in objects
    ]
    return {"n": len(objects), "digest": _digest(rows)}


def _helsinki_grid() -> Any:
    from eotext.config.recipe import GridSpec, SourceSpec
    from eotext.scene.resolve import resolve_scenes

    pbf = need(HELSINKI_PBF)
    spec = SourceSpec(osm=str(pbf), grid=GridSpec(gsd_m=0.5, patch_size=256))
    return resolve_scenes(spec)[0].grid


def test_read_with_the_rules_keys_is_unchanged() -> None:
    rules = DEFAULT_RULES
    data = read_osm(need(HELSINKI_PBF), rules.keys, rules.tag_keys)
    assert data.counts == _RULES_COUNTS
    assert _objects_digest(data.objects) == _RULES_DIGEST


def test_read_keeping_every_tag_inside_an_area_is_unchanged() -> None:
    pbf = need(HELSINKI_PBF)
    west, south, east, north = extract_bounds(pbf)
    aoi = (west, south, (west + east) / 2, (south + north) / 2)
    data = read_osm(pbf, ("building", "highway", "amenity", "leisure"), aoi=aoi)
    assert data.counts == _ALL_TAGS_COUNTS
    assert _objects_digest(data.objects) == _ALL_TAGS_DIGEST


def test_layer_is_unchanged() -> None:
    layer = build_layer(need(HELSINKI_PBF), _helsinki_grid(), DEFAULT_RULES)
    rows = [
        repr((p.element, p.osm_id, p.kind, p.feature)).encode()
        + _geometry_key(shapely.set_precision(p.geometry, 0.001))
        for p in layer.objects
    ]
    assert layer.counts == _LAYER_COUNTS
    assert {"n": len(rows), "digest": _digest(rows)} == _LAYER_DIGEST


_RULES_COUNTS: dict[str, Any] = {
    "objects": {"a": 86, "n": 4042, "w": 4548},
    "skipped": {"multipolygon_not_assembled": 12, "way_outside_extract": 107},
    "tags_dropped": {},
    "outside_aoi": 0,
    "cut_ways": 204,
}
_RULES_DIGEST = {"n": 8676, "digest": "7b83c9f260bbe551"}
_ALL_TAGS_COUNTS: dict[str, Any] = {
    "objects": {"a": 42, "n": 932, "w": 1004},
    "skipped": {"multipolygon_not_assembled": 12, "way_outside_extract": 79},
    "tags_dropped": {},
    "outside_aoi": 3720,
    "cut_ways": 120,
}
_ALL_TAGS_DIGEST = {"n": 1978, "digest": "4fb6f04e70756d25"}
_LAYER_COUNTS: dict[str, Any] = {
    "file": "Helsinki.osm.pbf",
    "read": _RULES_COUNTS,
    "visible": {"area": 841, "line": 2639, "point": 661},
    "not_used": {
        "area_not_closed": 113,
        "hidden": 403,
        "node_without_size": 79,
        "not_groundable": 3716,
        "odd_modifier_value": 3,
        "too_small_area": 4,
        "too_small_line": 220,
    },
}
_LAYER_DIGEST = {"n": 4141, "digest": "20634d0627371c58"}
