"""The open_clip CSV: one image-text pair per row, ``filepath,title``.

open_clip's ``CsvDataset`` (``--csv-img-key filepath --csv-caption-key title``) and SkyScript's
training script read this layout. Each row pairs a patch's RGB preview (or its GeoTIFF) with one
text of the chosen style, SkyScript's ``title`` by default (``title_multi_objects`` for the
captions with surroundings; ``short`` or ``detailed`` for template captions).
"""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

from eotext.errors import OutputError, RecipeError
from eotext.files import atomic_path
from eotext.store.tables import read_tables

log = logging.getLogger(__name__)

IMAGE_COLUMNS = {"preview": "preview_path", "image": "image_path"}


def export_openclip(
    dataset: str | Path,
    out: str | Path,
    style: str = "title",
    image: str = "preview",
    absolute: bool = False,
    include_flagged: bool = False,
) -> int:
    """Write the open_clip CSV of a dataset folder; returns the number of rows.

    Args:
        dataset: the dataset folder.
        out: the CSV to write (its folder is created).
        style: texts of this style become the ``title`` column.
        image: ``"preview"`` (the RGB PNG, what CLIP trains on) or ``"image"`` (the GeoTIFF).
        absolute: write absolute paths; by default paths are relative to the CSV's folder, so
            the CSV and the dataset move together.
        include_flagged: keep texts flagged by a check or rejected by a reviewer (left out
            and logged by default).

    Texts of patches without that file (previews switched off) are left out and logged.

    Raises:
        OutputError: the folder is not a dataset, or holds no text of ``style``.
        RecipeError: ``image`` is not one of ``preview``/``image``.
    """
    root = Path(dataset)
    if image not in IMAGE_COLUMNS:
        raise RecipeError(f"image must be one of {sorted(IMAGE_COLUMNS)}, got {image!r}")
    texts_path, patches_path = root / "texts.parquet", root / "patches.parquet"
    if not texts_path.exists() or not patches_path.exists():
        raise OutputError(f"{root}: no texts.parquet/patches.parquet; is it an eotext dataset?")
    column = IMAGE_COLUMNS[image]
    tables = read_tables(
        root,
        include_flagged=include_flagged,
        patch_columns=["patch_id", column],
        text_columns=["patch_id", "style", "text"],
    )
    files = {r["patch_id"]: r[column] for r in tables.patches}
    texts = tables.texts
    chosen = [t for t in texts if t["style"] == style and t["text"]]
    if not chosen:
        present = sorted({str(t["style"]) for t in texts})
        raise OutputError(
            f"{root}: no text of style {style!r} to export; styles present: "
            f"{', '.join(present) or 'none'} (choose one with --style)"
        )
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    skipped = 0
    rows = 0
    with atomic_path(target) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["filepath", "title"])
        for t in sorted(chosen, key=lambda t: (t["patch_id"], t["text"])):
            rel = files.get(t["patch_id"])
            if not rel:
                skipped += 1
                continue
            path = (root / rel).resolve()
            shown = str(path) if absolute else os.path.relpath(path, target.parent.resolve())
            writer.writerow([shown, t["text"]])
            rows += 1
    if skipped:
        log.warning("%s: %d text(s) left out: their patches have no %s file", root, skipped, image)
    return rows
