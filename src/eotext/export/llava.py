"""LLaVA / ShareGPT conversation JSON: one multi-turn conversation per patch.

``image`` paths are relative to the dataset folder: train with ``--image_folder`` set to the
dataset folder (LLaVA opens ``os.path.join(image_folder, image)``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eotext.export.items import IMAGE_KINDS, read_items
from eotext.files import write_text_atomic


def conversations(
    dataset: str | Path,
    box_format: str,
    image: str = "preview",
    split: str | None = None,
    include_flagged: bool = False,
) -> Iterator[dict[str, Any]]:
    """Per patch: ``{"id", "image", "image_abs", "split", "conversations"}``, in patch order."""
    convs: dict[str, dict[str, Any]] = {}
    key = IMAGE_KINDS.get(image, "preview_path")
    root = Path(dataset).resolve()
    for item in read_items(dataset, box_format, split, include_flagged):
        conv = convs.get(item.patch_id)
        if conv is None:
            rel = item.patch.get(key) or item.patch.get("preview_path")
            conv = convs[item.patch_id] = {
                "id": item.patch_id,
                "image": rel,
                "image_abs": str(root / rel) if rel else None,
                "split": item.patch.get("split"),
                "conversations": [],
            }
        turns = conv["conversations"]
        prefix = "<image>\n" if not turns else ""
        turns.append({"from": "human", "value": prefix + item.input})
        turns.append({"from": "gpt", "value": item.output})
    yield from convs.values()


def export_llava(
    dataset: Path,
    out: Path,
    box_format: str = "qwen",
    image: str = "preview",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write ``out`` (JSON list) in the LLaVA format; returns the number of conversations.

    Each patch becomes ``{"id", "image", "split", "conversations": [{"from": "human",
    "value": "<image>\\n..."}, {"from": "gpt", "value": ...}, ...]}``; ``<image>`` opens the
    first human turn only. ``image`` chooses the file: the RGB ``preview`` (PNG) or the
    multi-band ``image`` (GeoTIFF), relative to the dataset folder (``--image_folder``).
    """
    records = [
        {k: c[k] for k in ("id", "image", "split", "conversations")}
        for c in conversations(dataset, box_format, image, split, include_flagged)
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, json.dumps(records, ensure_ascii=False, indent=1))
    return len(records)
