"""The layout and the shared components of real label patches equal those of a straightforward
implementation: a ``scipy.ndimage.label`` per class, counts of numpy masks per region, borders
from shifted comparisons, centroids from pixel coordinates. Equal, floats included, not close."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import ndimage

from eotext.model import GRID3_NAMES, ClassShape, Component, Layout, RegionStats, Relation
from eotext.semantics.components import MIN_PX, PatchComponents
from eotext.semantics.layout import _directions, analyse_layout
from eotext.semantics.stats import grid3_slices, region_slices
from tests.real_maps import real_patches
from tests.test_semantics import border_edges

Array = np.ndarray[Any, Any]
REAL = real_patches()
EIGHT = np.ones((3, 3), dtype=bool)


def _variants(labels: Array) -> list[Array]:
    """The patch as read, and with its codes in wider types: large codes, an offset."""
    return [labels, labels.astype(np.uint16) * 100, labels.astype(np.int16) + 1000]


def _components(labels: Array, valid: Array, code: int) -> tuple[Array, int]:
    found: tuple[Array, int] = ndimage.label((labels == code) & valid, structure=EIGHT)
    return found


def _moments(mask: Array) -> tuple[float, float, Array]:
    """Centroid and covariance of the pixels of a mask, from their coordinates."""
    ys, xs = np.nonzero(mask)
    cx, cy = float(xs.sum() / xs.size), float(ys.sum() / ys.size)  # whole sums: exact
    cov = np.cov(np.stack([xs, ys]).astype(np.float64), bias=True)
    return cx, cy, cov


def _shape(labels: Array, valid: Array, code: int) -> ClassShape:
    ids, count = _components(labels, valid, code)
    areas = np.bincount(ids.ravel(), minlength=count + 1)[1:]
    boxes = ndimage.find_objects(ids)
    big = [i for i in range(count) if areas[i] >= MIN_PX]
    comps = []
    for i in sorted(big, key=lambda i: -areas[i])[:3]:
        rows, cols = boxes[i]
        cx, cy, cov = _moments(ids == i + 1)
        eig = np.linalg.eigvalsh(cov + np.eye(2) / 12.0)
        box = (cols.start, rows.start, cols.stop, rows.stop)
        elongation = round(float(np.sqrt(eig[1] / eig[0])), 3)
        comps.append(Component(code, int(areas[i]), box, (cx, cy), elongation))
    return ClassShape(code, len(big), tuple(comps))


def _reference(labels: Array, valid: Array, codes: list[int]) -> Layout:
    height, width = labels.shape

    def region(name: str, where: tuple[slice, slice]) -> RegionStats:
        lab, val = labels[where], valid[where]
        counts = {c: int(((lab == c) & val).sum()) for c in codes}
        return RegionStats(name, int(val.sum()), {c: n for c, n in counts.items() if n})

    regions = tuple(region(n, w) for n, w in region_slices(height, width).items())
    grid3 = tuple(
        region(n, w) for n, w in zip(GRID3_NAMES, grid3_slices(height, width), strict=True)
    )
    pixels = [int(((labels == c) & valid).sum()) for c in codes]
    largest = sorted(range(len(codes)), key=lambda i: -pixels[i])[:3]
    shapes = {codes[i]: _shape(labels, valid, codes[i]) for i in largest}
    edges = {(a, b): border_edges(labels, valid, a, b) for a in codes for b in codes if a != b}
    relations, apart = [], set()
    if len(codes) >= 2:
        for i, a in enumerate(codes):
            total = sum(edges[a, b] for b in codes if b != a)
            for b in codes[i + 1 :]:
                if edges[a, b] > MIN_PX:
                    strength = round(edges[a, b] / max(total, 1), 4)
                    relations.append(Relation(a, b, "borders", strength))
                elif edges[a, b] == 0:
                    apart.add(frozenset((a, b)))
    centroids = {}
    for c in sorted(codes):
        ys, xs = np.nonzero((labels == c) & valid)
        if xs.size >= MIN_PX:
            centroids[c] = (int(xs.sum()) / xs.size, int(ys.sum()) / xs.size)
    # The direction rule has its own tests (test_semantics); here its centroids are the check.
    relations += _directions(centroids, height, width)
    return Layout(height, width, regions, grid3, shapes, tuple(relations), frozenset(apart))


@pytest.mark.skipif(not REAL, reason="real sample data not found; set EOTEXT_DATA")
@pytest.mark.parametrize("variant", range(3))
def test_layout_of_real_patches_equals_a_straightforward_one(variant: int) -> None:
    checked = 0
    for patch in REAL:
        labels, valid = _variants(patch.labels)[variant], patch.valid
        present = [int(c) for c in np.unique(labels[valid])]
        visible = [c for c in present if int(((labels == c) & valid).sum()) >= MIN_PX]
        for codes in (visible, present):  # as the pipeline calls it, and with every class
            got = analyse_layout(labels, valid, codes, components=PatchComponents(labels, valid))
            assert got == _reference(labels, valid, codes), patch.patch_id
            checked += 1
    assert checked == 2 * len(REAL)


@pytest.mark.skipif(not REAL, reason="real sample data not found; set EOTEXT_DATA")
@pytest.mark.parametrize("variant", range(3))
def test_components_of_real_patches_equal_a_labelling_per_class(variant: int) -> None:
    for patch in REAL:
        labels, valid = _variants(patch.labels)[variant], patch.valid
        shared = PatchComponents(labels, valid)
        present = [int(c) for c in np.unique(labels[valid])]
        for code in [*present, int(labels.max()) + 1]:
            found = shared.of(code)
            ids, count = _components(labels, valid, code)
            assert found.count == count
            assert (
                found.area_px.tolist() == np.bincount(ids.ravel(), minlength=count + 1)[1:].tolist()
            )
            assert list(found.boxes) == ndimage.find_objects(ids)
            for i in range(count):
                rows, cols = found.boxes[i]
                ys, xs = np.nonzero(ids[rows, cols] == i + 1)
                got = found.pixels(i)
                assert np.array_equal(got[0], ys) and np.array_equal(got[1], xs)
        sums = shared.pixel_sums(present).tolist()
        for code, row in zip(present, sums, strict=True):
            ys, xs = np.nonzero((labels == code) & valid)
            assert row == [xs.size, int(xs.sum()), int(ys.sum())], (patch.patch_id, code)
