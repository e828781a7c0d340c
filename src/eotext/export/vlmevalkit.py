"""VLMEvalKit dataset TSVs, one per task type, images embedded as base64 PNG.

.. code-block:: text

    DIR/<NAME>_MCQ.tsv      index, image, question, A, B, C, D, answer (letter), category, split
    DIR/<NAME>_YORN.tsv     index, image, question, answer (Yes/No), category, split
    DIR/<NAME>_VQA.tsv      index, image, question, answer, category, split     (open answers)
    DIR/<NAME>_CAPTION.tsv  index, image, question, answer, category, split

This is the layout of VLMEvalKit's ``ImageMCQDataset``, ``ImageYORNDataset``,
``ImageVQADataset`` and ``ImageCaptionDataset`` (a custom TSV is registered by its file name);
``answer`` of a caption row is a Python list literal of the patch's reference captions (the
caption dataset evaluates ``eval(answer)``). VLMEvalKit scores captions with BLEU/ROUGE/CIDEr on
raw strings, without the PTB tokenizer or METEOR; ``eotext bench`` numbers are pycocoevalcap's
(tokenized), so for reference numbers score VLMEvalKit's predictions with ``eotext bench``.
``index`` is a running integer; ``text_id`` keeps eotext's id.
"""

from __future__ import annotations

import base64
import csv
import json
import re
from pathlib import Path
from typing import Any

from eotext.export.items import INSTRUCTIONS, read_tables
from eotext.files import atomic_path

_CHOICE_PREFIX = re.compile(r"^\s*[A-Z][).:]\s*")
_COLUMNS = {
    "MCQ": ["index", "image", "question", "A", "B", "C", "D", "answer", "category", "split"],
    "YORN": ["index", "image", "question", "answer", "category", "split"],
    "VQA": ["index", "image", "question", "answer", "category", "split"],
    "CAPTION": ["index", "image", "question", "answer", "category", "split"],
}


def export_vlmevalkit(
    dataset: str | Path,
    out: str | Path,
    name: str = "EOTEXT",
    caption_style: str = "detailed",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write the VLMEvalKit TSVs into ``out``; returns the number of rows over all files.

    Raises:
        OutputError: the folder is not a dataset folder.
        RecipeError: ``split`` names no split.
    """
    tables = read_tables(dataset, split, include_flagged)
    images: dict[str, str] = {}

    def image(patch_id: str) -> str:
        if patch_id not in images:
            rel = tables.patches[patch_id].get("preview_path")
            data = (tables.root / rel).read_bytes() if rel else b""
            images[patch_id] = base64.b64encode(data).decode("ascii")
        return images[patch_id]

    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in _COLUMNS}
    refs: dict[str, list[str]] = {}
    for t in tables.texts:
        p = tables.patches[t["patch_id"]]
        base = {"text_id": t["text_id"], "category": t["category"] or "", "split": p.get("split")}
        if t["type"] == "vqa" and t["style"] == "mcq" and t["choices"]:
            options = [_CHOICE_PREFIX.sub("", c) for c in t["choices"]]
            row = {"question": t["question"], "answer": _letter(t["answer"], t["choices"])}
            row.update({chr(65 + i): o for i, o in enumerate(options[:4])})
            rows["MCQ"].append({**base, **row, "patch_id": t["patch_id"]})
        elif t["type"] == "vqa" and t["style"] == "binary":
            answer = "Yes" if str(t["answer"]).strip().lower() in ("yes", "true") else "No"
            rows["YORN"].append({**base, "question": t["question"], "answer": answer,
                                 "patch_id": t["patch_id"]})  # fmt: skip
        elif t["type"] == "vqa":
            rows["VQA"].append({**base, "question": t["question"], "answer": t["answer"],
                                "patch_id": t["patch_id"]})  # fmt: skip
        elif t["type"] == "caption" and t["style"] == caption_style and t["text"]:
            refs.setdefault(t["patch_id"], []).append(t["text"])
    question = INSTRUCTIONS.get(caption_style, "Describe this satellite image.")
    for pid, captions in refs.items():
        rows["CAPTION"].append(
            {
                "question": question,
                "answer": json.dumps(captions, ensure_ascii=False),
                "category": tables.patches[pid].get("dominant_class") or "",
                "split": tables.patches[pid].get("split"),
                "patch_id": pid,
                "text_id": pid,
            }
        )
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    total = 0
    for kind, kind_rows in rows.items():
        if not kind_rows:
            continue
        columns = [*_COLUMNS[kind], "text_id"]
        with (
            atomic_path(target / f"{name}_{kind}.tsv") as tmp,
            tmp.open("w", newline="", encoding="utf-8") as fh,
        ):
            writer = csv.writer(fh, delimiter="\t")
            writer.writerow(columns)
            for n, row in enumerate(kind_rows):
                full = {**row, "index": n, "image": image(row["patch_id"])}
                writer.writerow([full.get(c, "") for c in columns])
        total += len(kind_rows)
    return total


def _letter(answer: str, choices: list[str]) -> str:
    """The option letter of an MCQ answer given as ``"A) text"``, ``"A"`` or the option text."""
    m = re.match(r"^\s*([A-Z])(?:[).:]|\s*$)", answer)
    if m:
        return m.group(1)
    for i, c in enumerate(choices):
        if _CHOICE_PREFIX.sub("", c).strip().lower() == answer.strip().lower():
            return chr(65 + i)
    return answer
