"""VQA accuracy, overall and per answer type and question category.

Each question has one reference answer and an answer type that decides how a model's free text
is read (:mod:`eotext.bench.answers`):

============== ================================================ ===========================
type           the model's text is read as                      correct when
============== ================================================ ===========================
yes/no         ``yes``/``no`` (first word, else the only kind)  it equals the reference
number         the first number, in digits or words             it equals the reference
multiple_choice a letter (``B``, ``(B)``, ``Answer: B``) or     it is the reference option
               the text of one option
open           lower case, no punctuation or articles           it equals the reference,
                                                                normalised the same way
============== ================================================ ===========================

The type is inferred when a question does not give it, or gives ``open``: questions with
choices are multiple-choice, a ``yes``/``no`` answer makes yes/no, a numeric answer makes
number (so "There are three." matches a count of 3). eotext's own styles (``binary``, ``mcq``)
and BigEarthNet.txt's types are accepted as other names (:data:`TYPE_ALIASES`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eotext.bench.answers import (
    choice_letter,
    normalize_answer,
    parse_choice,
    parse_number,
    parse_yes_no,
)
from eotext.bench.matching import Coverage, ItemId, match_ids
from eotext.errors import BenchInputError

#: The answer types, in report order.
ANSWER_TYPES = ("yes/no", "number", "multiple_choice", "open")

#: Other names of the answer types (eotext's VQA styles, BigEarthNet.txt's item types).
TYPE_ALIASES = {
    "binary": "yes/no",
    "yesno": "yes/no",
    "mcq": "multiple_choice",
    "multiple choice": "multiple_choice",
    "count": "number",
}


@dataclass(frozen=True)
class VqaQuestion:
    """One question with its reference answer.

    Args:
        question_id: unique id (predictions refer to it).
        answer: the reference answer (for multiple choice: the letter or the option text).
        answer_type: one of :data:`ANSWER_TYPES` (or an alias); inferred when None or open.
        category: what the question is about (e.g. ``presence``, ``count``, a land-cover
            class), for per-category accuracy.
        choices: the options of a multiple-choice question, in letter order (A, B, ...).
        image_id: the image asked about.
        question: the question text.
    """

    question_id: ItemId
    answer: str
    answer_type: str | None = None
    category: str | None = None
    choices: tuple[str, ...] = ()
    image_id: ItemId | None = None
    question: str = ""
    expected: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if len(self.choices) > 26:
            raise BenchInputError(
                f"question {self.question_id!r} has {len(self.choices)} choices; letters A-Z "
                "name at most 26"
            )
        given = (self.answer_type or "open").strip().lower()
        kind = TYPE_ALIASES.get(given, given)
        if kind not in ANSWER_TYPES:
            raise BenchInputError(
                f"question {self.question_id!r}: unknown answer type {self.answer_type!r}; use "
                f"one of {', '.join(ANSWER_TYPES)} (or leave it out to infer it)"
            )
        if kind == "open":
            kind = _infer_type(self.answer, self.choices)
        expected = _reference_answer(kind, self.answer, self.choices)
        if expected is None:
            raise BenchInputError(
                f"question {self.question_id!r}: the reference answer {self.answer!r} is not a "
                f"valid {kind} answer{_choices_hint(self.choices)}; fix the answer or its type"
            )
        # Frozen: set the derived fields once, here.
        object.__setattr__(self, "answer_type", kind)
        object.__setattr__(self, "expected", expected)

    def read(self, text: str) -> str | None:
        """The model's text read as this question's kind of answer (None if it holds none)."""
        if self.answer_type == "yes/no":
            return parse_yes_no(text)
        if self.answer_type == "number":
            number = parse_number(text)
            return None if number is None else _format_number(number)
        if self.answer_type == "multiple_choice":
            index = parse_choice(text, self.choices)
            return None if index is None else choice_letter(index)
        return normalize_answer(text) or None


@dataclass(frozen=True)
class Accuracy:
    """Correct answers out of a number of questions."""

    correct: int
    total: int

    @property
    def value(self) -> float:
        """The fraction correct (0 for no questions)."""
        return self.correct / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"accuracy": self.value, "correct": self.correct, "questions": self.total}


@dataclass(frozen=True)
class VqaScores:
    """VQA accuracy overall, per answer type and per category, and per question.

    Attributes:
        overall: all scored questions.
        by_type: answer type → accuracy (types that occur).
        by_category: category → accuracy (questions with a category).
        per_question: one record per scored question: ``question_id``, ``answer_type``,
            ``category``, ``expected``, ``read`` (the parsed answer, or None) and ``correct``.
        unparsed: ids of the questions whose predicted text held no answer of the right kind.
        coverage: what was scored and what was left out.
    """

    overall: Accuracy
    by_type: Mapping[str, Accuracy]
    by_category: Mapping[str, Accuracy]
    per_question: tuple[Mapping[str, Any], ...]
    unparsed: tuple[ItemId, ...]
    coverage: Coverage

    def to_json(self) -> dict[str, Any]:
        """The ``scores.json`` layout."""
        return {
            "accuracy": self.overall.value,
            "correct": self.overall.correct,
            "questions": self.overall.total,
            "by_type": {k: v.to_json() for k, v in self.by_type.items()},
            "by_category": {k: v.to_json() for k, v in self.by_category.items()},
            "unparsed": len(self.unparsed),
            "coverage": self.coverage.to_json(),
            "per_question": list(self.per_question),
        }


def score_vqa(
    questions: Sequence[VqaQuestion],
    predictions: Mapping[ItemId, str],
    *,
    allow_partial: bool = False,
) -> VqaScores:
    """Score free-text answers (question id → text) against the reference questions.

    Raises:
        BenchInputError: duplicate question ids, or predictions and references cover
            different questions and ``allow_partial`` is false.
    """
    by_id = {q.question_id: q for q in questions}
    if len(by_id) != len(questions):
        raise BenchInputError(
            "the references hold a question id more than once; give each question its own id"
        )
    ids, coverage = match_ids(
        [q.question_id for q in questions],
        predictions,
        allow_partial=allow_partial,
        what="question",
    )
    records = []
    unparsed = []
    tallies: dict[tuple[str, str], list[int]] = {}
    for qid in ids:
        q = by_id[qid]
        read = q.read(predictions[qid])
        correct = read == q.expected
        if read is None:
            unparsed.append(qid)
        records.append(
            {
                "question_id": qid,
                "answer_type": q.answer_type,
                "category": q.category,
                "expected": q.expected,
                "read": read,
                "correct": correct,
            }
        )
        keys = [("all", ""), ("type", str(q.answer_type))]
        if q.category is not None:
            keys.append(("category", q.category))
        for key in keys:
            tally = tallies.setdefault(key, [0, 0])
            tally[0] += correct
            tally[1] += 1

    def accuracy(kind: str, name: str) -> Accuracy:
        right, total = tallies[(kind, name)]
        return Accuracy(right, total)

    return VqaScores(
        overall=accuracy("all", ""),
        by_type={t: accuracy("type", t) for t in ANSWER_TYPES if ("type", t) in tallies},
        by_category={
            c: accuracy("category", c) for kind, c in sorted(tallies) if kind == "category"
        },
        per_question=tuple(records),
        unparsed=tuple(unparsed),
        coverage=coverage,
    )


def _infer_type(answer: str, choices: Sequence[str]) -> str:
    if choices:
        return "multiple_choice"
    if normalize_answer(answer) in ("yes", "no"):
        return "yes/no"
    if parse_number(answer) is not None and normalize_answer(answer).replace(".", "").isdigit():
        return "number"
    return "open"


def _reference_answer(kind: str, answer: str, choices: Sequence[str]) -> str | None:
    if kind == "yes/no":
        return parse_yes_no(answer)
    if kind == "number":
        number = parse_number(answer)
        return None if number is None else _format_number(number)
    if kind == "multiple_choice":
        if not choices:
            return None
        index = parse_choice(answer, choices)
        return None if index is None else choice_letter(index)
    return normalize_answer(answer) or None


def _format_number(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _choices_hint(choices: Sequence[str]) -> str:
    if not choices:
        return ""
    return (
        " (choices: " + ", ".join(f"{choice_letter(i)}) {c}" for i, c in enumerate(choices)) + ")"
    )
