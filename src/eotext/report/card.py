"""The dataset card: a Hugging Face dataset card (YAML front matter, then Markdown sections).

The build writes it as ``DATACARD.md``; an export to the Hugging Face Hub can reuse
:func:`dataset_card` as the repository's ``README.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eotext.report.stats import Counts, compute_counts
from eotext.report.tables import Dataset, load_dataset
from eotext.store.licences import hub_licence

TASKS = {
    "caption": "image-to-text",
    "osm_caption": "image-to-text",
    "vqa": "visual-question-answering",
    "referring": "object-detection",
}
SIZES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)


def dataset_card(folder: str | Path) -> str:
    """The card of a dataset folder (Markdown with YAML front matter).

    Raises:
        OutputError: the folder has no manifest or tables.
    """
    data = load_dataset(folder, CARD_PATCH_COLUMNS, CARD_TEXT_COLUMNS)
    return render_card(data, compute_counts(data.patches, data.texts))


#: What the card's counts read (every build writes the card: the rest is not read).
CARD_PATCH_COLUMNS = ("patch_id", "split")
CARD_TEXT_COLUMNS = ("patch_id", "type", "style", "generator", "status", "findings")


def card_metadata(data: Dataset, counts: Counts) -> dict[str, Any]:
    """The card's YAML front matter as a dict (licence, tasks, size, language, name, tags)."""
    licences = sorted(
        {hub_licence(lic["licence"]) for s in data.manifest["sources"] for lic in s["licences"]}
    )
    meta: dict[str, Any] = {
        "pretty_name": data.manifest["name"],
        # The Hub takes one licence id or a list of them (one per distinct source licence).
        "license": licences[0] if len(licences) == 1 else licences,
        "language": ["en"],
        "task_categories": sorted({TASKS[t] for t in counts.by_type if t in TASKS}),
        "size_categories": [size_category(counts.texts)],
        "tags": ["remote-sensing", "earth-observation", "vision-language", "eotext"],
    }
    if "other" in licences:
        meta["license_name"] = "per source: see Sources and licences"
    return meta


def size_category(n: int) -> str:
    """Hugging Face's size category for ``n`` examples."""
    return next((name for limit, name in SIZES if n < limit), "n>1B")


def render_card(data: Dataset, counts: Counts) -> str:
    """The card's text from a loaded dataset and its counts."""
    m = data.manifest
    c = m["counts"]
    lines = ["---", *_yaml(card_metadata(data, counts)), "---", "", f"# {m['name']}", ""]
    lines += [
        f"Built with eotext {m['eotext_version']} (recipe fingerprint "
        f"`{m['recipe_fingerprint']}`)"
        + ("." if m.get("complete", True) else ", INCOMPLETE: rerun the build to finish."),
        "The size category counts text items (one training example each).",
        "",
        "## Dataset structure",
        "",
        "- `patches.parquet`: one row per patch (GeoParquet, footprint in WGS84), with its split",
        "- `texts.parquet`: one row per text (caption, VQA pair, referring expression), with "
        "its status and findings",
        "- `images/`, `labels/`: patch GeoTIFFs; `previews/`: PNG previews",
        "- `manifest.json`: recipe, sources, licences, counts; `report/index.html`: figures "
        "(`eotext report`)",
        "",
        "## Contents",
        "",
        f"- patches: {c['patches']} of {c['patches_planned']} planned",
        f"- texts: {c['texts']}",
        f"- dropped patches: {_pairs(c['dropped']) or 'none'}",
        "",
        "| split | patches | texts |",
        "|---|---:|---:|",
        *(
            f"| {_cell(s)} | {n} | {sum(counts.texts_by_split.get(s, {}).values())} |"
            for s, n in counts.by_split.items()
        ),
        "",
        "| text type (style) | texts |",
        "|---|---:|",
        *(f"| {_cell(k)} | {n} |" for k, n in counts.by_style.items()),
        "",
        f"Text status: {_pairs(counts.by_status) or 'none'}. "
        f"Findings: {_pairs(counts.by_finding) or 'none'}.",
        "",
        "## Sources and licences",
        "",
    ]
    for s in m["sources"]:
        for lic in s["licences"]:
            lines.append(f"- {s['scene_id']}: {lic['what']}: {lic['licence']}")
    lines += ["", "## Attribution", ""]
    notes = m.get("attribution") or []
    lines += [f"- {n}" for n in notes] or ["- none required by the sources"]
    if m.get("llm"):
        u = m["llm"]
        lines += [
            "",
            "## LLM usage",
            "",
            f"- model: {m['recipe']['annotate']['llm'].get('model') or 'unknown'}",
            f"- prompt tokens: {u.get('prompt_tokens', 0)}, completion tokens: "
            f"{u.get('completion_tokens', 0)}, cost: {u.get('cost', 0)}",
            f"- requests: {u.get('requests_sent', 0)}, cache hits: {u.get('cache_hits', 0)}, "
            f"flagged: {u.get('flagged', 0)}, failed: {u.get('failed', 0)}",
        ]
    return "\n".join(lines) + "\n"


def _yaml(meta: dict[str, Any]) -> list[str]:
    """Front matter lines; values are JSON scalars, which YAML reads as the same strings."""
    out = []
    for key, value in meta.items():
        if isinstance(value, list):
            out.append(f"{key}:")
            out += [f"- {json.dumps(v)}" for v in value]
        else:
            out.append(f"{key}: {json.dumps(value)}")
    return out


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in counts.items())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
