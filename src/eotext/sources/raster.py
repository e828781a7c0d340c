"""Opening rasters with clear errors, and reading any raster onto a target grid window."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.io import DatasetReader
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from eotext.errors import AlignmentError, SourceError
from eotext.model import PixelWindow
from eotext.sources.grid import Grid
from eotext.sources.http import apply_gdal_http_defaults, is_remote


@contextmanager
def open_raster(path: str | Path) -> Iterator[DatasetReader]:
    """Open a raster for reading, turning GDAL's failures into a :class:`SourceError`."""
    p = Path(path)
    if is_remote(str(path)):
        apply_gdal_http_defaults()
    elif not str(path).startswith("/vsi") and not p.exists():
        raise SourceError(f"{path}: no such file; check the path in the recipe or command line")
    try:
        src = rasterio.open(path)
    except RasterioError as exc:
        raise SourceError(
            f"{path}: cannot be read as a raster ({exc}); the file may be corrupt or truncated — "
            "re-download it or check it with `gdalinfo`"
        ) from exc
    try:
        yield src
    finally:
        src.close()


#: Fewer ground control points than this cannot place a raster reliably.
MIN_GCPS = 6


def grid_of(src: DatasetReader, path: str | Path) -> Grid:
    """The grid of an open raster, refusing rasters without georeferencing.

    A raster georeferenced only by ground control points (raw Sentinel-1 GRD) gets the
    north-up grid that covers it in the UTM zone of its centre, at its own resolution.
    """
    if src.crs is None:
        gcps, gcp_crs = src.gcps
        if gcps:
            return _gcp_grid(src, gcps, gcp_crs, path)
        raise SourceError(
            f"{path}: has no coordinate reference system; eotext needs georeferenced rasters "
            "(assign one with `gdal_edit.py -a_srs EPSG:xxxx`)"
        )
    return Grid(src.crs, src.transform, src.width, src.height)


def _gcp_grid(src: DatasetReader, gcps: list[Any], gcp_crs: Any, path: str | Path) -> Grid:
    from rasterio.warp import calculate_default_transform

    from eotext.sources.grid import utm_crs_for

    if len(gcps) < MIN_GCPS or gcp_crs is None:
        raise SourceError(
            f"{path}: is georeferenced by {len(gcps)} ground control points"
            f"{'' if gcp_crs else ' without a CRS'}; at least {MIN_GCPS} with a CRS are needed "
            "to warp it onto a map grid — use the product's full annotation or a terrain-"
            "corrected product"
        )
    lon = float(np.mean([g.x for g in gcps]))
    lat = float(np.mean([g.y for g in gcps]))
    dst = utm_crs_for(lon, lat) if gcp_crs.is_geographic else gcp_crs
    transform, width, height = calculate_default_transform(
        gcp_crs, dst, src.width, src.height, gcps=gcps
    )
    return Grid(dst, transform, int(width), int(height))


