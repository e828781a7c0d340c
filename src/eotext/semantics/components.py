"""Connected components of a patch's classes, labelled once per patch and shared.

The layout (shapes of the largest classes, which the captions and VQA use) and the referring
expressions both need the 8-connected components of the same classes of the same patch;
:class:`PatchComponents` labels all classes of the patch in one multi-label pass on first use
(``connected-components-3d``) and hands each class's share of it to both. The layout's class
counts per region, centroids and borders come from the same labelling (its runs of pixels
within rows and its class index image), with no further pass over the patch's pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cc3d
import numpy as np

#: A class or component is visible from 20 pixels on (ChatEarthNet's ``counts >= 20``); borders
#: need more than this many shared pixel edges.
MIN_PX = 20


@dataclass(frozen=True)
class ClassComponents:
    """The 8-connected components of one class over the usable pixels of a patch.

    Components are numbered ``0..count-1`` in the order of their first pixel in raster order
    (the order of a per-class ``scipy.ndimage.label``).

    Attributes:
        code: the class.
        labelled: (rows, cols) component id per pixel over the whole patch (all classes);
            component ``i`` of this class has id ``ids[i]``, pixels of no component 0.
        count: how many components there are.
        area_px: pixels of component ``i`` at index ``i``.
        boxes: the (rows, cols) slices of component ``i`` at index ``i``.
        ids: the id in ``labelled`` of component ``i`` at index ``i``.
    """

    code: int
    labelled: np.ndarray[Any, Any]
    count: int
    area_px: np.ndarray[Any, Any]
    boxes: tuple[tuple[slice, slice], ...]
    ids: np.ndarray[Any, Any]

    def pixels(self, i: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Rows and columns of component ``i``, relative to its box."""
        rows, cols = self.boxes[i]
        ys, xs = np.nonzero(self.labelled[rows, cols] == self.ids[i])
        return ys, xs


@dataclass(frozen=True)
class _Runs:
    """The runs of usable pixels of one component (so of one class) within a row, in raster
    order: a few hundred or thousand where the patch has tens of thousands of pixels."""

    rows: np.ndarray[Any, Any]
    cols: np.ndarray[Any, Any]  # first column
    lengths: np.ndarray[Any, Any]
    classes: np.ndarray[Any, Any]  # class index (code - offset + 1)
    ids: np.ndarray[Any, Any]  # component id


@dataclass(frozen=True)
class _Labelling:
    """All components of a patch: their ids per pixel, class, area and box; the class index of
    each pixel and the runs of pixels of one component within a row."""

    index: np.ndarray[Any, Any]  # (rows, cols) class index (code - offset + 1), 0 outside usable
    runs: _Runs
    ids: np.ndarray[Any, Any]  # (rows, cols) component id, 0 outside usable pixels
    classes: np.ndarray[Any, Any]  # class index (code - offset + 1) of each id; 0 for id 0
    areas: np.ndarray[Any, Any]  # pixels of each id (int64)
    bounds: np.ndarray[Any, Any]  # (row start, row stop, col start, col stop) of each id
    offset: int  # the smallest usable code
    #: The class index of a patch that is that one class and usable everywhere (its sums then
    #: have closed forms), else None.
    everywhere: int | None = None


