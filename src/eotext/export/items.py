"""Texts of a dataset folder as (input, output) training items, shared by the exporters.

Every exporter reads the dataset through :func:`read_tables` (rows of both tables) or
:func:`read_items` (texts as training items), so which rows are exported (the split, and
which statuses) is decided here, in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eotext.errors import OutputError, RecipeError
from eotext.export.boxes import format_box, rewrite_boxes
from eotext.store import tables as store_tables
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
    text: dict[str, Any]  # the texts.parquet row the item comes from


@dataclass(frozen=True)
class Tables:
    """The rows of a dataset folder that an export covers."""

    root: Path
    patches: dict[str, dict[str, Any]]  # patch_id → patches.parquet row, in patch_id order
    texts: list[dict[str, Any]]  # texts.parquet rows of those patches, in text_id order


def read_tables(
    dataset: str | Path, split: str | None = None, include_flagged: bool = False
) -> Tables:
    """The patches and texts of a dataset folder, those of one ``split`` only when given.

    Texts whose status is ``flagged`` or ``rejected`` are left out unless ``include_flagged``
    (:func:`eotext.store.tables.read_tables`, the one reader of the tables).

    Raises:
        OutputError: the folder is not a dataset folder.
        RecipeError: ``split`` names no split of the dataset.
    """
    root = Path(dataset)
    both = store_tables.read_tables(root, include_flagged=include_flagged)
    patch_rows, texts = both.patches, both.texts
    if split is not None:
        present = sorted({str(p.get("split")) for p in patch_rows})
        patch_rows = [p for p in patch_rows if p.get("split") == split]
        if not patch_rows:
            raise RecipeError(
                f"{root}: no patch in split {split!r}; splits present: {', '.join(present)}"
            )
    patches = {p["patch_id"]: p for p in patch_rows}
    return Tables(root, patches, [t for t in texts if t["patch_id"] in patches])


def read_items(
    dataset: str | Path,
    box_format: str = "qwen",
    split: str | None = None,
    include_flagged: bool = False,
) -> Iterator[Item]:
    """Every text of a dataset folder as an :class:`Item`, boxes written in ``box_format``.

    Texts flagged by a check or rejected by a reviewer are left out (and logged) unless
    ``include_flagged``.

    Raises:
        OutputError: the folder is not a dataset folder.
        RecipeError: unknown box format, or ``split`` names no split.
        LeakageError: an item's input contains one of its patch's context answers (a bug).
    """
    tables = read_tables(dataset, split, include_flagged)
    yield from items_of(tables, box_format)


def items_of(tables: Tables, box_format: str = "qwen") -> Iterator[Item]:
    """The texts of ``tables`` as :class:`Item` s, boxes written in ``box_format``."""
    for t in tables.texts:
        p = tables.patches[t["patch_id"]]
        w, h = p["width"], p["height"]
        item_type, text_input, output = _convert(t, w, h, box_format)
        item = Item(t["text_id"], t["patch_id"], text_input, output, item_type, t["category"], p, t)
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


#: Which file of a patch an exporter pairs with its texts.
IMAGE_KINDS = {"preview": "preview_path", "image": "image_path", "label": "label_path"}


def patch_file(root: Path, patch: dict[str, Any], image: str = "preview") -> Path | None:
    """The absolute path of a patch's ``image`` file (``preview``/``image``/``label``), or None.

    Raises:
        RecipeError: ``image`` is not one of :data:`IMAGE_KINDS`.
    """
    if image not in IMAGE_KINDS:
        raise RecipeError(f"image must be one of {', '.join(IMAGE_KINDS)}, got {image!r}")
    rel = patch.get(IMAGE_KINDS[image])
    return (root / rel).resolve() if rel else None
