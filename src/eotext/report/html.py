"""``eotext report``: one offline HTML page with the dataset paper's figures.

The page is a single file, ``DATASET/report/index.html``: plots and the map are inline SVG,
previews are ``data:`` URIs, styles are inline, there is no script, and a Content Security
Policy forbids loading anything else. Every value from the dataset is HTML-escaped.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eotext.files import write_text_atomic
from eotext.report import figures
from eotext.report.gallery import gallery_html
from eotext.report.geomap import footprint_map
from eotext.report.stats import Stats, compute_stats
from eotext.report.tables import Dataset, load_dataset

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em;color:#222}
h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:.5em 1.5em .5em 0;display:inline-table;vertical-align:top}
td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}td.n{text-align:right}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-size:90%}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.card{border:1px solid #ddd;border-radius:4px;padding:6px;font-size:85%}
.thumb{position:relative;width:100%;aspect-ratio:1}
.thumb img{width:100%;height:100%;object-fit:fill;image-rendering:pixelated;display:block}
.thumb svg.boxes{position:absolute;inset:0;width:100%;height:100%}
.boxes rect{fill:none;stroke-width:2;vector-effect:non-scaling-stroke}
.boxes rect.halo{stroke:#000;stroke-width:4;stroke-opacity:.6}
.card ul{padding-left:1.1em;margin:.3em 0}.kind{color:#777;font-size:85%}
.swatch{display:inline-block;width:.8em;height:.8em;margin-right:3px;border:1px solid #333}
li.finding{background:#fde2e1;border-left:3px solid #c0392b;padding-left:3px}
.status{color:#c0392b;font-weight:bold}.meta{margin:.3em 0;word-break:break-all}
"""


@dataclass(frozen=True)
class ReportResult:
    """What ``eotext report`` wrote."""

    path: Path
    figures: int
    gallery: int
    patches: int
    texts: int


def write_report(folder: str | Path, gallery: int = 24) -> ReportResult:
    """Write ``report/index.html`` into a dataset folder.

    Args:
        folder: the dataset folder (``eotext build`` output).
        gallery: how many patches the gallery shows.

    Raises:
        OutputError: the folder is not a finished eotext dataset folder.
    """
    data = load_dataset(folder)
    page, n_figures, n_gallery = render_report(data, gallery)
    path = data.root / "report" / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, page)
    return ReportResult(path, n_figures, n_gallery, len(data.patches), len(data.texts))


def render_report(data: Dataset, gallery: int = 24) -> tuple[str, int, int]:
    """The page, the number of figures on it and the number of gallery patches."""
    stats = compute_stats(data.patches, data.texts)
    m = data.manifest
    plots = _figures(data, stats)
    cards, n_gallery = gallery_html(data.root, data.patches, data.texts, gallery)
    body = [
        f"<h1>{_e(m['name'])}</h1>",
        f"<p>eotext {_e(m['eotext_version'])} · recipe fingerprint "
        f"<code>{_e(m['recipe_fingerprint'])}</code> · "
        + ("complete" if m.get("complete", True) else "<b>incomplete</b>: rerun the build")
        + "</p>",
        _overview(m, stats),
        "<h2 id='counts'>Counts</h2>",
        plots.get("counts", ""),
        _table("split", "patches", stats.counts.by_split),
        _table("text type (style)", "texts", stats.counts.by_style),
        _table("status", "texts", stats.counts.by_status),
        _table("finding", "texts", stats.counts.by_finding or {"none": 0}),
        _table("generator", "texts", stats.counts.by_generator),
        "<h2 id='classes'>Classes</h2>",
        plots.get("classes", "<p>No class statistics.</p>"),
        _dominant(stats),
        "<h2 id='captions'>Captions</h2>",
        plots.get("caption-length", "<p>No captions.</p>"),
        plots.get("words", ""),
        "<h2 id='diversity'>Diversity</h2>",
        plots.get("diversity", "<p>No texts.</p>"),
        _diversity_table(stats),
        "<h2 id='vqa'>VQA answer balance</h2>",
        plots.get("vqa", "<p>No VQA pairs.</p>"),
        _vqa_table(stats),
        "<h2 id='map'>Map</h2>",
        plots.get("map", "<p>No footprints.</p>"),
        f"<h2 id='gallery'>Gallery ({n_gallery} of {len(data.patches)} patches)</h2>",
        "<p>Referring boxes are drawn in the colour of their expression; texts with findings "
        "are highlighted.</p>",
        cards,
        "<h2 id='sources'>Sources, licences and attribution</h2>",
        _sources(m),
        "<h2 id='llm'>LLM usage and cost</h2>",
        _llm(m),
    ]
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{_e(m['name'])}: eotext report</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
    return page, sum(1 for v in plots.values() if v.startswith("<figure")), n_gallery


