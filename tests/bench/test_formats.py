"""File formats: the real RSICD and RSVQA files read; every bad input gets a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eotext.bench.boxes import Box
from eotext.bench.formats import (
    read_caption_predictions,
    read_caption_references,
    read_json,
    read_referring_predictions,
    read_referring_references,
    read_rsvqa_references,
    read_vqa_predictions,
    read_vqa_references,
    write_json,
)
from eotext.bench.vqa import score_vqa
from eotext.errors import BenchInputError
from tests.bench.conftest import RSICD, RSVQA
from tests.conftest import need


def _write(tmp_path: Path, data: Any, name: str = "f.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def test_real_rsicd_references() -> None:
    refs = read_caption_references(need(RSICD))
    assert len(refs.image_ids) == 1093
    assert sum(len(c) for c in refs.captions.values()) == 5465
    assert refs.captions[9828][0] == "many buildings and green meadows are near a viaduct ."


def test_real_rsvqa_split_scores_its_own_answers() -> None:
    folder = need(RSVQA)
    questions = read_rsvqa_references(
        folder / "LR_split_val_questions.json", folder / "LR_split_val_answers.json"
    )
    assert len(questions) > 100
    kinds = {q.answer_type for q in questions}
    assert {"yes/no", "number", "open"} <= kinds
    assert {q.category for q in questions} <= {"presence", "comp", "count", "rural_urban"}
    # Answers as a chatty model would write them: all correct once read.
    chatty = {}
    for q in questions:
        if q.answer_type == "yes/no":
            chatty[q.question_id] = f"{q.answer.capitalize()}, I think so."
        elif q.answer_type == "number":
            chatty[q.question_id] = f"There are {q.answer} of them."
        else:
            chatty[q.question_id] = f"It is an {q.answer} area."
    scores = score_vqa(questions, chatty)
    assert scores.overall.value == pytest.approx(
        sum(q.answer_type != "open" for q in questions) / len(questions)
    )
    exact = score_vqa(questions, {q.question_id: q.answer for q in questions})
    assert exact.overall.value == 1.0 and set(exact.by_category) == {q.category for q in questions}


def test_rsvqa_file_without_answers_is_explained() -> None:
    folder = need(RSVQA)
    with pytest.raises(BenchInputError, match="RSVQA questions file; give its answers file"):
        read_vqa_references(folder / "LR_split_val_questions.json")


def _coco(images: list[Any], *annotations: dict[str, Any]) -> dict[str, Any]:
    return {"images": [{"id": i} for i in images], "annotations": list(annotations)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"image_id": 1, "caption": "x"}], "like a COCO results"),
        ({"images": []}, "COCO captions format"),
        (_coco([1, 1]), "1 image ids occur more than once"),
        (_coco([1], {"image_id": 2, "caption": "x"}), "not in `images`"),
        (_coco([1], {"image_id": 1, "caption": " "}), "empty caption"),
        (_coco([1], {"image_id": 1, "caption": 5}), "must be a string"),
        (_coco([1], {"image_id": 1}), r"annotations\[0\] has no `caption`"),
        (_coco([1, 2], {"image_id": 1, "caption": "x"}), "1 reference images have no caption"),
        (_coco([[1]]), "integer or a string"),
    ],
)
def test_bad_caption_references(tmp_path: Path, data: Any, message: str) -> None:
    with pytest.raises(BenchInputError, match=message):
        read_caption_references(_write(tmp_path, data))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"images": [], "annotations": []}, "COCO captions .reference. format"),
        ({"results": []}, "COCO results format"),
        (
            [{"image_id": 1, "caption": "a"}, {"image_id": 1, "caption": "b"}],
            r"1 image ids occur more than once \(1\); keep one prediction per image",
        ),
        ([{"image_id": 1, "text": "a"}], r"has no `caption` \(it has `image_id`, `text`\)"),
        ([["a"]], "is list, not an object"),
    ],
)
def test_bad_caption_predictions(tmp_path: Path, data: Any, message: str) -> None:
    with pytest.raises(BenchInputError, match=message):
        read_caption_predictions(_write(tmp_path, data))


def test_not_json_not_utf8_missing(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('[{"image_id": 1,}]')
    with pytest.raises(BenchInputError, match=r"bad\.json: not valid JSON .* line 1"):
        read_json(tmp_path / "bad.json")
    (tmp_path / "latin.json").write_bytes('[{"caption": "café"}]'.encode("latin-1"))
    with pytest.raises(BenchInputError, match="not UTF-8"):
        read_json(tmp_path / "latin.json")
    with pytest.raises(BenchInputError, match="no such file"):
        read_json(tmp_path / "nope.json")


def test_non_ascii_round_trips(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"image_id": "été-1", "caption": "une plage près de l'église 🚀"}])
    assert read_caption_predictions(path) == {"été-1": "une plage près de l'église 🚀"}
    out = write_json({"caption": "près", "score": float("nan")}, tmp_path / "o" / "s.json")
    assert json.loads(out.read_text(encoding="utf-8")) == {"caption": "près", "score": None}


def test_vqa_formats(tmp_path: Path) -> None:
    questions_data = [
        {"question_id": 1, "answer": "yes", "category": "presence"},
        {
            "question_id": 2,
            "answer": "B",
            "choices": ["water", "forest"],
            "type": "multiple_choice",
        },
    ]
    refs = _write(tmp_path, {"questions": questions_data}, "refs.json")
    questions = read_vqa_references(refs)
    assert [q.answer_type for q in questions] == ["yes/no", "multiple_choice"]
    preds = _write(tmp_path, [{"question_id": 1, "answer": "Yes"}], "p.json")
    assert read_vqa_predictions(preds) == {1: "Yes"}
    bad = _write(tmp_path, [{"question_id": 1, "answer": "maybe", "type": "yes/no"}], "b.json")
    with pytest.raises(BenchInputError, match=r"b\.json: question 1: the reference answer 'maybe'"):
        read_vqa_references(bad)
    dup = _write(tmp_path, [{"question_id": 1, "answer": "a"}] * 2, "d.json")
    with pytest.raises(BenchInputError, match="keep one prediction per question"):
        read_vqa_predictions(dup)


def test_referring_formats(tmp_path: Path) -> None:
    refs = _write(tmp_path, [{"ref_id": 1, "box": [0, 0, 10, 10], "width": 20, "height": 20}])
    assert read_referring_references(refs)[0].box == Box(0, 0, 10, 10)
    preds = _write(
        tmp_path, [{"ref_id": 1, "answer": "{<0><0><50><50>}"}, {"ref_id": 2, "box": [1, 2, 3, 4]}]
    )
    assert read_referring_predictions(preds) == {1: "{<0><0><50><50>}", 2: Box(1, 2, 3, 4)}
    for data, message in [
        ([{"ref_id": 1, "box": [0, 0, 10]}], r"\[x_min, y_min, x_max, y_max\] in pixels"),
        ([{"ref_id": 1, "box": [10, 0, 0, 10]}], "maximum is below its minimum"),
        ([{"ref_id": 1, "box": [0, 0, 1, 1], "width": -3}], "positive numbers"),
    ]:
        with pytest.raises(BenchInputError, match=message):
            read_referring_references(_write(tmp_path, data))
    with pytest.raises(BenchInputError, match=r"has no `answer` or `box`"):
        read_referring_predictions(_write(tmp_path, [{"ref_id": 1, "text": "x"}]))


def test_predictions_import_from_jsonl_and_csv(tmp_path: Path) -> None:
    from eotext.bench.formats import read_caption_predictions

    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text(
        '{"image_id": 1, "caption": "a farm"}\n\n{"image_id": 2, "caption": "a lake"}\n'
    )
    csv_file = tmp_path / "p.csv"
    csv_file.write_text('image_id,caption\n1,a farm\n2,"a lake, with trees"\n')
    assert read_caption_predictions(jsonl) == {1: "a farm", 2: "a lake"}
    assert read_caption_predictions(csv_file) == {1: "a farm", 2: "a lake, with trees"}
