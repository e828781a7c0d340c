"""COCO files: captions (``captions.json``) and referring boxes as instances (``instances.json``).

Both list the same ``images`` (``file_name`` relative to the dataset folder, so the dataset
folder is the image root; integer ids with the ``patch_id`` kept). ``captions.json`` holds one
annotation per caption (the layout ``pycocoevalcap``/``pycocotools`` read, and
``eotext bench score caption --refs``). ``instances.json`` holds one annotation per referring
expression: ``bbox`` ``[x, y, width, height]`` in pixels, ``area``, ``iscrowd`` 0, the
``expression`` text, and a category per referring rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eotext.export.items import read_tables
from eotext.files import write_json_atomic

CAPTION_TYPES = ("caption", "osm_caption")


def export_coco(
    dataset: str | Path, out: str | Path, split: str | None = None, include_flagged: bool = False
) -> int:
    """Write ``out/captions.json`` and ``out/instances.json``; returns the annotation count.

    Raises:
        OutputError: the folder is not a dataset folder.
        RecipeError: ``split`` names no split.
    """
    tables = read_tables(dataset, split, include_flagged)
    images, ids = [], {}
    for n, (pid, p) in enumerate(tables.patches.items(), start=1):
        ids[pid] = n
        images.append(
            {
                "id": n,
                "patch_id": pid,
                "file_name": p.get("preview_path") or p.get("image_path"),
                "width": p["width"],
                "height": p["height"],
                "split": p.get("split"),
            }
        )
    captions: list[dict[str, Any]] = []
    instances: list[dict[str, Any]] = []
    categories: dict[str, int] = {}
    for t in tables.texts:
        if t["type"] in CAPTION_TYPES and t["text"]:
            captions.append(
                {
                    "id": len(captions) + 1,
                    "image_id": ids[t["patch_id"]],
                    "caption": t["text"],
                    "text_id": t["text_id"],
                    "style": t["style"],
                }
            )
        elif t["type"] == "referring" and t["style"] == "expression" and t["box"]:
            x0, y0, x1, y1 = t["box"]
            name = t["category"] or "object"
            cat = categories.setdefault(name, len(categories) + 1)
            instances.append(
                {
                    "id": len(instances) + 1,
                    "image_id": ids[t["patch_id"]],
                    "category_id": cat,
                    "bbox": [x0, y0, x1 - x0, y1 - y0],
                    "area": (x1 - x0) * (y1 - y0),
                    "iscrowd": 0,
                    "expression": t["text"],
                    "text_id": t["text_id"],
                }
            )
    info = {"description": f"{tables.root.name} (eotext)", "version": "1.0"}
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        target / "captions.json",
        {"info": info, "licenses": [], "images": images, "annotations": captions},
    )
    cats = [{"id": i, "name": k, "supercategory": "referring"} for k, i in categories.items()]
    write_json_atomic(
        target / "instances.json",
        {
            "info": info,
            "licenses": [],
            "images": images,
            "annotations": instances,
            "categories": cats,
        },
    )
    return len(captions) + len(instances)
