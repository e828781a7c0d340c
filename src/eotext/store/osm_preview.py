"""Map previews of patches without imagery, drawn from the OSM geometries.

Each visible object is burnt into the patch's pixel grid (:func:`rasterio.features.rasterize`)
in a colour close to the OpenStreetMap standard style: land use first, then leisure and amenity
areas, water, buildings, lines at their typical width, and nodes at their typical size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from rasterio.features import rasterize

from eotext.model import PixelWindow
from eotext.semantics.osm.layer import OsmLayer, Placed, load_layer

if TYPE_CHECKING:
    from eotext.scene.scene import Scene
    from eotext.text.spec import OsmSpec

BACKGROUND = (242, 239, 233)
#: Colours by ``key=value`` or ``key`` (RGB), close to the OSM standard ("Carto") style.
COLOURS: dict[str, tuple[int, int, int]] = {
    "landuse": (224, 223, 223),
    "landuse=commercial": (242, 218, 217),
    "landuse=retail": (255, 214, 209),
    "landuse=industrial": (235, 219, 232),
    "landuse=railway": (235, 219, 232),
    "landuse=farmland": (238, 240, 213),
    "landuse=forest": (173, 209, 158),
    "landuse=grass": (205, 235, 176),
    "landuse=meadow": (205, 235, 176),
    "landuse=cemetery": (170, 203, 175),
    "landuse=construction": (199, 199, 180),
    "landuse=basin": (170, 211, 223),
    "landuse=reservoir": (170, 211, 223),
    "landuse=pond": (170, 211, 223),
    "natural": (214, 217, 159),
    "natural=wood": (173, 209, 158),
    "natural=scrub": (200, 215, 171),
    "natural=grassland": (205, 235, 176),
    "natural=water": (170, 211, 223),
    "natural=wetland": (190, 220, 210),
    "natural=bare_rock": (238, 229, 220),
    "natural=sand": (245, 233, 198),
    "natural=beach": (255, 241, 186),
    "natural=tree": (140, 190, 120),
    "natural=tree_row": (140, 190, 120),
    "natural=coastline": (120, 160, 190),
    "leisure": (200, 250, 204),
    "leisure=pitch": (170, 224, 203),
    "leisure=swimming_pool": (170, 211, 223),
    "leisure=playground": (223, 252, 226),
    "leisure=track": (196, 224, 203),
    "amenity": (242, 239, 190),
    "amenity=parking": (238, 238, 238),
    "amenity=fountain": (170, 211, 223),
    "aeroway": (218, 218, 224),
    "man_made": (214, 210, 204),
    "building": (196, 182, 171),
    "highway": (255, 255, 255),
    "highway=motorway": (232, 146, 162),
    "highway=trunk": (249, 178, 156),
    "highway=primary": (252, 214, 164),
    "highway=secondary": (246, 250, 187),
    "highway=footway": (250, 128, 114),
    "highway=cycleway": (80, 80, 250),
    "highway=path": (250, 128, 114),
    "highway=steps": (250, 128, 114),
    "highway=track": (153, 102, 51),
    "railway": (112, 112, 112),
    "waterway": (120, 170, 210),
    "power": (90, 90, 90),
    "barrier": (100, 100, 100),
    "barrier=hedge": (174, 209, 160),
}
_AREA_ORDER = ("landuse", "natural", "leisure", "amenity", "aeroway", "man_made", "building")


def osm_preview(scene: Scene, window: PixelWindow, spec: OsmSpec) -> np.ndarray[Any, Any]:
    """The (rows, cols, 3) uint8 map preview of one patch of an OSM scene."""
    assert scene.osm_path is not None
    layer = load_layer(scene.osm_path, scene.grid, spec.resolved_rules(), spec.location_index)
    return render(layer, scene.grid.window_transform(window), window.height, window.width)


def render(layer: OsmLayer, transform: Any, height: int, width: int) -> np.ndarray[Any, Any]:
    """Draw the layer's objects over a (height, width) window with ``transform``."""
    palette = [BACKGROUND]
    index: dict[tuple[int, int, int], int] = {BACKGROUND: 0}
    x0, y0 = transform.c, transform.f
    x1, y1 = x0 + width * transform.a, y0 + height * transform.e
    box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    # Lines and nodes are drawn at their typical size, so look a little beyond the window.
    margin = 50.0 + 2 * abs(transform.a)
    wide = (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)
    hits = sorted(int(i) for i in layer.tree.query(shapely.box(*wide)))
    order = sorted(hits, key=lambda i: _draw_rank(layer.objects[i]))
    drawn = shapely.clip_by_rect(
        np.array([_drawn(layer, i) for i in order], dtype=object),
        box[0] - abs(transform.a),
        box[1] - abs(transform.a),
        box[2] + abs(transform.a),
        box[3] + abs(transform.a),
    )
    shapes = []
    for i, geom in zip(order, drawn, strict=True):
        if geom.is_empty:
            continue
        colour = _colour(layer.objects[i])
        if colour not in index:
            index[colour] = len(palette)
            palette.append(colour)
        shapes.append((geom, index[colour]))
    burnt = np.zeros((height, width), dtype=np.uint8)
    if shapes:
        burnt = rasterize(shapes, out_shape=(height, width), transform=transform, dtype="uint8")
    rgb: np.ndarray[Any, Any] = np.array(palette, dtype=np.uint8)[burnt]
    return rgb


def _colour(obj: Placed) -> tuple[int, int, int]:
    f = obj.feature
    value = f.words.split(" and ")[0].replace(" ", "_")
    return COLOURS.get(f"{f.key}={value}") or COLOURS.get(f.key) or (128, 128, 128)


def _draw_rank(obj: Placed) -> tuple[int, float]:
    if obj.kind == "area":
        key = obj.feature.key
        rank = _AREA_ORDER.index(key) if key in _AREA_ORDER else 3
        if obj.feature.value == "water" or key == "water":
            rank = 4
        return (rank, -obj.geometry.area)  # big areas first, so small ones stay visible
    return (10 if obj.kind == "line" else 11, 0.0)


def _drawn(layer: OsmLayer, i: int) -> Any:
    """Object ``i`` as drawn: areas as they are, lines and nodes grown to their typical size
    (grown once per layer, then reused by every patch)."""
    cached = layer.drawn.get(i)
    if cached is not None:
        return cached
    obj = layer.objects[i]
    geom = obj.geometry
    if obj.kind != "area":
        size = obj.feature.width_m if obj.kind == "line" else obj.feature.size_m
        geom = geom.buffer(max(size or 0.0, layer.gsd_m) / 2, quad_segs=4)
    layer.drawn[i] = geom
    return geom
