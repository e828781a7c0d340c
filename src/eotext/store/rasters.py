"""Writing patch rasters and previews, each atomically (temporary name, then rename)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from PIL import Image
from rasterio.crs import CRS

from eotext.files import atomic_path
from eotext.schemes.colours import colour_labels

#: Patch GeoTIFFs are Cloud-Optimized GeoTIFFs (GDAL's COG driver: tiled, overviews when a
#: patch is larger than a tile, IFDs and tile data in COG order; ``rio cogeo validate`` passes).
_COG_OPTIONS: dict[str, Any] = {
    "driver": "COG",
    "compress": "deflate",
    "level": 1,  # patches are small; speed matters more than the last few per cent of size
}
#: A patch that fits in one tile is written by the GTiff driver directly: one tile and no
#: overviews is already COG order (the IFD first), what the COG driver would write after
#: copying a temporary file, a fifth of the write's time.
_ONE_TILE_OPTIONS: dict[str, Any] = {
    "driver": "GTiff",
    "tiled": True,
    "compress": "deflate",
    "zlevel": 1,
}


def write_geotiff(
    path: Path,
    array: np.ndarray[Any, Any],
    crs: CRS,
    transform: Affine,
    nodata: float | None = None,
    band_names: Sequence[str] = (),
    scales: Sequence[float] = (),
    offsets: Sequence[float] = (),
    colormap: dict[int, tuple[int, int, int, int]] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Write a (bands, rows, cols) or (rows, cols) array as a georeferenced Cloud-Optimized
    GeoTIFF, atomically (tiles of 256 pixels, 128 for patches of at most 128 pixels)."""
    data = array[np.newaxis] if array.ndim == 2 else array
    count, height, width = data.shape
    block = 128 if max(width, height) <= 128 else 256
    if max(width, height) <= block:
        profile = dict(_ONE_TILE_OPTIONS, blockxsize=block, blockysize=block)
    else:
        profile = dict(_COG_OPTIONS, blocksize=block)
    profile.update(count=count, height=height, width=width, dtype=data.dtype)
    with (
        atomic_path(path) as tmp,
        rasterio.open(tmp, "w", crs=crs, transform=transform, nodata=nodata, **profile) as dst,
    ):
        # Metadata before pixels: the GTiff driver writes the IFD when the first tile is
        # written, and metadata set after that moves the IFD behind the data.
        for i, name in enumerate(band_names, start=1):
            dst.set_band_description(i, name)
        if scales:
            dst.scales = tuple(scales)
        if offsets:
            dst.offsets = tuple(offsets)
        if colormap is not None and count == 1 and data.dtype in (np.uint8, np.uint16):
            dst.write_colormap(1, colormap)
        if tags:
            dst.update_tags(**tags)
        dst.write(data)


def write_png(path: Path, rgb: np.ndarray[Any, Any]) -> None:
    """Write a (rows, cols, 3) uint8 array as PNG, atomically."""
    with atomic_path(path) as tmp:
        Image.fromarray(rgb, mode="RGB").save(tmp, format="PNG", compress_level=1)


def true_colour(
    rgb_reflectance: np.ndarray[Any, Any],
    valid: np.ndarray[Any, Any],
    low: float = 2,
    high: float = 98,
) -> np.ndarray[Any, Any]:
    """A robust percentile stretch of three reflectance bands to 8 bits.

    Each band is stretched between its ``low`` and ``high`` percentiles over valid pixels (a
    common stretch for true-colour previews); invalid pixels are black.
    """
    out = np.zeros((*rgb_reflectance.shape[1:], 3), dtype=np.uint8)
    if not valid.any():
        return out
    for i in range(3):
        band = rgb_reflectance[i].astype(np.float32)
        lo, hi = np.percentile(band[valid], [low, high])
        scaled = (band - lo) / max(float(hi - lo), 1e-6)
        out[..., i] = (np.clip(scaled, 0, 1) * 255).astype(np.uint8)
    out[~valid] = 0
    return out


def sar_false_colour(
    vv: np.ndarray[Any, Any], vh: np.ndarray[Any, Any], valid: np.ndarray[Any, Any], db: bool
) -> np.ndarray[Any, Any]:
    """A SAR preview: red VV, green VH, blue VV−VH (all in dB), robustly stretched."""

    def to_db(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        a = a.astype(np.float32)
        return a if db else 20 * np.log10(np.maximum(a, 1e-3))  # amplitude → dB

    vv_db, vh_db = to_db(vv), to_db(vh)
    ok = valid & np.isfinite(vv_db) & np.isfinite(vh_db)
    return true_colour(np.stack([vv_db, vh_db, vv_db - vh_db]), ok)


def write_label_png(
    path: Path,
    labels: np.ndarray[Any, Any],
    valid: np.ndarray[Any, Any],
    colormap: dict[int, tuple[int, int, int, int]],
) -> None:
    """Write a label patch as a palette PNG in the scheme's colours (invalid pixels black).

    A palette image stores one byte per pixel, so it encodes about three times faster than RGB.
    """
    if labels.dtype == np.uint8 and max(colormap) < 256:
        palette = np.zeros((256, 3), dtype=np.uint8)
        for code, rgba in colormap.items():
            palette[code] = rgba[:3]
        index = labels.copy()
        if 0 in colormap:  # index 0 is black for invalid pixels; move a class coded 0 aside
            spare = next(i for i in range(255, 0, -1) if i not in colormap)
            palette[spare] = colormap[0][:3]
            index[labels == 0] = spare
        palette[0] = 0
        index[~valid] = 0
        with atomic_path(path) as tmp:
            tmp.write_bytes(palette_png(index, palette))
        return
    write_png(path, colour_labels(labels, valid, colormap))


def palette_png(index: np.ndarray[Any, Any], palette: np.ndarray[Any, Any]) -> bytes:
    """A (rows, cols) uint8 array and a (256, 3) palette as the bytes of an 8-bit palette PNG.

    The same file Pillow writes with ``compress_level=1`` (no row filters, zlib level 1),
    encoded directly: a 256-pixel patch costs a fraction of Pillow's fixed overhead.
    """
    height, width = index.shape
    raw = np.empty((height, width + 1), dtype=np.uint8)
    raw[:, 0] = 0  # filter type "none" for every row
    raw[:, 1:] = index
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8-bit, palette colour
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"PLTE", palette.astype(np.uint8).tobytes()),
            _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), 1)),
            _png_chunk(b"IEND", b""),
        )
    )


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