def _figures(data: Dataset, stats: Stats) -> dict[str, str]:
    out = {
        "counts": _figure(
            "counts",
            figures.counts_figure(stats.counts),
            "Patches per split; texts per type, stacked by split.",
        )
    }
    if stats.classes:
        out["classes"] = _figure(
            "classes",
            figures.classes_figure(stats.classes, stats.patches_by_scheme),
            f"Per scheme, the {figures.MAX_CLASSES} most frequent classes: patches holding the "
            "class (left) and its share of the labelled pixels (right).",
        )
    if stats.caption_words:
        out["caption-length"] = _figure(
            "caption-length",
            figures.caption_length_figure(stats.caption_words),
            "Caption length in words per caption style (as ChatEarthNet's Fig. 9).",
        )
    if stats.top_words:
        out["words"] = _figure(
            "words",
            figures.word_frequency_figure(stats.top_words),
            "Word frequencies of the captions (as ChatEarthNet's Fig. 10).",
        )
    if stats.diversity:
        window = stats.diversity[0].window
        out["diversity"] = _figure(
            "diversity",
            figures.diversity_figure(stats.diversity),
            "Distinct n-grams / all n-grams, and the mean type/token ratio over consecutive "
            f"windows of {window} tokens (the same window for every group).",
        )
    if stats.vqa_answers:
        out["vqa"] = _figure(
            "vqa",
            figures.vqa_figure(stats.vqa_answers),
            "Share of each answer per question type (category and style).",
        )
    geo = footprint_map(data.patches)
    if geo is not None:
        source = geo.outlines or "no outline: pip install 'eotext[context]' for country borders"
        out["map"] = _figure(
            "map", geo.svg, f"Patch footprints and their centres by split; outlines: {source}."
        )
    return out


def _figure(name: str, svg: str, caption: str) -> str:
    return (
        f"<figure class='plot' id='fig-{name}'>{svg}<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _overview(m: dict[str, Any], stats: Stats) -> str:
    c = m["counts"]
    dropped = ", ".join(f"{k} {v}" for k, v in (c.get("dropped") or {}).items()) or "none"
    rows = {
        "patches": f"{stats.counts.patches} of {c.get('patches_planned', '?')} planned",
        "texts": str(stats.counts.texts),
        "scenes": str(c.get("scenes", len(m.get("sources", [])))),
        "dropped patches": dropped,
    }
    return (
        "<table>"
        + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows.items())
        + "</table>"
    )


def _table(key: str, value: str, counts: dict[str, int]) -> str:
    rows = "".join(f"<tr><td>{_e(k)}</td><td class='n'>{n}</td></tr>" for k, n in counts.items())
    return f"<table><tr><th>{_e(key)}</th><th>{_e(value)}</th></tr>{rows}</table>"


def _dominant(stats: Stats) -> str:
    by_scheme: dict[str, list[Any]] = defaultdict(list)
    for c in stats.classes:
        by_scheme[c.scheme].append(c)
    out = []
    for scheme, rows in by_scheme.items():
        ranked = sorted(rows, key=lambda c: (-c.dominant, -c.patches, c.name))[:10]
        body = "".join(
            f"<tr><td>{_e(c.name)}</td><td class='n'>{c.dominant}</td>"
            f"<td class='n'>{c.patches}</td><td class='n'>{c.pixels}</td></tr>"
            for c in ranked
        )
        out.append(
            f"<table><tr><th>{_e(scheme)}: class</th><th>dominant in</th><th>patches</th>"
            f"<th>pixels</th></tr>{body}</table>"
        )
    return "".join(out)


def _diversity_table(stats: Stats) -> str:
    body = "".join(
        f"<tr><td>{_e(d.group)}</td><td class='n'>{d.texts}</td><td class='n'>{d.tokens}</td>"
        f"<td class='n'>{d.vocabulary}</td>"
        + "".join(f"<td class='n'>{v:.3f}</td>" for v in d.distinct)
        + f"<td class='n'>{'n/a' if d.ttr is None else f'{d.ttr:.3f}'}</td></tr>"
        for d in stats.diversity
    )
    window = stats.diversity[0].window if stats.diversity else 0
    return (
        "<table><tr><th>texts</th><th>n</th><th>tokens</th><th>vocabulary</th>"
        f"<th>distinct-1</th><th>distinct-2</th><th>distinct-3</th><th>TTR/{window}</th></tr>"
        f"{body}</table>"
    )


def _vqa_table(stats: Stats) -> str:
    body = "".join(
        f"<tr><td>{_e(kind)}</td><td class='n'>{sum(answers.values())}</td><td>"
        + _e(", ".join(f"{a} {n}" for a, n in list(answers.items())[:8]))
        + (" …" if len(answers) > 8 else "")
        + "</td></tr>"
        for kind, answers in stats.vqa_answers.items()
    )
    return f"<table><tr><th>question type</th><th>n</th><th>answers</th></tr>{body}</table>"


def _sources(m: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_e(s['scene_id'])}</td><td>{_e(s.get('sensor') or '')}</td>"
        f"<td>{_e(lic['what'])}</td><td>{_e(lic['licence'])}</td>"
        f"<td>{_e(lic.get('attribution') or '')}</td></tr>"
        for s in m.get("sources", [])
        for lic in s.get("licences", [])
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in m.get("attribution") or [])
    context = "".join(
        f"<li>{_e(k)}: {_e(v)}</li>" for k, v in (m.get("context_sources") or {}).items()
    )
    return (
        "<table><tr><th>scene</th><th>sensor</th><th>what</th><th>licence</th>"
        f"<th>attribution</th></tr>{rows}</table>"
        f"<h3>Attribution</h3><ul>{notes or '<li>none required by the sources</li>'}</ul>"
        f"<h3>Context fields</h3><ul>{context}</ul>"
    )


def _llm(m: dict[str, Any]) -> str:
    usage = m.get("llm")
    if not usage:
        return "<p>No LLM was used: every text comes from templates or OSM tags.</p>"
    spec = (m.get("recipe") or {}).get("annotate", {}).get("llm", {})
    rows = {
        "model": spec.get("model"),
        "endpoint": spec.get("base_url"),
        "mode": spec.get("mode"),
        **usage,
    }
    return (
        "<table>"
        + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows.items())
        + "</table>"
    )


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)
