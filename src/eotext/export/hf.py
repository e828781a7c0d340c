"""A Hugging Face dataset folder: ``datasets.load_dataset(DIR)`` loads it, images included.

.. code-block:: text

    DIR/README.md                    dataset card: YAML (configs, features, licence, task
                                     categories, size category, source attribution) + the
                                     dataset's DATACARD.md
    DIR/data/<split>-00000-of-00001.parquet   one file set per split

One row per patch: ``image`` (the RGB preview, typed ``datasets.Image``: PNG bytes embedded),
its metadata, and ``texts``, a list of ``{text_id, type, style, input, output, category}``
(the training items of :mod:`eotext.export.items`, boxes in ``box_format``). The Parquet files
carry the ``huggingface`` schema metadata, so the ``Image`` type survives a plain
``load_dataset("parquet", data_files=...)`` too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from eotext.export.items import Item, Tables, items_of, read_tables
from eotext.files import atomic_path, write_text_atomic
from eotext.store.licences import hub_licence

_TEXT_FIELDS = ("text_id", "type", "style", "input", "output", "category")
_META_FIELDS: dict[str, pa.DataType] = {
    "patch_id": pa.string(),
    "split": pa.string(),
    "width": pa.int32(),
    "height": pa.int32(),
    "gsd_m": pa.float64(),
    "sensor": pa.string(),
    "acquired": pa.string(),
    "crs": pa.string(),
    "scheme": pa.string(),
    "dominant_class": pa.string(),
    "multilabels": pa.list_(pa.string()),
    "latitude": pa.float64(),
    "longitude": pa.float64(),
    "country": pa.string(),
    "season": pa.string(),
    "climate_zone": pa.string(),
    "image_path": pa.string(),
}
IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
_TEXTS = pa.list_(pa.struct([(f, pa.string()) for f in _TEXT_FIELDS]))
SCHEMA = pa.schema([("image", IMAGE), *_META_FIELDS.items(), ("texts", _TEXTS)])


def features_of(schema: pa.Schema) -> dict[str, Any]:
    """The ``datasets`` features of an Arrow schema (``Features.to_dict()`` spelling); a column
    typed like :data:`IMAGE` is a ``datasets.Image``."""

    def value(t: pa.DataType) -> Any:
        if pa.types.is_list(t):
            return [value(t.value_type)]
        if pa.types.is_struct(t):
            return {f.name: value(f.type) for f in t}
        return {"dtype": str(t).replace("double", "float64"),
                "_type": "Value"}  # fmt: skip

    return {f.name: {"_type": "Image"} if f.type == IMAGE else value(f.type) for f in schema}


def hf_features() -> dict[str, Any]:
    """The ``datasets`` features of :data:`SCHEMA`."""
    return features_of(SCHEMA)


def patch_rows(tables: Tables, box_format: str) -> Iterable[dict[str, Any]]:
    """One row of :data:`SCHEMA` per patch (image bytes read from the dataset folder)."""
    by_patch: dict[str, list[Item]] = {}
    for item in items_of(tables, box_format):
        by_patch.setdefault(item.patch_id, []).append(item)
    for pid, patch in tables.patches.items():
        preview = patch.get("preview_path")
        image = None
        if preview:
            image = {"bytes": (tables.root / preview).read_bytes(), "path": Path(preview).name}
        row = {k: patch.get(k) for k in _META_FIELDS}
        row["image"] = image
        row["texts"] = [
            {
                "text_id": i.id,
                "type": i.type,
                "style": i.text.get("style"),
                "input": i.input,
                "output": i.output,
                "category": i.category,
            }
            for i in by_patch.get(pid, [])
        ]
        yield row


def write_split_parquet(rows: list[dict[str, Any]], path: Path, schema: pa.Schema = SCHEMA) -> None:
    """Write rows with the ``huggingface`` features metadata (images typed), atomically."""
    meta = {b"huggingface": json.dumps({"info": {"features": features_of(schema)}}).encode()}
    table = pa.Table.from_pylist(rows, schema=schema).replace_schema_metadata(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=256)


def export_hf(
    dataset: str | Path,
    out: str | Path,
    box_format: str = "qwen",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write a Hugging Face dataset folder ``out``; returns the number of rows (patches).

    Raises:
        OutputError: the folder is not a dataset folder.
        RecipeError: unknown box format, or ``split`` names no split.
    """
    tables = read_tables(dataset, split, include_flagged)
    target = Path(out)
    by_split: dict[str, list[dict[str, Any]]] = {}
    for row in patch_rows(tables, box_format):
        by_split.setdefault(_split_name(row["split"]), []).append(row)
    for name, rows in by_split.items():
        write_split_parquet(rows, target / "data" / f"{name}-00000-of-00001.parquet")
    write_text_atomic(target / "README.md", dataset_card(tables, sorted(by_split)))
    return sum(len(r) for r in by_split.values())


