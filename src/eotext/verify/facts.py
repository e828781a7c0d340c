"""What a label patch says, with ChatEarthNet's definitions, for checking claims against it.

Every number a check needs is re-derived from the label array (the written label patch has
nodata wherever the build's statistics did not use the pixel):

- a class is *visible* in a scope when it holds at least ``VISIBLE_PX`` (20) pixels there
  (ChatEarthNet's released script keeps ``counts >= 20``);
- size words come from ``int(round(share, 2) * 100)`` (see :func:`cen_size_word`);
- the regions are sliced as ChatEarthNet slices them: quadrants ``[:rows//2, :cols//2]`` …,
  the centre ``[rows//4:3*rows//4, cols//4:3*cols//4]``.
"""

from __future__ import annotations

import functools
from functools import cached_property
from pathlib import Path
from typing import Any

import cc3d
import numpy as np
from PIL import Image

from eotext.schemes import Scheme
from eotext.semantics.stats import SIZE_WORDS as SIZE_BINS
from eotext.semantics.stats import percent_word, size_word

__all__ = ["SIZE_WORDS", "PatchFacts", "accepted_size_words", "percent_word", "size_word"]

#: ChatEarthNet's visibility threshold: a class with at least this many pixels is visible.
VISIBLE_PX = 20
#: The size words, largest first.
SIZE_WORDS: tuple[str, ...] = tuple(w for _, w in SIZE_BINS)


def accepted_size_words(share: float, tolerance_pp: float = 1.0) -> frozenset[str]:
    """Size words accepted for a share: ChatEarthNet's word, the floor-based word, and the
    words of shares within ``tolerance_pp`` percentage points (the documented bin-edge
    tolerance)."""
    pct = share * 100
    words = {size_word(share), percent_word(int(np.floor(pct + 1e-9)))}
    for p in (pct - tolerance_pp, pct + tolerance_pp):
        words.add(percent_word(int(np.floor(max(p, 0.0) + 1e-9))))
    return frozenset(words)


#: A place as a rectangle in fractions of the patch: (row0, row1, col0, col1).
Rect = tuple[float, float, float, float]


