"""Describing a dataset folder in text (``eotext info``) and its card (``DATACARD.md``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from eotext.errors import OutputError
from eotext.report.stats import compute_counts
from eotext.report.tables import load_dataset


def summarise(folder: str | Path) -> str:
    """A short text summary of a dataset folder: counts, drops, classes and licences.

    Raises:
        OutputError: the folder has no manifest.
    """
    root = Path(folder)
    manifest = _manifest(root)
    counts = manifest["counts"]
    lines = [
        f"{manifest['name']} (eotext {manifest['eotext_version']}, "
        f"{'complete' if manifest['complete'] else 'INCOMPLETE: rerun the build to finish'})",
        f"  patches: {counts['patches']} of {counts['patches_planned']} planned; "
        f"texts: {counts['texts']}",
        f"  dropped: {counts['dropped'] or 'none'}",
    ]
    data = load_dataset(root)
    counts = compute_counts(data.patches, data.texts)
    lines += [
        f"  splits: {_pairs(counts.by_split) or 'none'}",
        f"  text types: {_pairs(counts.by_style) or 'none'}",
        f"  status: {_pairs(counts.by_status) or 'none'}",
        f"  findings: {_pairs(counts.by_finding) or 'none'}",
    ]
    dominant = Counter(p["dominant_class"] for p in data.patches if p.get("dominant_class"))
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
    for note in manifest.get("attribution", []):
        lines.append(f"  attribution: {note}")
    return "\n".join(lines)


def data_card(folder: str | Path) -> str:
    """The dataset's card: a Hugging Face dataset card (see :mod:`eotext.report.card`).

    Raises:
        OutputError: the folder has no manifest.
    """
    from eotext.report.card import dataset_card

    return dataset_card(folder)


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in counts.items())


def _manifest(root: Path) -> dict[str, Any]:
    path = root / "manifest.json"
    if not path.exists():
        raise OutputError(f"{root}: no manifest.json; is this an eotext dataset folder?")
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc
