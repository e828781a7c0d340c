"""Reading a dataset folder's manifest and tables for the report.

Every figure, table and card of the report reads the folder through :func:`load_dataset`,
which reads the tables with :func:`eotext.store.tables.read_tables` (every status: the report
shows flagged and rejected texts and counts them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from eotext.errors import OutputError
from eotext.store.lock import reading
from eotext.store.tables import read_tables

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


def load_dataset(
    folder: str | Path,
    patch_columns: tuple[str, ...] = PATCH_COLUMNS,
    text_columns: tuple[str, ...] = TEXT_COLUMNS,
) -> Dataset:
    """Read ``manifest.json``, ``patches.parquet`` and ``texts.parquet`` of a dataset folder,
    the rows with ``patch_columns`` and ``text_columns`` only.

    Columns a table lacks (an older build) read as None.

    Raises:
        OutputError: the folder has no manifest or its tables are missing.
    """
    root = Path(folder)
    path = root / "manifest.json"
    with reading(root):  # the manifest and the tables of one publication
        if not path.exists():
            raise OutputError(f"{root}: no manifest.json; is this an eotext dataset folder?")
        manifest: dict[str, Any] = json.loads(path.read_text())
        tables = read_tables(
            root,
            include_flagged=True,
            patch_columns=_present(root / "patches.parquet", patch_columns),
            text_columns=_present(root / "texts.parquet", text_columns),
        )
    return Dataset(
        root=root,
        manifest=manifest,
        patches=_rows(tables.patches, patch_columns),
        texts=_rows(tables.texts, text_columns),
    )


def _present(path: Path, columns: tuple[str, ...]) -> list[str] | None:
    """Those of ``columns`` the table at ``path`` has (None: the table is missing, which
    :func:`read_tables` reports)."""
    try:
        names = set(pq.read_schema(path).names)
    except FileNotFoundError:
        return None
    return [c for c in columns if c in names]


def _rows(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows with just ``columns``; a column the table lacks (an older build) reads None."""
    return [{c: row.get(c) for c in columns} for row in rows]
