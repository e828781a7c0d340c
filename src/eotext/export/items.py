"""Texts of a dataset folder as (input, output) training items, shared by the exporters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eotext.errors import OutputError
from eotext.export.boxes import format_box, rewrite_boxes
from eotext.store.tables import read_tables
from eotext.verify.leakage import guard_context_leakage

#: The instruction that asks for each caption style.
INSTRUCTIONS: dict[str, str] = {
    "detailed": "Describe this satellite image in detail.",
    "short": "Describe this satellite image in one sentence.",
    "multilabel": "Describe the land cover in this satellite image.",
    "title": "Describe this satellite image in one sentence.",
    "title_multi_objects": "Describe this satellite image and the objects around its center.",
}
_DEFAULT_INSTRUCTION = "Describe this satellite image."


@dataclass(frozen=True)
class Item:
    """One training item: what the model sees (besides the image) and what it must answer."""

    id: str
    patch_id: str
    input: str
    output: str
    type: str  # captioning | binary | mcq | open | bounding box
    category: str | None
    patch: dict[str, Any]


def read_items(
    dataset: Path, box_format: str = "qwen", include_flagged: bool = False
) -> Iterator[Item]:
    """Every text of a dataset folder as an :class:`Item`, boxes written in ``box_format``.

    Texts flagged by a check or rejected by a reviewer are left out (and logged) unless
    ``include_flagged``.

    Raises:
        OutputError: the folder is not a dataset folder.
        LeakageError: an item's input contains one of its patch's context answers (a bug).
    """
    tables = read_tables(dataset, include_flagged=include_flagged)
    patches = {p["patch_id"]: p for p in tables.patches}
    for t in tables.texts:
        p = patches[t["patch_id"]]
        w, h = p["width"], p["height"]
        item_type, text_input, output = _convert(t, w, h, box_format)
        item = Item(t["text_id"], t["patch_id"], text_input, output, item_type, t["category"], p)
        guard_context_leakage(item.id, item.input, item.patch)
        yield item


def _convert(t: dict[str, Any], w: int, h: int, box_format: str) -> tuple[str, str, str]:
    kind, style = t["type"], t["style"]
    if kind in ("caption", "osm_caption"):
        return "captioning", INSTRUCTIONS.get(style or "", _DEFAULT_INSTRUCTION), t["text"]
    if kind == "vqa":
        if style == "mcq":
            options = "\n".join(t["choices"])
            return (
                "mcq",
                f"{t['question']}\n{options}\nAnswer with the option's letter.",
                t["answer"],
            )
        return ("binary" if style == "binary" else "open"), t["question"], t["answer"]
    if kind == "referring":
        if style == "expression":
            question = f"{t['question']} Answer with a bounding box."
            return "bounding box", question, format_box(t["box"], w, h, box_format)
        return "captioning", rewrite_boxes(t["question"], w, h, box_format), t["answer"]
    raise OutputError(f"text {t['text_id']} has unknown type {kind!r}")
