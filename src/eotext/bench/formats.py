"""Reading and checking the files models are scored on, and writing score files.

Captions (COCO)
    references: the COCO captions format, ``{"images": [{"id": 1, ...}], "annotations":
    [{"image_id": 1, "caption": "..."}]}``; an image may carry a ``"category"`` for breakdowns.
    predictions: the COCO results format, ``[{"image_id": 1, "caption": "..."}]``, one per
    image.

VQA
    references: ``[{"question_id": 1, "answer": "yes", "type": "yes/no", "category":
    "presence", "choices": ["...", ...], "image_id": 7, "question": "..."}]`` (only
    ``question_id`` and ``answer`` are required; ``type`` is inferred when absent), or an
    RSVQA questions file together with its answers file.
    predictions: ``[{"question_id": 1, "answer": "Yes, there is."}]`` (the model's raw text).

Referring expressions
    references: ``[{"ref_id": 1, "box": [x_min, y_min, x_max, y_max], "width": 256,
    "height": 256, "category": "water", "image_id": 7, "expression": "..."}]`` (box in pixels;
    ``width``/``height`` are needed for GeoChat and Qwen-VL boxes, which are relative).
    predictions: ``[{"ref_id": 1, "answer": "{<10><20><30><40>}"}]`` (the model's raw text)
    or ``[{"ref_id": 1, "box": [x_min, y_min, x_max, y_max]}]`` in pixels.

Every problem is reported with the file, the item and the fix; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eotext.bench.boxes import Box
from eotext.bench.captions import CaptionReferences
from eotext.bench.matching import ItemId, find_duplicates
from eotext.bench.referring import ReferringExpression
from eotext.bench.vqa import VqaQuestion
from eotext.errors import BenchInputError
from eotext.files import write_text_atomic

_COCO_CAPTIONS = '{"images": [{"id": ...}], "annotations": [{"image_id": ..., "caption": ...}]}'
_COCO_RESULTS = '[{"image_id": ..., "caption": ...}]'


def read_json(path: str | Path) -> Any:
    """A JSON file's content; a ``.jsonl`` file (one object per line) or a ``.csv`` file (a
    header row) reads as a list of objects, so predictions made elsewhere import as they are.

    Raises:
        BenchInputError: the file is missing or is not JSON.
    """
    p = Path(path)
    try:
        if p.suffix.lower() == ".jsonl":
            lines = p.read_text(encoding="utf-8").splitlines()
            return [json.loads(line) for line in lines if line.strip()]
        if p.suffix.lower() == ".csv":
            with p.open(newline="", encoding="utf-8") as f:
                return [_csv_row(row) for row in csv.DictReader(f)]
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchInputError(f"{p}: no such file") from None
    except UnicodeDecodeError as exc:
        raise BenchInputError(f"{p}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise BenchInputError(
            f"{p}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    """CSV cells are text: ids made only of digits become integers, as JSON files have them."""
    return {k: int(v) if k.endswith("id") and v.isdigit() else v for k, v in row.items() if k}


def write_json(data: Any, path: str | Path) -> Path:
    """Write ``data`` as indented UTF-8 JSON (non-ASCII kept, NaN as null); returns the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_no_nan(data), indent=1, ensure_ascii=False, allow_nan=False)
    write_text_atomic(p, text + "\n")
    return p


def read_caption_references(path: str | Path) -> CaptionReferences:
    """Reference captions from a COCO captions file.

    Raises:
        BenchInputError: wrong layout, duplicate image ids, captions for unknown images,
            empty or non-text captions, images without captions.
    """
    data = read_json(path)
    if isinstance(data, list):
        raise BenchInputError(
            f"{path}: holds a list, like a COCO results (prediction) file; references must be "
            f"in the COCO captions format {_COCO_CAPTIONS}"
        )
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("images"), list)
        or not isinstance(data.get("annotations"), list)
    ):
        raise BenchInputError(
            f"{path}: references must be in the COCO captions format {_COCO_CAPTIONS}"
        )
    images = _objects(data["images"], path, "images")
    ids = [_id(img, "id", path, f"images[{n}]") for n, img in enumerate(images)]
    _no_duplicates(ids, path, "image id", "in `images`")
    categories = {
        i: str(img["category"])
        for i, img in zip(ids, images, strict=True)
        if img.get("category") is not None
    }
    captions: dict[ItemId, list[str]] = {i: [] for i in ids}
    unknown = []
    for n, ann in enumerate(_objects(data["annotations"], path, "annotations")):
        where = f"annotations[{n}]"
        image_id = _id(ann, "image_id", path, where)
        caption = _text(ann, "caption", path, where)
        if not caption.strip():
            raise BenchInputError(
                f"{path}: {where} (image {image_id!r}) has an empty caption; remove the "
                "annotation or write its caption"
            )
        if image_id not in captions:
            unknown.append(image_id)
        else:
            captions[image_id].append(caption)
    if unknown:
        raise BenchInputError(
            f"{path}: {len(unknown)} annotations refer to images not in `images` (e.g. "
            f"{unknown[0]!r}); add those images or remove the annotations"
        )
    try:
        return CaptionReferences(tuple(ids), {i: tuple(c) for i, c in captions.items()}, categories)
    except BenchInputError as exc:
        raise BenchInputError(f"{path}: {exc}") from None


