"""Where the classes of a patch lie: regions, a 3×3 grid, connected components, relations."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from eotext.model import GRID3_NAMES, ClassShape, Component, Layout, RegionStats, Relation
from eotext.semantics.components import MIN_PX, PatchComponents
from eotext.semantics.stats import grid3_slices, region_slices

__all__ = ["MIN_PX", "analyse_layout"]
#: A class lies "north of" another when their centroids differ by this share of the patch side.
_DIRECTION_MIN_OFFSET = 0.2


def analyse_layout(
    labels: np.ndarray[Any, Any],
    valid: np.ndarray[Any, Any],
    codes: list[int],
    max_components: int = 3,
    shape_classes: int = 3,
    components: PatchComponents | None = None,
) -> Layout:
    """Analyse where each class lies in a patch.

    Args:
        labels: (rows, cols) class codes.
        valid: (rows, cols) True where the pixel counts.
        codes: the classes to analyse (typically those present with at least MIN_PX pixels);
            other valid pixels still count towards each region's valid pixels.
        max_components: how many of each class's largest components to keep.
        shape_classes: connected components are analysed for this many of the largest classes
            (the ones a description talks about; components are the costliest step).
        components: the patch's components (of these ``labels`` over these ``valid``
            pixels), shared with other users of the same patch (referring expressions);
            labelled here when not given. All counts come from its labelling: the cells' class
            counts and the centroids from its runs, the borders from its class index image.
    """
    height, width = labels.shape
    k = len(codes)
    components = components or PatchComponents(labels, valid)
    cells = _Cells.of(height, width)
    # Class j of ``codes`` at j, other valid pixels at k.
    counts = components.cell_counts(cells.rows, cells.cols, codes)
    regions, grid3 = cells.regions(counts, codes)
    class_px = counts.sum(axis=(0, 1))[:k]
    largest = [codes[i] for i in np.argsort(-class_px, kind="stable")[:shape_classes]]
    shapes = {c: _class_shape(components, c, max_components) for c in largest}
    borders, apart = _borders(components, codes)
    relations = borders + _directions(_centroids(components, codes), height, width)
    return Layout(height, width, regions, grid3, shapes, tuple(relations), apart)


class _Cells:
    """The patch cut along every edge of ChatEarthNet's regions and of the 3×3 grid: one
    class histogram per cell, from which any of those regions is a sum of cells."""

    def __init__(self, height: int, width: int) -> None:
        self.rows = _edges(height)
        self.cols = _edges(width)
        # Which cells make up each region, the five regions and then the 3×3 grid.
        where = [*region_slices(height, width).values(), *grid3_slices(height, width)]
        self.names = (*region_slices(height, width), *GRID3_NAMES)
        members = np.zeros((len(where), len(self.rows) - 1, len(self.cols) - 1), dtype=np.int64)
        for i, (rows, cols) in enumerate(where):
            r0, r1 = self.rows.index(rows.start), self.rows.index(rows.stop)
            c0, c1 = self.cols.index(cols.start), self.cols.index(cols.stop)
            members[i, r0:r1, c0:c1] = 1
        self.members = members.reshape(len(where), -1)

    @staticmethod
    @lru_cache(maxsize=8)
    def of(height: int, width: int) -> _Cells:
        """The cells of a patch shape (cached)."""
        return _Cells(height, width)

    def regions(
        self, counts: np.ndarray[Any, Any], codes: list[int]
    ) -> tuple[tuple[RegionStats, ...], tuple[RegionStats, ...]]:
        """The class counts of ChatEarthNet's regions and of the 3×3 grid cells, from the
        (row band, column band, class) counts of the cells: ``codes[j]`` at j, other valid
        pixels at ``len(codes)``."""
        k = len(codes)
        totals = (self.members @ counts.reshape(self.members.shape[1], -1)).tolist()
        stats = tuple(
            RegionStats(name, sum(row[: k + 1]), {codes[j]: row[j] for j in range(k) if row[j]})
            for name, row in zip(self.names, totals, strict=True)
        )
        return stats[:5], stats[5:]


def _edges(n: int) -> list[int]:
    """Every edge of the regions and grid cells along a side of ``n`` pixels."""
    return sorted({0, n // 4, n // 3, n // 2, 2 * n // 3, 3 * n // 4, n})


def _centroids(components: PatchComponents, codes: list[int]) -> dict[int, tuple[float, float]]:
    """Centroid (x, y) of every class with at least MIN_PX pixels, from the exact integer sums
    of its pixels' columns and rows."""
    return {
        c: (sx / n, sy / n)
        for c, (n, sx, sy) in zip(codes, components.pixel_sums(codes).tolist(), strict=True)
        if n >= MIN_PX
    }


