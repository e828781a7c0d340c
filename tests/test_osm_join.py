"""The layer (objects on a grid) and the join (objects of a patch, focus and surroundings)."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from rasterio.crs import CRS
from shapely.geometry.base import BaseGeometry

from eotext.model import PixelWindow
from eotext.semantics.osm.join import join_patch, see
from eotext.semantics.osm.layer import OsmLayer, Placed, clear_cache, load_layer
from eotext.semantics.osm.rules import DEFAULT_RULES, OsmRules, classify
from eotext.sources.grid import Grid

X0, Y0 = 385_000.0, 6_673_000.0  # UTM 35N, central Helsinki
GRID = Grid(CRS.from_epsg(32635), Affine(1, 0, X0, 0, -1, Y0), 512, 512)
BOX = (X0, Y0 - 256, X0 + 256, Y0)  # the top-left 256 m patch


def _layer(objects: list[tuple[dict[str, str], BaseGeometry, str]], gsd: float = 1.0) -> OsmLayer:
    placed = []
    for i, (tags, geom, kind) in enumerate(objects):
        feature = classify(tags, DEFAULT_RULES)
        assert feature is not None, tags
        placed.append(Placed("w", 100 + i, feature, geom, kind))
    tree = shapely.STRtree([p.geometry for p in placed])
    return OsmLayer("test", gsd, DEFAULT_RULES, tuple(placed), tree, {})


def _rect(x: float, y: float, w: float, h: float) -> BaseGeometry:
    return shapely.box(X0 + x, Y0 - y - h, X0 + x + w, Y0 - y)


def test_shares_cover_and_visibility() -> None:
    layer = _layer(
        [
            ({"building": "yes"}, _rect(10, 10, 20, 20), "area"),  # inside
            ({"leisure": "park"}, _rect(200, 0, 112, 100), "area"),  # half inside
            ({"building": "yes"}, _rect(50, 50, 2, 2), "area"),  # 4 px: too small
            (
                {"highway": "primary"},
                shapely.LineString([(X0 - 50, Y0 - 128), (X0 + 300, Y0 - 128)]),
                "line",
            ),
            (
                {"highway": "service"},
                shapely.LineString([(X0 + 5, Y0 - 5), (X0 + 15, Y0 - 5)]),
                "line",
            ),
            ({"natural": "tree"}, shapely.Point(X0 + 100, Y0 - 100), "point"),
            ({"natural": "tree"}, shapely.Point(X0 + 300, Y0 - 100), "point"),  # outside
        ]
    )
    seen = {s.placed.osm_id: s for s in see(layer, BOX)}
    assert sorted(seen) == [100, 101, 103, 105]
    assert seen[100].share == 1.0 and seen[100].cover == pytest.approx(400 / 256**2)
    assert seen[101].share == pytest.approx(56 / 112) and seen[101].visible_px == 56 * 100
    assert seen[103].share == pytest.approx(256 / 350) and seen[103].visible_px == 256 * 15
    assert seen[105].share == 1.0 and seen[105].visible_px == 36


def test_focus_prefers_objects_over_districts() -> None:
    residential = ({"landuse": "residential"}, _rect(-100, -100, 500, 500), "area")
    house = ({"building": "house"}, _rect(100, 100, 12, 10), "area")
    found = join_patch(_layer([residential, house]), BOX)
    assert found.focus is not None and found.focus.placed.feature.key == "building"
    assert [s.placed.feature.key for s in found.surrounding] == ["landuse"]
    alone = join_patch(_layer([residential]), BOX)
    assert alone.focus is not None and alone.focus.cover == 1.0 and alone.surrounding == ()


def test_no_focus_when_nothing_is_mostly_inside_or_large() -> None:
    corner = ({"leisure": "park"}, _rect(240, 240, 100, 100), "area")  # 256 px, 2.6 % inside
    found = join_patch(_layer([corner]), BOX)
    assert found.focus is None and found.all == ()


def test_window_bounds_are_the_patch_footprint() -> None:
    assert GRID.window_bounds(PixelWindow(0, 0, 256, 256)) == BOX
    assert GRID.window_bounds(PixelWindow(256, 256, 256, 256)) == (
        X0 + 256, Y0 - 512, X0 + 512, Y0 - 256
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-100, 300), st.floats(-100, 300), st.floats(1, 200), st.floats(1, 200)),
        min_size=1,
        max_size=12,
    )
)
def test_sightings_lie_in_the_patch(rects: list[tuple[float, float, float, float]]) -> None:
    layer = _layer([({"building": "yes"}, _rect(*r), "area") for r in rects])
    found = join_patch(layer, BOX)
    patch = shapely.box(*BOX)
    for s in found.all:
        assert 0 < s.share <= 1 + 1e-9 and 0 < s.cover <= 1 + 1e-9
        assert s.placed.geometry.intersection(patch).area >= DEFAULT_RULES.min_area_px - 1e-6
    if found.focus is not None:
        assert found.focus.share >= 0.5 or found.focus.cover >= 0.3
        rivals = [s for s in found.surrounding if s.share >= 0.5 or s.cover >= 0.3]
        assert all(s.visible_px <= found.focus.visible_px for s in rivals)


def _node_xml(i: int, x: float, y: float, tags: str = "") -> str:
    lon, lat = Transformer.from_crs(32635, 4326, always_xy=True).transform(X0 + x, Y0 - y)
    return f'<node id="{i}" lat="{lat:.7f}" lon="{lon:.7f}">{tags}</node>'


def _way_xml(i: int, refs: list[int], tags: dict[str, str]) -> str:
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    tg = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{i}">{nds}{tg}</way>'


def test_layer_turns_ways_into_areas_lines_and_skips(tmp_path: Path) -> None:
    square = [(10, 10), (40, 10), (40, 40), (10, 40)]
    bowtie = [(100, 100), (140, 140), (140, 100), (100, 140)]
    thin = [(200, 10), (202, 10), (202, 110), (200, 110)]
    nodes, i = [], 1
    for x, y in square + bowtie + thin:
        nodes.append(_node_xml(i, x, y))
        i += 1
    nodes.append(_node_xml(50, 60, 60, '<tag k="natural" v="tree"/>'))
    nodes.append(_node_xml(51, 61, 61, '<tag k="amenity" v="bench"/>'))
    ways = [
        _way_xml(100, [1, 2, 3, 4, 1], {"building": "yes"}),
        _way_xml(101, [1, 2, 3, 4, 1], {"highway": "footway"}),  # a closed footway is a line
        _way_xml(102, [1, 2, 3, 4, 1], {"highway": "pedestrian", "area": "yes"}),
        _way_xml(103, [1, 2, 3], {"building": "yes"}),  # not closed
        _way_xml(104, [5, 6, 7, 8, 5], {"landuse": "grass"}),  # self-intersecting
        _way_xml(105, [9, 10, 11, 12, 9], {"building": "yes"}),  # 2 m wide
    ]
    path = tmp_path / "shapes.osm"
    path.write_text(f"<osm version='0.6'>{''.join(nodes)}{''.join(ways)}</osm>")
    clear_cache()
    layer = load_layer(path, GRID, DEFAULT_RULES)
    kinds = {p.osm_id: p.kind for p in layer.objects}
    assert kinds == {100: "area", 101: "line", 102: "area", 104: "area", 50: "point"}
    assert layer.counts["not_used"] == {
        "area_not_closed": 1, "area_repaired": 1, "not_groundable": 1, "too_small_area": 1
    }  # fmt: skip
    bowtie_area = next(p for p in layer.objects if p.osm_id == 104).geometry
    assert bowtie_area.is_valid and bowtie_area.area == pytest.approx(800, rel=0.01)
    assert load_layer(path, GRID, DEFAULT_RULES) is layer  # cached: read once per process
    coarse = Grid(GRID.crs, Affine(10, 0, X0, 0, -10, Y0), 64, 64)
    at_10m = {p.osm_id for p in load_layer(path, coarse, DEFAULT_RULES).objects}
    assert 101 not in at_10m and 50 not in at_10m  # a footway and a tree vanish at 10 m


def test_rules_thresholds_are_used(tmp_path: Path) -> None:
    strict = DEFAULT_RULES.with_overrides({"min_area_px": 500})
    layer = _layer([({"building": "yes"}, _rect(10, 10, 20, 20), "area")])
    lenient = OsmLayer("t", 1.0, strict, layer.objects, layer.tree, {})
    assert see(layer, BOX) and not see(lenient, BOX)
    assert isinstance(strict, OsmRules)