def read_caption_predictions(path: str | Path) -> dict[ItemId, str]:
    """Predicted captions (image id → caption) from a COCO results file.

    Raises:
        BenchInputError: wrong layout, non-text captions, or an image predicted twice.
    """
    data = read_json(path)
    if isinstance(data, dict) and "annotations" in data:
        raise BenchInputError(
            f"{path}: is in the COCO captions (reference) format; predictions must be in the "
            f"COCO results format {_COCO_RESULTS}"
        )
    if not isinstance(data, list):
        raise BenchInputError(
            f"{path}: predictions must be in the COCO results format {_COCO_RESULTS}"
        )
    return _predictions(data, path, "image_id", ("caption",), "image")


def read_vqa_references(path: str | Path) -> list[VqaQuestion]:
    """Reference questions from eotext's VQA format (a list, or ``{"questions": [...]}``).

    Raises:
        BenchInputError: wrong layout or an invalid question.
    """
    data = read_json(path)
    if isinstance(data, dict) and isinstance(data.get("questions"), list):
        if data["questions"] and "answers_ids" in data["questions"][0]:
            raise BenchInputError(
                f"{path}: looks like an RSVQA questions file; give its answers file too "
                "(--answers LR_split_..._answers.json)"
            )
        data = data["questions"]
    if not isinstance(data, list):
        raise BenchInputError(
            f'{path}: VQA references must be a list of {{"question_id", "answer", ...}} objects'
        )
    questions = []
    for n, item in enumerate(_objects(data, path, "questions")):
        where = f"item {n}"
        choices = item.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise BenchInputError(f"{path}: {where}: `choices` must be a list of strings")
        try:
            questions.append(
                VqaQuestion(
                    question_id=_id(item, "question_id", path, where),
                    answer=_text(item, "answer", path, where),
                    answer_type=item.get("type"),
                    category=None if item.get("category") is None else str(item["category"]),
                    choices=tuple(choices),
                    image_id=item.get("image_id"),
                    question=str(item.get("question", "")),
                )
            )
        except BenchInputError as exc:
            raise BenchInputError(f"{path}: {exc}") from None
    _no_duplicates([q.question_id for q in questions], path, "question id", "")
    return questions


def read_rsvqa_references(
    questions_path: str | Path, answers_path: str | Path
) -> list[VqaQuestion]:
    """Reference questions from an RSVQA split (``questions`` and ``answers`` files).

    Only active questions are kept; RSVQA's question ``type`` (``presence``, ``comp``,
    ``count``, ``rural_urban``, ...) becomes the category, and the answer type is inferred.
    """
    q_data, a_data = read_json(questions_path), read_json(answers_path)
    if not isinstance(q_data, dict) or not isinstance(q_data.get("questions"), list):
        raise BenchInputError(
            f'{questions_path}: not an RSVQA questions file ({{"questions": [...]}})'
        )
    if not isinstance(a_data, dict) or not isinstance(a_data.get("answers"), list):
        raise BenchInputError(f'{answers_path}: not an RSVQA answers file ({{"answers": [...]}})')
    answers = {a["id"]: a for a in a_data["answers"] if isinstance(a, dict) and "id" in a}
    questions = []
    for q in q_data["questions"]:
        if not isinstance(q, dict) or not q.get("active", True):
            continue
        ids = q.get("answers_ids") or []
        found = [answers[i] for i in ids if i in answers]
        if not found:
            raise BenchInputError(
                f"{answers_path}: no answer for question {q.get('id')!r} of {questions_path}; "
                "are these files from the same split?"
            )
        questions.append(
            VqaQuestion(
                question_id=q["id"],
                answer=str(found[0]["answer"]),
                category=q.get("type"),
                image_id=q.get("img_id"),
                question=str(q.get("question", "")),
            )
        )
    return questions


def read_vqa_predictions(path: str | Path) -> dict[ItemId, str]:
    """Predicted answers (question id → model text) from ``[{"question_id", "answer"}]``."""
    data = read_json(path)
    if not isinstance(data, list):
        raise BenchInputError(
            f'{path}: VQA predictions must be a list of {{"question_id", "answer"}}'
        )
    return _predictions(data, path, "question_id", ("answer",), "question")


