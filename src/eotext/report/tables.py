"""Reading a dataset folder's manifest and tables for the report.

Every figure, table and card of the report reads the folder through :func:`load_dataset`
only, so moving to a shared typed table reader later changes this one module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from eotext.errors import OutputError

PATCH_COLUMNS = (
    "patch_id",
    "scene_id",
    "scheme",
    "class_fractions",
    "class_pixels",
    "dominant_class",
    "multilabels",
    "geometry",
    "split",
    "preview_path",
    "width",
    "height",
    "country",
)
TEXT_COLUMNS = (
    "text_id",
    "patch_id",
    "type",
    "style",
    "generator",
    "text",
    "question",
    "answer",
    "box",
    "status",
    "findings",
    "category",
)


@dataclass(frozen=True)
class Dataset:
    """A dataset folder as the report sees it: the manifest and one dict per table row."""

    root: Path
    manifest: dict[str, Any]
    patches: list[dict[str, Any]]
    texts: list[dict[str, Any]]


def load_dataset(folder: str | Path) -> Dataset:
    """Read ``manifest.json``, ``patches.parquet`` and ``texts.parquet`` of a dataset folder.

    Columns a table lacks (an older build) read as None.

    Raises:
        OutputError: the folder has no manifest or its tables are missing.
    """
    root = Path(folder)
    path = root / "manifest.json"
    if not path.exists():
        raise OutputError(f"{root}: no manifest.json; is this an eotext dataset folder?")
    manifest: dict[str, Any] = json.loads(path.read_text())
    return Dataset(
        root=root,
        manifest=manifest,
        patches=_rows(root / "patches.parquet", PATCH_COLUMNS),
        texts=_rows(root / "texts.parquet", TEXT_COLUMNS),
    )


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    if not path.exists():
        raise OutputError(
            f"{path} is missing; rerun `eotext build` on this folder to finish the dataset"
        )
    present = set(pq.read_schema(path).names)
    rows: list[dict[str, Any]] = pq.read_table(
        path, columns=[c for c in columns if c in present]
    ).to_pylist()
    missing = [c for c in columns if c not in present]
    for row in rows:
        for c in missing:
            row[c] = None
    return rows
