"""ms-swift JSONL: ``messages`` + ``images``, and grounding texts with ``objects``.

One line per patch holds its captions and questions as a multi-turn conversation::

    {"messages": [{"role": "user", "content": "<image>Describe ..."},
                  {"role": "assistant", "content": "..."}, ...], "images": ["/abs/x.png"]}

Each referring text is a line of its own, its box given as an object for ms-swift to write in
the trained model's own convention (``<ref-object>`` and ``<bbox>`` placeholders)::

    {"messages": [{"role": "user", "content": "<image>Where is <ref-object>? ..."},
                  {"role": "assistant", "content": "<bbox>"}], "images": [...],
     "objects": {"ref": ["the largest developed area"], "bbox": [[112, 198, 128, 212]],
                 "bbox_type": "real"}}

``bbox_type`` ``real`` means pixels of the image (ms-swift's term); boxes are eotext's pixel
edges. Region captions ask about ``<bbox>`` and answer in words.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eotext.export.items import items_of, patch_file, read_tables
from eotext.files import atomic_path


def export_swift(
    dataset: str | Path,
    out: str | Path,
    box_format: str = "pixel",
    image: str = "preview",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write the ms-swift JSONL ``out``; returns the number of lines.

    ``box_format`` only applies to boxes that are neither referring expressions nor region
    captions (there are none today); those two carry their boxes as ``objects``.
    """
    tables = read_tables(dataset, split, include_flagged)
    lines: list[dict[str, Any]] = []
    chats: dict[str, dict[str, Any]] = {}
    files = {pid: patch_file(tables.root, p, image) for pid, p in tables.patches.items()}
    for item in items_of(tables, box_format):
        path = files[item.patch_id]
        images = [str(path)] if path else []
        t = item.text
        if t["type"] == "referring" and t["box"]:
            box = [float(v) for v in t["box"]]
            if t["style"] == "expression":
                user, answer = "Where is <ref-object>? Answer with a bounding box.", "<bbox>"
                refs = [t["text"]]
            else:
                user, answer, refs = "What is in the region <bbox>?", t["answer"], []
            lines.append(
                {
                    "messages": [
                        {"role": "user", "content": "<image>" + user},
                        {"role": "assistant", "content": answer},
                    ],
                    "images": images,
                    "objects": {"ref": refs, "bbox": [box], "bbox_type": "real"},
                    "id": item.id,
                    "split": item.patch.get("split"),
                }
            )
            continue
        chat = chats.get(item.patch_id)
        if chat is None:
            chat = chats[item.patch_id] = {"messages": [], "images": images,
                                           "id": item.patch_id,
                                           "split": item.patch.get("split")}  # fmt: skip
            lines.append(chat)
        prefix = "<image>" if not chat["messages"] else ""
        chat["messages"].append({"role": "user", "content": prefix + item.input})
        chat["messages"].append({"role": "assistant", "content": item.output})
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(lines)