class PatchComponents:
    """Connected components of the classes of one patch, all labelled in one pass when first
    asked for, each class's result built at most once."""

    def __init__(self, labels: np.ndarray[Any, Any], usable: np.ndarray[Any, Any]) -> None:
        self.labels = labels
        self.usable = usable
        self._by_code: dict[int, ClassComponents] = {}
        self._all: _Labelling | None = None

    @property
    def shape(self) -> tuple[int, int]:
        height, width = self.labels.shape
        return int(height), int(width)

    def of(self, code: int) -> ClassComponents:
        """The components of class ``code`` (the patch is labelled on the first call)."""
        found = self._by_code.get(code)
        if found is None:
            every = self._labelling()
            index = code - every.offset + 1
            ids = np.flatnonzero(every.classes == index) if index >= 1 else np.empty(0, np.intp)
            boxes = tuple(
                (slice(r0, r1), slice(c0, c1)) for r0, r1, c0, c1 in every.bounds[ids].tolist()
            )
            found = ClassComponents(code, every.ids, int(ids.size), every.areas[ids], boxes, ids)
            self._by_code[code] = found
        return found

    def pixel_sums(self, codes: list[int]) -> np.ndarray[Any, Any]:
        """(pixels, sum of columns, sum of rows) of the usable pixels of each of ``codes``, as
        a (len(codes), 3) int64 array (the patch is labelled on the first call): exact sums,
        from the runs, from which centroids need no pass over the patch."""
        every = self._labelling()
        k = len(codes)
        if every.everywhere is not None:
            height, width = self.shape
            out = np.zeros((k, 3), dtype=np.int64)
            at = self._positions(codes, np.array([every.everywhere]))[0]
            if at < k:  # the columns 0..w-1 of every row, the rows 0..h-1 of every column
                out[at] = (height * width, height * _sum_below(width), width * _sum_below(height))
            return out
        runs = every.runs
        j = self._positions(codes, runs.classes)
        # The columns of a run of ``n`` pixels from column ``c`` sum to n (2 c + n - 1) / 2.
        cols = runs.lengths * (2 * runs.cols + runs.lengths - 1) // 2
        out = np.empty((k, 3), dtype=np.int64)
        for i, per_run in enumerate((runs.lengths, cols, runs.rows * runs.lengths)):
            # Whole numbers far below 2**53: exact in float64.
            out[:, i] = np.bincount(j, weights=per_run, minlength=k + 1)[:k]
        return out

    def moment_sums(self, ids: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Sums over the pixels (x = column, y = row) of each component id of ``ids``:
        (n, Σx, Σy, Σx², Σy², Σxy), as a (len(ids), 6) int64 array.

        From the components' runs (no pass over the pixels): a run of ``n`` pixels from column
        ``c`` in row ``r`` adds ``Σx = n c + n(n-1)/2``, ``Σx² = n c² + c n(n-1) + (n-1)n(2n-1)/6``,
        ``Σy = n r``, ``Σy² = n r²`` and ``Σxy = r Σx``. Whole numbers far below 2**53: exact.
        """
        every = self._labelling()
        k = len(ids)
        if every.everywhere is not None:  # one component, the whole patch: closed forms
            height, width = self.shape
            whole = [
                height * width,
                height * _sum_below(width),
                width * _sum_below(height),
                height * _squares_below(width),
                width * _squares_below(height),
                _sum_below(width) * _sum_below(height),
            ]
            return np.array([whole if int(i) == 1 else [0] * 6 for i in ids], dtype=np.int64)
        runs = every.runs
        where = np.full(int(every.areas.size), k, dtype=np.intp)
        where[np.asarray(ids, dtype=np.intp)] = np.arange(k)
        j = where[runs.ids]
        n, c, r = runs.lengths, runs.cols, runs.rows
        tri = n * (n - 1)
        sum_x = n * c + tri // 2
        sum_xx = n * c * c + c * tri + tri * (2 * n - 1) // 6
        per_run = (n, sum_x, n * r, sum_xx, n * r * r, r * sum_x)
        out = np.empty((k, 6), dtype=np.int64)
        for i, weights in enumerate(per_run):
            out[:, i] = np.bincount(j, weights=weights, minlength=k + 1)[:k]
        return out

    def cell_counts(
        self, row_edges: list[int], col_edges: list[int], codes: list[int]
    ) -> np.ndarray[Any, Any]:
        """Usable pixels of each of ``codes`` and of the other classes, in each cell of a grid.

        Args:
            row_edges: the grid's edges along the rows, increasing from 0 to the height.
            col_edges: the same along the columns, from 0 to the width.
            codes: the classes to count one by one.

        Returns:
            (row band, column band, k + 1) int64 counts: the pixels of ``codes[j]`` at ``j``,
            those of every other class at ``k`` (``k = len(codes)``). From the runs of the
            labelling, cut at the column edges, not from the pixels.
        """
        every = self._labelling()
        k = len(codes)
        if every.everywhere is not None:  # one class everywhere: each cell is its area
            counts = np.zeros((len(row_edges) - 1, len(col_edges) - 1, k + 1), dtype=np.int64)
            at = min(int(self._positions(codes, np.array([every.everywhere]))[0]), k)
            counts[:, :, at] = np.outer(np.diff(row_edges), np.diff(col_edges))
            return counts
        runs = every.runs
        cols = np.asarray(col_edges)
        n_rows, n_cols = len(row_edges) - 1, len(cols) - 1
        j = self._positions(codes, runs.classes)
        row_band = np.searchsorted(row_edges, runs.rows, side="right") - 1
        # A run's pixels left of each column edge; their differences, its pixels in each band.
        left = np.clip(cols[None, :] - runs.cols[:, None], 0, runs.lengths[:, None])
        keys = (row_band[:, None] * n_cols + np.arange(n_cols)) * (k + 1) + j[:, None]
        size = n_rows * n_cols * (k + 1)
        counts = np.bincount(keys.ravel(), weights=np.diff(left, axis=1).ravel(), minlength=size)
        return counts.astype(np.int64).reshape(n_rows, n_cols, k + 1)  # whole numbers: exact

    def border_counts(self, codes: list[int]) -> np.ndarray[Any, Any]:
        """Pixel edges (4-neighbours) shared by usable pixels of each pair of ``codes``, as a
        symmetric (len(codes), len(codes)) int64 array.

        Side by side in a row, two usable pixels of different classes end one run and start
        the next (of the same class, they would be of one component and one run); one above the
        other, they are found by comparing the class image with itself shifted by a row.
        """
        every = self._labelling()
        runs, index = every.runs, every.index
        k = len(codes)
        j = self._positions(codes, runs.classes)
        touch = (runs.cols[:-1] + runs.lengths[:-1] == runs.cols[1:]) & (
            runs.rows[:-1] == runs.rows[1:]
        )
        left, right = j[:-1][touch], j[1:][touch]
        a, b = index[1:, :], index[:-1, :]
        edge = (a != b) & (a != 0) & (b != 0)
        below, above = self._positions(codes, a[edge]), self._positions(codes, b[edge])
        first, second = np.concatenate((left, below)), np.concatenate((right, above))
        both = (first < k) & (second < k)
        square = np.bincount(first[both] * k + second[both], minlength=k * k).reshape(k, k)
        pairs: np.ndarray[Any, Any] = square + square.T
        return pairs

    def _positions(self, codes: list[int], index: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The position in ``codes`` of the class of each class index; ``len(codes)`` for a
        class not among them."""
        k = len(codes)
        if k == 0:
            return np.zeros(index.shape, dtype=np.intp)
        wanted = np.asarray(codes, dtype=np.int64) - self._labelling().offset + 1
        index = index.astype(np.int64, copy=False)  # uint64 and int64 would compare as floats
        order = np.argsort(wanted, kind="stable")
        at = np.minimum(np.searchsorted(wanted[order], index), k - 1)
        found: np.ndarray[Any, Any] = np.where(wanted[order][at] == index, order[at], k)
        return found

    def _labelling(self) -> _Labelling:
        if self._all is None:
            self._all = label_classes(self.labels, self.usable)
        return self._all


def label_classes(labels: np.ndarray[Any, Any], usable: np.ndarray[Any, Any]) -> _Labelling:
    """The 8-connected components of every class over the usable pixels, in one pass."""
    if not usable.any():
        empty = np.zeros(labels.shape, dtype=np.uint32)
        none, no_runs = np.zeros(1, np.int64), np.zeros(0, np.intp)
        runs = _Runs(no_runs, no_runs, no_runs, no_runs, no_runs)
        return _Labelling(empty, runs, empty, none, none, np.zeros((1, 4), np.intp), 0)
    dtype: type[np.unsignedinteger[Any]]
    if labels.dtype.kind == "u" and labels.dtype.itemsize <= 2:  # class index = code + 1
        offset, dtype = 0, np.uint16 if labels.dtype.itemsize == 1 else np.uint32
    else:
        offset = int(labels[usable].min())
        span = int(labels[usable].max()) - offset + 1
        dtype = np.uint16 if span < (1 << 16) - 1 else np.uint64
    if usable.all() and labels.min() == labels.max():
        return _one_class_everywhere(labels.shape, int(labels.flat[0]) - offset + 1, dtype, offset)
    return _label_each(labels, usable, offset, dtype)


def _label_each(
    labels: np.ndarray[Any, Any],
    usable: np.ndarray[Any, Any],
    offset: int,
    dtype: type[np.unsignedinteger[Any]],
) -> _Labelling:
    """:func:`label_classes` by labelling the class index image and scanning its runs."""
    # Class index 1.. on usable pixels, 0 (background, never labelled) elsewhere.
    classes: np.ndarray[Any, Any]
    if offset == 0:
        classes = labels.astype(dtype)
        classes += 1
    else:
        classes = (labels.astype(np.int64) - (offset - 1)).astype(dtype)
    classes[~usable] = 0
    ids, n = cc3d.connected_components(classes, connectivity=8, return_N=True)
    runs, areas, bounds, starts = _runs_by_id(ids, int(n), classes)
    of_id = np.zeros(n + 1, dtype=np.int64)
    of_id[1:] = classes.ravel()[starts]  # a component's class is the class of any of its pixels
    return _Labelling(classes, runs, ids, of_id, areas, bounds, offset)


def _one_class_everywhere(
    shape: tuple[int, ...], index: int, dtype: type[np.unsignedinteger[Any]], offset: int
) -> _Labelling:
    """The labelling of a patch that is one class and usable everywhere (open water, a forest:
    most patches of many tiles), written down: one component, one run per row. What
    :func:`label_classes` would find by labelling and scanning the patch, without either; the
    images are read-only views of one value."""
    height, width = int(shape[0]), int(shape[1])
    rows = np.arange(height, dtype=np.intp)
    runs = _Runs(
        rows,
        np.zeros(height, dtype=np.intp),
        np.full(height, width, dtype=np.intp),
        np.full(height, index, dtype=dtype),
        np.ones(height, dtype=np.uint16),
    )
    return _Labelling(
        index=np.broadcast_to(np.array(index, dtype=dtype), (height, width)),
        runs=runs,
        ids=np.broadcast_to(np.array(1, dtype=np.uint16), (height, width)),
        classes=np.array([0, index], dtype=np.int64),
        areas=np.array([0, height * width], dtype=np.int64),
        bounds=np.array([[0, 0, 0, 0], [0, height, 0, width]], dtype=np.intp),
        offset=offset,
        everywhere=index,
    )


def _runs_by_id(
    ids: np.ndarray[Any, Any], n: int, classes: np.ndarray[Any, Any]
) -> tuple[_Runs, np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The runs of a labelled image, and the area, box and first pixel of each of its ids
    ``1..n``, where every id is present.

    From the image's runs of equal ids within rows, grouped by id (a few hundred or thousand
    runs where find_objects and bincount read every pixel): a component's box spans the rows of
    its first and last run and the columns of its leftmost and rightmost run ends.

    Args:
        ids: (rows, cols) component ids, 0 for pixels of no component.
        n: the number of components.
        classes: (rows, cols) the class index of each pixel.

    Returns:
        The runs of the components; the area of each id (index 0: the pixels of no component),
        its box as (row start, row stop, column start, column stop) (index 0: a placeholder of
        zeros), and the flat index of its first pixel in raster order, for the ids ``1..n``.
    """
    width = ids.shape[1]
    flat = ids.ravel()
    change = np.empty(flat.size, dtype=bool)
    change[0] = True
    np.not_equal(flat[1:], flat[:-1], out=change[1:])
    change[::width] = True  # a run ends with its row
    starts = np.flatnonzero(change)
    run_id = flat[starts]
    lengths = np.diff(starts, append=flat.size)
    labelled = run_id != 0
    starts, run_id, lengths = starts[labelled], run_id[labelled], lengths[labelled]
    in_rows = np.divmod(starts, width)
    runs = _Runs(in_rows[0], in_rows[1], lengths, classes.ravel()[starts], run_id)
    # Stable: each id's runs stay in raster order, its first and last run first and last.
    order = np.argsort(run_id, kind="stable")
    starts, run_id, lengths = starts[order], run_id[order], lengths[order]
    first = np.zeros(n, dtype=np.intp)
    np.cumsum(np.bincount(run_id, minlength=n + 1)[1:-1], out=first[1:])
    last = np.append(first[1:], run_id.size) - 1
    rows, cols = in_rows[0][order], in_rows[1][order]
    areas = np.zeros(n + 1, dtype=np.int64)
    areas[1:] = np.add.reduceat(lengths, first)
    areas[0] = flat.size - int(areas[1:].sum())
    bounds = np.zeros((n + 1, 4), dtype=np.intp)
    bounds[1:, 0] = rows[first]
    bounds[1:, 1] = rows[last] + 1
    bounds[1:, 2] = np.minimum.reduceat(cols, first)
    bounds[1:, 3] = np.maximum.reduceat(cols + lengths, first)
    return runs, areas, bounds, starts[first]


def _sum_below(n: int) -> int:
    """0 + 1 + ... + (n - 1)."""
    return n * (n - 1) // 2


def _squares_below(n: int) -> int:
    """0² + 1² + ... + (n - 1)²."""
    return (n - 1) * n * (2 * n - 1) // 6
