"""Where the classes of a patch lie: regions, a 3×3 grid, connected components, relations."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from eotext.model import GRID3_NAMES, ClassShape, Component, Layout, Relation
from eotext.semantics.stats import grid3_slices, region_slices, region_stats

#: Components and borders of 20 pixels or fewer are ignored, like ChatEarthNet's region lists.
MIN_PX = 20
_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)
#: A class lies "north of" another when their centroids differ by this share of the patch side.
_DIRECTION_MIN_OFFSET = 0.2


def analyse_layout(
    labels: np.ndarray[Any, Any],
    valid: np.ndarray[Any, Any],
    codes: list[int],
    max_components: int = 3,
) -> Layout:
    """Analyse where each class lies in a patch.

    Args:
        labels: (rows, cols) class codes.
        valid: (rows, cols) True where the pixel counts.
        codes: the classes to analyse (typically those present in the patch).
        max_components: how many of each class's largest components to keep.
    """
    height, width = labels.shape
    regions = tuple(
        region_stats(name, labels, valid, where)
        for name, where in region_slices(height, width).items()
    )
    grid3 = tuple(
        region_stats(name, labels, valid, where)
        for name, where in zip(GRID3_NAMES, grid3_slices(height, width), strict=True)
    )
    shapes: dict[int, ClassShape] = {}
    centroids: dict[int, tuple[float, float]] = {}
    for code in codes:
        shape, centroid = _class_shape(labels, valid, code, max_components)
        shapes[code] = shape
        if centroid is not None:
            centroids[code] = centroid
    relations = _borders(labels, valid, codes) + _directions(centroids, height, width)
    return Layout(height, width, regions, grid3, shapes, tuple(relations))


def _class_shape(
    labels: np.ndarray[Any, Any], valid: np.ndarray[Any, Any], code: int, keep: int
) -> tuple[ClassShape, tuple[float, float] | None]:
    """The class's components, and the centroid of all its pixels (None if ≤ MIN_PX)."""
    mask = (labels == code) & valid
    lab, n = ndimage.label(mask, structure=_EIGHT_CONNECTED)
    if n == 0:
        return ClassShape(code, 0, ()), None
    # Moments are summed over the class's own pixels only, not over the whole patch.
    ys, xs = np.nonzero(mask)
    ids = lab[ys, xs]
    xf, yf = xs.astype(np.float64), ys.astype(np.float64)
    area = np.bincount(ids, minlength=n + 1)[1:]
    sx = np.bincount(ids, xf, minlength=n + 1)[1:]
    sy = np.bincount(ids, yf, minlength=n + 1)[1:]
    centroid = (float(xf.mean()), float(yf.mean())) if xs.size > MIN_PX else None
    big = np.flatnonzero(area > MIN_PX)
    if big.size == 0:
        return ClassShape(code, 0, ()), centroid
    order = big[np.argsort(-area[big], kind="stable")][:keep]
    sxx = np.bincount(ids, xf * xf, minlength=n + 1)[1:]
    syy = np.bincount(ids, yf * yf, minlength=n + 1)[1:]
    sxy = np.bincount(ids, xf * yf, minlength=n + 1)[1:]
    comps = []
    for i in order:
        a = float(area[i])
        cx, cy = sx[i] / a, sy[i] / a
        cxy = sxy[i] / a - cx * cy
        cov = np.array([[sxx[i] / a - cx * cx, cxy], [cxy, syy[i] / a - cy * cy]])
        eig = np.linalg.eigvalsh(cov + np.eye(2) / 12.0)  # + a pixel's own variance
        elongation = float(np.sqrt(eig[1] / eig[0]))
        mine = ids == i + 1
        px, py = xs[mine], ys[mine]
        box = (int(px.min()), int(py.min()), int(px.max()) + 1, int(py.max()) + 1)
        comps.append(Component(code, int(a), box, (float(cx), float(cy)), round(elongation, 3)))
    return ClassShape(code, int(big.size), tuple(comps)), centroid


def _borders(
    labels: np.ndarray[Any, Any], valid: np.ndarray[Any, Any], codes: list[int]
) -> list[Relation]:
    """Pairs of classes that share a border longer than MIN_PX pixel edges."""
    if len(codes) < 2:
        return []
    index = {c: i for i, c in enumerate(codes)}
    lut = np.full(int(max(codes)) + 1, -1, dtype=np.int64)
    for c, i in index.items():
        lut[c] = i
    safe = np.where(valid, labels, 0).astype(np.int64)
    safe = np.where(safe < lut.size, safe, 0)
    idx = np.where(valid, lut[safe], -1)
    k = len(codes)
    flat_counts = np.zeros(k * k, dtype=np.int64)
    for a, b in ((idx[:, 1:], idx[:, :-1]), (idx[1:, :], idx[:-1, :])):
        m = (a >= 0) & (b >= 0) & (a != b)
        flat_counts += np.bincount(a[m] * k + b[m], minlength=k * k)
    square = flat_counts.reshape(k, k)
    pair_counts = square + square.T
    edge_total = pair_counts.sum(axis=1)
    relations = []
    for i in range(k):
        for j in range(i + 1, k):
            n = int(pair_counts[i, j])
            if n > MIN_PX:
                strength = n / max(int(edge_total[i]), 1)
                relations.append(Relation(codes[i], codes[j], "borders", round(strength, 4)))
    return relations


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
