"""Describing a dataset folder in text."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from eotext.errors import OutputError
from eotext.store.tables import read_tables


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
    for note in manifest.get("attribution", []):
        lines.append(f"  attribution: {note}")
    return "\n".join(lines)


def data_card(folder: str | Path) -> str:
    """The dataset's card (Markdown): what it holds, where it comes from, whom to credit.

    Raises:
        OutputError: the folder has no manifest.
    """
    root = Path(folder)
    manifest = _manifest(root)
    counts = manifest["counts"]
    # The card describes everything the folder holds, flagged texts included.
    texts = read_tables(
        root, include_flagged=True, patch_columns=["patch_id"], text_columns=["type", "style"]
    ).texts
    kinds = Counter(f"{t['type']} ({t['style']})" if t["style"] else t["type"] for t in texts)
    lines = [
        f"# {manifest['name']}",
        "",
        f"Built with eotext {manifest['eotext_version']} "
        f"(recipe fingerprint `{manifest['recipe_fingerprint']}`).",
        "",
        "## Contents",
        "",
        f"- patches: {counts['patches']} of {counts['patches_planned']} planned",
        f"- texts: {counts['texts']}",
        *(f"  - {k}: {n}" for k, n in sorted(kinds.items())),
        f"- dropped patches: {counts['dropped'] or 'none'}",
        "",
        "## Sources and licences",
        "",
    ]
    for s in manifest["sources"]:
        for lic in s["licences"]:
            lines.append(f"- {s['scene_id']}: {lic['what']}: {lic['licence']}")
    lines += ["", "## Attribution", ""]
    notes = manifest.get("attribution") or []
    lines += [f"- {n}" for n in notes] or ["- none required by the sources"]
    return "\n".join(lines) + "\n"


def _manifest(root: Path) -> dict[str, Any]:
    path = root / "manifest.json"
    if not path.exists():
        raise OutputError(f"{root}: no manifest.json; is this an eotext dataset folder?")
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc
