"""The report's plots, drawn with matplotlib's Agg-free SVG canvas into inline SVG strings.

matplotlib rather than altair/Vega-Lite: it renders static SVG in-process, so the page needs
no JavaScript runtime and the build no extra binary (vl-convert, a bundled Deno engine); it
draws the map's polygons as easily as bars, and its text output is XML-escaped. Labels taken
from data go through :func:`label`, which also stops ``$`` from switching on mathtext.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eotext.errors import MissingDependencyError
from eotext.report.stats import ClassShare, Counts, Diversity

SPLIT_COLOURS = {
    "train": "#1f77b4",
    "val": "#ff7f0e",
    "test": "#2ca02c",
    "bench": "#d62728",
    "none": "#7f7f7f",
}
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3")
MAX_CLASSES = 15
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)  # RDF naming remote vocabularies


def label(value: object, width: int = 40) -> str:
    """A data value as plot text: shortened, with ``$`` shown literally (no mathtext)."""
    text = str(value)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


@contextmanager
def figure(name: str, width: float, height: float) -> Iterator[Any]:
    """A matplotlib Figure without pyplot's global state; text stays text in the SVG."""
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError(
            "eotext report draws its figures with matplotlib: pip install 'eotext[report]'"
        ) from None

    matplotlib.use("Agg")  # never a GUI backend, also when the caller set one
    from matplotlib.figure import Figure

    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": name, "font.size": 9, "axes.titlesize": 10}
    ):
        yield Figure(figsize=(width, height), layout="constrained")


def to_svg(fig: Any) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, DOCTYPE or RDF metadata)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return _METADATA.sub("", text[text.index("<svg") :])


