"""The open_clip CSV: one image-text pair per row, columns ``filepath`` and ``title``.

The default output loads with open_clip's own defaults: ``CsvDataset`` in
``src/open_clip_train/data.py`` (mlfoundations/open_clip) reads the file with
``pd.read_csv(input_filename, sep=sep)`` (``--csv-separator`` defaults to a tab), takes the
``--csv-img-key filepath`` and ``--csv-caption-key title`` columns and opens each image with
``Image.open(str(path))``: relative paths resolve from the working directory of the training
run, not from the CSV's folder. So paths are absolute by default, or relative to a folder the
user names (``relative_to``, the folder training runs from). ``separator=","`` writes
SkyScript-style CSVs. Each row pairs a patch's RGB preview (or its GeoTIFF) with one text of the
chosen style, SkyScript's ``title`` by default (``title_multi_objects`` for the captions with
surroundings; ``short`` or ``detailed`` for template captions).
"""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

from eotext.errors import OutputError, RecipeError
from eotext.export.items import read_tables
from eotext.files import atomic_path

log = logging.getLogger(__name__)

IMAGE_COLUMNS = {"preview": "preview_path", "image": "image_path"}
#: Caption styles tried in order when none is asked for: one CLIP-length caption per image.
DEFAULT_STYLES = ("title", "title_multi_objects", "short", "multilabel", "detailed")
SEPARATORS = {"\t": "tab", ",": "comma"}


def export_openclip(
    dataset: str | Path,
    out: str | Path,
    style: str | None = None,
    image: str = "preview",
    relative_to: str | Path | None = None,
    separator: str = "\t",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write the open_clip CSV of a dataset folder; returns the number of rows.

    Args:
        dataset: the dataset folder.
        out: the CSV to write (its folder is created).
        style: texts of this style become the ``title`` column; by default the first style of
            :data:`DEFAULT_STYLES` the dataset has (``title`` for OSM builds, ``short`` for
            label-map builds).
        image: ``"preview"`` (the RGB PNG, what CLIP trains on) or ``"image"`` (the GeoTIFF).
        relative_to: write paths relative to this folder (where training will run); absolute
            paths by default.
        separator: a tab (open_clip's default) or ``","`` (SkyScript-style CSV).
        split: export only the patches of this split.
        include_flagged: keep texts flagged by a check or rejected by a reviewer (left out
            and logged by default).

    Texts of patches without that file (previews switched off) are left out and logged.

    Raises:
        OutputError: the folder is not a dataset, or holds no text of ``style``.
        RecipeError: ``image`` or ``separator`` is not a known one, or ``split`` is absent.
    """
    if image not in IMAGE_COLUMNS:
        raise RecipeError(f"image must be one of {sorted(IMAGE_COLUMNS)}, got {image!r}")
    if separator == "tab" or separator == "\\t":
        separator = "\t"
    if separator not in SEPARATORS:
        raise RecipeError(f"separator must be a tab or ',', got {separator!r}")
    tables = read_tables(dataset, split, include_flagged)
    root = tables.root
    column = IMAGE_COLUMNS[image]
    present = sorted({str(t["style"]) for t in tables.texts if t["text"]})
    if style is None:
        style = next((s for s in DEFAULT_STYLES if s in present), DEFAULT_STYLES[0])
    chosen = [t for t in tables.texts if t["style"] == style and t["text"]]
    if not chosen:
        raise OutputError(
            f"{root}: no text of style {style!r} to export; styles present: "
            f"{', '.join(present) or 'none'} (choose one with --style)"
        )
    base = Path(relative_to).resolve() if relative_to is not None else None
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    skipped = 0
    rows = 0
    with atomic_path(target) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=separator)
        writer.writerow(["filepath", "title"])
        for t in sorted(chosen, key=lambda t: (t["patch_id"], t["text"])):
            rel = tables.patches[t["patch_id"]].get(column)
            if not rel:
                skipped += 1
                continue
            path = (root / rel).resolve()
            shown = str(path) if base is None else os.path.relpath(path, base)
            writer.writerow([shown, t["text"]])
            rows += 1
    if skipped:
        log.warning("%s: %d text(s) left out: their patches have no %s file", root, skipped, image)
    return rows
