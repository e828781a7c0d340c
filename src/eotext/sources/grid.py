"""The pixel grid every layer of a scene is put on."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS as ProjCRS
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.warp import calculate_default_transform
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from eotext.errors import AlignmentError
from eotext.model import PixelWindow

_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Grid:
    """A georeferenced pixel grid: CRS, affine transform and size."""

    crs: CRS
    transform: Affine
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise AlignmentError(f"grid size must be positive, got {self.width}×{self.height}")

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the grid's CRS."""
        return self.window_bounds(self.full_window())

    @cached_property
    def gsd_m(self) -> float:
        """Ground sampling distance in metres (at the grid's centre for geographic CRSs;
        computed once per grid: every patch's row and facts ask for it)."""
        res = abs(self.transform.a)
        if self.crs.is_geographic:
            lat = (self.bounds[1] + self.bounds[3]) / 2
            # Pixels are square in degrees; report the geometric mean of their two sides.
            m_per_deg = math.pi * _EARTH_RADIUS_M / 180
            return m_per_deg * math.sqrt(res * abs(self.transform.e) * math.cos(math.radians(lat)))
        factor = self.crs.linear_units_factor[1] if self.crs.linear_units_factor else 1.0
        return res * factor

    @cached_property
    def crs_string(self) -> str:
        """``crs.to_string()`` (``"EPSG:32631"``), kept: every patch row names its CRS, and each
        call asks GDAL anew."""
        return str(self.crs.to_string())

    def window_transform(self, window: PixelWindow) -> Affine:
        """The transform of a window: ``transform @ Affine.translation(col_off, row_off)``,
        written out (the same floating-point operations, a fraction of the time)."""
        a, b, c, d, e, f = self.transform[:6]
        col, row = window.col_off, window.row_off
        return Affine(a, b, a * col + b * row + c, d, e, d * col + e * row + f)

    def window_bounds(self, window: PixelWindow) -> tuple[float, float, float, float]:
        """A window's (left, bottom, right, top) in the grid's CRS."""
        a, b, c, d, e, f = self.window_transform(window)[:6]
        x0, y0 = c, f  # the window's corner (0, 0)
        w, h = window.width, window.height
        x1, y1 = a * w + b * h + c, d * w + e * h + f  # as Affine @ (w, h) computes them
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    @cached_property
    def _is_wgs84(self) -> bool:
        return bool(self.crs.is_geographic and self.crs.to_epsg() == 4326)

    def window_footprint(self, window: PixelWindow) -> BaseGeometry:
        """The window's outline in WGS84 longitude/latitude."""
        left, bottom, right, top = self.window_bounds(window)
        geom = box(left, bottom, right, top)
        if self._is_wgs84:
            return geom
        # Densify the edges so the outline stays faithful after projection.
        dense = shapely.segmentize(geom, max_segment_length=max(right - left, top - bottom) / 8)
        to_wgs84 = _transformer_to_wgs84(self.crs.to_wkt())
        return shapely.transform(
            dense, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
        )

    def full_window(self) -> PixelWindow:
        return PixelWindow(0, 0, self.width, self.height)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS containing a point."""
    zone = min(int((lon + 180) // 6) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def reprojected_grid(source: Grid, crs: str | None, gsd_m: float | None) -> Grid:
    """A grid covering ``source`` in another CRS and/or at another resolution.

    Args:
        source: the grid to cover.
        crs: target CRS (``"EPSG:32629"``), ``"utm"`` for the UTM zone of the centre, or None to
            keep the source CRS.
        gsd_m: target pixel size in metres (map units of a projected CRS); None keeps the
            source resolution.
    """
    if crs is None and gsd_m is None:
        return source
    if crs is None:
        dst_crs = source.crs
    elif crs.lower() == "utm":
        left, bottom, right, top = source.bounds
        cx, cy = (left + right) / 2, (bottom + top) / 2
        if not source.crs.is_geographic:
            cx, cy = _transformer_to_wgs84(source.crs.to_wkt()).transform(cx, cy)
        dst_crs = utm_crs_for(cx, cy)
    else:
        try:
            dst_crs = CRS.from_user_input(crs)
        except Exception as exc:
            raise AlignmentError(
                f"'{crs}' is not a CRS; give an EPSG code like 'EPSG:32633' or 'utm'"
            ) from exc
    if gsd_m is not None and dst_crs.is_geographic:
        raise AlignmentError(
            f"a ground sampling distance of {gsd_m} m needs a projected CRS, but {dst_crs} is "
            "geographic; add crs = 'utm' (or an EPSG code) to the grid settings"
        )
    resolution = gsd_m if gsd_m is not None else None
    if resolution is None and ProjCRS(dst_crs.to_wkt()).is_geographic != source.crs.is_geographic:
        resolution = source.gsd_m  # changing between degrees and metres: keep the ground size
    transform, width, height = calculate_default_transform(
        source.crs,
        dst_crs,
        source.width,
        source.height,
        *source.bounds,
        resolution=resolution,
    )
    return Grid(dst_crs, transform, int(width), int(height))


@lru_cache(maxsize=16)
def _transformer_to_wgs84(crs_wkt: str) -> Transformer:
    return Transformer.from_crs(ProjCRS.from_wkt(crs_wkt), "EPSG:4326", always_xy=True)
