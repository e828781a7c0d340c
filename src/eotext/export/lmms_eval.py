"""An lmms-eval task folder whose scores are ``eotext bench``'s own.

.. code-block:: text

    DIR/eotext_caption.yaml    captions of one style; BLEU-4, METEOR, ROUGE-L, CIDEr
    DIR/eotext_vqa.yaml        every question; accuracy
    DIR/eotext_referring.yaml  referring expressions; Acc@0.5 and mean IoU
    DIR/utils.py               doc_to_visual / doc_to_text / process_results / aggregations
    DIR/data/<task>.parquet    the documents, image typed ``datasets.Image``

Run with ``lmms_eval --include_path DIR --tasks eotext_caption,...`` in an environment where
eotext is installed: the aggregation functions call eotext's scorers
(:mod:`eotext.bench.captions`, :mod:`eotext.bench.vqa`, :mod:`eotext.bench.referring`), so
the numbers equal ``eotext bench score`` on the same predictions (pycocoevalcap-exact captions
with the PTB tokenizer and METEOR). The YAML loads with ``dataset_path: parquet`` and the
absolute ``data_files`` of ``data/``; boxes are read in the exported ``box_format``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from eotext.export.boxes import format_box
from eotext.export.hf import IMAGE, write_split_parquet
from eotext.export.items import INSTRUCTIONS, read_tables
from eotext.files import write_text_atomic

DOC_SCHEMA = pa.schema(
    [
        ("image", IMAGE),
        ("doc_id", pa.string()),
        ("patch_id", pa.string()),
        ("question", pa.string()),
        ("answer", pa.string()),
        ("answer_type", pa.string()),
        ("choices", pa.list_(pa.string())),
        ("references", pa.list_(pa.string())),
        ("box", pa.list_(pa.int32())),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("category", pa.string()),
    ]
)
_TYPES = {"binary": "yes/no", "mcq": "multiple_choice", "open": "open"}
CAPTION_METRICS = ("Bleu_4", "METEOR", "ROUGE_L", "CIDEr")
_UTILS = Path(__file__).with_name("lmms_eval_utils.py.txt")


def export_lmms_eval(
    dataset: str | Path,
    out: str | Path,
    box_format: str = "qwen",
    caption_style: str = "detailed",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write an lmms-eval task folder into ``out``; returns the number of documents.

    Raises:
        OutputError: the folder is not a dataset folder.
        RecipeError: unknown box format, or ``split`` names no split.
    """
    tables = read_tables(dataset, split, include_flagged)
    target = Path(out).resolve()
    images: dict[str, dict[str, Any] | None] = {}

    def image(pid: str) -> dict[str, Any] | None:
        if pid not in images:
            rel = tables.patches[pid].get("preview_path")
            images[pid] = (
                {"bytes": (tables.root / rel).read_bytes(), "path": Path(rel).name} if rel else None
            )
        return images[pid]

    docs: dict[str, list[dict[str, Any]]] = {"caption": [], "vqa": [], "referring": []}
    refs: dict[str, list[str]] = {}
    for t in tables.texts:
        p = tables.patches[t["patch_id"]]
        base = {"doc_id": t["text_id"], "patch_id": t["patch_id"], "width": p["width"],
                "height": p["height"], "category": t["category"]}  # fmt: skip
        if t["type"] == "vqa":
            question = t["question"]
            if t["style"] == "mcq" and t["choices"]:
                question += "\n" + "\n".join(t["choices"]) + "\nAnswer with the option's letter."
            docs["vqa"].append({**base, "question": question, "answer": t["answer"],
                                "answer_type": _TYPES.get(t["style"] or "", "open"),
                                "choices": t["choices"]})  # fmt: skip
        elif t["type"] == "referring" and t["style"] == "expression" and t["box"]:
            docs["referring"].append(
                {
                    **base,
                    "question": f"{t['question']} Answer with a bounding box.",
                    "answer": format_box(t["box"], p["width"], p["height"], box_format),
                    "box": t["box"],
                }
            )
        elif t["type"] == "caption" and t["style"] == caption_style and t["text"]:
            refs.setdefault(t["patch_id"], []).append(t["text"])
    for pid, captions in refs.items():
        p = tables.patches[pid]
        docs["caption"].append(
            {
                "doc_id": pid,
                "patch_id": pid,
                "width": p["width"],
                "height": p["height"],
                "category": p.get("dominant_class"),
                "references": captions,
                "answer": captions[0],
                "question": INSTRUCTIONS.get(caption_style, "Describe this satellite image."),
            }
        )
    total = 0
    for task, rows in docs.items():
        if not rows:
            continue
        for row in rows:
            row["image"] = image(row["patch_id"])
        data = target / "data" / f"{task}.parquet"
        write_split_parquet(rows, data, DOC_SCHEMA)
        write_text_atomic(target / f"eotext_{task}.yaml", _task_yaml(task, data))
        total += len(rows)
    write_text_atomic(
        target / "utils.py", _UTILS.read_text().replace("@BOX_FORMAT@", json.dumps(box_format))
    )
    return total


def _task_yaml(task: str, data: Path) -> str:
    if task == "caption":
        metrics = [(m, f"aggregate_{m.lower()}") for m in CAPTION_METRICS]
        max_tokens = 300
    elif task == "vqa":
        metrics, max_tokens = [("accuracy", "aggregate_vqa_accuracy")], 32
    else:
        metrics = [("acc@0.5", "aggregate_referring_accuracy"),
                   ("mean_iou", "aggregate_referring_mean_iou")]  # fmt: skip
        max_tokens = 64
    lines = [
        f"task: eotext_{task}",
        "dataset_path: parquet",
        "dataset_kwargs:",
        "  data_files:",
        f"    test: {json.dumps(str(data))}",
        "test_split: test",
        "output_type: generate_until",
        "doc_to_visual: !function utils.doc_to_visual",
        "doc_to_text: !function utils.doc_to_text",
        "doc_to_target: answer",
        "generation_kwargs:",
        f"  max_new_tokens: {max_tokens}",
        "  temperature: 0",
        "  do_sample: false",
        f"process_results: !function utils.{task}_process_results",
        "metric_list:",
    ]
    for name, fn in metrics:
        lines += [f"  - metric: {json.dumps(name)}", f"    aggregation: !function utils.{fn}",
                  "    higher_is_better: true"]  # fmt: skip
    lines += ["lmms_eval_specific_kwargs:", "  default:", '    pre_prompt: ""',
              '    post_prompt: ""', "metadata:", "  version: 0.0"]  # fmt: skip
    return "\n".join(lines) + "\n"
