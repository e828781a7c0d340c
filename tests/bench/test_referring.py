"""Referring expressions: Acc@0.5 and mean IoU, with unparseable texts counted as misses."""

from __future__ import annotations

import pytest

from eotext.bench.boxes import Box
from eotext.bench.referring import ReferringExpression, score_referring
from eotext.errors import BenchInputError


def _refs() -> list[ReferringExpression]:
    return [
        ReferringExpression("a", Box(0, 0, 100, 100), 200, 200, category="water"),
        ReferringExpression("b", Box(100, 100, 200, 200), 200, 200, category="forest"),
        ReferringExpression("c", Box(50, 50, 150, 150), 200, 200, category="forest"),
        ReferringExpression("d", Box(0, 0, 200, 100), 200, 200, category="water"),
    ]


def test_accuracy_and_mean_iou() -> None:
    predictions: dict[str | int, str | Box] = {
        "a": "{<0><0><50><50>}",  # exact: IoU 1
        "b": "<box>(500,500),(1000,750)</box>",  # half of it: IoU 0.5, a hit at 0.5
        "c": "somewhere in the middle",  # unparsed: IoU 0
        "d": Box(0, 0, 100, 100),  # IoU 0.5
    }
    scores = score_referring(_refs(), predictions)
    assert scores.overall.hits == 3 and scores.overall.total == 4
    assert scores.overall.mean_iou == pytest.approx((1 + 0.5 + 0 + 0.5) / 4)
    assert scores.unparsed == ("c",)
    assert scores.by_category["forest"].accuracy == 0.5
    data = scores.to_json()
    assert data["Acc@0.5"] == 0.75 and data["per_expression"][2]["box"] is None
    strict = score_referring(_refs(), predictions, threshold=0.75)
    assert strict.overall.hits == 1 and "Acc@0.75" in strict.to_json()


def test_errors_name_the_expression() -> None:
    refs = [ReferringExpression(1, Box(0, 0, 10, 10))]  # no image size
    with pytest.raises(BenchInputError, match=r"expression 1: a geochat box is relative"):
        score_referring(refs, {1: "{<0><0><5><5>}"})
    with pytest.raises(BenchInputError, match=r"threshold 0 must lie in \(0, 1\]"):
        score_referring(refs, {1: "[0, 0, 5, 5]"}, threshold=0)
    with pytest.raises(BenchInputError, match="more than once"):
        score_referring(refs * 2, {1: "[0, 0, 5, 5]"})