def _split_name(split: str | None) -> str:
    name = re.sub(r"\W", "_", split or "train")
    return name or "train"


def dataset_card(tables: Tables, splits: list[str]) -> str:
    """README.md: the YAML ``datasets`` reads (configs, features) and the Hub shows, then the
    dataset's own DATACARD.md (without its front matter) when there is one."""
    manifest = _manifest(tables.root)
    licences = sorted(
        {
            str(lic.get("licence", "")).lower()
            for src in manifest.get("sources", [])
            for lic in src.get("licences", [])
        }
        - {""}
    )
    hub_licences = sorted({hub_licence(x) for x in licences}) or ["other"]
    n = len(tables.patches)
    size = next(
        c for top, c in ((1e3, "n<1K"), (1e4, "1K<n<10K"), (1e5, "10K<n<100K"),
                         (1e6, "100K<n<1M"), (float("inf"), "n>1M")) if n < top
    )  # fmt: skip
    attribution = sorted(
        {
            str(lic["attribution"])
            for src in manifest.get("sources", [])
            for lic in src.get("licences", [])
            if lic.get("attribution")
        }
    )
    header = {
        "license": sorted(set(hub_licences)),
        "task_categories": ["image-to-text", "visual-question-answering", "object-detection"],
        "size_categories": [size],
        "tags": ["earth-observation", "remote-sensing", "satellite-imagery", "eotext"],
        "pretty_name": manifest.get("name", tables.root.name),
        "source_licences": licences,
        "source_attribution": attribution,
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in splits],
            }
        ],
        "dataset_info": {
            "features": [_feature_yaml(k, v) for k, v in hf_features().items()],
        },
    }
    body = ""
    card = tables.root / "DATACARD.md"
    if card.exists():
        theirs, body = _split_front_matter(card.read_text(encoding="utf-8"))
        # The dataset card's own metadata wins, except where datasets must find its files.
        header = {**header, **{k: v for k, v in theirs.items() if k not in _OURS}}
    # JSON is YAML: one line per key keeps the header exact and readable.
    lines = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in header.items()]
    return "\n".join([*lines, "---", "", body or f"# {header['pretty_name']}\n"])


def _feature_yaml(name: str, feature: Any) -> dict[str, Any]:
    """A feature as the card's ``dataset_info.features`` list spells it."""
    if isinstance(feature, list):
        inner = feature[0]
        return (
            {"name": name, "list": [_feature_yaml(k, v) for k, v in inner.items()]}
            if (isinstance(inner, dict) and "_type" not in inner)
            else {"name": name, "list": inner["dtype"]}
        )
    if feature.get("_type") == "Image":
        return {"name": name, "dtype": "image"}
    return {"name": name, "dtype": feature["dtype"]}


_OURS = frozenset({"configs", "dataset_info"})


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A card's YAML front matter (read when PyYAML is installed, as with ``datasets``) and
    its body."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return _yaml_mapping(text[4:end]), text[end + 4 :].lstrip("\n")
    return {}, text


def _yaml_mapping(text: str) -> dict[str, Any]:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - PyYAML comes with datasets
        return {}
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _manifest(root: Path) -> dict[str, Any]:
    path = root / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}
