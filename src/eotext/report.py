"""Describing a dataset folder in text."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from eotext.errors import OutputError


def summarise(folder: str | Path) -> str:
    """A short text summary of a dataset folder: counts, drops, classes and licences.

    Raises:
        OutputError: the folder has no manifest.
    """
    root = Path(folder)
    manifest_path = root / "manifest.json"
    if not manifest_path.exists():
        raise OutputError(f"{root}: no manifest.json; is this an eotext dataset folder?")
    manifest = json.loads(manifest_path.read_text())
    counts = manifest["counts"]
    lines = [
        f"{manifest['name']} (eotext {manifest['eotext_version']}, "
        f"{'complete' if manifest['complete'] else 'INCOMPLETE: rerun the build to finish'})",
        f"  patches: {counts['patches']} of {counts['patches_planned']} planned; "
        f"texts: {counts['texts']}",
        f"  dropped: {counts['dropped'] or 'none'}",
    ]
    patches = pq.read_table(root / "patches.parquet", columns=["dominant_class", "scene_id"])
    dominant = Counter(v for v in patches.column("dominant_class").to_pylist() if v)
    if dominant:
        top = ", ".join(f"{k} {n}" for k, n in dominant.most_common(6))
        lines.append(f"  dominant classes: {top}")
    lines.append("  sources and licences:")
    groups: dict[str, list[str]] = {}
    for s in manifest["sources"]:
        lic = "; ".join(f"{x['what']}: {x['licence']}" for x in s["licences"])
        groups.setdefault(lic, []).append(s["scene_id"])
    for lic, ids in groups.items():
        who = ids[0] if len(ids) == 1 else f"{len(ids)} scenes ({ids[0]}, ...)"
        lines.append(f"    {who}: {lic}")
    return "\n".join(lines)