def read_referring_references(path: str | Path) -> list[ReferringExpression]:
    """Reference expressions from ``[{"ref_id", "box", "width", "height", ...}]``."""
    data = read_json(path)
    if not isinstance(data, list):
        raise BenchInputError(
            f'{path}: referring references must be a list of {{"ref_id", "box", ...}}'
        )
    out = []
    for n, item in enumerate(_objects(data, path, "expressions")):
        where = f"item {n}"
        size = [item.get(k) for k in ("width", "height")]
        for value in size:
            if value is not None and (not isinstance(value, int | float) or value <= 0):
                raise BenchInputError(f"{path}: {where}: width and height must be positive numbers")
        out.append(
            ReferringExpression(
                ref_id=_id(item, "ref_id", path, where),
                box=_box(item.get("box"), path, where),
                width=size[0],
                height=size[1],
                category=None if item.get("category") is None else str(item["category"]),
                image_id=item.get("image_id"),
                expression=str(item.get("expression", "")),
            )
        )
    _no_duplicates([e.ref_id for e in out], path, "ref_id", "")
    return out


def read_referring_predictions(path: str | Path) -> dict[ItemId, str | Box]:
    """Predicted boxes (expression id → model text or pixel box)."""
    data = read_json(path)
    if not isinstance(data, list):
        raise BenchInputError(
            f'{path}: referring predictions must be a list of {{"ref_id", "answer"}} or '
            '{"ref_id", "box"} objects'
        )
    out: dict[ItemId, str | Box] = {}
    items = _objects(data, path, "predictions")
    ids = [_id(item, "ref_id", path, f"item {n}") for n, item in enumerate(items)]
    _no_duplicates(ids, path, "ref_id", "", fix="keep one prediction per expression")
    for n, (rid, item) in enumerate(zip(ids, items, strict=True)):
        if "box" in item:
            out[rid] = _box(item["box"], path, f"item {n}")
        else:
            out[rid] = _text(item, "answer", path, f"item {n}", also=("box",))
    return out


def _predictions(
    data: list[Any], path: str | Path, key: str, fields: Sequence[str], what: str
) -> dict[ItemId, str]:
    items = _objects(data, path, "predictions")
    ids = [_id(item, key, path, f"item {n}") for n, item in enumerate(items)]
    _no_duplicates(ids, path, f"{what} id", "", fix=f"keep one prediction per {what}")
    return {
        i: _text(item, fields[0], path, f"item {n} ({key} {i!r})")
        for n, (i, item) in enumerate(zip(ids, items, strict=True))
    }


def _objects(items: list[Any], path: str | Path, what: str) -> list[dict[str, Any]]:
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise BenchInputError(f"{path}: {what}[{n}] is {type(item).__name__}, not an object")
    return items


def _id(item: Mapping[str, Any], key: str, path: str | Path, where: str) -> ItemId:
    if key not in item:
        raise BenchInputError(f"{path}: {where} has no `{key}`; every entry needs one")
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BenchInputError(
            f"{path}: {where}: `{key}` must be an integer or a string, not {value!r}"
        )
    return value


def _text(
    item: Mapping[str, Any], key: str, path: str | Path, where: str, also: Sequence[str] = ()
) -> str:
    if key not in item:
        alternatives = "".join(f" or `{a}`" for a in also)
        present = ", ".join(f"`{k}`" for k in item) or "nothing"
        raise BenchInputError(f"{path}: {where} has no `{key}`{alternatives} (it has {present})")
    value = item[key]
    if not isinstance(value, str):
        raise BenchInputError(f"{path}: {where}: `{key}` must be a string, not {value!r}")
    return value


def _box(value: Any, path: str | Path, where: str) -> Box:
    if not (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise BenchInputError(
            f"{path}: {where}: `box` must be [x_min, y_min, x_max, y_max] in pixels, got {value!r}"
        )
    try:
        return Box(*(float(v) for v in value))
    except BenchInputError as exc:
        raise BenchInputError(f"{path}: {where}: {exc}") from None


def _no_duplicates(
    ids: Sequence[ItemId], path: str | Path, what: str, where: str, fix: str = ""
) -> None:
    dups = find_duplicates(ids)
    if dups:
        shown = ", ".join(repr(d) for d in dups[:3]) + (", ..." if len(dups) > 3 else "")
        raise BenchInputError(
            f"{path}: {len(dups)} {what}s occur more than once{' ' + where if where else ''} "
            f"({shown}); {fix or 'give each entry its own id'}"
        )


def _no_nan(data: Any) -> Any:
    if isinstance(data, float) and math.isnan(data):
        return None
    if isinstance(data, dict):
        return {k: _no_nan(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_no_nan(v) for v in data]
    return data