def counts_figure(stats: Counts) -> str:
    """Patches per split, and texts per split and type."""
    with figure("counts", 8, 3) as fig:
        left, right = fig.subplots(1, 2)
        splits = list(stats.by_split)
        left.bar(
            splits,
            [stats.by_split[s] for s in splits],
            color=[SPLIT_COLOURS.get(s, "#999") for s in splits],
        )
        left.set_title("Patches per split")
        types = list(stats.by_type)
        bottom = [0] * len(types)
        for split in splits:
            values = [stats.texts_by_split.get(split, {}).get(t, 0) for t in types]
            right.bar(
                [label(t) for t in types],
                values,
                bottom=bottom,
                label=label(split),
                color=SPLIT_COLOURS.get(split, "#999"),
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        right.set_title("Texts per type and split")
        if splits:
            right.legend(fontsize=8)
        return to_svg(fig)


def classes_figure(classes: list[ClassShare], patches_by_scheme: dict[str, int]) -> str:
    """Per scheme: share of patches holding each class, and share of pixels it covers."""
    schemes = sorted({c.scheme for c in classes})
    rows = [[c for c in classes if c.scheme == s][:MAX_CLASSES] for s in schemes]
    height = sum(0.22 * len(r) + 0.7 for r in rows) + 0.3
    with figure("classes", 9, max(height, 2.0)) as fig:
        axes = fig.subplots(len(rows), 2, squeeze=False, height_ratios=[len(r) + 2 for r in rows])
        for (ax_p, ax_x), scheme, row in zip(axes, schemes, rows, strict=True):
            n = patches_by_scheme.get(scheme, 0)
            total_px = sum(c.pixels for c in classes if c.scheme == scheme)
            names = [label(c.name, 34) for c in row][::-1]
            ax_p.barh(names, [c.patches for c in row][::-1], color=PALETTE[0])
            ax_p.set_title(f"{label(scheme)}: patches holding the class (of {n})")
            if total_px:
                ax_x.barh(names, [100 * c.pixels / total_px for c in row][::-1], color=PALETTE[1])
                ax_x.set_title(f"{label(scheme)}: % of {total_px:,} labelled pixels")
                ax_x.set_yticks([])
            else:
                ax_x.set_axis_off()
                ax_x.text(
                    0.5,
                    0.5,
                    "patch-level labels: no pixel counts",
                    ha="center",
                    va="center",
                    transform=ax_x.transAxes,
                )
        return to_svg(fig)


def caption_length_figure(lengths: dict[str, list[int]]) -> str:
    """Histogram of caption lengths in words per caption style (ChatEarthNet Fig. 9)."""
    with figure("caption-length", 8, 3) as fig:
        ax = fig.subplots()
        longest = max((max(v) for v in lengths.values() if v), default=1)
        bins = range(0, longest + 2, max(1, (longest + 1) // 40 or 1))
        for i, (group, values) in enumerate(lengths.items()):
            ax.hist(
                values,
                bins=list(bins),
                histtype="stepfilled",
                alpha=0.55,
                color=PALETTE[i % len(PALETTE)],
                label=f"{label(group)} (n={len(values)})",
            )
        ax.set_xlabel("words per caption")
        ax.set_ylabel("captions")
        ax.set_title("Caption length")
        if lengths:
            ax.legend(fontsize=8)
        return to_svg(fig)


def word_frequency_figure(top: list[tuple[str, int]]) -> str:
    """The most frequent content words of the captions (ChatEarthNet Fig. 10)."""
    with figure("words", 8, 3.2) as fig:
        ax = fig.subplots()
        ax.bar([label(w, 20) for w, _ in top], [n for _, n in top], color=PALETTE[2])
        ax.tick_params(axis="x", labelrotation=70)
        ax.set_ylabel("occurrences")
        ax.set_title(f"The {len(top)} most frequent words in the captions (stop words left out)")
        return to_svg(fig)


def diversity_figure(rows: list[Diversity]) -> str:
    """Distinct 1/2/3-grams and windowed type/token ratio per text group."""
    with figure("diversity", 8, 3) as fig:
        ax = fig.subplots()
        width = 0.2
        xs = range(len(rows))
        measures = [("distinct-1", 0), ("distinct-2", 1), ("distinct-3", 2)]
        for k, (name, i) in enumerate(measures):
            ax.bar(
                [x + (k - 1.5) * width for x in xs],
                [r.distinct[i] for r in rows],
                width,
                label=name,
                color=PALETTE[k],
            )
        window = rows[0].window if rows else 0
        ax.bar(
            [x + 1.5 * width for x in xs],
            [r.ttr or 0.0 for r in rows],
            width,
            label=f"TTR per {window} tokens",
            color=PALETTE[3],
        )
        ax.set_xticks(list(xs), [label(r.group, 24) for r in rows], rotation=30, ha="right")
        ax.set_ylim(0, 1)
        ax.set_title("Lexical diversity (questions for VQA)")
        ax.legend(fontsize=8, ncols=4)
        return to_svg(fig)


def vqa_figure(answers: dict[str, dict[str, int]], top: int = 4) -> str:
    """Answer shares per question type: the ``top`` answers and the rest."""
    kinds = list(answers)
    with figure("vqa", 9, 0.35 * len(kinds) + 1.2) as fig:
        ax = fig.subplots()
        for y, kind in enumerate(kinds):
            counts = answers[kind]
            total = sum(counts.values())
            left = 0.0
            items = list(counts.items())
            shown = items[:top]
            rest = sum(n for _, n in items[top:])
            if rest:
                shown.append((f"{len(items) - top} others", rest))
            for i, (answer, n) in enumerate(shown):
                share = 100 * n / total
                ax.barh(y, share, left=left, color=PALETTE[i % len(PALETTE)], edgecolor="white")
                if share > 7:
                    ax.text(
                        left + share / 2,
                        y,
                        label(answer, max(4, int(share / 1.6))),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white",
                    )
                left += share
        ax.set_yticks(
            range(len(kinds)), [f"{label(k, 30)} n={sum(answers[k].values())}" for k in kinds]
        )
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of answers")
        ax.set_title("VQA answer balance per question type")
        return to_svg(fig)
