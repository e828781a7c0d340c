"""LLaVA / ShareGPT conversation JSON: one multi-turn conversation per patch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eotext.export.items import read_items
from eotext.files import write_text_atomic


def export_llava(
    dataset: Path,
    out: Path,
    box_format: str = "qwen",
    image: str = "preview",
    include_flagged: bool = False,
) -> int:
    """Write ``out`` (JSON list) in the LLaVA format; returns the number of conversations.

    Each patch becomes ``{"id", "image", "split", "conversations": [{"from": "human",
    "value": "<image>\\n..."}, {"from": "gpt", "value": ...}, ...]}``; ``<image>`` opens the
    first human turn only. ``image`` chooses the file: the RGB ``preview`` (PNG) or the
    multi-band ``image`` (GeoTIFF). Flagged and rejected texts are left out unless
    ``include_flagged``.
    """
    conversations: dict[str, dict[str, Any]] = {}
    key = "preview_path" if image == "preview" else "image_path"
    for item in read_items(dataset, box_format, include_flagged):
        conv = conversations.get(item.patch_id)
        if conv is None:
            conv = conversations[item.patch_id] = {
                "id": item.patch_id,
                "image": item.patch.get(key) or item.patch.get("preview_path"),
                "split": item.patch.get("split"),
                "conversations": [],
            }
        turns = conv["conversations"]
        prefix = "<image>\n" if not turns else ""
        turns.append({"from": "human", "value": prefix + item.input})
        turns.append({"from": "gpt", "value": item.output})
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, json.dumps(list(conversations.values()), ensure_ascii=False, indent=1))
    return len(conversations)
