"""Reading a dataset folder's tables: the one place exports, benchmarks and reports read rows.

Texts whose ``status`` is ``flagged`` (an automatic check found a problem: empty, truncated,
naming a class the patch does not hold, ...) or ``rejected`` (a reviewer said no) are left out
by default, counted and logged, so nobody trains or scores on them by accident;
``include_flagged=True`` keeps them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from eotext.errors import OutputError

log = logging.getLogger(__name__)

#: Text statuses left out unless asked for (``--include-flagged``).
LEFT_OUT_STATUSES: tuple[str, ...] = ("flagged", "rejected")


@dataclass(frozen=True)
class DatasetTables:
    """The rows of a dataset folder.

    Attributes:
        patches: ``patches.parquet`` rows.
        texts: ``texts.parquet`` rows, without the left-out statuses unless asked for.
        left_out: texts left out, by status.
    """

    patches: list[dict[str, Any]]
    texts: list[dict[str, Any]]
    left_out: dict[str, int] = field(default_factory=dict)


def read_tables(
    dataset: str | Path,
    *,
    include_flagged: bool = False,
    patch_columns: Sequence[str] | None = None,
    text_columns: Sequence[str] | None = None,
) -> DatasetTables:
    """The patch and text rows of a dataset folder.

    Args:
        dataset: the dataset folder.
        include_flagged: keep ``flagged`` and ``rejected`` texts too.
        patch_columns / text_columns: read only these columns (None: all).

    Raises:
        OutputError: the folder has no ``patches.parquet`` or ``texts.parquet``.
    """
    root = Path(dataset)
    patches = _read(root / "patches.parquet", patch_columns)
    texts, left_out = _read_texts(root, include_flagged=include_flagged, columns=text_columns)
    return DatasetTables(patches.to_pylist(), texts.to_pylist(), left_out)


def _read_texts(
    root: Path, *, include_flagged: bool, columns: Sequence[str] | None
) -> tuple[pa.Table, dict[str, int]]:
    """``texts.parquet`` through the status filter, and the texts left out by status."""
    wanted = None if columns is None else list(dict.fromkeys([*columns, "status"]))
    table = _read(root / "texts.parquet", wanted)
    left_out: dict[str, int] = {}
    if not include_flagged and table.num_rows:
        status = table.column("status")
        drop = pc.fill_null(pc.is_in(status, value_set=pa.array(LEFT_OUT_STATUSES)), False)
        if pc.any(drop).as_py():
            left_out = dict(sorted(Counter(status.filter(drop).to_pylist()).items()))
            table = table.filter(pc.invert(drop))
            shown = ", ".join(f"{n} {status}" for status, n in sorted(left_out.items()))
            log.warning("%s: %s text(s) left out (keep them with --include-flagged)", root, shown)
    if columns is not None:
        table = table.select(list(columns))
    return table, left_out


def _read(path: Path, columns: Sequence[str] | None) -> pa.Table:
    try:
        return pq.read_table(path, columns=list(columns) if columns is not None else None)
    except FileNotFoundError as exc:
        raise OutputError(
            f"{path.parent}: not a dataset folder ({path.name} is missing); point to the "
            "folder `eotext build` wrote"
        ) from exc