class AlignedReader:
    """Reads one raster file onto a target grid, window by window.

    Reads directly when the file is already on the grid (or is the grid at an integer offset,
    the common case of a label map cropped from a larger tile), and through a warped VRT
    otherwise: nearest neighbour for labels, bilinear or average for reflectance. A file
    georeferenced only by ground control points is warped window by window with
    ``rasterio.warp.reproject`` (rasterio's WarpedVRT does not honour GCPs reliably: it read
    overview-level values in our tests on raw Sentinel-1 GRD).
    """

    def __init__(
        self,
        path: str | Path,
        grid: Grid,
        resampling: Resampling = Resampling.nearest,
        bands: list[int] | None = None,
    ) -> None:
        self.path = str(path)
        self._cm = open_raster(path)
        self.src: DatasetReader = self._cm.__enter__()
        self.src_grid = grid_of(self.src, path)
        self.grid = grid
        self.bands = bands or list(range(1, self.src.count + 1))
        self._offset: tuple[int, int] | None = None
        self._vrt: WarpedVRT | None = None
        if not overlaps(self.src_grid, grid):
            self.close()
            raise AlignmentError(
                f"{path}: does not overlap the scene grid (its bounds {self.src_grid.bounds} in "
                f"{self.src_grid.crs} vs scene bounds {grid.bounds} in {grid.crs}); pair it "
                "with imagery of the same area"
            )
        self._resampling = resampling
        self._gcps = self.src.gcps if self.src.crs is None else None
        self._offset = None if self._gcps is not None else _integer_offset(self.src_grid, grid)
        # A coarser band covering exactly the grid (a BigEarthNet 20 m band under its 10 m
        # grid) is read whole at the grid's size: no warper, same bilinear / average kernel.
        self._whole = (
            self._offset is None and self._gcps is None and _same_extent(self.src_grid, grid)
        )
        if self._offset is None and self._gcps is None and not self._whole:
            self._vrt = self._warped()

    def _warped(self) -> WarpedVRT:
        return WarpedVRT(
            self.src,
            crs=self.grid.crs,
            transform=self.grid.transform,
            width=self.grid.width,
            height=self.grid.height,
            resampling=self._resampling,
            src_nodata=self.src.nodata,
            nodata=self.src.nodata if self.src.nodata is not None else 0,
        )

    @property
    def nodata(self) -> float | None:
        return self.src.nodata  # type: ignore[no-any-return]

    @property
    def dtype(self) -> np.dtype[Any]:
        dtype: np.dtype[Any] = np.dtype(str(self.src.dtypes[self.bands[0] - 1]))
        return dtype

    def read(self, window: PixelWindow, fill: float | None = None) -> np.ndarray[Any, Any]:
        """Read ``window`` of the target grid as a (bands, rows, cols) array.

        Pixels the file does not cover are filled with ``fill`` (default: the file's nodata or 0).
        """
        fill_value = fill if fill is not None else (self.nodata if self.nodata is not None else 0)
        try:
            if self._gcps is not None:
                return self._read_by_gcps(window, fill_value)
            if self._whole and window == self.grid.full_window():
                shape = (len(self.bands), window.height, window.width)
                return self.src.read(  # type: ignore[no-any-return]
                    self.bands, out_shape=shape, resampling=self._resampling
                )
            if self._whole:  # a part of the grid: warp after all, once
                self._vrt = self._warped()
                self._whole = False
            if self._vrt is not None:
                win = Window(window.col_off, window.row_off, window.width, window.height)
                return self._vrt.read(self.bands, window=win)  # type: ignore[no-any-return]
            assert self._offset is not None
            dc, dr = self._offset
            win = Window(window.col_off + dc, window.row_off + dr, window.width, window.height)
            inside = (
                win.col_off >= 0
                and win.row_off >= 0
                and win.col_off + win.width <= self.src.width
                and win.row_off + win.height <= self.src.height
            )
            if inside:
                return self.src.read(self.bands, window=win)  # type: ignore[no-any-return]
            return self.src.read(  # type: ignore[no-any-return]
                self.bands, window=win, boundless=True, fill_value=fill_value
            )
        except RasterioError as exc:
            raise SourceError(
                f"{self.path}: reading pixels {window} failed ({exc}); the file is probably "
                "corrupt or truncated — re-download it"
            ) from exc

    def _read_by_gcps(self, window: PixelWindow, fill: float) -> np.ndarray[Any, Any]:
        from rasterio import band
        from rasterio.warp import reproject

        assert self._gcps is not None
        gcps, gcp_crs = self._gcps
        out = np.full((len(self.bands), window.height, window.width), fill, dtype=self.dtype)
        for i, b in enumerate(self.bands):
            reproject(
                band(self.src, b),
                out[i],
                gcps=gcps,
                src_crs=gcp_crs,
                dst_transform=self.grid.window_transform(window),
                dst_crs=self.grid.crs,
                dst_nodata=fill,
                resampling=self._resampling,
            )
        return out

    def close(self) -> None:
        if self._vrt is not None:
            self._vrt.close()
            self._vrt = None
        self._cm.__exit__(None, None, None)

    def __enter__(self) -> AlignedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _same_extent(src: Grid, dst: Grid) -> bool:
    """Whether two north-up grids in one CRS cover the same rectangle (to 1e-6 of a pixel)."""
    if src.crs != dst.crs or any(
        v != 0 for v in (src.transform.b, src.transform.d, dst.transform.b, dst.transform.d)
    ):
        return False
    tol = 1e-6 * abs(dst.transform.a)
    return all(abs(a - b) <= tol for a, b in zip(src.bounds, dst.bounds, strict=True))


def _integer_offset(src: Grid, dst: Grid) -> tuple[int, int] | None:
    """(dcol, drow) such that dst pixel (c, r) is src pixel (c+dcol, r+drow), if one exists."""
    if src.crs != dst.crs:
        return None
    a, b = src.transform, dst.transform
    if not (math.isclose(a.a, b.a, rel_tol=1e-9) and math.isclose(a.e, b.e, rel_tol=1e-9)):
        return None
    if a.b != 0 or a.d != 0 or b.b != 0 or b.d != 0:
        return None
    dcol = (b.c - a.c) / a.a
    drow = (b.f - a.f) / a.e
    if abs(dcol - round(dcol)) > 1e-6 or abs(drow - round(drow)) > 1e-6:
        return None
    return round(dcol), round(drow)


def overlaps(src: Grid, dst: Grid) -> bool:
    from rasterio.warp import transform_bounds

    if src.crs == dst.crs:  # no reprojection needed (and much cheaper per small file)
        s, d = src.bounds, dst.bounds
        return bool(s[0] < d[2] and s[2] > d[0] and s[1] < d[3] and s[3] > d[1])
    try:
        left, bottom, right, top = transform_bounds(src.crs, dst.crs, *src.bounds, densify_pts=21)
    except Exception:
        return False
    d = dst.bounds
    return bool(left < d[2] and right > d[0] and bottom < d[3] and top > d[1])
