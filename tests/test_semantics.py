"""Class shares, regions, size words and layout of label patches, checked against numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from eotext.model import GRID3_NAMES, REGION_NAMES, RegionStats, Relation
from eotext.schemes import WORLDCOVER
from eotext.semantics.layout import MIN_PX, analyse_layout
from eotext.semantics.stats import (
    compute_class_shares,
    count_classes,
    grid3_slices,
    region_slices,
    size_word,
)

NODATA = 0
CODES = (NODATA, *WORLDCOVER.codes)
Array = np.ndarray[Any, Any]


@st.composite
def label_patches(draw: st.DrawFn, codes: tuple[int, ...] = CODES) -> tuple[Array, Array]:
    """A (labels, valid) pair: noisy or blocky label arrays of 16..96 px per side, and a random
    mask of pixels that count; nodata (0) is never valid."""
    height = draw(st.integers(16, 96))
    width = draw(st.integers(16, 96))
    palette = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=5, unique=True))
    elements = st.sampled_from(palette)
    if draw(st.booleans()):
        # Mostly one value with scattered others (hypothesis fills arrays sparsely).
        labels = draw(hnp.arrays(np.uint8, (height, width), elements=elements))
    else:
        # Blocks of a coarse grid, which give large components, borders and directions.
        coarse = draw(
            hnp.arrays(
                np.uint8, (draw(st.integers(1, 6)), draw(st.integers(1, 6))), elements=elements
            )
        )
        rows = np.arange(height) * coarse.shape[0] // height
        cols = np.arange(width) * coarse.shape[1] // width
        labels = coarse[np.ix_(rows, cols)]
    mask_kind = draw(st.sampled_from(["all", "random", "none"]))
    if mask_kind == "all":
        mask = np.ones((height, width), dtype=bool)
    elif mask_kind == "none":
        mask = np.zeros((height, width), dtype=bool)
    else:
        mask = draw(hnp.arrays(np.bool_, (height, width), elements=st.booleans()))
    return labels, mask & (labels != NODATA)


def numpy_counts(labels: Array, valid: Array) -> dict[int, int]:
    codes, counts = np.unique(labels[valid], return_counts=True)
    return {int(c): int(n) for c, n in zip(codes, counts, strict=True)}


# -- class shares ----------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(label_patches())
def test_shares_sum_to_one_and_counts_match_numpy(patch: tuple[Array, Array]) -> None:
    labels, valid = patch
    stats = compute_class_shares(labels, valid)
    assert stats.total_px == labels.size
    assert stats.valid_px == int(valid.sum())
    assert stats.counts == numpy_counts(labels, valid)
    shares = stats.shares()
    if valid.any():
        assert abs(sum(shares.values()) - 1.0) <= 1e-9
        assert all(0 < s <= 1 for s in shares.values())
        assert stats.dominant == max(stats.counts, key=lambda c: (stats.counts[c], -c))
    else:
        assert shares == {}
        assert stats.ranked() == []
        assert stats.dominant is None
    ranked = stats.ranked()
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


@settings(max_examples=100, deadline=None)
@given(
    labels=st.one_of(
        hnp.arrays(
            np.uint16,
            hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
            elements=st.integers(0, 1000),
        ),
        hnp.arrays(  # 8-bit patches take Pillow's histogram
            np.uint8,
            hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
            elements=st.integers(0, 255),
        ),
    ),
    data=st.data(),
)
def test_count_classes_with_any_mask(labels: Array, data: st.DataObject) -> None:
    # Valid pixels may hold any code, including 0: counting is independent of the scheme.
    valid = data.draw(hnp.arrays(np.bool_, labels.shape, elements=st.booleans()))
    assert count_classes(labels, valid) == numpy_counts(labels, valid)
    # Strided views (a unit's window) count as their copies.
    assert count_classes(labels[:, ::2], valid[:, ::2]) == numpy_counts(
        labels[:, ::2], valid[:, ::2]
    )
    assert count_classes(labels.T, valid.T) == numpy_counts(labels, valid)
    stats = compute_class_shares(labels, valid, unknown=~valid)
    assert stats.unknown_px == int((~valid).sum())


# -- regions ---------------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(height=st.integers(1, 200), width=st.integers(1, 200))
def test_region_slices_quadrants_partition_and_center(height: int, width: int) -> None:
    regions = region_slices(height, width)
    assert tuple(regions) == REGION_NAMES
    cover = np.zeros((height, width), dtype=np.int64)
    for name in REGION_NAMES[:4]:
        cover[regions[name]] += 1
    assert (cover == 1).all(), "the four quadrants partition the patch"
    rows, cols = regions["center"]
    assert (rows.start, rows.stop) == (height // 4, 3 * height // 4)
    assert (cols.start, cols.stop) == (width // 4, 3 * width // 4)
    grid = np.zeros((height, width), dtype=np.int64)
    for where in grid3_slices(height, width):
        grid[where] += 1
    assert (grid == 1).all(), "the 3×3 grid partitions the patch"


def test_center_region_of_a_64_patch() -> None:
    assert region_slices(64, 64)["center"] == (slice(16, 48), slice(16, 48))


# -- size words ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("share", "word"),
    [
        (0.0, "extra small"),
        (0.094, "extra small"),
        (0.099, "small"),  # rounds to 0.10
        (0.10, "small"),
        (0.194, "small"),
        (0.199, "medium"),  # rounds to 0.20
        (0.29, "medium"),  # 0.29 * 100 is 28.999…, ChatEarthNet's int() makes it 28
        (0.20, "medium"),
        (0.5, "large"),
        (0.79, "large"),
        (0.7949, "large"),
        (0.7996, "extra large"),  # rounds to 0.80
        (0.8, "extra large"),
        (1.0, "extra large"),
    ],
)
def test_size_word_bins(share: float, word: str) -> None:
    assert size_word(share) == word


@settings(max_examples=100, deadline=None)
@given(n=st.integers(0, 10_000), total=st.integers(1, 10_000))
def test_size_word_of_pixel_fractions_matches_chatearthnet(n: int, total: int) -> None:
    n = min(n, total)
    # ChatEarthNet's script: a numpy float64 share, rounded to 2 places, times 100, truncated.
    percent = int(round(np.int64(n) / float(total), 2) * 100)
    expected = (
        "extra large" if percent >= 80
        else "large" if percent >= 50
        else "medium" if percent >= 20
        else "small" if percent >= 10
        else "extra small"
    )  # fmt: skip
    assert size_word(n / total) == expected


# -- RegionStats.top -------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(counts=st.dictionaries(st.sampled_from(WORLDCOVER.codes), st.integers(1, 500), max_size=8))
def test_region_top_drops_small_classes(counts: dict[int, int]) -> None:
    valid = max(sum(counts.values()), 1)
    top = RegionStats("top left", valid, counts).top()
    assert len(top) <= 3
    assert all(counts[c] >= MIN_PX for c, _ in top)
    shares = [s for _, s in top]
    assert shares == sorted(shares, reverse=True)
    big = sorted((n for n in counts.values() if n >= MIN_PX), reverse=True)
    assert [counts[c] for c, _ in top] == big[:3]
    assert all(s == counts[c] / valid for c, s in top)


def test_region_top_boundary_at_twenty_pixels() -> None:
    # ChatEarthNet keeps a class of exactly 20 px (its script's ``counts >= 20``), not 19.
    region = RegionStats("center", 100, {10: 20, 20: 21, 30: 59})
    assert region.top() == [(30, 0.59), (20, 0.21), (10, 0.20)]
    region = RegionStats("center", 100, {10: 19, 20: 22, 30: 59})
    assert region.top() == [(30, 0.59), (20, 0.22)]


# -- layout ----------------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(label_patches())
def test_layout_components_are_consistent(patch: tuple[Array, Array]) -> None:
    labels, valid = patch
    height, width = labels.shape
    present = sorted(numpy_counts(labels, valid))
    layout = analyse_layout(labels, valid, present)
    assert (layout.height, layout.width) == (height, width)
    assert tuple(r.name for r in layout.regions) == REGION_NAMES
    assert tuple(r.name for r in layout.grid3) == GRID3_NAMES
    # Components are analysed for the (up to) three largest classes, those a caption describes.
    assert set(layout.shapes) <= set(present)
    assert len(layout.shapes) == min(len(present), 3)
    counts = numpy_counts(labels, valid)
    left_out = [counts[c] for c in present if c not in layout.shapes]
    assert all(counts[c] >= max(left_out, default=0) for c in layout.shapes)
    for code, shape in layout.shapes.items():
        assert shape.code == code
        assert len(shape.largest) <= 3
        assert (shape.n_components == 0) == (len(shape.largest) == 0)
        assert shape.n_components >= len(shape.largest)
        areas = [c.area_px for c in shape.largest]
        assert areas == sorted(areas, reverse=True)
        for comp in shape.largest:
            assert comp.code == code
            x0, y0, x1, y1 = comp.box_px
            assert 0 <= x0 < x1 <= width
            assert 0 <= y0 < y1 <= height
            cx, cy = comp.centroid_px
            assert x0 <= cx <= x1 - 1
            assert y0 <= cy <= y1 - 1
            assert MIN_PX <= comp.area_px <= (x1 - x0) * (y1 - y0)
            assert comp.area_px <= int(((labels == code) & valid)[y0:y1, x0:x1].sum())
            assert comp.elongation >= 1
    for rel in layout.relations:
        assert rel.subject in present and rel.object in present
        assert rel.subject != rel.object
        assert rel.kind in {"borders", "north of", "south of", "east of", "west of"}
        assert rel.strength > 0
    # Region statistics agree with numpy on the same slices.
    for region, where in zip(layout.regions, region_slices(height, width).values(), strict=True):
        assert region.counts == numpy_counts(labels[where], valid[where])
        assert region.valid_px == int(valid[where].sum())


def canonical(relations: tuple[Relation, ...]) -> set[tuple[int, str, int]]:
    """Direction relations stated one way: "east of" → "west of", "south of" → "north of"."""
    flip = {"east of": "west of", "south of": "north of"}
    out = set()
    for r in relations:
        if r.kind == "borders":
            continue
        if r.kind in flip:
            out.add((r.object, flip[r.kind], r.subject))
        else:
            out.add((r.subject, r.kind, r.object))
    return out


def test_two_halves_border_and_lie_west_and_east() -> None:
    labels = np.full((64, 64), 10, dtype=np.uint8)
    labels[:, 32:] = 80
    valid = np.ones_like(labels, dtype=bool)
    for codes in ([10, 80], [80, 10]):
        layout = analyse_layout(labels, valid, codes)
        borders = [r for r in layout.relations if r.kind == "borders"]
        assert len(borders) == 1
        assert {borders[0].subject, borders[0].object} == {10, 80}
        directions = [r for r in layout.relations if r.kind != "borders"]
        assert len(directions) == 1
        assert canonical(layout.relations) == {(10, "west of", 80)}
        for code in (10, 80):
            assert layout.shapes[code].n_components == 1
            assert layout.shapes[code].largest[0].area_px == 64 * 32


def test_top_and_bottom_halves_lie_north_and_south() -> None:
    labels = np.full((64, 64), 40, dtype=np.uint8)
    labels[32:, :] = 50
    layout = analyse_layout(labels, np.ones_like(labels, dtype=bool), [40, 50])
    assert canonical(layout.relations) == {(40, "north of", 50)}


@pytest.mark.parametrize("row", [0, 20, 62])
def test_horizontal_stripe_is_one_elongated_component(row: int) -> None:
    labels = np.full((64, 64), 10, dtype=np.uint8)
    labels[row : row + 2, :] = 80
    layout = analyse_layout(labels, np.ones_like(labels, dtype=bool), [10, 80])
    stripe = layout.shapes[80]
    assert stripe.n_components == 1
    (comp,) = stripe.largest
    assert comp.area_px == 128
    assert comp.box_px == (0, row, 64, row + 2)
    assert comp.elongation >= 3
    assert comp.centroid_px == pytest.approx((31.5, row + 0.5))


def test_small_components_are_ignored() -> None:
    labels = np.full((32, 32), 10, dtype=np.uint8)
    labels[:4, :5] = 80  # 20 px: visible (ChatEarthNet's ``>= 20``)
    labels[10:13, 10:16] = 80  # 18 px: too small to see
    layout = analyse_layout(labels, np.ones_like(labels, dtype=bool), [10, 80])
    assert layout.shapes[80].n_components == 1
    labels[:4, :5] = 10
    layout = analyse_layout(labels, np.ones_like(labels, dtype=bool), [10, 80])
    assert layout.shapes[80].n_components == 0
    assert all(r.kind == "borders" or 80 not in (r.subject, r.object) for r in layout.relations)


def test_invalid_pixels_do_not_count() -> None:
    labels = np.full((32, 32), 10, dtype=np.uint8)
    labels[:, 16:] = 80
    valid = np.ones_like(labels, dtype=bool)
    valid[:, 16:] = False
    layout = analyse_layout(labels, valid, [10, 80])
    assert layout.shapes[80].n_components == 0
    assert layout.relations == ()
    assert layout.region("top right").valid_px == 0


# -- relations against an independent count ----------------------------------------------------
def border_edges(labels: Array, valid: Array, a: int, b: int) -> int:
    """Pixel edges (4-neighbours) between a valid pixel of class a and one of class b."""
    n = 0
    for x, y, vx, vy in (
        (labels[:, 1:], labels[:, :-1], valid[:, 1:], valid[:, :-1]),
        (labels[1:], labels[:-1], valid[1:], valid[:-1]),
    ):
        pair = ((x == a) & (y == b)) | ((x == b) & (y == a))
        n += int((pair & vx & vy).sum())
    return n


def expected_directions(labels: Array, valid: Array, codes: list[int]) -> set[tuple[int, str, int]]:
    height, width = labels.shape
    centroids = {}
    for c in codes:
        ys, xs = np.nonzero((labels == c) & valid)
        if xs.size >= MIN_PX:
            centroids[c] = (xs.mean(), ys.mean())
    out = set()
    for a in centroids:
        for b in centroids:
            dx = (centroids[a][0] - centroids[b][0]) / width
            dy = (centroids[a][1] - centroids[b][1]) / height
            if a >= b or max(abs(dx), abs(dy)) < 0.2:
                continue
            if abs(dy) >= abs(dx):
                out.add((a, "north of", b) if dy < 0 else (b, "north of", a))
            else:
                out.add((a, "west of", b) if dx < 0 else (b, "west of", a))
    return out


@settings(max_examples=100, deadline=None)
@given(patch=label_patches(), subset=st.booleans())
def test_relations_match_an_independent_count(patch: tuple[Array, Array], subset: bool) -> None:
    labels, valid = patch
    counts = numpy_counts(labels, valid)
    # The pipeline passes only the classes of more than MIN_PX pixels.
    codes = sorted(c for c, n in counts.items() if n >= MIN_PX) if subset else sorted(counts)
    layout = analyse_layout(labels, valid, codes)
    borders = {frozenset((r.subject, r.object)) for r in layout.relations if r.kind == "borders"}
    expected = {
        frozenset((a, b))
        for i, a in enumerate(codes)
        for b in codes[i + 1 :]
        if border_edges(labels, valid, a, b) > MIN_PX
    }
    assert borders == expected
    assert canonical(layout.relations) == expected_directions(labels, valid, codes)
    # Regions count the listed classes; every valid pixel counts towards their valid pixels.
    for region, where in zip(layout.regions, region_slices(*labels.shape).values(), strict=True):
        sub = numpy_counts(labels[where], valid[where])
        assert region.counts == {c: n for c, n in sub.items() if c in codes}
        assert region.valid_px == int(valid[where].sum())


def test_unlisted_classes_do_not_count_as_code_zero() -> None:
    # Regression: unlisted valid codes were once clamped to 0 and counted as class 0.
    # Dynamic World: 0 water, 1 trees, 8 snow and ice. The 20 snow pixels (≤ MIN_PX) are left
    # out of ``codes``, as the pipeline does; water touches trees along only 10 pixel edges.
    labels = np.full((64, 64), 1, dtype=np.uint8)
    labels[:20, :10] = 0
    labels[:20, 10] = 8
    valid = np.ones_like(labels, dtype=bool)
    assert border_edges(labels, valid, 0, 1) == 10
    layout = analyse_layout(labels, valid, [0, 1])
    assert [r for r in layout.relations if r.kind == "borders"] == []
