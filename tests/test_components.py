"""Connected components are labelled once per patch, for all classes, and shared; the
multi-label pass gives each class exactly what a per-class labelling gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from eotext.schemes import WORLDCOVER
from eotext.semantics import components as components_module
from eotext.semantics.components import MIN_PX, PatchComponents
from eotext.semantics.layout import analyse_layout
from eotext.semantics.stats import compute_class_shares
from eotext.text.referring import ReferringWriter


def _patch() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(3)
    blocks = rng.choice(np.array([10, 30, 40, 50, 80], dtype=np.uint8), size=(8, 8))
    labels = np.kron(blocks, np.ones((16, 16), dtype=np.uint8))
    return labels, np.ones(labels.shape, dtype=bool)


def test_layout_and_referring_share_one_labelling(monkeypatch: pytest.MonkeyPatch) -> None:
    labels, usable = _patch()
    stats = compute_class_shares(labels, usable)
    visible = sorted(c for c, n in stats.counts.items() if n >= MIN_PX)
    plain = ReferringWriter(WORLDCOVER, 0).items("p", labels, usable, stats)

    calls: list[int] = []
    real = components_module.cc3d.connected_components

    def counting(classes: Any, **options: Any) -> Any:
        calls.append(1)
        return real(classes, **options)

    monkeypatch.setattr(components_module.cc3d, "connected_components", counting)
    shared = PatchComponents(labels, usable)
    analyse_layout(labels, usable, visible, components=shared)
    texts = ReferringWriter(WORLDCOVER, 0).items("p", labels, usable, stats, shared)
    assert len(calls) == 1  # one pass for all classes, though both users need the largest
    assert texts == plain  # the shared result gives the same expressions


def _per_class(labels: Any, usable: Any, code: int) -> tuple[Any, int]:
    from scipy import ndimage

    return ndimage.label((labels == code) & usable, structure=np.ones((3, 3), dtype=bool))


@pytest.mark.parametrize("seed", range(6))
def test_one_pass_matches_a_labelling_per_class(seed: int) -> None:
    """Areas, boxes, order and pixels of every class's components are those of a per-class
    ``scipy.ndimage.label`` (8-connected), including classes touching each other diagonally,
    code 0 and unusable pixels."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(
        np.array([0, 10, 11, 200], dtype=np.uint8), size=(40, 56), p=[0.1, 0.5, 0.3, 0.1]
    )
    labels[::7] = 11  # long runs crossing other classes
    usable = rng.random(labels.shape) > 0.15
    shared = PatchComponents(labels, usable)
    for code in (0, 10, 11, 200, 77):
        found = shared.of(code)
        expected, count = _per_class(labels, usable, code)
        assert found.count == count
        assert (
            found.area_px.tolist()
            == np.bincount(expected.ravel(), minlength=count + 1)[1:].tolist()
        )
        from scipy import ndimage

        assert list(found.boxes) == list(ndimage.find_objects(expected))
        for i in range(count):
            rows, cols = found.boxes[i]
            ys, xs = np.nonzero(expected[rows, cols] == i + 1)
            got = found.pixels(i)
            assert (got[0] == ys).all() and (got[1] == xs).all()


def test_no_usable_pixels_has_no_components() -> None:
    labels = np.full((8, 8), 10, dtype=np.uint8)
    found = PatchComponents(labels, np.zeros(labels.shape, dtype=bool)).of(10)
    assert found.count == 0 and found.boxes == ()


@pytest.mark.parametrize(
    ("dtype", "code", "shape"),
    [(np.uint8, 80, (256, 256)), (np.uint8, 0, (64, 48)), (np.uint16, 3110, (120, 120)),
     (np.int16, -5, (33, 17)), (np.int32, 70_000, (16, 16))],
)  # fmt: skip
def test_a_patch_of_one_class_everywhere_is_written_down_as_labelling_finds_it(
    dtype: Any, code: int, shape: tuple[int, int]
) -> None:
    """Open water or a forest, usable everywhere: one component, one run per row, without
    labelling; everything the labelling and the scan of its runs would give."""
    labels, usable = np.full(shape, code, dtype=dtype), np.ones(shape, dtype=bool)
    written = components_module.label_classes(labels, usable)
    found = components_module._label_each(labels, usable, written.offset, written.index.dtype.type)
    assert written.offset == found.offset
    for field in ("index", "ids", "classes", "areas", "bounds"):
        assert np.array_equal(getattr(written, field), getattr(found, field)), field
    for field in ("rows", "cols", "lengths", "classes", "ids"):
        assert np.array_equal(getattr(written.runs, field), getattr(found.runs, field)), field
    # The layout and the referring expressions read them the same way.
    every, each = PatchComponents(labels, usable), PatchComponents(labels, usable)
    each._all = found
    assert analyse_layout(labels, usable, [code], components=every) == analyse_layout(
        labels, usable, [code], components=each
    )
    assert every.moment_sums(np.array([1])).tolist() == each.moment_sums(np.array([1])).tolist()
    edges = ([0, shape[0] // 3, shape[0]], [0, shape[1] // 4, shape[1] // 2, shape[1]])
    for codes in ([code], [code, code + 1], [code + 1, code], [code + 1], []):
        assert every.pixel_sums(codes).tolist() == each.pixel_sums(codes).tolist(), codes
        assert np.array_equal(every.cell_counts(*edges, codes), each.cell_counts(*edges, codes))
    assert analyse_layout(labels, usable, [code + 1, code], components=every) == analyse_layout(
        labels, usable, [code + 1, code], components=each
    )
