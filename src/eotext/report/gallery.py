"""The report's gallery: previews with their texts, referring boxes drawn, findings marked.

Previews are embedded as ``data:`` URIs, so the page needs no other file; every text from
the tables is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from collections import defaultdict
from itertools import zip_longest
from pathlib import Path
from typing import Any

from eotext.model import finding_label

BOX_COLOURS = ("#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0")
MAX_VQA = 6


def pick_patches(
    patches: list[dict[str, Any]], texts: list[dict[str, Any]], size: int
) -> list[dict[str, Any]]:
    """Up to ``size`` patches with a preview: those with findings first, then scenes in turn."""
    flagged = {t["patch_id"] for t in texts if t.get("findings") or t.get("status") == "flagged"}
    usable = [p for p in patches if p.get("preview_path")]
    first = sorted((p for p in usable if p["patch_id"] in flagged), key=lambda p: p["patch_id"])
    by_scene: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in sorted(usable, key=lambda p: (p.get("scene_id") or "", p["patch_id"])):
        if p["patch_id"] not in flagged:
            by_scene[p.get("scene_id") or ""].append(p)
    turns = [p for row in zip_longest(*by_scene.values()) for p in row if p is not None]
    return (first + turns)[: max(size, 0)]


def gallery_html(
    root: Path, patches: list[dict[str, Any]], texts: list[dict[str, Any]], size: int
) -> tuple[str, int]:
    """The gallery's HTML and the number of patches shown."""
    chosen = pick_patches(patches, texts, size)
    by_patch: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ids = {p["patch_id"] for p in chosen}
    for t in texts:
        if t["patch_id"] in ids:
            by_patch[t["patch_id"]].append(t)
    cards = [_card(root, p, by_patch[p["patch_id"]]) for p in chosen]
    return '<div class="gallery">\n' + "\n".join(cards) + "\n</div>", len(cards)


def _card(root: Path, patch: dict[str, Any], texts: list[dict[str, Any]]) -> str:
    e = html.escape
    width, height = patch.get("width") or 1, patch.get("height") or 1
    referring = [t for t in texts if t["type"] == "referring" and t.get("box")]
    boxes: dict[tuple[int, ...], int] = {}
    for t in referring:
        boxes.setdefault(tuple(t["box"]), len(boxes))
    rects = "".join(  # a dark halo under each coloured box keeps it visible on any land cover
        f'<rect class="halo" x="{b[0]}" y="{b[1]}" width="{b[2] - b[0]}" height="{b[3] - b[1]}"/>'
        f'<rect x="{b[0]}" y="{b[1]}" width="{b[2] - b[0]}" height="{b[3] - b[1]}" '
        f'stroke="{BOX_COLOURS[i % len(BOX_COLOURS)]}"/>'
        for b, i in boxes.items()
    )
    labels = ", ".join(patch.get("multilabels") or []) or (patch.get("dominant_class") or "")
    head = (
        f'<div class="thumb"><img alt="preview of {e(patch["patch_id"])}" '
        f'src="{_data_uri(root / patch["preview_path"])}">'
        f'<svg class="boxes" viewBox="0 0 {width} {height}" preserveAspectRatio="none">'
        f"{rects}</svg></div>"
        f'<p class="meta"><b>{e(patch["patch_id"])}</b><br>{e(patch.get("split") or "no split")}'
        f" · {e(patch.get('scheme') or '')} · {e(labels)}"
        + (f" · {e(patch['country'])}" if patch.get("country") else "")
        + "</p>"
    )
    items = []
    for t in texts:
        if t["type"] in ("caption", "osm_caption"):
            items.append(_item(t, t.get("text") or ""))
    for t in referring:
        if t.get("style") == "expression":
            colour = BOX_COLOURS[boxes[tuple(t["box"])] % len(BOX_COLOURS)]
            swatch = f'<span class="swatch" style="background:{colour}"></span>'
            items.append(_item(t, t.get("text") or "", swatch))
    vqa = [t for t in texts if t["type"] == "vqa"]
    shown = [t for t in vqa if t.get("findings")] + [t for t in vqa if not t.get("findings")]
    for t in shown[:MAX_VQA]:
        items.append(_item(t, f"Q: {t.get('question') or ''} A: {t.get('answer') or ''}"))
    more = len(vqa) - min(len(vqa), MAX_VQA)
    tail = f'<li class="more">… and {more} more questions</li>' if more > 0 else ""
    return f'<article class="card">{head}<ul>{"".join(items)}{tail}</ul></article>'


def _item(text: dict[str, Any], body: str, prefix: str = "") -> str:
    e = html.escape
    findings = text.get("findings") or []
    status = text.get("status") or "generated"
    kind = f"{text['type']}" + (f" · {text['style']}" if text.get("style") else "")
    note = ""
    if findings or status not in ("generated",):
        note = f' <span class="status">[{e(status)}{": " if findings else ""}'
        note += e(", ".join(finding_label(f) for f in findings)) + "]</span>"
    cls = ' class="finding"' if findings or status in ("flagged", "rejected") else ""
    return f'<li{cls}>{prefix}<span class="kind">{e(kind)}</span> {e(body)}{note}</li>'


def _data_uri(path: Path) -> str:
    if not path.exists():
        return ""
    mime = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
