"""Writing patch rasters and previews, each atomically (temporary name, then rename)."""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
    GeoTIFF, atomically (tiles of 256 pixels, 128 for patches of at most 128 pixels).

    A patch that fits in one tile reuses the header GDAL wrote for the first patch of the same
    layout (:class:`_OneTileTemplate`): only its tie point and its tile differ.
    """
    data = array[np.newaxis] if array.ndim == 2 else array
    height, width = data.shape[1:]
    block = 128 if max(width, height) <= 128 else 256
    if max(width, height) > block:
        profile = dict(_COG_OPTIONS, blocksize=block)
        _write_with_gdal(path, data, crs, transform, nodata, profile, band_names, scales,
                         offsets, colormap, tags)  # fmt: skip
        return
    key = _layout_key(data, crs, transform, nodata, band_names, scales, offsets, colormap, tags)
    template = _TEMPLATES.get(key, _UNSEEN) if key is not None else None
    if isinstance(template, _OneTileTemplate):
        with atomic_path(path) as tmp:
            tmp.write_bytes(template.file_bytes(data, transform))
        return
    profile = dict(_ONE_TILE_OPTIONS, blockxsize=block, blockysize=block)
    _write_with_gdal(path, data, crs, transform, nodata, profile, band_names, scales, offsets,
                     colormap, tags)  # fmt: skip
    if key is not None and template is _UNSEEN:
        made = _OneTileTemplate.from_file(path, data, transform, block)
        _remember(_TEMPLATES, key, made)
        if made is not None:
            # This patch too, so that a file's bytes do not depend on which process wrote
            # the first patch of its layout (a resumed build equals a clean one byte for byte).
            with atomic_path(path) as tmp:
                tmp.write_bytes(made.file_bytes(data, transform))


def _write_with_gdal(
    path: Path,
    data: np.ndarray[Any, Any],
    crs: CRS,
    transform: Affine,
    nodata: float | None,
    profile: dict[str, Any],
    band_names: Sequence[str],
    scales: Sequence[float],
    offsets: Sequence[float],
    colormap: dict[int, tuple[int, int, int, int]] | None,
    tags: dict[str, str] | None,
) -> None:
    count, height, width = data.shape
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
        if colormap is not None and data.shape[0] == 1 and data.dtype in (np.uint8, np.uint16):
            dst.write_colormap(1, colormap)
        if tags:
            dst.update_tags(**tags)
        dst.write(data)


#: One-tile layouts met in this process, newest last (a build meets one or two per scene);
#: None for a layout whose GDAL file cannot serve as a template.
_TEMPLATES: dict[tuple[Any, ...], _OneTileTemplate | None] = {}
_MAX_TEMPLATES = 16
_UNSEEN = object()


def _layout_key(
    data: np.ndarray[Any, Any],
    crs: CRS,
    transform: Affine,
    nodata: float | None,
    band_names: Sequence[str],
    scales: Sequence[float],
    offsets: Sequence[float],
    colormap: dict[int, tuple[int, int, int, int]] | None,
    tags: dict[str, str] | None,
) -> tuple[Any, ...] | None:
    """Everything of a one-tile GeoTIFF's header but its tie point (None: not north-up, so
    GDAL writes a full transformation matrix rather than a tie point)."""
    if transform.b != 0 or transform.d != 0:
        return None
    return (
        _wkt(crs),
        transform.a,
        transform.e,
        data.shape,
        data.dtype.str,
        None if nodata is None else repr(float(nodata)),
        tuple(band_names),
        tuple(scales),
        tuple(offsets),
        None if colormap is None else tuple(sorted(colormap.items())),
        None if tags is None else tuple(sorted(tags.items())),
    )


def _wkt(crs: CRS) -> str:
    """``crs.to_wkt()``, remembered for the CRS objects met last (one per scene, asked once
    per patch; making the WKT costs GDAL 20 µs)."""
    known = _WKT.get(id(crs))
    if known is None or known[0] is not crs:
        known = (crs, crs.to_wkt())
        _remember(_WKT, id(crs), known)
    return known[1]


_WKT: dict[int, tuple[CRS, str]] = {}
#: Units in threads (LLM builds) write patches at once: one of them changes a cache at a time.
_caches_lock = threading.Lock()


def _remember(cache: dict[Any, Any], key: Any, value: Any, limit: int = _MAX_TEMPLATES) -> None:
    """Put ``value`` in ``cache``, forgetting its oldest entry beyond ``limit``."""
    with _caches_lock:
        if key not in cache and len(cache) >= limit:
            cache.pop(next(iter(cache)))
        cache[key] = value


# TIFF tags and field types read from GDAL's one-tile file.
_TAG_PLANAR = 284
_TAG_PREDICTOR = 317
_TAG_TILE_WIDTH = 322
_TAG_TILE_LENGTH = 323
_TAG_TILE_OFFSETS = 324
_TAG_TILE_BYTE_COUNTS = 325
_TAG_COMPRESSION = 259
_TAG_TIEPOINT = 33922
_TYPE_SHORT, _TYPE_LONG, _TYPE_DOUBLE = 3, 4, 12
_DEFLATE = 8


@dataclass(frozen=True)
class _OneTileTemplate:
    """The header of a one-tile GeoTIFF that GDAL wrote, to write more of the same layout.

    GDAL writes a one-tile file as header, IFD, tag values, then the tile, last. Two patches of
    one layout (size, bands, type, CRS, pixel size, nodata, names, colours, tags) differ only in
    the six doubles of their tie point (``ModelTiepointTag``) and in their tile, whose length
    is held by ``TileByteCounts``; the rest of the header is the same bytes. Each file written
    this way reads back exactly like GDAL's own (``tests/test_geotiff_template.py``); a file
    of any other shape (BigTIFF, big-endian, several tiles, a predictor, data not last) is
    not used as a template, and GDAL writes every patch of that layout.
    """

    header: bytes = field(repr=False)
    tiepoint_at: int
    byte_count_at: int
    tile_shape: tuple[int, int]

    @classmethod
    def from_file(
        cls, path: Path, data: np.ndarray[Any, Any], transform: Affine, block: int
    ) -> _OneTileTemplate | None:
        """The template of ``path``, just written by GDAL from ``data`` (None: not of the
        shape this class understands, or its tile is not ``data`` deflated)."""
        raw = path.read_bytes()
        entries = _classic_tiff_entries(raw)
        if entries is None:
            return None
        offsets, counts = entries.get(_TAG_TILE_OFFSETS), entries.get(_TAG_TILE_BYTE_COUNTS)
        tiepoint, compression = entries.get(_TAG_TIEPOINT), entries.get(_TAG_COMPRESSION)
        predictor, planar = entries.get(_TAG_PREDICTOR), entries.get(_TAG_PLANAR)
        width, length = entries.get(_TAG_TILE_WIDTH), entries.get(_TAG_TILE_LENGTH)
        if offsets is None or counts is None or tiepoint is None or compression is None:
            return None
        if offsets[1] != 1 or counts[1] != 1 or counts[0] != _TYPE_LONG:
            return None
        if tiepoint[0] != _TYPE_DOUBLE or tiepoint[1] != 6 or compression[2] != _DEFLATE:
            return None
        if predictor is not None and predictor[2] != 1:
            return None
        if width is None or length is None or (width[2], length[2]) != (block, block):
            return None
        if data.shape[0] > 1 and planar is not None and planar[2] != 1:
            return None  # bands in planes of their own: a tile per band
        tile_at, tile_len = offsets[2], counts[2]
        if tile_at + tile_len != len(raw):
            return None
        stored = struct.unpack_from("<6d", raw, tiepoint[2])
        if stored != (0.0, 0.0, 0.0, transform.c, transform.f, 0.0):
            return None
        template = cls(
            header=raw[:tile_at],
            tiepoint_at=tiepoint[2],
            byte_count_at=counts[3],
            tile_shape=(block, block),
        )
        try:
            if zlib.decompress(raw[tile_at:]) != template._tile_bytes(data):
                return None
        except zlib.error:
            return None
        return template

    def _tile_bytes(self, data: np.ndarray[Any, Any]) -> bytes:
        """The uncompressed tile of (bands, rows, cols) ``data``: padded with zeros to the tile
        size, bands interleaved per pixel."""
        count, height, width = data.shape
        rows, cols = self.tile_shape
        if (height, width) != (rows, cols):
            padded = np.zeros((count, rows, cols), dtype=data.dtype)
            padded[:, :height, :width] = data
            data = padded
        pixels = data[0] if count == 1 else np.moveaxis(data, 0, -1)
        return np.ascontiguousarray(pixels, dtype=data.dtype.newbyteorder("<")).tobytes()

    def _deflated_tile(self, data: np.ndarray[Any, Any]) -> bytes:
        """The tile of ``data``, deflated; a tile of one value everywhere is deflated once."""
        if data.shape[1:] == self.tile_shape and data.min() == data.max():
            key = ("tile", data.dtype.str, data.shape, data.flat[0].tobytes())
            return _one_value(key, lambda: zlib.compress(self._tile_bytes(data), 1))
        return zlib.compress(self._tile_bytes(data), 1)

    def file_bytes(self, data: np.ndarray[Any, Any], transform: Affine) -> bytes:
        """The whole file for ``data`` at ``transform`` (of this template's layout)."""
        tile = self._deflated_tile(data)
        header = bytearray(self.header)
        struct.pack_into("<6d", header, self.tiepoint_at, 0, 0, 0, transform.c, transform.f, 0)
        struct.pack_into("<I", header, self.byte_count_at, len(tile))
        return bytes(header) + tile


def _classic_tiff_entries(raw: bytes) -> dict[int, tuple[int, int, int, int]] | None:
    """The first IFD's entries of a little-endian classic TIFF: tag -> (type, count, value or
    offset, where that value field is); None for any other file."""
    if len(raw) < 8 or raw[:4] != b"II*\x00":
        return None
    (at,) = struct.unpack_from("<I", raw, 4)
    if at + 2 > len(raw):
        return None
    (n,) = struct.unpack_from("<H", raw, at)
    if at + 2 + 12 * n > len(raw):
        return None
    entries = {}
    for i in range(n):
        pos = at + 2 + 12 * i
        tag, kind, count = struct.unpack_from("<HHI", raw, pos)
        if kind == _TYPE_SHORT and count == 1:
            (value,) = struct.unpack_from("<H", raw, pos + 8)
        else:
            (value,) = struct.unpack_from("<I", raw, pos + 8)
        entries[tag] = (kind, count, value, pos + 8)
    return entries


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
    fill: int | None = None,
) -> None:
    """Write a label patch as a palette PNG in the scheme's colours (invalid pixels black).

    ``fill``: the code ``labels`` hold wherever they are not ``valid`` (and nowhere else), if
    any; then the codes index the palette as they are, with no copy of the patch.

    A palette image stores one byte per pixel, so it encodes about three times faster than RGB.
    """
    if labels.dtype == np.uint8 and max(colormap) < 256:
        palette = np.zeros((256, 3), dtype=np.uint8)
        for code, rgba in colormap.items():
            palette[code] = rgba[:3]
        if fill is not None and 0 <= fill < 256 and fill not in colormap:
            index = labels  # black at ``fill``, as ``palette`` is
        else:
            index = labels.copy()
            if 0 in colormap:  # index 0 is black for invalid pixels; move a class coded 0 aside
                spare = next(i for i in range(255, 0, -1) if i not in colormap)
                palette[spare] = colormap[0][:3]
                index[labels == 0] = spare
            palette[0] = 0
            index[~valid] = 0
        if index.min() == index.max():  # open water: the same image every time
            key = ("png", index.shape, int(index.flat[0]), palette.tobytes())
            png = _one_value(key, lambda: palette_png(index, palette))
        else:
            png = palette_png(index, palette)
        with atomic_path(path) as tmp:
            tmp.write_bytes(png)
        return
    write_png(path, colour_labels(labels, valid, colormap))


#: Encoded images of one value everywhere, by value and layout (open water, a forest: most
#: patches of many tiles): a few classes times a few patch shapes.
_ONE_VALUE: dict[tuple[Any, ...], bytes] = {}


def _one_value(key: tuple[Any, ...], encode: Callable[[], bytes]) -> bytes:
    """The bytes ``encode`` gives for an image of one value, encoded once per ``key``."""
    found = _ONE_VALUE.get(key)
    if found is None:
        found = encode()
        _remember(_ONE_VALUE, key, found, limit=256)
    return found


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