class PatchFacts:
    """A label patch (``-1`` where no pixel is valid) and its scheme.

    Every answer a claim asks for (counts per scope, masks, components, edges) is computed once
    per patch and shared by all its claims. Facts of an 8-bit label patch
    (:meth:`from_bytes`) answer from the bytes themselves: histograms with Pillow, masks by
    comparing bytes; the codes array (``labels``) is made only when a check asks for it.
    """

    def __init__(
        self,
        labels: np.ndarray[Any, Any],
        scheme: Scheme,
        gsd_m: float | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self._labels: np.ndarray[Any, Any] | None = labels
        self.scheme = scheme
        self.gsd_m = gsd_m
        self.context: dict[str, Any] = {} if context is None else context
        self.shape: tuple[int, ...] = tuple(labels.shape)
        #: Answers already computed (counts per scope, components, edges), shared by all claims.
        self._cache: dict[Any, Any] = {}
        self._bytes: np.ndarray[Any, Any] | None = None  # the 8-bit patch, when made from one
        self._table: np.ndarray[Any, Any] | None = None  # its byte -> code table

    @classmethod
    def from_bytes(
        cls,
        raw: np.ndarray[Any, Any],
        table: np.ndarray[Any, Any],
        scheme: Scheme,
        gsd_m: float | None = None,
        context: dict[str, Any] | None = None,
    ) -> PatchFacts:
        """Facts of an 8-bit label patch whose codes are ``table[raw]`` (a table that maps each
        byte to itself or to ``-1``); ``raw`` is copied."""
        facts = cls(raw, scheme, gsd_m, context)
        facts._labels = None
        facts._bytes = np.ascontiguousarray(raw, dtype=np.uint8).copy()
        facts._table = table
        return facts

    @property
    def labels(self) -> np.ndarray[Any, Any]:
        """The codes (``-1`` where no pixel is valid)."""
        if self._labels is None:
            assert self._bytes is not None and self._table is not None
            # take() with native indices: about half the time of table[raw] on a patch
            self._labels = np.take(self._table, self._bytes.astype(np.intp))
        return self._labels

    @property
    def height(self) -> int:
        return int(self.shape[0])

    @property
    def width(self) -> int:
        return int(self.shape[1])

    @cached_property
    def counts(self) -> dict[int, int]:
        return self.counts_in(None)

    @cached_property
    def valid_px(self) -> int:
        return int(sum(self.counts.values()))

    def mask(self, rect: Rect | None) -> tuple[slice, slice]:
        """ChatEarthNet-style slices of a rectangle given in fractions of the patch."""
        if rect is None:
            return slice(None), slice(None)
        r0, r1, c0, c1 = rect
        h, w = self.height, self.width
        return slice(_edge(h, r0), _edge(h, r1)), slice(_edge(w, c0), _edge(w, c1))

    def counts_in(self, rect: Rect | None) -> dict[int, int]:
        """Valid pixel count per class inside a rectangle (the whole patch when None)."""
        key = ("counts", rect)
        if key not in self._cache:
            self._cache[key] = self._counts_in(rect)
        out: dict[int, int] = self._cache[key]
        return out

    @cached_property
    def _shifted(self) -> np.ndarray[Any, Any]:
        """The codes plus one (nodata 0), for histograms without a filtering pass."""
        shifted: np.ndarray[Any, Any] = self.labels + 1
        return shifted

    @cached_property
    def _image(self) -> Image.Image:
        assert self._bytes is not None
        return Image.fromarray(self._bytes)

    @cached_property
    def _valid_bytes(self) -> tuple[int, ...]:
        """The bytes that are codes (the table maps them to themselves), ascending."""
        assert self._table is not None
        return tuple(int(v) for v in np.flatnonzero(self._table >= 0))

    def _counts_in(self, rect: Rect | None) -> dict[int, int]:
        if self._bytes is not None:
            # Pillow's histogram of the bytes: no codes array, no copy of the pixels
            rows, cols = self.mask(rect)
            r0, r1, _ = rows.indices(self.height)
            c0, c1, _ = cols.indices(self.width)
            if r1 <= r0 or c1 <= c0:
                return {}
            if rect is None and self._bytes.min() == self._bytes.max():  # one value: no histogram
                value = int(self._bytes.flat[0])
                return {value: self._bytes.size} if value in self._valid_bytes else {}
            image = self._image if rect is None else self._image.crop((c0, r0, c1, r1))
            hist = image.histogram()
            return {v: hist[v] for v in self._valid_bytes if hist[v]}
        values = self._shifted[self.mask(rect)]
        if values.size == 0:
            return {}
        bc = np.bincount(values.ravel())
        return {int(c) - 1: int(bc[c]) for c in np.flatnonzero(bc[1:]) + 1}

    def counts_in_many(self, rects: tuple[Rect, ...] | None) -> dict[int, int]:
        """Counts over the union of rectangles (the whole patch when None or empty)."""
        if not rects:
            return self.counts
        if len(rects) == 1:
            return self.counts_in(rects[0])
        key = ("many", rects)
        if key in self._cache:
            cached: dict[int, int] = self._cache[key]
            return cached
        sel = np.zeros(self.labels.shape, dtype=bool)
        for rect in rects:
            sel[self.mask(rect)] = True
        values = self.labels[sel & (self.labels >= 0)]
        bc = np.bincount(values.ravel()) if values.size else np.zeros(0, dtype=np.int64)
        self._cache[key] = {int(c): int(bc[c]) for c in np.flatnonzero(bc)}
        return dict(self._cache[key])

    def components(self, codes: frozenset[int], min_px: int) -> list[tuple[int, float, float]]:
        """8-connected components of ``codes`` with at least ``min_px`` pixels, largest first,
        as (area, centroid row fraction, centroid col fraction)."""
        key = ("components", codes, min_px)
        if key not in self._cache:
            self._cache[key] = self._components(codes, min_px)
        out: list[tuple[int, float, float]] = self._cache[key]
        return out

    def in_codes(self, codes: frozenset[int]) -> np.ndarray[Any, Any]:
        """Where the patch holds one of ``codes`` (kept for the other claims on them)."""
        key = ("in", codes)
        if key not in self._cache:
            # The bytes where every code is a byte the table keeps (a code equals its byte
            # there), else the codes; one comparison per code (np.isin sorts: far slower).
            table, values = self._table, self._bytes
            if (
                table is None
                or values is None
                or not all(0 <= c < len(table) and table[c] == c for c in codes)
            ):
                values = self.labels
            ordered = sorted(codes)
            mask = values == ordered[0] if ordered else np.zeros(self.shape, dtype=bool)
            for code in ordered[1:]:
                mask |= values == code
            self._cache[key] = mask
        out: np.ndarray[Any, Any] = self._cache[key]
        return out

    def count_components(self, codes: frozenset[int], min_px: int) -> int:
        """How many 8-connected components of ``codes`` have at least ``min_px`` pixels."""
        return int((self._areas(codes) >= min_px).sum())

    def _components(self, codes: frozenset[int], min_px: int) -> list[tuple[int, float, float]]:
        area = self._areas(codes)
        # In the order of the components' first pixels (row by row), whatever their ids, so
        # that equal areas keep that order when sorted.
        keep = [i for i in self._raster_order(codes) if area[i] >= min_px]
        if not keep:
            return []
        sy, sx = self._sums(codes)
        out = [
            (
                int(area[i]),
                (sy[i] / area[i] + 0.5) / self.height,
                (sx[i] / area[i] + 0.5) / self.width,
            )
            for i in keep
        ]
        return sorted(out, key=lambda t: -t[0])

    def _labelled(self, codes: frozenset[int]) -> tuple[np.ndarray[Any, Any], int]:
        """Component ids of ``codes`` (flattened) and how many there are; labelled once for
        every claim and size threshold."""
        key = ("labelled", codes)
        if key not in self._cache:
            inside = self.in_codes(codes)
            if inside.all():  # the whole patch (open water, a forest): one component
                h, w = self.height, self.width
                self._cache[key] = (np.broadcast_to(np.intp(1), (inside.size,)), 1)
                # Its area and its pixels' row and column sums, written down.
                self._cache[("areas", codes)] = np.array([inside.size], dtype=np.intp)
                self._cache[("sums", codes)] = (
                    np.array([w * h * (h - 1) / 2]),
                    np.array([h * w * (w - 1) / 2]),
                )
                return self._cache[key]  # type: ignore[no-any-return]
            lab, n = cc3d.connected_components(inside, connectivity=8, return_N=True)
            # Native ids: bincount converts others on every call (weighted: 2.5x the time).
            self._cache[key] = (lab.ravel().astype(np.intp), int(n))
        out: tuple[np.ndarray[Any, Any], int] = self._cache[key]
        return out

    def _raster_order(self, codes: frozenset[int]) -> list[int]:
        """Indices (id - 1) of the components of ``codes`` by their first pixel, row by row."""
        flat, n = self._labelled(codes)
        if n <= 1:
            return list(range(n))
        at = np.flatnonzero(flat)
        ids, first = np.unique(flat[at], return_index=True)
        assert len(ids) == n  # ids 1..n
        return [int(i) for i in np.argsort(at[first], kind="stable")]

    def _areas(self, codes: frozenset[int]) -> np.ndarray[Any, Any]:
        key = ("areas", codes)
        if key not in self._cache:
            flat, n = self._labelled(codes)
            self._cache[key] = np.bincount(flat, minlength=n + 1)[1:]
        out: np.ndarray[Any, Any] = self._cache[key]
        return out

    def _sums(self, codes: frozenset[int]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Row and column sums of every component (for centroids)."""
        key = ("sums", codes)
        if key not in self._cache:
            flat, n = self._labelled(codes)
            if key in self._cache:  # the whole patch: written down by _labelled
                return self._cache[key]  # type: ignore[no-any-return]
            rows, cols = _indices(self.shape)
            self._cache[key] = (
                np.bincount(flat, rows, minlength=n + 1)[1:],
                np.bincount(flat, cols, minlength=n + 1)[1:],
            )
        out: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] = self._cache[key]
        return out

    def shared_edges(self, a: frozenset[int], b: frozenset[int]) -> int:
        """Pixel edges (4-neighbourhood) between a pixel of ``a`` and one of ``b``."""
        key = ("edges", a, b)
        if key in self._cache:
            cached: int = self._cache[key]
            return cached
        in_a, in_b = self.in_codes(a), self.in_codes(b)
        n = 0
        for a_side, b_side in ((in_a, in_b), (in_b, in_a)):
            n += int(np.count_nonzero(a_side[:, 1:] & b_side[:, :-1]))
            n += int(np.count_nonzero(a_side[1:, :] & b_side[:-1, :]))
        self._cache[key] = n
        return n

    def centroid(self, codes: frozenset[int]) -> tuple[float, float] | None:
        """Centroid (row, col) of a class as fractions of the patch, None when absent."""
        inside = self.in_codes(codes)
        # Whole sums of the pixels' rows and columns, from the per-row and per-column counts
        # (exact, so the same floats as the means of their coordinates, without listing them).
        per_row = np.count_nonzero(inside, axis=1)
        n = int(per_row.sum())
        if n == 0:
            return None
        per_col = np.count_nonzero(inside, axis=0)
        sum_rows = int(per_row @ np.arange(self.height))
        sum_cols = int(per_col @ np.arange(self.width))
        return (sum_rows / n + 0.5) / self.height, (sum_cols / n + 0.5) / self.width


@functools.cache
def _indices(shape: tuple[int, ...]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Row and column of every pixel of a patch shape, flattened (as bincount weights)."""
    rows, cols = (a.ravel() for a in np.indices(shape, dtype=np.float64))
    rows.setflags(write=False)
    cols.setflags(write=False)
    return rows, cols


def _edge(n: int, frac: float) -> int:
    # Quarter and half edges exactly as the script slices them (n//4, n//2, 3*n//4).
    if frac in (0.25, 0.5, 0.75):
        return {0.25: n // 4, 0.5: n // 2, 0.75: 3 * n // 4}[frac]
    return round(frac * n)


def facts_from_array(
    labels: np.ndarray[Any, Any],
    scheme: Scheme,
    nodata: float | None = None,
    gsd_m: float | None = None,
    context: dict[str, Any] | None = None,
) -> PatchFacts:
    """Facts of a label array: nodata, scheme nodata and unknown codes become ``-1``."""
    labels = np.asarray(labels)
    if labels.dtype == np.uint8 and labels.ndim == 2:  # a patch: answered from its bytes
        lut = _codes_table(scheme, 256, None if nodata is None else int(nodata))
        return PatchFacts.from_bytes(labels, lut, scheme, gsd_m, dict(context or {}))
    if labels.dtype == np.uint16:  # one look-up per pixel
        size = int(np.iinfo(labels.dtype).max) + 1
        lut = _codes_table(scheme, size, None if nodata is None else int(nodata))
        # take() with native indices: about half the time of lut[labels] on a patch
        codes = np.take(lut, labels.astype(np.intp))
        return PatchFacts(codes, scheme, gsd_m, dict(context or {}))
    arr = labels.astype(np.int64)
    bad = np.isin(arr, list(scheme.nodata)) | ~np.isin(arr, list(scheme.codes))
    if nodata is not None:
        bad |= arr == int(nodata)
    arr = np.where(bad, -1, arr)
    return PatchFacts(arr, scheme, gsd_m, dict(context or {}))


@functools.lru_cache(maxsize=8)
def _codes_table(scheme: Scheme, size: int, nodata: int | None) -> np.ndarray[Any, Any]:
    """Code → itself for the scheme's classes, ``-1`` for nodata and unknown codes."""
    lut = np.full(size, -1, dtype=np.int64)
    good = [c for c in scheme.codes if 0 <= c < size and c not in scheme.nodata]
    lut[good] = good
    if nodata is not None and 0 <= nodata < size:
        lut[nodata] = -1
    lut.flags.writeable = False
    return lut


def load_facts(
    path: Path, scheme: Scheme, gsd_m: float | None = None, context: dict[str, Any] | None = None
) -> PatchFacts:
    """Facts of a label GeoTIFF (band 1)."""
    import rasterio

    with rasterio.open(path) as src:
        return facts_from_array(src.read(1), scheme, src.nodata, gsd_m, context)
