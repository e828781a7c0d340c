"""VQA accuracy overall, per answer type and per category."""

from __future__ import annotations

import pytest

from eotext.bench.vqa import VqaQuestion, score_vqa
from eotext.errors import BenchInputError


def _questions() -> list[VqaQuestion]:
    return [
        VqaQuestion(1, "yes", category="presence"),
        VqaQuestion(2, "no", category="presence"),
        VqaQuestion(3, "4", category="count"),
        VqaQuestion(4, "B", choices=("water", "forest", "urban"), category="land cover"),
        VqaQuestion(5, "urban", category="rural_urban"),
        VqaQuestion(6, "forest", choices=("water", "forest"), category="land cover"),
    ]


def test_types_are_inferred() -> None:
    kinds = [q.answer_type for q in _questions()]
    assert kinds == ["yes/no", "yes/no", "number", "multiple_choice", "open", "multiple_choice"]
    assert _questions()[5].expected == "B"  # option text as reference answer → its letter


def test_accuracy_per_type_and_category() -> None:
    predictions = {
        1: "Yes, there is.",
        2: "Yes.",  # wrong
        3: "There are four buildings.",
        4: "The answer is (B) forest",
        5: "An urban area.",  # normalised: "urban area" ≠ "urban"
        6: "I cannot tell",  # unparsed, wrong
    }
    scores = score_vqa(_questions(), predictions)
    assert (scores.overall.correct, scores.overall.total) == (3, 6)
    assert scores.by_type["yes/no"].value == 0.5
    assert scores.by_type["number"].value == 1.0
    assert scores.by_type["multiple_choice"].value == 0.5
    assert scores.by_type["open"].value == 0.0
    assert scores.by_category["presence"].value == 0.5
    assert scores.by_category["land cover"].correct == 1
    assert scores.unparsed == (6,)
    record = scores.to_json()["per_question"][2]
    assert record == {
        "question_id": 3,
        "answer_type": "number",
        "category": "count",
        "expected": "4",
        "read": "4",
        "correct": True,
    }


def test_bad_references_are_explained() -> None:
    with pytest.raises(BenchInputError, match="not a valid yes/no answer"):
        VqaQuestion(1, "maybe", answer_type="yes/no")
    with pytest.raises(BenchInputError, match=r"not a valid multiple_choice answer \(choices: A\)"):
        VqaQuestion(1, "cloud", choices=("water", "forest"))
    with pytest.raises(BenchInputError, match="unknown answer type 'boolean'"):
        VqaQuestion(1, "yes", answer_type="boolean")
    with pytest.raises(BenchInputError, match="more than once"):
        score_vqa([VqaQuestion(1, "yes"), VqaQuestion(1, "no")], {1: "yes"})


def test_partial_predictions() -> None:
    with pytest.raises(BenchInputError, match="5 reference questions have no prediction"):
        score_vqa(_questions(), {1: "yes"})
    scores = score_vqa(_questions(), {1: "yes", 7: "no"}, allow_partial=True)
    assert scores.overall.total == 1 and scores.coverage.left_out == 6


def test_eotext_styles_and_open_numbers() -> None:
    assert VqaQuestion(1, "no", answer_type="binary").answer_type == "yes/no"
    assert VqaQuestion(2, "A", answer_type="MCQ", choices=("x", "y")).answer_type == (
        "multiple_choice"
    )
    counted = VqaQuestion(3, "12", answer_type="open", category="count")
    assert counted.answer_type == "number" and counted.read("There are twelve.") == "12"
    assert counted.read("There are 12 of them.") == "12"
    assert VqaQuestion(4, "rural", answer_type="open").answer_type == "open"
