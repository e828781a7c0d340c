"""Cutting scenes into patches and grouping patches into units: coverage, bounds and ids."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eotext.errors import TilingError
from eotext.model import PixelWindow
from eotext.scene.tiling import patch_offsets, plan_units


@st.composite
def axes(draw: st.DrawFn, max_size: int = 48, max_steps: int = 20, overlap: bool = True):
    """(length, size, step) with size ≤ length; step ≤ size when ``overlap`` (no gaps).

    The length is built as ``size + n·step + r`` with ``0 ≤ r < step``, which reaches every
    length ≥ size while keeping the number of patches small.
    """
    size = draw(st.integers(1, max_size))
    step = draw(st.integers(1, size)) if overlap else draw(st.integers(1, 2 * max_size))
    n = draw(st.integers(0, max_steps))
    r = draw(st.integers(0, step - 1))
    return size + n * step + r, size, step


def coverage_1d(length: int, size: int, offsets: list[int]) -> np.ndarray:
    cover = np.zeros(length, dtype=np.int64)
    for o in offsets:
        cover[o : o + size] += 1
    return cover


# -- patch_offsets ---------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(axes())
def test_shift_covers_every_pixel_and_stays_inside(axis: tuple[int, int, int]) -> None:
    length, size, step = axis
    offsets = patch_offsets(length, size, step, "shift")
    assert offsets, "at least one patch"
    assert all(0 <= o and o + size <= length for o in offsets)
    assert offsets == sorted(set(offsets)), "offsets strictly increasing, no duplicates"
    assert offsets[0] == 0
    assert offsets[-1] + size == length, "the last patch is flush with the scene edge"
    assert (coverage_1d(length, size, offsets) >= 1).all()


@settings(max_examples=100, deadline=None)
@given(axes(overlap=False))
def test_shift_with_any_stride_stays_inside_and_reaches_the_edge(
    axis: tuple[int, int, int],
) -> None:
    # A stride larger than the patch leaves gaps by design (sparse sampling); patches still lie
    # inside the scene and the last one is still flush with its edge.
    length, size, step = axis
    offsets = patch_offsets(length, size, step, "shift")
    assert all(0 <= o and o + size <= length for o in offsets)
    assert offsets == sorted(set(offsets))
    assert offsets[-1] + size == length


@settings(max_examples=100, deadline=None)
@given(axes())
def test_drop_with_stride_equal_to_size_tiles_without_overlap(
    axis: tuple[int, int, int],
) -> None:
    length, size, _ = axis
    offsets = patch_offsets(length, size, size, "drop")
    n = length // size
    assert offsets == [i * size for i in range(n)]
    cover = coverage_1d(length, size, offsets)
    assert (cover[: n * size] == 1).all(), "every pixel of [0, n·size) exactly once"
    assert (cover[n * size :] == 0).all(), "the remainder is left uncovered"


@settings(max_examples=50, deadline=None)
@given(axes())
def test_drop_never_leaves_the_scene(axis: tuple[int, int, int]) -> None:
    length, size, step = axis
    offsets = patch_offsets(length, size, step, "drop")
    assert offsets == list(range(0, length - size + 1, step))
    assert all(o + size <= length for o in offsets)


@pytest.mark.parametrize("edge", ["shift", "drop"])
@settings(max_examples=50, deadline=None)
@given(length=st.integers(1, 500), extra=st.integers(1, 500), step=st.integers(1, 64))
def test_patch_larger_than_scene_is_a_tiling_error(
    edge: str, length: int, extra: int, step: int
) -> None:
    size = length + extra
    with pytest.raises(TilingError) as info:
        patch_offsets(length, size, step, edge)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert f"{length} px" in message, "the message says the scene size"
    assert f"{size} px" in message, "the message says the patch size"


def test_patch_equal_to_scene_is_one_patch() -> None:
    assert patch_offsets(64, 64, 64, "shift") == [0]
    assert patch_offsets(64, 64, 1, "drop") == [0]


def test_shift_adds_one_flush_patch() -> None:
    assert patch_offsets(100, 32, 32, "shift") == [0, 32, 64, 68]
    assert patch_offsets(100, 32, 32, "drop") == [0, 32, 64]


# -- plan_units ------------------------------------------------------------------------------
@st.composite
def scenes(draw: st.DrawFn, overlap: bool = True):
    size = draw(st.integers(1, 24))
    step = draw(st.integers(1, size)) if overlap else draw(st.integers(1, 48))

    def length() -> int:
        return size + draw(st.integers(0, 12)) * step + draw(st.integers(0, step - 1))

    return {
        "width": length(),
        "height": length(),
        "size": size,
        "step": step,
        "unit_patches": draw(st.integers(1, 5)),
        "scene_index": draw(st.integers(0, 3)),
        "scene_id": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,11}", fullmatch=True)),
    }


def plan(scene: dict, edge: str, **override: int) -> list:
    args = {**scene, **override}
    return plan_units(
        args["scene_index"],
        args["scene_id"],
        args["width"],
        args["height"],
        args["size"],
        args["step"],
        edge,
        args["unit_patches"],
    )


@settings(max_examples=75, deadline=None)
@given(scenes())
def test_plan_units_shift_covers_the_scene(scene: dict) -> None:
    units = plan(scene, "shift")
    size, width, height = scene["size"], scene["width"], scene["height"]
    cover = np.zeros((height, width), dtype=np.int64)
    for unit in units:
        assert unit.scene_id == scene["scene_id"]
        assert unit.scene_index == scene["scene_index"]
        assert 0 < len(unit.patches) <= scene["unit_patches"] ** 2
        for p in unit.patches:
            w = p.window
            assert (w.width, w.height) == (size, size)
            assert 0 <= w.col_off and w.col_end <= width
            assert 0 <= w.row_off and w.row_end <= height
            cover[w.row_off : w.row_end, w.col_off : w.col_end] += 1
    assert (cover >= 1).all(), "every pixel of the scene lies in some patch"


@settings(max_examples=75, deadline=None)
@given(scenes())
def test_plan_units_drop_with_stride_equal_to_size_never_overlaps(scene: dict) -> None:
    size = scene["size"]
    units = plan(scene, "drop", step=size)
    cover = np.zeros((scene["height"], scene["width"]), dtype=np.int64)
    for unit in units:
        for p in unit.patches:
            w = p.window
            cover[w.row_off : w.row_end, w.col_off : w.col_end] += 1
    ny, nx = scene["height"] // size, scene["width"] // size
    assert (cover[: ny * size, : nx * size] == 1).all()
    assert cover[ny * size :, :].sum() == 0
    assert cover[:, nx * size :].sum() == 0


@pytest.mark.parametrize("edge", ["shift", "drop"])
@settings(max_examples=50, deadline=None)
@given(scene=scenes(overlap=False))
def test_patches_lie_inside_their_unit(edge: str, scene: dict) -> None:
    for unit in plan(scene, edge):
        assert unit.window.col_end <= scene["width"]
        assert unit.window.row_end <= scene["height"]
        for p in unit.patches:
            rows, cols = p.window.relative_to(unit.window)  # raises when outside
            assert rows.stop - rows.start == scene["size"]
            assert cols.stop - cols.start == scene["size"]
            assert 0 <= rows.start and rows.stop <= unit.window.height
            assert 0 <= cols.start and cols.stop <= unit.window.width


@pytest.mark.parametrize("edge", ["shift", "drop"])
@settings(max_examples=50, deadline=None)
@given(scene=scenes(overlap=False))
def test_patch_and_unit_ids_are_unique_and_stable(edge: str, scene: dict) -> None:
    first = plan(scene, edge)
    again = plan(scene, edge)
    ids = [p.patch_id for u in first for p in u.patches]
    assert len(ids) == len(set(ids)), "patch ids are unique within a scene"
    assert ids == [p.patch_id for u in again for p in u.patches], "same inputs → same ids"
    assert all(i.startswith(f"{scene['scene_id']}_r") for i in ids)
    unit_ids = [u.unit_id for u in first]
    assert len(unit_ids) == len(set(unit_ids))
    assert unit_ids == [u.unit_id for u in again]
    assert first == again


@settings(max_examples=50, deadline=None)
@given(scene=scenes(), unit_patches=st.integers(1, 5))
def test_unit_grouping_does_not_change_the_patches(scene: dict, unit_patches: int) -> None:
    one = {p.patch_id for u in plan(scene, "shift", unit_patches=1) for p in u.patches}
    many = {p.patch_id for u in plan(scene, "shift", unit_patches=unit_patches) for p in u.patches}
    assert one == many


def test_patch_id_format() -> None:
    (unit,) = plan_units(0, "S2A_T33", 64, 64, 32, 32, "shift", 8)
    assert [p.patch_id for p in unit.patches] == [
        "S2A_T33_r000000_c000000",
        "S2A_T33_r000000_c000032",
        "S2A_T33_r000032_c000000",
        "S2A_T33_r000032_c000032",
    ]
    assert unit.unit_id == "S2A_T33_r000000_c000000"
    assert unit.window == PixelWindow(0, 0, 64, 64)


@pytest.mark.parametrize(("width", "height"), [(10, 100), (100, 10)])
def test_plan_units_patch_larger_than_scene(width: int, height: int) -> None:
    with pytest.raises(TilingError, match="10 px"):
        plan_units(0, "s", width, height, 32, 32)


def test_relative_to_raises_outside() -> None:
    outer = PixelWindow(10, 10, 20, 20)
    assert PixelWindow(10, 10, 20, 20).relative_to(outer) == (slice(0, 20), slice(0, 20))
    with pytest.raises(TilingError):
        PixelWindow(9, 10, 5, 5).relative_to(outer)
    with pytest.raises(TilingError):
        PixelWindow(26, 10, 5, 5).relative_to(outer)
