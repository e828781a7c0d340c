"""Referring expressions: Acc@0.5 and mean IoU of the boxes a model names.

A prediction is either the model's text (its box is read with :func:`parse_box`) or a box in
pixels. A text without a box in a known convention scores IoU 0 and is counted as unparsed,
so the accuracy stays a fraction of all expressions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eotext.bench.boxes import Box, parse_box
from eotext.bench.matching import Coverage, ItemId, match_ids
from eotext.errors import BenchInputError


@dataclass(frozen=True)
class ReferringExpression:
    """One expression with its reference box.

    Args:
        ref_id: unique id (predictions refer to it).
        box: the reference box in pixels.
        width, height: image size in pixels (needed to read relative boxes).
        category: what is referred to (e.g. a land-cover class), for breakdowns.
        image_id: the image.
        expression: the referring text.
    """

    ref_id: ItemId
    box: Box
    width: float | None = None
    height: float | None = None
    category: str | None = None
    image_id: ItemId | None = None
    expression: str = ""


@dataclass(frozen=True)
class BoxAccuracy:
    """Acc@threshold and mean IoU of a set of expressions."""

    hits: int
    total: int
    mean_iou: float

    @property
    def accuracy(self) -> float:
        """Fraction of expressions whose IoU reaches the threshold."""
        return self.hits / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "mean_iou": self.mean_iou,
            "hits": self.hits,
            "expressions": self.total,
        }


@dataclass(frozen=True)
class ReferringScores:
    """Referring-expression scores overall, per category and per expression."""

    threshold: float
    overall: BoxAccuracy
    by_category: Mapping[str, BoxAccuracy]
    per_expression: tuple[Mapping[str, Any], ...]
    unparsed: tuple[ItemId, ...]
    coverage: Coverage

    def to_json(self) -> dict[str, Any]:
        """The ``scores.json`` layout (``Acc@0.5`` named after the threshold)."""
        return {
            f"Acc@{self.threshold:g}": self.overall.accuracy,
            "mean_iou": self.overall.mean_iou,
            "hits": self.overall.hits,
            "expressions": self.overall.total,
            "by_category": {k: v.to_json() for k, v in self.by_category.items()},
            "unparsed": len(self.unparsed),
            "coverage": self.coverage.to_json(),
            "per_expression": list(self.per_expression),
        }


def score_referring(
    expressions: Sequence[ReferringExpression],
    predictions: Mapping[ItemId, str | Box],
    *,
    convention: str = "auto",
    threshold: float = 0.5,
    allow_partial: bool = False,
) -> ReferringScores:
    """Score predicted boxes (expression id → model text or pixel box).

    Args:
        expressions: the references.
        predictions: model text (box read in ``convention``) or a :class:`Box` in pixels.
        convention: box convention of the texts (see :mod:`eotext.bench.boxes`).
        threshold: IoU at or above which a box counts as found (Acc@0.5 by default).
        allow_partial: score the matched subset instead of stopping on a mismatch.

    Raises:
        BenchInputError: duplicate ids, mismatched ids (unless ``allow_partial``), a bad
            threshold, or relative boxes without the image size.
    """
    if not 0.0 < threshold <= 1.0:
        raise BenchInputError(f"IoU threshold {threshold} must lie in (0, 1]")
    by_id = {e.ref_id: e for e in expressions}
    if len(by_id) != len(expressions):
        raise BenchInputError(
            "the references hold an expression id more than once; give each its own id"
        )
    ids, coverage = match_ids(
        [e.ref_id for e in expressions],
        predictions,
        allow_partial=allow_partial,
        what="expression",
    )
    records = []
    unparsed = []
    groups: dict[str | None, list[float]] = {}
    for rid in ids:
        ref = by_id[rid]
        pred = predictions[rid]
        try:
            box = (
                pred
                if isinstance(pred, Box)
                else parse_box(pred, ref.width, ref.height, convention)
            )
        except BenchInputError as exc:
            raise BenchInputError(f"expression {rid!r}: {exc}") from None
        iou = ref.box.iou(box) if box is not None else 0.0
        if box is None:
            unparsed.append(rid)
        records.append(
            {
                "ref_id": rid,
                "category": ref.category,
                "iou": iou,
                "hit": iou >= threshold,
                "box": box.to_list() if box else None,
            }
        )
        groups.setdefault(None, []).append(iou)
        if ref.category is not None:
            groups.setdefault(ref.category, []).append(iou)

    def summary(ious: list[float]) -> BoxAccuracy:
        return BoxAccuracy(sum(i >= threshold for i in ious), len(ious), sum(ious) / len(ious))

    return ReferringScores(
        threshold=threshold,
        overall=summary(groups[None]),
        by_category={
            c: summary(v)
            for c, v in sorted(groups.items(), key=lambda kv: str(kv[0]))
            if c is not None
        },
        per_expression=tuple(records),
        unparsed=tuple(unparsed),
        coverage=coverage,
    )
