"""Boxes are read in GeoChat, Qwen-VL and pixel conventions; IoU behaves."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eotext.bench.boxes import Box, parse_box
from eotext.errors import BenchInputError
from eotext.export.boxes import format_box


@pytest.mark.parametrize(
    ("text", "convention", "expected"),
    [
        ("{<10><20><30><40>}", "auto", (20, 40, 60, 80)),
        ("The plane is at {<10><20><30><40>|<90>}.", "geochat", (20, 40, 60, 80)),
        ("{< 10 >< 20.5 ><30><40>}", "auto", (20, 41, 60, 80)),
        ("<ref>the pond</ref><box>(100,200),(300,400)</box>", "auto", (20, 40, 60, 80)),
        ("<box>(300,400),(100,200)</box>", "qwen", (20, 40, 60, 80)),  # corners in any order
        ("It is at [20, 40, 60, 80] in the image", "auto", (20, 40, 60, 80)),
        ("[20.5,40,60,80.25]", "pixel", (20.5, 40, 60, 80.25)),
    ],
)
def test_conventions(text: str, convention: str, expected: tuple[float, ...]) -> None:
    box = parse_box(text, width=200, height=200, convention=convention)
    assert box is not None and box.to_list() == pytest.approx(list(expected))


def test_unparseable_and_mismatched_conventions_give_none() -> None:
    assert parse_box("a pond in the north-east", 200, 200) is None
    assert parse_box("[1, 2, 3]", 200, 200) is None
    assert parse_box("{<10><20><30><40>}", 200, 200, convention="pixel") is None


def test_relative_boxes_need_the_image_size() -> None:
    with pytest.raises(BenchInputError, match=r"relative to the image size.*width and height"):
        parse_box("{<10><20><30><40>}")
    assert parse_box("[1, 2, 3, 4]") == Box(1, 2, 3, 4)  # pixels need no size
    with pytest.raises(BenchInputError, match="unknown box convention 'yolo'"):
        parse_box("x", 1, 1, convention="yolo")


def test_box_validation() -> None:
    with pytest.raises(BenchInputError, match="maximum is below its minimum"):
        Box(10, 0, 5, 5)
    with pytest.raises(BenchInputError, match="non-finite"):
        Box(0, 0, float("nan"), 5)


def test_iou_examples() -> None:
    a = Box(0, 0, 10, 10)
    assert a.iou(Box(0, 0, 10, 10)) == 1.0
    assert a.iou(Box(5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert a.iou(Box(10, 10, 20, 20)) == 0.0  # touching corners
    assert Box(1, 1, 1, 1).iou(Box(1, 1, 1, 1)) == 0.0  # empty boxes


coords = st.floats(0, 1000, allow_nan=False)
boxes = st.builds(Box.from_corners, coords, coords, coords, coords)


@given(boxes, boxes)
def test_iou_is_symmetric_and_bounded(a: Box, b: Box) -> None:
    assert a.iou(b) == pytest.approx(b.iou(a))
    assert 0.0 <= a.iou(b) <= 1.0 + 1e-12


@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100), st.integers(0, 100))
def test_geochat_round_trip(x1: int, y1: int, x2: int, y2: int) -> None:
    box = parse_box(f"{{<{x1}><{y1}><{x2}><{y2}>}}", width=256, height=128)
    assert box is not None
    expected = Box.from_corners(x1 * 2.56, y1 * 1.28, x2 * 2.56, y2 * 1.28)
    assert box.to_list() == pytest.approx(expected.to_list())


@given(
    st.integers(1, 512),
    st.integers(1, 512),
    st.sampled_from(["geochat", "qwen", "pixel"]),
    st.data(),
)
def test_reads_back_what_eotext_export_writes(
    width: int, height: int, style: str, data: st.DataObject
) -> None:
    x0 = data.draw(st.integers(0, width - 1))
    y0 = data.draw(st.integers(0, height - 1))
    x1 = data.draw(st.integers(x0 + 1, width))
    y1 = data.draw(st.integers(y0 + 1, height))
    text = f"The area is at {format_box([x0, y0, x1, y1], width, height, style)}."
    box = parse_box(text, width, height, "auto")
    assert box is not None
    # Export rounds to the convention's grid: half a step of 0-100 or 0-1000 at most.
    step = {"geochat": 100, "qwen": 1000, "pixel": None}[style]
    tol_x = width / step / 2 + 1e-9 if step else 0
    tol_y = height / step / 2 + 1e-9 if step else 0
    assert abs(box.x_min - x0) <= tol_x and abs(box.x_max - x1) <= tol_x
    assert abs(box.y_min - y0) <= tol_y and abs(box.y_max - y1) <= tol_y
