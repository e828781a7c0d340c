"""LLaMA-Factory: a ShareGPT JSON file and the ``dataset_info.json`` that registers it.

.. code-block:: text

    DIR/eotext.json         [{"conversations": [{"from": "human", "value": "<image>..."},
                              {"from": "gpt", "value": ...}, ...], "images": ["/abs/x.png"]}]
    DIR/dataset_info.json   {"eotext": {"file_name": "eotext.json", "formatting": "sharegpt",
                              "columns": {"messages": "conversations", "images": "images"}, ...}}

Train with ``dataset_dir: DIR`` and ``dataset: eotext``. One multi-turn conversation per patch;
``<image>`` opens the first human turn only (LLaMA-Factory checks that the ``<image>`` tokens
match the images). Image paths are absolute, so they open whatever ``media_dir`` is.
"""

from __future__ import annotations

from pathlib import Path

from eotext.export.llava import conversations
from eotext.files import write_json_atomic

NAME = "eotext"


def export_llamafactory(
    dataset: str | Path,
    out: str | Path,
    box_format: str = "qwen",
    image: str = "preview",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write ``out/eotext.json`` and ``out/dataset_info.json``; returns the conversation count."""
    records = [
        {
            "conversations": c["conversations"],
            "images": [c["image_abs"]],
            "id": c["id"],
            "split": c["split"],
        }
        for c in conversations(dataset, box_format, image, split, include_flagged)
    ]
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    write_json_atomic(target / f"{NAME}.json", records, ensure_ascii=False, indent=1)
    info = {
        NAME: {
            "file_name": f"{NAME}.json",
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "images": "images"},
            "tags": {
                "role_tag": "from",
                "content_tag": "value",
                "user_tag": "human",
                "assistant_tag": "gpt",
            },
        }
    }
    write_json_atomic(target / "dataset_info.json", info, indent=1)
    return len(records)