def _class_shape(components: PatchComponents, code: int, keep: int) -> ClassShape:
    """The class's connected components (8-connected), largest first."""
    found = components.of(code)
    if found.count == 0:
        return ClassShape(code, 0, ())
    area = found.area_px
    big = np.flatnonzero(area >= MIN_PX)
    if big.size == 0:
        return ClassShape(code, 0, ())
    order = big[np.argsort(-area[big], kind="stable")][:keep]
    comps = []
    for i, sums in zip(order, components.moment_sums(found.ids[order]).tolist(), strict=True):
        rows, cols = found.boxes[i]
        cx, cy, cov = _moments(*sums)
        eig = np.linalg.eigvalsh(cov + np.eye(2) / 12.0)  # + a pixel's own variance
        box = (int(cols.start), int(rows.start), int(cols.stop), int(rows.stop))
        elongation = round(float(np.sqrt(eig[1] / eig[0])), 3)
        comps.append(Component(code, int(area[i]), box, (cx, cy), elongation))
    return ClassShape(code, int(big.size), tuple(comps))


def _moments(
    n: int, sx: int, sy: int, sxx: int, syy: int, sxy: int
) -> tuple[float, float, np.ndarray[Any, Any]]:
    """Centroid (x, y) and covariance of pixels from their count and (exact, whole) sums of
    x, y, x², y² and xy: ``n² var(x) = n Σx² - (Σx)²`` in whole numbers, so no cancellation."""
    nn = n * n
    vxx, vyy, vxy = (n * sxx - sx * sx) / nn, (n * syy - sy * sy) / nn, (n * sxy - sx * sy) / nn
    return sx / n, sy / n, np.array([[vxx, vxy], [vxy, vyy]])


def _borders(
    components: PatchComponents, codes: list[int]
) -> tuple[list[Relation], frozenset[frozenset[int]]]:
    """Pairs of classes that share a border longer than MIN_PX pixel edges, and the pairs that
    share no edge at all."""
    k = len(codes)
    if k < 2:
        return [], frozenset()
    pair_counts = components.border_counts(codes)
    edge_total = pair_counts.sum(axis=1)
    relations = []
    apart = set()
    for i in range(k):
        for j in range(i + 1, k):
            n = int(pair_counts[i, j])
            if n > MIN_PX:
                strength = n / max(int(edge_total[i]), 1)
                relations.append(Relation(codes[i], codes[j], "borders", round(strength, 4)))
            elif n == 0:
                apart.add(frozenset((codes[i], codes[j])))
    return relations, frozenset(apart)


def _directions(
    centroids: dict[int, tuple[float, float]], height: int, width: int
) -> list[Relation]:
    """Cardinal relations between the centroids of the classes (image north is up)."""
    relations = []
    items = sorted(centroids.items())
    for i, (a, (ax, ay)) in enumerate(items):
        for b, (bx, by) in items[i + 1 :]:
            dx, dy = (ax - bx) / width, (ay - by) / height
            if max(abs(dx), abs(dy)) < _DIRECTION_MIN_OFFSET:
                continue
            if abs(dy) >= abs(dx):
                kind = "north of" if dy < 0 else "south of"
            else:
                kind = "west of" if dx < 0 else "east of"
            relations.append(Relation(a, b, kind, round(max(abs(dx), abs(dy)), 4)))
    return relations
