"""Which predictions meet which references, and what was left out.

A prediction for an item the references do not hold, or a reference without a prediction,
stops scoring with a message naming both counts, unless the caller asks for the matched subset
(``allow_partial=True``, ``--allow-partial``); then the left-out items are counted in the result.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eotext.errors import BenchInputError

#: Identifier of an image, question or expression: COCO uses integers, other formats strings.
ItemId = int | str


@dataclass(frozen=True)
class Coverage:
    """How many items were scored, and the ids left out on either side."""

    scored: int
    predictions_without_reference: tuple[ItemId, ...] = ()
    references_without_prediction: tuple[ItemId, ...] = ()

    @property
    def left_out(self) -> int:
        """All items left out, on both sides."""
        return len(self.predictions_without_reference) + len(self.references_without_prediction)

    def describe(self, what: str = "items") -> str:
        """One sentence, e.g. ``scored 1000 images; left out 93 references without ...``."""
        text = f"scored {self.scored} {what}"
        parts = []
        if self.references_without_prediction:
            n = len(self.references_without_prediction)
            parts.append(f"{n} reference {what} without a prediction")
        if self.predictions_without_reference:
            parts.append(
                f"{len(self.predictions_without_reference)} predictions without a reference"
            )
        return f"{text}; left out {' and '.join(parts)}" if parts else text

    def to_json(self) -> dict[str, Any]:
        """The JSON form written into score files."""
        return {
            "scored": self.scored,
            "left_out": self.left_out,
            "predictions_without_reference": list(self.predictions_without_reference),
            "references_without_prediction": list(self.references_without_prediction),
        }


def match_ids(
    reference_ids: Sequence[ItemId],
    prediction_ids: Iterable[ItemId],
    *,
    allow_partial: bool = False,
    what: str = "item",
) -> tuple[list[ItemId], Coverage]:
    """The reference ids that have a prediction, in reference order, and the coverage.

    Args:
        reference_ids: ids in the reference file, in its order (scores follow it).
        prediction_ids: ids in the prediction file.
        allow_partial: score the matched subset instead of stopping on a mismatch.
        what: the kind of item, for messages (``image``, ``question``, ``expression``).

    Raises:
        BenchInputError: the ids differ and ``allow_partial`` is false, or nothing matches.
    """
    predicted = set(prediction_ids)
    known = set(reference_ids)
    matched = [i for i in reference_ids if i in predicted]
    extra = tuple(i for i in predicted if i not in known)
    missing = tuple(i for i in reference_ids if i not in predicted)
    coverage = Coverage(len(matched), _sorted(extra), missing)
    hint = _type_hint(known, predicted)
    if not matched:
        raise BenchInputError(
            f"no prediction matches a reference {what}{hint}; check that both files are for the "
            f"same split and use the same {what} ids"
        )
    if (extra or missing) and not allow_partial:
        problems = []
        if extra:
            problems.append(
                f"{len(extra)} predictions are for {what}s the references do not hold "
                f"(e.g. {_examples(extra)})"
            )
        if missing:
            problems.append(
                f"{len(missing)} reference {what}s have no prediction (e.g. {_examples(missing)})"
            )
        raise BenchInputError(
            f"{'; '.join(problems)}{hint}; fix the files, or score only the {len(matched)} "
            f"matched {what}s with --allow-partial (allow_partial=True)"
        )
    return matched, coverage


def find_duplicates(ids: Iterable[Hashable]) -> list[Hashable]:
    """Ids that occur more than once, in first-seen order."""
    seen: set[Hashable] = set()
    dups: dict[Hashable, None] = {}
    for i in ids:
        if i in seen:
            dups[i] = None
        seen.add(i)
    return list(dups)


def _examples(ids: Sequence[ItemId], n: int = 3) -> str:
    shown = ", ".join(repr(i) for i in list(ids)[:n])
    return shown + (", ..." if len(ids) > n else "")


def _sorted(ids: Iterable[ItemId]) -> tuple[ItemId, ...]:
    return tuple(sorted(ids, key=lambda i: (isinstance(i, str), i)))


def _type_hint(reference_ids: set[ItemId], prediction_ids: set[ItemId]) -> str:
    """Point out the classic mistake: ``"42"`` in one file and ``42`` in the other."""
    as_text_refs = {str(i) for i in reference_ids}
    as_text_preds = {str(i) for i in prediction_ids}
    if (as_text_refs & as_text_preds) and not (reference_ids & prediction_ids):
        ref_kind = type(next(iter(reference_ids))).__name__
        pred_kind = type(next(iter(prediction_ids))).__name__
        return f" (the ids are {pred_kind} in the predictions but {ref_kind} in the references)"
    return ""
