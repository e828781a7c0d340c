"""BigEarthNet.txt-like parquet: one row per item with its geographic context and split."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from eotext.export.items import read_items
from eotext.files import atomic_path

SCHEMA = pa.schema(
    [
        ("ID", pa.string()),
        ("patch_id", pa.string()),
        ("input", pa.string()),
        ("output", pa.string()),
        ("type", pa.string()),
        ("category", pa.string()),
        ("split", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("country", pa.string()),
        ("season", pa.string()),
        ("climate_zone", pa.string()),
    ]
)


def export_bigearthnet_txt(
    dataset: Path,
    out: Path,
    box_format: str = "qwen",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write ``out`` (parquet) with columns ``ID, patch_id, input, output, type, category,
    split, latitude, longitude, country, season, climate_zone``; returns the row count.

    Flagged and rejected texts are left out unless ``include_flagged``."""
    rows = [
        {
            "ID": item.id,
            "patch_id": item.patch_id,
            "input": item.input,
            "output": item.output,
            "type": item.type,
            "category": item.category,
            "split": item.patch.get("split"),
            "latitude": item.patch.get("latitude"),
            "longitude": item.patch.get("longitude"),
            "country": item.patch.get("country"),
            "season": item.patch.get("season"),
            "climate_zone": item.patch.get("climate_zone"),
        }
        for item in read_items(dataset, box_format, split, include_flagged)
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), tmp, compression="zstd")
    return len(rows)
