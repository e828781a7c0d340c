"""WebDataset shards: ``DIR/<prefix>-000000.tar``, one sample per patch.

Each sample (key = the patch id) holds ``png`` (the RGB preview) and/or ``tif`` (the multi-band
GeoTIFF), ``json`` (every text of the patch as a training item, and the patch metadata) and
``txt`` (one caption: the first of the preferred caption styles). Tar members are named
``<key>.<ext>`` in sample order, as the ``webdataset`` library expects; a new shard starts every
``shard_size`` samples.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

from eotext.errors import RecipeError
from eotext.export.items import Item, items_of, patch_file, read_tables
from eotext.files import atomic_path

#: Caption styles in the order the ``txt`` member prefers them.
CAPTION_PREFERENCE = ("detailed", "title_multi_objects", "title", "short", "multilabel")
_METADATA = (
    "patch_id", "split", "width", "height", "gsd_m", "sensor", "acquired", "crs", "transform",
    "scheme", "dominant_class", "multilabels", "latitude", "longitude", "country", "season",
    "climate_zone", "image_path", "label_path", "preview_path",
)  # fmt: skip
_FILES = {"preview": ("png",), "image": ("tif",), "both": ("png", "tif")}


def export_webdataset(
    dataset: str | Path,
    out: str | Path,
    box_format: str = "qwen",
    image: str = "preview",
    shard_size: int = 1000,
    prefix: str = "eotext",
    split: str | None = None,
    include_flagged: bool = False,
) -> int:
    """Write WebDataset tar shards into ``out``; returns the number of samples.

    Args:
        image: ``preview`` (PNG), ``image`` (GeoTIFF) or ``both``.
        shard_size: samples per shard.

    Raises:
        RecipeError: bad ``image`` or ``shard_size``, unknown box format or split.
    """
    if image not in _FILES:
        raise RecipeError(f"image must be one of {', '.join(_FILES)}, got {image!r}")
    if shard_size < 1:
        raise RecipeError(f"shard size must be at least 1, got {shard_size}")
    tables = read_tables(dataset, split, include_flagged)
    by_patch: dict[str, list[Item]] = {}
    for item in items_of(tables, box_format):
        by_patch.setdefault(item.patch_id, []).append(item)
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob(f"{prefix}-*.tar"):
        old.unlink()
    samples = [pid for pid in tables.patches]
    for n in range(0, len(samples), shard_size):
        shard = target / f"{prefix}-{n // shard_size:06d}.tar"
        with atomic_path(shard) as tmp, tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
            for pid in samples[n : n + shard_size]:
                _add_sample(tar, tables.root, tables.patches[pid], by_patch.get(pid, []), image)
    return len(samples)


def _add_sample(
    tar: tarfile.TarFile, root: Path, patch: dict[str, Any], items: list[Item], image: str
) -> None:
    key = _key(patch["patch_id"])
    kinds = {"png": "preview", "tif": "image"}
    for ext in _FILES[image]:
        path = patch_file(root, patch, kinds[ext])
        if path is not None:
            _add(tar, f"{key}.{ext}", path.read_bytes())
    doc = {
        "patch": {k: patch.get(k) for k in _METADATA},
        "texts": [
            {
                "text_id": i.id,
                "type": i.type,
                "style": i.text.get("style"),
                "input": i.input,
                "output": i.output,
                "category": i.category,
            }
            for i in items
        ],
    }
    _add(tar, f"{key}.json", json.dumps(doc, ensure_ascii=False).encode())
    caption = _caption(items)
    if caption is not None:
        _add(tar, f"{key}.txt", caption.encode())


def _caption(items: list[Item]) -> str | None:
    captions = {
        i.text.get("style"): i.output
        for i in items
        if i.text.get("type") in ("caption", "osm_caption")
    }
    for style in CAPTION_PREFERENCE:
        if style in captions:
            return captions[style]
    return next(iter(captions.values()), None)


def _key(patch_id: str) -> str:
    """The sample key: webdataset splits member names at the first dot, so dots become ``_``."""
    return patch_id.replace(".", "_")


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))
